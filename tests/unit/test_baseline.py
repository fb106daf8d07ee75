"""Regression tracking: which figures are tracked, the verdict on each, what a headline says,
and which figures a baseline update replaces."""

from __future__ import annotations

import json

from sim.baseline import (EQUAL, GONE, IMPROVED, NEW, REGRESSED, WITHIN, Change, compare_run,
                          regression_clause, tracked_figures, updated_figures,
                          verdict)
from sim.report import baseline_lines, run_headline
from sim.results import RunResult

DOCUMENT = {
    "footprint": {"b": {"loader_bytes": 1000, "flash_bytes": 9000, "ram_bytes": 5000,
                        "module_arena_bytes": 4096}},
    "library": {"cortex-m0": {"text_bytes": 1696, "strerror_bytes": 167}},
    "runs": [
        {"board": "b", "module": "m", "status": "ok",
         "timing": {"load": 100, "link": 10, "init": None, "run": 50, "unit": "instructions"},
         "sizes": {"file": 300, "text": 100, "data": 0, "bss": 0}},
        {"board": "b", "module": "crash", "status": "fault",
         "timing": {"load": 7, "run": None, "unit": "instructions"}, "sizes": None},
    ],
}


def test_tracked_figures() -> None:
    figures = tracked_figures(DOCUMENT)
    assert figures["b/m/timing.load"] == 100 and "b/m/timing.init" not in figures
    assert figures["b/m/sizes.file"] == 300
    assert figures["b/footprint.loader_bytes"] == 1000
    assert not any(name.startswith("b/crash/timing") for name in figures)
    assert "b/footprint.module_arena_bytes" not in figures
    assert figures["loader/cortex-m0/library.text_bytes"] == 1696
    assert Change("loader/cortex-m0/library.text_bytes", 1696, 1714).regressed


def test_growth_past_one_percent_regresses() -> None:
    assert Change("b/m/sizes.file", 300, 303).regressed is False     # exactly 1%: within
    assert Change("b/m/timing.run", 1000, 1011).regressed is True
    assert Change("b/m/timing.run", 1000, 990).regressed is False
    assert round(Change("b/m/timing.run", 1000, 1011).percent, 2) == 1.1


def test_verdict_of_each_kind() -> None:
    assert verdict(1000, 1011, 0.01) == REGRESSED
    assert verdict(1000, 1010, 0.01) == WITHIN        # exactly the threshold is allowed
    assert verdict(1000, 1000, 0.01) == EQUAL
    assert verdict(1000, 999, 0.01) == IMPROVED
    assert verdict(None, 5, 0.01) == NEW
    assert verdict(5, None, 0.01) == GONE
    assert verdict(0, 1, 0.01) == REGRESSED           # any growth from nothing
    assert verdict(0, 0, 0.01) == EQUAL


def _document(runs: list[tuple[str, str, int]], footprint: dict[str, int]) -> dict:
    """A results document whose ok runs each have one figure, timing.run."""
    return {"footprint": {board: {"loader_bytes": value} for board, value in footprint.items()},
            "runs": [{"board": b, "module": m, "status": "ok", "timing": {"run": v}}
                     for b, m, v in runs]}


def test_compare_run_judges_every_figure_of_the_run_and_only_those() -> None:
    baseline = {"b/m/timing.run": 1000, "b/m/timing.init": 40, "b/other/timing.run": 7,
                "b/footprint.loader_bytes": 1600, "c/m/timing.run": 5}
    document = _document([("b", "m", 1031), ("b", "fresh", 9), ("d", "m", 3)],
                         {"b": 1600, "d": 1500})
    comparison = compare_run(baseline, document)
    verdicts = {c.figure: c.verdict for c in comparison.figures}
    assert verdicts == {"b/m/timing.run": REGRESSED, "b/m/timing.init": GONE,
                        "b/fresh/timing.run": NEW, "d/m/timing.run": NEW,
                        "b/footprint.loader_bytes": EQUAL, "d/footprint.loader_bytes": NEW}
    assert (comparison.unseen_boards, comparison.unseen_modules) == (["d"], ["fresh"])
    assert comparison.counts() == {REGRESSED: 1, GONE: 1, NEW: 3, IMPROVED: 0, WITHIN: 0,
                                   EQUAL: 1}
    summary = comparison.to_json()
    assert summary["compared"] == 6 and summary["verdicts"][NEW] == 3
    listed = {f["name"]: f for f in summary["figures"]}
    assert "b/footprint.loader_bytes" not in listed          # equal: counted, not listed
    assert listed["b/m/timing.run"] == {
        "name": "b/m/timing.run", "board": "b", "module": "m", "baseline": 1000, "now": 1031,
        "change": {"absolute": 31, "percent": 3.1}, "threshold": 1.0, "verdict": REGRESSED}
    assert listed["d/footprint.loader_bytes"]["module"] is None
    assert listed["b/fresh/timing.run"]["baseline"] is None
    assert listed["b/fresh/timing.run"]["change"] is None
    json.dumps(summary, allow_nan=False)   # no infinity from a baseline of 0


