"""A short account of how a run's stdout differs from the expected: the first differing line
for the mismatch, and a few lines of unified diff around it for the console and summary.md."""

from __future__ import annotations

import difflib

DIFF_CONTEXT = 1      # unchanged lines shown around the first difference
DIFF_MAX_LINES = 6    # at most this many lines of diff


def _lines(text: str) -> list[str]:
    """Lines with their endings, so a missing or extra newline shows as a difference."""
    return text.splitlines(keepends=True)


def first_difference(expected: str, got: str) -> str:
    """'line N: expected X, got Y' (each line as repr, or 'the end' past the last)."""
    wanted, seen = _lines(expected), _lines(got)
    for number in range(1, max(len(wanted), len(seen)) + 1):
        want = wanted[number - 1] if number <= len(wanted) else None
        have = seen[number - 1] if number <= len(seen) else None
        if want != have:
            return f"line {number}: expected {_shown(want)}, got {_shown(have)}"
    return "equal"


def _shown(line: str | None) -> str:
    return "the end" if line is None else repr(line)


def short_diff(expected: str, got: str) -> list[str]:
    """The first hunk of a unified diff, expected (-) against got (+), each line as repr, at
    most DIFF_MAX_LINES lines."""
    diff = difflib.unified_diff(_lines(expected), _lines(got), n=DIFF_CONTEXT, lineterm="")
    hunk: list[str] = []
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if hunk:
                break
            continue
        hunk.append(f"{line[0]} {line[1:]!r}")
    return hunk[:DIFF_MAX_LINES]
