"""Suite throughput: the same matrix of module runs with one QEMU boot per run and with one
boot per board, timed in the same invocation (`python -m sim bench`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sim.jobs import Job
from sim.runner import RunSettings, Target, print_progress, run_matrix

CONTAINED = ("ok", "rejected", "fault", "timeout")  # outcomes that do not end a boot


@dataclass(frozen=True)
class Timing:
    runs: int
    seconds: float
    met: int

    @property
    def per_second(self) -> float:
        return self.runs / self.seconds


def benchmark_jobs(jobs_for: dict[str, list[Job]], runs_per_board: int) -> dict[str, list[Job]]:
    """runs_per_board jobs per board, cycling through the board's jobs that leave the boot up."""
    chosen = {}
    for board, jobs in jobs_for.items():
        usable = [j for j in jobs if j.build_error is None and j.expect.status in CONTAINED]
        chosen[board] = [usable[i % len(usable)] for i in range(runs_per_board)]
    return chosen


def timed_matrix(targets: list[Target], jobs_for: dict[str, list[Job]], out: Path, batch: int,
                 parallel: int) -> Timing:
    start = time.perf_counter()
    results = run_matrix(targets, jobs_for, RunSettings(out, batch, parallel),
                         print_progress)
    seconds = time.perf_counter() - start
    return Timing(len(results), seconds, sum(r.ok for r in results))


def throughput(targets: list[Target], jobs_for: dict[str, list[Job]], runs_per_board: int,
               out: Path, parallel: int) -> tuple[Timing, Timing]:
    """(one boot per run, one boot per board), on the same jobs."""
    jobs = benchmark_jobs(jobs_for, runs_per_board)
    timed_matrix(targets, {b: j[:2] for b, j in jobs.items()}, out / "warm-up", 2, parallel)
    per_run = timed_matrix(targets, jobs, out / "batch-1", 1, parallel)
    per_board = timed_matrix(targets, jobs, out / "batched", runs_per_board, parallel)
    return per_run, per_board
