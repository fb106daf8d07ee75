"""The host oracle: an independent prediction of what the target's loader must do.

From the firmware ELF it reads the export table as linked (pyelftools; by its section and
header, not by symbol, so a stripped release image will do); from the module file
it reads the imports and fix-ups (parsing firmware/loader/FORMAT.md itself, not reusing the
packer's data). Given the load address the target reports, it predicts every import's bound
address and the CRC-32 of the linked image; the runner compares both with what the target
reported. It also predicts which error the loader refuses a file with (predict_load_error,
predict_link_error), from FORMAT.md's "Rules the loader enforces" in their order.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile

from sim.errors import SimError
from sim.cores import CORE_TABLE, FLOAT_ABI_CODES, FPU_CODES
from sim.exports import (EXPORT_ENTRY, EXPORT_HEADER, EXPORT_TABLE_MAGIC, EXPORTS_SECTION,
                         name_hash)
from sim.module_format import FIELD_OFFSETS, FORMAT_VERSION, HEADER_SIZE, MAGIC, ModuleHeader



@dataclass(frozen=True)
class ExportTableHeader:
    """The export table's checked header (firmware/loader/export_table.h), as linked."""
    address: int
    api_major: int
    api_minor: int
    count: int
    checksum: int
    entries: int   # the address of the first entry


def export_table_header(image: ELFFile) -> ExportTableHeader | None:
    """The header, found without symbols, so a stripped release image has it too: the first
    word-aligned EXPORT_TABLE_MAGIC in the EXPORTS_SECTION section (firmware/src/PROTOCOL.md,
    "What the host reads from a firmware image"); None when the image has none."""
    section = image.get_section_by_name(EXPORTS_SECTION)
    if section is None or section["sh_type"] != "SHT_PROGBITS":
        return None
    data = section.data()
    for offset in range(0, len(data) - EXPORT_HEADER.size + 1, 4):
        magic, *fields = EXPORT_HEADER.unpack_from(data, offset)
        if magic == EXPORT_TABLE_MAGIC:
            return ExportTableHeader(section["sh_addr"] + offset, *fields)
    return None


class FirmwareExports:
    """The export table of one firmware ELF: name -> address (Thumb bit as stored). Read from
    the image's bytes alone (no symbols): a stripped image serves as well as its debug ELF."""

    def __init__(self, elf: Path) -> None:
        self.elf = elf

    @cached_property
    def addresses(self) -> dict[str, int]:
        with open(self.elf, "rb") as handle:
            image = ELFFile(handle)
            header = export_table_header(image)
            loaded = _loaded_sections(image)
        if header is None:
            raise SimError(f"{self.elf}: no export table (no {EXPORTS_SECTION} section "
                           "starting with its header)")
        raw = self._bytes_at(loaded, header.entries, EXPORT_ENTRY.size * header.count)
        table = {}
        for hash_, name_address, address in EXPORT_ENTRY.iter_unpack(raw):
            name = self._string_at(loaded, name_address)
            if name_hash(name) != hash_:
                raise SimError(f"{self.elf}: export '{name}' has hash {hash_:#010x}, "
                               f"expected {name_hash(name):#010x}")
            table[name] = address
        return table

    def _bytes_at(self, loaded: list[tuple[int, bytes]], address: int, size: int) -> bytes:
        for start, data in loaded:
            if start <= address and address + size <= start + len(data):
                return data[address - start:address - start + size]
        raise SimError(f"{self.elf}: the export table's {size // EXPORT_ENTRY.size} entries at "
                       f"{address:#010x} are not in the image")

    def _string_at(self, loaded: list[tuple[int, bytes]], address: int) -> str:
        for start, data in loaded:
            if start <= address < start + len(data):
                end = data.index(b"\0", address - start)
                return data[address - start:end].decode()
        raise SimError(f"{self.elf}: no string at {address:#010x}")


