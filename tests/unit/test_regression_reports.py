"""A regression is a result in every report: a failure in junit.xml (of the module x board's
testcase, or of the board's footprint case) and a line in the CI step summary, each naming
the figure, baseline, now, change and threshold."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sim.baseline import compare_run
from sim.ci_summary import step_summary
from sim.junit import FOOTPRINT_CASE, junit_xml
from sim.results import RunResult

BASELINE = {"b/fast/timing.run": 1000, "b/slow/timing.run": 1000, "b/slow/sizes.file": 200,
            "b/faults/sizes.file": 100, "b/footprint.loader_bytes": 1600,
            "c/fast/timing.run": 1000, "c/footprint.loader_bytes": 1600}


def _run(board: str, module: str, ok: bool = True, run: int | None = 1000,
         file: int | None = None) -> RunResult:
    status = "ok" if ok else "fault"
    return RunResult(board, module, 1, status, ok, {"status": "ok"},
                     timing={"run": run} if ok else {}, sizes=None if file is None else
                     {"file": file}, mismatches=[] if ok else ["status: expected 'ok', got "
                                                               "'fault'"])


def _comparison(runs: list[RunResult], footprint: dict[str, int]):
    document = {"runs": [run.to_json() for run in runs],
                "footprint": {b: {"loader_bytes": v} for b, v in footprint.items()}}
    return compare_run(BASELINE, document)


RUNS = [_run("b", "fast"), _run("b", "slow", run=1031, file=210),
        _run("b", "faults", ok=False, file=150), _run("c", "fast")]
FOOTPRINT = {"b": 1600, "c": 1700}


def test_a_regression_fails_its_testcase_naming_the_figure() -> None:
    root = ET.fromstring(junit_xml(RUNS, ["b", "c"], _comparison(RUNS, FOOTPRINT)))
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert cases[("b", "fast")].find("failure") is None
    slow = cases[("b", "slow")].find("failure")
    assert slow is not None and slow.get("type") == "regressed"
    assert slow.get("message") == ("2 figures regressed past the threshold: b/slow sizes.file "
                                   "+5.00%, b/slow timing.run +3.10%")
    assert ("b/slow/timing.run: baseline 1000, now 1031, change +3.10% (+31), threshold 1%: "
            "regressed") in slow.text
    missed = cases[("b", "faults")].findall("failure")   # one failure: the miss, then the figure
    assert len(missed) == 1 and missed[0].get("type") == "fault"
    assert "b/faults/sizes.file: baseline 100, now 150" in missed[0].text
    footprint = cases[("c", FOOTPRINT_CASE)].find("failure")
    assert footprint is not None and "c/footprint.loader_bytes: baseline 1600, now 1700" \
        in footprint.text
    assert ("b", FOOTPRINT_CASE) not in cases         # present only when it regressed
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "3", "0")
    assert [(s.get("tests"), s.get("failures")) for s in root.findall("testsuite")] == \
        [("3", "2"), ("2", "1")]


def test_without_a_baseline_nothing_changes() -> None:
    assert junit_xml(RUNS, ["b", "c"]) == junit_xml(RUNS, ["b", "c"], None)
    root = ET.fromstring(junit_xml(RUNS, ["b", "c"]))
    assert (root.get("tests"), root.get("failures")) == ("4", "1")


def test_the_step_summary_lists_each_regression() -> None:
    comparison = _comparison(RUNS, FOOTPRINT)
    text = step_summary(RUNS, "headline", comparison.regressed)
    assert "- **regressed** b/slow/timing.run: baseline 1000, now 1031" in text
    assert "- **regressed** c/footprint.loader_bytes: baseline 1600, now 1700" in text
    assert "**b / faults**" in text
