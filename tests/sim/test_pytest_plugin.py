"""The pytest plugin's fixtures, as a team uses them: pytest runs the example folder
(examples/pytest) in a process of its own on two boards and passes; a test in it whose
expectation is wrong fails with pytest's diff of what was expected against what the board gave.
tests/sim/test_package.py runs the same folder through the installed package's entry point."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.boards import Board
from tests.sim.helpers import checkout_env, copy_example, run_pytest, two_boards

pytestmark = pytest.mark.qemu
# A test whose expectation is off by one: it must fail, showing both values.
WRONG_TEST = '''
from sim.api import Call


def test_wrong_expectation(sim_runner, sim_board, collatz, host_collatz):
    [result] = sim_runner.run_many(sim_board, [Call(collatz, args=(27, 1000))])
    [right] = host_collatz((27, 1000))
    assert (result.status, result.return_value) == ("ok", right + 1)
'''


def test_the_example_passes_on_two_boards(boards: dict[str, Board], build: str,
                                          tmp_path: Path) -> None:
    chosen = two_boards(boards)
    done = run_pytest(sys.executable, copy_example(tmp_path), chosen, Path(build), tmp_path,
                      checkout_env())
    assert done.returncode == 0, done.stdout + done.stderr
    # Every vector ran on both boards, ids naming the board.
    assert " passed" in done.stdout and " failed" not in done.stdout, done.stdout
    collected = run_collect(copy_example(tmp_path / "again"), chosen, tmp_path)
    for board in chosen:
        assert f"test_steps_match_the_host[{board}-n=27,limit=1000]" in collected


def run_collect(folder: Path, boards: list[str], cwd: Path) -> str:
    options = [arg for board in boards for arg in ("--sim-board", board)]
    done = subprocess.run([sys.executable, "-m", "pytest", str(folder), "--collect-only", "-q",
                           "-p", "no:cacheprovider", *options], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=checkout_env())
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_wrong_expectation_fails_with_a_diff(boards: dict[str, Board], build: str,
                                               tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    for test in folder.glob("test_*.py"):
        test.unlink()   # only the wrong test
    (folder / "test_wrong.py").write_text(WRONG_TEST)
    done = run_pytest(sys.executable, folder, two_boards(boards)[:1], Path(build), tmp_path,
                      checkout_env())
    assert done.returncode == 1, done.stdout + done.stderr
    # pytest's assertion rewriting names both tuples and the element that differs.
    diff = re.search(r"At index 1 diff: (\d+) != (\d+)", done.stdout)
    assert diff is not None, done.stdout
    got, wrong = map(int, diff.groups())
    assert wrong == got + 1
    assert f"assert ('ok', {got}) == ('ok', {wrong})" in done.stdout, done.stdout


def test_an_unknown_board_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", str(copy_example(tmp_path)),
                           "-p", "no:cacheprovider", "--sim-board", "no-such-board"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=checkout_env())
    assert done.returncode == 4, done.stdout + done.stderr   # pytest's usage error
    assert "no-such-board" in done.stderr and "Traceback" not in done.stderr, done.stderr
