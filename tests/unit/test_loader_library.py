"""The loader library stands on its own (firmware/loader/loader.h): it compiles without a single
warning (the firmware's warnings and -Wpedantic) for every core the boards use and for the host
with gcc and clang; a C++ program links it through loader.h's extern "C" and gets from
loader_strerror() exactly the names the host reads from LOADER_STATUSES; and the loading code
built alone stays within its flash budget on every core."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sim.boards import load_boards
from sim.footprint import LOADER_FLASH_BUDGET
from sim.jobs import loader_statuses
from sim.loader_library import (LIBRARY_DIR, SIZED_SOURCES, LibraryBuild, compile_library,
                                core_builds, host_builds, library_size)
from sim.toolchain import (HOST_COMPILER_TOOLS, HOSTFUZZ_TOOLS, HOST_CXX, TOOLS, check_tools)

BUILDS = {build.name: build for build in [*core_builds(load_boards()), *host_builds()]}


@pytest.mark.parametrize("name", list(BUILDS))
def test_the_library_builds_alone_without_a_warning(name: str, tmp_path: Path) -> None:
    check_tools(TOOLS + HOSTFUZZ_TOOLS[:1] + HOST_COMPILER_TOOLS)
    for source in SIZED_SOURCES.values():
        compile_library(BUILDS[name], source, tmp_path / f"{source.stem}.o")  # raises on a warning


# Prints loader_strerror() of each status from 1 down to the last one and two beyond it.
CXX_PROGRAM = """#include <cstdio>
#include <cstdlib>
#include "loader.h"
int main(int argc, char **argv)
{
    int lowest = std::atoi(argv[argc - 1]);
    for (int status = 1; status >= lowest - 2; status--) {
        std::printf("%d %s\\n", status, loader_strerror(status));
    }
    return 0;
}
"""


def test_a_cpp_program_links_it_and_gets_the_names_the_host_reads(tmp_path: Path) -> None:
    check_tools(HOST_COMPILER_TOOLS)
    host_gcc = next(build for build in host_builds() if build.compiler == "gcc")
    objects = []
    for source in SIZED_SOURCES.values():
        objects.append(tmp_path / f"{source.stem}.o")
        compile_library(host_gcc, source, objects[-1])
    program = tmp_path / "names.cpp"
    program.write_text(CXX_PROGRAM)
    binary = tmp_path / "names"
    subprocess.run([HOST_CXX, "-std=c++11", "-Wall", "-Wextra", "-Werror", "-Wpedantic",
                    f"-I{LIBRARY_DIR}", str(program), *map(str, objects), "-o", str(binary)],
                   check=True, capture_output=True, text=True)
    statuses = loader_statuses()
    lowest = min(statuses.values())
    printed = subprocess.run([str(binary), str(lowest)], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    by_value = {value: name for name, value in statuses.items()}
    expected = [f"{value} {by_value.get(value, 'unknown')}" for value in range(1, lowest - 3, -1)]
    assert printed == expected


@pytest.mark.parametrize("build", core_builds(load_boards()), ids=lambda build: build.name)
def test_the_loading_code_stays_within_its_budget_on_every_core(build: LibraryBuild,
                                                                 tmp_path: Path) -> None:
    check_tools()
    sizes = library_size(build, tmp_path)
    assert 0 < sizes["text_bytes"] <= LOADER_FLASH_BUDGET
    assert sizes["strerror_bytes"] > 0
