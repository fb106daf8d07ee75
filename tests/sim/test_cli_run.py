"""`python -m sim run` end to end: exit codes, results.json and summary.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.boards import load_boards
from sim.build import FirmwareImage
from sim.diagnostics import diagnostic_jobs

pytestmark = pytest.mark.qemu

RUN_KEYS = {"board", "module", "boot", "status", "ok", "expected", "return", "stdout", "error",
            "unresolved", "imports", "fault", "timing", "sizes"}


def _sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_run_writes_reports_and_exits_0(firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    """The whole catalogue and the diagnostics on both boards, as `tox -e sim` runs them."""
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    done = _sim("run", "--out", str(tmp_path), "--build-dir", str(build_dir), "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["schema"] == 1
    assert set(document["footprint"]) == {"netduinoplus2", "stm32vldiscovery"}
    runs = document["runs"]
    catalogue = {p.parent.name for p in (REPO_ROOT / "modules").glob("*/module.toml")}
    assert {r["module"] for r in runs} == catalogue | {r["module"] for r in runs
                                                      if r["module"].startswith("diag:")}
    diagnostics = len(diagnostic_jobs(load_boards(["stm32vldiscovery"])[0]))
    assert len(runs) == 2 * (len(catalogue) + diagnostics) and all(run["ok"] for run in runs)
    assert all(RUN_KEYS <= set(run) for run in runs)
    nocp = next(r for r in runs if r["board"] == "stm32vldiscovery" and r["module"] == "diag:fpu")
    assert nocp["fault"]["name"] == "UsageFault.NOCP"
    summary = (tmp_path / "summary.md").read_text()
    assert "## netduinoplus2" in summary and "## stm32vldiscovery" in summary
    assert f"{len(runs)} met their expectation, 0 missed" in summary
    for run in runs:
        assert run["log"] is None or (tmp_path / run["log"] / "command.sh").is_file()
    faults = (tmp_path / "faults.md").read_text()
    assert "## stm32vldiscovery / fault_unmapped_read: BusFault.PRECISERR" in faults
    assert "= module_main+0x" in faults and "fault_unmapped_read.c:7" in faults


def test_figures_do_not_depend_on_batch_or_parallelism(firmware: dict[str, FirmwareImage],
                                                       tmp_path: Path) -> None:
    """Two runs, equal figures: one QEMU per run on 2 at once, against all runs in one boot."""
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    outcomes = []
    for batch, parallel in (("1", "2"), ("200", "1")):
        out = tmp_path / batch
        done = _sim("run", "--board", "stm32vldiscovery", "--out", str(out), "--build-dir",
                    str(build_dir), "--batch", batch, "-j", parallel)
        assert done.returncode == 0, done.stdout + done.stderr
        runs = json.loads((out / "results.json").read_text())["runs"]
        outcomes.append([(r["module"], r["status"], r["return"], r["timing"],
                          r["fault"] and r["fault"]["pc"]) for r in runs])
    assert outcomes[0] == outcomes[1]


def test_prebuilt_firmware_for_the_wrong_core_misses_and_exits_1(
        firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    """The Cortex-M3 image on the M4F machine never enables the FPU: diag:fpu faults instead of
    returning, so the run misses its expectation."""
    m3_image = firmware["stm32vldiscovery"].elf
    done = _sim("run", "--board", "netduinoplus2", "--only", "diag:fpu", "--out", str(tmp_path),
                "--firmware", f"netduinoplus2={m3_image}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MISSED netduinoplus2/diag:fpu" in done.stdout
    [run] = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert run["fault"]["name"] == "UsageFault.NOCP" and not run["ok"]


def _user_module(folder: Path, name: str, source: str, toml: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / f"{name}.c").write_text(source)
    (folder / name / "module.toml").write_text(toml)


def test_users_own_module_folder(firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    """A folder the team never saw: one module that meets its expectation, one that does not."""
    mine = tmp_path / "mine"
    _user_module(mine, "triple", '#include <stdio.h>\nint module_main(int x) '
                 '{ printf("x=%d\\n", x); return 3 * x; }\n',
                 'description = "triples"\nargs = [14]\n[expect]\nreturn = 42\nstdout = "x=14\\n"\n')
    _user_module(mine, "off_by_one", "int module_main(int x) { return x + 2; }\n",
                 'description = "wrong on purpose"\nargs = [1]\n[expect]\nreturn = 2\n')
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    done = _sim("run", "--modules", str(mine), "--board", "stm32vldiscovery", "--out",
                str(tmp_path / "out"), "--build-dir", str(build_dir))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MISSED stm32vldiscovery/off_by_one: return: expected 2, got 3" in done.stdout
    runs = {r["module"]: r for r in json.loads((tmp_path / "out" / "results.json").read_text())["runs"]}
    assert runs["triple"]["ok"] and runs["triple"]["stdout"] == "x=14\n"
    assert runs["triple"]["sizes"]["file"] > runs["triple"]["sizes"]["text"] > 0


def test_bad_module_toml_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    _user_module(tmp_path, "broken", "int module_main(void) { return 0; }\n",
                 '[expect]\nstatus = "fine"\n')
    done = _sim("run", "--modules", str(tmp_path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert f"{tmp_path / 'broken' / 'module.toml'}: key 'expect.status'" in done.stderr


def test_only_pulls_in_dependencies(firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    done = _sim("run", "--only", "uses_resident_libraries", "--out", str(tmp_path),
                "--build-dir", str(build_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert [(r["board"], r["module"]) for r in runs] == [
        ("netduinoplus2", "uses_resident_libraries"), ("stm32vldiscovery", "uses_resident_libraries")]
    assert all({i["name"] for i in r["imports"]} == {"frame", "fletcher16", "checksum_call_count"}
               for r in runs)


def test_dependency_cycle_exits_2_and_missing_dependency_is_an_error_run(
        firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    source = "int module_main(void) { return 0; }\n"
    cyclic = tmp_path / "cyclic"
    _user_module(cyclic, "a", source, 'depends = ["b"]\n')
    _user_module(cyclic, "b", source, 'depends = ["a"]\n')
    done = _sim("run", "--modules", str(cyclic), "--out", str(tmp_path / "out1"))
    assert done.returncode == 2 and "dependency cycle a -> b -> a" in done.stderr
    missing = tmp_path / "missing"
    _user_module(missing, "app", source, 'depends = ["libgone"]\n')
    done = _sim("run", "--modules", str(missing), "--only", "app", "--board", "stm32vldiscovery",
                "--out", str(tmp_path / "out2"), "--build-dir", str(build_dir))
    assert done.returncode == 1
    [run] = json.loads((tmp_path / "out2" / "results.json").read_text())["runs"]
    assert run["status"] == "error" and "no module 'libgone'" in run["error"]


def test_a_regression_past_its_threshold_exits_1(firmware: dict[str, FirmwareImage],
                                                 tmp_path: Path) -> None:
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    args = ["--only", "entry_not_first", "--board", "stm32vldiscovery", "--build-dir",
            str(build_dir)]
    baseline = tmp_path / "baseline.json"
    done = _sim("baseline", "--update", "--baseline", str(baseline), "--out",
                str(tmp_path / "b"), *args)
    assert done.returncode == 0, done.stdout + done.stderr
    same = _sim("run", "--baseline", str(baseline), "--out", str(tmp_path / "same"), *args)
    assert same.returncode == 0 and "REGRESSED" not in same.stdout
    document = json.loads(baseline.read_text())
    figure = "stm32vldiscovery/entry_not_first/timing.load"
    document["figures"][figure] = int(document["figures"][figure] / 1.02)  # 2% faster before
    baseline.write_text(json.dumps(document))
    slower = _sim("run", "--baseline", str(baseline), "--out", str(tmp_path / "slower"), *args)
    assert slower.returncode == 1
    assert f"| {figure}" in slower.stdout and "**REGRESSED**" in slower.stdout
    assert "**REGRESSED**" in (tmp_path / "slower" / "summary.md").read_text()


def test_bench_prints_throughput_both_ways(firmware: dict[str, FirmwareImage],
                                           tmp_path: Path) -> None:
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    done = _sim("bench", "--runs", "6", "--board", "stm32vldiscovery", "--out", str(tmp_path),
                "--build-dir", str(build_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| one QEMU boot per run (--batch 1) |             6 |" in done.stdout
    assert "| one boot per board (--batch 6)    |             6 |" in done.stdout
    assert "ratio: " in done.stdout and "6/6 runs" in done.stderr


def test_parallelism_changes_nothing(firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    """-j 1 and -j 2 over several batches: the same results.json, byte for byte."""
    build_dir = firmware["netduinoplus2"].elf.parent.parent
    documents = []
    for parallel in ("1", "2"):
        out = tmp_path / parallel
        done = _sim("run", "--board", "stm32vldiscovery", "--out", str(out), "--build-dir",
                    str(build_dir), "--batch", "10", "-j", parallel)
        assert done.returncode == 0, done.stdout + done.stderr
        documents.append((out / "results.json").read_text())
    assert documents[0] == documents[1]
