"""Release images: `--firmware BOARD=ELF` takes the reference firmware stripped of its symbols
(arm-none-eabi-strip --strip-all, or --strip-debug), and `--firmware-debug BOARD=ELF` gives back
the names of its addresses. Every run shows what it shows on the image as built, except where
an address in firmware code is named: "no debug info" there without the debug ELF, never a
guess (README.md, "Release images")."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from sim.boards import Board
from sim.build import FirmwareImage
from sim.diagnostics import diagnostic_jobs
from sim.modules import Module
from sim.toolchain import GCC

from .helpers import run_sim

pytestmark = pytest.mark.qemu

STRIP = GCC.replace("gcc", "strip")
OBJCOPY = GCC.replace("gcc", "objcopy")
# Catalogue modules that fault in the module's code, in a firmware function it called, run out
# of their budget, and bind many imports against the export table the host reads.
MODULES = ("fault_divide_by_zero", "fault_in_firmware_call", "runs_forever", "bench_imports")
# What every run must show alike on every image: everything but how addresses are named.
SAME_KEYS = ("status", "ok", "return", "stdout", "error", "unresolved", "imports", "image_crc",
             "timing", "sizes", "mismatches")
NAMES = (("symbol", "location", "debug_info"), ("lr_symbol", "lr_location", "lr_debug_info"))


def _selection(boards: dict[str, Board], catalogue: dict[str, Module]) -> list[str]:
    """The modules above that exist, and every diagnostic that faults (firmware code) on some
    board."""
    missing = [name for name in MODULES if name not in catalogue]
    assert not missing, f"the catalogue lost {missing}: pick others that do the same"
    faulting = {job.module for board in boards.values() for job in diagnostic_jobs(board)
                if job.expect.status == "fault"}
    return [*MODULES, *sorted(faulting)]


def _run(tmp_path: Path, name: str, build: str, only: list[str], *options: str) -> dict:
    args = [arg for module in only for arg in ("--only", module)]
    out = tmp_path / name
    done = run_sim("run", "--out", str(out), "--build-dir", build, "-j", "2", *args, *options)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((out / "results.json").read_text())


def _strip(how: str, elf: Path, out: Path) -> Path:
    """arm-none-eabi-strip, which must have nothing to say: it warns, and writes program headers
    that load elsewhere, when the linker script leaves RAM segments overlapping."""
    done = subprocess.run([STRIP, how, "-o", str(out), str(elf)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return out


def _stripped(firmware: dict[str, FirmwareImage], folder: Path, how: str) -> dict[str, Path]:
    """Each board's image through arm-none-eabi-strip, without its map beside it."""
    folder.mkdir()
    return {board: _strip(how, image.elf, folder / f"{board}.elf")
            for board, image in firmware.items()}


def _options(images: dict[str, Path], option: str = "--firmware") -> list[str]:
    return [arg for board, elf in images.items() for arg in (option, f"{board}={elf}")]


def _by_run(document: dict) -> dict[tuple[str, str], dict]:
    return {(run["board"], run["module"]): run for run in document["runs"]}


def _stops(run: dict) -> list[dict]:
    return [stop for stop in (run["fault"], run["timeout"]) if stop is not None]


def _without_names(stop: dict) -> dict:
    return {key: value for key, value in stop.items() if all(key not in n for n in NAMES)}


