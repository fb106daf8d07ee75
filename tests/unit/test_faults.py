"""CFSR/HFSR decoding to the reports' fault names. Values are the ones QEMU sets (see
tests/sim/test_diagnostics.py) and ARMv7-M ARM B3.2.15-16 bit positions."""

from __future__ import annotations

import pytest

from sim.faults import decode_fault


@pytest.mark.parametrize("exc, cfsr, hfsr, name", [
    (5, 0x00008200, 0, "BusFault.PRECISERR"),
    (5, 0x00000400, 0, "BusFault.IMPRECISERR"),
    (5, 0x00001000, 0, "BusFault.STKERR"),
    (5, 0x00000100, 0, "BusFault.IBUSERR"),
    (6, 0x00020000, 0, "UsageFault.INVSTATE"),
    (6, 0x00010000, 0, "UsageFault.UNDEFINSTR"),
    (6, 0x00040000, 0, "UsageFault.INVPC"),
    (6, 0x00080000, 0, "UsageFault.NOCP"),
    (6, 0x01000000, 0, "UsageFault.UNALIGNED"),
    (6, 0x02000000, 0, "UsageFault.DIVBYZERO"),
    (6, 0x00100000, 0, "UsageFault.STKOF"),        # ARMv8-M: a stack limit register crossed
    (7, 0x00000000, 0, "SecureFault.UNKNOWN"),     # ARMv8-M: SFSR is not reported
    (4, 0x00000001, 0, "MemManage.IACCVIOL"),
    (4, 0x00000082, 0, "MemManage.DACCVIOL"),
    (4, 0x00000010, 0, "MemManage.MSTKERR"),
    (4, 0x00000020, 0, "MemManage.MLSPERR"),
    (3, 0x00080000, 0x40000000, "HardFault.FORCED"),
    (3, 0x00000000, 0x00000002, "HardFault.VECTTBL"),
])
def test_names(exc: int, cfsr: int, hfsr: int, name: str) -> None:
    assert decode_fault(exc, cfsr, hfsr).name == name


def test_address_only_when_the_core_marked_it_valid() -> None:
    assert decode_fault(5, 0x00008200, 0, bfar=0x60000000).address == 0x60000000
    assert decode_fault(5, 0x00000200, 0, bfar=0x60000000).address is None
    assert decode_fault(4, 0x00000082, 0, mmfar=0x20001000).address == 0x20001000


def test_every_bit_is_listed() -> None:
    decoded = decode_fault(3, 0x00088200, 0x40000000)
    assert decoded.bits == ("BusFault.PRECISERR", "UsageFault.NOCP", "BusFault.BFARVALID",
                            "HardFault.FORCED")
    assert decoded.exception == "HardFault"


def test_no_reason_bit_says_unknown() -> None:
    assert decode_fault(6, 0, 0).name == "UsageFault.UNKNOWN"
    assert decode_fault(2, 0, 0).name == "Exception2.UNKNOWN"


def test_a_stack_overflow_keeps_its_bits_under_its_abi_name() -> None:
    decoded = decode_fault(4, 0x00000092, 0, mmfar=0x20000010, stack_overflow=True)
    assert decoded.name == "ABI.STACK"
    assert decoded.bits == ("MemManage.DACCVIOL", "MemManage.MSTKERR", "MemManage.MMARVALID")
    assert decoded.address == 0x20000010


def test_an_svc_from_job_code_is_an_abi_fault() -> None:
    assert decode_fault(11, 0, 0).name == "ABI.SVC"
