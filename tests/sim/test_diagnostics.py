"""The fault path end to end, before modules exist: each built-in diagnostic on each board,
decoded to its reported name from the CFSR bits QEMU really sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import board_names
from sim.diagnostics import diagnostic_jobs
from sim.faults import has_fault_status
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu
BOARDS = sorted(board_names())


@pytest.fixture(scope="module", params=BOARDS)
def diagnostics_run(request: pytest.FixtureRequest, targets: dict[str, Target],
                    tmp_path_factory: pytest.TempPathFactory):
    """All diagnostics of one board in one batch, as the runner does it."""
    target = targets[request.param]
    out = tmp_path_factory.mktemp(f"diag-{request.param}")
    jobs = diagnostic_jobs(target.board)
    results = run_batch(target, jobs, out / "logs", RunSettings(out_dir=out))
    return target, jobs, {result.module: (boot, result) for boot, result in results}


def test_every_diagnostic_meets_its_expectation(diagnostics_run) -> None:
    _, jobs, results = diagnostics_run
    assert [job.module for job in jobs] == list(results)
    missed = {name: result.mismatches for name, (_, result) in results.items() if not result.ok}
    assert not missed


def test_fpu_runs_only_where_there_is_one(diagnostics_run) -> None:
    target, _, results = diagnostics_run
    _, fpu = results["diag:fpu"]
    if target.board.cpu.has_fpu:
        assert (fpu.status, fpu.return_value) == ("ok", 0x40400000)  # 1.5f + 1.5f = 3.0f
    else:  # a coprocessor instruction without the coprocessor; ARMv6-M defines none at all
        assert fpu.status == "fault" and fpu.fault is not None
        v7m = has_fault_status(target.board.cpu.core)
        assert fpu.fault.name == ("UsageFault.NOCP" if v7m else "HardFault.UNDEFINSTR")


def test_faults_point_into_the_diagnostic_that_raised_them(diagnostics_run) -> None:
    _, _, results = diagnostics_run
    for name, (_, result) in results.items():
        if result.fault is None:
            continue
        assert result.fault.symbol is not None and result.fault.symbol.startswith("diag_"), name
        assert result.fault.location is not None and result.fault.location.startswith("diag.c:")


def test_unmapped_read_reports_the_address(diagnostics_run) -> None:
    """At the board file's [addresses] unmapped, built into the firmware, where the core records
    it (BFAR); ARMv6-M records no fault address, so none is made up."""
    target, _, results = diagnostics_run
    if target.board.addresses.unmapped is None:
        pytest.skip(f"{target.board.name} names no unmapped address (faults_on_unmapped = false)")
    _, unmapped = results["diag:unmapped_read"]
    assert unmapped.fault is not None
    if not has_fault_status(target.board.cpu.core):
        assert (unmapped.fault.name, unmapped.fault.address) == ("HardFault", None)
        return
    assert unmapped.fault.address == target.board.addresses.unmapped
    assert "BusFault.BFARVALID" in unmapped.fault.bits


def test_faults_are_contained_and_the_boot_goes_on(diagnostics_run) -> None:
    """Every diagnostic, faulting or not, ran in the same boot, up to the lockup, which ends it
    (as the reset loop after it ends the next one; a reset alone does not)."""
    _, jobs, results = diagnostics_run
    names = [job.module for job in jobs]
    before_lockup = names[:names.index("diag:lockup") + 1]
    assert {results[name][0] for name in before_lockup} == {1}
    assert results["diag:reset"][0] == results["diag:reset_loop"][0] == 2
    if "diag:firmware_unmapped_read" in results:   # only where the board names an address
        assert results["diag:firmware_unmapped_read"][0] == 3


def test_timing_is_the_same_on_every_run(board: str, targets: dict[str, Target],
                                         tmp_path: Path) -> None:
    target = targets[board]
    jobs = [job for job in diagnostic_jobs(target.board) if job.module in ("diag:add", "diag:fpu")
            and job.expect.status == "ok"]  # diag:fpu faults where there is no FPU: no timing
    first = run_batch(target, jobs, tmp_path / "one", RunSettings(out_dir=tmp_path))
    second = run_batch(target, jobs, tmp_path / "two", RunSettings(out_dir=tmp_path))
    ticks = [[result.timing["run"] for _, result in run] for run in (first, second)]
    assert ticks[0] == ticks[1] and all(t is not None and t > 0 for t in ticks[0])
