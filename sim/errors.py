"""One error vocabulary for the suite. Exit codes are chosen only in sim.cli.

SetupError and its subclasses are problems the user fixes (a bad board file, a missing tool,
bad options): exit 2. Anything else deriving from SimError is a harness failure.
"""

from __future__ import annotations


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
