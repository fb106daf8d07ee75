"""When the harness's side goes wrong, every job still gets exactly one result, and the result
says what happened with the evidence: QEMU killed or missing, garbage or a cut record on the
console, a module file gone between the build and the run."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import Module
from sim.plan import module_job
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu


def _diagnostic(name: str) -> Job:
    return Job(f"diag:{name}", "diag", name, (), Expectation("ok"))


def _good(target: Target, catalogue: dict[str, Module], build_dir: Path) -> Job:
    module = catalogue["entry_not_first"]
    return module_job(module, target.board, build_module(target.board, module, build_dir))


@pytest.mark.parametrize("name, evidence", [
    ("console_garbage", "'this is not a record'"),
    ("truncated_record", "'@end id=@end id=0"),
])
def test_console_noise_makes_the_job_an_error(name: str, evidence: str, board: str,
                                              targets: dict[str, Target],
                                              catalogue: dict[str, Module], build_dir: Path,
                                              tmp_path: Path) -> None:
    target = targets[board]
    results = run_batch(target, [_diagnostic(name), _good(target, catalogue, build_dir)],
                        tmp_path / "logs", RunSettings(out_dir=tmp_path))
    (_, broken), (boot, good) = results
    assert broken.status == "error" and evidence in broken.error
    assert "broke the record protocol" in broken.error
    assert (boot, good.status) == (1, "ok")


def _qemu_in(folder: Path) -> int | None:
    """The pid of the QEMU whose working directory is folder."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd") == str(folder) and \
                    b"qemu-system-arm" in (entry / "cmdline").read_bytes():
                return int(entry.name)
        except OSError:
            continue
    return None


def test_qemu_killed_mid_batch(board: str, targets: dict[str, Target],
                               catalogue: dict[str, Module], build_dir: Path,
                               tmp_path: Path) -> None:
    """Killed while the second job spins: that job says so, the third runs in a new boot."""
    target = targets[board]
    good = _good(target, catalogue, build_dir)
    jobs = [good, _diagnostic("hang"), good]
    boot_dir = tmp_path / "logs" / "boot1"

    def kill_when_spinning() -> None:
        for _ in range(200):
            console = boot_dir / "console.log"
            pid = _qemu_in(boot_dir)
            if pid and console.is_file() and "target=\"hang\"" in console.read_text():
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_spinning)
    killer.start()
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    killer.join()
    assert [(boot, r.status) for boot, r in results] == [(1, "ok"), (1, "error"), (2, "ok")]
    assert "QEMU was killed by SIGKILL during the job" in results[1][1].error
    assert results[1][1].log == "logs/boot1"


def test_qemu_missing_at_run_time(board: str, targets: dict[str, Target],
                                  catalogue: dict[str, Module], build_dir: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = targets[board]
    good = _good(target, catalogue, build_dir)
    monkeypatch.setenv("PATH", str(tmp_path))  # no qemu-system-arm anywhere
    results = run_batch(target, [good, good], tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert len(results) == 2
    for _, result in results:
        assert result.status == "error" and "could not start QEMU" in result.error
        assert "qemu-system-arm" in result.error


def test_module_file_gone_between_build_and_run(board: str, targets: dict[str, Target],
                                                catalogue: dict[str, Module], build_dir: Path,
                                                tmp_path: Path) -> None:
    target = targets[board]
    good = _good(target, catalogue, build_dir)
    copy = tmp_path / "doomed.cmod"
    copy.write_bytes(Path(good.target).read_bytes())
    doomed = Job("doomed", "module", str(copy), (5, 3), Expectation(return_value=11),
                 entry="addition")
    copy.unlink()
    (boot, gone), (_, after) = run_batch(target, [doomed, good], tmp_path / "logs",
                                         RunSettings(out_dir=tmp_path))
    assert (gone.status, boot) == ("error", 0)
    assert f"module file {copy} disappeared between the build and the run" == gone.error
    assert after.status == "ok"
