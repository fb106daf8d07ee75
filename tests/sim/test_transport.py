"""The runner boots targets through the transport interface alone (sim/transport.py): a batch
run through a transport that wraps QEMU's, records every call and has nothing but the
interface gives the same results and the same command.sh as a normal run, on real QEMU."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from sim.boot import SEMIHOSTING_ARGS
from sim.diagnostics import diagnostic_jobs
from sim.jobs import Job
from sim.modbuild import build_module
from sim.modules import Module
from sim.plan import module_job
from sim.qemu import QemuTransport
from sim.runner import RunSettings, run_batch
from sim.target import Target
from sim.transport import BootExit, TargetSession, Transport

pytestmark = pytest.mark.qemu


class RecordingSession:
    """A QEMU session behind the interface and nothing else (slots: no attribute of QEMU's
    session can be reached through it), recording each call the runner makes."""

    __slots__ = ("_inner", "_started", "calls", "workdir")

    def __init__(self, inner: TargetSession, workdir: Path) -> None:
        self._inner = inner
        self._started = False
        self.calls: list[tuple] = []
        self.workdir = workdir

    @property
    def exit(self) -> BootExit | None:
        return self._inner.exit

    def start(self) -> None:
        # What the working folder holds as the target starts: a probe's semihosting base folder
        # must be complete by then too.
        self.calls.append(("start", sorted(p.name for p in self.workdir.iterdir())))
        self._started = True
        self._inner.start()

    def chunks(self) -> Iterator[list[str]]:
        self.calls.append(("chunks",))
        yield from self._inner.chunks()

    def restart_deadline(self, seconds: float) -> None:
        self.calls.append(("restart_deadline",))
        self._inner.restart_deadline(seconds)

    def kill(self) -> None:
        self.calls.append(("kill",))
        self._inner.kill()

    def end(self) -> None:
        self.calls.append(("end",))
        self._inner.end()

    def close(self) -> BootExit:
        self.calls.append(("close",))
        return self._inner.close()

    def __enter__(self) -> "RecordingSession":
        if not self._started:
            self.start()
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if exc_type is not None:
            self.kill()
        self.close()


class RecordingTransport:
    """QEMU's transport, with each session it opens kept for the test to read."""

    def __init__(self) -> None:
        self._qemu = QemuTransport()
        self.sessions: list[tuple[Path, tuple[str, ...], RecordingSession]] = []

    def session(self, target: Target, workdir: Path, args: Sequence[str],
                deadline_s: float) -> RecordingSession:
        session = RecordingSession(self._qemu.session(target, workdir, args, deadline_s), workdir)
        self.sessions.append((workdir, tuple(args), session))
        return session

    def rerun_command(self, target: Target, workdir: Path, args: Sequence[str]) -> str:
        return self._qemu.rerun_command(target, workdir, args)


def _first(jobs: list[Job], status: str, what: str) -> Job:
    for job in jobs:
        if job.expect.status == status:
            return job
    pytest.skip(f"no {what} expected to end as {status!r} on this board")


def _mixed_batch(target: Target, catalogue: dict[str, Module], build_dir: Path) -> list[Job]:
    """A batch whose jobs end every way a boot sees: ok, a reset (the session goes on through
    it), a lockup (it ends the boot: the next job needs a new session), a timeout (a long
    per-job deadline)."""
    board = target.board
    plain = [m for _, m in sorted(catalogue.items()) if not m.depends]
    expected = [(m, m.expectation(board.name, board.capabilities).status) for m in plain]

    def module(status: str) -> Job:
        chosen = next((m for m, s in expected if s == status), None)
        if chosen is None:
            pytest.skip(f"no plain module expected to end as {status!r} on {board.name}")
        return module_job(chosen, board, build_module(board, chosen, build_dir))

    diagnostics = diagnostic_jobs(board)
    ok = module("ok")
    return [ok, _first(diagnostics, "reset", "diagnostic"), module("timeout"),
            _first(diagnostics, "lockup", "diagnostic"), ok]


def _command(folder: Path) -> str:
    return (folder / "command.sh").read_text().replace(str(folder), "<boot folder>")


def test_a_boot_through_the_interface_alone_gives_a_normal_runs_results(
        board: str, targets: dict[str, Target], catalogue: dict[str, Module], build_dir: Path,
        tmp_path: Path) -> None:
    target = targets[board]
    jobs = _mixed_batch(target, catalogue, build_dir)
    normal = run_batch(target, jobs, tmp_path / "normal" / "logs",
                       RunSettings(out_dir=tmp_path / "normal"))
    recording = RecordingTransport()
    assert isinstance(recording, Transport)
    recorded = run_batch(target, jobs, tmp_path / "recorded" / "logs",
                         RunSettings(out_dir=tmp_path / "recorded", transport=recording))

    assert [(boot, dataclasses.asdict(r)) for boot, r in recorded] == \
           [(boot, dataclasses.asdict(r)) for boot, r in normal]
    statuses = [r.status for _, r in recorded]
    assert statuses == ["ok", "reset", "timeout", "lockup", "ok"], statuses
    boots = max(boot for boot, _ in recorded)
    assert len(recording.sessions) == boots == 2   # the lockup ends a boot, the reset does not
    for workdir, args, session in recording.sessions:
        assert args == SEMIHOSTING_ARGS
        assert _command(workdir) == _command(tmp_path / "normal" / "logs" / workdir.name)
        joblist = (workdir / "jobs.txt").read_text()
        [(call, files)] = [c for c in session.calls if c[0] == "start"]
        words = (word.strip('"').split("=", 1)[-1] for word in joblist.split())
        staged = {word for word in words if word.endswith(".cmod")}
        assert staged or "module" not in joblist
        assert {"jobs.txt", *staged} <= set(files), (files, joblist)
        started = sum(1 for line in joblist.splitlines() if line and line[0].isdigit())
        restarts = session.calls.count(("restart_deadline",))
        assert 1 <= restarts <= started
        assert session.calls[-1] == ("close",) and ("kill",) not in session.calls
        assert session.exit is not None
    assert [s.exit.lockup for _, _, s in recording.sessions] == [True, False]
