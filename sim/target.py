"""A target: a board and the firmware image that runs on it, with what the run reads from that
image (its symbols and line tables, or its debug ELF's; its export table) read once per image."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.boards import Board
from sim.build import FirmwareImage
from sim.elfinfo import ElfInfo
from sim.oracle import FirmwareExports

_ELF_CACHE: dict[Path, ElfInfo] = {}
_EXPORTS_CACHE: dict[Path, FirmwareExports] = {}


def elf_info(path: Path) -> ElfInfo:
    """One ElfInfo per ELF file for the whole process: each parses what it needs once."""
    return _ELF_CACHE.setdefault(path, ElfInfo(path))


@dataclass(frozen=True)
class Target:
    """A board and the firmware image that runs on it."""
    board: Board
    image: FirmwareImage

    @property
    def elf(self) -> ElfInfo:
        """The ELF that describes the image: its bytes, and, where it has them, the symbols and
        line tables that name its addresses (the --firmware-debug ELF when one was given)."""
        return elf_info(self.image.debug_elf or self.image.elf)

    @property
    def exports(self) -> FirmwareExports:
        return _EXPORTS_CACHE.setdefault(self.image.elf, FirmwareExports(self.image.elf))
