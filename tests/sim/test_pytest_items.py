"""`pytest --sim`: the matrix as pytest items (README.md, "Running the suite by hand"). Each test
runs pytest in a process of its own, as a user does, on the first two boards and a folder of
modules of its own (one that meets its expectation, one that misses on purpose) plus one
diagnostic: the ids name board and module, -k and -m select, the runs share boots, the
reports equal `python -m sim run`'s for the same selection, --lf reruns only the failures,
-n 2 gives the same outcomes, regressions fail the items they belong to, a bad option is a
usage error, and a signal stops the run as it stops `python -m sim run`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.baseline import tracked_figures, write_baseline
from sim.boards import Board
from sim.diagnostics import diagnostic_jobs
from sim.modules import Module

from .helpers import (checkout_env, qemu_under, run_sim, two_boards, wait_for_slow_boots,
                      write_slow_modules)

MEETS, MISSES = "right_answer", "wrong_answer"
OWN_TAG = "mine"   # MEETS carries it


def _own_modules(folder: Path) -> Path:
    """MEETS returns 6 * 7 and expects 42; MISSES returns 6 * 7 and expects 41, on purpose."""
    for name, expected, tags in ((MEETS, 42, f'["{OWN_TAG}"]'), (MISSES, 41, "[]")):
        module = folder / name
        module.mkdir(parents=True)
        (module / f"{name}.c").write_text("int module_main(int a, int b) { return a * b; }\n")
        (module / "module.toml").write_text(f'description = "6 * 7"\nargs = [6, 7]\n'
                                            f"tags = {tags}\n[expect]\nreturn = {expected}\n")
    return folder


def _pytest(cwd: Path, *args: str, cache: bool = False) -> subprocess.CompletedProcess[str]:
    """pytest --sim in a process of its own, in cwd (its rootdir), output captured. Options
    that name a folder are written --sim-X=DIR: pytest looks for its rootdir among the command
    line's paths before it knows a plugin's options."""
    cache_options = ["-o", f"cache_dir={cwd / 'cache'}"] if cache else ["-p", "no:cacheprovider"]
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "sim.pytest_plugin", "--sim",
                           f"--rootdir={cwd}", "--strict-markers", *cache_options, *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600,
                          env=checkout_env())


def _board_options(boards: list[str], prefix: str) -> list[str]:
    return [option for name in boards for option in (prefix, name)]


def _first_diagnostic(board: Board) -> str:
    return diagnostic_jobs(board)[0].module


def _document(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def _outcomes(junit: Path) -> dict[str, str]:
    """Each testcase of pytest's --junitxml as "<classname>::<name>": passed or failed."""
    cases = ET.parse(junit).getroot().iter("testcase")
    return {f"{case.get('classname')}::{case.get('name')}":
            "failed" if case.find("failure") is not None or case.find("error") is not None
            else "passed" for case in cases}


@pytest.fixture(scope="module")
def own_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _own_modules(tmp_path_factory.mktemp("own") / "mine")


@dataclass(frozen=True)
class Runs:
    """The same selection run by `python -m sim run` and by `pytest --sim`, with and without
    xdist, each into a folder of its own."""
    boards: list[str]
    whole: subprocess.CompletedProcess[str]
    items: subprocess.CompletedProcess[str]
    parallel: subprocess.CompletedProcess[str]
    folder: Path
    common: list[str]      # pytest options of the selection
    run_options: list[str]   # python -m sim run's options of the same selection


