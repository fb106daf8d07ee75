"""The fuzzer on the real firmware: a small run per board, as CI does on every commit, with no
escape; the same seed gives the same inputs and the same results, serial or parallel; the
mutations that must keep a file consistent do; and the loader's known gaps are each either
refused by the target or reported by the fuzzer."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.boards import Board, load_boards
from sim.fuzz import (FUZZ_BUDGET_INSTRUCTIONS, Mutant, Seed, catalogue_seeds, fuzz_jobs,
                      load_mutants, mutants, pick_known_good)
from sim.modules import Module
from sim.mutate import CONSISTENT, FAMILIES, ModuleParts, aim_fixups, aim_slots, \
    sensitive_places, slot_places
from sim.module_format import HEADER, with_crc
from sim.target import Target
from sim.timing import instructions_to_ticks

pytestmark = pytest.mark.qemu

BOARDS = sorted(board.name for board in load_boards())
FUZZ_COUNT = 300   # mutants per board; each is followed by a run of the known-good module
FUZZ_SEED = 11
TIMING_KEYS = ("seconds", "loads_per_minute")


@dataclass(frozen=True)
class FuzzRun:
    returncode: int
    output: str
    summary: dict
    out: Path


def fuzz(board: str, build_dir: Path, out: Path, jobs: int = 2) -> FuzzRun:
    done = subprocess.run([sys.executable, "-m", "sim", "fuzz", "--board", board,
                           "--count", str(FUZZ_COUNT), "--seed", str(FUZZ_SEED), "--out", str(out),
                           "--build-dir", str(build_dir), "-j", str(jobs)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    summary = json.loads((out / "fuzz.json").read_text()) if done.returncode in (0, 1) else {}
    return FuzzRun(done.returncode, done.stdout + done.stderr, summary, out)


@pytest.fixture(scope="module", params=BOARDS)
def fuzz_run(request: pytest.FixtureRequest, firmware: dict, build_dir: Path,
             tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    """One fuzz run per board, shared by the tests that read it."""
    return fuzz(request.param, build_dir, tmp_path_factory.mktemp(f"fuzz-{request.param}"))


@pytest.fixture(scope="module")
def seeds(build_dir: Path) -> dict[str, dict[str, Seed]]:
    """Every board's seeds, by board."""
    return {board.name: catalogue_seeds(board, build_dir) for board in load_boards()}


def test_a_fuzz_run_accounts_for_every_mutant(fuzz_run: FuzzRun, catalogue: dict[str, Module],
                                              boards: dict[str, Board]) -> None:
    assert fuzz_run.returncode == (1 if fuzz_run.summary.get("escapes") else 0), fuzz_run.output
    summary = fuzz_run.summary
    assert summary["runs"] == FUZZ_COUNT
    assert sum(summary[k] for k in ("ok", "rejected", "fault", "timeout")) + \
        sum(summary["escape_kinds"][k] for k in ("lockup", "hang", "reset", "error")) == FUZZ_COUNT
    assert summary["rejected"] > 0 and summary["ok"] > 0 and summary["fault"] > 0
    assert set(summary["families"]) == set(FAMILIES)
    assert all(counts["runs"] > 0 for counts in summary["families"].values())
    assert sum(counts["runs"] for counts in summary["families"].values()) == FUZZ_COUNT
    board = summary["board"]
    capabilities = boards[board].capabilities
    if any(m.depends and m.expectation(board, capabilities).status == "ok"
           for m in catalogue.values()):
        assert summary["files"]["dependency"]["runs"] > 0
    assert summary["known_good"]["runs"] == FUZZ_COUNT
    assert len(summary["escaped"]) == summary["escapes"]
    assert len(list((fuzz_run.out / "inputs").glob("*.cmod"))) == FUZZ_COUNT
    for example in summary["examples"]:
        assert Path(example["input"]).read_bytes() == \
            (fuzz_run.out / "inputs" / f"{example['number']:06d}.cmod").read_bytes()


# Without an MPU (capability mpu = "none") a mutant the loader accepts runs its code unconfined:
# it can damage the firmware (an error), lock the core up, reset or hang it (README.md, "What is
# contained on a part without an MPU"). There those outcomes are the part's, not the loader's;
# a file it should have refused (crc_ignored), the oracle and the next module still count.
UNCONFINED_KINDS = ("lockup", "hang", "reset", "error")


def test_no_mutant_escapes_the_loader_or_harms_the_next_module(
        fuzz_run: FuzzRun, boards: dict[str, Board]) -> None:
    """Every escape kind but the oracle's, which the next test covers."""
    unconfined = boards[fuzz_run.summary["board"]].capabilities["mpu"] == "none"
    excused = ("oracle", *(UNCONFINED_KINDS if unconfined else ()))
    kinds = {k: n for k, n in fuzz_run.summary["escape_kinds"].items() if n and k not in excused}
    assert not kinds, json.dumps(fuzz_run.summary["examples"], indent=1)
    for kind in excused[1:]:
        if fuzz_run.summary["escape_kinds"][kind]:
            warnings.warn(f"{fuzz_run.summary['board']}: {fuzz_run.summary['escape_kinds'][kind]} "
                          f"mutants' code ran unconfined ({kind}): no MPU")


def test_the_oracle_agrees_on_every_file_the_target_linked(fuzz_run: FuzzRun) -> None:
    assert fuzz_run.summary["escape_kinds"]["oracle"] == 0, \
        json.dumps(fuzz_run.summary["escaped"], indent=1)


def _without_timing(summary: dict) -> dict:
    kept = {k: v for k, v in summary.items() if k not in TIMING_KEYS}
    kept["examples"] = [{k: v for k, v in e.items() if k not in ("input", "files")}
                        for e in summary["examples"]]
    return kept


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.cmod"))}


def test_same_seed_same_inputs_and_results_serial_or_parallel(fuzz_run: FuzzRun,
                                                              build_dir: Path,
                                                              tmp_path: Path) -> None:
    again = fuzz(fuzz_run.summary["board"], build_dir, tmp_path / "again", jobs=1)
    assert _tree(again.out / "inputs") == _tree(fuzz_run.out / "inputs")
    assert _without_timing(again.summary) == _without_timing(fuzz_run.summary)


@pytest.mark.parametrize("board", BOARDS)
def test_the_seed_decides_the_inputs(board: str, seeds: dict[str, dict[str, Seed]],
                                     tmp_path: Path) -> None:
    one, two = mutants(seeds[board], 200, seed=5), mutants(seeds[board], 200, seed=5)
    assert [(m.data, m.description) for m in one] == [(m.data, m.description) for m in two]
    assert [m.data for m in one] != [m.data for m in mutants(seeds[board], 200, seed=6)]
    assert sum(m.crc_fixed for m in one) >= 80
    known_good = pick_known_good(seeds[board])
    for folder in ("a", "b"):
        fuzz_jobs(seeds[board], one, tmp_path / folder, 1000, known_good)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def _consistent(data: bytes) -> ModuleParts:
    """The file parses, and its size is what its header says (FORMAT.md)."""
    parts = ModuleParts.parse(data)
    assert HEADER.size + parts.image_size + 4 * len(parts.fixups) + \
        12 * (len(parts.imports) + len(parts.exports)) + len(parts.strings) == len(data)
    assert len(parts.strings) % 4 == 0
    return parts


@pytest.mark.parametrize("board", BOARDS)
def test_structured_mutations_keep_the_file_consistent(board: str,
                                                       seeds: dict[str, dict[str, Seed]]) -> None:
    for seed in seeds[board].values():
        for mutator in CONSISTENT:
            for number in range(3):
                data = bytearray(seed.module)
                mutator(random.Random(number), data)
                parts = _consistent(bytes(data))
                names_end = len(parts.strings)
                assert all(entry[2] < names_end for entry in parts.imports + parts.exports)


@pytest.mark.parametrize("board", BOARDS)
def test_aimed_mutations_hit_the_sensitive_places(board: str,
                                                  seeds: dict[str, dict[str, Seed]]) -> None:
    for seed in seeds[board].values():
        original = ModuleParts.parse(seed.module)
        places = {offset for _, offset in sensitive_places(original)}
        assert {slot for _, slot, _ in original.imports} <= places
        init = original.header["init_offset"]
        assert {init + 4 * k for k in range(original.header["init_count"])} <= places
        assert original.header["entry"] & ~1 in places
        for number in range(5):
            data = bytearray(seed.module)
            aim_fixups(random.Random(number), data)
            assert set(ModuleParts.parse(bytes(data)).fixups) & places
            data = bytearray(seed.module)
            aim_slots(random.Random(number), data)
            slots = {slot for _, slot, _ in ModuleParts.parse(bytes(data)).imports}
            assert slots & {offset for _, offset in slot_places(original)}


# --- the loader's known gaps, each made on purpose -------------------------------------------

def _module_edited(seed: Seed, what: str, edit) -> Mutant | None:
    """The seed's module file edited (None when edit finds nothing to do), CRC recomputed."""
    parts = ModuleParts.parse(seed.module)
    if not edit(parts):
        return None
    return Mutant(0, seed.name, what, what, True, None, with_crc(parts.serialise()))


def _shared_slot(seed: Seed) -> Mutant | None:
    def edit(parts: ModuleParts) -> bool:
        if len(parts.imports) >= 2:
            parts.imports[0][1] = parts.imports[1][1]
        return len(parts.imports) >= 2
    return _module_edited(seed, "two imports, one slot", edit)


