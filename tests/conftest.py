"""Shared fixtures. QEMU-backed tests build the firmware once per session: every xdist worker
calls build_firmware on one shared folder, which serialises on a file lock and reuses the
image once its inputs' digest matches."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from sim import MODULES_DIR
from sim.boards import Board, load_boards
from sim.build import FirmwareImage, build_firmware
from sim.faults import has_fault_status
from sim.modules import Module, discover_modules
from sim.target import Target
from sim.toolchain import check_tools


@pytest.fixture(scope="session")
def boards() -> dict[str, Board]:
    """Every board in boards/, by name."""
    return {board.name: board for board in load_boards()}


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder shared by all xdist workers of this session (the session's own base temp)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def build_dir(shared_tmp: Path) -> Path:
    """One build folder for the whole session (firmware and modules), shared by xdist workers."""
    check_tools()
    return shared_tmp / "build"


@pytest.fixture(scope="session")
def firmware(boards: dict[str, Board], build_dir: Path) -> dict[str, FirmwareImage]:
    """The firmware image of every board, built once per session."""
    return {name: build_firmware(board, build_dir) for name, board in boards.items()}


@pytest.fixture(scope="session")
def catalogue(boards: dict[str, Board]) -> dict[str, Module]:
    """Every module in modules/, by name."""
    return {m.name: m for m in discover_modules([MODULES_DIR], set(boards))}


@pytest.fixture(scope="session")
def targets(boards: dict[str, Board], firmware: dict[str, FirmwareImage]) -> dict[str, Target]:
    """Board + firmware pairs, as the runner takes them."""
    return {name: Target(boards[name], firmware[name]) for name in boards}


@pytest.fixture
def board(boards: dict[str, Board]) -> str:
    """Any one board, for cases that mean the same on each."""
    return sorted(boards)[0]


@pytest.fixture
def build(firmware: dict[str, FirmwareImage], build_dir: Path) -> str:
    """The build folder, with every board's firmware built in it."""
    return str(build_dir)


def board_where(boards: dict[str, Board], capability: str,
                has_it: Callable[[Board], bool]) -> Board:
    """The first board by name that has the capability; without one the test is skipped,
    naming the capability, so a set of boards that lacks it shows as a skip, not a pass."""
    for name in sorted(boards):
        if has_it(boards[name]):
            return boards[name]
    pytest.skip(f"no board in boards/ has {capability}")


@pytest.fixture(scope="session")
def cortex_m3_board(boards: dict[str, Board]) -> Board:
    """For cases about what is built for the smallest core (no FPU, core code 3)."""
    return board_where(boards, "a cortex-m3 core", lambda board: board.cpu.core == "cortex-m3")


@pytest.fixture(scope="session")
def armv6m_board(boards: dict[str, Board]) -> Board:
    """For ARMv6-M's own paths (Thumb-1 veneers, HardFault only, no MPU): a Cortex-M0 board."""
    return board_where(boards, "an ARMv6-M core (no fault status registers)",
                       lambda board: not has_fault_status(board.cpu.core))


@pytest.fixture(scope="session")
def mpu_board(boards: dict[str, Board]) -> Board:
    """For what an MPU keeps module code out of: any board whose core has one."""
    return board_where(boards, "an MPU", lambda board: board.capabilities["mpu"] != "none")


@pytest.fixture(scope="session")
def cortex_m7_board(boards: dict[str, Board]) -> Board:
    """For cases about a core with caches (the firmware manages the Cortex-M7's)."""
    return board_where(boards, "a cortex-m7 core", lambda board: board.cpu.core == "cortex-m7")
