"""Mutations of module files, for the fuzzer (sim/fuzz.py).

Three sorts, each a family of its own in fuzz.json:
- blind: bit flips, truncation, header values, offsets and counts past the end, unterminated
  strings; most leave the file inconsistent and stop at the first check;
- structured: the file stays consistent (every count matches its table, the strings grow with a
  new name), so the mutation reaches the checks and the code behind them: a table entry added or
  removed, a name duplicated, a hash changed but not its name, constructors or the entry moved
  over real code;
- aimed: fix-ups and import slots pointed at the in-range places where a wrong write does most
  harm (the veneers' slots, the constructor list, the entry's first instructions, the last words
  of text and data, the text/data boundary).

Every mutator takes the random generator and the file's bytes, edits the bytes in place and
returns what it did in words. The format is firmware/loader/FORMAT.md.
"""

from __future__ import annotations

import functools
import random
import struct
from dataclasses import dataclass
from typing import Callable

from sim.exports import load_api, name_hash
from sim.module_format import FIELD_NAMES, FIELD_OFFSETS, HEADER, field_format
from sim.pack import FIXUP_ABS32

# Each header field's (offset, struct format), from sim/module_format.py: one layout.
FIELDS = {name: (FIELD_OFFSETS[name], field_format(name)) for name in FIELD_NAMES}
INTERESTING = [0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF]
FIXUP_OFFSET_BITS = 28
IMPORT_OR_EXPORT = struct.Struct("<III")  # name_hash, slot or value, name
UNKNOWN_NAME = b"no_such_export"          # a name no firmware exports
NEW_EXPORT_NAME = b"fuzz_export"


@functools.cache
def firmware_names() -> tuple[bytes, ...]:
    """Every name the firmware API exports (firmware/src/exports.txt), as a module spells it."""
    return tuple(name.encode() for name in load_api().names)


@dataclass
class ModuleParts:
    """A consistent module file taken apart; serialise() puts it back with every count and size
    set from the parts, and the CRC field left as it was."""
    header: dict[str, int]
    text: bytes
    data: bytes
    fixups: list[int]
    imports: list[list[int]]    # [name_hash, slot, name offset]
    exports: list[list[int]]    # [name_hash, value, name offset]
    strings: bytearray

    @classmethod
    def parse(cls, data: bytes) -> "ModuleParts":
        """Raises ValueError when the file is not consistent (only seeds are parsed: they are)."""
        header = dict(zip(FIELD_NAMES, HEADER.unpack_from(data), strict=True))
        at = HEADER.size
        text, at = data[at:at + header["text_size"]], at + header["text_size"]
        image_data, at = data[at:at + header["data_size"]], at + header["data_size"]
        fixups = list(struct.unpack_from(f"<{header['fixup_count']}I", data, at))
        at += 4 * len(fixups)
        tables = []
        for count in (header["import_count"], header["export_count"]):
            tables.append([list(IMPORT_OR_EXPORT.unpack_from(data, at + 12 * i))
                           for i in range(count)])
            at += 12 * count
        strings = bytearray(data[at:at + header["strings_size"]])
        if at + len(strings) != len(data) or len(strings) != header["strings_size"]:
            raise ValueError("the file's size does not match its header")
        return cls(header, text, image_data, fixups, tables[0], tables[1], strings)

    def serialise(self) -> bytearray:
        header = dict(self.header, text_size=len(self.text), data_size=len(self.data),
                      fixup_count=len(self.fixups), import_count=len(self.imports),
                      export_count=len(self.exports), strings_size=len(self.strings))
        out = bytearray(HEADER.pack(*(header[name] & _mask(name) for name in FIELD_NAMES)))
        out += self.text + self.data
        out += b"".join(struct.pack("<I", word) for word in self.fixups)
        out += b"".join(IMPORT_OR_EXPORT.pack(*entry) for entry in self.imports + self.exports)
        return out + self.strings

    @property
    def text_size(self) -> int:
        return len(self.text)

    @property
    def image_size(self) -> int:
        return len(self.text) + len(self.data)

    def name_at(self, offset: int) -> bytes:
        return bytes(self.strings[offset:self.strings.index(b"\0", offset)])

    def name_offset(self, name: bytes) -> int:
        """Where name is in the strings; appended (the strings grow, padded to 4) if absent."""
        for entry in self.imports + self.exports:
            if self.name_at(entry[2]) == name:
                return entry[2]
        offset = len(self.strings)
        self.strings += name + b"\0"
        self.strings += b"\0" * (-len(self.strings) % 4)
        return offset


