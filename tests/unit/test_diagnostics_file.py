"""firmware/src/diagnostics.toml: the diagnostics' expectations are data, read with module.toml's
rules; the values it writes down are what diag.c computes from the arguments, recomputed here
on the host; and every mistake in it names the file and the key."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from sim import FIRMWARE_DIR, MODULES_DIR
from sim.boards import board_names, load_boards
from sim.diagnostics import (DIAGNOSTICS_FILE, diagnostic_jobs, float_bits, load_diagnostics,
                             veneer_bench_calls)
from sim.errors import SetupError
from sim.modules import load_module

BOARDS = frozenset({"any_board"})


def _by_name() -> dict:
    return {d.name: d for d in load_diagnostics(frozenset(board_names()))}


def _float32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<i", bits))[0]


def test_every_diagnostic_in_the_file_is_in_diag_c() -> None:
    source = (FIRMWARE_DIR / "src" / "diag.c").read_text()
    table = source[source.index("diagnostics[] = {"):]
    names = set(re.findall(r'\{"(\w+)", diag_\w+\}', table))
    assert set(_by_name()) <= names


def test_returns_are_what_the_c_computes_from_the_args() -> None:
    """add sums its four arguments, import_call_direct sums 1..n, fpu doubles a float."""
    found = _by_name()
    add = found["add"]
    assert add.expect["return"] == sum(add.args)
    calls = found["import_call_direct"]
    n = calls.args[0]
    assert calls.expect["return"] == n * (n + 1) // 2
    fpu = found["fpu"]
    doubled = _float32(fpu.args[0]) + _float32(fpu.args[0])
    assert fpu.expect["return"] == float_bits(doubled)


def test_floats_are_written_as_floats_and_passed_as_their_bits() -> None:
    fpu = _by_name()["fpu"]
    assert fpu.args == (0x3FC00000,)              # 1.5
    assert fpu.expect["return"] == 0x40400000      # 3.0


def test_the_veneer_baseline_makes_the_benchmarks_calls() -> None:
    """bench_import_calls makes through its veneer the calls diag:import_call_direct makes
    directly; the report divides their difference by that count."""
    bench = load_module(MODULES_DIR / "bench_import_calls", board_names())
    assert bench.args[0] == veneer_bench_calls()


def test_expectations_follow_capabilities_not_board_names() -> None:
    for board in load_boards():
        jobs = {job.module: job for job in diagnostic_jobs(board)}
        fpu = jobs["diag:fpu"].expect
        assert (fpu.status == "ok") == board.cpu.has_fpu
        has_unmapped = board.addresses.unmapped is not None
        assert ("diag:unmapped_read" in jobs) == has_unmapped
        assert ("diag:firmware_unmapped_read" in jobs) == has_unmapped


def _load(tmp_path: Path, text: str):
    path = tmp_path / "diagnostics.toml"
    path.write_text(text)
    return load_diagnostics(BOARDS, path)


@pytest.mark.parametrize("text, key, problem", [
    ('[[diagnostic]]\nname = "add"\ncolour = 1\n', "diagnostic[0].colour", "unknown key"),
    ('[[diagnostic]]\nargs = [1]\n', "diagnostic[0].name", "missing"),
    ('[[diagnostic]]\nname = "add"\nargs = [1, 2, 3, 4, 5]\n', "diagnostic[0].args",
     "up to 4"),
    ('[[diagnostic]]\nname = "add"\nexpect = { status = "melted" }\n', "expect.status",
     "expected one of"),
    ('[[diagnostic]]\nname = "add"\nneeds = { faults_on_unmapped = "yes" }\n',
     "diagnostic[0].needs.faults_on_unmapped", "expected true or false"),
    ('[[diagnostic]]\nname = "add"\n[[diagnostic.when]]\nfpu = "fpv9"\n', "when[0].fpu",
     "expected one of"),
    ('[[diagnostic]]\nname = "add"\n[[diagnostic]]\nname = "add"\n', "diagnostic",
     "named twice"),
    ('colour = 1\n', "colour", "unknown key"),
])
def test_mistakes_name_the_file_and_the_key(tmp_path: Path, text: str, key: str,
                                             problem: str) -> None:
    with pytest.raises(SetupError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "diagnostics.toml")), message
    assert f"key '{key}'" in message and problem in message, message


def test_the_real_file_loads() -> None:
    assert load_diagnostics(frozenset(board_names()), DIAGNOSTICS_FILE)
