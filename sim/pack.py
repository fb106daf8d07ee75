"""The packer's second half: a module's linked ELF in, a module file (.cmod) out.

sim/modbuild.py compiles and links the module at address 0 with `ld --emit-relocs`, so every
relocation inside the module is already applied; this file reads the relocations back
(pyelftools, parsing only) and keeps what the target must still do: an ABS32 fix-up for every
absolute address, and an import slot for every firmware function. firmware/loader/FORMAT.md is
the format's reference, including the table of relocation types handled here.
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import Symbol, SymbolTableSection

from sim.cores import CORE_FACTS, FLOAT_ABI_CODES, FPU_CODES
from sim.errors import BuildError
from sim.module_format import FORMAT_VERSION, HEADER_SIZE, MAGIC, ModuleHeader, with_crc
from sim.exports import Api, name_hash

FIXUP_ABS32 = 0
MAX_FIXUP_OFFSET = (1 << 28) - 1
LOADED_SECTIONS = (".text", ".data", ".bss")
THUMB1_ONLY_ARCH = CORE_FACTS["cortex-m0"].tag_cpu_arch  # ARMv6-M (Tag_CPU_arch v6S-M)


# AAELF32 relocation codes this packer knows by name.
R_ARM_NAMES = {
    0: "R_ARM_NONE", 2: "R_ARM_ABS32", 3: "R_ARM_REL32", 10: "R_ARM_THM_CALL",
    11: "R_ARM_THM_PC8", 26: "R_ARM_GOT_BREL", 30: "R_ARM_THM_JUMP24", 38: "R_ARM_TARGET1",
    40: "R_ARM_V4BX", 41: "R_ARM_TARGET2", 42: "R_ARM_PREL31", 47: "R_ARM_THM_MOVW_ABS_NC",
    48: "R_ARM_THM_MOVT_ABS", 49: "R_ARM_THM_MOVW_PREL_NC", 50: "R_ARM_THM_MOVT_PREL",
    51: "R_ARM_THM_JUMP19", 52: "R_ARM_THM_JUMP6", 53: "R_ARM_THM_ALU_PREL_11_0",
    54: "R_ARM_THM_PC12", 96: "R_ARM_GOT_PREL", 102: "R_ARM_THM_JUMP11",
    103: "R_ARM_THM_JUMP8", 104: "R_ARM_TLS_GD32", 107: "R_ARM_TLS_IE32", 108: "R_ARM_TLS_LE32",
}
ABSOLUTE_WORD = {2, 38}  # ABS32, TARGET1 (an ABS32 on arm-none-eabi)
POSITION_INDEPENDENT = {0, 3, 10, 11, 30, 40, 42, 49, 50, 51, 52, 53, 54, 102, 103}
# Branches: what a call (or tail call) to an imported function is linked with. An undefined
# symbol no branch reaches is used as data (read, written, or its address taken).
BRANCHES = {10, 30, 51, 102, 103}  # THM_CALL, THM_JUMP24, THM_JUMP19, THM_JUMP11, THM_JUMP8
# FORMAT.md, "Alignment": the loader puts text and data on boundaries of at least this many
# bytes (loader.c, allocate), so no section may need more.
LOADER_ALIGNMENT = 8
TEXT_SEGMENT = (".text",)  # the loader may put data anywhere after the text: PC-relative
                           # references must stay within one segment


@dataclass(frozen=True)
class VeneerForm:
    """A call veneer (FORMAT.md, "Imports"): code that keeps r0-r3 and jumps to the address in
    the word right after it, the import's slot."""
    name: str
    assembly: tuple[str, ...]   # what modbuild assembles
    code: bytes                 # the same, as stored (little-endian); the slot follows it


# ARMv7-M and later: one load into pc (interworking). 8 bytes, one instruction a call.
VENEER_THUMB2 = VeneerForm("thumb2", ("ldr.w pc, [pc, #0]",), bytes.fromhex("dff800f0"))
# ARMv6-M (Thumb-1: no ldr.w, and a 16-bit ldr cannot load pc): the slot goes through the
# stack into pc; r0-r3 and r12 are kept. 12 bytes, four instructions a call.
VENEER_THUMB1 = VeneerForm(
    "thumb1", ("push {r0, r1}", "ldr r0, [pc, #4]", "str r0, [sp, #4]", "pop {r0, pc}"),
    bytes.fromhex("03b4" "0148" "0190" "01bd"))
VENEER_FORMS = (VENEER_THUMB2, VENEER_THUMB1)


def veneer_form(core: str) -> VeneerForm:
    """The veneer a module built for this core gets: Thumb-1 where the core has nothing else."""
    return VENEER_THUMB1 if CORE_FACTS[core].tag_cpu_arch == THUMB1_ONLY_ARCH else VENEER_THUMB2


