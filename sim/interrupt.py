"""Stopping on SIGINT (Ctrl-C) or SIGTERM: promptly, with no QEMU left behind, and keeping what
finished.

sim.cli installs the handler for the length of a command (handling_signals). While boots are
in flight (sim.runner.run_matrix, inside deferring_signals) a signal only records itself: the
runner sees it within a poll, kills every QEMU it started, collects the jobs that finished and
raises RunInterrupted with them, so `run` can write reports of those. Anywhere else (planning,
building, writing reports) the handler raises Interrupted at once, like KeyboardInterrupt.
Both derive from BaseException for the same reason KeyboardInterrupt does: no `except
Exception` may swallow a request to stop.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A stop signal arrived; the command ends with 128 + its number (130, 143)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"interrupted by {self.signal_name}")

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


class RunInterrupted(Interrupted):
    """A run stopped by a signal: the results of the jobs that finished, in run order."""

    def __init__(self, signum: int, finished: list[Any], planned: int) -> None:
        super().__init__(signum)
        self.finished = finished
        self.planned = planned


class _Signals:
    """What the handler saw. Only the main thread runs signal handlers; the runner's threads
    read `received`."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.deferring = 0


_STATE = _Signals()


def signal_received() -> int | None:
    """The stop signal that arrived during this command, if any."""
    return _STATE.received


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _STATE.received = signum
    if not _STATE.deferring:
        raise Interrupted(signum)


@contextmanager
def deferring_signals() -> Iterator[None]:
    """Inside, a stop signal only records itself (signal_received); the code inside polls."""
    _STATE.deferring += 1
    try:
        yield
    finally:
        _STATE.deferring -= 1


@contextmanager
def handling_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the command (see the module's docstring), then the handlers
    that were there before come back. Only the main thread can install handlers; elsewhere
    (a command run from a test's thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS}
    _STATE.received = None
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        _STATE.received = None   # a later run in this process starts afresh
