"""PMSAv8 (ARMv8-M Mainline, firmware/src/mpu_pmsav8.c): a module's code region ends at the
first 32-byte boundary after its text, where PMSAv7's ends at a subregion (512 B to 8 KiB) and
a read past the text lands in the module's own padding. On every board whose core has a PMSAv8
MPU (sim/cores.py), the byte just past the code's 32-byte granule is out of the module's reach
and the byte before it is not; without such a board the tests are skipped, naming why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim.boards import Board
from sim.cores import CORE_FACTS
from sim.elfinfo import ElfInfo
from sim.modbuild import build_module
from sim.modules import load_module
from sim.plan import module_job
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu

PMSAV8_GRANULE = 32  # ARMv8-M ARM: MPU_RBAR.BASE and MPU_RLAR.LIMIT are in 32-byte units

# Reads the byte `offset` bytes after its own entry: the test picks the offsets from the ELF.
READER_SOURCE = """\
#include <stdint.h>

int module_main(int offset)
{
    const volatile uint8_t *entry =
        (const volatile uint8_t *)((uintptr_t)&module_main & ~(uintptr_t)1u);
    return entry[offset];
}
"""
READER_TOML = """\
description = "reads one byte at an offset from its own entry (tests/sim/test_pmsav8.py)"

[expect]
status = "ok"
"""


def pmsav8_boards(boards: dict[str, Board]) -> list[Board]:
    found = [b for _, b in sorted(boards.items()) if CORE_FACTS[b.cpu.core].mpu == "pmsav8"]
    if not found:
        pytest.skip("no board in boards/ has a core with a PMSAv8 MPU (sim/cores.py)")
    return found


def _reader(folder: Path, boards: dict[str, Board]):
    module_dir = folder / "reads_own_code"
    module_dir.mkdir(parents=True)
    (module_dir / "reads_own_code.c").write_text(READER_SOURCE)
    (module_dir / "module.toml").write_text(READER_TOML)
    return load_module(module_dir, set(boards))


def test_a_read_one_byte_past_the_code_granule_faults(boards: dict[str, Board],
                                                      targets: dict[str, Target],
                                                      build_dir: Path, tmp_path: Path) -> None:
    module = _reader(tmp_path / "modules", boards)
    for board in pmsav8_boards(boards):
        image = build_module(board, module, build_dir)
        entry = next(f.start for f in ElfInfo(image.elf).functions if f.name == "module_main")
        text = image.sizes()["text"]
        granule_end = -(-text // PMSAV8_GRANULE) * PMSAV8_GRANULE
        offsets = (granule_end - 1 - entry, granule_end - entry)
        job = module_job(module, board, image)
        jobs = [dataclasses.replace(job, args=(offset,)) for offset in offsets]
        results = run_batch(targets[board.name], jobs, tmp_path / board.name,
                            RunSettings(out_dir=tmp_path))
        (_, inside), (_, past) = results
        assert inside.status == "ok", (board.name, inside.status, inside.fault)
        assert past.status == "fault" and past.fault is not None, (board.name, past.status)
        assert past.fault.name == "MemManage.DACCVIOL", (board.name, past.fault.name)
        # The address refused is the first byte past the granule: the module's entry as it ran
        # (the faulting pc less its offset in module_main), plus the offset it read.
        symbol, _, pc_offset = (past.fault.symbol or "").partition("+")
        assert symbol == "module_main", past.fault.symbol
        entry_at_run = past.fault.pc - int(pc_offset or "0", 16)
        assert past.fault.address == entry_at_run + granule_end - entry
        assert past.fault.address % PMSAV8_GRANULE == 0
