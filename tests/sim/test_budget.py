"""Budgets hold exactly: a job's code is stopped after exactly as many instructions as its
budget allows, from one instruction up to budgets that span many SysTick periods, and a budget
never touches the next job in the same boot.

The instrument is `modules/counted_loop`: exactly 2 instructions a pass. For a budget B the job
either completes (`ok`) or is stopped (`timeout`); the smallest B that completes is the
threshold. The call path around the module's code costs a fixed number of instructions, so one
more pass must move the threshold by exactly 2, and nothing else may move it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim.jobs import Job
from sim.modbuild import build_module
from sim.modules import Module
from sim.plan import module_job
from sim.target import Target
from sim.runner import RunSettings, run_batch
from sim.timing import instructions_to_ticks

pytestmark = pytest.mark.qemu
SYSTICK_PERIOD_TICKS = 1 << 24
PROBES = 32          # budgets tried per boot while narrowing down a threshold


def _loop_job(target: Target, catalogue: dict[str, Module], build_dir: Path, passes: int,
              budget: int) -> Job:
    module = catalogue["counted_loop"]
    job = module_job(module, target.board, build_module(target.board, module, build_dir))
    return dataclasses.replace(job, args=(passes,),
                               budget=instructions_to_ticks(budget, target.board.cpu.clock_hz))


def _statuses(target: Target, jobs: list[Job], logs: Path) -> list[str]:
    results = run_batch(target, jobs, logs, RunSettings(out_dir=logs.parent, batch=len(jobs)))
    return [result.status for _, result in results]


def _threshold(target: Target, catalogue: dict[str, Module], build_dir: Path, passes: int,
               logs: Path) -> int:
    """The smallest budget with which `passes` passes complete, found in boots of PROBES
    budgets each: the first boot brackets it, the next ones narrow the bracket to 1."""
    low, high = 2 * passes, 2 * passes + 1024   # the loop alone cannot complete below low
    round_number = 0
    while high - low > 1:
        step = max(1, (high - low) // PROBES)
        budgets = list(range(low, high + 1, step))
        jobs = [_loop_job(target, catalogue, build_dir, passes, b) for b in budgets]
        statuses = _statuses(target, jobs, logs / f"{passes}-{round_number}")
        assert set(statuses) <= {"ok", "timeout"}, statuses
        assert statuses[-1] == "ok", f"{passes} passes did not complete within {high}"
        first_ok = statuses.index("ok")
        assert all(s == "ok" for s in statuses[first_ok:]), "completion is not monotonic"
        assert first_ok > 0, f"{passes} passes completed within the lowest budget {low}"
        low, high = budgets[first_ok - 1], budgets[first_ok]
        round_number += 1
    return high


def _passes_spanning(target: Target, periods: float) -> int:
    """Loop passes whose run spans about this many SysTick periods on the board."""
    ticks_per_pass = instructions_to_ticks(2_000_000, target.board.cpu.clock_hz) / 1_000_000
    return int(periods * SYSTICK_PERIOD_TICKS / ticks_per_pass)


@pytest.mark.parametrize("periods", [0.001, 1.6], ids=["within-one-period", "several-periods"])
def test_one_more_pass_needs_exactly_two_more_instructions(
        periods: float, targets: dict[str, Target], catalogue: dict[str, Module],
        build_dir: Path, tmp_path: Path) -> None:
    """Find the threshold for some passes, then check that with k more passes the job is
    stopped at threshold + 2k - 1 and completes at threshold + 2k."""
    for name, target in targets.items():
        passes = _passes_spanning(target, periods)
        threshold = _threshold(target, catalogue, build_dir, passes, tmp_path / name)
        probes = [(extra, threshold + 2 * extra + delta) for extra in (1, 7) for delta in (-1, 0)]
        jobs = [_loop_job(target, catalogue, build_dir, passes + extra, budget)
                for extra, budget in probes]
        statuses = _statuses(target, jobs, tmp_path / name / "probes")
        assert statuses == ["timeout", "ok"] * 2, (name, passes, threshold, probes, statuses)


def test_a_budget_of_one_stops_a_loop_and_leaves_the_next_job_alone(
        targets: dict[str, Target], catalogue: dict[str, Module], build_dir: Path,
        tmp_path: Path) -> None:
    """Budget 1: stopped before its code can finish, the boot goes on; a budget too large for
    SysTick's 24 bits works too; the job after either is what it is alone."""
    for name, target in targets.items():
        endless = _loop_job(target, catalogue, build_dir, 0, 1)   # 0 passes: 2^32 of them
        huge = _loop_job(target, catalogue, build_dir, 1000, 2**32 - 1)
        good = _loop_job(target, catalogue, build_dir, 1000, 50_000)
        alone = run_batch(target, [good], tmp_path / name / "alone", RunSettings(tmp_path))
        results = run_batch(target, [endless, good, huge, good], tmp_path / name / "batch",
                            RunSettings(tmp_path, batch=4))
        assert [(boot, r.status) for boot, r in results] == [
            (1, "timeout"), (1, "ok"), (1, "ok"), (1, "ok")], name
        expected = (alone[0][1].return_value, alone[0][1].timing)
        assert (results[1][1].return_value, results[1][1].timing) == expected
        assert (results[3][1].return_value, results[3][1].timing) == expected
