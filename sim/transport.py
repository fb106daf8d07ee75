"""What a boot needs from a target, whatever runs the firmware: the one interface sim/boot.py
talks to. sim/qemu.py's QemuTransport (qemu-system-arm) is the one implementation; the probe
transport a real board would need is designed, not built, in sim/PROBE.md.

A boot is: a firmware image, a working folder the firmware reads its job list and module files
from over semihosting, and the semihosting command line (["firmware", "jobs.txt"]). The
transport starts it, hands back the console as lines against a deadline the caller restarts as
each job starts, and ends it with an exit record. It also gives the shell line that repeats the
boot by hand (the boot folder's command.sh).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from sim.target import Target


@dataclass(frozen=True)
class BootExit:
    """How a boot ended, as the transport saw it (the firmware's own @exit record is read from
    the console, not here). A system reset does not end a boot: the target runs on through it
    and the firmware resumes its job list (firmware/src/resume.h)."""
    status: int | None        # the target's exit status, if it ended by itself
    signal: int | None        # the signal that ended the process running it, if any
    deadline_hit: bool        # the host-side deadline ran out first
    teardown: str             # "exited" | "terminated" | "killed" | "stopped" (the run was)
    #                           | "ended" (by end()) | "not started"
    stderr: str               # what the transport said besides the console
    lockup: bool = False      # the core locked up (a fault it could not escalate)


@runtime_checkable
class TargetSession(Protocol):
    """One boot in progress. Use as a context manager: entering starts it if start() has not;
    leaving on an exception kills it; leaving always closes it (exit is then set)."""

    exit: BootExit | None

    def start(self) -> None:
        """Start the boot; the boot deadline runs from here."""

    def chunks(self) -> Iterator[list[str]]:
        """The console as lists of whole lines (without line endings) as they arrive, until the
        target ends it or the deadline passes."""

    def restart_deadline(self, seconds: float) -> None:
        """From now, allow seconds more before the deadline (a job just started)."""

    def kill(self) -> None:
        """End the boot now: the run is stopping. Safe from another thread; chunks() then ends."""

    def end(self) -> None:
        """End the boot now: the host has read all it needs from it (the firmware started its
        job list over after a reset). chunks() then ends; close() says teardown "ended"."""

    def close(self) -> BootExit:
        """Let the boot end, by force if it does not, and say how it ended. Idempotent."""

    def __enter__(self) -> "TargetSession": ...

    def __exit__(self, exc_type: object, *exc_info: object) -> None: ...


@runtime_checkable
class Transport(Protocol):
    """Runs a target's firmware image: one session per boot."""

    def session(self, target: "Target", workdir: Path, args: Sequence[str],
                deadline_s: float) -> TargetSession:
        """A boot of target's image (not yet started) reading its files from workdir, with args
        as its semihosting command line; deadline_s from its start to the first job. What the
        transport says besides the console goes to workdir/stderr.log."""

    def rerun_command(self, target: "Target", workdir: Path, args: Sequence[str]) -> str:
        """A shell line a person can paste to repeat the same boot by hand."""


class SessionGroup:
    """The sessions of one run, so that stopping the run ends them all at once. Once stop() has
    been called, start() starts nothing: no boot can slip in after the stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[TargetSession] = set()
        self._stopped = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def start(self, session: TargetSession) -> bool:
        """Start the session and keep it; False (not started) when the run is stopping."""
        with self._lock:
            if self._stopped:
                return False
            session.start()
            self._live.add(session)
        return True

    def finished(self, session: TargetSession) -> None:
        with self._lock:
            self._live.discard(session)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for session in self._live:
                session.kill()
