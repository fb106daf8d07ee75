"""Running the firmware on qemu-system-arm: the transport (sim/transport.py) every boot goes
through today.

qemu_argv() builds the command line as a pure function, so it can be unit-tested and printed
for a person to rerun by hand (rerun_command). QemuSession starts it, reads the
semihosting console line by line against a host-side deadline, keeps QEMU's stderr in a file
(a lockup is reported only there) and tears QEMU down in escalating steps. QemuTransport puts
the two together for a board's target.
"""

from __future__ import annotations

import logging
import os
import select
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from sim.timing import ICOUNT_SHIFT
from sim.toolchain import QEMU
from sim.transport import BootExit

if TYPE_CHECKING:
    from sim.target import Target

log = logging.getLogger(__name__)

# Instruction counting makes the guest's clocks a function of the instructions executed, so
# SysTick readings are the same on every run and every machine; with 64 ns an instruction the
# host can turn ticks back into exact instruction counts (sim/timing.py). sleep=off: an idle
# guest advances virtual time instead of waiting in real time.
ICOUNT = f"shift={ICOUNT_SHIFT},align=off,sleep=off"
CONSOLE_CHARDEV = "semihosting"
READ_CHUNK = 65536
LOCKUP_MARKER = "Lockup"       # QEMU: "qemu: fatal: Lockup: can't escalate 3 to HardFault ..."
LOCKUP_EXIT_STATUS = 134       # QEMU aborts after a lockup


def _semihosting_config(args: Sequence[str]) -> str:
    # QEMU option values escape a comma by doubling it.
    quoted = [f"arg={arg.replace(',', ',,')}" for arg in args]
    # No userspace=on: module code runs unprivileged and must not reach the host's files; its
    # console output goes through the firmware (an SVC).
    return ",".join(["enable=on", "target=native", f"chardev={CONSOLE_CHARDEV}", *quoted])


def qemu_argv(machine: str, kernel: Path, semihosting_args: Sequence[str],
              icount: str = ICOUNT) -> list[str]:
    """The qemu-system-arm command line for one boot.

    The semihosting console goes to stdout through a chardev; without one QEMU writes it to
    stderr, mixed with its own messages. No -no-reboot: a guest reset restarts the firmware in
    the same process, RAM kept, and the firmware resumes its job list from the record it keeps
    in .noinit RAM (firmware/src/resume.h), the way a bootloader's flag survives a reset.
    """
    return [
        QEMU, "-M", machine, "-nodefaults", "-display", "none",
        "-chardev", f"stdio,id={CONSOLE_CHARDEV}",
        "-semihosting-config", _semihosting_config(semihosting_args),
        "-icount", icount,
        "-kernel", str(kernel),
    ]


def rerun_command(argv: Sequence[str], cwd: Path) -> str:
    """A shell line a person can paste to repeat a boot by hand."""
    return f"cd {shlex.quote(str(cwd))} && {shlex.join(argv)}"


