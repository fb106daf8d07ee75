"""The loader library stands on its own (firmware/loader/loader.h): it compiles without a single
warning (the firmware's warnings and -Wpedantic) for every core the boards use and for the host
with gcc and clang; a C++ program links it through loader.h's extern "C" and gets from
loader_strerror() exactly the names the host reads from LOADER_STATUSES; and the loading code
built alone stays within its flash budget on every core."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sim.boards import load_boards
from sim.footprint import LOADER_FLASH_BUDGET
from sim.jobs import loader_statuses
from sim.loader_library import (LIBRARY_DIR, SIZED_SOURCES, LibraryBuild, compile_library,
                                core_builds, host_builds, library_size)
from sim.cores import CORE_TABLE, CPUID_PARTS
from sim.toolchain import (HOST_CC, HOST_COMPILER_TOOLS, HOST_CXX, HOSTFUZZ_TOOLS, TOOLS,
                           check_tools)

# module_format.h, enum mod_core: the code of no core the loader knows.
MOD_CORE_UNKNOWN = int(re.search(r"MOD_CORE_UNKNOWN = (0x[0-9A-Fa-f]+)",
                                 (LIBRARY_DIR / "module_format.h").read_text())[1], 16)

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


# Prints loader_core_from_cpuid() of each CPUID given on the command line.
CPUID_PROGRAM = """#include <stdio.h>
#include <stdlib.h>
#include "loader.h"
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        printf("%u\\n", (unsigned)loader_core_from_cpuid((uint32_t)strtoul(argv[i], NULL, 0)));
    }
    return 0;
}
"""


def test_the_librarys_cpuid_table_is_the_hosts(tmp_path: Path) -> None:
    """loader_core_from_cpuid() gives each core's code from a CPUID with its part number (and
    other bits set around it), and MOD_CORE_UNKNOWN for a part sim/cores.py does not know."""
    check_tools(HOST_COMPILER_TOOLS)
    program = tmp_path / "cpuid.c"
    program.write_text(CPUID_PROGRAM)
    binary = tmp_path / "cpuid"
    subprocess.run([HOST_CC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wpedantic",
                    f"-I{LIBRARY_DIR}", str(program), "-o", str(binary)],
                   check=True, capture_output=True, text=True)
    unknown_part = max(CPUID_PARTS) + 1
    cpuids = [0x41 << 24 | core.cpuid_part << 4 | 0x1 for core in CORE_TABLE]
    printed = subprocess.run([str(binary), *map(str, cpuids), str(unknown_part << 4)],
                             check=True, capture_output=True, text=True).stdout.split()
    assert printed == [str(core.code) for core in CORE_TABLE] + [str(MOD_CORE_UNKNOWN)]


@pytest.mark.parametrize("build", core_builds(load_boards()), ids=lambda build: build.name)
def test_the_loading_code_stays_within_its_budget_on_every_core(build: LibraryBuild,
                                                                 tmp_path: Path) -> None:
    check_tools()
    sizes = library_size(build, tmp_path)
    assert 0 < sizes["text_bytes"] <= LOADER_FLASH_BUDGET
    assert sizes["strerror_bytes"] > 0
