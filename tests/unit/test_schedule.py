"""How jobs are cut into boots and in which order the boots start (sim/schedule.py)."""

from __future__ import annotations

from sim.jobs import Expectation, Job
from sim.schedule import (BATCH_TARGET, JOB_OVERHEAD, UNMEASURED_JOB, Batch, cut_batches,
                          job_cost, measured_instructions, start_order)

BOARD = "some_board"


def _job(name: str, status: str = "ok", budget: int | None = None) -> Job:
    return Job(name, "module", f"{name}.cmod", (), Expectation(status=status), budget=budget)


def _figures(name: str, run: int) -> dict[tuple[str, str], int]:
    return measured_instructions({f"{BOARD}/{name}/timing.load": 1000,
                                  f"{BOARD}/{name}/timing.run": run,
                                  f"{BOARD}/{name}/sizes.file": 96})


def test_a_job_costs_what_the_baseline_measured() -> None:
    assert job_cost(BOARD, _job("m"), 16_000_000, _figures("m", 5000)) == JOB_OVERHEAD + 6000
    assert job_cost(BOARD, _job("m"), 16_000_000, {}) == JOB_OVERHEAD + UNMEASURED_JOB


def test_a_job_expected_to_time_out_costs_its_budget() -> None:
    # 16,000 ticks of a 16 MHz SysTick are 1 ms: 15,625 instructions at QEMU's 64 ns each
    cost = job_cost(BOARD, _job("spin", "timeout", budget=16_000), 16_000_000, {})
    assert cost == JOB_OVERHEAD + 15_625


def test_cheap_jobs_are_cut_only_by_the_cap_into_even_batches() -> None:
    jobs = [_job(f"m{i}") for i in range(76)]
    batches = cut_batches(BOARD, jobs, [JOB_OVERHEAD] * 76, max_jobs=50)
    assert [len(b.jobs) for b in batches] == [38, 38]
    assert [job for batch in batches for job in batch.jobs] == jobs   # job order kept


def test_a_long_job_gets_a_boot_of_its_own_and_starts_first() -> None:
    jobs = [_job(f"m{i}") for i in range(40)]
    costs = [JOB_OVERHEAD] * 40
    costs[25] = 3 * BATCH_TARGET
    batches = cut_batches(BOARD, jobs, costs, max_jobs=50)
    alone = [batch for batch in batches if jobs[25] in batch.jobs]
    assert [len(batch.jobs) for batch in alone] == [1]
    assert batches[start_order(batches)[0]] == alone[0]
    assert [job for batch in batches for job in batch.jobs] == jobs


def test_the_cap_holds_whatever_the_costs() -> None:
    jobs = [_job(f"m{i}") for i in range(7)]
    assert [len(b.jobs) for b in cut_batches(BOARD, jobs, [1] * 7, max_jobs=1)] == [1] * 7
    assert cut_batches(BOARD, [], [], max_jobs=50) == []


def test_ties_start_in_board_and_batch_order() -> None:
    batches = [Batch("b", i, (), 5) for i in range(3)]
    assert start_order(batches) == [0, 1, 2]
