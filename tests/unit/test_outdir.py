"""A report folder always holds one consistent set: a new set is swapped in whole, a dead run's
leftovers go on the next run, a second run is kept out by a lock, committed files are never
touched."""

from __future__ import annotations

import errno
import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.cli import main
from sim.errors import SetupError
from sim.outdir import CURRENT, LOCK_FILE, SET_PREFIX, ReportFolder, write_atomically

COMMITTED = {"README.md": "# reports\n", "baseline.json": '{"figures": {}}\n'}


def _write_set(staging: Path, run: str) -> None:
    """A set as a run writes it: reports that name the run, and a log folder of the run."""
    (staging / "logs" / "board" / "boot1").mkdir(parents=True)
    (staging / "logs" / "board" / "boot1" / "console.log").write_text(f"{run}\n")
    (staging / "results.json").write_text(json.dumps({"run": run}))
    (staging / "summary.md").write_text(f"# {run}\n")


def _publish(folder: Path, run: str) -> None:
    with ReportFolder(folder) as reports:
        _write_set(reports.open(), run)
        reports.publish()


def _seen(folder: Path) -> tuple[str, str, str]:
    """Which run each entry of the folder shows, read as a user would."""
    return (json.loads((folder / "results.json").read_text())["run"],
            (folder / "summary.md").read_text()[2:].strip(),
            (folder / "logs" / "board" / "boot1" / "console.log").read_text().strip())


def _sets(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(SET_PREFIX))


def _with_committed_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in COMMITTED.items():
        (folder / name).write_text(text)
    return folder


def _committed_untouched(folder: Path) -> bool:
    return all((folder / name).read_text() == text and not (folder / name).is_symlink()
               for name, text in COMMITTED.items())


def test_a_new_set_replaces_the_old_whole(tmp_path: Path) -> None:
    folder = _with_committed_files(tmp_path / "reports")
    _publish(folder, "first")
    assert _seen(folder) == ("first", "first", "first")
    _publish(folder, "second")
    assert _seen(folder) == ("second", "second", "second")
    assert len(_sets(folder)) == 1 and os.readlink(folder / CURRENT) == _sets(folder)[0]
    assert _committed_untouched(folder)


def test_an_entry_the_new_set_lacks_is_unlinked(tmp_path: Path) -> None:
    _publish(tmp_path, "first")
    with ReportFolder(tmp_path) as reports:
        staging = reports.open()
        (staging / "fuzz.json").write_text("{}")
        reports.publish()
    assert (tmp_path / "fuzz.json").is_file()
    assert not (tmp_path / "results.json").exists() and not (tmp_path / "logs").exists()


def test_an_unpublished_set_is_dropped_and_the_old_one_stays(tmp_path: Path) -> None:
    _publish(tmp_path, "good")
    with pytest.raises(RuntimeError):
        with ReportFolder(tmp_path) as reports:
            _write_set(reports.open(), "failed")
            raise RuntimeError("the run failed before its reports were complete")
    assert _seen(tmp_path) == ("good", "good", "good") and len(_sets(tmp_path)) == 1


def test_reports_of_an_older_version_are_replaced_but_committed_files_kept(tmp_path: Path) -> None:
    """Before sets, results.json and logs/ were plain entries of the folder."""
    folder = _with_committed_files(tmp_path)
    (folder / "results.json").write_text(json.dumps({"run": "old"}))
    (folder / "logs" / "board").mkdir(parents=True)
    _publish(folder, "new")
    assert _seen(folder) == ("new", "new", "new") and _committed_untouched(folder)
    assert {p.name for p in folder.iterdir()} == {*COMMITTED, "results.json", "summary.md",
                                                 "logs", CURRENT, LOCK_FILE, *_sets(folder)}


# A run that dies at each step of writing and publishing its set (os._exit: no clean-up).
CRASH_POINTS = {
    "while writing its reports": "_write_set(reports.open(), 'dead'); os._exit(9)",
    "before the swap": "_write_set(reports.open(), 'dead'); outdir.os.replace = die; "
                       "reports.publish()",
    "after the swap, before linking": "_write_set(reports.open(), 'dead'); "
                                      "reports._link_entries = die; reports.publish()",
    "before deleting the old set": "_write_set(reports.open(), 'dead'); "
                                   "reports._remove_leftovers = die; reports.publish()",
}


@pytest.mark.parametrize("point", sorted(CRASH_POINTS))
def test_a_crash_leaves_one_whole_set_and_the_next_run_cleans_up(point: str,
                                                                 tmp_path: Path) -> None:
    _publish(tmp_path, "good")
    script = "\n".join([
        "import json, os", "from pathlib import Path", "from sim import outdir",
        "from sim.outdir import ReportFolder",
        "def die(*args, **kwargs): os._exit(9)", inspect.getsource(_write_set),
        f"reports = ReportFolder(Path({str(tmp_path)!r}))", CRASH_POINTS[point]])
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 9, done.stderr
    assert _seen(tmp_path) in {("good",) * 3, ("dead",) * 3}   # never a mix
    _publish(tmp_path, "next")
    assert _seen(tmp_path) == ("next", "next", "next") and len(_sets(tmp_path)) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".sim-partial")]


def test_a_second_run_is_refused_while_the_first_holds_the_folder(tmp_path: Path) -> None:
    with ReportFolder(tmp_path) as first:
        first.open()
        with pytest.raises(SetupError) as refused:
            ReportFolder(tmp_path).open()
    message = str(refused.value)
    assert message.startswith(f"--out {tmp_path}: another run (pid {os.getpid()}) is writing")
    with ReportFolder(tmp_path) as later:   # the first let go
        later.open()


def test_the_cli_refuses_at_once_and_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time; from pathlib import Path; "
                               "from sim.outdir import ReportFolder; "
                               f"held = ReportFolder(Path({str(tmp_path)!r})); held.open(); "
                               "print('locked', flush=True); time.sleep(60)"],
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        start = time.monotonic()
        # (--boards-dir: were the lock not there, the run would stop soon after, differently)
        done = subprocess.run([sys.executable, "-m", "sim", "run", "--out", str(tmp_path),
                               "--boards-dir", str(tmp_path / "none")],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"--out {tmp_path}: another run (pid {holder.pid}) is writing" in done.stderr
        assert time.monotonic() - start < 10   # before any planning or building
        assert "Traceback" not in done.stderr
    finally:
        holder.kill()
        holder.wait()
    with ReportFolder(tmp_path) as after:   # killed: the kernel dropped its lock
        after.open()


def test_write_atomically_keeps_the_old_file_when_the_write_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.json"
    write_atomically(path, "old\n")

    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as failed:
        write_atomically(path, "new\n")
    assert failed.value.filename == str(path) and failed.value.errno == errno.ENOSPC
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_out_that_is_or_lies_under_a_file_exits_2(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, problem in ((afile, "is a file, not a folder"),
                         (afile / "out", f"{afile} is a file, not a folder")):
        assert main(["run", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"--out {out}: {problem}" in err, err