def _loaded_sections(image: ELFFile) -> list[tuple[int, bytes]]:
    """(address, bytes) of each section the image loads: read once for every name."""
    return [(section["sh_addr"], section.data()) for section in image.iter_sections()
            if section["sh_flags"] & 0x2 and section["sh_type"] != "SHT_NOBITS"]


@dataclass(frozen=True)
class ModuleFile:
    """What the oracle needs from a module file: the image, fix-ups, imports and exports, each
    import and export with the name hash the file stores for it. Names are bytes as stored
    (FORMAT.md says only that they end in NUL), decoded losslessly."""
    image: bytes                                # text then data, as the packer laid them out
    text_size: int
    fixups: tuple[int, ...]
    imports: tuple[tuple[str, int, int], ...]   # (name, slot, name hash)
    exports: tuple[tuple[str, int, int], ...]   # (name, value, name hash)

    def export_value(self, name: str, hash_: int) -> int | None:
        """FORMAT.md's lookup: the first export whose hash and name both match."""
        return next((value for export, value, stored in self.exports
                     if stored == hash_ and export == name), None)

    @classmethod
    def read(cls, path: str | Path) -> "ModuleFile":
        """The file as it is now; a file read before and not changed since (same size, time
        and inode) is not read again: a batch runs the same few files many times. (os.stat on
        the name as given: a Path made and stat'ed per job cost 5 µs against 1.)"""
        status = os.stat(path)
        return cls._read(os.fspath(path), status.st_size, status.st_mtime_ns, status.st_ino)

    @classmethod
    @lru_cache(maxsize=4096)
    def _read(cls, path: str, size: int, mtime_ns: int, inode: int) -> "ModuleFile":
        with open(path, "rb") as handle:
            return cls.read_bytes(handle.read())

    @classmethod
    def read_bytes(cls, data: bytes) -> "ModuleFile":
        """A module file's contents (one the loader's read checks accept)."""
        header = ModuleHeader.unpack(data)
        text, data_size = header.text_size, header.data_size
        fixup_count, import_count, export_count = (header.fixup_count, header.import_count,
                                                   header.export_count)
        image = data[HEADER_SIZE:HEADER_SIZE + text + data_size]
        at = HEADER_SIZE + len(image)
        fixups = struct.unpack_from(f"<{fixup_count}I", data, at)
        at += 4 * fixup_count
        strings_at = at + 12 * (import_count + export_count)

        def named(index: int) -> tuple[str, int, int]:
            hash_, value, name = struct.unpack_from("<III", data, at + 12 * index)
            end = data.index(b"\0", strings_at + name)
            return data[strings_at + name:end].decode(errors="surrogateescape"), value, hash_

        imports = tuple(named(i) for i in range(import_count))
        exports = tuple(named(import_count + i) for i in range(export_count))
        return cls(image, text, tuple(word & 0x0FFFFFFF for word in fixups), imports, exports)


@dataclass(frozen=True)
class Placement:
    """Where the target put a module file: its text and its data."""
    module: ModuleFile
    base: int
    data_base: int

    def address(self, value: int) -> int:
        """The run-time address of a link-time value (Thumb bit kept)."""
        offset = value & ~1
        shift = self.base if offset < self.module.text_size else self.data_base - self.module.text_size
        return offset + shift + (value & 1)


def predict_bindings(exports: FirmwareExports, module: ModuleFile,
                     residents: tuple[Placement, ...] = ()) -> dict[str, int | None]:
    """Each import's address, or None where nothing provides it: the firmware's exports first,
    then each resident module's, in load order. As the loader does, an import is looked up by
    the hash its entry stores, then by name (FORMAT.md)."""
    def resolve(name: str, hash_: int) -> int | None:
        if name in exports.addresses and name_hash(name) == hash_:
            return exports.addresses[name]
        for resident in residents:
            value = resident.module.export_value(name, hash_)
            if value is not None:
                return resident.address(value)
        return None
    return {name: resolve(name, hash_) for name, _, hash_ in module.imports}


