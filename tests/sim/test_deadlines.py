"""A job that legitimately runs long, within a long budget, is not taken for a hang: from its
start, a job has the deadline's fixed part plus its budget's time at a conservative rate."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim import boot
from sim.modbuild import build_module
from sim.modules import Module
from sim.plan import module_job
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu

PASSES = 40_000_000  # counted_loop: 2 instructions a pass, so 80 million instructions


def test_a_long_budget_is_not_a_hang(targets: dict[str, Target], catalogue: dict[str, Module],
                                     build_dir: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    loop = dataclasses.replace(catalogue["counted_loop"], args=(PASSES,),
                               budget=2 * PASSES + 20_000_000)
    # A fixed part far shorter than the job takes (QEMU runs 100-900 M instructions a second
    # here, so 80 million take 0.09 s at the fastest): only the budget's part of the deadline
    # keeps it from a hang.
    settings = RunSettings(out_dir=tmp_path, job_deadline_s=0.001)
    for name, target in targets.items():
        job = module_job(loop, target.board, build_module(target.board, loop, build_dir))
        [(_, result)] = run_batch(target, [job], tmp_path / name, settings)
        assert (result.status, result.return_value) == ("ok", 0), result.error
        assert result.timing["run"] >= 2 * PASSES
        # The same job when the budget bought no time: the fixed part alone runs out.
        with monkeypatch.context() as patch:
            patch.setattr(boot, "HANG_DEADLINE_INSTRUCTIONS_PER_S", 10**15)
            [(_, hung)] = run_batch(target, [job], tmp_path / f"{name}-no-budget-time", settings)
        assert hung.status == "hang", (hung.status, hung.error)
