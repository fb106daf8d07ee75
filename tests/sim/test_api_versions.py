"""Firmware API versions, with firmware built for two more APIs than the repository's M.N:
M.N+1 adds strrchr, M+1.0 changes the major. A module stamped with an older minor loads on a newer
one; one stamped with a newer minor loads on an older firmware as far as its imports go (the
name the older firmware lacks is reported by name); a different major is refused with
bad_version before any of the module's code runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import Board, board_names
from sim.build import build_firmware
from sim.exports import EXPORTS_FILE, load_api
from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import load_module
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu
BOARDS = board_names()

# A constructor that prints: if any of the module's code ran, stdout shows it.
MODULE = """#include <stdio.h>
#include <string.h>
static int ready;
__attribute__((constructor)) static void start(void) { puts("constructor ran"); ready = 1; }
static const char path[] = "a/b/c";
int module_main(int skip) { return ready ? (int)(strrchr(path + skip, '/') - path) : -1; }
"""


def _api_file(tmp_path: Path, version: str, extra: str = "") -> Path:
    api = load_api()
    path = tmp_path / f"exports-{version}.txt"
    path.write_text(EXPORTS_FILE.read_text().replace(f"api {api.major}.{api.minor}",
                                                     f"api {version}") + extra)
    return path


def _job(name: str, board: Board, module_dir: Path, api_file: Path, build_dir: Path,
         expect: Expectation) -> Job:
    module = load_module(module_dir, BOARDS)
    image = build_module(board, module, build_dir / name, load_api(api_file))
    return Job(name, "module", str(image.file), (), expect, entry="module_main", elf=image.elf)


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_two_api_versions(board: str, boards: dict[str, Board], firmware, build_dir: Path,
                          tmp_path: Path) -> None:
    api = load_api()  # the repository's: "1.0" below stands for it, "1.1" and "2.0" for the next
    api_1_1 = _api_file(tmp_path, f"{api.major}.{api.minor + 1}", "\nstrrchr\n")
    api_2_0 = _api_file(tmp_path, f"{api.major + 1}.0", "\nstrrchr\n")
    folder = tmp_path / "uses_strrchr"
    folder.mkdir()
    (folder / "module.c").write_text(MODULE)
    (folder / "module.toml").write_text('description = "calls strrchr, added in API 1.1"\n')
    b = boards[board]
    firmware_1_0 = Target(b, firmware[board])
    firmware_1_1 = Target(b, build_firmware(b, tmp_path / "fw-1.1", api_1_1))
    firmware_2_0 = Target(b, build_firmware(b, tmp_path / "fw-2.0", api_2_0))
    ok = Expectation(return_value=3, stdout="constructor ran\n")  # the last '/' of "a/b/c"
    refused = Expectation("rejected", error="bad_version", stdout="")
    cases = [
        (firmware_1_1, _job("built for 1.1 on 1.1", b, folder, api_1_1, tmp_path, ok)),
        (firmware_1_1, _job("built for 1.0 on 1.1", b, folder, EXPORTS_FILE, tmp_path, ok)),
        (firmware_1_0, _job("built for 1.1 on 1.0", b, folder, api_1_1, tmp_path,
                            Expectation("rejected", error="unresolved"))),
        (firmware_1_0, _job("built for 2.0 on 1.0", b, folder, api_2_0, tmp_path, refused)),
        (firmware_2_0, _job("built for 1.1 on 2.0", b, folder, api_1_1, tmp_path, refused)),
        (firmware_2_0, _job("built for 2.0 on 2.0", b, folder, api_2_0, tmp_path, ok)),
    ]
    for index, (target, job) in enumerate(cases):
        [(_, result)] = run_batch(target, [job], tmp_path / f"run{index}",
                                  RunSettings(out_dir=tmp_path))
        assert result.ok, (job.module, result.mismatches)
        if job.expect.error == "unresolved":
            assert result.unresolved == ["strrchr"], job.module
