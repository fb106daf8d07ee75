"""ARMv6-M's own paths, on a board whose core has no fault status registers (a Cortex-M0;
skipped naming it where boards/ has none): imports through the Thumb-1 veneer, HardFault
containment and its names, and SysTick budgets through the Thumb-1 call path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim.boards import Board
from sim.diagnostics import diagnostic_jobs, veneer_bench_calls
from sim.jobs import Job
from sim.modbuild import build_module
from sim.modules import Module, load_module
from sim.pack import VENEER_THUMB1
from sim.plan import module_job
from sim.results import RunResult
from sim.target import Target
from sim.runner import RunSettings, run_batch
from sim.timing import instructions_to_ticks

pytestmark = pytest.mark.qemu


@pytest.fixture
def v6m(armv6m_board: Board) -> Board:
    return armv6m_board


def _job(target: Target, module: Module, build_dir: Path, **changes: object) -> Job:
    job = module_job(module, target.board, build_module(target.board, module, build_dir))
    return dataclasses.replace(job, **changes)


def _run(target: Target, jobs: list[Job], tmp_path: Path) -> list[tuple[int, RunResult]]:
    return run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))


def test_imports_go_through_the_thumb1_veneer(v6m: Board, targets: dict[str, Target],
                                              catalogue: dict[str, Module], build_dir: Path,
                                              tmp_path: Path) -> None:
    """bench_import_calls makes veneer_bench_calls() calls to abs through its veneer, the
    firmware's diag:import_call_direct the same calls directly: the veneer's four instructions
    a call, and the same sum (so r0 reached abs and its result came back)."""
    target = targets[v6m.name]
    module = catalogue["bench_import_calls"]
    image = build_module(v6m, module, build_dir)
    body = image.file.read_bytes()[56:]
    [(name, slot)] = image.packed.imports
    assert name == "abs" and body[slot - len(VENEER_THUMB1.code):slot] == VENEER_THUMB1.code
    direct = next(job for job in diagnostic_jobs(v6m) if job.module == "diag:import_call_direct")
    (_, through), (_, made_directly) = _run(target, [module_job(module, v6m, image), direct],
                                            tmp_path)
    assert through.ok and made_directly.ok and through.return_value == made_directly.return_value
    extra = through.timing["run"] - made_directly.timing["run"]
    assert extra // veneer_bench_calls() == len(VENEER_THUMB1.assembly), extra


# (module, the name ARMv6-M's frame gives it): each raised in module code, each contained.
HARDFAULTS = [("fault_undefined_instruction", "HardFault.UNDEFINSTR"),
              ("fault_fpu_instruction", "HardFault.UNDEFINSTR"),
              ("fault_thumb_bit_clear", "HardFault.INVSTATE"),
              ("fault_unmapped_read", "HardFault"),
              ("fault_unaligned_ldm", "HardFault.UNALIGNED"),
              ("stack_overflow", "ABI.STACK"),
              ("clobbers_callee_saved", "ABI.CALLEE_SAVED")]


def test_hardfaults_are_contained_and_named_from_the_frame(v6m: Board,
                                                           targets: dict[str, Target],
                                                           catalogue: dict[str, Module],
                                                           build_dir: Path,
                                                           tmp_path: Path) -> None:
    target = targets[v6m.name]
    jobs = [_job(target, catalogue[name], build_dir) for name, _ in HARDFAULTS]
    jobs.append(_job(target, catalogue["entry_not_first"], build_dir))
    results = _run(target, jobs, tmp_path)
    assert {boot for boot, _ in results} == {1}, "a fault ended the boot"
    names = [(r.module, r.fault.name if r.fault else None) for _, r in results[:-1]]
    assert names == HARDFAULTS
    assert results[-1][1].ok, results[-1][1].mismatches
    undefined = results[0][1].fault
    assert undefined is not None and undefined.symbol == "module_main"  # the stacked pc's place
    assert undefined.cfsr == 0 and undefined.address is None            # nothing made up


def test_a_budget_stops_module_code_exactly_and_the_boot_goes_on(v6m: Board,
                                                                 targets: dict[str, Target],
                                                                 catalogue: dict[str, Module],
                                                                 build_dir: Path,
                                                                 tmp_path: Path) -> None:
    """runs_forever under budgets of 1 and 50,000 instructions, each followed by a good job."""
    target = targets[v6m.name]
    good = _job(target, catalogue["entry_not_first"], build_dir)
    jobs = []
    for budget in (1, 50_000):
        ticks = instructions_to_ticks(budget, v6m.cpu.clock_hz)
        jobs += [_job(target, catalogue["runs_forever"], build_dir, budget=ticks), good]
    results = _run(target, jobs, tmp_path)
    assert [(boot, r.status) for boot, r in results] == [(1, "timeout"), (1, "ok")] * 2
    stopped = results[2][1].timeout
    assert stopped is not None and stopped.budget == 50_000
    assert stopped.symbol is not None and stopped.symbol.startswith("module_main")


def test_a_module_built_for_a_thumb2_core_is_refused_bad_arch(v6m: Board,
                                                              targets: dict[str, Target],
                                                              tmp_path: Path) -> None:
    """Code built for a Cortex-M3 (Thumb-2, no FPU, soft float) cannot run on ARMv6-M: the
    loader refuses it from its arch tag before any of it runs."""
    folder = tmp_path / "built_for_m3"
    folder.mkdir()
    (folder / "built_for_m3.c").write_text("int module_main(int a) { return a + 1; }\n")
    (folder / "module.toml").write_text(
        'description = "built for a Cortex-M3"\nargs = [1]\n'
        '[build]\ncpu = "cortex-m3"\nfpu = "none"\nfloat_abi = "soft"\n'
        '[expect]\nstatus = "rejected"\nerror = "bad_arch"\n')
    module = load_module(folder, {v6m.name})
    [(_, result)] = _run(targets[v6m.name], [_job(targets[v6m.name], module, tmp_path / "build")],
                         tmp_path)
    assert (result.status, result.error) == ("rejected", "bad_arch"), result.mismatches