def test_stripped_images_run_alike_and_name_with_the_debug_elf(
        boards: dict[str, Board], firmware: dict[str, FirmwareImage],
        catalogue: dict[str, Module], build: str, tmp_path: Path) -> None:
    only = _selection(boards, catalogue)
    built = _run(tmp_path, "built", build, only)
    stripped = _stripped(firmware, tmp_path / "strip-all", "--strip-all")
    no_dwarf = _stripped(firmware, tmp_path / "strip-debug", "--strip-debug")
    debug = {board: image.elf for board, image in firmware.items()}
    release = _run(tmp_path, "release", build, only, *_options(stripped))
    with_debug = _run(tmp_path, "debug", build, only, *_options(stripped),
                      *_options(debug, "--firmware-debug"))
    symbols_only = _run(tmp_path, "symbols", build, only, *_options(no_dwarf))

    reference = _by_run(built)
    unnamed_in_firmware = named_in_module = 0
    for document in (release, with_debug, symbols_only):
        runs = _by_run(document)
        assert runs.keys() == reference.keys()
        for key, run in runs.items():
            want = reference[key]
            assert {k: run[k] for k in SAME_KEYS} == {k: want[k] for k in SAME_KEYS}, key
            assert [_without_names(s) for s in _stops(run)] == \
                [_without_names(s) for s in _stops(want)], key
    for key, want in reference.items():
        for got, expected in zip(_stops(_by_run(with_debug)[key]), _stops(want)):
            assert got == expected, key   # the debug ELF names every address as built
        for got, expected in zip(_stops(_by_run(release)[key]), _stops(want)):
            for symbol, location, flag in NAMES:
                assert expected[flag], key
                if got[flag]:    # named in the module's own ELF, as built
                    named_in_module += 1
                    assert (got[symbol], got[location]) == (expected[symbol], expected[location])
                else:            # in firmware code: the raw address, and no name at all
                    unnamed_in_firmware += 1
                    assert (got[symbol], got[location]) == (None, None), key
        for got, expected in zip(_stops(_by_run(symbols_only)[key]), _stops(want)):
            for symbol, location, flag in NAMES:
                assert got[symbol] == expected[symbol], key   # the symbol table is still there
                assert got[location] == (expected[location] if got[flag] else None), key
    assert unnamed_in_firmware and named_in_module

    faults_md = (tmp_path / "release" / "faults.md").read_text()
    assert "= no debug info" in faults_md
    assert "no debug info" in (tmp_path / "release" / "summary.md").read_text()
    assert "= no debug info" not in (tmp_path / "debug" / "faults.md").read_text()
    for board, footprint in release["footprint"].items():
        assert footprint["loader_bytes"] is None   # no map beside the stripped image
        assert footprint["flash_bytes"] == built["footprint"][board]["flash_bytes"]
        assert with_debug["footprint"][board]["loader_bytes"] is None
    assert all(f["loader_bytes"] for f in built["footprint"].values())


def _with_a_changed_byte(elf: Path, copy: Path) -> Path:
    """The ELF with one byte of its first loaded segment changed: another build's, as far as
    its loadable bytes go."""
    data = bytearray(elf.read_bytes())
    with open(elf, "rb") as handle:
        segment = next(s for s in ELFFile(handle).iter_segments()
                       if s["p_type"] == "PT_LOAD" and s["p_filesz"])
        offset = segment["p_offset"] + segment["p_filesz"] - 1
    data[offset] ^= 0xFF
    copy.write_bytes(data)
    return copy


def test_a_debug_elf_that_is_not_the_images_is_a_usage_error(
        board: str, firmware: dict[str, FirmwareImage], build: str, tmp_path: Path) -> None:
    """Exit 2 naming both files, before anything boots: another build's ELF, a debug-only file
    (no loadable bytes to compare), a stripped one (nothing to name with), a debug ELF
    without its image."""
    elf = firmware[board].elf
    image = _strip("--strip-all", elf, tmp_path / "release.elf")
    only_debug = tmp_path / "only-debug.elf"
    subprocess.run([OBJCOPY, "--only-keep-debug", str(elf), str(only_debug)], check=True)
    other = _with_a_changed_byte(elf, tmp_path / "other.elf")
    cases = {
        other: "their loadable bytes differ",
        only_debug: "holds no loadable bytes",
        image: "has no symbols or no DWARF line table",
    }
    for debug, said in cases.items():
        done = run_sim("run", "--board", board, "--only", "diag:add", "--out",
                       str(tmp_path / "out"), "--build-dir", build, "--firmware",
                       f"{board}={image}", "--firmware-debug", f"{board}={debug}")
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"error: --firmware-debug {board}={debug}" in done.stderr
        assert said in done.stderr, done.stderr
        if debug == other:
            assert f"--firmware {board}={image}" in done.stderr
    alone = run_sim("run", "--board", board, "--only", "diag:add", "--out",
                    str(tmp_path / "out"), "--build-dir", build, "--firmware-debug",
                    f"{board}={elf}")
    assert alone.returncode == 2 and f"no --firmware {board}=ELF" in alone.stderr, alone.stderr
    assert not (tmp_path / "out" / "results.json").exists()
