"""Bad input on the host: each case exits 2 with a message naming the file and the cause."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.build import FirmwareImage

GOOD_SOURCE = "int module_main(void) { return 0; }\n"


def _module(folder: Path, name: str, source: str = GOOD_SOURCE, toml: str = "") -> Path:
    (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / name / f"{name}.c").write_text(source)
    (folder / name / "module.toml").write_text(toml)
    return folder / name


def _sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def _case_module_toml(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "colours", toml='colour = "red"\n')
    return (["--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'colour'", "unknown key"])


def _case_not_arm(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    return (["--firmware", "stm32vldiscovery=/bin/sh", "--board", "stm32vldiscovery"],
            ["--firmware stm32vldiscovery=/bin/sh", "not a 32-bit Arm ELF"])


def _case_corrupt_elf(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    junk = tmp / "junk.elf"
    junk.write_bytes(b"\x7fELF" + bytes(range(60)))
    return (["--firmware", f"stm32vldiscovery={junk}", "--board", "stm32vldiscovery"],
            [str(junk), "not a valid ELF file"])


def _case_relocation(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "pic", "int counter;\nint module_main(void) { return ++counter; }\n",
                     '[build]\ncflags = ["-fPIC"]\n')
    return (["--modules", str(tmp / "m"), "--board", "stm32vldiscovery", "--build-dir", build],
            [str(folder), "R_ARM_GOT_BREL in section .text", "'counter'"])


def _case_entry(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "no_entry", toml='entry = "start_here"\n')
    return (["--modules", str(tmp / "m"), "--board", "stm32vldiscovery", "--build-dir", build],
            [str(folder), "entry 'start_here' is not a global function"])


def _case_duplicate(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    _module(tmp / "a", "twin")
    _module(tmp / "b", "twin")
    return (["--modules", str(tmp / "a"), "--modules", str(tmp / "b")],
            ["module 'twin' is in both", str(tmp / "a" / "twin"), str(tmp / "b" / "twin")])


def _case_board(tmp: Path, build: str) -> tuple[list[str], list[str]]:
    return (["--board", "arduino_uno"], ["unknown board 'arduino_uno'", "boards in"])


CASES = {"module.toml error": _case_module_toml, "non-Arm ELF": _case_not_arm,
         "corrupt ELF": _case_corrupt_elf, "unsupported relocation": _case_relocation,
         "missing entry symbol": _case_entry, "duplicate module names": _case_duplicate,
         "unknown board": _case_board}


@pytest.mark.qemu
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_naming_file_and_cause(case: str, firmware: dict[str, FirmwareImage],
                                                 tmp_path: Path) -> None:
    build = str(firmware["netduinoplus2"].elf.parent.parent)
    args, evidence = CASES[case](tmp_path, build)
    done = _sim("run", "--out", str(tmp_path / "out"), *args)
    assert done.returncode == 2, done.stdout + done.stderr
    for text in evidence:
        assert text in done.stderr, (text, done.stderr)
