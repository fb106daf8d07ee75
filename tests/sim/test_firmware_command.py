"""`python -m sim firmware`: builds a firmware as the suite builds the reference firmware, so
the image it writes is the suite's, byte for byte where it loads, and runs through
`--firmware`; bad input is exit 2 with the cause (README.md, "Building a firmware")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.boards import Board
from sim.build import FirmwareImage
from sim.elfinfo import ElfInfo
from sim.modules import Module

from .helpers import run_sim

pytestmark = pytest.mark.qemu


def _plain_module(boards: dict[str, Board], catalogue: dict[str, Module]) -> str:
    """The first catalogue module by name that returns on every board and needs no library."""
    for name, module in sorted(catalogue.items()):
        if not module.depends and all(module.expectation(b.name, b.capabilities).status == "ok"
                                      for b in boards.values()):
            return name
    pytest.skip("no catalogue module returns on every board")


def test_the_reference_firmware_built_by_the_command_is_the_suites(
        boards: dict[str, Board], firmware: dict[str, FirmwareImage],
        catalogue: dict[str, Module], build: str, tmp_path: Path) -> None:
    images = {}
    for name in boards:
        images[name] = tmp_path / "images" / f"{name}.elf"
        done = run_sim("firmware", "--board", name, "--out", str(images[name]),
                       "--build-dir", build)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"ELF {images[name].absolute()}" in done.stdout
        assert f"map {images[name].with_suffix('.map').absolute()}" in done.stdout
        assert ElfInfo(images[name]).loadable_digest == \
            ElfInfo(firmware[name].elf).loadable_digest, name
    module = _plain_module(boards, catalogue)
    options = [arg for name, elf in images.items() for arg in ("--firmware", f"{name}={elf}")]
    out = tmp_path / "out"
    done = run_sim("run", "--only", module, "--out", str(out), "--build-dir", build, "-j", "2",
                   *options)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((out / "results.json").read_text())
    assert {run["board"] for run in document["runs"]} == set(boards)
    assert all(run["ok"] and run["status"] == "ok" for run in document["runs"])
    # The map went beside the ELF and is the image's: the loader's size is known.
    assert all(f["loader_bytes"] for f in document["footprint"].values())


def test_bad_input_is_exit_2_naming_the_cause(board: str, build: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "main.c").write_text("int main(void)\n{\n    return 0\n}\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "folder.elf").mkdir()
    out = str(tmp_path / "fw.elf")
    cases = {
        "no folder": (["--board", board, "--source", str(tmp_path / "nowhere"), "--out", out],
                      [f"--source {tmp_path / 'nowhere'}: no such folder"]),
        "no sources": (["--board", board, "--source", str(empty), "--out", out],
                       [f"--source {empty}: no .c files"]),
        "compile error": (["--board", board, "--source", str(broken), "--out", out],
                          [f"--source {broken}: compiling main.c for {board} failed:",
                           "main.c:3:13: error: expected ';'"]),
        "unknown board": (["--board", "no_such_board", "--out", out],
                          ["unknown board 'no_such_board'"]),
        "out is a folder": (["--board", board, "--out", str(tmp_path / "folder.elf")],
                            [f"--out {tmp_path / 'folder.elf'}: is a folder"]),
    }
    for what, (args, said) in cases.items():
        done = run_sim("firmware", *args, "--build-dir", build)
        assert done.returncode == 2, (what, done.stdout + done.stderr)
        assert "Traceback" not in done.stderr, what
        for text in said:
            assert text in done.stderr, (what, done.stderr)
    assert not Path(out).exists()
