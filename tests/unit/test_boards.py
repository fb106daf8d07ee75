"""Board files: the real ones load, and every kind of mistake names the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sim import BOARDS_DIR
from sim.boards import load_board, load_boards
from sim.cli import main
from sim.errors import BoardError


def test_real_boards_load_with_their_silicon_facts() -> None:
    boards = {b.name: b for b in load_boards()}
    assert set(boards) == {"netduinoplus2", "stm32vldiscovery"}
    f405, f100 = boards["netduinoplus2"], boards["stm32vldiscovery"]
    assert (f405.cpu.core, f405.cpu.fpu, f405.cpu.float_abi) == ("cortex-m4", "fpv4-sp-d16", "hard")
    assert (f100.cpu.core, f100.cpu.fpu, f100.cpu.float_abi) == ("cortex-m3", "none", "soft")
    assert f405.region("flash").length == 1024 * 1024 and f405.region("sram").length == 128 * 1024
    assert f100.region("flash").length == 128 * 1024 and f100.region("sram").length == 8 * 1024
    assert (f405.cpu.clock_hz, f100.cpu.clock_hz) == (168_000_000, 24_000_000)
    assert "no CCM" in f405.qemu_differences


def test_boards_are_frozen() -> None:
    board = load_boards(["stm32vldiscovery"])[0]
    with pytest.raises(AttributeError):
        board.name = "other"  # type: ignore[misc]


def test_gcc_flags_follow_the_cpu() -> None:
    f405, f100 = load_boards()
    assert f405.cpu.gcc_flags() == ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard",
                                    "-mfpu=fpv4-sp-d16"]
    assert f100.cpu.gcc_flags() == ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]


@pytest.fixture
def board_copy(tmp_path: Path) -> Path:
    """A writable copy of boards/ with stm32vldiscovery.toml to break."""
    for path in BOARDS_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / "stm32vldiscovery.toml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old, new, key, problem", [
    ('core = "cortex-m3"', 'core = "cortex-m99"', "cpu.core", "expected one of"),
    ("clock_hz = 24000000", 'clock_hz = "fast"', "cpu.clock_hz", "expected an integer"),
    ("clock_hz = 24000000", "clock_hz = 0", "cpu.clock_hz", "must be positive"),
    ('float_abi = "soft"', 'float_abi = "hard"', "cpu.float_abi", "needs an FPU"),
    ('fpu = "none"', 'fpu = "fpv4-sp-d16"', "cpu.fpu", "Cortex-M3 has no FPU"),
    ('mcu = "STM32F100RB"', 'mcu = "STM32F100RB"\ncolour = "blue"', "colour", "unknown key"),
    ('machine = "stm32vldiscovery"', "", "qemu.machine", "missing"),
    ('name = "stm32vldiscovery"', 'name = "other"', "name", "must match the file name"),
    ('access = "rwx"', 'access = "rx"', "firmware.ram", "must be rwx"),
    ("module_arena_bytes = 0x1000", "module_arena_bytes = 0x2000", "firmware.module_arena_bytes",
     "do not fit"),
    ('ram = "sram"', 'ram = "ccm"', "firmware.ram", "no [[memory]] region named 'ccm'"),
    ('access = "rx"', 'access = "x"', "memory[0].access", "expected one of"),
])
def test_bad_key_is_named(board_copy: Path, old: str, new: str, key: str, problem: str) -> None:
    _edit(board_copy, old, new)
    with pytest.raises(BoardError) as caught:
        load_board(board_copy)
    message = str(caught.value)
    assert message.startswith(f"{board_copy}: key '{key}'"), message
    assert problem in message


def test_invalid_toml_names_the_file(board_copy: Path) -> None:
    board_copy.write_text("name = \n")
    with pytest.raises(BoardError, match=re.escape(f"{board_copy}: not valid TOML")):
        load_board(board_copy)


def test_linker_map_must_agree_with_the_board_file(board_copy: Path) -> None:
    _edit(board_copy.with_suffix(".ld"), "LENGTH = 0x2000\n", "LENGTH = 0x4000\n")
    with pytest.raises(BoardError, match=r"stm32vldiscovery\.ld: MEMORY region RAM"):
        load_board(board_copy)


def test_unknown_board_lists_the_known_ones() -> None:
    with pytest.raises(BoardError, match="unknown board 'nosuch'.*netduinoplus2, stm32vldiscovery"):
        load_boards(["nosuch"])


def test_cli_exits_2_naming_file_and_key(board_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(board_copy, 'float_abi = "soft"', 'float_abi = "softest"')
    status = main(["run", "--boards-dir", str(board_copy.parent), "--board", "stm32vldiscovery"])
    assert status == 2
    assert f"{board_copy}: key 'cpu.float_abi'" in capsys.readouterr().err
