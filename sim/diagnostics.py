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

ARMv6-M (Cortex-M0) has only HardFault and no status register saying why (sim/faults.py,
decode_v6m_fault): a load or store to nothing is a bare HardFault; a branch without the Thumb bit
HardFault.INVSTATE; UDF, and a VFP instruction (a 32-bit encoding v6-M does not define),
HardFault.UNDEFINSTR. It has no divide instruction: libgcc's __aeabi_idiv handles a zero
divisor by calling __aeabi_idiv0 (which returns) and returning 0. It has no FAULTMASK: there
diag:lockup leaves the handlers no stack instead (diag.c), and still locks up.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from sim.boards import Board
from sim.faults import has_fault_status
from sim.jobs import Expectation, Job


# Calls made by diag:import_call_direct, and by modules/bench_import_calls (its args).
VENEER_BENCH_CALLS = 1000


def float_bits(value: float) -> int:
    """The IEEE-754 single-precision bits of value, as the signed int32 the firmware returns."""
    return struct.unpack("<i", struct.pack("<f", value))[0]


def _float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def _fault(name: str) -> Expectation:
    return Expectation(status="fault", fault=name)


# What a diagnostic shows on a core without fault status registers (ARMv6-M), where it differs.
V6M_EXPECTATIONS = {
    "unmapped_read": _fault("HardFault"),
    "no_thumb": _fault("HardFault.INVSTATE"),
    "undefined": _fault("HardFault.UNDEFINSTR"),
    "fpu": _fault("HardFault.UNDEFINSTR"),
    "divide_by_zero": Expectation(return_value=0),
    "unmapped_write": _fault("HardFault"),
}


def diagnostic_jobs(board: Board) -> list[Job]:
    """Every diagnostic, with the expectation for this board."""
    jobs = _armv7m_diagnostic_jobs(board)
    if has_fault_status(board.cpu.core):
        return jobs
    return [replace(job, expect=V6M_EXPECTATIONS.get(job.target, job.expect)) for job in jobs]


def _armv7m_diagnostic_jobs(board: Board) -> list[Job]:
    fpu_in = _float32(1.5)
    fpu_expect = (Expectation(return_value=float_bits(_float32(fpu_in + fpu_in)))
                  if board.cpu.has_fpu else _fault("UsageFault.NOCP"))
    add_args = (5, 3, -1, 100)
    return [
        Job("diag:add", "diag", "add", add_args, Expectation(return_value=sum(add_args))),
        Job("diag:unmapped_read", "diag", "unmapped_read", (), _fault("BusFault.PRECISERR")),
        Job("diag:no_thumb", "diag", "no_thumb", (), _fault("UsageFault.INVSTATE")),
        Job("diag:undefined", "diag", "undefined", (), _fault("UsageFault.UNDEFINSTR")),
        Job("diag:fpu", "diag", "fpu", (float_bits(fpu_in),), fpu_expect),
        Job("diag:divide_by_zero", "diag", "divide_by_zero", (7,), _fault("UsageFault.DIVBYZERO")),
        # The baseline for the veneer's cost: bench_import_calls makes the same calls through it.
        Job("diag:import_call_direct", "diag", "import_call_direct", (VENEER_BENCH_CALLS,),
            Expectation(return_value=VENEER_BENCH_CALLS * (VENEER_BENCH_CALLS + 1) // 2)),
        # Silicon would say IMPRECISERR (write buffer); QEMU reports stores precisely.
        Job("diag:unmapped_write", "diag", "unmapped_write", (1,), _fault("BusFault.PRECISERR")),
        # Privileged code can still lock the core up or reset it; each costs a boot.
        Job("diag:lockup", "diag", "lockup", (), Expectation(status="lockup")),
        Job("diag:reset", "diag", "reset", (), Expectation(status="reset")),
        # The same unmapped read in the firmware's own context: the boot ends and the job is an
        # error naming the firmware, not a fault of the job. Last, so it ends the boot last.
        Job("diag:firmware_unmapped_read", "diag", "firmware_unmapped_read", (),
            Expectation(status="error")),
    ]
