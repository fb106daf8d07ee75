"""Runs jobs on QEMU: batches of jobs per boot, boots in parallel, one result per job.

Faults in job code are contained by the firmware, and it resumes its job list after a system
reset, so a boot normally runs its whole batch. A boot that ends early (a lockup, a hang, a
fault in the firmware's own code, firmware state a job damaged, a reset loop, or a reset in a
firmware that does not resume) is followed by a new boot that resumes at the next job, so every job in
gives exactly one result out. Each boot keeps its job list, console, QEMU stderr and a command
to rerun it by hand in its log folder. Every boot's @boot record is checked against the board
and firmware the run asked for (sim/identity.py). A stop signal or a harness error ends every
QEMU of the run at once (run_matrix).

The parts: sim/boot.py boots QEMU once for a batch; sim/settle.py turns a boot's records into
each job's result; sim/linkcheck.py compares the target's links with the host oracle.
"""

from __future__ import annotations

import logging
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable

from sim.boot import RunSettings, Staged, boot_once
from sim.interrupt import RunInterrupted, deferring_signals, signal_received
from sim.jobs import Job, batch_job_id
from sim.protocol import JobTranscript
from sim.transport import SessionGroup
from sim.results import RunResult
from sim.schedule import Batch, cut_batches, job_cost, measured_instructions, start_order
from sim.settle import error_result, finished_jobs, settle_boot, settle_final
from sim.target import Target

log = logging.getLogger(__name__)


def enumerate_ids(jobs: list[Job]) -> list[tuple[str, Job]]:
    return [(batch_job_id(index), job) for index, job in enumerate(jobs)]


def _unrunnable(job: Job, present: dict[str, bool]) -> str | None:
    """Why the job cannot go to QEMU at all: its build failed, or its files have gone.
    present: each file's answer, asked once a batch (a batch runs the same files often)."""
    if job.build_error is not None:
        return job.build_error.message
    files = [job.target, *job.deps] if job.kind == "module" else []
    for path in files:
        if path not in present:
            present[path] = Path(path).is_file()
    gone = [path for path in files if not present[path]]
    if gone:
        return f"module file {gone[0]} disappeared between the build and the run"
    return None


def run_batch(target: Target, jobs: list[Job], log_dir: Path,
              settings: RunSettings) -> list[tuple[int, RunResult]]:
    """Run one batch of jobs, booting again after each early end. Returns a (boot, result) per
    job, in order; boot 0 for a module that did not build and so never ran. When the run is
    stopped (settings.sessions), only the jobs that finished have a result."""
    present: dict[str, bool] = {}
    by_id = dict(enumerate_ids(jobs))
    problems = {job_id: _unrunnable(job, present) for job_id, job in by_id.items()}
    settled = {i: (0, error_result(job, target, problems[i]))
               for i, job in by_id.items() if problems[i] is not None}
    pending = [(i, job) for i, job in by_id.items() if problems[i] is None]
    boot = 0
    staged: Staged = {}
    while pending:
        boot += 1
        boot_dir = log_dir / f"boot{boot}"
        early: dict[str, RunResult] = {}

        def job_final(job_id: str, seen: JobTranscript) -> None:
            """Settle a job while QEMU runs the next ones."""
            result = settle_final(by_id[job_id], seen, target, boot_dir, settings)
            if result is not None:
                early[job_id] = result

        outcome = boot_once(target, pending, boot_dir, settings, staged, job_final)
        if outcome is None:   # the run stopped before this boot began
            break
        stopped = outcome.exit.teardown == "stopped"
        settle = finished_jobs if stopped else settle_boot
        results = settle(outcome, pending, target, settings, early)
        settled.update({job_id: (boot, result) for job_id, result in results.items()})
        pending = [(job_id, job) for job_id, job in pending if job_id not in results]
        if stopped:
            break
    return [settled[job_id] for job_id in by_id if job_id in settled]


