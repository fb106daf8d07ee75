"""One boot of a batch of jobs: the module files staged beside the job list, the target booted
through the run's transport (sim/transport.py; QEMU unless told otherwise) with a command a
person can rerun (command.sh), the console fed to the protocol's transcript and kept
(console.log), and how the boot ended (BootOutcome). The firmware's @boot record is checked
against the board and image the run asked for (sim/identity.py). Nothing here knows how the
target is run: only the transport's interface is used."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from sim.identity import check_identity
from sim.jobs import Job, joblist_line, write_joblist
from sim.outdir import naming_errors
from sim.protocol import BootTranscript, JobTranscript
from sim.qemu import QemuTransport
from sim.target import Target
from sim.timing import ticks_to_instructions
from sim.transport import BootExit, SessionGroup, Transport

log = logging.getLogger(__name__)

# The host's hang deadline gives a job's budget time at this rate: a conservative floor for
# QEMU's speed on a loaded machine, so a job that uses a long budget is not taken for a hang.
HANG_DEADLINE_INSTRUCTIONS_PER_S = 5_000_000


@dataclass(frozen=True)
class RunSettings:
    out_dir: Path
    batch: int = 50                 # jobs per QEMU boot, at most (sim/schedule.py)
    parallel: int = 2               # QEMU instances at once
    boot_deadline_s: float = 20.0   # host backstop: from QEMU's start to the first job ...
    job_deadline_s: float = 10.0    # ... then from each job's start, this plus its budget's time
    # Instruction counts measured before (the baseline's figures), to cut and order the boots.
    measured: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    # Boots' logs go under out_dir/log_folder/<board>/; a shard's has its own (sim/select.py).
    log_folder: str = "logs"
    # Every boot of the run, so a stop (a signal, another batch's error) can end them at once.
    sessions: SessionGroup = field(default_factory=SessionGroup, compare=False, repr=False)
    # What runs the firmware (sim/transport.py): qemu-system-arm, the one implementation.
    transport: Transport = field(default_factory=QemuTransport, compare=False, repr=False)

    def job_deadline(self, job: Job, clock_hz: int) -> float:
        """Seconds a job may take before its boot counts as hung: job_deadline_s, plus its
        budget at HANG_DEADLINE_INSTRUCTIONS_PER_S. A diagnostic has no budget of the host's:
        the firmware's default is short and the fixed part covers it."""
        if job.budget is None:
            return self.job_deadline_s
        instructions = ticks_to_instructions(job.budget, clock_hz)
        return self.job_deadline_s + instructions / HANG_DEADLINE_INSTRUCTIONS_PER_S


@dataclass
class BootOutcome:
    transcript: BootTranscript
    exit: BootExit
    log_dir: Path
    console_tail: tuple[str, ...] = ()   # the last lines QEMU printed, for the evidence

    def ending(self) -> tuple[str, str]:
        """(status for a job the boot died in, why the boot ended, with the evidence)."""
        status, why = self._ending()
        if status == "error" and self.console_tail:
            why += f"; last console line: {self.console_tail[-1]!r}"
        return status, why

    def _ending(self) -> tuple[str, str]:
        stderr = self.exit.stderr
        if self.exit.teardown == "not started":
            return "error", f"could not start QEMU: {stderr}"
        if self.exit.lockup:
            return "lockup", _last_line(stderr) or "QEMU lockup"
        if self.exit.deadline_hit:
            return "hang", "no progress before the host deadline"
        if self.exit.signal is not None and self.exit.teardown == "exited":
            name = signal.Signals(self.exit.signal).name
            return "error", f"QEMU was killed by {name} during the job (stderr: " \
                            f"{_last_line(stderr) or 'empty'})"
        if self.transcript.restarted:
            return "reset", ("the job reset the system and the firmware started its job list "
                             "over instead of resuming it (firmware/src/PROTOCOL.md, "
                             "\"Resets\"), so the host ended the boot")
        fault = self.transcript.firmware_fault
        if fault is not None:
            return "error", (f"the firmware itself faulted (exception {fault.text('exc')}, "
                             f"cfsr {fault.text('cfsr')}) while this job ran; see the boot's "
                             "console")
        if self.transcript.exit is not None:
            return "error", f"firmware exited with status {self.transcript.exit.text('status')}"
        return "error", f"QEMU ended with status {self.exit.status}: {_last_line(stderr)}"


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# The firmware's semihosting command line: its name, then the job list in the boot's folder.
SEMIHOSTING_ARGS = ("firmware", "jobs.txt")

Staged = dict[str, Path]   # a batch's module files: built path -> its first copy in a boot folder


