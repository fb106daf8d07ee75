"""Jobs start clean: whatever ran before in the same boot, a job sees zeroed heap, stack and FPU
registers, so a result never depends on which jobs shared a boot."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.diagnostics import diagnostic_jobs
from sim.modbuild import build_module
from sim.modules import Module
from sim.plan import module_job
from sim.results import RunResult
from sim.target import Target
from sim.runner import RunSettings, run_batch, run_matrix

pytestmark = pytest.mark.qemu


def _jobs(target: Target, catalogue: dict[str, Module], build_dir: Path, names: list[str]):
    return [module_job(catalogue[n], target.board, build_module(target.board, catalogue[n],
                                                                build_dir)) for n in names]


def test_a_reader_after_a_writer_sees_only_zeros(targets: dict[str, Target],
                                                 catalogue: dict[str, Module], build_dir: Path,
                                                 tmp_path: Path) -> None:
    """leaves_state_behind fills heap, stack and FPU registers; reads_uninitialised_memory,
    right after it in the same boot, counts the non-zero words it finds without writing."""
    for name, target in targets.items():
        jobs = _jobs(target, catalogue, build_dir,
                     ["leaves_state_behind", "reads_uninitialised_memory"] * 3)
        results = run_batch(target, jobs, tmp_path / name, RunSettings(out_dir=tmp_path))
        assert {boot for boot, _ in results} == {1}
        assert [(r.module, r.status, r.return_value) for _, r in results][1::2] == [
            ("reads_uninitialised_memory", "ok", 0)] * 3, name


def _outcome(run: RunResult) -> tuple:
    return (run.board, run.module, run.status, run.return_value, run.stdout, run.error,
            run.timing, run.fault and (run.fault.name, run.fault.pc))


def test_every_module_gives_the_same_run_alone_and_batched(
        targets: dict[str, Target], catalogue: dict[str, Module], build_dir: Path,
        tmp_path: Path) -> None:
    """The whole catalogue and the diagnostics, every board: one QEMU boot per run against 50
    runs a boot. Status, return value, stdout, error, timing and fault must be identical."""
    jobs_for = {name: diagnostic_jobs(target.board) +
                _jobs(target, catalogue, build_dir, sorted(catalogue))
                for name, target in targets.items()}
    outcomes = []
    for batch in (1, 50):
        out = tmp_path / f"batch{batch}"
        runs = run_matrix(list(targets.values()), jobs_for,
                          RunSettings(out_dir=out, batch=batch, parallel=2))
        outcomes.append([_outcome(run) for run in runs])
    differ = [(alone, batched) for alone, batched in zip(*outcomes, strict=True)
              if alone != batched]
    assert differ == []
