"""Suite throughput: the same matrix of module runs with one QEMU boot per run and batched,
timed in the same invocation (`python -m sim bench`); and the batched boots replayed with QEMU
alone (each boot's own command.sh, the console to a file), so the host's share of a job's cost
is measured against QEMU's on the same machine at the same moment. Then the run's own matrix,
where every job is a different module: planned again (build cache warm) and run as `run` runs
it, against QEMU alone on the same boots, for the host's cost per module.

QEMU only, on purpose: the runs go through the default transport (sim/transport.py), and the
replay runs the boots' command.sh as a QEMU command line. What is measured is the host's share
against QEMU's on one machine; on a board the semihosting calls through the probe would cost
more than either, and a board runs one boot at a time (sim/PROBE.md)."""

from __future__ import annotations

import resource
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from sim.jobs import Job
from sim.target import Target
from sim.runner import RunSettings, print_progress, run_matrix

CONTAINED = ("ok", "rejected", "fault", "timeout")  # outcomes that do not end a boot


@dataclass(frozen=True)
class Timing:
    runs: int
    seconds: float
    met: int
    boots: int
    # CPU time of this Python process (user + system, every thread; not QEMU's): the host's
    # own cost, which the machine's load moves far less than the wall-clock seconds.
    host_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.runs / self.seconds

    @property
    def host_cpu_us_per_run(self) -> float:
        return 1e6 * self.host_cpu_seconds / self.runs


def _host_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def benchmark_jobs(jobs_for: dict[str, list[Job]], runs_per_board: int) -> dict[str, list[Job]]:
    """runs_per_board jobs per board, cycling through the board's jobs that leave the boot up."""
    chosen = {}
    for board, jobs in jobs_for.items():
        usable = [j for j in jobs if j.build_error is None and j.expect.status in CONTAINED]
        chosen[board] = [usable[i % len(usable)] for i in range(runs_per_board)]
    return chosen


def timed_matrix(targets: list[Target], jobs_for: dict[str, list[Job]], out: Path, batch: int,
                 parallel: int, measured: Mapping[str, int]) -> Timing:
    start, start_cpu = time.perf_counter(), _host_cpu_seconds()
    results = run_matrix(targets, jobs_for, RunSettings(out, batch, parallel, measured=measured),
                         print_progress)
    seconds, host_cpu = time.perf_counter() - start, _host_cpu_seconds() - start_cpu
    boots = len({(r.board, r.boot) for r in results})
    return Timing(len(results), seconds, sum(r.ok for r in results), boots, host_cpu)


def replay_boots(folder: Path, parallel: int) -> float:
    """Seconds to rerun every boot under folder with QEMU alone, parallel at once: the same
    command lines the suite ran (command.sh), the console written to a file, nothing read."""
    scripts = sorted(folder.rglob("command.sh"))

    def replay(script: Path) -> None:
        with open(script.with_name("console-replay.txt"), "wb") as console:
            subprocess.run(["sh", str(script)], stdin=subprocess.DEVNULL, stdout=console,
                           stderr=subprocess.DEVNULL, check=False)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        list(pool.map(replay, scripts))
    return time.perf_counter() - start


def throughput(targets: list[Target], jobs_for: dict[str, list[Job]], runs_per_board: int,
               out: Path, parallel: int,
               measured: Mapping[str, int]) -> tuple[Timing, Timing, float]:
    """(one boot per run, batched as a run batches them given measured costs, seconds for QEMU
    alone to replay the batched boots), on the same jobs."""
    jobs = benchmark_jobs(jobs_for, runs_per_board)
    timed_matrix(targets, {b: j[:2] for b, j in jobs.items()}, out / "warm-up", 2, parallel,
                 measured)
    per_run = timed_matrix(targets, jobs, out / "batch-1", 1, parallel, measured)
    per_board = timed_matrix(targets, jobs, out / "batched", runs_per_board, parallel, measured)
    qemu_alone = replay_boots(out / "batched", parallel)
    return per_run, per_board, qemu_alone


@dataclass(frozen=True)
class DistinctModules:
    runs: int
    plan_seconds: float    # planning again with the build cache warm: discovery, cache checks
    run_seconds: float     # boots, settling, the link checks
    qemu_seconds: float    # the same boots replayed with QEMU alone


def distinct_modules(targets: list[Target], replan: Callable[[], dict[str, list[Job]]],
                     out: Path, batch: int, parallel: int,
                     measured: Mapping[str, int]) -> DistinctModules:
    """The matrix as `run` would run it: every job a different module (or diagnostic)."""
    start = time.perf_counter()
    jobs_for = replan()
    plan_seconds = time.perf_counter() - start
    timing = timed_matrix(targets, jobs_for, out / "distinct", batch, parallel, measured)
    return DistinctModules(timing.runs, plan_seconds, timing.seconds,
                           replay_boots(out / "distinct", parallel))
