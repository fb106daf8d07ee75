"""summary.md's benchmark costs: a firmware that times nothing (examples/minimal_firmware: its
@end records carry no phase figures) gives '—', as a missing run does, never a traceback."""

from __future__ import annotations

from sim.report import _per_unit
from sim.results import RunResult


def _run(module: str, run_ticks: int | None) -> RunResult:
    result = RunResult(board="b", module=module, boot=0, status="ok", ok=True, expected={})
    result.timing["run"] = run_ticks
    return result


def test_the_cost_per_unit_is_the_difference_divided() -> None:
    assert _per_unit(_run("slow", 1000), _run("fast", 200), "run", 4) == "200.00"


def test_runs_without_timings_give_a_dash() -> None:
    assert _per_unit(_run("slow", None), _run("fast", None), "run", 4) == "—"
    assert _per_unit(_run("slow", 1000), _run("fast", None), "run", 4) == "—"
