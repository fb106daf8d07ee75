"""summary.md's tables: the layout of tabulate's GitHub format, cells written as given."""

from __future__ import annotations

import pytest
from tabulate import tabulate

from sim.tables import markdown_table

TABLES = {
    "numbers right, text left": ([["a", "1", ""], ["bb", "22", "x"]], ["h", "n", "e"]),
    "marks, negatives, hex as text": ([["m", "✓ ok", "-5", "15", ""],
                                       ["mod_long", "✗ **MISSED**", "12", "", "0x1f"]],
                                      ["module", "b", "n", "f", "hex"]),
    "no rows": ([], ["a", "b"]),
    "an empty column": ([["x", "", "3"]], ["col", "empty", "num"]),
    "ints and None": ([["x", 3, None], ["y", 40, 7]], ["m", "load", "run"]),
}


@pytest.mark.parametrize("rows, headers", TABLES.values(), ids=TABLES.keys())
def test_the_layout_is_tabulates_github_format(rows: list[list[object]],
                                               headers: list[str]) -> None:
    expected_rows = [["" if cell is None else cell for cell in row] for row in rows]
    assert markdown_table(rows, headers) == tabulate(expected_rows, headers, tablefmt="github")


def test_a_number_is_written_as_given() -> None:
    """tabulate would reformat "7.30" as 7.3; the reports choose their own precision."""
    assert markdown_table([["bench_sort", "7.30"]], ["module", "per call"]).splitlines()[2] == \
        "| bench_sort |       7.30 |"
