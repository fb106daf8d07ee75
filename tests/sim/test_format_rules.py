"""FORMAT.md's "Rules the loader enforces" against the host oracle and the loader. The rule
table is read from FORMAT.md itself, so the document and the test cannot drift: every rule has
a crafted file here (a real module, packed by the test, with one field changed and its CRC
made right again, unless the CRC is the point) or says why a file cannot show it, and the
error each gives is the one FORMAT.md states. The oracle (sim/oracle.py) must predict that
error for every file; on one board, the loader must give it, all files in one boot."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Callable

import pytest

from sim import FIRMWARE_DIR
from sim.boards import Board, board_names
from sim.cores import CORE_FACTS, CORE_TABLE, FLOAT_ABI_CODES, FPU_CODES
from sim.exports import load_api
from sim.jobs import LOADER_ERRORS, Expectation, Job
from sim.modbuild import ModuleImage, build_module
from sim.module_format import FIELD_OFFSETS, HEADER_SIZE, ModuleHeader, field_format, with_crc
from sim.modules import Module
from sim.build import FirmwareImage
from sim.oracle import FirmwareExports, Running, predict_job_error, predict_link_error
from sim.runner import RunSettings, run_batch
from sim.target import Target

FORMAT_MD = FIRMWARE_DIR / "loader" / "FORMAT.md"
_RULE_ROW = re.compile(r"^\| `(?P<rule>[a-z_.]+)` \| (?P<stage>\w+) \| .* \| `(?P<error>\w+)` \|$",
                       re.MULTILINE)


def format_rules() -> dict[str, tuple[str, str]]:
    """FORMAT.md's rule table: rule -> (stage, error), in the document's order."""
    section = FORMAT_MD.read_text().split("## Rules the loader enforces", 1)[-1]
    return {m["rule"]: (m["stage"], m["error"]) for m in _RULE_ROW.finditer(section)}


# Rules no module file alone can break, and where they are shown instead.
NOT_BY_A_FILE = {
    "file.read": "the source failing after the header (a semihosting read error), not a file",
    "link.float_abi": "a resident library's header: test_the_oracle_predicts_a_float_abi_unlike"
                      "_a_residents here, and on every board with an FPU tests/sim/"
                      "test_loader_rejects.py",
    "init.returned": "a constructor's run (the reference firmware reports the constructor's "
                     "fault or timeout instead): modules/constructor_faults",
}
# The entry every row's job asks for unless the row says otherwise; find.entry asks for this.
NOT_EXPORTED = "no_module_exports_this_name"

Edit = Callable[[bytes], bytes]


def put(field: str, value: Callable[[ModuleHeader], int]) -> Edit:
    """Set one header field to value(header), CRC made right (the rule under test refuses it)."""
    def edit(original: bytes) -> bytes:
        data = bytearray(original)
        struct.pack_into(field_format(field), data, FIELD_OFFSETS[field],
                         value(ModuleHeader.unpack(original)))
        return with_crc(data)
    return edit


def _tables_at(h: ModuleHeader) -> int:
    return HEADER_SIZE + h.text_size + h.data_size


def put_word(where: Callable[[ModuleHeader], int], value: Callable[[ModuleHeader, int], int]) -> Edit:
    """Set one u32 of the tables (at where(header), from the file's start) to value(header,
    old word), CRC made right."""
    def edit(original: bytes) -> bytes:
        data = bytearray(original)
        h = ModuleHeader.unpack(original)
        (old,) = struct.unpack_from("<I", data, where(h))
        struct.pack_into("<I", data, where(h), value(h, old) & 0xFFFFFFFF)
        return with_crc(data)
    return edit


def first_fixup(h: ModuleHeader) -> int:
    return _tables_at(h)


def import_field(index: int, field: int) -> Callable[[ModuleHeader], int]:
    """The u32 `field` (0 hash, 1 slot, 2 name) of import `index`."""
    return lambda h: _tables_at(h) + 4 * h.fixup_count + 12 * index + 4 * field


def first_export_field(field: int) -> Callable[[ModuleHeader], int]:
    return lambda h: _tables_at(h) + 4 * h.fixup_count + 12 * h.import_count + 4 * field


def last_string_byte(original: bytes) -> bytes:
    data = bytearray(original)
    data[-1] = ord("x")
    return with_crc(data)


def flip_image_byte(original: bytes) -> bytes:
    data = bytearray(original)
    data[HEADER_SIZE] ^= 0xFF
    return bytes(data)


def running_for(board: Board) -> Running:
    return Running(CORE_FACTS[board.cpu.core].code, FPU_CODES[board.cpu.fpu], load_api().major,
                   board.module_arena_bytes)


def beyond(codes: list[int], running: int) -> int | None:
    """The lowest known code above the running one, None if there is none."""
    return min((code for code in codes if code > running), default=None)


def first_constructor(h: ModuleHeader) -> int:
    return HEADER_SIZE + h.init_offset


def crafted_rows(board: Board) -> dict[str, Edit | None]:
    """Rule -> the edit that breaks only it (None: this board cannot show it). find.entry's
    file is the base file itself: its job asks for NOT_EXPORTED."""
    core_above = beyond([core.code for core in CORE_TABLE], CORE_FACTS[board.cpu.core].code)
    fpu_above = beyond(list(FPU_CODES.values()), FPU_CODES[board.cpu.fpu])
    known_cores = {core.code for core in CORE_TABLE}
    return {
        "file.short": lambda d: d[:HEADER_SIZE - 1],
        "header.magic": put("magic", lambda h: h.magic ^ 0xFF000000),
        "header.version": put("format_version", lambda h: h.format_version + 1),
        "header.size": put("header_size", lambda h: HEADER_SIZE + 4),
        "header.reserved": put("reserved1", lambda h: 1),
        "sizes.aligned": put("bss_size", lambda h: h.bss_size + 2),  # bss is not in the file
        "sizes.cap": put("bss_size", lambda h: 1 << 24),
        "file.length.short": lambda d: with_crc(bytearray(d[:-4])),
        "file.length.long": lambda d: with_crc(bytearray(d + bytes(4))),
        "arch.known": put("arch_core", lambda h: min(set(range(256)) - known_cores)),
        "arch.core": None if core_above is None else put("arch_core", lambda h: core_above),
        "arch.fpu": None if fpu_above is None else put("arch_fpu", lambda h: fpu_above),
        "api.major": put("api_major", lambda h: h.api_major + 1),
        "entry.thumb": put("entry", lambda h: h.entry & ~1),
        "entry.text": put("entry", lambda h: h.text_size | 1),
        "init.aligned": put("init_offset", lambda h: h.init_offset + 2),
        "init.text": put("init_count", lambda h: (h.text_size - h.init_offset) // 4 + 1),
        "arena.room": put("bss_size", lambda h: (1 << 24) - 4),
        "crc": flip_image_byte,
        "strings.terminated": last_string_byte,
        "fixup.kind": put_word(first_fixup, lambda h, word: word & 0x0FFFFFFF | 5 << 28),
        "fixup.image": put_word(first_fixup, lambda h, word: h.text_size + h.data_size - 3),
        "fixup.straddle": put_word(first_fixup, lambda h, word: h.text_size - 2),
        "import.slot.aligned": put_word(import_field(0, 1), lambda h, slot: slot + 2),
        "import.slot.text": put_word(import_field(0, 1), lambda h, slot: h.text_size),
        "import.slot.ascending": put_word(import_field(1, 1), lambda h, slot: 0),  # below the first's
        "import.name": put_word(import_field(0, 2), lambda h, name: h.strings_size),
        "export.value": put_word(first_export_field(1),
                                 lambda h, value: (h.text_size + h.data_size + h.bss_size) | 1),
        "export.name": put_word(first_export_field(2), lambda h, name: h.strings_size),
        "link.resolve": put_word(import_field(0, 0), lambda h, hash_: hash_ ^ 1),
        "find.entry": lambda d: d,
        "init.pointer": put_word(first_constructor, lambda h, word: 0),  # text's start, no Thumb bit
    }


def _richest_module(board: Board, catalogue: dict[str, Module],
                    build_dir: Path) -> tuple[Module, ModuleImage]:
    """The first catalogue module by name, without dependencies, whose file on this board has
    every table a row edits: two imports (slots ascending), a fix-up, an export, a
    constructor."""
    for name in sorted(catalogue):
        module = catalogue[name]
        if module.depends:
            continue
        try:
            image = build_module(board, module, build_dir)
        except Exception:  # a module that does not build here is no base for these rows
            continue
        h = ModuleHeader.unpack(image.file.read_bytes())
        if min(h.import_count - 1, h.fixup_count, h.export_count, h.init_count) >= 1:
            return module, image
    pytest.skip(f"no catalogue module on {board.name} has two imports, a fix-up, an export "
                "and a constructor")


def test_format_md_has_a_rule_table_of_known_errors() -> None:
    rules = format_rules()
    assert len(rules) >= 30, "FORMAT.md's rule table was not found or lost rows"
    assert {error for _, error in rules.values()} <= set(LOADER_ERRORS)


def test_every_rule_has_a_crafted_file_or_a_reason(boards: dict[str, Board]) -> None:
    rules = format_rules()
    board = boards[sorted(boards)[0]]
    covered = set(crafted_rows(board)) | set(NOT_BY_A_FILE)
    assert set(rules) == covered, "FORMAT.md's rules and this test's rows differ"


def _entry(rule: str, module: Module) -> str:
    return NOT_EXPORTED if rule == "find.entry" else module.entry


def _crafted_files(board: Board, base: ModuleImage, out: Path) -> list[tuple[str, Path, str]]:
    """(rule, file, FORMAT.md's error) for every rule this board can show with a file."""
    rules = format_rules()
    original = base.file.read_bytes()
    files = []
    for rule, edit in crafted_rows(board).items():
        if edit is None:
            continue
        path = out / f"{rule}.cmod"
        path.write_bytes(edit(original))
        files.append((rule, path, rules[rule][1]))
    return files


@pytest.mark.parametrize("board_name", sorted(board_names()))
def test_the_oracle_predicts_the_error_format_md_gives(board_name: str, boards: dict[str, Board],
                                                       firmware: dict[str, FirmwareImage],
                                                       catalogue: dict[str, Module],
                                                       build_dir: Path, tmp_path: Path) -> None:
    board = boards[board_name]
    module, base = _richest_module(board, catalogue, build_dir)
    exports = FirmwareExports(firmware[board_name].elf)
    text_base = 0x20000000  # any 8-aligned place: no rule here depends on where text lands

    def predicted(rule: str, path: Path) -> str | None:
        data = path.read_bytes()
        text = ModuleHeader.unpack(data).text_size if len(data) >= HEADER_SIZE else 0
        return predict_job_error(data, running_for(board), exports, _entry(rule, module),
                                 text_base, text_base + (text + 7) // 8 * 8)

    assert predicted("the base file", base.file) is None, "the base file runs"
    wrong = [f"{rule}: FORMAT.md says {error}, the oracle {predicted(rule, path)}"
             for rule, path, error in _crafted_files(board, base, tmp_path)
             if predicted(rule, path) != error]
    assert wrong == []


def test_the_oracle_predicts_a_float_abi_unlike_a_residents() -> None:
    error = format_rules()["link.float_abi"][1]
    header = bytearray(HEADER_SIZE)
    soft, hard = bytearray(header), bytearray(header)
    struct.pack_into("<B", hard, FIELD_OFFSETS["arch_float_abi"], FLOAT_ABI_CODES["hard"])
    softfp = bytearray(header)
    struct.pack_into("<B", softfp, FIELD_OFFSETS["arch_float_abi"], FLOAT_ABI_CODES["softfp"])
    assert predict_link_error(bytes(hard), (bytes(soft),), {}) == error
    assert predict_link_error(bytes(soft), (bytes(softfp),), {}) is None  # they call alike
    assert predict_link_error(bytes(hard), (bytes(hard),), {"f": None}) == "unresolved"


@pytest.mark.qemu
def test_the_loader_gives_the_error_format_md_gives(boards: dict[str, Board],
                                                    targets: dict[str, Target],
                                                    catalogue: dict[str, Module],
                                                    build_dir: Path, tmp_path: Path) -> None:
    """On one board (the first by name), every crafted file in one boot, then the base file
    itself, which must still run as it does alone (a refusal leaks nothing)."""
    board = boards[sorted(boards)[0]]
    target = targets[board.name]
    module, base = _richest_module(board, catalogue, build_dir)
    jobs = [Job(rule, "module", str(path), module.args, Expectation("rejected", error=error),
                entry=_entry(rule, module))
            for rule, path, error in _crafted_files(board, base, tmp_path)]
    jobs.append(Job("the base file", "module", str(base.file), module.args,
                    module.expectation(board.name, board.capabilities), entry=module.entry))
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {r.module: r.mismatches for _, r in results if not r.ok} == {}
    assert {boot for boot, _ in results} == {1}, "a refusal must not end the boot"
