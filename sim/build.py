"""Builds the reference firmware, once per board, with strict warnings and a map file.

The image is the one a user would flash: nothing in it depends on a run. Builds are cached by a
digest of every input (sources, board files, flags, compiler version) and serialised with a
file lock, so parallel sessions and pytest-xdist workers build each board once.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sim import BOARDS_DIR, DATA_ROOT, FIRMWARE_DIR
from sim.boards import Board
from sim.cores import FPU_CODES
from sim.elfinfo import ElfInfo
from sim.errors import BuildError
from sim.exports import CHECKSUM_SYMBOL, ENTRIES_SYMBOL, EXPORTS_FILE, export_table_source, load_api
from sim.toolchain import GCC

log = logging.getLogger(__name__)

WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wundef", "-Wstrict-prototypes",
            "-Wmissing-prototypes", "-Wcast-align", "-Wpointer-arith", "-Wconversion"]
# -ffile-prefix-map keeps the checkout's path out of the image: the same commit gives the same
# bytes wherever it is built.
FIRMWARE_CFLAGS = ["-std=c11", "-Os", "-g3", "-ffunction-sections", "-fdata-sections",
                   "-ffreestanding", "-fno-common", f"-ffile-prefix-map={DATA_ROOT}/="]
LOADER_DIR = FIRMWARE_DIR / "loader"   # the loader library: part of every firmware
REFERENCE_DIR = FIRMWARE_DIR / "src"   # the reference firmware's own sources


@dataclass(frozen=True)
class FirmwareImage:
    board: str
    elf: Path
    map_file: Path
    api: tuple[int, int] | None = None   # (major, minor) it exports; None: exports.txt's
    given_as: str | None = None          # the --firmware option that named it, for messages
    # The ELF whose symbols and line tables name the image's addresses: its --firmware-debug
    # ELF (same loadable bytes); None: the image's own (none left in a stripped image).
    debug_elf: Path | None = None


@dataclass(frozen=True)
class FirmwareSource:
    """What a firmware is built from: a folder of its own C sources and headers (the
    reference firmware's is firmware/src), the loader library (firmware/loader, always), and the
    API its export table is generated from: the folder's exports.txt, or the reference
    firmware's when it has none (README.md, "Building a firmware")."""
    folder: Path
    api_file: Path

    @classmethod
    def of(cls, folder: Path) -> "FirmwareSource":
        own_api = folder / EXPORTS_FILE.name
        return cls(folder, own_api if own_api.is_file() else EXPORTS_FILE)

    @property
    def include_dirs(self) -> list[Path]:
        return [self.folder, LOADER_DIR]

    def sources(self) -> list[Path]:
        """Every .c file, in one path order (the link order, so the same sources always give
        the same image)."""
        return sorted(p for d in self.include_dirs for p in d.glob("*.c"))

    def inputs(self) -> list[Path]:
        """Every file the image depends on, other than the board's own and the API file."""
        found = [p for d in self.include_dirs for pattern in ("*.c", "*.h")
                 for p in d.glob(pattern)]
        return sorted(found) + [BOARDS_DIR / "sections.ld"]

    def object_name(self, source: Path) -> str:
        """loader_<stem>.o for the library's sources (sim/footprint.py counts the loader's
        bytes by that prefix), src_<stem>.o for the firmware's own, whatever its folder, and
        generated_<stem>.o for what the build writes (the export table)."""
        role = ("loader" if source.parent == LOADER_DIR else
                "src" if source.parent == self.folder else "generated")
        return f"{role}_{source.stem}.o"


def source_folder_key(folder: Path) -> str:
    """A short name for a source folder, the same every time: its name and a digest of its
    absolute path (two folders of one name never share a build folder)."""
    path = str(folder.resolve())
    return f"{folder.resolve().name}-{hashlib.sha256(path.encode()).hexdigest()[:12]}"


def _core_macro(core: str) -> str:
    """BOARD_CORE_CORTEX_M7 for "cortex-m7": what firmware code for one core is compiled under."""
    return "BOARD_CORE_" + core.upper().replace("-", "_")


def _board_config(board: Board) -> str:
    return (f"/* Generated from {board.path.name} by sim/build.py. */\n"
            f'#define BOARD_NAME "{board.name}"\n'
            f"#define BOARD_CLOCK_HZ {board.cpu.clock_hz}u\n"
            f"#define BOARD_FPU_KIND {FPU_CODES[board.cpu.fpu]}u /* enum mod_fpu */\n"
            f"#define {_core_macro(board.cpu.core)} 1 /* the board file's core */\n"
            f"#define BOARD_JOB_STACK_BYTES {board.job_stack_bytes}u\n"
            + "".join(f"#define {name} {value:#010x}u /* the board file's */\n"
                      for name, value in board.defines().items()))


def _compile_command(board: Board, out_dir: Path, includes_from: FirmwareSource, source: Path,
                     obj: Path) -> list[str]:
    includes = [f"-I{out_dir}"] + [f"-I{d}" for d in includes_from.include_dirs]
    return [GCC, *board.cpu.gcc_flags(), *FIRMWARE_CFLAGS, *WARNINGS, *includes, "-c",
            str(source), "-o", str(obj)]


def _link_command(board: Board, out_dir: Path, objects: list[Path], checksum: int) -> list[str]:
    return [GCC, *board.cpu.gcc_flags(), "-nostartfiles", "--specs=nano.specs",
            f"-T{board.linker_script}", f"-L{BOARDS_DIR}",
            f"-Wl,--defsym=__stack_bytes={board.stack_bytes}",
            f"-Wl,--defsym=__module_arena_bytes={board.module_arena_bytes}",
            f"-Wl,--defsym={CHECKSUM_SYMBOL}={checksum:#x}",
            *(f"-Wl,--defsym={name}={value:#x}"
              for name, value in board.addresses.linker_symbols().items()),
            f"-Wl,-Map={out_dir / 'firmware.map'}", "-Wl,--gc-sections",
            *map(str, objects), "-o", str(out_dir / "firmware.elf"), "-lc", "-lgcc"]


def _run(command: list[str], what: str) -> None:
    # errors="replace": gcc echoes source lines, which need not be UTF-8; report them anyway.
    result = subprocess.run(command, capture_output=True, text=True,
                            errors="replace", cwd=DATA_ROOT)
    if result.returncode != 0:
        raise BuildError(f"{what} failed:\n$ {' '.join(command)}\n{result.stderr.strip()}")


@lru_cache(maxsize=1)
def compiler_version() -> str:
    """arm-none-eabi-gcc's --version text, asked once per process (every build digest has it)."""
    return subprocess.run([GCC, "--version"], capture_output=True, text=True).stdout


def _inputs_digest(board: Board, source: FirmwareSource) -> str:
    digest = hashlib.sha256()
    digest.update(compiler_version().encode())
    digest.update("\0".join([*board.cpu.gcc_flags(), *FIRMWARE_CFLAGS, *WARNINGS,
                             str(source.folder.resolve())]).encode())
    for path in [*source.inputs(), board.path, board.linker_script, source.api_file]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _export_entries_crc(elf: Path) -> int:
    """CRC-32 of the export table's entries as linked (what the firmware checks at boot)."""
    data = ElfInfo(elf).symbol_bytes(ENTRIES_SYMBOL)
    if data is None:
        raise BuildError(f"{elf}: no {ENTRIES_SYMBOL} symbol")
    return zlib.crc32(data)


def _compile_failure(work: tuple[Board, Path, FirmwareSource, Path, Path]) -> BuildError | None:
    board, out_dir, firmware, source, obj = work
    try:
        _run(_compile_command(board, out_dir, firmware, source, obj),
             f"compiling {source.name} for {board.name}")
    except BuildError as error:
        return error
    return None


def _compile_and_link(board: Board, out_dir: Path, firmware: FirmwareSource) -> None:
    (out_dir / "board_config.h").write_text(_board_config(board))
    (out_dir / "exports_table.c").write_text(export_table_source(load_api(firmware.api_file),
                                                                 board.name))
    sources = [*firmware.sources(), out_dir / "exports_table.c"]
    objects = [out_dir / "obj" / firmware.object_name(source) for source in sources]
    (out_dir / "obj").mkdir(parents=True, exist_ok=True)
    # gcc runs are independent processes: as many at once as there are cores. map() keeps
    # source order, so the first failure reported is the first failing source, every time.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        failures = pool.map(_compile_failure, [(board, out_dir, firmware, source, obj)
                                               for source, obj in zip(sources, objects)])
        first = next((failure for failure in failures if failure is not None), None)
    if first is not None:
        raise first
    # Link twice: the export table's checksum covers the linked entries, which the checksum's
    # own value cannot move.
    _run(_link_command(board, out_dir, objects, 0), f"linking the firmware for {board.name}")
    checksum = _export_entries_crc(out_dir / "firmware.elf")
    _run(_link_command(board, out_dir, objects, checksum), f"linking the firmware for {board.name}")
    if _export_entries_crc(out_dir / "firmware.elf") != checksum:
        raise BuildError(f"{board.name}: the export table moved between the two links")


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


def build_firmware(board: Board, build_dir: Path, api_file: Path = EXPORTS_FILE) -> FirmwareImage:
    """Build (or reuse) build_dir/<board>/firmware.elf, the reference firmware exporting the API
    in api_file."""
    return build_firmware_from(board, FirmwareSource(REFERENCE_DIR, api_file),
                               build_dir / board.name)


def build_firmware_from(board: Board, source: FirmwareSource, out_dir: Path) -> FirmwareImage:
    """Build (or reuse) out_dir/firmware.elf and its map from source, for the board."""
    out_dir = out_dir.absolute()   # the compiler runs in DATA_ROOT: never write relative to it
    api = load_api(source.api_file)
    image = FirmwareImage(board.name, out_dir / "firmware.elf", out_dir / "firmware.map",
                          (api.major, api.minor))
    with file_lock(out_dir / ".lock"):
        stamp = out_dir / "firmware.digest"
        digest = _inputs_digest(board, source)
        if image.elf.is_file() and stamp.is_file() and stamp.read_text() == digest:
            return image
        stamp.unlink(missing_ok=True)
        log.info("building firmware for %s", board.name)
        _compile_and_link(board, out_dir, source)
        stamp.write_text(digest)
    return image
