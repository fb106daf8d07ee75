"""The fuzzer on the real firmware: a small run per board, as CI does on every commit, with
no escapes; and the same seed gives the same inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.build import FirmwareImage
from sim.fuzz import mutants

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("board", ["netduinoplus2", "stm32vldiscovery"])
def test_no_mutant_escapes(board: str, firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    build = str(firmware["netduinoplus2"].elf.parent.parent)
    done = subprocess.run([sys.executable, "-m", "sim", "fuzz", "--board", board, "--count", "600",
                           "--seed", "11", "--out", str(tmp_path), "--build-dir", build],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "fuzz.json").read_text())
    assert summary["runs"] == 600 and summary["escapes"] == 0 and summary["examples"] == []
    assert sum(summary[k] for k in ("ok", "rejected", "fault", "timeout")) == 600
    assert summary["rejected"] > 0 and summary["ok"] > 0
    assert len(list((tmp_path / "inputs").glob("*.cmod"))) == 600


def test_the_seed_decides_the_inputs() -> None:
    originals = {"a": bytes(range(256)) * 2, "b": bytes(300)}
    one, two = mutants(originals, 50, seed=5), mutants(originals, 50, seed=5)
    assert [m.data for m in one] == [m.data for m in two]
    assert [m.data for m in one] != [m.data for m in mutants(originals, 50, seed=6)]
    assert sum(m.crc_fixed for m in one) >= 20
