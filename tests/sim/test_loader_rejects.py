"""The loader validates before it trusts: hand-corrupted module files, each refused with its
error name, all in one boot, and a good module after them still loads (a refusal
leaks no arena memory)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable

import pytest

from sim.boards import Board, board_names
from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import Module, load_order
from sim.cores import CORE_FACTS, CORE_TABLE, FLOAT_ABI_CODES, FPU_CODES
from sim.module_format import FIELD_OFFSETS, HEADER_SIZE, ModuleHeader, field_format, with_crc
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu

def put(field: str, value: int) -> Callable[[bytes], bytes]:
    """Set one header field (sim/module_format.py names them). Edits recompute the CRC
    (with_crc), so the check under test is the one that refuses the file."""
    def edit(original: bytes) -> bytes:
        data = bytearray(original)
        struct.pack_into(field_format(field), data, FIELD_OFFSETS[field], value)
        return with_crc(data)
    return edit


def first_fixup(kind: int, offset: int | None = None) -> Callable[[bytes], bytes]:
    """Rewrite the first fix-up word (they follow the header and the image)."""
    def edit(original: bytes) -> bytes:
        data = bytearray(original)
        header = ModuleHeader.unpack(data)
        at = HEADER_SIZE + header.text_size + header.data_size
        (word,) = struct.unpack_from("<I", data, at)
        struct.pack_into("<I", data, at, (offset if offset is not None else word & 0x0FFFFFFF)
                         | kind << 28)
        return with_crc(data)
    return edit


def flip_image_byte(original: bytes) -> bytes:
    data = bytearray(original)
    data[60] ^= 0xFF
    return bytes(data)


# (name, module the file starts from, edit, expected error)
CASES = [
    ("empty file", "entry_not_first", lambda d: b"", "truncated"),
    ("bad magic", "entry_not_first", lambda d: b"XMOD" + d[4:], "bad_magic"),
    ("format version 2", "entry_not_first", put("format_version", 2), "bad_version"),
    ("newer API major", "entry_not_first", put("api_major", 2), "bad_version"),
    ("header size 60", "entry_not_first", put("header_size", 60), "bad_header"),
    ("cut short", "entry_not_first", lambda d: d[:-4], "truncated"),
    ("trailing bytes", "entry_not_first", lambda d: d + b"\0\0\0\0", "bad_header"),
    ("entry without Thumb bit", "entry_not_first", put("entry", 4), "bad_header"),
    ("constructors past text", "entry_not_first", put("init_count", 200), "bad_header"),
    ("image byte flipped", "entry_not_first", flip_image_byte, "bad_crc"),
    ("1 MiB of bss", "entry_not_first", put("bss_size", 1 << 20), "no_memory"),
    ("unknown fix-up kind", "data_and_bss", first_fixup(kind=5), "bad_reloc"),
    ("fix-up past the image", "data_and_bss", first_fixup(kind=0, offset=0x0FFFFFF0), "bad_reloc"),
]


BOARDS = sorted(board_names())


@pytest.mark.parametrize("board", BOARDS)
def test_corrupt_files_are_refused_by_name(board: str, targets: dict[str, Target],
                                           catalogue: dict[str, Module], build_dir: Path,
                                           tmp_path: Path) -> None:
    target = targets[board]
    images = {name: build_module(target.board, catalogue[name], build_dir)
              for name in ("entry_not_first", "data_and_bss")}
    jobs = []
    for index, (case, base, edit, error) in enumerate(CASES):
        path = tmp_path / f"case{index}.cmod"
        path.write_bytes(edit(images[base].file.read_bytes()))
        jobs.append(Job(case, "module", str(path), (5, 3), Expectation("rejected", error=error),
                        entry="addition"))
    good = images["entry_not_first"]
    jobs.append(Job("no such entry", "module", str(good.file), (), Expectation(
        "rejected", error="no_entry"), entry="subtraction"))
    jobs.append(Job("good after all that", "module", str(good.file), (5, 3),
                    Expectation(return_value=11), entry="addition"))
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    missed = {r.module: r.mismatches for _, r in results if not r.ok}
    assert not missed
    assert {boot for boot, _ in results} == {1}, "a refusal must not end the boot"


def _newest_core_beyond(board: Board) -> str | None:
    """The newest core whose code this board cannot run (core codes grow with what a core
    runs), or None on a board of the newest core."""
    newest = max(CORE_TABLE, key=lambda core: core.code)
    return newest.name if newest.code > CORE_FACTS[board.cpu.core].code else None


def _widest_fpu_beyond(board: Board) -> str | None:
    """The widest FPU this board lacks, or None on a board with the widest."""
    widest = max(FPU_CODES, key=FPU_CODES.get)
    return widest if FPU_CODES[widest] > FPU_CODES[board.cpu.fpu] else None


@pytest.mark.parametrize("field", ["core", "fpu"])
@pytest.mark.parametrize("board", BOARDS)
def test_code_for_more_than_the_board_has_is_refused(board: str, field: str,
                                                     targets: dict[str, Target],
                                                     catalogue: dict[str, Module],
                                                     build_dir: Path, tmp_path: Path) -> None:
    """A header that asks for a newer core or a wider FPU than the board's is bad_arch, and the
    boot goes on. Which core and FPU that is follows the board."""
    target = targets[board]
    if field == "core":
        beyond, header_field = _newest_core_beyond(target.board), "arch_core"
        codes = {core.name: core.code for core in CORE_TABLE}
        lacking = f"{board} has the newest core a header can name"
    else:
        beyond, header_field, codes = _widest_fpu_beyond(target.board), "arch_fpu", FPU_CODES
        lacking = f"{board} has the widest FPU a header can name"
    if beyond is None:
        pytest.skip(f"{lacking} ({getattr(target.board.cpu, field)}): nothing beyond it to refuse")
    good = build_module(target.board, catalogue["entry_not_first"], build_dir)
    path = tmp_path / "beyond.cmod"
    path.write_bytes(put(header_field, codes[beyond])(good.file.read_bytes()))
    jobs = [Job(f"{beyond} code", "module", str(path), (5, 3),
                Expectation("rejected", error="bad_arch"), entry="addition"),
            Job("good after it", "module", str(good.file), (5, 3), Expectation(return_value=11),
                entry="addition")]
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {r.module: r.mismatches for _, r in results if not r.ok} == {}
    assert {boot for boot, _ in results} == {1}, "a refusal must not end the boot"


@pytest.mark.parametrize("board", BOARDS)
def test_a_float_abi_unlike_its_residents_is_refused(board: str, targets: dict[str, Target],
                                                     catalogue: dict[str, Module],
                                                     build_dir: Path, tmp_path: Path) -> None:
    """A module that passes floating-point arguments one way may not link against resident
    libraries that take them the other way (FORMAT.md, "Architecture"): bad_arch, with the
    reason in the run, and the boot goes on."""
    target = targets[board]
    if not target.board.cpu.has_fpu:
        pytest.skip(f"{board} has no FPU: every module file there is soft-float")
    module = catalogue["uses_resident_libraries"]
    everything = list(catalogue.values())
    deps = [build_module(target.board, d, build_dir) for d in load_order(module, everything)]
    assert deps, "uses_resident_libraries must have resident libraries"
    image = build_module(target.board, module, build_dir)
    other_abi = FLOAT_ABI_CODES["soft" if target.board.cpu.float_abi == "hard" else "hard"]
    path = tmp_path / "other_abi.cmod"
    path.write_bytes(put("arch_float_abi", other_abi)(image.file.read_bytes()))
    dep_files = tuple(str(d.file) for d in deps)
    jobs = [Job("other float ABI", "module", str(path), (),
                Expectation("rejected", error="bad_arch"), entry=module.entry, deps=dep_files),
            Job("same float ABI", "module", str(image.file), (),
                module.expectation(board, target.board.capabilities),
                entry=module.entry, deps=dep_files)]
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {r.module: r.mismatches for _, r in results if not r.ok} == {}
    refused = results[0][1]
    assert refused.error_detail is not None and "float ABI" in refused.error_detail
    assert {boot for boot, _ in results} == {1}, "a refusal must not end the boot"
