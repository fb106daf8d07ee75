"""The module file's header, defined once with named fields: the packer writes it, the oracle,
the runner, the fuzzers and the tests read or edit it through this. The C side is
firmware/loader/module_format.h; firmware/loader/FORMAT.md, "Header", is the reference."""

from __future__ import annotations

import struct
import zlib
from dataclasses import astuple, dataclass, fields

MAGIC = 0x444F4D43  # "CMOD"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModuleHeader:
    magic: int
    format_version: int
    header_size: int
    arch_core: int
    arch_fpu: int
    arch_float_abi: int
    reserved0: int
    api_major: int
    api_minor: int
    text_size: int
    data_size: int
    bss_size: int
    entry: int
    init_offset: int
    init_count: int
    fixup_count: int
    import_count: int
    export_count: int
    strings_size: int
    crc32: int
    reserved1: int

    @classmethod
    def unpack(cls, data: bytes) -> "ModuleHeader":
        """The header at the start of data (struct.error if data is shorter)."""
        return cls(*HEADER.unpack_from(data))

    def pack(self) -> bytes:
        return HEADER.pack(*astuple(self))


# Each field's struct code, in the order of the fields above (and of mod_header).
FIELD_CODES = {"magic": "I", "format_version": "H", "header_size": "H", "arch_core": "B",
               "arch_fpu": "B", "arch_float_abi": "B", "reserved0": "B", "api_major": "H",
               "api_minor": "H", "text_size": "I", "data_size": "I", "bss_size": "I",
               "entry": "I", "init_offset": "I", "init_count": "H", "fixup_count": "H",
               "import_count": "H", "export_count": "H", "strings_size": "I", "crc32": "I",
               "reserved1": "I"}
FIELD_NAMES = tuple(field.name for field in fields(ModuleHeader))
assert tuple(FIELD_CODES) == FIELD_NAMES
HEADER = struct.Struct("<" + "".join(FIELD_CODES.values()))
HEADER_SIZE = HEADER.size
assert HEADER_SIZE == 56  # _Static_assert in module_format.h


def _offsets() -> dict[str, int]:
    offsets, at = {}, 0
    for name, code in FIELD_CODES.items():
        offsets[name] = at
        at += struct.calcsize("<" + code)
    return offsets


FIELD_OFFSETS = _offsets()   # name -> byte offset in the file


def field_format(name: str) -> str:
    """The struct format of one field, little-endian, for struct.pack_into at its offset."""
    return "<" + FIELD_CODES[name]


def with_crc(data: bytearray) -> bytes:
    """The module file with its CRC field set: CRC-32 of the whole file with that field as 0."""
    at = FIELD_OFFSETS["crc32"]
    struct.pack_into("<I", data, at, 0)
    struct.pack_into("<I", data, at, zlib.crc32(data))
    return bytes(data)
