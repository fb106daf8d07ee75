"""The host oracle: an independent prediction of what the target's link must produce.

From the firmware ELF it reads the export table as linked (pyelftools; by its section and
header, not by symbol, so a stripped release image will do); from the module file
it reads the imports and fix-ups (parsing firmware/loader/FORMAT.md itself, not reusing the
packer's data). Given the load address the target reports, it predicts every import's bound
address and the CRC-32 of the linked image; the runner compares both with what the target
reported.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile

from sim.errors import SimError
from sim.exports import (EXPORT_ENTRY, EXPORT_HEADER, EXPORT_TABLE_MAGIC, EXPORTS_SECTION,
                         name_hash)
from sim.module_format import HEADER_SIZE, ModuleHeader



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
    def read(cls, path: Path) -> "ModuleFile":
        """The file as it is now; a file read before and not changed since (same size, time
        and inode) is not read again: a batch runs the same few files many times."""
        status = path.stat()
        return cls._read(path, status.st_size, status.st_mtime_ns, status.st_ino)

    @classmethod
    @lru_cache(maxsize=4096)
    def _read(cls, path: Path, size: int, mtime_ns: int, inode: int) -> "ModuleFile":
        data = path.read_bytes()
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
