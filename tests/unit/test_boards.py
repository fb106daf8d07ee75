"""Board files: the real ones load, and every kind of mistake names the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sim import BOARDS_DIR
from sim.boards import Cpu, board_names, load_board, load_boards
from sim.cli import main
from sim.cores import CORE_FACTS
from sim.errors import BoardError


# What the datasheets say of each MCU a board file names (the SRAM the firmware uses, the core
# clock the board runs at), and what its [qemu].differences must mention; a board file is held
# to its MCU's line here.
SILICON = {
    "STM32F405RG": {"cpu": ("cortex-m4", "fpv4-sp-d16", "hard"), "flash": 1024 * 1024,
                    "sram": 128 * 1024, "clock_hz": 168_000_000, "qemu": "no CCM"},
    "STM32F100RB": {"cpu": ("cortex-m3", "none", "soft"), "flash": 128 * 1024,
                    "sram": 8 * 1024, "clock_hz": 24_000_000, "qemu": "none known"},
    "nRF51822-QFAA": {"cpu": ("cortex-m0", "none", "soft"), "flash": 256 * 1024,
                      "sram": 16 * 1024, "clock_hz": 16_000_000, "qemu": "reads as 0"},
    # Arm MPS2 FPGA images (Application Notes AN385, AN386, AN500): code in 4 MiB of ZBT
    # SSRAM1 (the board's "flash"), data in 4 MiB of ZBT SSRAM2&3, 25 MHz.
    "AN385 (Cortex-M3 FPGA image)": {"cpu": ("cortex-m3", "none", "soft"),
                                     "flash": 4 << 20, "sram": 4 << 20, "clock_hz": 25_000_000,
                                     "qemu": "unimplemented devices"},
    "AN386 (Cortex-M4 FPGA image)": {"cpu": ("cortex-m4", "fpv4-sp-d16", "hard"),
                                     "flash": 4 << 20, "sram": 4 << 20, "clock_hz": 25_000_000,
                                     "qemu": "unimplemented devices"},
    "AN500 (Cortex-M7 FPGA image)": {"cpu": ("cortex-m7", "fpv5-d16", "hard"),
                                     "flash": 4 << 20, "sram": 4 << 20, "clock_hz": 25_000_000,
                                     "qemu": "does not model the Cortex-M7's caches"},
    # Application Notes AN505 and AN547: code memory as "flash", the RAM the firmware uses.
    "AN505 (IoT Kit, Cortex-M33)": {"cpu": ("cortex-m33", "fpv5-sp-d16", "hard"),
                                    "flash": 4 * 1024 * 1024, "sram": 4 * 1024 * 1024,
                                    "clock_hz": 20_000_000, "qemu": "as the silicon has it"},
    "AN547 (SSE-300, Cortex-M55)": {"cpu": ("cortex-m55", "fpv5-d16", "hard"),
                                    "flash": 512 * 1024, "sram": 512 * 1024,
                                    "clock_hz": 32_000_000, "qemu": "as the silicon has them"},
}


@pytest.mark.parametrize("name", sorted(board_names()))
def test_real_boards_load_with_their_silicon_facts(name: str) -> None:
    [board] = load_boards([name])
    facts = SILICON.get(board.mcu)
    if facts is None:
        pytest.skip(f"{name}: no datasheet facts recorded in SILICON for its MCU {board.mcu}")
    assert (board.cpu.core, board.cpu.fpu, board.cpu.float_abi) == facts["cpu"]
    assert board.region("flash").length == facts["flash"]
    assert board.region(board.firmware_ram).length == facts["sram"]
    assert board.cpu.clock_hz == facts["clock_hz"]
    assert facts["qemu"] in board.qemu_differences


def test_boards_are_frozen() -> None:
    board = load_boards()[0]
    with pytest.raises(AttributeError):
        board.name = "other"  # type: ignore[misc]


def test_gcc_flags_follow_the_cpu() -> None:
    m4f = Cpu("cortex-m4", "fpv4-sp-d16", "hard", 168_000_000)
    m3 = Cpu("cortex-m3", "none", "soft", 24_000_000)
    assert m4f.gcc_flags() == ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard",
                               "-mfpu=fpv4-sp-d16"]
    assert m3.gcc_flags() == ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]


# A board file to break, of its own so the cases below hold whatever boards/ has: a Cortex-M3
# without an FPU (the float_abi and fpu cases need one), 8 KiB of SRAM, a 4 KiB arena.
SAMPLE_BOARD = """name = "sample_m3"
description = "a Cortex-M3 board for the board-file tests"
mcu = "STM32F100RB"
linker_script = "sample_m3.ld"

