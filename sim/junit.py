"""junit.xml: the run as JUnit XML, the format CI services read (one testsuite per board, one
testcase per module or diagnostic on it). A run that missed its expectation is a `failure`
carrying expected against observed, the fault and where, the unresolved names, a stdout diff
and the boot's log folder; a run the harness could not complete (an `error` run: a build
problem, QEMU ending early) is an `error`. The module's console output is the case's
`system-out`. Times are not given: the suite measures instructions, not seconds.

A tracked figure that regressed past its threshold against the baseline fails the testcase of
its module x board too (its lines added to the case's failure or error when the run also
missed), or, for a firmware footprint figure, a `footprint` testcase of the board, present only
then. Each line names the figure, baseline, now, change and threshold.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sim.baseline import Change, Comparison
from sim.report import NO_DEBUG_INFO, miss_explanation
from sim.results import RunResult


# Characters XML 1.0 cannot carry at all, even escaped: a module may print any byte.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe_text(text: str) -> str:
    """text with each character XML cannot hold written as \\xHH (or \\uHHHH)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                        else f"\\u{ord(m[0]):04x}", text)


def miss_details(run: RunResult) -> tuple[str, str]:
    """(message, text) of a failure or error: the one-line explanation, then the rest (also
    the failure of a `pytest --sim` item, sim/pytest_plugin.py)."""
    why, below = miss_explanation(run)
    lines = [f"expected: {run.expected}", f"observed: status {run.status}" +
             (f", return {run.return_value}" if run.return_value is not None else "") +
             (f", error {run.error}" if run.error else "")]
    if run.fault is not None:
        where = ", ".join(part for part in (run.fault.symbol, run.fault.location or (
            "" if run.fault.debug_info else NO_DEBUG_INFO)) if part)
        lines.append(f"fault: {run.fault.name}" + (f" at {where}" if where else ""))
    if run.unresolved:
        lines.append(f"unresolved: {', '.join(run.unresolved)}")
    lines += below
    lines.append(f"log: {run.log or 'never booted'}")
    return why, "\n".join(lines)


FOOTPRINT_CASE = "footprint"   # a board's testcase for its regressed footprint figures


def regression_message(regressed: list[Change]) -> str:
    """The one line of a failure for regressed figures: how many, and each by name."""
    figures = "figure" if len(regressed) == 1 else "figures"
    return (f"{len(regressed)} {figures} regressed past the threshold: "
            + ", ".join(change.label() for change in regressed))


def _regression_failure(case: ET.Element, regressed: list[Change]) -> None:
    failure = ET.SubElement(case, "failure", message=regression_message(regressed),
                            type="regressed")
    failure.text = "\n".join(change.detail() for change in regressed)


def _testcase(suite: ET.Element, run: RunResult, regressed: list[Change]) -> None:
    case = ET.SubElement(suite, "testcase", classname=run.board, name=run.module)
    if not run.ok:
        kind = "error" if run.status == "error" else "failure"
        message, text = miss_details(run)
        text = "\n".join([text, *(change.detail() for change in regressed)])
        ET.SubElement(case, kind, message=xml_safe_text(message), type=run.status).text = \
            xml_safe_text(text)
    elif regressed:
        _regression_failure(case, regressed)
    if run.stdout:
        ET.SubElement(case, "system-out").text = xml_safe_text(run.stdout)


def regressions_by_owner(comparison: Comparison | None
                          ) -> dict[tuple[str, str | None], list[Change]]:
    """Regressed figures by (board, module); module None for a board's footprint."""
    owners: dict[tuple[str, str | None], list[Change]] = {}
    for change in comparison.regressed if comparison is not None else []:
        owners.setdefault((change.board, change.module), []).append(change)
    return owners


def junit_xml(runs: list[RunResult], boards: list[str],
              comparison: Comparison | None = None) -> str:
    """The whole run: a testsuite per board, in the order given, each case in run order;
    comparison: the run's figures against the baseline, whose regressions fail cases."""
    regressions = regressions_by_owner(comparison)
    root = ET.Element("testsuites", name="sim")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for board in boards:
        board_runs = [run for run in runs if run.board == board]
        footprint = regressions.get((board, None), [])
        counts = {"tests": len(board_runs) + bool(footprint),
                  "failures": bool(footprint) + sum(
                      r.status != "error" and (not r.ok or (board, r.module) in regressions)
                      for r in board_runs),
                  "errors": sum(not r.ok and r.status == "error" for r in board_runs)}
        suite = ET.SubElement(root, "testsuite", name=board,
                              **{key: str(value) for key, value in counts.items()},
                              skipped="0")
        for run in board_runs:
            _testcase(suite, run, regressions.get((board, run.module), []))
        if footprint:
            _regression_failure(ET.SubElement(suite, "testcase", classname=board,
                                              name=FOOTPRINT_CASE), footprint)
        for key, value in counts.items():
            totals[key] += value
    root.attrib.update({key: str(value) for key, value in totals.items()})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
