"""One run of the module x board matrix, from the run options to its set of reports: plan it
(sim/plan.py), run it (sim/runner.py), write every report (results.json, summary.md, faults.md,
junit.xml, report.html). `python -m sim run` (sim/cli.py) and `pytest --sim`
(sim/pytest_plugin.py) both go through run_and_report, so the same runs give the same reports
whichever ran them; `merge` writes its reports with write_reports."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from sim.baseline import BASELINE_FILE, Comparison, compare_run, read_baseline
from sim.boards import Board
from sim.footprint import firmware_footprint
from sim.interrupt import RunInterrupted
from sim.junit import junit_xml
from sim.loader_library import library_footprint
from sim.modules import Module
from sim.plan import Matrix, plan
from sim.report import render_fault_report, render_summary, write_report
from sim.report_html import render_html_report
from sim.results import RunResult, current_commit, results_document, shard_record, write_results
from sim.runner import Progress, RunSettings, print_progress, run_matrix


@dataclass(frozen=True)
class RunOutcome:
    """What a run made: its results in report order, results.json's document, its figures
    against the baseline (None without a baseline file), the boards it ran, and the signal
    that stopped it, if one did (runs then holds the jobs that finished)."""
    runs: list[RunResult]
    document: dict
    comparison: Comparison | None
    boards: list[Board]
    stopped: RunInterrupted | None


def run_and_report(args: argparse.Namespace, out_dir: Path, chosen: Matrix | None = None,
                   progress: Progress | None = print_progress) -> RunOutcome:
    """Plan the run of args (only the runs of chosen, if given), run it, and write its reports
    into out_dir. A signal during the run still gives reports of the jobs that finished."""
    before = read_baseline(args.baseline)   # a bad --baseline stops the run before it starts
    boards, targets, jobs_for, benchmarks, matrix = plan(args, chosen)
    # A shard keeps its logs in a folder of its own, so that merged shards' never collide.
    logs = matrix.shard.log_folder if matrix.shard is not None else RunSettings.log_folder
    settings = RunSettings(out_dir, args.batch, args.jobs, measured=before or {},
                           log_folder=logs)
    try:
        runs = run_matrix(targets, jobs_for, settings, progress)
        stopped = None
    except RunInterrupted as stop:   # the finished jobs' results still make a report
        runs, stopped = stop.finished, stop
    footprints = {t.board.name: firmware_footprint(t.image, t.board) for t in targets}
    document, comparison = write_reports(out_dir, runs, boards, footprints, before, stopped,
                                         benchmarks, current_commit(),
                                         library_footprint(boards, args.build_dir),
                                         _shard_record(matrix), args.baseline)
    return RunOutcome(runs, document, comparison, boards, stopped)


def _shard_record(matrix: Matrix) -> dict | None:
    if matrix.shard is None:
        return None
    return shard_record(matrix.shard.index, matrix.shard.count, matrix.whole)


def write_reports(out_dir: Path, runs: list[RunResult], boards: list[Board],
                  footprints: dict[str, dict[str, int | None]], before: dict[str, int] | None,
                  stopped: RunInterrupted | None, benchmarks: list[Module],
                  commit: str | None, library: dict[str, dict[str, int]],
                  shard: dict | None = None, baseline: Path = BASELINE_FILE
                  ) -> tuple[dict, Comparison | None]:
    """Write the reports (a run's and merge's); return results.json's document and its
    figures judged against the baseline's figures (before; None without a baseline). library:
    the loader built alone per core; shard: results.json's record of a shard (sim/results.py,
    shard_record), None for a whole run; baseline: its file, for the trend chart's history."""
    document = results_document(runs, footprints, commit,
                                interrupted_by=stopped.signal_name if stopped else None,
                                library=library, shard=shard)
    comparison = None if before is None else compare_run(before, document)
    document["baseline"] = None if comparison is None else comparison.to_json()
    write_results(out_dir / "results.json", document)
    write_report(out_dir / "summary.md", render_summary(runs, boards, footprints, commit,
                                                        comparison, interruption(stopped),
                                                        benchmarks, library))
    write_report(out_dir / "faults.md", render_fault_report(runs))
    write_report(out_dir / "junit.xml", junit_xml(runs, [board.name for board in boards],
                                                  comparison))
    write_report(out_dir / "report.html", render_html_report(runs, boards, footprints, document,
                                                             comparison, benchmarks, baseline))
    return document, comparison


def interruption(stopped: RunInterrupted | None) -> str | None:
    """How an interrupted run is headed in summary.md and on the console."""
    if stopped is None:
        return None
    return (f"INTERRUPTED by {stopped.signal_name} after {len(stopped.finished)} of "
            f"{stopped.planned} runs")


def interrupted_line(outcome: RunOutcome, out: Path) -> str:
    """The console's line for a run a signal stopped."""
    missed = sum(not run.ok for run in outcome.runs)
    return (f"{interruption(outcome.stopped)}: {len(outcome.runs) - missed} met their "
            f"expectation, {missed} missed; reports in {out.absolute()}")
