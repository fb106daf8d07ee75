"""Cache maintenance for loaded code: on a Cortex-M7 the firmware turns its caches on at reset,
and the loader's sync_code hook cleans the D-cache and invalidates the I-cache over exactly the
text of every module it links (firmware/src/cache.c). QEMU does not model the caches, so what
is checked is what the target says it did: @boot's `caches` and @linked's `cache_lines`, against
the line count the module's load address and text size call for."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import Board
from sim.jobs import batch_job_id
from sim.modbuild import build_module
from sim.modules import Module, load_order
from sim.oracle import ModuleFile
from sim.plan import module_job
from sim.protocol import parse_record
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu

# The Cortex-M7's cache line (firmware/src/cache.h, CACHE_LINE_BYTES; the Cortex-M7 TRM).
CORTEX_M7_LINE_BYTES = 32
# Text of a few bytes up to several KiB, and a job with resident libraries (a link each). Today
# data_and_bss's text ends on a line boundary and bench_fixups's 4 bytes past one, so a range a
# few bytes too long or too short changes their counts.
MODULES = ("counted_loop", "data_and_bss", "bench_fixups", "aes128_fips197",
           "uses_resident_libraries")


def _lines_over(base: int, text_bytes: int) -> int:
    """Cache lines [base, base + text_bytes) touches."""
    first = base - base % CORTEX_M7_LINE_BYTES
    return -(-(base + text_bytes - first) // CORTEX_M7_LINE_BYTES)


def _boot_records(target: Target, catalogue: dict[str, Module], build_dir: Path,
                  out: Path) -> tuple[list, dict[tuple[str, str], int]]:
    """Run MODULES in one boot: (its console's records, text bytes by (job id, dep))."""
    jobs, text = [], {}
    for index, name in enumerate(MODULES):
        module = catalogue[name]
        deps = [build_module(target.board, d, build_dir)
                for d in load_order(module, list(catalogue.values()))]
        image = build_module(target.board, module, build_dir)
        jobs.append(module_job(module, target.board, image, deps))
        for dep, dep_image in enumerate(deps):
            text[(batch_job_id(index), str(dep))] = ModuleFile.read(dep_image.file).text_size
        text[(batch_job_id(index), "-")] = ModuleFile.read(image.file).text_size
    results = run_batch(target, jobs, out / "logs", RunSettings(out_dir=out))
    assert [(boot, r.ok) for boot, r in results] == [(1, True)] * len(MODULES)
    console = (out / "logs" / "boot1" / "console.log").read_text().splitlines()
    return [parse_record(line) for line in console if line.startswith("@")], text


def test_the_loader_maintains_the_caches_over_each_modules_text(
        cortex_m7_board: Board, targets: dict[str, Target], catalogue: dict[str, Module],
        build_dir: Path, tmp_path: Path) -> None:
    records, text = _boot_records(targets[cortex_m7_board.name], catalogue, build_dir, tmp_path)
    assert next(r for r in records if r.tag == "boot").fields["caches"] == "1"
    bases = {(r.fields["id"], r.fields.get("dep", "-")): int(r.fields["base"], 16)
             for r in records if r.tag == "load"}
    linked = {(r.fields["id"], r.fields.get("dep", "-")): int(r.fields["cache_lines"])
              for r in records if r.tag == "linked"}
    assert set(linked) == set(text), "one @linked per module linked, dependencies included"
    expected = {key: _lines_over(bases[key], text[key]) for key in text}
    assert linked == expected
    assert max(linked.values()) > 32, "aes128_fips197: over a KiB of text, many lines"


def test_no_cache_work_where_there_are_no_caches(cortex_m3_board: Board,
                                                  targets: dict[str, Target],
                                                  catalogue: dict[str, Module], build_dir: Path,
                                                  tmp_path: Path) -> None:
    """The Cortex-M3 has no cache: no hook, no count, the loader's barriers alone."""
    records, _ = _boot_records(targets[cortex_m3_board.name], catalogue, build_dir, tmp_path)
    assert next(r for r in records if r.tag == "boot").fields["caches"] == "0"
    linked = [r for r in records if r.tag == "linked"]
    assert linked and all("cache_lines" not in r.fields for r in linked)