def predict_image_crc(module: ModuleFile, base: int, data_base: int,
                      bindings: dict[str, int | None]) -> int:
    """CRC-32 of the text and data as linked with the text at base and the data at data_base
    (FORMAT.md: a word below text_size moves with the text, any other with the data), import
    slots filled."""
    image = bytearray(module.image)
    text_shift, data_shift = base, data_base - module.text_size
    for offset in module.fixups:
        (word,) = struct.unpack_from("<I", image, offset)
        shift = text_shift if word < module.text_size else data_shift
        struct.pack_into("<I", image, offset, (word + shift) & 0xFFFFFFFF)
    for name, slot, _ in module.imports:
        struct.pack_into("<I", image, slot, bindings[name] or 0)
    return zlib.crc32(image)


# --- The loader's checks (firmware/loader/FORMAT.md, "Rules the loader enforces") ----------

SECTION_CAP = 1 << 24                 # FORMAT.md, sizes.cap
FIXUP_KIND_ABS32 = 0
FLOAT_ABI_HARD = FLOAT_ABI_CODES["hard"]


@dataclass(frozen=True)
class Running:
    """What the loader is told about the running firmware and core (loader_env): codes as the
    header's, the export table's API major, and optionally the arena: its free bytes and data
    alignment (None: the arena.room rule is not predicted)."""
    core: int
    fpu: int
    api_major: int
    arena_bytes: int | None = None
    data_align: int = 8


def _tables_size(h: ModuleHeader) -> int:
    return 4 * h.fixup_count + 12 * (h.import_count + h.export_count) + h.strings_size


def _header_error(h: ModuleHeader, file_size: int, running: Running) -> str | None:
    """The read stage's rules up to arena.room, in the loader's order."""
    known_cores = {core.code for core in CORE_TABLE}
    sizes = (h.text_size, h.data_size, h.bss_size, h.strings_size)
    expected = HEADER_SIZE + h.text_size + h.data_size + _tables_size(h)
    entry = h.entry & ~1
    checks = [
        (h.magic != MAGIC, "bad_magic"),
        (h.format_version != FORMAT_VERSION, "bad_version"),
        (h.header_size != HEADER_SIZE or h.reserved0 or h.reserved1
         or any(size % 4 for size in sizes) or any(size >= SECTION_CAP for size in sizes),
         "bad_header"),
        (file_size < expected, "truncated"),
        (file_size > expected, "bad_header"),
        (h.arch_core not in known_cores or h.arch_fpu > max(FPU_CODES.values())
         or h.arch_float_abi > max(FLOAT_ABI_CODES.values())
         or (h.arch_float_abi != FLOAT_ABI_CODES["soft"] and h.arch_fpu == FPU_CODES["none"]),
         "bad_header"),
        (h.arch_core > running.core or running.core not in known_cores
         or h.arch_fpu > running.fpu, "bad_arch"),
        (h.api_major != running.api_major, "bad_version"),
        (not h.entry & 1 or entry >= h.text_size or h.init_offset % 4
         or h.init_offset > h.text_size or 4 * h.init_count > h.text_size - h.init_offset,
         "bad_header"),
    ]
    return next((error for failed, error in checks if failed), None)


def _no_room(h: ModuleHeader, running: Running) -> bool:
    if running.arena_bytes is None:
        return False
    align = max(running.data_align, 8)
    data_at = (h.text_size + align - 1) // align * align
    return data_at + h.data_size + h.bss_size + _tables_size(h) > running.arena_bytes


