"""A board the suite has never seen goes green from its data files alone: a board file written
here (a copy of a board of a known core, under a new name, with half its RAM and half its
module arena) and its .ld, in a boards folder of its own, run on the whole catalogue and the
diagnostics with `python -m sim run --boards-dir`, as a user adding a board would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim import BOARDS_DIR, REPO_ROOT
from sim.boards import Board, load_board
from sim.diagnostics import diagnostic_jobs

from .helpers import run_sim

pytestmark = pytest.mark.qemu
# module.toml keys the catalogue by arena size below this (too_big_for_m3): a derived board
# keeps its arena at or above it, so it differs from its original only where data says so.
SMALLEST_HALVED_ARENA = 16 * 1024


def _hex(value: int) -> str:
    return f"{value:#x}"


def board_file(board: Board, name: str, ram_bytes: int, arena_bytes: int) -> str:
    """The board file of a copy of board under a new name, with other RAM and arena sizes."""
    lines = [f'name = "{name}"', f'description = "{board.description}, derived by a test"',
             f'mcu = "{board.mcu}"', f'linker_script = "{name}.ld"', "", "[cpu]",
             f'core = "{board.cpu.core}"', f'fpu = "{board.cpu.fpu}"',
             f'float_abi = "{board.cpu.float_abi}"', f"clock_hz = {board.cpu.clock_hz}"]
    for region in board.memory:
        length = ram_bytes if region.name == board.firmware_ram else region.length
        lines += ["", "[[memory]]", f'name = "{region.name}"', f"origin = {_hex(region.origin)}",
                  f"length = {_hex(length)}", f'access = "{region.access}"']
    lines += ["", "[firmware]", f'ram = "{board.firmware_ram}"',
              f"stack_bytes = {_hex(board.stack_bytes)}",
              f"job_stack_bytes = {_hex(board.job_stack_bytes)}",
              f"module_arena_bytes = {_hex(arena_bytes)}", "", "[addresses]",
              f"past_flash = {_hex(board.addresses.past_flash)}"]
    if board.addresses.unmapped is not None:
        lines.append(f"unmapped = {_hex(board.addresses.unmapped)}")
    if not board.addresses.past_flash_faults:
        lines.append("past_flash_faults = false")
    lines += ["", "[qemu]", f'machine = "{board.qemu_machine}"',
              f'differences = "QEMU maps more RAM than this copy uses. {board.qemu_differences}"']
    return "\n".join(lines) + "\n"


def linker_script(board: Board, ram_bytes: int) -> str:
    flash, ram = board.region("flash"), board.region(board.firmware_ram)
    return (f"MEMORY\n{{\n  FLASH (rx)  : ORIGIN = {flash.origin:#010x}, LENGTH = "
            f"{_hex(flash.length)}\n  RAM   (rwx) : ORIGIN = {ram.origin:#010x}, LENGTH = "
            f"{_hex(ram_bytes)}\n}}\nINCLUDE sections.ld\n")


def derived_board(boards: dict[str, Board], folder: Path) -> Board:
    """From the board with the largest arena: half its RAM and half its arena where both
    still fit (the arena no smaller than SMALLEST_HALVED_ARENA), written into folder."""
    base = max(boards.values(), key=lambda b: (b.module_arena_bytes, b.name))
    ram = base.region(base.firmware_ram).length
    arena = base.module_arena_bytes
    if arena // 2 >= SMALLEST_HALVED_ARENA:
        arena //= 2
    if base.stack_bytes + base.job_stack_bytes + arena < ram // 2:
        ram //= 2
    if (ram, arena) == (base.region(base.firmware_ram).length, base.module_arena_bytes):
        pytest.skip(f"{base.name}: too small to halve its RAM or arena")
    name = f"derived_{base.name}"
    folder.mkdir()
    (folder / f"{name}.toml").write_text(board_file(base, name, ram, arena))
    (folder / f"{name}.ld").write_text(linker_script(base, ram))
    shutil.copy(BOARDS_DIR / "sections.ld", folder)
    return load_board(folder / f"{name}.toml")


def test_a_new_board_goes_green_from_data_alone(boards: dict[str, Board], build: str,
                                                 tmp_path: Path) -> None:
    board = derived_board(boards, tmp_path / "boards")
    out = tmp_path / "out"
    done = run_sim("run", "--boards-dir", str(tmp_path / "boards"), "--board", board.name,
                   "--out", str(out), "--build-dir", build, "--batch", "1000", "-j", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = json.loads((out / "results.json").read_text())["runs"]
    catalogue = {p.parent.name for p in (REPO_ROOT / "modules").glob("*/module.toml")}
    diagnostics = {job.module for job in diagnostic_jobs(board)}
    assert {r["module"] for r in runs} == catalogue | diagnostics
    assert all(r["ok"] and r["board"] == board.name for r in runs)
    # where its expectation differs from [expect], a capability says why, never its name
    assert all("board" not in r["expected_by"] for r in runs)
    footprint = json.loads((out / "results.json").read_text())["footprint"][board.name]
    assert footprint["module_arena_bytes"] == board.module_arena_bytes
