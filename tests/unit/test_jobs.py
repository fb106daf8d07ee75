"""Job list lines and expectation checks."""

from __future__ import annotations

from pathlib import Path

from sim.diagnostics import float_bits
from sim.jobs import Expectation, Job, joblist_line, write_joblist


def test_joblist_lines(tmp_path: Path) -> None:
    add = Job("diag:add", "diag", "add", (5, -3), Expectation(return_value=2))
    undefined = Job("diag:undefined", "diag", "undefined", (), Expectation("fault"))
    assert joblist_line("7", add) == "7 diag add args=5,-3"
    path = tmp_path / "jobs.txt"
    write_joblist(path, [joblist_line("0", add), joblist_line("1", undefined)])
    assert path.read_text().splitlines()[1:] == ["0 diag add args=5,-3", "1 diag undefined"]


def test_module_lines_quote_the_file_and_name_the_entry() -> None:
    job = Job("entry_not_first", "module", "/build/m.cmod", (5, 3), Expectation(return_value=11),
              entry="addition")
    assert joblist_line("3", job) == '3 module "/build/m.cmod" entry=addition args=5,3'
    assert joblist_line("3", job, "3.cmod") == '3 module "3.cmod" entry=addition args=5,3'


def test_expectation_checks_only_what_it_names() -> None:
    expect = Expectation(status="fault", fault="UsageFault.NOCP")
    assert expect.as_dict() == {"status": "fault", "fault": "UsageFault.NOCP"}
    assert expect.mismatches({"status": "fault", "fault": "UsageFault.NOCP", "return": 9}) == []
    assert expect.mismatches({"status": "ok", "return": 3}) == [
        "status: expected 'fault', got 'ok'", "fault: expected 'UsageFault.NOCP', got None"]


def test_float_bits_are_ieee754_single() -> None:
    assert float_bits(1.5) == 0x3FC00000
    assert float_bits(3.0) == 0x40400000
    assert float_bits(-2.0) == -0x40000000