def test_headline_names_the_regressions() -> None:
    comparison = compare_run({f"b/m{i}/timing.run": 100 for i in range(5)},
                             _document([("b", f"m{i}", 110 + i) for i in range(5)], {}))
    assert regression_clause(comparison) == (
        "; 5 figures regressed past their threshold (b/m0 timing.run +10.00%, "
        "b/m1 timing.run +11.00%, b/m2 timing.run +12.00%, and 2 more)")
    runs = [RunResult("b", f"m{i}", 1, "ok", True, {"status": "ok"}) for i in range(5)]
    assert run_headline(runs, comparison).startswith(
        "5 runs, 5 met their expectation, 0 missed; 5 figures regressed")
    assert run_headline(runs, None) == "5 runs, 5 met their expectation, 0 missed"
    assert regression_clause(compare_run({}, _document([("b", "m", 1)], {}))) == ""


def test_new_figures_are_never_said_to_equal_the_baseline() -> None:
    lines = "\n".join(baseline_lines(compare_run({"b/m/timing.run": 1},
                                                 _document([("b", "m", 1), ("n", "m", 2)],
                                                           {"n": 1500}))))
    assert "equals the baseline" not in lines
    assert "3 tracked figures compared: 2 new, 1 equal " in lines
    assert "The baseline has never seen boards n" in lines
    same = baseline_lines(compare_run({"b/m/timing.run": 1}, _document([("b", "m", 1)], {})))
    assert same == ["Every tracked figure of this run equals the baseline (1 figures)."]


def test_a_partial_update_replaces_only_its_own_figures() -> None:
    before = {"b/m/timing.run": 1000, "b/m/timing.init": 40, "b/other/timing.run": 7,
              "b/footprint.loader_bytes": 1600, "c/m/timing.run": 5,
              "c/footprint.loader_bytes": 1700}
    document = _document([("b", "m", 990)], {"b": 1590})
    assert updated_figures(before, document, whole=False) == {
        "b/m/timing.run": 990, "b/other/timing.run": 7, "b/footprint.loader_bytes": 1590,
        "c/m/timing.run": 5, "c/footprint.loader_bytes": 1700}   # b/m/timing.init: replaced
    assert updated_figures(before, document, whole=True) == {
        "b/m/timing.run": 990, "b/footprint.loader_bytes": 1590}
    assert updated_figures(None, document, whole=False) == tracked_figures(document)


def test_only_the_default_matrix_counts_as_whole(boards, catalogue) -> None:
    """Every module of modules/ and every diagnostic on every board of boards/: whole; any
    run missing (a filter) or added (another module folder): a part."""
    from sim.cli import _is_whole_matrix, build_parser
    from sim.diagnostics import diagnostic_jobs
    args = build_parser().parse_args(["baseline", "--update"])
    matrix = [(name, module) for name, board in boards.items()
              for module in [*catalogue, *(j.module for j in diagnostic_jobs(board))]]
    document = _document([(b, m, 1) for b, m in matrix], {})
    assert _is_whole_matrix(args, document)
    assert not _is_whole_matrix(args, _document([(b, m, 1) for b, m in matrix[1:]], {}))
    assert not _is_whole_matrix(args, _document([(b, m, 1) for b, m in matrix]
                                                + [(matrix[0][0], "mine", 1)], {}))
