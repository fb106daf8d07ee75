"""The loader library (firmware/loader/) built on its own, as another team would build it: for
each core the boards use and for the host, warning-free, and its size per core.

The size figures are the library's code and read-only data built alone with the firmware's
flags for that core, so a change to the loader shows on every core, whichever boards run it:
`text_bytes` for loader.c (the loading code, within LOADER_FLASH_BUDGET) and `strerror_bytes`
for loader_strerror.c (the error names, which a firmware links only if it calls it).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from elftools.elf.elffile import ELFFile

from sim import DATA_ROOT, FIRMWARE_DIR
from sim.boards import Board
from sim.build import FIRMWARE_CFLAGS, WARNINGS, compiler_version
from sim.errors import BuildError
from sim.toolchain import CLANG, GCC, HOST_CC

LIBRARY_DIR = FIRMWARE_DIR / "loader"
LOADER_SOURCE = LIBRARY_DIR / "loader.c"
STRERROR_SOURCE = LIBRARY_DIR / "loader_strerror.c"
# Each source and the figure its size goes under.
SIZED_SOURCES = {"text_bytes": LOADER_SOURCE, "strerror_bytes": STRERROR_SOURCE}
LIBRARY_HEADERS = ("loader.h", "module_format.h", "export_table.h", "crc32_table.h")
# The firmware's warnings, and ISO C with no extensions beyond what the sources spell __x__.
LIBRARY_WARNINGS = [*WARNINGS, "-Wpedantic"]
# The host builds: the fuzzer's, and anyone's unit tests of their loader glue.
HOST_COMPILERS = (HOST_CC, CLANG)
HOST_CFLAGS = ["-std=c11", "-Os", "-ffunction-sections", "-fdata-sections"]


@dataclass(frozen=True)
class LibraryBuild:
    """One way to build the library: a name for reports ("cortex-m4", "host-gcc"), the
    compiler, and its flags before the warnings."""
    name: str
    compiler: str
    flags: tuple[str, ...]

    def compile_command(self, source: Path, obj: Path) -> list[str]:
        return [self.compiler, *self.flags, *LIBRARY_WARNINGS, f"-I{LIBRARY_DIR}", "-c",
                str(source), "-o", str(obj)]


def core_builds(boards: Iterable[Board]) -> list[LibraryBuild]:
    """One build per core the boards use, with the target flags of the first board of that
    core by name (the loader has no floating-point code: its FPU flags change nothing)."""
    first: dict[str, Board] = {}
    for board in sorted(boards, key=lambda b: b.name):
        first.setdefault(board.cpu.core, board)
    return [LibraryBuild(core, GCC, (*board.cpu.gcc_flags(), *FIRMWARE_CFLAGS))
            for core, board in first.items()]


def host_builds() -> list[LibraryBuild]:
    return [LibraryBuild(f"host-{compiler}", compiler, tuple(HOST_CFLAGS))
            for compiler in HOST_COMPILERS]


def compile_library(build: LibraryBuild, source: Path, obj: Path) -> None:
    """Compile one library source; a BuildError with the compiler's message on any warning."""
    command = build.compile_command(source, obj)
    result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                            cwd=DATA_ROOT)
    if result.returncode != 0 or result.stderr.strip():
        raise BuildError(f"compiling {source.name} alone for {build.name} failed:\n"
                         f"$ {' '.join(command)}\n{result.stderr.strip()}")


def object_code_bytes(obj: Path) -> int:
    """Code and read-only data in an object file, as loader_flash_bytes counts them in a map."""
    with open(obj, "rb") as handle:
        return sum(section["sh_size"] for section in ELFFile(handle).iter_sections()
                   if section.name.startswith((".text", ".rodata")))


def _digest(build: LibraryBuild) -> str:
    digest = hashlib.sha256(compiler_version().encode())
    digest.update("\0".join([build.name, *build.compile_command(Path("-"), Path("-"))]).encode())
    for path in [*SIZED_SOURCES.values(), *(LIBRARY_DIR / name for name in LIBRARY_HEADERS)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def library_size(build: LibraryBuild, build_dir: Path) -> dict[str, int]:
    """{"text_bytes": ..., "strerror_bytes": ...} of the library built alone this way, kept in
    build_dir by a digest of its inputs (sources, flags, compiler version)."""
    out_dir = build_dir.absolute() / "loader-library" / f"{build.name}-{_digest(build)}"
    sizes_file = out_dir / "sizes.json"
    if sizes_file.is_file():
        return json.loads(sizes_file.read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for figure, source in SIZED_SOURCES.items():
        obj = out_dir / f"{source.stem}.o"
        compile_library(build, source, obj)
        sizes[figure] = object_code_bytes(obj)
    partial = out_dir / f"sizes.json.{os.getpid()}"
    partial.write_text(json.dumps(sizes))
    partial.replace(sizes_file)  # whole or not at all: parallel runs may share build_dir
    return sizes


def library_footprint(boards: Iterable[Board], build_dir: Path) -> dict[str, dict[str, int]]:
    """results.json's "library": per core the boards use, the library's sizes built alone."""
    return {build.name: library_size(build, build_dir) for build in core_builds(boards)}
