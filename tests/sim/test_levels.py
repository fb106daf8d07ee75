"""The whole catalogue at every optimisation level gcc offers, on every board: whatever code and
section alignment a level gives, the module packs, loads and meets its expectation
(README.md, "Adding a module"; firmware/loader/FORMAT.md, "Alignment").

Each level adds -O<level> after the module's own cflags, so it wins, and builds into a folder
of its own; every board runs the level's whole catalogue in one batch. Two rules, each
documented where it is applied: a module that chooses its level keeps it where the column
optimises less (level_of), and a module that outgrows a board's arena at a level may be refused
there with no_memory (outgrew_the_arena); the test prints, per level, how many runs met.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim import MODULES_DIR
from sim.boards import Board
from sim.jobs import Job
from sim.modbuild import ModuleImage, build_module
from sim.modules import Module, discover_modules, load_order
from sim.plan import module_job
from sim.results import RunResult
from sim.target import Target
from sim.runner import RunSettings, run_matrix

pytestmark = pytest.mark.qemu
LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os")
BUILD_THREADS = 2  # the machine's cores; QEMU runs after the builds


# How much each level optimises, for the rule in level_of.
STRENGTH = {"-O0": 0, "-O1": 1, "-Os": 2, "-O2": 2, "-O3": 3}


def level_of(module: Module, level: str) -> str:
    """The level a module runs at in the matrix's column for level.

    Rule 1: a module whose own cflags choose a level is about the code gcc generates there
    (builtin_rewrites_o2: library-call rewrites; tail_calls: calls that become branches, whose
    recursion overflows the small board's job stack without them, by design). Where the
    column optimises less than its own level, it keeps its own; elsewhere it runs at the
    column's."""
    own = [flag for flag in module.build.cflags if flag in STRENGTH]
    if own and STRENGTH[level] < STRENGTH[own[-1]]:
        return own[-1]
    return level


def at_level(module: Module, level: str) -> Module:
    flags = (*module.build.cflags, level_of(module, level))
    return dataclasses.replace(module, build=dataclasses.replace(module.build, cflags=flags))


def _job(board: Board, module: Module, everything: list[Module], build_dir: Path) -> Job:
    deps = [build_module(board, d, build_dir) for d in load_order(module, everything)]
    return module_job(module, board, build_module(board, module, build_dir), deps)


def _jobs(boards: list[Board], modules: list[Module], build_dir: Path) -> dict[str, list[Job]]:
    with ThreadPoolExecutor(max_workers=BUILD_THREADS) as pool:
        futures = {b.name: [pool.submit(_job, b, m, modules, build_dir) for m in modules]
                   for b in boards}
        return {name: [f.result() for f in jobs] for name, jobs in futures.items()}


def outgrew_the_arena(run: RunResult, default: ModuleImage) -> bool:
    """Rule 2: at a level that makes a module bigger than its default build, a board may
    refuse it with no_memory when it no longer fits that board's module arena (the small
    board's 4 KiB holds compiler_runtime's libgcc calls at -Os, not at -O0). Such a run counts
    as outgrown, not met, and only when its image is bigger than the default build's, which
    tests/sim/test_catalogue.py runs on every board."""
    if (run.status, run.error) != ("rejected", "no_memory") or run.expected["status"] != "ok":
        return False
    return _image_bytes(run.sizes) > _image_bytes(default.sizes())


def _image_bytes(sizes: dict[str, int] | None) -> int:
    return sum(sizes[part] for part in ("text", "data", "bss")) if sizes else 0


@pytest.mark.parametrize("level", LEVELS)
def test_catalogue_meets_its_expectations_at_every_level(
        level: str, targets: dict[str, Target], boards: dict[str, Board],
        catalogue: dict[str, Module], build_dir: Path, tmp_path: Path) -> None:
    modules = [at_level(m, level) for m in discover_modules([MODULES_DIR], set(boards))]
    jobs = _jobs(list(boards.values()), modules, tmp_path / "build")
    settings = RunSettings(out_dir=tmp_path, batch=len(modules), parallel=len(targets))
    results = run_matrix(list(targets.values()), jobs, settings)
    assert len(results) == len(modules) * len(boards)
    outgrown = [r for r in results if not r.ok and outgrew_the_arena(
        r, build_module(boards[r.board], catalogue[r.module], build_dir))]
    missed = [f"{r.board} {r.module}: {r.mismatches} (log {tmp_path / str(r.log)})"
              for r in results if not r.ok and r not in outgrown]
    print(f"{level}: {sum(r.ok for r in results)} of {len(results)} runs met "
          f"({len(modules)} modules x {len(boards)} boards); outgrew the arena: "
          f"{', '.join(f'{r.module} on {r.board}' for r in outgrown) or 'none'}")
    assert not missed, "\n".join(missed)


def test_a_module_choosing_its_level_keeps_it_where_the_column_optimises_less() -> None:
    plain = Module("p", Path("p"), "", ())
    chooser = dataclasses.replace(plain, build=dataclasses.replace(plain.build,
                                                                   cflags=("-Wall", "-O2")))
    assert [level_of(chooser, level) for level in LEVELS] == ["-O2", "-O2", "-O2", "-O3", "-Os"]
    assert [level_of(plain, level) for level in LEVELS] == list(LEVELS)


def test_only_a_bigger_image_refused_for_memory_counts_as_outgrown(
        boards: dict[str, Board], catalogue: dict[str, Module], build_dir: Path) -> None:
    module = catalogue["compiler_runtime"]
    board = sorted(boards)[0]
    default = build_module(boards[board], module, build_dir)
    refused = RunResult(board, module.name, 1, "rejected", False, {"status": "ok"},
                        error="no_memory", sizes=dict(default.sizes()))
    assert not outgrew_the_arena(refused, default)  # same size: the loader is at fault
    refused.sizes["text"] += 8
    assert outgrew_the_arena(refused, default)
    refused.error = "bad_header"
    assert not outgrew_the_arena(refused, default)
