"""Application images (module.toml kind = "application"; firmware/src/PROTOCOL.md, "Application
images"): the firmware checks the image's vector table and starts it as a bootloader starts an
application. On every board whose core can (where the catalogue's application expects to run),
it runs in the same boot as ordinary jobs, which run as before after it; a broken table is
refused by name before any of the image's code runs, and the boot goes on."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from sim.boards import board_names
from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import Module, load_module
from sim.plan import module_job
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu
BOARDS = sorted(board_names())
APPLICATION = "application_image"
# Catalogue modules that run after the application in its boot: one whose fault the firmware's
# own handlers must catch (VTOR back on the firmware's table: the image's is gone by then), and
# one that must simply return.
AFTER = ("fault_undefined_instruction", "entry_not_first")


def _job(module: Module, target: Target, build_dir: Path) -> Job:
    return module_job(module, target.board, build_module(target.board, module, build_dir))


@pytest.mark.parametrize("board", BOARDS)
def test_the_application_starts_and_the_boot_goes_on(board: str, targets: dict[str, Target],
                                                     catalogue: dict[str, Module],
                                                     build_dir: Path, tmp_path: Path) -> None:
    target = targets[board]
    application = catalogue[APPLICATION]
    jobs = [_job(application, target, build_dir),
            *(_job(catalogue[name], target, build_dir) for name in AFTER)]
    assert jobs[0].application and jobs[0].entry is None
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {r.module: r.mismatches + r.link_mismatches for _, r in results if not r.ok} == {}
    assert {boot for boot, _ in results} == {1}, "the jobs after the application need no new boot"
    expected = jobs[0].expect
    if expected.status != "ok":
        pytest.skip(f"{board} cannot start an application image: module.toml expects "
                    f"{expected.status} ({expected.error}) here, which it showed")


# A vector table of the catalogue application's own, with words 0 and 1 replaced: C
# initialisers for its initial SP and its reset handler.
VECTORS = """#include <stdint.h>
#include "application.h"
static uint64_t stack[128];
__attribute__((used)) static const uint32_t not_code = 0x4770u; /* "bx lr", as data: no Thumb bit */
typedef void (*vector)(void);
extern const vector application_vectors[16];
int Reset_Handler(void) {{ {body} }}
__attribute__((section(".app_vectors"), used))
const vector application_vectors[16] = {{
    [0] = (vector)({sp}),
    [1] = (vector)({reset}),
}};
"""
GOOD_SP = "(uintptr_t)&stack[128]"
GOOD_RESET = "Reset_Handler"
GOOD_BODY = "return application_main();"
# (case, initial SP, reset handler, the error that refuses it)
BROKEN = [
    ("sp_in_code", "(uintptr_t)&application_vectors[16]", GOOD_RESET, "app_bad_sp"),
    ("sp_unaligned", "(char *)&stack[128] - 4", GOOD_RESET, "app_bad_sp"),
    ("sp_outside_image", "0x00000100u", GOOD_RESET, "app_bad_sp"),
    ("reset_without_thumb_bit", GOOD_SP, "&not_code", "app_bad_reset"),
    ("reset_outside_image", GOOD_SP, "0x00000101u", "app_bad_reset"),
    ("reset_in_the_table", GOOD_SP, "(char *)&application_vectors[2] + 1", "app_bad_reset"),
]


def _skip_unless_started(catalogue: dict[str, Module], target: Target, why: str = "") -> None:
    """Skip on a board whose module.toml expectation says it starts no application image."""
    board = target.board
    if catalogue[APPLICATION].expectation(board.name, board.capabilities).status != "ok":
        pytest.skip(f"{board.name} starts no application image (module.toml){why}")


def _variant(catalogue: dict[str, Module], folder: Path, sp: str = GOOD_SP,
             reset: str = GOOD_RESET, body: str = GOOD_BODY) -> Module:
    """The catalogue application with its vector table (and reset handler's body) replaced."""
    source = catalogue[APPLICATION].path
    folder.mkdir(parents=True)
    for name in ("application.c", "application.h", "module.toml"):
        shutil.copy(source / name, folder / name)
    (folder / "vectors.c").write_text(VECTORS.format(sp=sp, reset=reset, body=body))
    return load_module(folder, board_names())


@pytest.mark.parametrize("board", BOARDS)
def test_a_broken_vector_table_is_refused_by_name(board: str, targets: dict[str, Target],
                                                  catalogue: dict[str, Module],
                                                  build_dir: Path, tmp_path: Path) -> None:
    target = targets[board]
    _skip_unless_started(catalogue, target, ", so refuses every table alike; the test above "
                                            "checks that refusal")
    jobs = []
    for case, sp, reset, error in BROKEN:
        module = _variant(catalogue, tmp_path / "modules" / f"app_{case}", sp, reset)
        image = build_module(target.board, module, build_dir)
        jobs.append(Job(case, "module", str(image.file), (), Expectation("rejected", error=error),
                        application=True, elf=image.elf))
    good = _variant(catalogue, tmp_path / "modules" / "app_rebuilt")
    jobs.append(_job(good, target, build_dir))
    jobs.append(_job(catalogue[AFTER[-1]], target, build_dir))
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {r.module: r.mismatches for _, r in results if not r.ok} == {}
    assert {boot for boot, _ in results} == {1}, "a refusal must not end the boot"


# (case, the reset handler's body, what the job must end as): the application runs as contained
# module code, through the firmware's handlers that its table's system exceptions name while it
# runs.
CONTAINED = [
    ("runs_forever", "for (;;) { } return 0;", "timeout"),
    ("undefined_instruction", "__builtin_trap(); return 0;", "fault"),
    ("returns_on_another_stack", "__asm__ volatile(\"sub sp, sp, #8\"); return 0;", "fault"),
]
# Where the core has unprivileged code, an application cannot take the firmware's handler mode
# by writing its own vector table, which VTOR points at: its code is read-only while it runs.
WRITES_ITS_TABLE = ("writes_its_svc_vector",
                    "((volatile uint32_t *)application_vectors)[11] = 0; return 0;", "fault")
BUDGET = "budget = 200000\n"


@pytest.mark.parametrize("board", BOARDS)
def test_an_application_is_contained_like_module_code(board: str, targets: dict[str, Target],
                                                      catalogue: dict[str, Module],
                                                      build_dir: Path, tmp_path: Path) -> None:
    target = targets[board]
    _skip_unless_started(catalogue, target)
    cases = [*CONTAINED, *([WRITES_ITS_TABLE] if target.board.capabilities["mpu"] != "none" else [])]
    jobs = []
    for case, body, status in cases:
        module = _variant(catalogue, tmp_path / "modules" / f"app_{case}", body=body)
        toml = module.path / "module.toml"
        toml.write_text(BUDGET + toml.read_text())   # a top-level key: before any table
        module = load_module(module.path, board_names())
        jobs.append(dataclasses.replace(_job(module, target, build_dir), module=case,
                                        expect=Expectation(status)))
    jobs.append(_job(catalogue[APPLICATION], target, build_dir))
    jobs.append(_job(catalogue[AFTER[-1]], target, build_dir))
    results = run_batch(target, jobs, tmp_path / "logs", RunSettings(out_dir=tmp_path))
    assert {r.module: r.mismatches for _, r in results if not r.ok} == {}
    assert {boot for boot, _ in results} == {1}, "a contained application must not end the boot"
