"""Boot the real firmware on real QEMU with a hand-written job list, for tests that look at the
records themselves rather than at the runner's results."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from sim import REPO_ROOT
from sim.boards import Board

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


# The pytest plugin's example folder (README.md, "Testing your own modules with pytest").
EXAMPLE = REPO_ROOT / "examples" / "pytest"


def two_boards(boards: dict[str, Board]) -> list[str]:
    if len(boards) < 2:
        pytest.skip("fewer than two boards in boards/")
    return sorted(boards)[:2]


def checkout_env() -> dict[str, str]:
    """The environment of a process that imports sim from this checkout (tox does not install
    the package: tox.ini, package = skip)."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def run_pytest(python: str, folder: Path, boards: list[str], build_dir: Path, cwd: Path,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """pytest on folder in a process of its own, as a user runs it, output captured."""
    options = [arg for board in boards for arg in ("--sim-board", board)]
    return subprocess.run([python, "-m", "pytest", str(folder), "-q", "-n", "0",
                           "-p", "no:cacheprovider", "--sim-build-dir", str(build_dir),
                           *options], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env=env)


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder
