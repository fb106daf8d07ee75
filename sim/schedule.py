"""How a board's jobs are cut into QEMU boots, and in which order the boots start.

The cut is a pure function of the jobs, the --batch cap and the measured instruction counts in
the baseline (reports/baseline.json), so it is the same on every machine, at any -j: the boot
each result names, and its log folder, do not depend on how fast the boots ran. It balances
itself from those measured costs:

- a board's jobs are cut into contiguous batches (job order kept, so boots are numbered in job
  order) of about equal predicted cost, each at most --batch jobs and, where the jobs cost more
  than BATCH_TARGET, about BATCH_TARGET each: a long module gets a boot of its own instead of
  holding up 49 short ones;
- the boots start longest predicted first (LPT), so a long one never starts last and leaves
  the other cores idle while it finishes.

Costs are in instructions: what a job is measured to execute (the baseline's timing figures for
its board and module), plus a fixed cost per job and per boot for what QEMU does besides
(starting, semihosting, translating code), as instructions QEMU runs in the same time. A job
the baseline has not seen costs its budget when it is expected to run out of it, else
UNMEASURED_JOB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.jobs import Job
from sim.results import TIMING_PHASES
from sim.timing import ticks_to_instructions

# Measured on the 2-core reference machine (python -m sim bench): QEMU runs module code with
# -icount at about 150 million instructions a second; a job costs about 400 µs besides its own
# instructions, a boot about 40 ms. Only their ratios matter here.
JOB_OVERHEAD = 60_000          # instructions' worth of QEMU time per job
BOOT_OVERHEAD = 6_000_000      # ... per boot
BATCH_TARGET = 100_000_000     # a boot's aim (about 0.7 s): the boot's own cost stays near 6%
UNMEASURED_JOB = 200_000       # a job the baseline has no figures for


@dataclass(frozen=True)
class Batch:
    board: str
    index: int               # the board's batches in job order: batch000, batch001, ...
    jobs: tuple[Job, ...]
    cost: int                # predicted, in instructions


def measured_instructions(figures: Mapping[str, int]) -> dict[tuple[str, str], int]:
    """Every (board, module)'s measured instructions, all phases summed, from the baseline's
    figures: worked out once for a run, not once per job."""
    phases = {f"timing.{phase}" for phase in TIMING_PHASES}
    measured: dict[tuple[str, str], int] = {}
    for name, value in figures.items():
        board_module, _, figure = name.rpartition("/")
        if figure in phases:
            board, _, module = board_module.partition("/")
            measured[(board, module)] = measured.get((board, module), 0) + value
    return measured


def job_cost(board: str, job: Job, clock_hz: int,
             measured: Mapping[tuple[str, str], int]) -> int:
    """measured: measured_instructions of the baseline's figures."""
    instructions = measured.get((board, job.module))
    if instructions is not None:
        return JOB_OVERHEAD + instructions
    if job.expect.status == "timeout" and job.budget is not None:
        return JOB_OVERHEAD + ticks_to_instructions(job.budget, clock_hz)
    return JOB_OVERHEAD + UNMEASURED_JOB


def cut_batches(board: str, jobs: list[Job], costs: list[int], max_jobs: int) -> list[Batch]:
    """The board's jobs in contiguous batches of about equal cost: as few as --batch allows,
    more where the jobs cost more than BATCH_TARGET a batch."""
    if not jobs:
        return []
    total = sum(costs)
    count = max(-(-len(jobs) // max_jobs), -(-total // BATCH_TARGET))
    share = total / count
    batches: list[list[int]] = [[]]
    spent = 0
    for index, cost in enumerate(costs):
        current = batches[-1]
        # Cut before this job when the batch is full, or when it has had its share of the
        # cost and the job would take it further past the share than stopping short is.
        full = len(current) >= max_jobs
        past_share = current and spent + cost / 2 > share * len(batches)
        if full or (past_share and len(batches) < count):
            batches.append([])
        batches[-1].append(index)
        spent += cost
    return [Batch(board, number, tuple(jobs[i] for i in members),
                  BOOT_OVERHEAD + sum(costs[i] for i in members))
            for number, members in enumerate(batches)]


def start_order(batches: list[Batch]) -> list[int]:
    """The order to start boots in, as indices into batches: longest predicted first; ties in
    the order given (board, then batch)."""
    return sorted(range(len(batches)), key=lambda index: -batches[index].cost)
