"""The timing unit: instructions, recovered exactly from SysTick ticks.

QEMU runs with -icount shift=6: every instruction advances virtual time by 2^6 = 64 ns, and
SysTick counts the board's core clock in virtual time (168 MHz: a tick every 5.95 ns; 24 MHz:
41.67 ns). A tick is shorter than an instruction on both boards, so n instructions make
t = floor(64 n / P) ticks (P = 10^9 / clock_hz ns) and n is the one integer in
[t P / 64, (t + 1) P / 64): n = ceil(t * 10^9 / (clock_hz * 64)). The job list's timing
directive gives the firmware the 64 ns, and it reports instructions itself (it converts each
reading, so a figure is exact across the SysTick programs a phase spans); a firmware that does
not take the directive reports ticks, converted here. Either way the host reports instructions,
the same on every board and every run.
"""

from __future__ import annotations

ICOUNT_SHIFT = 6
NS_PER_INSTRUCTION = 1 << ICOUNT_SHIFT
NS_PER_SECOND = 10**9
# Below this clock a SysTick tick outlasts an instruction and ticks no longer name one
# instruction count: 10^9 / 64 ns, 15.625 MHz.
MIN_CLOCK_HZ = -(-NS_PER_SECOND // NS_PER_INSTRUCTION)
TIMING_UNIT = "instructions"
# The phases a module job is timed in (firmware/src/PROTOCOL.md, @end).
TIMING_PHASES = ("load", "link", "init", "run", "unload")

# A module's `budget` (module.toml): the instructions its code may run in the whole job
# (constructors, entry, TEMS _start calls and C++ destructors together, plus a fixed 18 of the
# firmware's call path per call, 22 with an FPU, 24 on ARMv6-M's Thumb-1 path). The job list
# carries it in SysTick ticks (instructions_to_ticks), as a u64.
BUDGET_MIN_INSTRUCTIONS = 1
BUDGET_MAX_INSTRUCTIONS = (1 << 32) - 1
DEFAULT_BUDGET_INSTRUCTIONS = 50_000_000  # when module.toml has no budget


def ticks_to_instructions(ticks: int, clock_hz: int) -> int:
    divisor = clock_hz * NS_PER_INSTRUCTION
    return (ticks * NS_PER_SECOND + divisor - 1) // divisor


def instructions_to_ticks(instructions: int, clock_hz: int) -> int:
    """The SysTick ticks of a budget of n instructions: the firmware stops job code when they
    have passed, which must fall inside the n-th instruction. Instruction n spans the ticks in
    ((n - 1) r, n r] (r = ticks per instruction, above 1 on every board); of those, the one
    nearest its middle, so that QEMU's timer, which rounds each SysTick period to whole
    nanoseconds, cannot move the stop into a neighbouring instruction on long budgets. At most
    2^32 instructions of 64 ns at a clock below 2^32 Hz: it always fits in 64 bits."""
    scale = clock_hz * NS_PER_INSTRUCTION            # r = scale / NS_PER_SECOND
    middle = ((2 * instructions - 1) * scale + NS_PER_SECOND) // (2 * NS_PER_SECOND)
    first = (instructions - 1) * scale // NS_PER_SECOND + 1
    last = instructions * scale // NS_PER_SECOND
    return min(max(middle, first), last)
