"""Boot the real firmware on real QEMU with a hand-written job list, for tests that look at the
records themselves rather than at the runner's results. Boots go through a transport
(sim/transport.py), as the runner's do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from sim import REPO_ROOT
from sim.boards import Board
from sim.modules import Module
from sim.outdir import SET_PREFIX

from sim.protocol import BootTranscript
from sim.qemu import QemuTransport
from sim.target import Target
from sim.transport import BootExit, Transport


@dataclass
class Boot:
    transcript: BootTranscript
    exit: BootExit
    console: list[str]


def boot(target: Target, workdir: Path, joblist: str | None,
         args: tuple[str, ...] = ("firmware", "jobs.txt"), deadline_s: float = 20.0,
         transport: Transport | None = None) -> Boot:
    """Boot once with the semihosting command line args, and joblist (if given) as jobs.txt;
    through QEMU unless another transport is given."""
    workdir.mkdir(parents=True, exist_ok=True)
    if joblist is not None:
        (workdir / "jobs.txt").write_text(joblist)
    transcript = BootTranscript()
    console = []
    with (transport or QemuTransport()).session(target, workdir, args, deadline_s) as session:
        for line in (line for chunk in session.chunks() for line in chunk):
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


SLOW_MODULES = 6
PASSES = 75_000_000   # counted_loop: 2 instructions a pass, so 150 million: about a second


def write_slow_modules(folder: Path, catalogue: dict[str, Module]) -> Path:
    """SLOW_MODULES modules that each keep a QEMU busy for about a second (copies of
    counted_loop): a run of them is still going when a test stops it."""
    loop = catalogue["counted_loop"]
    for index in range(SLOW_MODULES):
        module = folder / f"slow_{index}"
        module.mkdir(parents=True)
        for source in loop.sources:
            (module / source.name).write_bytes(source.read_bytes())
        (module / "module.toml").write_text(
            f'description = "runs long"\nargs = [{PASSES}]\nbudget = {2 * PASSES + 10_000}\n'
            "[expect]\nreturn = 0\n")
    return folder


def qemu_under(folder: Path) -> list[int]:
    """QEMU processes whose working directory (a boot's log folder) is inside folder."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"qemu-system-arm" in (entry / "cmdline").read_bytes() \
                    and os.readlink(entry / "cwd").startswith(str(folder.resolve())):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for_slow_boots(out: Path, count: int, process: subprocess.Popen[str]) -> None:
    """Until count boots of slow modules have started (their module file is staged)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(out.glob(f"{SET_PREFIX}*/logs/*/*/boot*/*.cmod"))) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the run did not get to {count} slow boots: "
                         f"{process.communicate()}")
