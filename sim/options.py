"""What every command line of the suite shares: its exit codes and its option types."""

from __future__ import annotations

import argparse
import signal

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
