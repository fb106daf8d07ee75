"""junit.xml: a testsuite per board, a testcase per run, misses as failures that say why, harness
errors as errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sim.junit import junit_xml
from sim.results import FaultInfo, RunResult

FAULT = FaultInfo("BusFault.PRECISERR", 0x100, 0x200, "module_main", "m.c:7", None, None,
                  ("BusFault.PRECISERR",), 0x60000000, 0x8200, 0)


def _runs() -> list[RunResult]:
    met = RunResult("b1", "adds", 1, "ok", True, {"status": "ok", "return": 3}, return_value=3,
                    stdout="hi\n", log="logs/b1/batch000/boot1")
    missed = RunResult("b1", "faults", 1, "fault", False, {"status": "ok", "return": 1},
                       fault=FAULT, unresolved=[], log="logs/b1/batch000/boot1",
                       mismatches=["status: expected 'ok', got 'fault'"])
    unresolved = RunResult("b2", "imports", 1, "rejected", False, {"status": "ok"},
                           error="unresolved", unresolved=["strstr"], log="logs/b2/batch000/boot1",
                           mismatches=["status: expected 'ok', got 'rejected'"])
    harness = RunResult("b2", "broken", None, "error", False, {"status": "ok"},
                        error="could not start QEMU: no such file",
                        mismatches=["status: expected 'ok', got 'error'"])
    return [met, missed, unresolved, harness]


def test_one_testcase_per_run_in_a_suite_per_board() -> None:
    root = ET.fromstring(junit_xml(_runs(), ["b1", "b2"]))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["b1", "b2"]
    assert [(c.get("classname"), c.get("name")) for s in suites for c in s.findall("testcase")] \
        == [("b1", "adds"), ("b1", "faults"), ("b2", "imports"), ("b2", "broken")]
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == \
        [("2", "1", "0"), ("2", "1", "1")]


def test_a_failure_says_expected_observed_fault_unresolved_and_log() -> None:
    root = ET.fromstring(junit_xml(_runs(), ["b1", "b2"]))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["adds"].find("failure") is None and cases["adds"].find("error") is None
    assert cases["adds"].findtext("system-out") == "hi\n"
    fault = cases["faults"].find("failure")
    assert fault is not None and fault.get("type") == "fault"
    assert "expected 'ok', got 'fault'" in fault.get("message", "")
    assert "fault: BusFault.PRECISERR at module_main, m.c:7" in (fault.text or "")
    assert "log: logs/b1/batch000/boot1" in (fault.text or "")
    missing = cases["imports"].find("failure")
    assert missing is not None and "unresolved: strstr" in (missing.text or "")
    error = cases["broken"].find("error")
    assert error is not None and "log: never booted" in (error.text or "")


def test_text_the_module_printed_is_escaped() -> None:
    run = RunResult("b", "prints", 1, "ok", True, {"status": "ok"}, stdout="<&\"'>\n")
    root = ET.fromstring(junit_xml([run], ["b"]))
    assert root.find("testsuite/testcase/system-out").text == "<&\"'>\n"


def test_bytes_xml_cannot_carry_are_written_as_escapes() -> None:
    run = RunResult("b", "prints", 1, "fault", False, {"status": "ok"}, stdout="a\x01b\x1b\n",
                    mismatches=["stdout: got 'a\x01b'"])
    root = ET.fromstring(junit_xml([run], ["b"]))   # would raise on a raw control character
    assert root.find("testsuite/testcase/system-out").text == "a\\x01b\\x1b\n"
    assert "\\x01" in root.find("testsuite/testcase/failure").get("message", "")
