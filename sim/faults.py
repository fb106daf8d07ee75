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

from sim.cores import CORE_FACTS

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


# --- ARMv6-M -----------------------------------------------------------------------------------
# A Cortex-M0 has one fault exception, HardFault, and no register that says why (no CFSR, HFSR,
# MMFAR or BFAR; the firmware reports both status words as 0). What the host can still tell for
# certain comes from the stacked frame: a clear Thumb bit in the stacked xPSR (the code branched
# to an address without it), or an instruction at the stacked pc that ARMv6-M does not define
# (it executes only the Thumb-1 set plus BL, MSR, MRS, DSB, DMB and ISB: ARMv6-M Architecture
# Reference Manual, A5.2 and A5.3), or a load or store at the stacked pc whose address, computed
# from registers the frame holds (r0-r3, r12), is not aligned to its size (ARMv6-M faults on
# every unaligned access). Anything else (a bus error, a fetch from nowhere, an access through
# r4-r7) is a plain "HardFault".
V6M_ARCHITECTURE = "ARMv6-M"
V6M_HARDFAULT = "HardFault"
V6M_CAUSES = ("INVSTATE", "UNDEFINSTR", "UNALIGNED")
STACKED_REGISTERS = {0: "r0", 1: "r1", 2: "r2", 3: "r3", 12: "r12"}
XPSR_THUMB_BIT = 24
HARDFAULT = 3


def _defined_v6m_32bit(first: int, second: int) -> bool:
    """Whether the 32-bit encoding (two halfwords) is one ARMv6-M executes (UDF.W is not)."""
    if (first & 0xF800) == 0xF000 and (second & 0xD000) == 0xD000:
        return True                                    # BL
    if (first & 0xFFE0) == 0xF380 and (second & 0xD000) == 0x8000:
        return True                                    # MSR
    if first == 0xF3EF and (second & 0xD000) == 0x8000:
        return True                                    # MRS
    return first == 0xF3BF and (second & 0xFFF0) in (0x8F40, 0x8F50, 0x8F60)  # DSB DMB ISB


def undefined_on_v6m(code: bytes) -> bool:
    """Whether the instruction at the start of code (little-endian, 2 or 4 bytes) is UNDEFINED
    on ARMv6-M: UDF, CBZ/CBNZ, IT, or a 32-bit encoding other than the six above. False when
    code is too short to tell."""
    if len(code) < 2:
        return False
    first = int.from_bytes(code[:2], "little")
    if first >> 11 in (0b11101, 0b11110, 0b11111):     # the first half of a 32-bit encoding
        return len(code) >= 4 and not _defined_v6m_32bit(first, int.from_bytes(code[2:4], "little"))
    if first & 0xFF00 == 0xDE00:
        return True                                    # UDF
    if first & 0xF500 == 0xB100:
        return True                                    # CBZ, CBNZ (Thumb-2)
    return first & 0xFF00 == 0xBF00 and first & 0x000F != 0   # IT (Thumb-2)


def _access(instruction: int) -> tuple[int, int, int | None, int] | None:
    """(base register, offset register or None, immediate offset, access size) of a 16-bit
    Thumb-1 load or store whose address comes from registers; None for anything else (sp-based
    ones included: sp is always word aligned there)."""
    low3 = lambda shift: instruction >> shift & 7  # noqa: E731
    top5 = instruction >> 11
    if top5 in (0b01100, 0b01101):                       # STR, LDR (immediate)
        return low3(3), None, (instruction >> 6 & 31) * 4, 4
    if top5 in (0b10000, 0b10001):                       # STRH, LDRH (immediate)
        return low3(3), None, (instruction >> 6 & 31) * 2, 2
    if top5 in (0b11000, 0b11001):                       # STM, LDM
        return low3(8), None, 0, 4
    if instruction >> 12 == 0b0101:                      # load/store (register)
        size = {0: 4, 1: 2, 2: 1, 3: 1, 4: 4, 5: 2, 6: 1, 7: 2}[instruction >> 9 & 7]
        return low3(3), low3(6), 0, size
    return None


def unaligned_access(code: bytes, registers: dict[str, int]) -> bool:
    """Whether the instruction at the start of code is a load or store whose address, from the
    stacked registers, is not aligned to its size. False when a register it needs is not stacked."""
    if len(code) < 2:
        return False
    found = _access(int.from_bytes(code[:2], "little"))
    if found is None:
        return False
    base, index, offset, size = found
    names = [STACKED_REGISTERS.get(base)] + ([STACKED_REGISTERS.get(index)] if index is not None
                                             else [])
    if any(name is None or name not in registers for name in names):
        return False
    address = sum(registers[name] for name in names) + offset
    return size > 1 and address % size != 0


def decode_v6m_fault(exception_number: int, xpsr: int | None, code: bytes | None,
                     stack_overflow: bool = False,
                     registers: dict[str, int] | None = None) -> DecodedFault:
    """A fault on ARMv6-M: ABI.STACK, ABI.SVC, or HardFault with the cause when the frame shows
    it for certain (V6M_CAUSES), else bare. xpsr, code (the bytes at the stacked pc, from the
    ELF that holds it) and registers (the stacked r0-r3 and r12 by name) are None when
    unknown."""
    if exception_number == SVCALL:
        return DecodedFault("ABI.SVC", "SVCall", (), None)
    exception = EXCEPTION_CLASSES.get(exception_number, f"Exception{exception_number}")
    if stack_overflow:
        return DecodedFault("ABI.STACK", exception, (), None)
    cause = None
    if exception_number == HARDFAULT and xpsr is not None and not xpsr >> XPSR_THUMB_BIT & 1:
        cause = "INVSTATE"
    elif exception_number == HARDFAULT and code is not None and undefined_on_v6m(code):
        cause = "UNDEFINSTR"
    elif exception_number == HARDFAULT and code is not None and registers is not None \
            and unaligned_access(code, registers):
        cause = "UNALIGNED"
    name = exception if cause is None else f"{exception}.{cause}"
    return DecodedFault(name, exception, (), None)


def v6m_fault_names() -> tuple[str, ...]:
    """Every name decode_v6m_fault can give for a HardFault."""
    return (V6M_HARDFAULT, *(f"{V6M_HARDFAULT}.{cause}" for cause in V6M_CAUSES))


def has_fault_status(core: str) -> bool:
    """Whether the core reports why it faulted (CFSR, HFSR): every core but ARMv6-M's."""
    return CORE_FACTS[core].architecture != V6M_ARCHITECTURE