def _mask(name: str) -> int:
    return (1 << 8 * struct.calcsize(FIELDS[name][1])) - 1


def _edit_parts(data: bytearray, edit: Callable[[ModuleParts], str]) -> str:
    """Apply a structured edit to a consistent file, keeping it consistent."""
    parts = ModuleParts.parse(bytes(data))
    description = edit(parts)
    data[:] = parts.serialise()
    return description


def _put(data: bytearray, offset: int, fmt: str, value: int) -> None:
    if 0 <= offset <= len(data) - struct.calcsize(fmt):
        bits = 8 * struct.calcsize(fmt)
        struct.pack_into(fmt, data, offset, value & ((1 << bits) - 1))


def _set_field(data: bytearray, name: str, value: int) -> None:
    _put(data, *FIELDS[name], value)


def _get_field(data: bytes, name: str) -> int:
    offset, fmt = FIELDS[name]
    return struct.unpack_from(fmt, data, offset)[0]


# --- where a wrong write hurts ----------------------------------------------------------------

def sensitive_places(parts: ModuleParts) -> list[tuple[str, int]]:
    """(what, image offset) of every in-range word a fix-up or an import slot could be aimed at
    to do harm; offsets need not be aligned (a fix-up may straddle the text/data boundary)."""
    text, image = parts.text_size, parts.image_size
    places = []
    for _, slot, name in parts.imports:
        label = parts.name_at(name).decode(errors="replace")
        places += [(f"slot of import {label}", slot), (f"veneer of import {label}", slot - 4)]
    init_at = parts.header["init_offset"]
    places += [(f"constructor {k}", init_at + 4 * k) for k in range(parts.header["init_count"])]
    entry = parts.header["entry"] & ~1
    places += [("entry", entry), ("entry+2", entry + 2), ("entry+4", entry + 4)]
    places.append(("last word of text", text - 4))
    if parts.data:
        places.append(("last word of data", image - 4))
    places += [(f"text/data boundary-{k}", text - k) for k in (1, 2, 3)]
    places += [(f"export {parts.name_at(name).decode(errors='replace')}", value & ~1)
               for _, value, name in parts.exports if (value & ~1) < text]
    return [(what, offset) for what, offset in places if 0 <= offset <= image - 4]


def slot_places(parts: ModuleParts) -> list[tuple[str, int]]:
    """The sensitive places an import slot may name: aligned words of text."""
    places = [(what, offset & ~3) for what, offset in sensitive_places(parts)
              if offset & ~3 <= parts.text_size - 4]
    return places or [("first word of text", 0)]


# --- blind mutations ----------------------------------------------------------------------------

