"""Is the firmware that booted the one this run asked for?

Every boot starts with a @boot record (firmware/src/PROTOCOL.md): the board the image was built
for, the CPUID of the core it runs on, its clock and the API of its export table. A run on the
wrong image would convert timings with the wrong clock and judge modules against the wrong
exports, so any difference stops the whole run (exit 2) naming both sides.
"""

from __future__ import annotations

from functools import lru_cache

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import ARMAttributesSection

from sim.boards import Board
from sim.build import FirmwareImage
from sim.cores import ARCHITECTURE_NAMES, CORE_FACTS, CORE_TABLE, CPUID_PARTS
from sim.errors import ProtocolError, SetupError
from sim.exports import EXPORTS_FILE, load_api
from sim.protocol import Record



class FirmwareMismatch(SetupError):
    """The firmware that booted is not the one the run asked for."""


@lru_cache(maxsize=1)
def repository_api() -> tuple[int, int]:
    """The API the run's modules are built against: firmware/src/exports.txt's."""
    api = load_api(EXPORTS_FILE)
    return api.major, api.minor


def _core(cpuid: int | None) -> str:
    if cpuid is None:
        return "no core"
    part = cpuid >> 4 & 0xFFF
    return CPUID_PARTS.get(part, f"an unknown core (part {part:#05x})")


def _number(boot: Record, key: str) -> int | None:
    try:
        return boot.int(key) if key in boot.fields else None
    except ProtocolError:
        return None


def check_identity(boot: Record, board: Board, image: FirmwareImage) -> None:
    """Raise FirmwareMismatch unless the @boot record shows the asked-for board, core, clock
    and API."""
    said_board = boot.fields.get("board", "?")
    cpuid, clock = _number(boot, "cpuid"), _number(boot, "clock")
    api = (_number(boot, "api_major"), _number(boot, "api_minor"))
    wanted_api = image.api or repository_api()
    if (said_board, _core(cpuid), clock, api) == (board.name, board.cpu.core, board.cpu.clock_hz,
                                                    wanted_api):
        return
    where = image.given_as or f"the firmware {image.elf}"
    said = (f"board={said_board} on {_core(cpuid)} (cpuid {cpuid:#010x})" if cpuid is not None
            else f"board={said_board}")
    raise FirmwareMismatch(
        f"{where}: the firmware says {said}, clock {clock} Hz, api {api[0]}.{api[1]}; this run "
        f"asked for {board.name} ({board.cpu.core}, clock {board.cpu.clock_hz} Hz, api "
        f"{wanted_api[0]}.{wanted_api[1]}, machine {board.qemu_machine})")


def image_architecture(image: ELFFile) -> int | None:
    """Tag_CPU_arch of the image's .ARM.attributes; None without one."""
    section = image.get_section_by_name(".ARM.attributes")
    if not isinstance(section, ARMAttributesSection):
        return None
    for subsection in section.iter_subsections():
        for subsubsection in subsection.iter_subsubsections():
            for attribute in subsubsection.iter_attributes():
                if attribute.tag == "TAG_CPU_ARCH":
                    return attribute.value
    return None


def check_image_architecture(image: ELFFile, board: Board, where: str) -> None:
    """Before any boot: an image built for another architecture than the board's core (the
    other board's firmware, say) would not run there, or not as that board's firmware."""
    built_for = image_architecture(image)
    wanted = CORE_FACTS[board.cpu.core].tag_cpu_arch
    if built_for is None or built_for == wanted:
        return
    cores = [core.name for core in CORE_TABLE if core.tag_cpu_arch == built_for]
    raise FirmwareMismatch(
        f"{where}: the image is built for {ARCHITECTURE_NAMES.get(built_for, built_for)} "
        f"({' or '.join(cores) or 'no core a board may name'}, from its .ARM.attributes); this "
        f"run asked for {board.name} ({board.cpu.core}, {ARCHITECTURE_NAMES[wanted]})")


def _cores_for(tag: int | None) -> str:
    cores = [core.name for core in CORE_TABLE if core.tag_cpu_arch == tag]
    return " or ".join(cores) or "no core a board may name"


def check_image_memory_map(image: ELFFile, board: Board, where: str) -> None:
    """Before any boot: an image linked for another memory map (the firmware of a board with
    the same core but flash elsewhere, say) would not boot at all, so it would never say which
    board it is for. Its vector table must be where the board's flash starts (the core boots
    from there; boards/sections.ld puts it first in FLASH)."""
    vectors = image.get_section_by_name(".isr_vector")
    flash = board.region("flash").origin
    if vectors is None or vectors["sh_addr"] == flash:
        return
    raise FirmwareMismatch(
        f"{where}: the image is linked for flash at {vectors['sh_addr']:#010x} (built for "
        f"{_cores_for(image_architecture(image))}); this run asked for {board.name} "
        f"({board.cpu.core}, flash at {flash:#010x})")
