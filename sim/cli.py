"""Command line: python -m sim {run,merge,baseline,bench,fuzz,hostfuzz,firmware,setup,boards}.
Parsing the options and running the commands only: sim.plan decides what runs (sim.select:
patterns, tags, shards), sim.runner runs it, sim.report and sim.results write it, sim.merge
puts shards back together, sim.outdir swaps the new set of reports in; hostfuzz is
sim.hostfuzz's own. Exit codes (README.md, "Quick start" and "Running the suite by hand"): 0
every expectation met (and, for run, no tracked figure regressed); 1 a run missed its
expectation, a figure regressed, or a fuzzed load escaped; 2 usage or setup error, with a
message naming the fix; 130 / 143 stopped by SIGINT / SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from tabulate import tabulate

from sim import BOARDS_DIR, BUILD_DIR, DATA_ROOT, REPORTS_DIR, hostfuzz
from sim.baseline import (BASELINE_FILE, Comparison, baseline_history, headline_figures,
                          read_baseline, tracked_figures, updated_figures, write_baseline)
from sim.bench import DistinctModules, distinct_modules, throughput
from sim.build import (LOADER_DIR, REFERENCE_DIR, FirmwareSource, build_firmware_from,
                       source_folder_key)
from sim.boards import board_names, expectation_board_names, load_boards
from sim.ci_summary import append_step_summary
from sim.diagnostics import diagnostic_jobs
from sim.errors import BuildError, SetupError, SimError, os_error_text
from sim.fuzz import FUZZ_BUDGET_INSTRUCTIONS, catalogue_seeds, run_fuzz
from sim.interrupt import Interrupted, RunInterrupted, handling_signals
from sim.matrix_run import interrupted_line, run_and_report, write_reports
from sim.merge import copy_logs, merge_outputs
from sim.modules import benchmark_modules, discover
from sim.options import EXIT_MISSED, EXIT_OK, EXIT_SETUP, add_run_options, positive_int
from sim.outdir import ReportFolder, publishing, writable_folder, write_atomically
from sim.plan import build_problem, module_folders, plan, targets_for
from sim.report import baseline_lines, miss_explanation, run_headline
from sim.results import RunResult
from sim.timing import instructions_to_ticks
from sim.toolchain import check_tools, install_missing_tools
from sim.trend_chart import check_chart_path, write_trend_chart

log = logging.getLogger("sim")



CONSOLE_SCRIPT = "cortexm-sim"   # pyproject.toml's [project.scripts]: the same commands


def _program_name() -> str:
    """How the user started the suite, for usage lines: the console script, or python -m sim."""
    return CONSOLE_SCRIPT if Path(sys.argv[0]).name == CONSOLE_SCRIPT else "python -m sim"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_program_name(), description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the module x board matrix and write reports")
    add_run_options(run.add_argument)
    merge = commands.add_parser("merge", help="combine the outputs of run --shard K/N into "
                                "the reports of the whole run")
    merge.add_argument("folders", nargs="+", type=Path, metavar="DIR",
                       help="the --out folder of each shard")
    merge.add_argument("--out", type=Path, required=True, help="where the merged reports go")
    merge.add_argument("--baseline", type=Path, default=BASELINE_FILE,
                       help="judge the whole run against this baseline (default "
                       "reports/baseline.json)")
    merge.add_argument("--boards-dir", type=Path, default=BOARDS_DIR,
                       help="the folder of board files the shards ran (default boards/)")
    merge.add_argument("--modules", action="append", type=Path, help="the folders of modules "
                       "the shards ran (repeatable; default modules/)")
    bench = commands.add_parser("bench", help="suite throughput: one boot per run against one "
                                "boot per board, on the same runs")
    bench.add_argument("--runs", type=positive_int, default=200,
                       help="module runs per board (default 200)")
    add_run_options(bench.add_argument)
    fuzz = commands.add_parser("fuzz", help="load mutated module files and count escapes")
    fuzz.add_argument("--board", required=True, help="the board to fuzz")
    fuzz.add_argument("--count", type=positive_int, default=1000, help="module files to load")
    fuzz.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    fuzz.add_argument("--out", type=Path, default=REPORTS_DIR / "fuzz",
                      help="where fuzz.json, the inputs and the logs go")
    fuzz.add_argument("-j", "--jobs", type=positive_int, default=os.cpu_count() or 1,
                      help="QEMU instances at once")
    fuzz.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    fuzz.add_argument("--boards-dir", type=Path, default=BOARDS_DIR)
    baseline = commands.add_parser("baseline", help="rewrite the performance baseline")
    baseline.add_argument("--update", action="store_true", help="run the matrix and write "
                          "its figures to the baseline file")
    baseline.add_argument("--chart", type=Path, metavar="SVG|HTML", help="draw the headline "
                          "figures across the baseline's git history (an .svg or .html file)")
    add_run_options(baseline.add_argument)
    commands.add_parser("hostfuzz", add_help=False, help="fuzz the loader on the host "
                                   "with libFuzzer and the sanitizers (its own options: "
                                   "hostfuzz --help)")
    firmware = commands.add_parser("firmware", help="build a firmware for a board as the suite "
                                   "builds the reference firmware (flags, board defines, linker "
                                   "script), from a folder of sources plus the loader library")
    firmware.add_argument("--board", required=True, help="the board to build for")
    firmware.add_argument("--source", type=Path, default=REFERENCE_DIR, metavar="DIR",
                          help="the firmware's own .c/.h files (default firmware/src, the "
                          "reference firmware); firmware/loader is always added")
    firmware.add_argument("--out", type=Path, required=True, metavar="ELF",
                          help="where the ELF goes (its map beside it, as .map)")
    firmware.add_argument("--build-dir", type=Path, default=BUILD_DIR,
                          help="where the objects are built (default build/)")
    firmware.add_argument("--boards-dir", type=Path, default=BOARDS_DIR)
    commands.add_parser("setup", help="install the host tools that are missing (needs root)")
    boards = commands.add_parser("boards", help="list the boards (and the broken board files)")
    boards.add_argument("--boards-dir", type=Path, default=BOARDS_DIR,
                        help="the folder of board files (default boards/)")
    return parser


BENCH_FOLDER = "bench"   # bench writes its boots' logs to <--out>/bench


def _report_folder(args: argparse.Namespace) -> Path | None:
    """The report folder (--out) the command writes a new set of reports into, if any."""
    if args.command in ("run", "fuzz", "merge") or (args.command == "baseline" and args.update):
        return args.out
    if args.command == "bench":
        return args.out / BENCH_FOLDER
    return None


_OPEN_REPORT_FOLDERS: dict[Path, ReportFolder] = {}   # opened by main for the command


def _fresh_out_dir(out: Path) -> Path:
    """Where the command writes its new set of reports for the folder out: a fresh folder
    beside out's last complete set, which main swaps in when the command returns
    (sim/outdir.py). Until then out keeps its last complete set, whatever happens."""
    staging = _OPEN_REPORT_FOLDERS[out.absolute()].staging
    assert staging is not None, "main opens the report folder before the command runs"
    return staging


def _print_outcome(runs: list[RunResult], out: Path, comparison: Comparison | None) -> bool:
    """Print what a person needs to see; True when everything met its expectation and no
    figure regressed."""
    headline = run_headline(runs, comparison)
    regressed = comparison.regressed if comparison is not None else []
    print(f"{headline}; reports in {out.absolute()}")
    append_step_summary(runs, headline, regressed)
    missed = [run for run in runs if not run.ok]
    for run in missed:
        why, below = miss_explanation(run)
        print(f"  MISSED {run.board}/{run.module}: {why} [{run.log or 'never booted'}]")
        for line in below:
            print(f"      {line}")
    if comparison is not None and comparison.listed():
        print("against the baseline: " + "\n".join(baseline_lines(comparison)))
    return not missed and not regressed


def _run_matrix(args: argparse.Namespace) -> tuple[bool, dict, RunInterrupted | None]:
    """Plan, run and write the reports: (everything met and nothing regressed, results.json's
    document, the interruption if a signal stopped the run)."""
    outcome = run_and_report(args, _fresh_out_dir(args.out))
    if outcome.stopped is not None:
        print(interrupted_line(outcome, args.out))
        return False, outcome.document, outcome.stopped
    return (_print_outcome(outcome.runs, args.out, outcome.comparison), outcome.document,
            None)


def command_run(args: argparse.Namespace) -> int:
    passed, _, stopped = _run_matrix(args)
    if stopped is not None:
        return stopped.exit_status
    return EXIT_OK if passed else EXIT_MISSED


def command_merge(args: argparse.Namespace) -> int:
    """The shards' runs as one run's reports, judged as a whole against --baseline: exit 0
    when every run met its expectation and no figure regressed, 1 when not, 2 when the
    folders are not the N parts of one run."""
    before = read_baseline(args.baseline)
    merged = merge_outputs(args.folders)
    boards = load_boards(merged.boards, args.boards_dir)
    modules = discover(module_folders(args.modules), expectation_board_names(args.boards_dir))
    out_dir = _fresh_out_dir(args.out)
    copy_logs(args.folders, out_dir)
    _, comparison = write_reports(out_dir, merged.runs, boards, merged.footprints, before,
                                  None, benchmark_modules(modules), merged.commit,
                                  merged.library, baseline=args.baseline)
    passed = _print_outcome(merged.runs, args.out, comparison)
    return EXIT_OK if passed else EXIT_MISSED


def command_baseline(args: argparse.Namespace) -> int:
    """--update: run the matrix and write its figures as the new baseline; --chart: draw the
    trend of the committed baselines."""
    if args.chart is not None:
        check_chart_path(args.chart)
        if read_baseline(args.baseline) is None:   # a bad file is named before git is asked
            raise SetupError(f"--baseline {args.baseline}: no such file")
        history = baseline_history(args.baseline)
        modules = discover(module_folders(args.modules), expectation_board_names(args.boards_dir))
        write_trend_chart(args.chart, history, [b.name for b in load_boards(args.board,
                                                                            args.boards_dir)],
                          headline_figures(benchmark_modules(modules)))
        print(f"wrote {args.chart}: {len(history)} versions of {args.baseline}")
        return EXIT_OK
    if not args.update:
        raise SetupError("baseline: say --update to rewrite reports/baseline.json on purpose, "
                         "or --chart SVG|HTML to draw its history")
    writable_folder(args.baseline.parent, "--baseline's folder")  # before the run, not after
    passed, document, stopped = _run_matrix(args)
    if stopped is not None:
        return stopped.exit_status   # a part of the runs is no baseline
    if not passed and any(not run["ok"] for run in document["runs"]):
        print("error: baseline --update: some runs missed their expectation; fix them first "
              f"(the baseline {args.baseline} is unchanged)", file=sys.stderr)
        return EXIT_SETUP
    before = read_baseline(args.baseline)
    whole = before is not None and _is_whole_matrix(args, document)
    figures = updated_figures(before, document, whole)
    write_baseline(args.baseline, document["commit"], figures)
    kept = len(figures) - len(tracked_figures(document))
    how = ("no baseline before: every figure is this run's" if before is None else
           "the whole matrix: every figure replaced" if whole else
           f"part of the matrix: its own figures replaced, {kept} others kept")
    print(f"wrote {args.baseline}: {len(figures)} figures ({how})")
    return EXIT_OK


def _is_whole_matrix(args: argparse.Namespace, document: dict) -> bool:
    """Whether the run made exactly the default matrix: every module of modules/ and every
    diagnostic on every board of boards/. Only such a run rewrites the baseline whole, so the
    figures of deleted modules and boards leave; whatever picks a part of the matrix (--only,
    --board, --modules, ...) makes other runs, so that run merges (updated_figures)."""
    ran = {(run["board"], run["module"]) for run in document["runs"]}
    if (args.boards_dir.resolve() != BOARDS_DIR.resolve()
            or {board for board, _ in ran} != set(board_names(BOARDS_DIR))):
        return False
    modules = [m.name for m in discover(module_folders(None), expectation_board_names(BOARDS_DIR))]
    matrix = {(board.name, name) for board in load_boards(None, BOARDS_DIR)
              for name in modules + [job.module for job in diagnostic_jobs(board)]}
    return ran == matrix


def command_bench(args: argparse.Namespace) -> int:
    boards, targets, jobs_for, _, _ = plan(args)
    out_dir = _fresh_out_dir(args.out / BENCH_FOLDER)
    measured = read_baseline(args.baseline) or {}
    per_run, batched, qemu_alone = throughput(targets, jobs_for, args.runs, out_dir, args.jobs,
                                              measured)
    rows = [["one QEMU boot per run (--batch 1)", per_run.runs, f"{per_run.seconds:.2f}",
             f"{per_run.per_second:.0f}", per_run.met],
            [f"batched (--batch {args.runs}: {batched.boots} boots)", batched.runs,
             f"{batched.seconds:.2f}", f"{batched.per_second:.0f}", batched.met],
            ["the same boots, QEMU alone", batched.runs, f"{qemu_alone:.2f}",
             f"{batched.runs / qemu_alone:.0f}", ""]]
    print(tabulate(rows, ["mode", "module-runs", "seconds", "runs/s", "met expectation"],
                   tablefmt="github"))
    print(f"ratio: {batched.per_second / per_run.per_second:.1f}x "
          f"({len(boards)} boards, {args.jobs} QEMU at once)")
    core_us = 1e6 * args.jobs / batched.runs   # µs of the machine's cores per job
    print(f"per job: suite {batched.seconds * core_us:.0f} µs, QEMU alone "
          f"{qemu_alone * core_us:.0f} µs; host overhead "
          f"{100 * (batched.seconds / qemu_alone - 1):.0f}% of QEMU; the suite's own "
          f"process {batched.host_cpu_us_per_run:.0f} µs of CPU per job")
    _print_distinct_modules(distinct_modules(targets, lambda: plan(args)[2], out_dir, args.batch,
                                             args.jobs, measured), args.jobs)
    all_met = per_run.met == per_run.runs and batched.met == batched.runs
    return EXIT_OK if all_met else EXIT_MISSED


def _print_distinct_modules(distinct: DistinctModules, parallel: int) -> None:
    """The host's cost per module when every job is a different one, against QEMU's per job."""
    core_us = 1e6 * parallel / distinct.runs
    suite = (distinct.plan_seconds + distinct.run_seconds) * core_us
    qemu = distinct.qemu_seconds * core_us
    print(f"every job a different module ({distinct.runs} runs, planned again with the build "
          f"cache warm in {distinct.plan_seconds:.2f} s, run in {distinct.run_seconds:.2f} s; "
          f"QEMU alone {distinct.qemu_seconds:.2f} s): per run suite {suite:.0f} µs, QEMU alone "
          f"{qemu:.0f} µs; the host's planning, cache checks and settling "
          f"{suite - qemu:.0f} µs, {(suite - qemu) / qemu:.1f}x QEMU's")


def command_fuzz(args: argparse.Namespace) -> int:
    [board] = load_boards([args.board], args.boards_dir)
    check_tools()
    [target] = targets_for([board], [], args.build_dir)
    out = _fresh_out_dir(args.out)
    summary = run_fuzz(target, catalogue_seeds(board, args.build_dir), args.count, args.seed, out,
                       args.jobs, budget=instructions_to_ticks(FUZZ_BUDGET_INSTRUCTIONS,
                                                               board.cpu.clock_hz))
    counts = ", ".join(f"{k} {summary[k]}" for k in ("ok", "rejected", "fault", "timeout"))
    kinds = ", ".join(f"{k} {n}" for k, n in summary["escape_kinds"].items() if n) or "none"
    print(f"{summary['runs']} loads on {board.name} (seed {args.seed}), each followed by "
          f"{summary['known_good']['module']}: {counts}; {summary['escapes']} escapes "
          f"({kinds}); {summary['loads_per_minute']} loads/min; {args.out / 'fuzz.json'}")
    for example in summary["examples"]:
        crc = "fixed" if example["crc_recomputed"] else "kept"
        print(f"  ESCAPE #{example['number']} {'+'.join(example['kinds'])} from "
              f"{example['source']} {example['file']} ({example['family']}: "
              f"{example['mutation']}, crc {crc}): {example['status']} "
              f"{example['error'] or ''} [{example['log']}]")
    return EXIT_MISSED if summary["escapes"] else EXIT_OK


FIRMWARE_BUILDS = "firmware-builds"   # under --build-dir: `sim firmware`'s own build folders


def command_firmware(args: argparse.Namespace) -> int:
    """Build a firmware from --source for --board and copy its ELF and map to --out."""
    [board] = load_boards([args.board], args.boards_dir)
    source = _firmware_source(args.source)
    if args.out.is_dir():
        raise SetupError(f"--out {args.out}: is a folder; name the ELF file to write")
    writable_folder(args.build_dir, "--build-dir")
    check_tools()
    # One build folder per board and source folder: builds of other sources never share one.
    folder = args.build_dir / FIRMWARE_BUILDS / board.name / source_folder_key(source.folder)
    try:
        image = build_firmware_from(board, source, folder)
    except BuildError as error:
        raise SetupError(build_problem(error, f"--source {args.source}: ").message) from None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out_map = args.out.with_suffix(".map")
    # Each whole or not at all: a full disk never leaves half an ELF where a flash tool looks.
    write_atomically(args.out, image.elf.read_bytes())
    write_atomically(out_map, image.map_file.read_bytes())
    print(f"built the firmware of {source.folder} + {LOADER_DIR.relative_to(DATA_ROOT)} for "
          f"{board.name} (API {image.api[0]}.{image.api[1]} from {source.api_file}):")
    print(f"  ELF {args.out.absolute()}")
    print(f"  map {out_map.absolute()}")
    return EXIT_OK


def _firmware_source(folder: Path) -> FirmwareSource:
    """--source as a FirmwareSource, or a SetupError naming what is wrong with the folder."""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise SetupError(f"--source {folder}: {what}")
    if not any(folder.glob("*.c")):
        raise SetupError(f"--source {folder}: no .c files (the firmware's own sources; "
                         f"{LOADER_DIR.relative_to(DATA_ROOT)} is added to them)")
    return FirmwareSource.of(folder)


def command_setup(args: argparse.Namespace) -> int:
    installed = install_missing_tools()
    print(f"installed: {' '.join(installed)}" if installed else "all host tools present")
    return EXIT_OK


def command_boards(args: argparse.Namespace) -> int:
    """Every board file: a good one by name and description, a broken one by its error (each
    board fails alone; exit 2 when one did)."""
    broken = 0
    for name in sorted(board_names(args.boards_dir)):
        try:
            [board] = load_boards([name], args.boards_dir)
        except SetupError as error:
            print(f"error: {error}", file=sys.stderr)
            broken += 1
            continue
        print(f"{board.name:20} {board.description}")
    return EXIT_SETUP if broken else EXIT_OK


COMMANDS = {"run": command_run, "merge": command_merge, "baseline": command_baseline,
            "bench": command_bench, "fuzz": command_fuzz, "firmware": command_firmware,
            "setup": command_setup, "boards": command_boards}


def _check_input_folders(args: argparse.Namespace) -> None:
    """Folders the command builds in and reads boards from, checked before it does anything."""
    if hasattr(args, "build_dir"):   # merge builds nothing
        writable_folder(args.build_dir, "--build-dir")
    if not args.boards_dir.is_dir():
        what = "is a file, not a folder" if args.boards_dir.exists() else "no such folder"
        raise SetupError(f"--boards-dir {args.boards_dir}: {what}")


def _run_command(args: argparse.Namespace, folder: Path | None) -> int:
    """Run the command; one that writes reports gets a locked report folder first, and its new
    set is swapped in only when the command returns."""
    if folder is None:
        return COMMANDS[args.command](args)
    with publishing(folder) as reports:
        _check_input_folders(args)
        _OPEN_REPORT_FOLDERS[folder.absolute()] = reports
        try:
            return COMMANDS[args.command](args)
        finally:
            _OPEN_REPORT_FOLDERS.pop(folder.absolute(), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hostfuzz"]:   # its own options and report folder (sim/hostfuzz.py)
        return hostfuzz.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(name)s: %(message)s")
    folder = _report_folder(args)
    kept = f"; {folder.absolute()} keeps its last complete reports" if folder is not None else ""
    with handling_signals():
        try:
            return _run_command(args, folder)
        except Interrupted as stop:
            done = (f" after {len(stop.finished)} of {stop.planned} runs"
                    if isinstance(stop, RunInterrupted) else "")
            print(f"interrupted by {stop.signal_name}{done}{kept}", file=sys.stderr)
            return stop.exit_status
        except SimError as error:   # SetupError and the rest: the message names the cause
            print(f"error: {error}", file=sys.stderr)
            return EXIT_SETUP
        except OSError as error:    # a full disk, a folder that went read-only, ...
            print(f"error: {os_error_text(error)}{kept}", file=sys.stderr)
            return EXIT_SETUP
