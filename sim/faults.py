"""Decodes the fault status the firmware reports into the fault names reports use
(README.md, "Reading the reports").

Names are "<Class>.<BIT>": Class from the exception that ran (IPSR), BIT the CMSIS name of the
status bit that says why. Reference: ARMv7-M Architecture Reference Manual, B3.2.15 (CFSR) and
B3.2.16 (HFSR); ARMv8-M keeps both registers and adds UFSR.STKOF (a stack limit register was
crossed) and the SecureFault exception (7; the firmware runs Secure and never configures the
SAU, so nothing can raise it: it is named, with no status bit).
"""

from __future__ import annotations

from dataclasses import dataclass

EXCEPTION_CLASSES = {3: "HardFault", 4: "MemManage", 5: "BusFault", 6: "UsageFault",
                     7: "SecureFault"}

# CFSR bit -> (class, CMSIS name). MMFSR is bits 0-7, BFSR 8-15, UFSR 16-31.
CFSR_FAULT_BITS = {
    0: ("MemManage", "IACCVIOL"), 1: ("MemManage", "DACCVIOL"), 3: ("MemManage", "MUNSTKERR"),
    4: ("MemManage", "MSTKERR"), 5: ("MemManage", "MLSPERR"),
    8: ("BusFault", "IBUSERR"), 9: ("BusFault", "PRECISERR"), 10: ("BusFault", "IMPRECISERR"),
    11: ("BusFault", "UNSTKERR"), 12: ("BusFault", "STKERR"), 13: ("BusFault", "LSPERR"),
    16: ("UsageFault", "UNDEFINSTR"), 17: ("UsageFault", "INVSTATE"), 18: ("UsageFault", "INVPC"),
    19: ("UsageFault", "NOCP"), 20: ("UsageFault", "STKOF"), 24: ("UsageFault", "UNALIGNED"),
    25: ("UsageFault", "DIVBYZERO"),
}
MMARVALID_BIT = 7
BFARVALID_BIT = 15
HFSR_BITS = {1: "VECTTBL", 30: "FORCED", 31: "DEBUGEVT"}


@dataclass(frozen=True)
class DecodedFault:
    name: str                 # e.g. "BusFault.PRECISERR"
    exception: str            # the handler that ran, e.g. "BusFault"
    bits: tuple[str, ...]     # every status bit set, e.g. ("BusFault.PRECISERR", "BusFault.BFARVALID")
    address: int | None       # MMFAR or BFAR, when the core marked it valid


def _set_bits(cfsr: int, hfsr: int) -> list[tuple[str, str]]:
    bits = [CFSR_FAULT_BITS[b] for b in sorted(CFSR_FAULT_BITS) if cfsr >> b & 1]
    if cfsr >> MMARVALID_BIT & 1:
        bits.append(("MemManage", "MMARVALID"))
    if cfsr >> BFARVALID_BIT & 1:
        bits.append(("BusFault", "BFARVALID"))
    bits += [("HardFault", HFSR_BITS[b]) for b in sorted(HFSR_BITS) if hfsr >> b & 1]
    return bits


def _reason(exception: str, cfsr: int, hfsr: int) -> str:
    """The bit that names the fault: the first fault bit of the exception's own register."""
    if exception == "HardFault":
        for bit in (1, 30, 31):  # VECTTBL, FORCED, DEBUGEVT
            if hfsr >> bit & 1:
                return HFSR_BITS[bit]
    own = [name for bit, (cls, name) in sorted(CFSR_FAULT_BITS.items())
           if cls == exception and cfsr >> bit & 1]
    return own[0] if own else "UNKNOWN"


SVCALL = 11  # job code issued an SVC of its own: not part of any module ABI here


def decode_fault(exception_number: int, cfsr: int, hfsr: int, mmfar: int | None = None,
                 bfar: int | None = None, stack_overflow: bool = False) -> DecodedFault:
    """stack_overflow: the firmware found the fault was job code running off its stack (its
    @fault record's overflow=1); the name is then ABI.STACK, the bits still what the core set."""
    if exception_number == SVCALL:
        return DecodedFault("ABI.SVC", "SVCall", (), None)
    exception = EXCEPTION_CLASSES.get(exception_number, f"Exception{exception_number}")
    address = None
    if exception == "MemManage" and cfsr >> MMARVALID_BIT & 1:
        address = mmfar
    elif exception == "BusFault" and cfsr >> BFARVALID_BIT & 1:
        address = bfar
    bits = tuple(f"{cls}.{name}" for cls, name in _set_bits(cfsr, hfsr))
    name = "ABI.STACK" if stack_overflow else f"{exception}.{_reason(exception, cfsr, hfsr)}"
    return DecodedFault(name, exception, bits, address)
