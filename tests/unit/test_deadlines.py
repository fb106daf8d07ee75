"""The host's hang deadline grows with a job's budget, so a long budget is not taken for a hang."""

from __future__ import annotations

from pathlib import Path

from sim.boards import Board
from sim.jobs import Expectation, Job
from sim.boot import HANG_DEADLINE_INSTRUCTIONS_PER_S, RunSettings
from sim.timing import (BUDGET_MAX_INSTRUCTIONS, DEFAULT_BUDGET_INSTRUCTIONS,
                        instructions_to_ticks)


def _job(budget_ticks: int | None) -> Job:
    return Job("m", "module", "m.cmod", (), Expectation(), budget=budget_ticks)


def test_each_job_gets_the_fixed_part_plus_its_budget_at_the_rate(
        boards: dict[str, Board]) -> None:
    settings = RunSettings(out_dir=Path("out"), job_deadline_s=10.0)
    for board in boards.values():
        clock = board.cpu.clock_hz
        for instructions in (1, DEFAULT_BUDGET_INSTRUCTIONS, BUDGET_MAX_INSTRUCTIONS):
            job = _job(instructions_to_ticks(instructions, clock))
            seconds = settings.job_deadline(job, clock)
            assert abs(seconds - (10.0 + instructions / HANG_DEADLINE_INSTRUCTIONS_PER_S)) < 1e-6
        # The default budget: 10 s plus 50,000,000 instructions at 5,000,000 a second.
        default = settings.job_deadline(_job(instructions_to_ticks(DEFAULT_BUDGET_INSTRUCTIONS,
                                                                   clock)), clock)
        assert round(default, 6) == 20.0
        assert settings.job_deadline(_job(None), clock) == 10.0  # a diagnostic