def _stage_file(source: str, destination: Path, staged: Staged) -> None:
    """Put the module file in the boot folder as a hard link to the built file: no copy, and
    safe, because a build replaces a module file with a new one (sim/modbuild.py, _publish)
    and never writes into it. Where the file system refuses links (the log folder on another
    one), a copy the first time the batch needs the file and links to that copy after."""
    for origin in (source, staged.get(source)):
        if origin is None:
            continue
        try:
            os.link(origin, destination)
            return
        except OSError:
            pass
    shutil.copyfile(source, destination)
    staged[source] = destination


def _stage_job(job_id: str, job: Job, log_dir: Path, staged: Staged) -> str:
    """The job's line; a module file is put beside the job list, so the boot folder holds
    everything needed to rerun it and the firmware gets a short relative path. Raises
    FileNotFoundError if a file has gone since the build."""
    if job.kind != "module":
        return joblist_line(job_id, job)
    name = f"{job_id}.cmod"
    _stage_file(job.target, log_dir / name, staged)
    dep_names = tuple(f"{job_id}-dep{k}.cmod" for k in range(len(job.deps)))
    for path, dep_name in zip(job.deps, dep_names, strict=True):
        _stage_file(path, log_dir / dep_name, staged)
    return joblist_line(job_id, job, name, dep_names)


def _start_failure(error: Exception) -> BootExit:
    return BootExit(status=None, signal=None, deadline_hit=False, teardown="not started",
                    stderr=str(error).splitlines()[0])


# Called with a job's id and transcript once nothing more can be added to it (the next job has
# started): its result can be worked out while QEMU runs the rest of the batch.
JobFinal = Callable[[str, JobTranscript], None]


def boot_once(target: Target, jobs: list[tuple[str, Job]], log_dir: Path,
              settings: RunSettings, staged: Staged | None = None,
              job_final: JobFinal | None = None) -> BootOutcome | None:
    """Boot once with these jobs; None when the run was stopped before QEMU started. Raises
    FirmwareMismatch when the firmware is not the one the run asked for (identity.py), and
    OSError naming the file or the boot's folder when its logs cannot be written."""
    with naming_errors(log_dir):
        return _boot_once(target, jobs, log_dir, settings, {} if staged is None else staged,
                          job_final)


def _boot_once(target: Target, jobs: list[tuple[str, Job]], log_dir: Path,
               settings: RunSettings, staged: Staged,
               job_final: JobFinal | None) -> BootOutcome | None:
    log_dir.mkdir(parents=True, exist_ok=True)
    transcript = BootTranscript(expected_ids=[job_id for job_id, _ in jobs])
    try:
        write_joblist(log_dir / "jobs.txt",
                      [_stage_job(job_id, job, log_dir, staged) for job_id, job in jobs])
    except FileNotFoundError as error:  # a file went between the check and the copy
        return BootOutcome(transcript, _start_failure(error), log_dir)
    transport = settings.transport
    (log_dir / "command.sh").write_text(
        transport.rerun_command(target, log_dir, SEMIHOSTING_ARGS) + "\n")
    deadlines = {job_id: settings.job_deadline(job, target.board.cpu.clock_hz)
                 for job_id, job in jobs}
    tail: deque[str] = deque(maxlen=3)
    session = transport.session(target, log_dir, SEMIHOSTING_ARGS, settings.boot_deadline_s)
    try:
        if not settings.sessions.start(session):
            return None
    except (subprocess.SubprocessError, OSError) as error:
        return BootOutcome(transcript, _start_failure(error), log_dir)
    identified = False
    previous: str | None = None   # the job that started last: final once the next one starts
    try:
        with session, open(log_dir / "console.log", "w") as console:
            for chunk in session.chunks():
                # On disk as QEMU writes it (the firmware writes once per job): a hung job shows.
                console.write("\n".join(chunk) + "\n")
                console.flush()
                for line in chunk:
                    transcript.feed(line)
                    if transcript.restarted:   # nothing more of this boot can be placed
                        session.end()
                        break
                    if not identified and transcript.boot is not None:
                        check_identity(transcript.boot, target.board, target.image)
                        identified = True
                    started = transcript.started_now
                    if started is not None:
                        session.restart_deadline(deadlines[started])
                        if previous is not None and job_final is not None:
                            job_final(previous, transcript.jobs[previous])
                        previous = started
                tail.extend(chunk)
    finally:
        settings.sessions.finished(session)
    assert session.exit is not None
    return BootOutcome(transcript, session.exit, log_dir, tuple(tail))
