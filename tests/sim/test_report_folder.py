"""A run never loses data: stopped by a signal it ends within 2 s with no QEMU left and the
finished jobs' results marked interrupted; killed outright, or out of disk, it leaves the last
complete reports as they were, and the next run cleans up after it."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pexpect
import pytest

from sim import REPO_ROOT
from sim.boards import Board
from sim.diagnostics import diagnostic_jobs
from sim.modules import Module
from sim.outdir import SET_PREFIX

from .helpers import (SLOW_MODULES, qemu_under, run_sim, tmpfs, wait_for_slow_boots,
                      write_slow_modules)

pytestmark = pytest.mark.qemu


@pytest.fixture
def slow_modules(tmp_path: Path, catalogue: dict[str, Module]) -> Path:
    """Modules that each keep a QEMU busy for about a second: a run of them is still going
    when the test stops it."""
    return write_slow_modules(tmp_path / "slow", catalogue)


def _sim(*args: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=REPO_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_keeping_what_finished(signum: int, board: str, build: str,
                                                      boards: dict[str, Board],
                                                      slow_modules: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    planned = len(diagnostic_jobs(boards[board])) + SLOW_MODULES
    process = _sim("run", "--board", board, "--modules", str(slow_modules), "--batch", "1",
                   "-j", "2", "--out", str(out), "--build-dir", build)
    try:
        wait_for_slow_boots(out, 3, process)   # one slow job finished or nearly, two running
        sent = time.monotonic()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        process.kill()
    name = signal.Signals(signum).name
    assert process.returncode == 128 + signum, stdout + stderr
    assert took < 2.0, took
    assert qemu_under(tmp_path) == []
    assert "Traceback" not in stderr, stderr
    [line] = stdout.splitlines()
    assert line.startswith(f"INTERRUPTED by {name} after ") and f" of {planned} runs: " in line
    document = json.loads((out / "results.json").read_text())
    assert (document["interrupted"], document["signal"]) == (True, name)
    runs = document["runs"]
    # The slow jobs start first (longest predicted first, sim/schedule.py); a third slow boot
    # had started, so at least one job had finished.
    assert 1 <= len(runs) < planned
    assert all(run["ok"] for run in runs)   # only what finished, each judged as usual
    assert all((out / run["log"] / "console.log").is_file() for run in runs)
    summary = (out / "summary.md").read_text().splitlines()[0]
    assert summary == f"# Simulation summary: INTERRUPTED by {name} after {len(runs)} of " \
                      f"{planned} runs"
    assert line.startswith(summary[len("# Simulation summary: "):])


def test_ctrl_c_at_a_terminal_stops_the_run(board: str, build: str, slow_modules: Path,
                                           tmp_path: Path) -> None:
    """Ctrl-C typed at a real terminal (a pty: the kernel sends SIGINT to the whole foreground
    process group) ends the run as SIGINT does, with no QEMU left over: QEMU runs in a session
    of its own, so the suite, not the terminal, decides how it ends."""
    out = tmp_path / "out"
    terminal = pexpect.spawn(sys.executable, ["-m", "sim", "run", "--board", board, "--modules",
                                              str(slow_modules), "--batch", "1", "-j", "2",
                                              "--out", str(out), "--build-dir", build],
                             cwd=str(REPO_ROOT), encoding="utf-8", timeout=120)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob(f"{SET_PREFIX}*/logs/*/*/boot*/*.cmod"))) < 3:
            assert terminal.isalive() and time.monotonic() < deadline, terminal.before
            time.sleep(0.05)
        terminal.sendintr()
        terminal.expect(r"INTERRUPTED by SIGINT after \d+ of \d+ runs")
        terminal.expect(pexpect.EOF, timeout=30)
    finally:
        terminal.close(force=True)
    assert terminal.exitstatus == 130, terminal.before
    assert "Traceback" not in (terminal.before or "")
    assert qemu_under(tmp_path) == []
    assert json.loads((out / "results.json").read_text())["signal"] == "SIGINT"


def test_a_run_killed_outright_leaves_the_last_reports(board: str, build: str,
                                                       slow_modules: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    good = run_sim("run", "--board", board, "--only", "diag:add", "--out", str(out), "--build-dir",
                build)
    assert good.returncode == 0, good.stdout + good.stderr
    before = (out / "results.json").read_text()
    process = _sim("run", "--board", board, "--modules", str(slow_modules), "--batch", "1",
                   "--out", str(out), "--build-dir", build)
    try:
        wait_for_slow_boots(out, 1, process)
        process.kill()   # SIGKILL: no handler, no clean-up
        process.communicate(timeout=30)
        assert (out / "results.json").read_text() == before
        assert len(list(out.glob(f"{SET_PREFIX}*"))) == 2   # the dead run's set is left over
    finally:
        for pid in qemu_under(tmp_path):   # orphans of the killed run
            os.kill(pid, signal.SIGKILL)
    after = run_sim("run", "--board", board, "--only", "diag:add", "--out", str(out), "--build-dir",
                 build)
    assert after.returncode == 0, after.stdout + after.stderr
    assert len(list(out.glob(f"{SET_PREFIX}*"))) == 1   # cleaned up
    runs = json.loads((out / "results.json").read_text())["runs"]
    assert [r["module"] for r in runs] == ["diag:add"] and (out / runs[0]["log"]).is_dir()


def _limit_file_size(limit: int):
    def apply() -> None:   # in the child, before exec: writes past limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _assert_last_reports_kept(out: Path, before: str, done: subprocess.CompletedProcess[str],
                              cause: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    message = done.stderr.strip().splitlines()[-1]   # after the progress lines
    assert message.startswith(f"error: {out}/"), message   # a file of the new set
    assert f": {cause}; {out} keeps its last complete reports" in message, message
    assert (out / "results.json").read_text() == before
    assert len(list(out.glob(f"{SET_PREFIX}*"))) == 1   # the failed run took its set away


def test_a_file_size_limit_leaves_the_last_reports(board: str, build: str,
                                                  tmp_path: Path) -> None:
    """RLIMIT_FSIZE works without root: the run's reports do not fit, its logs do."""
    out = tmp_path / "out"
    args = ["run", "--board", board, "--only", "diag:add", "--only", "diag:undefined", "--out",
            str(out), "--build-dir", build]
    good = run_sim(*args)
    assert good.returncode == 0, good.stdout + good.stderr
    before = (out / "results.json").read_text()
    assert len(before) > 1024
    done = run_sim(*args, preexec_fn=_limit_file_size(1024))
    _assert_last_reports_kept(out, before, done, "File too large")
    again = run_sim(*args)
    assert again.returncode == 0 and (out / "results.json").read_text() == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the file size limit test covers non-root)")
    with tmpfs(tmp_path / "disk", "size=512k") as folder:
        yield folder


def _fill(disk: Path) -> Path:
    """Fill the disk to the last byte."""
    filler = disk / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, bytes(4096))
    except OSError:
        while True:   # the last partial page
            try:
                os.write(handle, b"x")
            except OSError:
                break
    finally:
        os.close(handle)
    return filler


def test_a_full_disk_leaves_the_last_reports(board: str, build: str, small_disk: Path) -> None:
    out = small_disk / "out"
    args = ["run", "--board", board, "--only", "diag:add", "--out", str(out), "--build-dir",
            build]
    good = run_sim(*args)
    assert good.returncode == 0, good.stdout + good.stderr
    before = (out / "results.json").read_text()
    filler = _fill(small_disk)
    done = run_sim(*args)
    _assert_last_reports_kept(out, before, done, "No space left on device")
    filler.unlink()
    again = run_sim(*args)
    assert again.returncode == 0 and len(list(out.glob(f"{SET_PREFIX}*"))) == 1
