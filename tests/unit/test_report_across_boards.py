"""summary.md with three boards or more: every cross-board table has a column per board, and
"Across boards" explains each difference by the capability that decides it."""

from __future__ import annotations

import dataclasses

from sim.boards import Board, load_boards
from sim.report import SAME_EXPECTATION, render_summary
from sim.results import FaultInfo, RunResult


def _three_boards() -> list[Board]:
    """Whatever boards/ has, plus copies under new names up to three."""
    boards = load_boards()
    while len(boards) < 3:
        boards.append(dataclasses.replace(boards[0], name=f"copy{len(boards)}"))
    return boards


def _run(board: str, module: str, status: str, expected: dict, by: list[str],
         ok: bool = True, **observed) -> RunResult:
    return RunResult(board, module, 1, status, ok, expected, expected_by=by,
                     sizes={"file": 100, "text": 40, "data": 8, "bss": 4, "loaded": 100},
                     timing={"load": 600, "link": 50, "init": 10, "run": 20, "unload": 5},
                     imports=[{"name": "puts", "address": 1, "expected": 1, "ok": True}],
                     **observed)


def _runs(boards: list[Board]) -> list[RunResult]:
    first, *others = [b.name for b in boards]
    runs = []
    for name in [first, *others]:
        runs.append(_run(name, "same_everywhere", "ok", {"status": "ok", "return": 1}, [],
                         return_value=1))
    # refused where there is no FPU: a capability decides it
    runs.append(_run(first, "needs_fpu", "ok", {"status": "ok", "return": 2}, [],
                     return_value=2))
    for name in others:
        runs.append(_run(name, "needs_fpu", "rejected",
                         {"status": "rejected", "error": "bad_arch"}, ["fpu_precision=none"],
                         error="bad_arch"))
    fault = FaultInfo("BusFault.PRECISERR", 0x100, 0x200, "module_main", "m.c:7", None, None,
                      ("BusFault.PRECISERR",), 0x60000000, 0x8200, 0)
    for name in [first, *others]:
        runs.append(_run(name, "faults", "fault", {"status": "fault",
                                                   "fault": "BusFault.PRECISERR"}, [],
                         fault=fault))
    # every board expected the same, one showed something else: a finding
    runs.append(_run(first, "odd_one_out", "ok", {"status": "ok", "return": 3}, [], ok=False,
                     return_value=4))
    for name in others:
        runs.append(_run(name, "odd_one_out", "ok", {"status": "ok", "return": 3}, [],
                         return_value=3))
    return runs


def _section(summary: str, title: str) -> list[str]:
    text = summary.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in text.splitlines() if line.startswith("|")]


def test_across_boards_names_what_decides_each_difference() -> None:
    boards = _three_boards()
    footprints = {b.name: dict.fromkeys(("loader_bytes", "flash_bytes", "ram_bytes",
                                         "module_arena_bytes"), 1) for b in boards}
    summary = render_summary(_runs(boards), boards, footprints, "abc")
    rows = _section(summary, "Across boards")
    header, _, *body = rows
    assert all(b.name in header for b in boards) and "decided by" in header
    by_module = {row.split("|")[1].strip(): row for row in body}
    assert set(by_module) == {"needs_fpu", "odd_one_out"}   # same_everywhere does not differ
    others = ", ".join(b.name for b in boards[1:])
    assert f"fpu_precision=none: {others}" in by_module["needs_fpu"]
    assert SAME_EXPECTATION in by_module["odd_one_out"]


def test_every_cross_board_table_has_a_column_per_board() -> None:
    boards = _three_boards()
    footprints = {b.name: dict.fromkeys(("loader_bytes", "flash_bytes", "ram_bytes",
                                         "module_arena_bytes"), 1) for b in boards}
    summary = render_summary(_runs(boards), boards, footprints, "abc")
    for title in ("Outcomes", "Across boards", "Fault matrix", "Symbol resolution across boards",
                  "On-target figures", "Firmware footprint"):
        text = "\n".join(_section(summary, title))
        assert all(b.name in text for b in boards), title
    load_speed = summary.split("### Load speed", 1)[1].split("\n## ", 1)[0]
    assert all(f"- {b.name}: median" in load_speed for b in boards)
