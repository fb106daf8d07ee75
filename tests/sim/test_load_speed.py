"""Loading at memory speed. The load phase (read, check and place a module: FORMAT.md) of every
catalogue module that loads, on every board, costs at most load_instructions_goal(core)
instructions per byte of the module files it reads (its resident libraries' too), plus at most
one per byte of bss it zeroes; and the loader library stays within its flash budget. Instruction
counts are exact, so the bound is deterministic, and a loader that reads or checks bytes more
slowly fails it (the bitwise CRC this replaced took 46 a byte)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import load_boards
from sim.build import FirmwareImage
from sim.footprint import LOADER_FLASH_BUDGET, loader_flash_bytes
from sim.jobs import Job
from sim.modbuild import ModuleImage, build_module
from sim.modules import Module, load_order
from sim.plan import module_job
from sim.report import load_instructions_goal
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu


def _catalogue_jobs(target: Target, catalogue: dict[str, Module],
                    build_dir: Path) -> list[tuple[Job, list[ModuleImage]]]:
    """Every catalogue module's job on the board, with the images it loads (libraries first)."""
    everything = list(catalogue.values())
    jobs = []
    for module in everything:
        images = [build_module(target.board, d, build_dir) for d in load_order(module, everything)]
        images.append(build_module(target.board, module, build_dir))
        jobs.append((module_job(module, target.board, images[-1], images[:-1]), images))
    return jobs


@pytest.mark.parametrize("board", [board.name for board in load_boards()])
def test_loading_costs_at_most_12_instructions_per_byte(board: str, targets: dict[str, Target],
                                                        catalogue: dict[str, Module],
                                                        build_dir: Path, tmp_path: Path) -> None:
    jobs = _catalogue_jobs(targets[board], catalogue, build_dir)
    results = run_batch(targets[board], [job for job, _ in jobs], tmp_path / "logs",
                        RunSettings(out_dir=tmp_path))
    over, measured = [], 0
    goal = load_instructions_goal(targets[board].board.cpu.core)
    for (job, images), (_, result) in zip(jobs, results, strict=True):
        file_bytes = sum(image.sizes()["file"] for image in images)
        bss_bytes = sum(image.sizes()["bss"] for image in images)
        assert job.sizes["loaded"] == file_bytes  # what the summary divides by
        load = result.timing["load"]
        if result.status != "ok" or load is None:
            continue  # refused, faulted or stopped: no load figure to hold to the bound
        measured += 1
        if load > goal * file_bytes + bss_bytes:
            over.append(f"{job.module}: {load} instructions for {file_bytes} B of files and "
                        f"{bss_bytes} B of bss ({load / file_bytes:.2f} a byte of file)")
    assert measured > 0, "no catalogue module loaded"
    assert over == [], "\n".join(over)


def test_the_loader_stays_within_its_flash_budget(firmware: dict[str, FirmwareImage]) -> None:
    for name, image in firmware.items():
        assert loader_flash_bytes(image.map_file) <= LOADER_FLASH_BUDGET, name
