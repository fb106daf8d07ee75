"""The catalogue's application images, their work compiled with the host's gcc and run on the
host: each must return what its module.toml expects and print exactly its expected stdout, so
the expected values come from what the source computes, not from what a board printed. Only the
vector table and the reset handler (vectors.c, which only an Arm core can start) stay out."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sim.modules import Module
from sim.toolchain import HOST_CC, HOST_COMPILER_TOOLS, check_tools

# The file that makes a catalogue application an image: its vector table and reset handler.
VECTORS_SOURCE = "vectors.c"
# Calls what the reset handler calls and reports its return value on stderr, apart from the
# application's own output on stdout.
DRIVER = """#include <stdio.h>
#include "application.h"
int main(void)
{
    fprintf(stderr, "%d", application_main());
    return 0;
}
"""


def _applications(catalogue: dict[str, Module]) -> list[Module]:
    return [m for m in catalogue.values()
            if m.kind == "application" and m.expect.get("status", "ok") == "ok"]


def test_the_catalogue_shows_an_application_image(catalogue: dict[str, Module]) -> None:
    assert _applications(catalogue), "no module.toml with kind = \"application\" runs to a return"


def test_applications_compute_on_the_host_what_module_toml_expects(
        catalogue: dict[str, Module], tmp_path: Path) -> None:
    check_tools(HOST_COMPILER_TOOLS)   # python -m sim setup installs them
    for module in _applications(catalogue):
        sources = [p for p in module.sources if p.name != VECTORS_SOURCE]
        assert len(sources) < len(module.sources), f"{module.name}: no {VECTORS_SOURCE}"
        driver = tmp_path / f"{module.name}_driver.c"
        driver.write_text(DRIVER)
        program = tmp_path / module.name
        subprocess.run([HOST_CC, "-O1", "-w", f"-I{module.path}", *map(str, sources),
                        str(driver), "-o", str(program)], check=True, capture_output=True)
        ran = subprocess.run([str(program)], capture_output=True, text=True, timeout=30,
                             check=True)
        assert int(ran.stderr) == module.expect["return"], module.name
        assert ran.stdout == module.expect["stdout"], module.name
