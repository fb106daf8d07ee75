"""The timing unit: instructions, recovered exactly from SysTick ticks.

QEMU runs with -icount shift=6: every instruction advances virtual time by 2^6 = 64 ns, and
SysTick counts the board's core clock in virtual time (168 MHz: a tick every 5.95 ns; 24 MHz:
41.67 ns). A tick is shorter than an instruction on both boards, so n instructions make
t = floor(64 n / P) ticks (P = 10^9 / clock_hz ns) and n is the one integer in
[t P / 64, (t + 1) P / 64): n = ceil(t * 10^9 / (clock_hz * 64)). The firmware reports ticks;
the host reports instructions, the same on every board and every run.
"""

from __future__ import annotations

ICOUNT_SHIFT = 6
NS_PER_INSTRUCTION = 1 << ICOUNT_SHIFT
NS_PER_SECOND = 10**9
TIMING_UNIT = "instructions"

# A module's `budget` (module.toml): the instructions its code may run in the whole job
# (constructors, entry and TEMS _start calls together, plus a few dozen of the firmware's call
# path). The job list carries it in SysTick ticks (instructions_to_ticks), as a u64.
BUDGET_MIN_INSTRUCTIONS = 1
BUDGET_MAX_INSTRUCTIONS = (1 << 32) - 1
DEFAULT_BUDGET_INSTRUCTIONS = 50_000_000  # when module.toml has no budget


def ticks_to_instructions(ticks: int, clock_hz: int) -> int:
    divisor = clock_hz * NS_PER_INSTRUCTION
    return (ticks * NS_PER_SECOND + divisor - 1) // divisor


def instructions_to_ticks(instructions: int, clock_hz: int) -> int:
    """SysTick ticks that n instructions take (the budget the firmware enforces): at most
    2^32 instructions of 64 ns at a clock below 2^32 Hz, so it always fits in 64 bits."""
    return instructions * NS_PER_INSTRUCTION * clock_hz // NS_PER_SECOND
