"""Boot the real firmware on real QEMU with a hand-written job list, for tests that look at the
records themselves rather than at the runner's results."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from sim import REPO_ROOT

from sim.protocol import BootTranscript
from sim.qemu import QemuExit, QemuSession, qemu_argv
from sim.target import Target


@dataclass
class Boot:
    transcript: BootTranscript
    exit: QemuExit
    console: list[str]


def boot(target: Target, workdir: Path, joblist: str | None,
         args: tuple[str, ...] = ("firmware", "jobs.txt"), deadline_s: float = 20.0) -> Boot:
    """Boot once with the semihosting command line args, and joblist (if given) as jobs.txt."""
    workdir.mkdir(parents=True, exist_ok=True)
    if joblist is not None:
        (workdir / "jobs.txt").write_text(joblist)
    argv = qemu_argv(target.board.qemu_machine, target.image.elf, args)
    transcript = BootTranscript()
    console = []
    with QemuSession(argv, workdir, workdir / "stderr.log", deadline_s) as session:
        for line in session.lines():
            console.append(line)
            transcript.feed(line)
    assert session.exit is not None
    return Boot(transcript, session.exit, console)


def run_sim(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    """python -m sim with these arguments, as a user runs it, output captured."""
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300, **options)


@contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted on folder with these mount options (root), unmounted after; the test is
    skipped naming why when it cannot be mounted."""
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