def _tables_error(h: ModuleHeader, tables: bytes) -> str | None:
    """The table rules after the CRC, in the loader's order: strings, fix-ups, imports,
    exports, each table entry by entry."""
    strings = tables[len(tables) - h.strings_size:]
    if (h.import_count or h.export_count) if not strings else strings[-1] != 0:
        return "bad_header"
    image = h.text_size + h.data_size
    for (word,) in struct.iter_unpack("<I", tables[:4 * h.fixup_count]):
        offset = word & 0x0FFFFFFF
        if (word >> 28 != FIXUP_KIND_ABS32 or offset > image - 4
                or h.text_size - 4 < offset < h.text_size):
            return "bad_reloc"
    at = 4 * h.fixup_count
    slots_free_from = 0
    for _, slot, name in struct.iter_unpack("<III", tables[at:at + 12 * h.import_count]):
        if slot % 4 or slot > h.text_size - 4 or slot < slots_free_from or name >= h.strings_size:
            return "bad_header"
        slots_free_from = slot + 4
    at += 12 * h.import_count
    for _, value, name in struct.iter_unpack("<III", tables[at:at + 12 * h.export_count]):
        if value & ~1 >= image + h.bss_size or name >= h.strings_size:
            return "bad_header"
    return None


def predict_load_error(data: bytes, running: Running) -> str | None:
    """The error loader_read gives for this module file, or None if it reads it: FORMAT.md's
    read-stage rules in their order, made here independently of the loader's C."""
    if len(data) < HEADER_SIZE:
        return "truncated"
    h = ModuleHeader.unpack(data)
    error = _header_error(h, len(data), running)
    if error is not None:
        return error
    if _no_room(h, running):
        return "no_memory"
    crc_at = FIELD_OFFSETS["crc32"]
    if zlib.crc32(data[:crc_at] + bytes(4) + data[crc_at + 4:]) != h.crc32:
        return "bad_crc"
    return _tables_error(h, data[HEADER_SIZE + h.text_size + h.data_size:])


def predict_link_error(module: bytes, residents: tuple[bytes, ...],
                       bindings: dict[str, int | None]) -> str | None:
    """The error loader_link gives for a module file that read well, given its residents' files
    and the bindings predict_bindings made (FORMAT.md, link.float_abi then link.resolve)."""
    hard = ModuleHeader.unpack(module).arch_float_abi == FLOAT_ABI_HARD
    if any((ModuleHeader.unpack(r).arch_float_abi == FLOAT_ABI_HARD) != hard for r in residents):
        return "bad_arch"
    return "unresolved" if None in bindings.values() else None


def predict_find_error(module: ModuleFile, name: str) -> str | None:
    """loader_find's error for an export name (FORMAT.md, find.entry)."""
    return "no_entry" if module.export_value(name, name_hash(name)) is None else None


def predict_init_error(data: bytes, base: int, data_base: int) -> str | None:
    """loader_init's error from the constructor words as linked with the text at base and the
    data at data_base (FORMAT.md, init.pointer): each must be a Thumb address inside the text.
    (init.returned depends on what the constructors do when run.)"""
    h = ModuleHeader.unpack(data)
    module = ModuleFile.read_bytes(data)
    placement = Placement(module, base, data_base)
    fixed = set(module.fixups)
    for index in range(h.init_count):
        offset = h.init_offset + 4 * index
        (word,) = struct.unpack_from("<I", module.image, offset)
        linked = placement.address(word) & 0xFFFFFFFF if offset in fixed else word
        if not linked & 1 or (linked - base) % (1 << 32) >= h.text_size:
            return "startup"
    return None


def predict_job_error(data: bytes, running: Running, exports: FirmwareExports, entry: str,
                      base: int, data_base: int) -> str | None:
    """The error a job that loads this one file (no resident libraries) ends with, stage by
    stage as the reference firmware runs them: read, link, find the entry, constructors."""
    error = predict_load_error(data, running)
    if error is not None:
        return error
    module = ModuleFile.read_bytes(data)
    error = predict_link_error(data, (), predict_bindings(exports, module))
    return error or predict_find_error(module, entry) or predict_init_error(data, base, data_base)
