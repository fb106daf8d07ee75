"""Job list lines and expectation checks."""

from __future__ import annotations

from pathlib import Path

from sim.diagnostics import float_bits
from sim.boards import Board
from sim.jobs import Expectation, Job, joblist_line, write_joblist
from sim.modules import Module
from sim.plan import budget_ticks
from sim.timing import (BUDGET_MAX_INSTRUCTIONS, DEFAULT_BUDGET_INSTRUCTIONS,
                        NS_PER_INSTRUCTION, instructions_to_ticks)


def test_joblist_lines(tmp_path: Path) -> None:
    add = Job("diag:add", "diag", "add", (5, -3), Expectation(return_value=2))
    undefined = Job("diag:undefined", "diag", "undefined", (), Expectation("fault"))
    assert joblist_line("7", add) == "7 diag add args=5,-3"
    path = tmp_path / "jobs.txt"
    write_joblist(path, [joblist_line("0", add), joblist_line("1", undefined)])
    assert path.read_text().splitlines()[1:] == [f"#!timing ns_per_instruction={NS_PER_INSTRUCTION}",
                                                 "0 diag add args=5,-3", "1 diag undefined"]


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


def test_the_budget_goes_to_the_job_list_as_u64_ticks_for_the_whole_job(
        boards: dict[str, Board]) -> None:
    """The largest budget a module.toml may give, in ticks on every board: wider than 32 bits on
    a fast clock, written out in full, never wrapped."""
    for board in boards.values():
        for instructions in (1, DEFAULT_BUDGET_INSTRUCTIONS, BUDGET_MAX_INSTRUCTIONS):
            module = Module("m", Path("m"), "", (), budget=instructions)
            ticks = budget_ticks(module, board)
            # Ticks are counted at the board's clock in QEMU's virtual time (64 ns/instruction):
            # the stop falls inside the last allowed instruction.
            clock = board.cpu.clock_hz
            assert (instructions - 1) * 64 * clock < ticks * 10**9 <= instructions * 64 * clock
            assert ticks < 1 << 64
            job = Job("m", "module", "m.cmod", (), Expectation(), entry="module_main",
                      budget=ticks)
            assert joblist_line("0", job).endswith(f" budget={ticks}")
        default = budget_ticks(Module("m", Path("m"), "", ()), board)
        assert default == instructions_to_ticks(DEFAULT_BUDGET_INSTRUCTIONS, board.cpu.clock_hz)
