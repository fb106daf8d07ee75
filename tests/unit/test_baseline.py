"""Regression tracking: which figures are tracked, and when a change is a regression."""

from __future__ import annotations

from sim.baseline import Change, compare, tracked_figures

DOCUMENT = {
    "footprint": {"b": {"loader_bytes": 1000, "flash_bytes": 9000, "ram_bytes": 5000,
                        "module_arena_bytes": 4096}},
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


def test_growth_past_one_percent_regresses() -> None:
    changes = compare({"b/m/timing.run": 1000, "b/m/sizes.file": 300, "b/gone/timing.run": 5},
                      {"b/m/timing.run": 1011, "b/m/sizes.file": 303, "b/new/timing.run": 9})
    assert [(c.figure, c.regressed) for c in changes] == [("b/m/sizes.file", False),
                                                          ("b/m/timing.run", True)]
    assert Change("b/m/timing.run", 1000, 990).regressed is False
    assert round(Change("b/m/timing.run", 1000, 1011).percent, 2) == 1.1

