"""The firmware's export table as linked: every API name, sorted by hash, pointing at the
function of that name; and a table that fails its checksum refuses every module."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from sim.boards import board_names
from sim.build import FirmwareImage
from sim.exports import ENTRIES_SYMBOL, load_api, name_hash
from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import Module
from sim.target import Target
from sim.runner import RunSettings, run_batch

from .helpers import boot

pytestmark = pytest.mark.qemu


def _entries_offset(elf: Path) -> tuple[int, int]:
    """File offset and size of the export entries array."""
    with open(elf, "rb") as handle:
        image = ELFFile(handle)
        [symbol] = image.get_section_by_name(".symtab").get_symbol_by_name(ENTRIES_SYMBOL)
        section = image.get_section(symbol["st_shndx"])
        return section["sh_offset"] + symbol["st_value"] - section["sh_addr"], symbol["st_size"]


def _function_addresses(elf: Path) -> dict[str, int]:
    with open(elf, "rb") as handle:
        table = ELFFile(handle).get_section_by_name(".symtab")
        return {s.name: s["st_value"] for s in table.iter_symbols()
                if s["st_info"]["type"] == "STT_FUNC"}


@pytest.mark.parametrize("board", sorted(board_names()))
def test_table_holds_the_api_sorted_by_hash(board: str, targets: dict[str, Target]) -> None:
    elf = targets[board].image.elf
    offset, size = _entries_offset(elf)
    raw = elf.read_bytes()
    entries = [struct.unpack_from("<III", raw, offset + 12 * i) for i in range(size // 12)]
    hashes = [h for h, _, _ in entries]
    assert hashes == sorted(hashes) and len(entries) == len(load_api().names_for(board))
    functions = _function_addresses(elf)
    for name in load_api().names_for(board):
        assert (name_hash(name), functions[name]) in {(h, a) for h, _, a in entries}, name
        assert functions[name] & 1, f"{name} must be called in Thumb state"


def test_a_corrupt_table_fails_closed(board: str, targets: dict[str, Target],
                                      catalogue: dict[str, Module], build_dir: Path,
                                      tmp_path: Path) -> None:
    good = targets[board]
    offset, _ = _entries_offset(good.image.elf)
    data = bytearray(good.image.elf.read_bytes())
    data[offset + 8] ^= 0x10  # the first entry's address
    elf = tmp_path / "firmware.elf"
    elf.write_bytes(data)
    target = Target(good.board, FirmwareImage(good.board.name, elf, elf.with_suffix(".map")))
    assert boot(target, tmp_path / "boot", "").transcript.boot.text("exports") == "bad"
    image = build_module(good.board, catalogue["entry_not_first"], build_dir)
    job = Job("entry_not_first", "module", str(image.file), (5, 3),
              Expectation("rejected", error="bad_exports"), entry="addition")
    [(_, result)] = run_batch(target, [job], tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert result.ok, result.mismatches
