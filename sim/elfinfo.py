"""Reads an ELF with pyelftools to name addresses: function + offset, and file:line from DWARF.

Parsing the DWARF line tables of a firmware image takes pyelftools a few hundred milliseconds;
the rows are kept beside the ELF (`<elf>.lines.json`, with the ELF's SHA-256) so the next run
reads them back instead, and only when an address must be named.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.constants import SH_FLAGS
from elftools.elf.sections import SymbolTableSection

SHF_ALLOC = SH_FLAGS.SHF_ALLOC


@dataclass(frozen=True)
class Function:
    name: str
    start: int
    size: int


class ElfInfo:
    """Symbols, section sizes and line info of one ELF file, read once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def functions(self) -> list[Function]:
        with open(self.path, "rb") as handle:
            elf = ELFFile(handle)
            table = elf.get_section_by_name(".symtab")
            if not isinstance(table, SymbolTableSection):
                return []
            found = {(s.name, s["st_value"] & ~1, s["st_size"]) for s in table.iter_symbols()
                     if s["st_info"]["type"] == "STT_FUNC" and s.name}
        return sorted((Function(*f) for f in found), key=lambda f: (f.start, f.name))

    @cached_property
    def _starts(self) -> list[int]:
        return [f.start for f in self.functions]

    def function_at(self, address: int) -> Function | None:
        address &= ~1
        index = bisect.bisect_right(self._starts, address) - 1
        if index < 0:
            return None
        function = self.functions[index]
        return function if address < function.start + max(function.size, 1) else None

    def symbol(self, address: int) -> str | None:
        """'name+0xoff' for the function holding address, or None."""
        function = self.function_at(address)
        if function is None:
            return None
        offset = (address & ~1) - function.start
        return f"{function.name}+{offset:#x}" if offset else function.name

    @cached_property
    def _line_rows(self) -> list[tuple[int, str, int]]:
        """(address, file, line) for every DWARF line-table row, sorted by address: from the
        cache beside the ELF when it was written for these bytes, else parsed and cached."""
        cache = self.path.with_name(self.path.name + ".lines.json")
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        try:
            saved = json.loads(cache.read_text())
            if saved["sha256"] == digest:
                return [(address, name, line) for address, name, line in saved["rows"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache yet, or one from other bytes or a broken write: parse again
        rows = self._parse_line_rows()
        _write_quietly(cache, json.dumps({"sha256": digest, "rows": rows}))
        return rows

    def _parse_line_rows(self) -> list[tuple[int, str, int]]:
        rows: list[tuple[int, str, int]] = []
        with open(self.path, "rb") as handle:
            elf = ELFFile(handle)
            if not elf.has_dwarf_info():
                return rows
            # A linked image's DWARF is final; the relocations --emit-relocs keeps beside it
            # (some R_ARM_NONE, for code --gc-sections dropped) are not to be applied again.
            dwarf = elf.get_dwarf_info(relocate_dwarf_sections=False)
            for unit in dwarf.iter_CUs():
                program = dwarf.line_program_for_CU(unit)
                if program is None:
                    continue
                files = program["file_entry"]
                base = 1 if program.header.version < 5 else 0
                for entry in program.get_entries():
                    state = entry.state
                    if state is None or state.end_sequence:
                        continue
                    name = files[state.file - base].name.decode()
                    rows.append((state.address, name, state.line))
        rows.sort()
        return rows

    def location(self, address: int) -> str | None:
        """'file.c:line' for address, from the DWARF line table, or None without debug info."""
        address &= ~1
        rows = self._line_rows
        index = bisect.bisect_right(rows, (address, "\uffff", 1 << 30)) - 1
        function = self.function_at(address)
        # The row must lie in the same function: code without line info (assembly) has none.
        if index < 0 or function is None or rows[index][0] < function.start:
            return None
        _, name, line = rows[index]
        return f"{name}:{line}"

    def symbol_bytes(self, name: str) -> bytes | None:
        """The contents of a data symbol (st_size bytes at its address), or None."""
        with open(self.path, "rb") as handle:
            elf = ELFFile(handle)
            table = elf.get_section_by_name(".symtab")
            if not isinstance(table, SymbolTableSection):
                return None
            symbols = table.get_symbol_by_name(name) or []
            if not symbols:
                return None
            section = elf.get_section(symbols[0]["st_shndx"])
            start = symbols[0]["st_value"] - section["sh_addr"]
            return section.data()[start:start + symbols[0]["st_size"]]

    @cached_property
    def has_debug_info(self) -> bool:
        """Whether this ELF can name an address: function symbols and a DWARF line table. A
        release image (arm-none-eabi-strip) has neither, or (--strip-debug) no line table."""
        with open(self.path, "rb") as handle:
            has_lines = ELFFile(handle).get_section_by_name(".debug_line") is not None
        return has_lines and bool(self.functions)

    @cached_property
    def loadable_digest(self) -> str | None:
        """SHA-256 of what a loader takes from the ELF (QEMU, a flash programmer): the entry
        point and each PT_LOAD segment's addresses, sizes, flags and bytes. Stripping symbols
        or debug info leaves it as it was. None when no segment has bytes in the file (an
        `objcopy --only-keep-debug` file)."""
        digest = hashlib.sha256()
        with open(self.path, "rb") as handle:
            elf = ELFFile(handle)
            digest.update(elf["e_entry"].to_bytes(4, "little"))
            segments = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
            if not any(s["p_filesz"] for s in segments):
                return None
            for segment in segments:
                digest.update(b"".join(segment[key].to_bytes(4, "little") for key in
                                       ("p_vaddr", "p_paddr", "p_memsz", "p_filesz", "p_flags")))
                digest.update(segment.data())
        return digest.hexdigest()

    def section_sizes(self) -> dict[str, int]:
        with open(self.path, "rb") as handle:
            return {s.name: s["sh_size"] for s in ELFFile(handle).iter_sections() if s.name}

    def allocated_sections(self) -> set[tuple[str, int, int]]:
        """(name, address, size) of every section that takes memory on the target."""
        with open(self.path, "rb") as handle:
            return {(s.name, s["sh_addr"], s["sh_size"]) for s in ELFFile(handle).iter_sections()
                    if s["sh_flags"] & SHF_ALLOC}

    def read(self, address: int, size: int) -> bytes | None:
        """size bytes of the loaded image at address (from a section with contents), or None
        where the ELF holds none (bss, or no section there)."""
        for start, data in self._loaded_contents:
            if start <= address and address + size <= start + len(data):
                return data[address - start:address - start + size]
        return None

    @cached_property
    def _loaded_contents(self) -> list[tuple[int, bytes]]:
        """(address, bytes) of every section with contents that takes memory on the target:
        read once, as a fault decode asks for the faulting instruction every time."""
        with open(self.path, "rb") as handle:
            return [(section["sh_addr"], section.data())
                    for section in ELFFile(handle).iter_sections()
                    if section["sh_flags"] & SHF_ALLOC and section["sh_type"] == "SHT_PROGBITS"]


def _write_quietly(path: Path, text: str) -> None:
    """Write a cache file whole (a reader never sees half of it), or not at all: a read-only
    or full build folder costs the next run a parse, not a failure."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