def _batches(targets: list[Target], jobs_for: dict[str, list[Job]],
             settings: RunSettings) -> list[tuple[Target, Batch]]:
    """Every board's batches (sim/schedule.py), in board order, then job order."""
    tasks = []
    measured = measured_instructions(settings.measured)
    for target in targets:
        board = target.board
        jobs = jobs_for[board.name]
        costs = [job_cost(board.name, job, board.cpu.clock_hz, measured) for job in jobs]
        tasks += [(target, batch) for batch in cut_batches(board.name, jobs, costs, settings.batch)]
    return tasks


Progress = Callable[[int, int], None]   # (runs done, runs in all)


def print_progress(done: int, total: int) -> None:
    """A line on stderr at every tenth of the runs, so a long run shows it is moving."""
    step = max(1, total // 10)
    if done == total or done // step != (done - 1) // step:
        print(f"  {done}/{total} runs", file=sys.stderr, flush=True)


POLL_S = 0.1   # how often the run looks for a stop signal while boots are in flight


def _wait_for_batches(futures: list[Future], total: int, progress: Progress | None) -> int | None:
    """Wait until every batch is done (None) or a stop signal arrives (its number). A batch's
    error is raised as soon as it is seen."""
    pending, done = set(futures), 0
    while pending:
        if signal_received() is not None:
            return signal_received()
        finished, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        for future in finished:
            done += len(future.result())
            if progress is not None:
                progress(done, total)
    return signal_received()


def _stop_all(pool: ThreadPoolExecutor, sessions: SessionGroup) -> None:
    """No new boots, every QEMU of the run killed, batches not yet begun dropped; then wait for
    the running batches to hand in what finished."""
    sessions.stop()
    pool.shutdown(wait=True, cancel_futures=True)


def _in_run_order(tasks: list[tuple[Target, Batch]], futures: list[Future]) -> list[RunResult]:
    """Results in board order, then job order, boots numbered per board across its batches;
    batches a stop dropped before they began give none."""
    results: list[RunResult] = []
    boots_before: dict[str, int] = {}
    for (target, _), future in zip(tasks, futures, strict=True):
        if future.cancelled() or future.exception() is not None:
            continue
        batch = future.result()
        offset = boots_before.get(target.board.name, 0)
        for boot, result in batch:
            result.boot = offset + boot if boot else None
            results.append(result)
        boots_before[target.board.name] = offset + max((boot for boot, _ in batch), default=0)
    return results


def run_matrix(targets: list[Target], jobs_for: dict[str, list[Job]], settings: RunSettings,
               progress: Progress | None = None) -> list[RunResult]:
    """Run every board's jobs; results in board order, then job order. How the jobs are cut
    into boots depends only on the jobs and the measured costs (sim/schedule.py), and boots are
    numbered per board in job order, so neither depends on how the boots were scheduled; they
    start longest first. progress, if given, hears after every batch how many runs are done.

    A stop signal (SIGINT, SIGTERM; sim/interrupt.py) ends it within a poll and a QEMU
    teardown: RunInterrupted carries the results of the jobs that finished. A batch's error
    (a full disk, the wrong firmware) stops every other batch the same way, then is raised."""
    tasks = _batches(targets, jobs_for, settings)
    total = sum(len(batch.jobs) for _, batch in tasks)
    with deferring_signals():
        pool = ThreadPoolExecutor(max_workers=max(1, settings.parallel))
        submitted: dict[int, Future] = {}
        for index in start_order([batch for _, batch in tasks]):
            target, batch = tasks[index]
            log_dir = (settings.out_dir / settings.log_folder / batch.board
                       / f"batch{batch.index:03d}")
            submitted[index] = pool.submit(run_batch, target, list(batch.jobs), log_dir, settings)
        futures = [submitted[index] for index in range(len(tasks))]
        try:
            signum = _wait_for_batches(futures, total, progress)
        except BaseException:
            _stop_all(pool, settings.sessions)
            raise
        if signum is not None:
            _stop_all(pool, settings.sessions)
        pool.shutdown(wait=True)
    results = _in_run_order(tasks, futures)
    if signum is not None:
        raise RunInterrupted(signum, results, total)
    return results
