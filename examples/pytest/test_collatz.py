"""Example tests of one module with the sim plugin's fixtures (README.md, "Testing your own
modules with pytest"): many argument vectors against the host's answers, one module compared
across boards, and a timing figure held to the baseline."""

from __future__ import annotations

import pytest

from sim.api import Call

# (n, limit): small and large n, n = 1 (no step), limits that cut the walk short, and a value
# whose walk passes 2^31 (unsigned arithmetic on every board).
VECTORS = [(1, 100), (2, 100), (3, 100), (7, 100), (27, 1000), (27, 50), (97, 1000),
           (871, 1000), (77031, 1000), (837799, 10000), (113383, 1000)]


@pytest.fixture(scope="session")
def collatz_on_board(sim_runner, sim_board, collatz):
    """Every vector on one board, in one shared QEMU boot (sim_runner.run_many)."""
    results = sim_runner.run_many(sim_board, [Call(collatz, args=vector) for vector in VECTORS])
    return dict(zip(VECTORS, results))


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"n={v[0]},limit={v[1]}")
def test_steps_match_the_host(vector, collatz_on_board, host_collatz):
    result = collatz_on_board[vector]
    [expected] = host_collatz(vector)
    assert (result.status, result.return_value) == ("ok", expected)


def test_same_answer_on_every_board(sim_runner, sim_boards, collatz, host_collatz):
    """The module.toml's args on every selected board: one answer, the host's."""
    [expected] = host_collatz((837799, 10000))
    answers = {board: sim_runner.run(collatz, board).return_value for board in sim_boards}
    assert answers == dict.fromkeys(sim_boards, expected)


def test_run_time_within_the_baseline(run_module, sim_board, collatz, sim_baseline):
    """The run phase's instructions may grow at most 1% over the recorded figure (the suite's
    own threshold for timing, "Tracking performance")."""
    result = run_module(collatz)
    assert result.status == "ok", result.mismatches
    recorded = sim_baseline.figure(sim_board, "collatz", "timing.run")
    assert result.timing["run"] <= recorded * 1.01, f"was {recorded} instructions"
