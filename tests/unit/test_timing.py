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


def test_budget_in_ticks() -> None:
    assert instructions_to_ticks(1_000_000, 24_000_000) == 1_536_000
    assert instructions_to_ticks(1_000_000, 168_000_000) == 10_752_000
