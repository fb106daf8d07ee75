"""One error vocabulary for the suite. Exit codes are chosen only in sim.cli (and, for
`pytest --sim`, in sim.pytest_plugin).

SetupError and its subclasses are problems the user fixes (a bad board file, a missing tool,
bad options): exit 2 (pytest's usage error under `pytest --sim`). Anything else deriving from
SimError is a harness failure.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class SimError(Exception):
    """Base of every error the suite raises on purpose."""


class SetupError(SimError):
    """Bad input or environment: the message names the file, key or command that fixes it."""


class BoardError(SetupError):
    """A board file is missing, malformed, or has a bad key."""


class ToolMissingError(SetupError):
    """A required host tool (QEMU, the Arm toolchain) is not installed."""


class BuildError(SimError):
    """The compiler or linker failed; the message carries its output."""


class ProtocolError(SimError):
    """The firmware printed something that is not a valid record."""


@contextmanager
def reading_named_file(where: str, expected: str, missing_hint: str = "") -> Iterator[None]:
    """Reading a file the user named: an OSError in the block becomes a SetupError that starts
    with where (the option and its value). expected says what to name when a folder was given
    ("the results.json"); missing_hint follows "no such file"."""
    try:
        yield
    except FileNotFoundError:
        raise SetupError(f"{where}: no such file{missing_hint}") from None
    except IsADirectoryError:
        raise SetupError(f"{where}: is a folder; name {expected} in it") from None
    except OSError as error:
        raise SetupError(f"{where}: cannot read: {error.strerror}") from None


def os_error_text(error: OSError) -> str:
    """An OSError as a message naming its file: a full disk, a folder that went read-only."""
    where = error.filename if error.filename is not None else "a file"
    return f"{where}: {error.strerror or error}"
