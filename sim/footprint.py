"""Firmware size figures: from the ELF's section sizes and, for the loader alone, from the linker
map (the input sections that came from firmware/loader/loader.c)."""

from __future__ import annotations

import re
from pathlib import Path

from sim.boards import Board
from sim.build import FirmwareImage
from sim.elfinfo import ElfInfo

FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".exports", ".data")
RAM_SECTIONS = (".stack", ".data", ".bss", ".noinit", ".module_arena")
# The loading code's object: sim/build.py names objects <source dir>_<stem>.o. The library's
# other file, loader_strerror.c (the error names), is optional and counted apart.
LOADER_OBJECT = "loader_loader.o"
# The loader's flash budget: code and read-only data from firmware/loader/loader.c (README.md,
# "On-target figures"); tests/sim/test_load_speed.py holds it there.
LOADER_FLASH_BUDGET = 1792

# Sample (name and numbers on one line or split over two):
#  .text.loader_read
#                 0x08000270      0x350 /tmp/build/netduinoplus2/obj/loader_loader.o
_INPUT_SECTION = re.compile(
    r"^ (?P<section>\.\S+)\s+0x(?P<address>[0-9a-f]+)\s+0x(?P<size>[0-9a-f]+) (?P<object>\S+)$",
    re.MULTILINE)


def loader_flash_bytes(map_file: Path) -> int:
    """Flash bytes (code and read-only data) the linker kept from the loader's object."""
    text = map_file.read_text()
    text = text[text.find("Linker script and memory map"):]
    text = re.sub(r"^( \.\S+)\n\s+", r"\1 ", text, flags=re.MULTILINE)  # join split lines
    total = 0
    for match in _INPUT_SECTION.finditer(text):
        kept = int(match["address"], 16) != 0
        is_loader = Path(match["object"]).name == LOADER_OBJECT
        if kept and is_loader and match["section"].startswith((".text", ".rodata")):
            total += int(match["size"], 16)
    return total


def firmware_footprint(image: FirmwareImage, board: Board) -> dict[str, int | None]:
    sections = ElfInfo(image.elf).section_sizes()
    return {
        "loader_bytes": loader_flash_bytes(image.map_file) if image.map_file.is_file() else None,
        "flash_bytes": sum(sections.get(name, 0) for name in FLASH_SECTIONS),
        "ram_bytes": sum(sections.get(name, 0) for name in RAM_SECTIONS),
        "module_arena_bytes": board.module_arena_bytes,
    }
