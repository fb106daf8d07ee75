"""Builds the reference firmware, once per board, with strict warnings and a map file.

The image is the one a user would flash: nothing in it depends on a run. Builds are cached by a
digest of every input (sources, board files, flags, compiler version) and serialised with a
file lock, so parallel sessions and pytest-xdist workers build each board once.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sim import BOARDS_DIR, FIRMWARE_DIR, REPO_ROOT
from sim.boards import Board
from sim.errors import BuildError
from sim.toolchain import GCC

log = logging.getLogger(__name__)

WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wundef", "-Wstrict-prototypes",
            "-Wmissing-prototypes", "-Wcast-align", "-Wpointer-arith", "-Wconversion"]
# -ffile-prefix-map keeps the checkout's path out of the image: the same commit gives the same
# bytes wherever it is built.
FIRMWARE_CFLAGS = ["-std=c11", "-Os", "-g3", "-ffunction-sections", "-fdata-sections",
                   "-ffreestanding", "-fno-common", f"-ffile-prefix-map={REPO_ROOT}/="]
FIRMWARE_SOURCE_DIRS = ("src",)


@dataclass(frozen=True)
class FirmwareImage:
    board: str
    elf: Path
    map_file: Path


def firmware_sources() -> list[Path]:
    return sorted(p for d in FIRMWARE_SOURCE_DIRS for p in (FIRMWARE_DIR / d).glob("*.c"))


def _board_config(board: Board) -> str:
    return (f"/* Generated from {board.path.name} by sim/build.py. */\n"
            f'#define BOARD_NAME "{board.name}"\n'
            f"#define BOARD_CLOCK_HZ {board.cpu.clock_hz}u\n")


def firmware_command(board: Board, out_dir: Path) -> list[str]:
    """The one gcc command line that compiles and links the firmware for a board."""
    includes = [f"-I{out_dir}"] + [f"-I{FIRMWARE_DIR / d}" for d in FIRMWARE_SOURCE_DIRS]
    link = ["-nostartfiles", "--specs=nano.specs", f"-T{board.linker_script}", f"-L{BOARDS_DIR}",
            f"-Wl,--defsym=__stack_bytes={board.stack_bytes}",
            f"-Wl,--defsym=__module_arena_bytes={board.module_arena_bytes}",
            f"-Wl,-Map={out_dir / 'firmware.map'}", "-Wl,--gc-sections"]
    return ([GCC, *board.cpu.gcc_flags(), *FIRMWARE_CFLAGS, *WARNINGS, *includes,
             *map(str, firmware_sources()), *link, "-o", str(out_dir / "firmware.elf"),
             "-lc", "-lgcc"])


def _compiler_version() -> str:
    result = subprocess.run([GCC, "--version"], capture_output=True, text=True)
    return result.stdout


def _inputs_digest(board: Board, command: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(_compiler_version().encode())
    digest.update("\0".join(command).encode())
    headers = sorted(p for d in FIRMWARE_SOURCE_DIRS for p in (FIRMWARE_DIR / d).glob("*.h"))
    inputs = [*firmware_sources(), *headers, board.path, board.linker_script,
              BOARDS_DIR / "sections.ld"]
    for path in inputs:
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock that other processes (xdist workers, parallel runs) respect."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_firmware(board: Board, build_dir: Path) -> FirmwareImage:
    """Build (or reuse) build_dir/<board>/firmware.elf."""
    out_dir = build_dir / board.name
    image = FirmwareImage(board.name, out_dir / "firmware.elf", out_dir / "firmware.map")
    command = firmware_command(board, out_dir)
    with file_lock(out_dir / ".lock"):
        stamp = out_dir / "firmware.digest"
        digest = _inputs_digest(board, command)
        if image.elf.is_file() and stamp.is_file() and stamp.read_text() == digest:
            return image
        (out_dir / "board_config.h").write_text(_board_config(board))
        log.info("building firmware for %s", board.name)
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
        if result.returncode != 0:
            raise BuildError(f"firmware build for {board.name} failed:\n$ "
                             f"{' '.join(command)}\n{result.stderr.strip()}")
        stamp.write_text(digest)
    return image
