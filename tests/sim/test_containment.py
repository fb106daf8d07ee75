"""Containment: faulting jobs leave the boot running; a job that damages the firmware's own
state is caught by the checks after it; a lockup costs one boot and the batch goes on; a reset
costs none (the firmware resumes after it), and a reset loop is caught; every job in gives
exactly one result."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import Board, board_names
from sim.diagnostics import diagnostic_jobs
from sim.jobs import Expectation, Job
from sim.plan import module_job
from sim.modbuild import build_module
from sim.modules import Module, load_module
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu
BOARDS = board_names()
FAULTING = ["fault_unmapped_read", "fault_undefined_instruction", "fault_thumb_bit_clear",
            "fault_divide_by_zero", "fault_unaligned_ldm", "fault_execute_system_space",
            "fault_instruction_fetch", "fault_in_firmware_call", "stack_overflow",
            "runs_forever", "constructor_faults", "clobbers_callee_saved", "fault_write_to_flash",
            "cannot_mask_faults", "cannot_reset_system", "jump_into_data"]


def _job(target: Target, module: Module, build_dir: Path) -> Job:
    return module_job(module, target.board, build_module(target.board, module, build_dir))


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_one_boot_survives_every_contained_fault(board: str, targets: dict[str, Target],
                                                 catalogue: dict[str, Module], build_dir: Path,
                                                 tmp_path: Path) -> None:
    """Each faulting module twice in a row, then a good one: all in one boot. Module code is
    unprivileged, so even masking faults or asking for a reset is a contained fault; on a core
    without unprivileged mode (ARMv6-M) a module's reset request resets, as its expectation
    says, and is left out here."""
    target = targets[board]
    jobs = [_job(target, catalogue[name], build_dir) for name in FAULTING for _ in range(2)]
    jobs = [job for job in jobs if job.expect.status not in ("reset", "lockup")]
    jobs.append(_job(target, catalogue["entry_not_first"], build_dir))
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {boot for boot, _ in results} == {1}
    assert [(r.module, r.ok) for _, r in results if not r.ok] == []


def _diagnostics(target: Target) -> dict[str, Job]:
    return {j.module: j for j in diagnostic_jobs(target.board)}


def test_a_lockup_costs_one_boot_and_a_reset_none(board: str, targets: dict[str, Target],
                                                 catalogue: dict[str, Module], build_dir: Path,
                                                 tmp_path: Path) -> None:
    """Only privileged code can lock the core up or reset it: the firmware's diagnostics. After
    a reset the firmware comes up in the same QEMU and resumes the job list after the job that
    reset (its .noinit record), and the jobs after it give the same figures as without it."""
    target = targets[board]
    diagnostics = _diagnostics(target)
    good = _job(target, catalogue["entry_not_first"], build_dir)
    jobs = [good, diagnostics["diag:lockup"], good, diagnostics["diag:reset"], good,
            diagnostics["diag:reset"], diagnostics["diag:reset"], good]
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert [(boot, r.status) for boot, r in results] == [
        (1, "ok"), (1, "lockup"), (2, "ok"), (2, "reset"), (2, "ok"), (2, "reset"), (2, "reset"),
        (2, "ok")]
    assert all(r.ok for _, r in results), [r.mismatches for _, r in results]
    figures = {repr(r.timing) for _, r in results if r.status == "ok"}
    assert len(figures) == 1, figures   # the same job, the same figures, reset or not before it


def test_a_reset_loop_is_caught(board: str, targets: dict[str, Target],
                                catalogue: dict[str, Module], build_dir: Path,
                                tmp_path: Path) -> None:
    """A reset that recurs before the job list moves on (diag:reset_loop stands for one in the
    firmware's own code): the firmware stops after a few, with an error naming the loop, instead
    of resetting until the host's deadline; the job is an error and the batch goes on. Where
    it falls in its boot changes nothing."""
    target = targets[board]
    diagnostics = _diagnostics(target)
    good = _job(target, catalogue["entry_not_first"], build_dir)
    settings = RunSettings(out_dir=tmp_path, job_deadline_s=60.0)
    results = run_batch(target, [good, diagnostics["diag:reset_loop"], good],
                        tmp_path / "logs", settings)
    assert [(boot, r.status) for boot, r in results] == [(1, "ok"), (1, "error"), (2, "ok")]
    assert "resumed as if no job ran" in results[1][1].error
    console = (tmp_path / "logs" / "boot1" / "console.log").read_text().splitlines()
    assert console[-2:] == ['@error in=resume line=0 msg="reset loop: the system reset again and '
                            'again without the job list moving on"', "@exit status=5"]
    assert 2 < sum(line.startswith("@boot ") for line in console) < 10
    first = run_batch(target, [diagnostics["diag:reset_loop"], good], tmp_path / "first",
                      settings)
    assert [r.error for _, r in first] == [r.error for _, r in results[1:]]


def _diagnostic(target: Target, name: str, args: tuple[int, ...] = ()) -> Job:
    """A firmware diagnostic as a job: privileged code, for what module code can no longer do."""
    return Job(f"diag:{name}", "diag", name, args, Expectation("ok"))


def test_modules_cannot_touch_the_firmware_ram(mpu_board: Board, targets: dict[str, Target],
                                                tmp_path: Path) -> None:
    """A module writing just below its image (the arena canary) is stopped by the MPU (a board
    without one cannot: README.md, "What is contained on a part without an MPU")."""
    board = mpu_board.name
    folder = tmp_path / "writes_below_its_image"
    folder.mkdir()
    (folder / "module.c").write_text(
        "#include <stdint.h>\n"
        "extern char __module_image_start[];\n"
        "int module_main(void) { ((volatile uint32_t *)__module_image_start)[-1] = 0; "
        "return 1; }\n")
    (folder / "module.toml").write_text('description = "writes just below its image"\n')
    target = targets[board]
    job = _job(target, load_module(folder, BOARDS), tmp_path / "build")
    [(boot, result)] = run_batch(target, [job], tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert (boot, result.status, result.fault.name) == (1, "fault", "MemManage.DACCVIOL")


def test_damage_to_the_firmware_is_caught_after_the_job(board: str, targets: dict[str, Target],
                                                        catalogue: dict[str, Module],
                                                        build_dir: Path, tmp_path: Path) -> None:
    target = targets[board]
    damage = _diagnostic(target, "damage_canary", (0,))
    good = _job(target, catalogue["entry_not_first"], build_dir)
    results = run_batch(target, [damage, good], tmp_path / "logs", RunSettings(out_dir=tmp_path))
    (boot1, damaged), (boot2, after) = results
    assert damaged.status == "error" and "damaged the firmware (arena_canary)" in damaged.error
    assert (boot1, boot2, after.status) == (1, 2, "ok")


def test_firmware_faults_are_not_blamed_on_the_job(board: str, targets: dict[str, Target],
                                                   tmp_path: Path) -> None:
    target = targets[board]
    jobs = _diagnostics(target)
    if jobs["diag:firmware_unmapped_read"].expect.status != "error":
        pytest.skip(f"{board} has memory where the diagnostic reads (nothing faults)")
    [(_, result)] = run_batch(target, [jobs["diag:firmware_unmapped_read"]], tmp_path / "logs",
                              RunSettings(out_dir=tmp_path))
    assert result.status == "error" and result.fault is None
    assert "the firmware itself faulted" in result.error


def test_interrupts_off_and_a_loop_hit_the_host_deadline(board: str,
                                                         targets: dict[str, Target],
                                                         catalogue: dict[str, Module],
                                                         tmp_path: Path) -> None:
    """With interrupts off SysTick cannot stop it: the harness's deadline is the backstop.
    Module code cannot mask interrupts (cpsid is ignored unprivileged): a diagnostic does it."""
    target = targets[board]
    good = _job(target, catalogue["entry_not_first"], tmp_path / "build")
    settings = RunSettings(out_dir=tmp_path, boot_deadline_s=2.0, job_deadline_s=1.0)
    (boot1, hung), (boot2, after) = run_batch(target, [_diagnostic(target, "hang"), good],
                                              tmp_path / "logs", settings)
    assert (boot1, hung.status, boot2, after.status) == (1, "hang", 2, "ok")
