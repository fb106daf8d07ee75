"""CFSR/HFSR decoding to the reports' fault names. Values are the ones QEMU sets (see
tests/sim/test_diagnostics.py) and ARMv7-M ARM B3.2.15-16 bit positions."""

from __future__ import annotations

import pytest

from sim.faults import decode_fault, decode_v6m_fault, has_fault_status, undefined_on_v6m


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


# ARMv6-M: HardFault only; the cause only where the frame shows it for certain.
THUMB = 1 << 24


def _code(*halfwords: int) -> bytes:
    return b"".join(h.to_bytes(2, "little") for h in halfwords)


@pytest.mark.parametrize("code, undefined", [
    (_code(0xDE00), True),                 # udf #0
    (_code(0xF7F0, 0xA000), True),         # udf.w #0
    (_code(0xEE00, 0x0A10), True),         # vmov s0, r0: no coprocessor on ARMv6-M
    (_code(0xF8DF, 0xF000), True),         # ldr.w pc, [pc, #0]: the Thumb-2 veneer
    (_code(0xB108), True),                 # cbz r0, ...
    (_code(0xBF18), True),                 # it ne
    (_code(0xF000, 0xF800), False),        # bl
    (_code(0xF3EF, 0x8008), False),        # mrs r0, msp
    (_code(0xF380, 0x8814), False),        # msr control, r0
    (_code(0xF3BF, 0x8F4F), False),        # dsb sy
    (_code(0xBF00), False),                # nop
    (_code(0x6800), False),                # ldr r0, [r0]
    (_code(0xF000), False),                # half of a 32-bit encoding: cannot tell
])
def test_undefined_on_v6m(code: bytes, undefined: bool) -> None:
    assert undefined_on_v6m(code) is undefined


def test_v6m_hardfault_names_what_the_frame_shows_and_no_more() -> None:
    assert decode_v6m_fault(3, THUMB, _code(0xDE01)).name == "HardFault.UNDEFINSTR"
    assert decode_v6m_fault(3, 0, _code(0x6800)).name == "HardFault.INVSTATE"
    assert decode_v6m_fault(3, THUMB, _code(0x6800)).name == "HardFault"   # a bus error? unaligned?
    assert decode_v6m_fault(3, THUMB, None).name == "HardFault"            # no code there
    assert decode_v6m_fault(3, None, None, stack_overflow=True).name == "ABI.STACK"
    assert decode_v6m_fault(11, None, None).name == "ABI.SVC"
    assert decode_v6m_fault(3, THUMB, _code(0xDE01)).bits == ()             # no status register


def test_only_armv6m_lacks_fault_status() -> None:
    assert not has_fault_status("cortex-m0")
    assert all(has_fault_status(core) for core in ("cortex-m3", "cortex-m4", "cortex-m7",
                                                   "cortex-m33", "cortex-m55"))


@pytest.mark.parametrize("code, registers, unaligned", [
    (_code(0xC803), {"r0": 0x20002001}, True),             # ldm r0!, {r0, r1} at an odd address
    (_code(0xC803), {"r0": 0x20002000}, False),            # ... at a word
    (_code(0x6858), {"r3": 0x20002002}, True),             # ldr r0, [r3, #4]
    (_code(0x8858), {"r3": 0x20002002}, False),            # ldrh r0, [r3, #2]: halfword aligned
    (_code(0x5888), {"r1": 0x20002000, "r2": 3}, True),    # ldr r0, [r1, r2]
    (_code(0x5C88), {"r1": 0x20002000, "r2": 3}, False),   # ldrb r0, [r1, r2]: bytes never are
    (_code(0x6860), {"r0": 1}, False),                     # ldr r0, [r4, #4]: r4 is not stacked
    (_code(0x9801), {}, False),                            # ldr r0, [sp, #4]
])
def test_an_unaligned_access_is_named_only_from_stacked_registers(
        code: bytes, registers: dict[str, int], unaligned: bool) -> None:
    name = decode_v6m_fault(3, THUMB, code, registers=registers).name
    assert name == ("HardFault.UNALIGNED" if unaligned else "HardFault")