class PackError(BuildError):
    """The module's ELF holds something the format cannot express."""


@dataclass(frozen=True)
class Arch:
    core: str
    fpu: str
    float_abi: str


@dataclass(frozen=True)
class PackedModule:
    data: bytes
    text_size: int
    data_size: int
    bss_size: int
    entry: int                          # offset, Thumb bit set
    fixups: tuple[int, ...]             # offsets of ABS32 words
    imports: tuple[tuple[str, int], ...]  # (name, slot offset)
    exports: tuple[tuple[str, int], ...]  # (name, value), sorted by hash
    text_before_gc: int | None = None   # text of the same link without --gc-sections or guards


def _reloc_name(code: int) -> str:
    return R_ARM_NAMES.get(code, f"relocation type {code}")


def _allocated_sections(elf: ELFFile) -> dict[str, object]:
    """Every non-empty section that would occupy memory (SHF_ALLOC)."""
    return {s.name: s for s in elf.iter_sections() if s["sh_flags"] & 0x2 and s["sh_size"]}


def _check_sections(sections: dict[str, object]) -> None:
    for name, section in sections.items():
        if name not in LOADED_SECTIONS:
            raise PackError(f"section {name} ({section['sh_size']} bytes) is not supported: a "
                            f"module may only have {', '.join(LOADED_SECTIONS)}")
    if ".text" not in sections:
        raise PackError("the module has no code (.text is empty)")


def _check_alignment(sections: dict[str, object]) -> None:
    """No section may need more alignment than the loader gives its segments (FORMAT.md)."""
    for name in LOADED_SECTIONS:
        section = sections.get(name)
        if section is not None and section["sh_addralign"] > LOADER_ALIGNMENT:
            raise PackError(f"section {name} needs {section['sh_addralign']}-byte alignment; the "
                            f"loader places text and data on {LOADER_ALIGNMENT}-byte boundaries "
                            f"(FORMAT.md, \"Alignment\"), so no object or function of a module "
                            f"may be aligned above {LOADER_ALIGNMENT} bytes")


def _contents(section) -> bytes:
    """A section's bytes; zeros for one that has none in the file (.data holding only the
    data guard, module.ld), where pyelftools would read whatever follows in the file."""
    if section["sh_type"] == "SHT_NOBITS":
        return bytes(section["sh_size"])
    return section.data()


def _layout(sections: dict[str, object]) -> tuple[bytes, int, int, int]:
    """(image bytes, text size, data size, bss size); checks the sections follow each other
    from 0, each at a multiple of its own alignment (module.ld pads the one before)."""
    expected = 0
    for name in LOADED_SECTIONS:
        section = sections.get(name)
        if section is None:
            continue
        start, align = section["sh_addr"], max(section["sh_addralign"], 1)
        if start != expected or start % align:
            raise PackError(f"section {name} ({align}-byte aligned) starts at {start:#x}, not at "
                            f"{expected:#x} right after the one before it: module.ld must lay "
                            "out text, data and bss back to back from 0, each part padded to "
                            "the next one's alignment")
        expected = start + section["sh_size"]
    text, data, bss = (sections.get(name) for name in LOADED_SECTIONS)
    image = _contents(text) + (_contents(data) if data else b"")
    return image, text["sh_size"], data["sh_size"] if data else 0, bss["sh_size"] if bss else 0


def data_uses(objects: list[Path], names: set[str]) -> dict[str, str]:
    """Of names (symbols the objects leave undefined), those an absolute word refers to and no
    branch reaches, each with where it is first used: '<relocation> in <section> of <object>'.
    An import gets a call veneer (FORMAT.md, "Imports"), which is right only for a function: a
    data object's address would be its veneer's."""
    used_as_data: dict[str, str] = {}
    called: set[str] = set()
    for path in objects:
        with open(path, "rb") as handle:
            elf = ELFFile(handle)
            for rel in elf.iter_sections():
                if not isinstance(rel, RelocationSection):
                    continue
                symbols = elf.get_section(rel["sh_link"])
                for entry in rel.iter_relocations():
                    name = symbols.get_symbol(entry["r_info_sym"]).name
                    if name not in names:
                        continue
                    code = entry["r_info_type"]
                    if code in BRANCHES:
                        called.add(name)
                    elif code in ABSOLUTE_WORD:  # others: refused by _fixups, naming them
                        where = elf.get_section(rel["sh_info"]).name
                        used_as_data.setdefault(name, f"{_reloc_name(code)} in {where} of "
                                                      f"{path.stem}")  # the object of a.c is a.c.o
    return {name: where for name, where in used_as_data.items() if name not in called}


