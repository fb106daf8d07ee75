"""How a miss is explained: a failed build's excerpt (sim/plan.py), a short stdout diff
(sim/stdoutdiff.py), and where a fault was when nothing can name it (sim/report.py)."""

from __future__ import annotations

from sim.errors import BuildError
from sim.pack import PackError
from sim.plan import MESSAGE_LINES, build_problem
from sim.report import miss_explanation, render_fault_report
from sim.results import FaultInfo, RunResult
from sim.stdoutdiff import DIFF_MAX_LINES, first_difference, short_diff

GCC_OUTPUT = """compiling m/m.c failed:
$ arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -c /src/m/m.c -o m.c.o
/src/m/m.c: In function 'helper':
/src/m/m.c:2:9: warning: unused variable 'spare' [-Wunused-variable]
/src/m/m.c: In function 'module_main':
/src/m/m.c:7:12: error: 'undeclared' undeclared (first use in this function)
    7 |     return undeclared;
      |            ^~~~~~~~~~
/src/m/m.c:7:12: note: each undeclared identifier is reported only once
/src/m/m.c:9:1: error: expected ';' before '}' token
/src/m/m.c:12:1: error: one too many"""


def test_a_compiler_error_is_kept_from_its_first_error_with_file_and_line() -> None:
    problem = build_problem(BuildError(GCC_OUTPUT))
    lines = problem.message.splitlines()
    assert problem.reason == "build"
    assert lines[0] == "compiling m/m.c failed:"
    assert lines[1] == "/src/m/m.c:7:12: error: 'undeclared' undeclared (first use in this function)"
    assert len(lines) == MESSAGE_LINES and not any(line.startswith("$ ") for line in lines)


def test_a_linker_error_and_a_packer_refusal() -> None:
    linked = build_problem(BuildError("linking m failed:\n$ gcc ...\nld: m.o: in function "
                                      "`module_main':\nm.c:(.text+0x4): undefined reference to "
                                      "`nowhere'\ncollect2: error: ld returned 1 exit status"))
    assert linked.message.splitlines()[1].endswith("undefined reference to `nowhere'")
    packed = build_problem(PackError("cannot express these relocations:\n  R_ARM_GOT_BREL in "
                                     "section .text"), "dependency 'lib' (/m/lib): ")
    assert packed.reason == "pack"
    assert packed.message == ("dependency 'lib' (/m/lib): cannot express these relocations:\n"
                              "  R_ARM_GOT_BREL in section .text")


def test_stdout_difference_names_the_first_line_and_a_short_diff() -> None:
    expected = "".join(f"line {n}\n" for n in range(20))
    got = expected.replace("line 7\n", "line seven\n").replace("line 15\n", "")
    assert first_difference(expected, got) == "line 8: expected 'line 7\\n', got 'line seven\\n'"
    assert short_diff(expected, got) == ["  'line 6\\n'", "- 'line 7\\n'", "+ 'line seven\\n'",
                                         "  'line 8\\n'"]
    assert first_difference("a\n", "a") == "line 1: expected 'a\\n', got 'a'"
    assert first_difference("a\n", "a\nb\n") == "line 2: expected the end, got 'b\\n'"
    assert len(short_diff("x\n" * 50, "y\n" * 50)) == DIFF_MAX_LINES


def _fault_run(symbol: str | None, location: str | None, debug_info: bool) -> RunResult:
    fault = FaultInfo("BusFault.PRECISERR", 0x08003A64, 0x080011B9, symbol, location, None, None,
                      ("BusFault.PRECISERR",), None, 0x8200, 0, debug_info=debug_info,
                      lr_debug_info=debug_info)
    return RunResult("board", "m", 1, "fault", False, {"status": "ok"}, fault=fault,
                     mismatches=["status: expected ok, got fault"])


def test_an_address_without_debug_info_is_shown_raw_never_named() -> None:
    """A pc in a stripped firmware image (README.md, "Release images"): its address and "no
    debug info"; with the symbol table alone (--strip-debug), the symbol and "no debug info"."""
    why, _ = miss_explanation(_fault_run(None, None, debug_info=False))
    assert why.endswith("fault BusFault.PRECISERR at 0x08003a64 (no debug info)")
    why, _ = miss_explanation(_fault_run("strlen+0x24", None, debug_info=False))
    assert why.endswith("at strlen+0x24 (no debug info)")
    why, _ = miss_explanation(_fault_run("strlen+0x24", "strlen-armv7.S:114", debug_info=True))
    assert why.endswith("at strlen+0x24 (strlen-armv7.S:114)")
    entry = render_fault_report([_fault_run(None, None, debug_info=False)])
    assert "- pc: `0x08003a64` = no debug info" in entry
    assert "- lr: `0x080011b9` = no debug info" in entry
