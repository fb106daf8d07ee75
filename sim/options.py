"""What every command line of the suite shares: its exit codes, its option types, and the
options that say what a run makes and where (`python -m sim run`, `baseline`, `bench`; `pytest
--sim` takes the same ones as `--sim-<name>`, sim/pytest_plugin.py)."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from typing import Any, Callable

from sim import BOARDS_DIR, BUILD_DIR, REPORTS_DIR
from sim.baseline import BASELINE_FILE
from sim.select import shard_option

EXIT_OK = 0        # every expectation met, nothing regressed, nothing escaped or crashed
EXIT_MISSED = 1    # a run missed, a figure regressed, a fuzzed input escaped or crashed
EXIT_SETUP = 2     # usage or setup error, with a message naming the fix
EXIT_SIGINT = 128 + signal.SIGINT   # stopped by Ctrl-C: 130 (SIGTERM gives 143)


def positive_int(text: str) -> int:
    """An option's whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def firmware_option(text: str) -> tuple[str, Path]:
    """--firmware BOARD=ELF (and --firmware-debug)."""
    board, sep, path = text.partition("=")
    if not sep or not board or not path:
        raise argparse.ArgumentTypeError(f"expected BOARD=ELF, got {text!r}")
    return board, Path(path)


DEFAULT_BATCH = 50   # jobs per QEMU boot at most (sim/schedule.py cuts them by cost)

AddOption = Callable[..., Any]   # argparse's add_argument, or a caller's that renames the flags


def add_run_options(add: AddOption, selecting: bool = True) -> None:
    """The options of a run: which boards and modules (and, when selecting, which of their runs:
    --only, --tag; pytest --sim selects with -k and -m instead), which shard, where the reports,
    the builds and the baseline are, how many QEMU at once and how many jobs a boot. Each is
    added with add(flags..., **argparse settings)."""
    add("--board", action="append", help="a board from boards/ (repeatable; default every "
        "board)")
    add("--modules", action="append", type=Path, help="a folder of module folders "
        "(repeatable; default modules/)")
    if selecting:
        add("--only", action="append", metavar="PATTERN", help="run only the modules and "
            "diagnostics (diag:NAME) whose name matches this shell-style pattern, such as "
            "'uart*' or 'diag:*' (repeatable)")
        add("--tag", action="append", metavar="NAME", help="run only the modules and "
            "diagnostics carrying this tag (repeatable: any of them; with --only, both must "
            "hold)")
    add("--shard", type=shard_option, metavar="K/N", help="run only the K-th of N "
        "deterministic parts of the selected runs (python -m sim merge puts them together)")
    add("--shard-durations", type=Path, metavar="RESULTS_JSON", help="balance the shards by "
        "the instructions each run took in this earlier results.json (default: by count)")
    add("-j", "--jobs", type=positive_int, default=os.cpu_count() or 1,
        help="QEMU instances at once (default: the core count)")
    add("--out", type=Path, default=REPORTS_DIR, help="report folder (default reports/)")
    add("--firmware", action="append", type=firmware_option, default=[], metavar="BOARD=ELF",
        help="use this prebuilt, unmodified firmware image")
    add("--firmware-debug", action="append", type=firmware_option, default=[],
        metavar="BOARD=ELF", help="the unstripped ELF of a stripped --firmware image: names "
        "fault and timeout addresses (must match the image)")
    add("--batch", type=positive_int, default=DEFAULT_BATCH, help="jobs per QEMU boot; 1 "
        f"boots a fresh QEMU for every run (default {DEFAULT_BATCH})")
    add("--build-dir", type=Path, default=BUILD_DIR, help="where firmware is built (default "
        "build/)")
    add("--boards-dir", type=Path, default=BOARDS_DIR, help="the folder of board files "
        "(default boards/)")
    add("--baseline", type=Path, default=BASELINE_FILE, help="the performance baseline "
        "(default reports/baseline.json)")
