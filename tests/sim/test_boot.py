"""Each board boots the real firmware on QEMU and reports itself in records."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import board_names
from sim.cores import CPUID_PARTS
from sim.jobs import TIMING_DIRECTIVE
from sim.target import Target
from sim.timing import NS_PER_INSTRUCTION, ticks_to_instructions

from .helpers import boot

pytestmark = pytest.mark.qemu
BOARDS = sorted(board_names())


@pytest.mark.parametrize("name", BOARDS)
def test_boot_record_describes_the_board(name: str, targets: dict[str, Target], tmp_path: Path) -> None:
    target = targets[name]
    result = boot(target, tmp_path, "0 diag add args=40,2\n")
    record = result.transcript.boot
    assert record is not None, result.console
    board = target.board
    assert record.text("board") == board.name
    assert record.int("fpu") == int(board.cpu.has_fpu)
    assert record.int("clock") == board.cpu.clock_hz
    assert record.int("arena_bytes") == board.module_arena_bytes
    ram = board.region(board.firmware_ram)
    assert ram.origin <= record.int("arena") < ram.end
    assert record.text("timer") == "systick"  # QEMU does not count DWT CYCCNT
    part = record.int("cpuid") >> 4 & 0xFFF
    assert CPUID_PARTS.get(part) == board.cpu.core


@pytest.mark.parametrize("name", BOARDS)
def test_a_job_list_runs_and_exits_0(name: str, targets: dict[str, Target], tmp_path: Path) -> None:
    joblist = "# comment\n\n7 diag add args=40,2\n8 diag add args=-1,-2,-3,-4\n"
    result = boot(targets[name], tmp_path, joblist)
    ends = {job_id: seen.end for job_id, seen in result.transcript.jobs.items()}
    assert ends["7"] is not None and ends["7"].int("ret") == 42
    assert ends["8"] is not None and ends["8"].int("ret") == -10
    assert result.transcript.exit is not None and result.transcript.exit.int("status") == 0
    assert result.exit.status == 0 and not result.exit.deadline_hit
    assert all(line.startswith("@") for line in result.console), result.console


def test_the_timing_directive_makes_the_figures_instructions(board: str, targets: dict[str, Target],
                                                             tmp_path: Path) -> None:
    """With the job list's directive the firmware says @timing and counts instructions; without
    it, it reports SysTick ticks, which the host's conversion brings within a couple of
    instructions of the same count (a difference of two readings, each within a tick)."""
    jobs = "0 diag add args=40,2\n"
    counted = boot(targets[board], tmp_path / "counted", f"{TIMING_DIRECTIVE}\n{jobs}")
    ticked = boot(targets[board], tmp_path / "ticked", jobs)
    assert counted.transcript.instruction_ns == NS_PER_INSTRUCTION
    assert ticked.transcript.instruction_ns is None
    instructions = counted.transcript.jobs["0"].end.int("run")
    ticks = ticked.transcript.jobs["0"].end.int("run")
    clock = targets[board].board.cpu.clock_hz
    assert instructions > 0 and abs(ticks_to_instructions(ticks, clock) - instructions) <= 2


def test_no_job_list_path_exits_2(board: str, targets: dict[str, Target], tmp_path: Path) -> None:
    result = boot(targets[board], tmp_path, None, args=("firmware",))
    assert result.exit.status == 2
    [error] = result.transcript.errors
    assert "no job list path" in error.text("msg")


@pytest.mark.parametrize("joblist, line, message", [
    ("0 diag add args=1,2,3,4,5\n", 1, "bad args"),
    ("0 diag add colour=red\n", 1, "unknown option"),
    ("0 diag add args=1\n1 diag\n", 2, "expected: <id> <kind> <target>"),
    ('0 diag "add\n', 1, "unterminated quote"),
    ("0 diag add args=" + "1" * 300 + "\n", 1, "line too long"),
    ("#!timing ns_per_instruction=7\n0 diag add\n", 1, "bad timing directive"),
    ("0 diag add\n#!timing ns_per_instruction=\n", 2, "bad timing directive"),
    ("#!timing speed=fast\n", 1, "bad timing directive"),
])
def test_bad_job_list_exits_2_naming_the_line(joblist: str, line: int, message: str, board: str,
                                              targets: dict[str, Target], tmp_path: Path) -> None:
    result = boot(targets[board], tmp_path, joblist)
    assert result.exit.status == 2
    [error] = result.transcript.errors
    assert error.int("line") == line and message in error.text("msg")


def test_missing_job_list_file_exits_2(board: str, targets: dict[str, Target],
                                       tmp_path: Path) -> None:
    result = boot(targets[board], tmp_path, None, args=("firmware", "gone.txt"))
    assert result.exit.status == 2
    [error] = result.transcript.errors
    assert error.text("msg") == "cannot open the job list"


def test_unknown_diagnostic_is_refused_not_run(board: str, targets: dict[str, Target],
                                                tmp_path: Path) -> None:
    result = boot(targets[board], tmp_path, "0 diag nosuch\n1 diag add args=1\n")
    assert result.transcript.jobs["0"].end.text("status") == "unknown"
    assert result.transcript.jobs["1"].end.int("ret") == 1
