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


# ld puts a long section name on a line of its own and the address and size on the next: join
# them (output sections start in column 0, input sections in column 1).
_JOIN_SPLIT_LINES = (re.compile(r"^( ?\.\S+)\n\s+", re.MULTILINE), r"\1 ")


def loader_flash_bytes(map_file: Path) -> int:
    """Flash bytes (code and read-only data) the linker kept from the loader's object."""
    text = map_file.read_text()
    text = text[text.find("Linker script and memory map"):]
    text = _JOIN_SPLIT_LINES[0].sub(_JOIN_SPLIT_LINES[1], text)
    total = 0
    for match in _INPUT_SECTION.finditer(text):
        kept = int(match["address"], 16) != 0
        is_loader = Path(match["object"]).name == LOADER_OBJECT
        if kept and is_loader and match["section"].startswith((".text", ".rodata")):
            total += int(match["size"], 16)
    return total


# Sample output section line of the map's memory map: ".text           0x080001c0     0x4d00"
_OUTPUT_SECTION = re.compile(
    r"^(?P<name>\.\S+)\s+0x(?P<address>[0-9a-f]+)\s+0x(?P<size>[0-9a-f]+)", re.MULTILINE)


def map_describes(map_file: Path, elf: Path) -> bool:
    """Whether the map is the image's: every section the image loads or allocates is in it at
    the same address with the same size. A map left beside a rebuilt or another image is not,
    and its loader figure would be wrong."""
    text = _JOIN_SPLIT_LINES[0].sub(_JOIN_SPLIT_LINES[1], map_file.read_text())
    listed = {(m["name"], int(m["address"], 16), int(m["size"], 16))
              for m in _OUTPUT_SECTION.finditer(text)}
    return ElfInfo(elf).allocated_sections() <= listed


def _loader_bytes(image: FirmwareImage) -> int | None:
    """The loader's flash bytes from the image's map; None (unknown) without a map that is the
    image's (a --firmware image given without its map)."""
    if not image.map_file.is_file() or not map_describes(image.map_file, image.elf):
        return None
    return loader_flash_bytes(image.map_file)


def firmware_footprint(image: FirmwareImage, board: Board) -> dict[str, int | None]:
    sections = ElfInfo(image.elf).section_sizes()
    return {
        "loader_bytes": _loader_bytes(image),
        "flash_bytes": sum(sections.get(name, 0) for name in FLASH_SECTIONS),
        "ram_bytes": sum(sections.get(name, 0) for name in RAM_SECTIONS),
        "module_arena_bytes": board.module_arena_bytes,
    }