class QemuSession:
    """One QEMU process, a transport.TargetSession. Use as a context manager; iterate chunks();
    then read exit."""

    GRACE_S = 2.0   # after the console closes, time for QEMU to exit by itself
    TERM_S = 2.0    # after SIGTERM, time before SIGKILL

    def __init__(self, argv: Sequence[str], cwd: Path, stderr_path: Path, deadline_s: float):
        self.argv = list(argv)
        self.cwd = cwd
        self.stderr_path = stderr_path
        self.deadline_s = deadline_s
        self.deadline_hit = False
        self.exit: BootExit | None = None
        self.stopped = False      # kill() ended it: the run is stopping, not the guest's doing
        self.ended = False        # end() ended it: the host had read all it needed
        self._child: subprocess.Popen | None = None
        self._deadline = 0.0

    def __enter__(self) -> "QemuSession":
        if self._child is None:
            self.start()
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if exc_type is not None:  # the caller gave up on this boot: do not wait for QEMU
            self.kill()
        self.close()

    def kill(self) -> None:
        """End QEMU now: the run is stopping. Safe from another thread; chunks() then ends as
        QEMU's console closes."""
        self.stopped = True
        self._kill_now()

    def end(self) -> None:
        """End QEMU now because the host has read all it needs from this boot (the firmware
        started its job list over after a reset). chunks() then ends."""
        self.ended = True
        self._kill_now()

    def _kill_now(self) -> None:
        """SIGKILL to QEMU's process group (it leads a session of its own); not once close()
        has reaped it (its pid could then be another process's, though not within the instant
        between the reaping and close() setting exit)."""
        if self._child is not None and self.exit is None:
            self._signal_group(signal.SIGKILL)

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self._child.pid, signum)
        except ProcessLookupError:
            pass

    def start(self) -> None:
        log.debug("spawn: %s", rerun_command(self.argv, self.cwd))
        self._deadline = time.monotonic() + self.deadline_s
        # A pipe, not a pty: nothing here is interactive, and a pipe needs neither a fork of this
        # (large) process nor a line discipline; QEMU's stderr goes straight to its file. A new
        # session makes QEMU a process-group leader, so kill() ends it and any child at once.
        with open(self.stderr_path, "wb") as stderr:
            self._child = subprocess.Popen(self.argv, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                           stdout=subprocess.PIPE, stderr=stderr, bufsize=0,
                                           start_new_session=True)
        os.set_blocking(self._child.stdout.fileno(), False)

    def restart_deadline(self, seconds: float) -> None:
        """From now, allow seconds more before the deadline (a job just started)."""
        self._deadline = time.monotonic() + seconds

    def chunks(self) -> Iterator[list[str]]:
        """The console as lists of whole lines (without line endings), as they arrive (a last
        line without its newline comes alone at the end), until QEMU closes it or the deadline
        passes. Reads in large chunks and splits them here: a pattern match per line would cost
        more than QEMU takes to run a job."""
        assert self._child is not None, "start() first"
        stdout = self._child.stdout
        pending = b""
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0 or not select.select([stdout], [], [], remaining)[0]:
                self.deadline_hit = True
                break
            data = os.read(stdout.fileno(), READ_CHUNK)
            if not data:
                break
            *complete, pending = (pending + data).split(b"\n")
            if complete:
                yield [line.decode("utf-8", "replace").rstrip("\r") for line in complete]
        if pending.strip(b"\r"):
            yield [pending.decode("utf-8", "replace").rstrip("\r")]

    def close(self) -> BootExit:
        """Tear down: let QEMU exit, then SIGTERM, then SIGKILL. Idempotent."""
        if self.exit is not None:
            return self.exit
        child = self._child
        teardown = "exited"
        if child is not None and (self.stopped or self.ended):
            teardown = "stopped" if self.stopped else "ended"
            self._wait_exit(child, self.TERM_S)
        elif child is not None:
            if not self._wait_exit(child, self.GRACE_S if not self.deadline_hit else 0.0):
                teardown = "terminated"
                child.send_signal(signal.SIGTERM)
                if not self._wait_exit(child, self.TERM_S):
                    teardown = "killed"
                    self._signal_group(signal.SIGKILL)
                    self._wait_exit(child, self.TERM_S)
        if child is not None:
            child.stdout.close()
        status = child.returncode if child is not None else None
        stderr = self._read_stderr()
        self.exit = BootExit(
            status=status if status is not None and status >= 0 else None,
            signal=-status if status is not None and status < 0 else None,
            deadline_hit=self.deadline_hit, teardown=teardown, stderr=stderr,
            lockup=LOCKUP_MARKER in stderr or status == LOCKUP_EXIT_STATUS)
        return self.exit

    @staticmethod
    def _wait_exit(child: subprocess.Popen, seconds: float) -> bool:
        try:
            child.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _read_stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


class QemuTransport:
    """A transport.Transport: every boot a qemu-system-arm of the board's machine, with
    -icount (exact instruction counts) and the semihosting console on stdout."""

    def session(self, target: "Target", workdir: Path, args: Sequence[str],
                deadline_s: float) -> QemuSession:
        return QemuSession(self._argv(target, args), workdir, workdir / "stderr.log", deadline_s)

    def rerun_command(self, target: "Target", workdir: Path, args: Sequence[str]) -> str:
        return rerun_command(self._argv(target, args), workdir)

    @staticmethod
    def _argv(target: "Target", args: Sequence[str]) -> list[str]:
        return qemu_argv(target.board.qemu_machine, target.image.elf.resolve(), args)