def _symbol_label(symbol: Symbol) -> str:
    return symbol.name or "<section symbol>"


def _crosses_segments(elf: ELFFile, site_section: str, symbol: Symbol) -> bool:
    """Whether a PC-relative reference from site_section reaches the other segment."""
    index = symbol["st_shndx"]
    if not isinstance(index, int):  # undefined or absolute: in no section
        return False
    target = elf.get_section(index).name
    return (site_section in TEXT_SEGMENT) != (target in TEXT_SEGMENT)


class MisplacedAddresses(PackError):
    """ABS32 words that the loader's rule (a word below T moves with the text) would move with
    the wrong segment: `array - 1` kept by a pre-increment loop over an array at the start of
    data, or one past a table at the end of text. text_guard and data_guard are the bytes of
    gap at the end of text and the start of data that would put each where it belongs."""

    def __init__(self, message: str, text_guard: int, data_guard: int) -> None:
        super().__init__(message)
        self.text_guard = text_guard
        self.data_guard = data_guard


def _word_at(elf: ELFFile, section_index: int, address: int) -> int:
    section = elf.get_section(section_index)
    at = address - section["sh_addr"]
    return int.from_bytes(section.data()[at:at + 4], "little")


def _fixups(elf: ELFFile, sections: dict[str, object]) -> list[int]:
    """Offsets needing the load address added; refuses every relocation it cannot express."""
    loaded = {elf.get_section_index(name): name for name in sections}
    text_end = sections[".text"]["sh_size"] if ".text" in sections else 0
    fixups: list[int] = []
    problems: list[str] = []
    misplaced: list[str] = []
    guards = [0, 0]  # text, data
    for rel in elf.iter_sections():
        if not isinstance(rel, RelocationSection) or rel["sh_info"] not in loaded:
            continue
        target = loaded[rel["sh_info"]]
        if rel.is_RELA():
            raise PackError(f"{rel.name}: RELA relocations are not used on Arm; unsupported")
        symbols = elf.get_section(rel["sh_link"])
        for entry in rel.iter_relocations():
            code, symbol = entry["r_info_type"], symbols.get_symbol(entry["r_info_sym"])
            if code in POSITION_INDEPENDENT:
                if _crosses_segments(elf, target, symbol):
                    problems.append(f"{_reloc_name(code)} in section {target} at "
                                    f"{entry['r_offset']:#x} reaches symbol "
                                    f"'{_symbol_label(symbol)}' in the other segment (text vs "
                                    "data): the loader places them apart")
                continue
            if code in ABSOLUTE_WORD:
                if symbol["st_shndx"] not in ("SHN_ABS", "SHN_UNDEF"):
                    fixups.append(entry["r_offset"])
                    word = _word_at(elf, rel["sh_info"], entry["r_offset"])
                    in_text = elf.get_section(symbol["st_shndx"]).name in TEXT_SEGMENT
                    if in_text != (word < text_end):
                        guards[not in_text] = max(guards[not in_text], abs(word - text_end) +
                                                  in_text)
                        misplaced.append(f"{_reloc_name(code)} in section {target} at "
                                         f"{entry['r_offset']:#x}: '{_symbol_label(symbol)}' "
                                         f"{word - symbol['st_value']:+d} = {word:#x}")
                continue
            problems.append(f"{_reloc_name(code)} in section {target} at {entry['r_offset']:#x} "
                            f"against symbol '{_symbol_label(symbol)}'")
    if problems:
        raise PackError("cannot express these relocations in a module file (see "
                        "firmware/loader/FORMAT.md):\n  " + "\n  ".join(problems))
    if misplaced:
        raise MisplacedAddresses(
            f"addresses the loader would move with the wrong segment (it moves a word below the "
            f"text's end {text_end:#x} with the text, FORMAT.md \"Fix-ups\"):\n  " +
            "\n  ".join(misplaced), *(-(-g // LOADER_ALIGNMENT) * LOADER_ALIGNMENT for g in guards))
    return sorted(fixups)


def _symbols(elf: ELFFile) -> dict[str, Symbol]:
    table = elf.get_section_by_name(".symtab")
    if not isinstance(table, SymbolTableSection):
        raise PackError("the module's ELF has no symbol table")
    return {s.name: s for s in table.iter_symbols() if s.name and s["st_shndx"] != "SHN_UNDEF"}


def _imports(names: list[str], symbols: dict[str, Symbol], image: bytes,
             form: VeneerForm) -> list[tuple[str, int]]:
    """(name, slot) for every import, in ascending slot order (FORMAT.md: the loader refuses
    slots that do not ascend, so no two imports can share one)."""
    imports = []
    for name in names:
        veneer = symbols[name]["st_value"] & ~1
        slot = veneer + len(form.code)
        if image[veneer:slot] != form.code:
            raise PackError(f"import '{name}': no {form.name} veneer at {veneer:#x}")
        imports.append((name, slot))
    return sorted(imports, key=lambda item: item[1])


def _exports(names: list[str], symbols: dict[str, Symbol]) -> list[tuple[str, int]]:
    missing = [name for name in names if name not in symbols]
    if missing:
        raise PackError(f"exports {', '.join(missing)}: not in the linked module")
    exports = [(name, symbols[name]["st_value"]) for name in names]
    return sorted(exports, key=lambda item: (name_hash(item[0]), item[0]))


def _strings(names: list[str]) -> tuple[bytes, dict[str, int]]:
    offsets: dict[str, int] = {}
    blob = bytearray()
    for name in names:
        if name not in offsets:
            offsets[name] = len(blob)
            blob += name.encode() + b"\0"
    blob += b"\0" * (-len(blob) % 4)
    return bytes(blob), offsets


def _init_array(symbols: dict[str, Symbol]) -> tuple[int, int]:
    start = symbols["__module_init_start"]["st_value"]
    end = symbols["__module_init_end"]["st_value"]
    return start, (end - start) // 4


def _entry(entry: str, exports: list[tuple[str, int]], symbols: dict[str, Symbol]) -> int:
    if entry not in dict(exports):
        defined = ", ".join(sorted(dict(exports))) or "none"
        raise PackError(f"entry '{entry}' is not a global function of the module "
                        f"(its globals: {defined})")
    symbol = symbols[entry]
    if symbol["st_info"]["type"] != "STT_FUNC":
        raise PackError(f"entry '{entry}' is not a function")
    return symbol["st_value"]


def _serialise(image: bytes, packed: PackedModule, arch: Arch, api: Api,
               init: tuple[int, int]) -> bytes:
    """The module file: header, image, fix-ups, imports, exports, strings (FORMAT.md)."""
    strings, offsets = _strings([n for n, _ in packed.imports] + [n for n, _ in packed.exports])
    tables = b"".join(struct.pack("<I", offset | FIXUP_ABS32 << 28) for offset in packed.fixups)
    tables += b"".join(struct.pack("<III", name_hash(n), slot, offsets[n])
                       for n, slot in packed.imports)
    tables += b"".join(struct.pack("<III", name_hash(n), value, offsets[n])
                       for n, value in packed.exports)
    header = ModuleHeader(
        magic=MAGIC, format_version=FORMAT_VERSION, header_size=HEADER_SIZE,
        arch_core=CORE_FACTS[arch.core].code, arch_fpu=FPU_CODES[arch.fpu],
        arch_float_abi=FLOAT_ABI_CODES[arch.float_abi], reserved0=0, api_major=api.major,
        api_minor=api.minor, text_size=packed.text_size, data_size=packed.data_size,
        bss_size=packed.bss_size, entry=packed.entry, init_offset=init[0], init_count=init[1],
        fixup_count=len(packed.fixups), import_count=len(packed.imports),
        export_count=len(packed.exports), strings_size=len(strings), crc32=0, reserved1=0)
    return with_crc(bytearray(header.pack() + image + tables + strings))


def pack_elf(path: Path, entry: str, imports: list[str], exports: list[str], arch: Arch,
             api: Api) -> PackedModule:
    """Pack a module ELF linked by modbuild: imports are the veneer symbols' names, exports the
    names the module exports (sim/modbuild.py, export_names)."""
    with open(path, "rb") as handle:
        elf = ELFFile(handle)
        if elf["e_machine"] != "EM_ARM" or elf.elfclass != 32:
            raise PackError(f"{path}: not a 32-bit Arm ELF")
        sections = _allocated_sections(elf)
        fixups = _fixups(elf, sections)  # first: a relocation names the code that caused it
        _check_sections(sections)
        _check_alignment(sections)
        image, text_size, data_size, bss_size = _layout(sections)
        symbols = _symbols(elf)
    if any(offset > MAX_FIXUP_OFFSET for offset in fixups):
        raise PackError("module image too large for 28-bit fix-up offsets")
    export_list = _exports(exports, symbols)
    packed = PackedModule(
        data=b"", text_size=text_size, data_size=data_size, bss_size=bss_size,
        entry=_entry(entry, export_list, symbols), fixups=tuple(fixups),
        imports=tuple(_imports(imports, symbols, image, veneer_form(arch.core))), exports=tuple(export_list))
    data = _serialise(image, packed, arch, api, _init_array(symbols))
    return dataclasses.replace(packed, data=data)