@pytest.fixture(scope="module")
def runs(boards: dict[str, Board], build_dir: Path, own_modules: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Runs:
    chosen = two_boards(boards)
    folder = tmp_path_factory.mktemp("items")
    mine = own_modules
    diagnostic = _first_diagnostic(boards[chosen[0]])
    # -k matches substrings; every diagnostic's name starts with "diag:", so this -k selects
    # what --only 'diag:<name>*' does.
    common = [f"--sim-modules={mine}", f"--sim-build-dir={build_dir}", "--sim-jobs=2",
              *_board_options(chosen, "--sim-board"), "-k", f"answer or {diagnostic}"]
    run_options = ["--modules", str(mine), "--build-dir", str(build_dir), "-j", "2",
                   *_board_options(chosen, "--board"), "--only", "*answer*", "--only",
                   f"{diagnostic}*"]
    whole = run_sim("run", *run_options, "--out", str(folder / "whole"))
    items = _pytest(folder, *common, f"--sim-out={folder / 'items'}",
                    f"--junitxml={folder / 'items.xml'}", cache=True)
    parallel = _pytest(folder, *common, "-n", "2", f"--sim-out={folder / 'parallel'}",
                       f"--junitxml={folder / 'parallel.xml'}")
    return Runs(chosen, whole, items, parallel, folder, common, run_options)


def test_item_ids_name_board_and_module_and_k_and_m_select(boards: dict[str, Board],
                                                           own_modules: Path,
                                                           tmp_path: Path) -> None:
    chosen = two_boards(boards)
    options = [f"--sim-modules={own_modules}", *_board_options(chosen, "--sim-board"),
               "--collect-only", "-q"]
    every = _pytest(tmp_path, *options)
    assert every.returncode == 0, every.stdout + every.stderr
    expected = [f"sim::{name}::{run}" for name in chosen
                for run in [job.module for job in diagnostic_jobs(boards[name])] + [MEETS, MISSES]]
    assert every.stdout.splitlines()[:len(expected) + 1] == [*expected, "sim::footprint"]
    last = chosen[-1]
    picked = _pytest(tmp_path, *options, "-k", f"{MISSES} and {last}")
    assert picked.stdout.splitlines()[:2] == [f"sim::{last}::{MISSES}", "sim::footprint"]
    tagged = _pytest(tmp_path, *options, "-m", OWN_TAG)   # --strict-markers: tags registered
    assert tagged.returncode == 0, tagged.stdout + tagged.stderr
    assert tagged.stdout.splitlines()[:len(chosen) + 1] == [
        *(f"sim::{name}::{MEETS}" for name in chosen), "sim::footprint"]
    nothing = _pytest(tmp_path, *options, "-k", "no_such_run")   # no run: no footprint either
    assert nothing.returncode == 5, nothing.stdout + nothing.stderr


@pytest.mark.qemu
def test_reports_equal_python_m_sim_runs_and_boots_are_shared(runs: Runs) -> None:
    assert runs.whole.returncode == 1, runs.whole.stdout + runs.whole.stderr
    assert runs.items.returncode == 1, runs.items.stdout + runs.items.stderr
    # Nothing differs: the same runs give the same reports, boot numbers and log folders
    # included (the commit is the checkout's in both).
    for report in ("results.json", "summary.md", "junit.xml", "faults.md", "report.html"):
        assert (runs.folder / "items" / report).read_bytes() == \
            (runs.folder / "whole" / report).read_bytes(), report
    document = _document(runs.folder / "items")
    outcomes = _outcomes(runs.folder / "items.xml")
    assert outcomes == {**{f"sim.{run['board']}::{run['module']}":
                           "passed" if run["ok"] else "failed" for run in document["runs"]},
                        "sim::footprint": "passed"}
    assert {run["module"] for run in document["runs"] if not run["ok"]} == {MISSES}
    boots = {(run["board"], run["boot"]) for run in document["runs"]}
    assert len(boots) < len(document["runs"]), "runs share boots"
    assert f"FAILED sim::{runs.boards[0]}::{MISSES} - Failed: return: expected 41, got 42" \
        in runs.items.stdout, runs.items.stdout


@pytest.mark.qemu
def test_xdist_gives_the_same_outcomes_and_reports(runs: Runs) -> None:
    assert runs.parallel.returncode == 1, runs.parallel.stdout + runs.parallel.stderr
    assert "2 workers" in runs.parallel.stdout, runs.parallel.stdout
    assert _outcomes(runs.folder / "parallel.xml") == _outcomes(runs.folder / "items.xml")
    assert _document(runs.folder / "parallel") == _document(runs.folder / "items")


@pytest.mark.qemu
def test_last_failed_reruns_only_the_runs_that_missed(runs: Runs) -> None:
    again = _pytest(runs.folder, *runs.common, "--lf", f"--sim-out={runs.folder / 'again'}",
                    f"--junitxml={runs.folder / 'again.xml'}", cache=True)
    assert again.returncode == 1, again.stdout + again.stderr
    assert _outcomes(runs.folder / "again.xml") == {
        f"sim.{name}::{MISSES}": "failed" for name in runs.boards}
    assert [(run["board"], run["module"]) for run in _document(runs.folder / "again")["runs"]] \
        == [(name, MISSES) for name in runs.boards]


@pytest.mark.qemu
def test_a_shard_equals_python_m_sim_runs_shard(runs: Runs) -> None:
    """--sim-shard cuts what -k left as --shard cuts what --only left: the same runs, the same
    shard record (the whole selection); under xdist the controller learns the whole selection
    from the worker's collection."""
    shard = runs.folder / "shard"
    done = _pytest(runs.folder, *runs.common, "-n", "2", "--sim-shard", "2/2",
                   f"--sim-out={shard}")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    whole = run_sim("run", *runs.run_options, "--shard", "2/2", "--out", str(runs.folder / "ws"))
    assert whole.returncode == done.returncode, whole.stdout + whole.stderr
    assert _document(shard) == _document(runs.folder / "ws")
    assert 0 < len(_document(shard)["runs"]) < len(_document(runs.folder / "items")["runs"])


@pytest.mark.qemu
def test_a_regressed_figure_fails_its_item(runs: Runs) -> None:
    """A baseline that had half of one run's time and of one board's flash: that run's item
    and sim::footprint fail, each naming its figure; no other item fails for it."""
    board = runs.boards[0]
    now = tracked_figures(_document(runs.folder / "items"))
    halved = {f"{board}/{MEETS}/timing.run", f"{board}/footprint.flash_bytes"}
    baseline = runs.folder / "halved.json"
    write_baseline(baseline, None, {name: value // 2 if name in halved else value
                                    for name, value in now.items()})
    done = _pytest(runs.folder, *runs.common, f"--sim-baseline={baseline}",
                   f"--sim-out={runs.folder / 'regressed'}",
                   f"--junitxml={runs.folder / 'regressed.xml'}")
    assert done.returncode == 1, done.stdout + done.stderr
    failed = {case for case, outcome in _outcomes(runs.folder / "regressed.xml").items()
              if outcome == "failed"}
    assert failed == {f"sim.{board}::{MEETS}", "sim::footprint",
                      *(f"sim.{name}::{MISSES}" for name in runs.boards)}
    for figure in sorted(halved):
        assert f"{figure}: baseline {now[figure] // 2}, now {now[figure]}" in done.stdout, \
            done.stdout


def test_a_bad_option_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    for options, said in ((["--sim-board", "no-such-board"], "unknown board 'no-such-board'"),
                          (["--sim-shard", "3/2"], "K must be from 1 to N (2)"),
                          ([f"--sim-modules={tmp_path / 'none'}"], "no such folder")):
        done = _pytest(tmp_path, *options)
        assert done.returncode == 4, done.stdout + done.stderr   # pytest's usage error
        assert said in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.qemu
def test_a_signal_stops_the_run_as_it_stops_python_m_sim_run(
        board: str, build_dir: Path, catalogue: dict[str, Module],
        tmp_path: Path) -> None:
    """SIGINT in the middle of the run: the finished runs' reports are written, marked
    interrupted, no QEMU is left, and the session ends with 130 and run's own line."""
    slow = write_slow_modules(tmp_path / "slow", catalogue)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "sim.pytest_plugin", "--sim", "-p",
         "no:cacheprovider", f"--rootdir={tmp_path}", f"--sim-modules={slow}",
         f"--sim-build-dir={build_dir}", "--sim-board", board, "--sim-batch=1", "--sim-jobs=2",
         f"--sim-out={out}"], cwd=tmp_path, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=checkout_env())
    try:
        wait_for_slow_boots(out, 3, process)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        process.kill()
    assert process.returncode == 130, stdout + stderr
    assert took < 5.0, took
    assert qemu_under(tmp_path) == []
    assert "INTERRUPTED by SIGINT after " in stdout and "Traceback" not in stdout + stderr
    document = _document(out)
    assert (document["interrupted"], document["signal"]) == (True, "SIGINT")
    assert 1 <= len(document["runs"]) and all(run["ok"] for run in document["runs"])


def test_test_files_are_collected_only_when_named(boards: dict[str, Board], own_modules: Path,
                                                  tmp_path: Path) -> None:
    """Without --sim the plugin adds no item; with it, the matrix is the session, and test
    files join it only when named on the command line."""
    (tmp_path / "test_own_file.py").write_text("def test_own_file():\n    pass\n")
    board = sorted(boards)[0]
    runs = [f"--sim-modules={own_modules}", "--sim-board", board, "-k", f"test_own_file or {MEETS}"]
    own = "test_own_file.py::test_own_file"
    for sim, named, ids in (([], [], [own]),
                            (["--sim"], [], [f"sim::{board}::{MEETS}", "sim::footprint"]),
                            (["--sim"], ["test_own_file.py"], [own, f"sim::{board}::{MEETS}",
                                                               "sim::footprint"])):
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "sim.pytest_plugin", *sim,
                               "-p", "no:cacheprovider", f"--rootdir={tmp_path}",
                               "--collect-only", "-q", *(runs if sim else []), *named],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env=checkout_env())
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.splitlines()[:len(ids) + 1] == [*ids, ""], done.stdout