def _fixup_across_text_and_data(seed: Seed) -> Mutant | None:
    def edit(parts: ModuleParts) -> bool:
        if parts.data:
            parts.fixups.append(parts.text_size - 2)
        return bool(parts.data)
    return _module_edited(seed, "a fix-up across the text/data boundary", edit)


def _non_utf8_export_name(seed: Seed) -> Mutant | None:
    """Not the loader's gap but the oracle's: it reads names as UTF-8, the format says bytes."""
    def edit(parts: ModuleParts) -> bool:
        entry = (seed.job.entry or "").encode()
        others = [e for e in parts.exports if parts.name_at(e[2]) not in (entry, b"_start")]
        if others:
            parts.strings[others[0][2]] = 0xFF
        return bool(others)
    return _module_edited(seed, "an export name that is not UTF-8", edit)


def _later_imports(seed: Seed, dependency: int) -> set[bytes]:
    """The names the files loaded after the dependency import."""
    later = [data for _, data in seed.deps[dependency + 1:]] + [seed.module]
    return {p.name_at(i[2]) for p in map(ModuleParts.parse, later) for i in p.imports}


def _non_utf8_dependency_export(seed: Seed) -> Mutant | None:
    """The oracle reads a dependency's file as well, and must not stop the run on one it
    cannot read: a dependency's export nothing imports, its name not UTF-8."""
    if not seed.deps:
        return None
    parts = ModuleParts.parse(seed.deps[0][1])
    unused = [e for e in parts.exports if parts.name_at(e[2]) not in _later_imports(seed, 0)]
    if not unused:
        return None
    parts.strings[unused[0][2]] = 0xFF
    return Mutant(0, seed.name, "flip_bits", "a dependency's export name that is not UTF-8",
                  True, 0, with_crc(parts.serialise()))


def _duplicate_resident_export(seed: Seed) -> Mutant | None:
    """The first dependency's export that a later file imports, listed twice: the copy first,
    with another value."""
    if not seed.deps:
        return None
    parts = ModuleParts.parse(seed.deps[0][1])
    for entry in parts.exports:
        if parts.name_at(entry[2]) in _later_imports(seed, 0):
            parts.exports.insert(0, [entry[0], (entry[1] + 4) | 1, entry[2]])
            return Mutant(0, seed.name, "duplicate_name", "a resident library's export twice",
                          True, 0, with_crc(parts.serialise()))
    return None


# Files an earlier loader linked though the oracle read them otherwise (the fuzzer found each):
# now the loader refuses the first two, and the oracle follows FORMAT.md's rules for the rest.
REFUSED = {_shared_slot: "bad_header", _fixup_across_text_and_data: "bad_reloc"}
AGREED = (_non_utf8_export_name, _non_utf8_dependency_export, _duplicate_resident_export)


def _known_gap_mutants(seeds: dict[str, Seed], gaps) -> list[Mutant]:
    """One mutant per gap, from the first seed (by name) that can show it."""
    made = []
    for gap in gaps:
        made += [m for m in (gap(seeds[name]) for name in sorted(seeds)) if m][:1]
    return [Mutant(i, m.source, m.family, m.description, True, m.dependency, m.data)
            for i, m in enumerate(made)]


def _load(board: str, targets: dict[str, Target], seeds: dict[str, dict[str, Seed]], gaps,
          tmp_path: Path) -> list:
    made = _known_gap_mutants(seeds[board], gaps)
    assert len(made) == len(gaps)
    budget = instructions_to_ticks(FUZZ_BUDGET_INSTRUCTIONS, targets[board].board.cpu.clock_hz)
    _, loaded = load_mutants(targets[board], seeds[board], made, tmp_path, 1, budget)
    return loaded


@pytest.mark.parametrize("board", BOARDS)
def test_the_loader_refuses_what_it_cannot_link_as_written(
        board: str, targets: dict[str, Target], seeds: dict[str, dict[str, Seed]],
        tmp_path: Path) -> None:
    """Two imports sharing one slot; a fix-up whose word straddles the end of the text."""
    loaded = _load(board, targets, seeds, tuple(REFUSED), tmp_path)
    assert [(run.result.status, run.result.error) for run in loaded] == [
        ("rejected", error) for error in REFUSED.values()]


@pytest.mark.parametrize("board", BOARDS)
def test_the_oracle_reads_names_and_duplicates_as_the_loader_does(
        board: str, targets: dict[str, Target], seeds: dict[str, dict[str, Seed]],
        tmp_path: Path) -> None:
    """Names that are not UTF-8, and a resident library exporting one name twice (the first
    wins): the target takes them, and the oracle predicts the same bindings and image."""
    for run in _load(board, targets, seeds, AGREED, tmp_path):
        assert run.result.status != "rejected", run.mutant.description
        assert "oracle" not in run.verdict.kinds, (run.mutant.description,
                                                   run.result.link_mismatches)
