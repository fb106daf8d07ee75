"""What the suite knows about each Cortex-M core and FPU: the one source for these facts.

A board file names its core and FPU; everything else follows from this table: the code in a
module file's arch tag (firmware/loader/module_format.h, enum mod_core and enum mod_fpu, must
agree), the CPUID part number the @boot record shows, the architecture the compiler writes into
.ARM.attributes, the kind of MPU the firmware programs, and which FPUs the core may carry.

Core codes grow with what a core can run: code for a core runs on that core and every core
with a higher code (ARMv6-M < v7-M < v7E-M < v8-M Mainline < v8.1-M Mainline; the M7 is above
the M4 because modules built for it are scheduled for its dual-issue pipeline, not because
the M4 lacks an instruction), as the loader compares them. FPU codes grow the same way: single
precision FPv4, then FPv5 single, then FPv5 double precision.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Core:
    name: str
    code: int               # enum mod_core, in a module file's arch tag; "can run" is "code
                            # not above the running core's"
    cpuid_part: int         # CPUID[15:4] (ARMv7-M ARM B3.2.3, ARMv6-M ARM B3.2.3, ARMv8-M ARM D1.2.50)
    architecture: str       # as the architecture manuals name it
    tag_cpu_arch: int       # Tag_CPU_arch in .ARM.attributes (ARM IHI 0045)
    mpu: str                # "none", "pmsav7" (regions of 2^n bytes with 8 subregions) or "pmsav8" (base and limit)
    fpus: tuple[str, ...]   # the FPUs this core may be built with ("none" first)
    # Appended to -mcpu: the Cortex-M55's MVE (Helium) is on by default in gcc and -mfpu does
    # not turn it off; nothing here is built for it (no firmware state keeps MVE's VPR, and
    # the loader's arch tag has no code for it), so gcc must not vectorise with it.
    gcc_cpu_extensions: str = ""

    @property
    def gcc_cpu_flag(self) -> str:
        return f"-mcpu={self.name}{self.gcc_cpu_extensions}"


CORE_TABLE = (
    Core("cortex-m0", 0, 0xC20, "ARMv6-M", 12, "none", ("none",)),
    Core("cortex-m3", 3, 0xC23, "ARMv7-M", 10, "pmsav7", ("none",)),
    Core("cortex-m4", 4, 0xC24, "ARMv7E-M", 13, "pmsav7", ("none", "fpv4-sp-d16")),
    Core("cortex-m7", 7, 0xC27, "ARMv7E-M", 13, "pmsav7",
         ("none", "fpv5-sp-d16", "fpv5-d16")),
    Core("cortex-m33", 33, 0xD21, "ARMv8-M Mainline", 17, "pmsav8", ("none", "fpv5-sp-d16")),
    Core("cortex-m55", 55, 0xD22, "ARMv8.1-M Mainline", 21, "pmsav8", ("none", "fpv5-d16"),
         "+nomve"),
)
CORE_FACTS = {core.name: core for core in CORE_TABLE}
CORES = tuple(CORE_FACTS)
ARCHITECTURES = tuple(dict.fromkeys(core.architecture for core in CORE_TABLE))
MPU_KINDS = tuple(dict.fromkeys(core.mpu for core in CORE_TABLE))   # none, pmsav7, pmsav8

# enum mod_fpu, ranked by code; and what each computes in hardware.
FPU_CODES = {"none": 0, "fpv4-sp-d16": 1, "fpv5-sp-d16": 2, "fpv5-d16": 3}
FPUS = tuple(FPU_CODES)
FPU_PRECISION = {"none": "none", "fpv4-sp-d16": "single", "fpv5-sp-d16": "single",
                 "fpv5-d16": "double"}

# enum mod_float_abi. soft and softfp call alike (arguments in core registers); hard passes
# floating-point arguments in FPU registers.
FLOAT_ABI_CODES = {"soft": 0, "softfp": 1, "hard": 2}
FLOAT_ABIS = tuple(FLOAT_ABI_CODES)

ARCHITECTURE_NAMES = {core.tag_cpu_arch: core.architecture for core in CORE_TABLE}
CPUID_PARTS = {core.cpuid_part: core.name for core in CORE_TABLE}


def arch_text(core: str, fpu: str, float_abi: str) -> str:
    """How a report names an arch tag or a board's core: "cortex-m4 with fpv4-sp-d16 (hard
    float ABI)", "cortex-m3 without an FPU"."""
    if fpu == "none":
        return f"{core} without an FPU"
    return f"{core} with {fpu} ({float_abi} float ABI)"


def arch_tag_text(core_code: int, fpu_code: int, float_abi_code: int) -> str:
    """arch_text for the codes of a module file's header; codes nothing knows are shown as
    numbers."""
    core = next((c.name for c in CORE_TABLE if c.code == core_code), f"core code {core_code}")
    fpu = next((f for f, code in FPU_CODES.items() if code == fpu_code), f"FPU code {fpu_code}")
    abi = next((a for a, code in FLOAT_ABI_CODES.items() if code == float_abi_code),
               f"float ABI code {float_abi_code}")
    return arch_text(core, fpu, abi)


def target_flags(core: str, fpu: str, float_abi: str) -> list[str]:
    """arm-none-eabi-gcc's target flags for code built for this core, FPU and float ABI: the
    firmware's (the board's) and a module's (the board's, or its [build] overrides)."""
    flags = [CORE_FACTS[core].gcc_cpu_flag, "-mthumb", f"-mfloat-abi={float_abi}"]
    return flags + ([f"-mfpu={fpu}"] if fpu != "none" else [])

