"""Shared fixtures. QEMU-backed tests build the firmware once per session: every xdist worker
calls build_firmware on one shared folder, which serialises on a file lock and reuses the
image once its inputs' digest matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import Board, load_boards
from sim.build import FirmwareImage, build_firmware
from sim.runner import Target
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
def firmware(boards: dict[str, Board], shared_tmp: Path) -> dict[str, FirmwareImage]:
    """The firmware image of every board, built once per session."""
    check_tools()
    return {name: build_firmware(board, shared_tmp / "firmware") for name, board in boards.items()}


@pytest.fixture(scope="session")
def targets(boards: dict[str, Board], firmware: dict[str, FirmwareImage]) -> dict[str, Target]:
    """Board + firmware pairs, as the runner takes them."""
    return {name: Target(boards[name], firmware[name]) for name in boards}