[cpu]
core = "cortex-m3"
fpu = "none"
float_abi = "soft"
clock_hz = 24000000

[[memory]]
name = "flash"
origin = 0x08000000
length = 0x20000
access = "rx"

[[memory]]
name = "sram"
origin = 0x20000000
length = 0x2000
access = "rwx"

[firmware]
ram = "sram"
stack_bytes = 0x400
job_stack_bytes = 0x400
module_arena_bytes = 0x1000

[qemu]
machine = "stm32vldiscovery"
differences = "none known"
"""
SAMPLE_LINKER_SCRIPT = """MEMORY
{
  FLASH (rx)  : ORIGIN = 0x08000000, LENGTH = 0x20000
  RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 0x2000
}
INCLUDE sections.ld
"""


@pytest.fixture
def board_copy(tmp_path: Path) -> Path:
    """A writable board folder with sample_m3.toml (and its .ld) to break."""
    (tmp_path / "sample_m3.ld").write_text(SAMPLE_LINKER_SCRIPT)
    shutil.copy(BOARDS_DIR / "sections.ld", tmp_path / "sections.ld")
    (tmp_path / "sample_m3.toml").write_text(SAMPLE_BOARD)
    return tmp_path / "sample_m3.toml"


def test_the_sample_board_loads(board_copy: Path) -> None:
    """So that each case below fails for its own edit alone."""
    assert load_board(board_copy).name == "sample_m3"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old, new, key, problem", [
    ('core = "cortex-m3"', 'core = "cortex-m99"', "cpu.core", "expected one of"),
    ("clock_hz = 24000000", 'clock_hz = "fast"', "cpu.clock_hz", "expected an integer"),
    ("clock_hz = 24000000", "clock_hz = 0", "cpu.clock_hz", "must be positive"),
    ("clock_hz = 24000000", "clock_hz = 12000000", "cpu.clock_hz", "below 15,625,000 Hz"),
    ('float_abi = "soft"', 'float_abi = "hard"', "cpu.float_abi", "needs an FPU"),
    ('fpu = "none"', 'fpu = "fpv4-sp-d16"', "cpu.fpu", "a cortex-m3 is built with none, not 'fpv4-sp-d16'"),
    ('mcu = "STM32F100RB"', 'mcu = "STM32F100RB"\ncolour = "blue"', "colour", "unknown key"),
    ('machine = "stm32vldiscovery"', "", "qemu.machine", "missing"),
    ('name = "sample_m3"', 'name = "other"', "name", "must match the file name"),
    ('access = "rwx"', 'access = "rx"', "firmware.ram", "must be rwx"),
    ("module_arena_bytes = 0x1000", "module_arena_bytes = 0x2000", "firmware.module_arena_bytes",
     "do not fit"),
    ('ram = "sram"', 'ram = "ccm"', "firmware.ram", "no [[memory]] region named 'ccm'"),
    ('access = "rx"', 'access = "x"', "memory[0].access", "expected one of"),
    ("[qemu]", "[addresses]\nunmapped = 0x20000100\n[qemu]", "addresses.unmapped",
     "is inside memory 'sram'"),
    ("[qemu]", "[addresses]\npast_flash = 0x08000000\n[qemu]", "addresses.past_flash",
     "is inside memory 'flash'"),
    ("[qemu]", '[addresses]\nunmapped = "nowhere"\n[qemu]', "addresses.unmapped",
     "expected an integer"),
    ("[qemu]", "[addresses]\nperipheral = 0x40000000\n[qemu]", "addresses.peripheral",
     "unknown key"),
    ("[qemu]", "[addresses]\nunmapped = 0x100000000\n[qemu]", "addresses.unmapped",
     "outside the 32-bit address space"),
    ("[qemu]", "[addresses.peripherals]\ndma = 0x40026000\n[qemu]", "addresses.peripherals.dma",
     "unknown key"),
    ("[qemu]", "[addresses.peripherals]\nuart = -4\n[qemu]", "addresses.peripherals.uart",
     "outside the 32-bit address space"),
    ("[qemu]", "[addresses]\npast_flash_faults = 0\n[qemu]", "addresses.past_flash_faults",
     "expected bool"),
    ('access = "rx"', 'access = "rx"\n[[memory]]\nname = "more"\norigin = 0x08020000\n'
     'length = 0x100\naccess = "rx"', "addresses.past_flash", "the default: the end of flash"),
])
def test_bad_key_is_named(board_copy: Path, old: str, new: str, key: str, problem: str) -> None:
    _edit(board_copy, old, new)
    with pytest.raises(BoardError) as caught:
        load_board(board_copy)
    message = str(caught.value)
    assert message.startswith(f"{board_copy}: key '{key}'"), message
    assert problem in message


def test_addresses_are_optional_and_past_flash_defaults_to_the_end_of_flash(
        board_copy: Path) -> None:
    """A board without [addresses] reads unmapped memory as 0 in QEMU (faults_on_unmapped is
    false, no BOARD_UNMAPPED_ADDRESS); one with it gets the define and the capability."""
    without = load_board(board_copy)
    assert without.addresses.past_flash == 0x08020000
    assert without.addresses.defines() == {"BOARD_PAST_FLASH_ADDRESS": 0x08020000}
    assert without.capabilities["faults_on_unmapped"] is False
    assert without.capabilities["faults_past_flash"] is True
    _edit(board_copy, "[qemu]", "[addresses]\nunmapped = 0x60000000\npast_flash = 0x08100000\n"
                                "[qemu]")
    given = load_board(board_copy)
    assert given.addresses.defines() == {"BOARD_PAST_FLASH_ADDRESS": 0x08100000,
                                         "BOARD_UNMAPPED_ADDRESS": 0x60000000}
    assert given.capabilities["faults_on_unmapped"] is True
    _edit(board_copy, "[qemu]", "past_flash_faults = false\n[qemu]")
    assert load_board(board_copy).capabilities["faults_past_flash"] is False


def test_peripherals_reach_the_firmware_as_symbols(board_copy: Path) -> None:
    """[addresses.peripherals] become the absolute symbols the hostile attacks name."""
    assert load_board(board_copy).addresses.linker_symbols() == {}
    _edit(board_copy, "[qemu]", "[addresses.peripherals]\nclock = 0x40021018\nuart = 0x40013804\n"
                                "[qemu]")
    assert load_board(board_copy).addresses.linker_symbols() == {
        "__board_peripheral_clock": 0x40021018, "__board_peripheral_uart": 0x40013804}


def test_capabilities_come_from_the_core_table(board_copy: Path) -> None:
    board = load_board(board_copy)
    core = CORE_FACTS[board.cpu.core]
    assert board.capabilities["architecture"] == core.architecture == "ARMv7-M"
    assert board.capabilities["mpu"] == core.mpu == "pmsav7"


def test_invalid_toml_names_the_file(board_copy: Path) -> None:
    board_copy.write_text("name = \n")
    with pytest.raises(BoardError, match=re.escape(f"{board_copy}: not valid TOML")):
        load_board(board_copy)


def test_linker_map_must_agree_with_the_board_file(board_copy: Path) -> None:
    _edit(board_copy.with_suffix(".ld"), "LENGTH = 0x2000\n", "LENGTH = 0x4000\n")
    with pytest.raises(BoardError, match=r"sample_m3\.ld: MEMORY region RAM"):
        load_board(board_copy)


def test_unknown_board_lists_the_known_ones() -> None:
    known = ", ".join(sorted(board_names()))
    with pytest.raises(BoardError, match=f"unknown board 'nosuch'.*{re.escape(known)}"):
        load_boards(["nosuch"])


def test_cli_exits_2_naming_file_and_key(board_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(board_copy, 'float_abi = "soft"', 'float_abi = "softest"')
    status = main(["run", "--boards-dir", str(board_copy.parent), "--board", board_copy.stem])
    assert status == 2
    assert f"{board_copy}: key 'cpu.float_abi'" in capsys.readouterr().err
