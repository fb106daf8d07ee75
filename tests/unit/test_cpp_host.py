"""The catalogue's C++ modules, compiled with the host's g++ (and gcc for their C) and run on the
host: each must return what its module.toml expects and print exactly its expected stdout, so
the expected values come from what the source computes, not from what a board printed. On the
host, exit() runs the global destructors, as the firmware's unload does, newest first."""

from __future__ import annotations

import subprocess
from pathlib import Path


from sim.modbuild import CXX_FLAGS
from sim.modules import CXX_SUFFIXES, Module
from sim.toolchain import HOST_CC, HOST_COMPILER_TOOLS, HOST_CXX, check_tools


# Calls the entry with module.toml's args (missing ones 0) and reports its return value on
# stderr, apart from the module's own output on stdout.
DRIVER = """#include <stdio.h>
#include <stdlib.h>
int ENTRY(int, int, int, int);
int main(int argc, char **argv)
{
    int args[4] = {0, 0, 0, 0};
    for (int i = 1; i < argc && i <= 4; i++) {
        args[i - 1] = atoi(argv[i]);
    }
    fprintf(stderr, "%d", ENTRY(args[0], args[1], args[2], args[3]));
    return 0;
}
"""


def _runs_ok_everywhere(module: Module) -> bool:
    """Its code runs to a return value on every board: what the host can reproduce."""
    statuses = {module.expect.get("status", "ok")} | \
        {table.get("status", module.expect.get("status", "ok"))
         for table in module.expect_boards.values()}
    return statuses == {"ok"} and "return" in module.expect


def _cxx_modules(catalogue: dict[str, Module]) -> list[Module]:
    return [m for m in catalogue.values()
            if any(p.suffix in CXX_SUFFIXES for p in m.sources) and _runs_ok_everywhere(m)]


def _host_build(module: Module, out: Path) -> Path:
    """Each source with the host compiler of its language, linked with g++ and the driver."""
    objects = []
    for source in [*module.sources, out / "driver.c"]:
        cxx = source.suffix in CXX_SUFFIXES
        obj = out / f"{source.name}.o"
        command = [HOST_CXX if cxx else HOST_CC, "-O1", "-w", f"-I{module.path}",
                   f"-DENTRY={module.entry}", *(CXX_FLAGS if cxx else []), "-c", str(source),
                   "-o", str(obj)]
        subprocess.run(command, check=True, capture_output=True, text=True)
        objects.append(str(obj))
    program = out / module.name
    subprocess.run([HOST_CXX, *objects, "-o", str(program)], check=True, capture_output=True)
    return program


def test_there_are_cpp_modules_to_check(catalogue: dict[str, Module]) -> None:
    assert _cxx_modules(catalogue), "no C++ module in the catalogue runs to a return value"


def test_cpp_modules_compute_on_the_host_what_module_toml_expects(
        catalogue: dict[str, Module], tmp_path: Path) -> None:
    check_tools(HOST_COMPILER_TOOLS)   # python -m sim setup installs them
    for module in _cxx_modules(catalogue):
        out = tmp_path / module.name
        out.mkdir()
        (out / "driver.c").write_text(DRIVER)
        program = _host_build(module, out)
        ran = subprocess.run([str(program), *map(str, module.args)], capture_output=True,
                             text=True, timeout=30, check=True)
        assert int(ran.stderr) == module.expect["return"], module.name
        if "stdout" in module.expect:
            assert ran.stdout == module.expect["stdout"], module.name
