"""Ticks to instructions: exact for every instruction count on both boards' clocks."""

from __future__ import annotations

import pytest

from sim.timing import NS_PER_INSTRUCTION, instructions_to_ticks, ticks_to_instructions


@pytest.mark.parametrize("clock_hz", [168_000_000, 24_000_000])
def test_every_count_round_trips(clock_hz: int) -> None:
    # What QEMU's SysTick shows after n instructions of 64 ns: floor(64 n / P) ticks.
    for n in range(0, 20_000):
        ticks = n * NS_PER_INSTRUCTION * clock_hz // 10**9
        assert ticks_to_instructions(ticks, clock_hz) == n


@pytest.mark.parametrize("clock_hz", [168_000_000, 24_000_000, 25_000_000, 400_000_000])
def test_budget_ticks_fall_inside_the_last_instruction(clock_hz: int) -> None:
    """A budget of n instructions stops the code at a tick within instruction n: after
    (n - 1) * 64 ns, at most n * 64 ns."""
    for n in [*range(1, 5_000), 50_000_000, 2**32 - 1]:
        ticks = instructions_to_ticks(n, clock_hz)
        assert (n - 1) * NS_PER_INSTRUCTION * clock_hz < ticks * 10**9 <= n * NS_PER_INSTRUCTION * clock_hz


def test_budget_ticks_are_the_middle_of_the_instruction() -> None:
    # 1,000,000 instructions at 24 MHz: ticks (1535998.464, 1536000], middle 1535999.232
    assert instructions_to_ticks(1_000_000, 24_000_000) == 1_535_999
    # at 168 MHz: (10751989.248, 10752000], middle 10751994.624
    assert instructions_to_ticks(1_000_000, 168_000_000) == 10_751_995
