"""The firmware's built-in diagnostic jobs and what each must show on a board.

They prove the fault path end to end without any module. The expected fault names follow from
the ARMv7-M Architecture Reference Manual, not from what the firmware printed:
- a load from an address with nothing behind it is a precise BusFault (PRECISERR, BFAR valid);
- a branch with bit 0 clear leaves Thumb state, which v7-M cannot execute: INVSTATE;
- UDF is permanently undefined: UNDEFINSTR;
- a VFP instruction on a core without an FPU (or with CPACR off) is a coprocessor fault: NOCP;
- SDIV by zero with CCR.DIV_0_TRP set: DIVBYZERO.
All run as contained job code, privileged (they are the firmware's own), except
firmware_unmapped_read, which runs in the firmware's own context to show that such a fault ends
the boot as the firmware's failure. lockup and reset show the two outcomes only privileged code
can cause: module code runs unprivileged and cannot set FAULTMASK or write the SCB.
"""

from __future__ import annotations

import struct

from sim.boards import Board
from sim.jobs import Expectation, Job


# Calls made by diag:import_call_direct, and by modules/bench_import_calls (its args).
VENEER_BENCH_CALLS = 1000

# UNMAPPED_ADDRESS in firmware/src/diag.c: what the unmapped_* diagnostics load from and store to.
DIAG_UNMAPPED_ADDRESS = 0x60000000


def float_bits(value: float) -> int:
    """The IEEE-754 single-precision bits of value, as the signed int32 the firmware returns."""
    return struct.unpack("<i", struct.pack("<f", value))[0]


def _float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def _fault(name: str) -> Expectation:
    return Expectation(status="fault", fault=name)


def _has_memory_at(board: Board, address: int) -> bool:
    return any(region.origin <= address < region.end for region in board.memory)


def diagnostic_jobs(board: Board) -> list[Job]:
    """Every diagnostic, with the expectation for this board."""
    # Where the board file puts memory at the diagnostics' unmapped address (the MPS2 AN500's
    # PSRAM), the load and the store simply work: the zeroed memory reads 0 and the job returns.
    unmapped = not _has_memory_at(board, DIAG_UNMAPPED_ADDRESS)
    unmapped_read = _fault("BusFault.PRECISERR") if unmapped else Expectation(return_value=0)
    unmapped_write = _fault("BusFault.PRECISERR") if unmapped else Expectation(return_value=0)
    firmware_read = Expectation(status="error") if unmapped else Expectation(return_value=0)
    fpu_in = _float32(1.5)
    fpu_expect = (Expectation(return_value=float_bits(_float32(fpu_in + fpu_in)))
                  if board.cpu.has_fpu else _fault("UsageFault.NOCP"))
    add_args = (5, 3, -1, 100)
    return [
        Job("diag:add", "diag", "add", add_args, Expectation(return_value=sum(add_args))),
        Job("diag:unmapped_read", "diag", "unmapped_read", (), unmapped_read),
        Job("diag:no_thumb", "diag", "no_thumb", (), _fault("UsageFault.INVSTATE")),
        Job("diag:undefined", "diag", "undefined", (), _fault("UsageFault.UNDEFINSTR")),
        Job("diag:fpu", "diag", "fpu", (float_bits(fpu_in),), fpu_expect),
        Job("diag:divide_by_zero", "diag", "divide_by_zero", (7,), _fault("UsageFault.DIVBYZERO")),
        # The baseline for the veneer's cost: bench_import_calls makes the same calls through it.
        Job("diag:import_call_direct", "diag", "import_call_direct", (VENEER_BENCH_CALLS,),
            Expectation(return_value=VENEER_BENCH_CALLS * (VENEER_BENCH_CALLS + 1) // 2)),
        # Silicon would say IMPRECISERR (write buffer); QEMU reports stores precisely.
        Job("diag:unmapped_write", "diag", "unmapped_write", (1,), unmapped_write),
        # Privileged code can still lock the core up or reset it; each costs a boot.
        Job("diag:lockup", "diag", "lockup", (), Expectation(status="lockup")),
        Job("diag:reset", "diag", "reset", (), Expectation(status="reset")),
        # The same unmapped read in the firmware's own context: the boot ends and the job is an
        # error naming the firmware, not a fault of the job. Last, so it ends the boot last.
        Job("diag:firmware_unmapped_read", "diag", "firmware_unmapped_read", (), firmware_read),
    ]
