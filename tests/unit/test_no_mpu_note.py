"""A board whose core has no MPU says so in the summary, under its name; one with an MPU does
not (README.md, "What is contained on a part without an MPU")."""

from __future__ import annotations

import pytest

from sim.boards import load_boards
from sim.cores import CORE_FACTS
from sim.report import NO_MPU_NOTE, render_summary

NOTE_START = NO_MPU_NOTE.split("(")[0]


@pytest.mark.parametrize("board", load_boards(), ids=lambda board: board.name)
def test_the_summary_says_what_a_board_without_an_mpu_cannot_contain(board) -> None:
    assert board.capabilities["mpu"] == CORE_FACTS[board.cpu.core].mpu
    summary = render_summary([], [board], {}, None)
    section = summary.split(f"## {board.name}\n", 1)[1]
    if board.capabilities["mpu"] == "none":
        assert NOTE_START in section and CORE_FACTS[board.cpu.core].architecture in section
    else:
        assert NOTE_START not in summary