def flip_bits(rng: random.Random, data: bytearray) -> str:
    count = rng.randint(1, 8)
    for _ in range(count):
        bit = rng.randrange(8 * len(data))
        data[bit // 8] ^= 1 << (bit % 8)
    return f"flip {count} bits"


def truncate(rng: random.Random, data: bytearray) -> str:
    keep = rng.randrange(len(data))
    del data[keep:]
    return f"truncate to {keep} bytes"


def edit_header(rng: random.Random, data: bytearray) -> str:
    name = rng.choice([n for n in FIELD_NAMES if n != "crc32"])
    value = rng.choice(INTERESTING + [rng.getrandbits(32), len(data), len(data) + 4])
    _set_field(data, name, value)
    return f"header {name} = {value:#x}"


def _layout(data: bytes) -> dict[str, int]:
    """Where the tables start, as the header says."""
    fixups = HEADER.size + _get_field(data, "text_size") + _get_field(data, "data_size")
    imports = fixups + 4 * _get_field(data, "fixup_count")
    exports = imports + 12 * _get_field(data, "import_count")
    return {"fixups": fixups, "imports": imports, "exports": exports,
            "strings": exports + 12 * _get_field(data, "export_count")}


def past_the_end(rng: random.Random, data: bytearray) -> str:
    """An offset or length that points past the end of what it indexes."""
    layout = _layout(data)
    name = rng.choice(["entry", "init_offset", "text_size", "data_size", "bss_size",
                       "strings_size"])
    value = len(data) + rng.choice([0, 1, 4, 0x1000, 0x10000000])
    _set_field(data, name, value | (1 if name == "entry" else 0))
    if layout["imports"] < layout["exports"] and rng.random() < 0.5:  # an import's slot or name
        _put(data, layout["imports"] + 4 + 4 * rng.randrange(2), "<I", value)
        return f"import slot/name offset = {value:#x}"
    return f"{name} = {value:#x}"


def fixups_outside(rng: random.Random, data: bytearray) -> str:
    """Fix-ups outside the image, at the firmware's RAM below the image, or of unknown kind."""
    layout = _layout(data)
    count = (layout["imports"] - layout["fixups"]) // 4
    if count == 0:
        return flip_bits(rng, data)
    index = rng.randrange(count)
    offset = rng.choice([_get_field(data, "text_size") + _get_field(data, "data_size"),
                         0x0FFFFFFC, 0x0FFFFFFF, rng.getrandbits(FIXUP_OFFSET_BITS)])
    kind = rng.choice([0, 0, 1, 15])
    _put(data, layout["fixups"] + 4 * index, "<I", offset | kind << FIXUP_OFFSET_BITS)
    return f"fixup[{index}] = offset {offset:#x} kind {kind}"


def bloat_imports(rng: random.Random, data: bytearray) -> str:
    """Huge counts, and import names that run past the strings."""
    layout = _layout(data)
    if rng.random() < 0.5:
        name = rng.choice(["fixup_count", "import_count", "export_count"])
        _set_field(data, name, rng.choice([0x7FFF, 0xFFFF, rng.randrange(0x10000)]))
        return f"{name} huge"
    size = _get_field(data, "strings_size")
    if layout["imports"] + 12 <= layout["exports"]:
        _put(data, layout["imports"] + 8, "<I", size - rng.randint(0, 2))
    return "import name at the end of the strings"


def unterminate_strings(rng: random.Random, data: bytearray) -> str:
    strings = _layout(data)["strings"]
    if strings >= len(data):
        return truncate(rng, data)
    for index in range(strings, len(data)):
        if data[index] == 0 and rng.random() < 0.7:
            data[index] = ord("A")
    data[-1] = ord("Z")
    return "strings without NUL"


# --- structured mutations: the file stays consistent --------------------------------------------

def _random_word(rng: random.Random, parts: ModuleParts) -> tuple[str, int]:
    """A sensitive place or any word of the image."""
    if rng.random() < 0.5:
        return rng.choice(sensitive_places(parts) or [("word 0", 0)])
    offset = rng.randrange(max(1, parts.image_size - 3))
    return f"offset {offset:#x}", offset


def _new_import(rng: random.Random, parts: ModuleParts) -> tuple[bytes, list[int]]:
    name = rng.choice([*firmware_names(), UNKNOWN_NAME,
                       *(parts.name_at(entry[2]) for entry in parts.imports)])
    _, slot = rng.choice(slot_places(parts))
    return name, [name_hash(name.decode()), slot, parts.name_offset(name)]


def _new_export(rng: random.Random, parts: ModuleParts) -> tuple[bytes, list[int]]:
    names = [NEW_EXPORT_NAME] + [parts.name_at(entry[2]) for entry in parts.exports]
    name = rng.choice(names)
    _, value = rng.choice(sensitive_places(parts) or [("word 0", 0)])
    return name, [name_hash(name.decode()), value | 1, parts.name_offset(name)]


def _add_firmware_import(rng: random.Random, parts: ModuleParts) -> str:
    """For a table that is empty: an import of a firmware name."""
    name, entry = _new_import(rng, parts)
    parts.imports.append(entry)
    return f"add import {name.decode()} at {entry[1]:#x}"


def add_entry(rng: random.Random, data: bytearray) -> str:
    """A fix-up, import or export more, its count raised (the strings grown for a new name)."""
    def edit(parts: ModuleParts) -> str:
        table = rng.choice(["fixup", "import", "export"])
        if table == "fixup":
            what, offset = _random_word(rng, parts)
            parts.fixups.insert(rng.randint(0, len(parts.fixups)), offset | FIXUP_ABS32)
            return f"add a fix-up at {what} (fixup_count {len(parts.fixups)})"
        entries = parts.imports if table == "import" else parts.exports
        name, entry = (_new_import if table == "import" else _new_export)(rng, parts)
        entries.insert(rng.randint(0, len(entries)), entry)
        return f"add {table} {name.decode()} at {entry[1]:#x} ({table}_count {len(entries)})"
    return _edit_parts(data, edit)


def remove_entry(rng: random.Random, data: bytearray) -> str:
    """A fix-up, import or export fewer, its count lowered (its name stays in the strings)."""
    def edit(parts: ModuleParts) -> str:
        tables = [(name, table) for name, table in
                  (("fixup", parts.fixups), ("import", parts.imports), ("export", parts.exports))
                  if table]
        if not tables:
            return "nothing to remove"
        name, table = rng.choice(tables)
        index = rng.randrange(len(table))
        del table[index]
        return f"remove {name} {index} ({name}_count {len(table)})"
    return _edit_parts(data, edit)


def duplicate_name(rng: random.Random, data: bytearray) -> str:
    """Two entries of one name: an import twice (another slot), an export twice (another value,
    first in the table), or an import's name offset moved onto another import's name."""
    def edit(parts: ModuleParts) -> str:
        choice = rng.choice(["import", "export", "rename"])
        if choice == "rename" and len(parts.imports) >= 2:
            first, second = rng.sample(range(len(parts.imports)), 2)
            parts.imports[first][2] = parts.imports[second][2]
            return f"import {first} renamed to import {second}'s name (hash kept)"
        choice = "import" if choice == "rename" else choice
        entries = parts.imports if choice == "import" else parts.exports
        if not entries:
            return _add_firmware_import(rng, parts)
        index = rng.randrange(len(entries))
        twin = list(entries[index])
        twin[1] = rng.choice(slot_places(parts))[1] if choice == "import" else \
            rng.choice(sensitive_places(parts) or [("", 0)])[1] | 1
        entries.insert(index, twin)
        return f"{choice} {index} duplicated at {twin[1]:#x}, the copy first"
    return _edit_parts(data, edit)


def rehash(rng: random.Random, data: bytearray) -> str:
    """An import's or export's hash changed, its name not: another name's hash, a flipped bit,
    or zero."""
    def edit(parts: ModuleParts) -> str:
        tables = [(n, t) for n, t in (("import", parts.imports), ("export", parts.exports)) if t]
        if not tables:
            return _add_firmware_import(rng, parts)
        which, table = rng.choice(tables)
        index = rng.randrange(len(table))
        other = rng.choice(firmware_names())
        table[index][0] = rng.choice([name_hash(other.decode()),
                                      table[index][0] ^ 1 << rng.randrange(32), 0])
        return f"{which} {index} hash = {table[index][0]:#010x}, name kept"
    return _edit_parts(data, edit)


def move_init(rng: random.Random, data: bytearray) -> str:
    """The constructor list moved over real code: the entry's instructions, an import slot, a
    veneer, the last words of text, or one word past its end."""
    def edit(parts: ModuleParts) -> str:
        header, text = parts.header, parts.text_size
        choices = [("entry code", (header["entry"] & ~1) & ~3, rng.randint(1, 2)),
                   ("end of text", text - 4 * min(2, text // 4), min(2, text // 4)),
                   ("one past the list", header["init_offset"], header["init_count"] + 1)]
        choices += [(f"import slot {i}", slot, 1) for i, (_, slot, _) in enumerate(parts.imports)]
        choices += [(f"veneer {i}", slot - 4, 1) for i, (_, slot, _) in enumerate(parts.imports)]
        what, offset, count = rng.choice(choices)
        offset = max(0, offset)
        header["init_offset"] = offset
        header["init_count"] = max(0, min(count, (text - offset) // 4))
        return f"constructors over {what}: init_offset {offset:#x}, init_count " \
               f"{header['init_count']}"
    return _edit_parts(data, edit)


def move_entry(rng: random.Random, data: bytearray) -> str:
    """The entry moved onto another export, a veneer, or into its own instructions."""
    def edit(parts: ModuleParts) -> str:
        entry = parts.header["entry"]
        choices = [("entry+2", entry + 2), ("entry+4", entry + 4)]
        choices += [(f"export {i}", value | 1) for i, (_, value, _) in enumerate(parts.exports)
                    if (value & ~1) < parts.text_size]
        choices += [(f"veneer {i}", (slot - 4) | 1) for i, (_, slot, _) in
                    enumerate(parts.imports)]
        what, value = rng.choice(choices)
        parts.header["entry"] = value if (value & ~1) < parts.text_size else entry
        return f"entry moved to {what} ({parts.header['entry']:#x})"
    return _edit_parts(data, edit)


# --- aimed mutations ------------------------------------------------------------------------------

def aim_fixups(rng: random.Random, data: bytearray) -> str:
    """A fix-up (an existing one moved, or one more) aimed at a sensitive in-range place."""
    def edit(parts: ModuleParts) -> str:
        places = sensitive_places(parts)
        if not places:
            return "no place to aim at"
        what, offset = rng.choice(places)
        if parts.fixups and rng.random() < 0.5:
            index = rng.randrange(len(parts.fixups))
            parts.fixups[index] = offset | FIXUP_ABS32
            return f"fixup {index} moved to {what} ({offset:#x})"
        parts.fixups.insert(rng.randint(0, len(parts.fixups)), offset | FIXUP_ABS32)
        return f"add a fix-up at {what} ({offset:#x}, fixup_count {len(parts.fixups)})"
    return _edit_parts(data, edit)


def aim_slots(rng: random.Random, data: bytearray) -> str:
    """An import slot (an existing import's moved, or a new import's) aimed at a sensitive
    in-range place: another import's slot, a veneer, the constructors, the entry's code."""
    def edit(parts: ModuleParts) -> str:
        what, offset = rng.choice(slot_places(parts))
        if parts.imports and rng.random() < 0.5:
            index = rng.randrange(len(parts.imports))
            parts.imports[index][1] = offset
            return f"import {index}'s slot moved to {what} ({offset:#x})"
        name, entry = _new_import(rng, parts)
        entry[1] = offset
        parts.imports.insert(rng.randint(0, len(parts.imports)), entry)
        return f"add import {name.decode()} with its slot at {what} ({offset:#x}, " \
               f"import_count {len(parts.imports)})"
    return _edit_parts(data, edit)


MUTATORS: list[Callable[[random.Random, bytearray], str]] = [
    flip_bits, truncate, edit_header, past_the_end, fixups_outside, bloat_imports,
    unterminate_strings,
    add_entry, remove_entry, duplicate_name, rehash, move_init, move_entry,
    aim_fixups, aim_slots]
FAMILIES = tuple(mutator.__name__ for mutator in MUTATORS)
# The mutators whose files stay consistent: every count matches its table.
CONSISTENT = (add_entry, remove_entry, duplicate_name, rehash, move_init, move_entry,
              aim_fixups, aim_slots)
