"""What a miss says, from real runs: the console's MISSED line and the reports carry a fault's
name and where, a timeout's budget and where, the unresolved names, a short stdout diff. The
catalogue's own modules, copied with an expectation they miss on purpose (ok)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.modules import Module

from .helpers import run_sim

pytestmark = pytest.mark.qemu

MISSING_ON_PURPOSE = ("runs_forever", "fault_unmapped_read", "missing_imports")
CHATTY_SOURCE = ('#include <stdio.h>\nint module_main(void)\n{\n    printf("one\\ntwo\\nthree\\n");\n'
                 '    return 0;\n}\n')


def _expecting_ok(module: Module, folder: Path) -> None:
    """The catalogue module's sources and settings, expected to return normally."""
    shutil.copytree(module.path, folder)
    budget = f"budget = {module.budget}\n" if module.budget else ""
    (folder / "module.toml").write_text(f"description = \"{module.name}, expected ok\"\n"
                                        f"args = {list(module.args)}\n{budget}")


@pytest.fixture(scope="module")
def missed(catalogue: dict[str, Module], build_dir: Path, firmware: dict,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str], Path]:
    """One run of the copies and of a module whose stdout differs: (results.json's runs by
    (board, module), the console's lines, the reports folder)."""
    tmp = tmp_path_factory.mktemp("missed")
    for name in MISSING_ON_PURPOSE:
        _expecting_ok(catalogue[name], tmp / "m" / name)
    (tmp / "m" / "chatty").mkdir()
    (tmp / "m" / "chatty" / "chatty.c").write_text(CHATTY_SOURCE)
    (tmp / "m" / "chatty" / "module.toml").write_text('[expect]\nstdout = "one\\nTWO\\nthree\\n"\n')
    only = [arg for name in [*MISSING_ON_PURPOSE, "chatty"] for arg in ("--only", name)]
    done = run_sim("run", "--modules", str(tmp / "m"), *only, "--out", str(tmp / "out"),
                   "--build-dir", str(build_dir), "-j", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    runs = json.loads((tmp / "out" / "results.json").read_text())["runs"]
    return {(r["board"], r["module"]): r for r in runs}, done.stdout.splitlines(), tmp / "out"


def _missed_line(console: list[str], board: str, module: str) -> tuple[str, list[str]]:
    """The MISSED line of a run and the lines indented under it."""
    start = next(i for i, line in enumerate(console)
                 if line.startswith(f"  MISSED {board}/{module}: "))
    below = []
    for line in console[start + 1:]:
        if not line.startswith("      "):
            break
        below.append(line.strip())
    return console[start], below


def test_a_timeout_shows_its_budget_and_where_it_stopped(missed, boards, catalogue) -> None:
    runs, console, out = missed
    budget = catalogue["runs_forever"].budget
    source = next(p.name for p in catalogue["runs_forever"].sources)
    for board in boards:
        run = runs[(board, "runs_forever")]
        stop = run["timeout"]
        assert run["status"] == "timeout" and stop["budget"] == budget
        assert stop["pc"] is not None and stop["lr"] is not None
        assert stop["symbol"].startswith("module_main") and stop["location"].startswith(f"{source}:")
        line, _ = _missed_line(console, board, "runs_forever")
        assert (f"timeout after {budget:,} instructions at {stop['symbol']} "
                f"({stop['location']})") in line, line
    assert (f"expected ok, got **timeout after {budget:,} instructions** @ {stop['symbol']} "
            f"({stop['location']})") in (out / "summary.md").read_text()
    faults = (out / "faults.md").read_text()
    assert f"- budget: {budget:,} instructions" in faults
    assert f"= {stop['symbol']}, {stop['location']}" in faults


def test_a_fault_shows_its_name_and_where(missed, boards, catalogue) -> None:
    runs, console, _ = missed
    module = catalogue["fault_unmapped_read"]
    for board in boards:
        # What the catalogue says for this board (its [[when]] tables key it by capability).
        expected = module.expectation(board, boards[board].capabilities).fault
        fault = runs[(board, "fault_unmapped_read")]["fault"]
        assert fault["name"] == expected and fault["location"]
        line, _ = _missed_line(console, board, "fault_unmapped_read")
        assert (f"status: expected 'ok', got 'fault'; fault {expected} at {fault['symbol']} "
                f"({fault['location']})") in line, line


def test_unresolved_imports_are_named(missed, boards, catalogue) -> None:
    runs, console, _ = missed
    source = "".join(p.read_text() for p in catalogue["missing_imports"].sources)
    for board in boards:
        run = runs[(board, "missing_imports")]
        assert run["status"] == "rejected" and run["unresolved"]
        assert all(name in source for name in run["unresolved"])
        line, _ = _missed_line(console, board, "missing_imports")
        assert f"unresolved: {', '.join(run['unresolved'])}" in line, line


def test_a_stdout_mismatch_shows_a_short_diff(missed, boards) -> None:
    runs, console, out = missed
    for board in boards:
        assert runs[(board, "chatty")]["stdout"] == "one\ntwo\nthree\n"
        line, below = _missed_line(console, board, "chatty")
        assert "stdout: differs at line 2: expected 'TWO\\n', got 'two\\n'" in line, line
        assert below == ["stdout (- expected, + got):", "'one\\n'", "- 'TWO\\n'", "+ 'two\\n'",
                         "'three\\n'"], below
    assert "- 'TWO\\n'" in (out / "summary.md").read_text()
