"""The host oracle against the target: bound addresses and linked-image CRCs agree for the
catalogue, and a disagreement fails the run."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from sim.boards import board_names
from sim.exports import name_hash
from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import Module
from sim.oracle import ModuleFile, predict_bindings, predict_image_crc
from sim.protocol import JobTranscript, parse_record
from sim.results import RunResult
from sim.target import Target
from sim.linkcheck import compare_link

from .test_catalogue import run_module

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("board", sorted(board_names()))
@pytest.mark.parametrize("name", ["heap_malloc", "printf_formats", "function_pointer_tables",
                                  "missing_imports"])
def test_target_and_oracle_agree(name: str, board: str, targets: dict[str, Target],
                                 catalogue: dict[str, Module], build_dir: Path,
                                 tmp_path: Path) -> None:
    result = run_module(targets[board], catalogue[name], build_dir, tmp_path)
    assert result.ok, result.mismatches
    assert all(i["ok"] for i in result.imports)
    assert len(result.imports) == len(build_module(targets[board].board, catalogue[name],
                                                   build_dir).packed.imports)
    if result.status == "ok":
        assert result.image_crc is not None and result.image_crc["ok"]
        assert all(i["address"] & 1 for i in result.imports), "firmware calls need the Thumb bit"


def test_prediction_follows_the_format(board: str, targets: dict[str, Target],
                                       catalogue: dict[str, Module], build_dir: Path) -> None:
    """Recompute the CRC by hand from the packer's own record of the module."""
    target = targets[board]
    image = build_module(target.board, catalogue["heap_malloc"], build_dir)
    module = ModuleFile.read(image.file)
    assert module.fixups == image.packed.fixups
    assert module.imports == tuple((name, slot, name_hash(name))
                                   for name, slot in image.packed.imports)
    bindings = predict_bindings(target.exports, module)
    malloc = next(f for f in target.elf.functions if f.name == "malloc")
    assert bindings["malloc"] == malloc.start | 1
    base, data_base = 0x20001000, 0x20001400
    text = image.packed.text_size
    linked = bytearray(image.file.read_bytes()[56:56 + len(module.image)])
    for offset in image.packed.fixups:
        (word,) = struct.unpack_from("<I", linked, offset)
        moved = word + base if word < text else word - text + data_base
        struct.pack_into("<I", linked, offset, moved)
    for name, slot in image.packed.imports:
        struct.pack_into("<I", linked, slot, bindings[name])
    assert predict_image_crc(module, base, data_base, bindings) == zlib.crc32(linked)


def _seen(job_id: str, lines: list[str]) -> JobTranscript:
    seen = JobTranscript(job_id, started=True)
    for line in lines:
        record = parse_record(line)
        if record.tag == "load":
            seen.module.load = record
        elif record.tag == "bind":
            seen.module.bindings[record.text("name")] = record.int("addr")
        elif record.tag == "linked":
            seen.module.linked = record
    return seen


def test_a_wrong_binding_or_crc_is_a_mismatch(board: str, targets: dict[str, Target],
                                              catalogue: dict[str, Module], build_dir: Path) -> None:
    target = targets[board]
    image = build_module(target.board, catalogue["tail_calls"], build_dir)
    job = Job("tail_calls", "module", str(image.file), (), Expectation())
    [(name, _)] = image.packed.imports
    right = target.exports.addresses[name]
    seen = _seen("0", ["@load id=0 base=0x20000a00 data=0x20000c00 bytes=512",
                       f"@bind id=0 name={name} addr={right + 4:#010x}",
                       "@linked id=0 crc=0x12345678"])
    result = RunResult(board, "tail_calls", 1, "ok", True, {})
    compare_link(result, job, seen, target)
    assert result.imports == [{"name": name, "address": right + 4, "expected": right, "ok": False}]
    assert result.link_mismatches[0] == (f"import {name}: target bound {right + 4:#010x}, host "
                                         f"expected {right:#010x}")
    assert result.link_mismatches[1].startswith("image CRC: target 0x12345678, host expected ")
