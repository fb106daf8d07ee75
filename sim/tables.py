"""GitHub-flavoured Markdown tables for the reports: the layout tabulate's "github" format
gives (numeric columns right-aligned, every column padded to its widest cell), written
directly. tabulate guesses each cell's type with several parsers; on a run of 1,600 modules
that took half a second, more than QEMU took to run them, so the large tables (one row a run)
are written here and tabulate keeps the console's small ones."""

from __future__ import annotations

from typing import Sequence

Cell = object   # str, int, None (written empty)
HEADER_PADDING = 2   # a column is at least 2 wider than its header, as tabulate makes it


def markdown_table(rows: Sequence[Sequence[Cell]], headers: Sequence[str]) -> str:
    text = [[_text(cell) for cell in row] for row in rows]
    columns = list(zip(*text)) if text else [() for _ in headers]
    numeric = [_is_numeric(column) for column in columns]
    widths = [max([len(header) + HEADER_PADDING, *map(len, column)])
              for header, column in zip(headers, columns)]
    lines = [_line(headers, widths, numeric),
             "|" + "|".join("-" * (width + 2) for width in widths) + "|"]
    lines += [_line(row, widths, numeric) for row in text]
    return "\n".join(lines)


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell)


def _is_numeric(column: Sequence[str]) -> bool:
    """A column of numbers (empty cells aside), as tabulate decides it for our cells."""
    filled = [cell for cell in column if cell]
    return bool(filled) and all(_is_number(cell) for cell in filled)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _line(cells: Sequence[str], widths: list[int], numeric: list[bool]) -> str:
    padded = [cell.rjust(width) if right else cell.ljust(width)
              for cell, width, right in zip(cells, widths, numeric)]
    return "| " + " | ".join(padded) + " |"
