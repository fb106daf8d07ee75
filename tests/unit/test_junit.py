"""junit.xml: a testsuite per board, a testcase per run, misses as failures that say why, harness
errors as errors; valid against the JUnit schema CI services read (tests/data/junit.xsd)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import xmlschema

from sim import REPO_ROOT
from sim.junit import junit_xml
from sim.results import FaultInfo, RunResult, TimeoutInfo

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


# The JUnit format CI services read, as an XML Schema written from its documented rules.
JUNIT_SCHEMA = REPO_ROOT / "tests" / "data" / "junit.xsd"
TIMEOUT = TimeoutInfo(50_000, 0x2000, 0x2010, "spin", "spin.c:3", None, None)


def _every_kind_of_run() -> list[RunResult]:
    """Met, faulted, timed out, refused, never built, harness error, and stdout with what
    XML cannot carry or must escape."""
    odd = "<tag attr=\"x\">&amp; ]]> \x00\x01\x07\x1b[0m \ud800 \ufffe é ✓ 😀\r\n"
    build = {"reason": "build", "message": "compiling m/m.c failed:\nm.c:3:1: error: 'x' <&>"}
    return [*_runs(),
            RunResult("b1", "spins", 1, "timeout", False, {"status": "ok"}, timeout=TIMEOUT,
                      log="logs/b1/batch000/boot1",
                      mismatches=["status: expected 'ok', got 'timeout'"]),
            RunResult("b1", "spins_on_purpose", 1, "timeout", True, {"status": "timeout"},
                      timeout=TIMEOUT, log="logs/b1/batch000/boot1"),
            RunResult("b2", "never_built", None, "error", False, {"status": "ok"},
                      build_error=build, mismatches=["status: expected 'ok', got 'error'"]),
            RunResult("b2", "odd <name> & \"quotes\"", 1, "ok", False,
                      {"status": "ok", "stdout": "plain\n"}, stdout=odd,
                      log="logs/b2/batch000/boot1",
                      mismatches=[f"stdout: differs at line 1: expected 'plain', got {odd!r}"])]


def test_junit_xml_is_valid_against_the_schema() -> None:
    schema = xmlschema.XMLSchema(JUNIT_SCHEMA)
    runs = _every_kind_of_run()
    document = junit_xml(runs, ["b1", "b2"])
    schema.validate(document)   # raises naming the element and the rule it breaks
    cases = {c.get("name"): c for c in ET.fromstring(document).iter("testcase")}
    assert len(cases) == len(runs)
    assert cases["spins"].find("failure").get("type") == "timeout"
    assert cases["never_built"].find("error") is not None
    assert "m.c:3:1: error: 'x' <&>" in cases["never_built"].find("error").text
    odd = cases["odd <name> & \"quotes\""].findtext("system-out")
    assert "<tag attr=\"x\">&amp; ]]> \\x00\\x01\\x07\\x1b[0m \\ud800 \\ufffe é ✓ 😀" in odd


def test_the_schema_refuses_what_ci_services_cannot_read() -> None:
    """The schema is no rubber stamp: a case without classname, a failure without type, a
    count that is not a number, are each refused."""
    schema = xmlschema.XMLSchema(JUNIT_SCHEMA)
    good = junit_xml(_runs(), ["b1", "b2"])
    assert schema.is_valid(good)
    for broken in (good.replace('classname="b1" ', "", 1),
                   good.replace(' type="fault"', "", 1),
                   good.replace('tests="2"', 'tests="two"', 1),
                   good.replace("<testsuite ", "<suite ").replace("</testsuite>", "</suite>")):
        assert broken != good and not schema.is_valid(broken)
