"""`python -m sim run` end to end: exit codes, results.json and summary.md."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.boards import Board, load_boards
from sim.build import FirmwareImage, build_firmware
from sim.cores import CORE_FACTS
from sim.exports import EXPORTS_FILE, load_api
from sim.diagnostics import diagnostic_jobs
from sim.faults import has_fault_status
from sim.modules import load_module

from .helpers import run_sim

pytestmark = pytest.mark.qemu

RUN_KEYS = {"board", "module", "boot", "status", "ok", "expected", "return", "stdout", "error",
            "unresolved", "imports", "fault", "timeout", "timing", "sizes", "build_error"}


def test_run_writes_reports_and_exits_0(boards: dict[str, Board], build: str,
                                        tmp_path: Path) -> None:
    """The whole catalogue and the diagnostics on every board, as `tox -e sim` runs them."""
    done = run_sim("run", "--out", str(tmp_path), "--build-dir", build, "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["schema"] == 1
    assert set(document["footprint"]) == set(boards)
    runs = document["runs"]
    catalogue = {p.parent.name for p in (REPO_ROOT / "modules").glob("*/module.toml")}
    assert {r["module"] for r in runs} == catalogue | {r["module"] for r in runs
                                                      if r["module"].startswith("diag:")}
    diagnostics = sum(len(diagnostic_jobs(board)) for board in boards.values())
    assert len(runs) == len(boards) * len(catalogue) + diagnostics
    assert all(run["ok"] for run in runs) and all(RUN_KEYS <= set(run) for run in runs)
    for board in boards.values():
        [fpu] = [r for r in runs if r["board"] == board.name and r["module"] == "diag:fpu"]
        if not board.cpu.has_fpu:  # ARMv6-M defines no coprocessor instruction at all
            v7m = has_fault_status(board.cpu.core)
            assert fpu["fault"]["name"] == ("UsageFault.NOCP" if v7m else "HardFault.UNDEFINSTR")
    summary = (tmp_path / "summary.md").read_text()
    assert all(f"## {name}" in summary for name in boards)
    assert f"{len(runs)} met their expectation, 0 missed" in summary
    for run in runs:
        assert run["log"] is None or (tmp_path / run["log"] / "command.sh").is_file()
    junit = ET.parse(tmp_path / "junit.xml").getroot()   # beside the other reports, always
    assert len(list(junit.iter("testcase"))) == len(runs)
    assert junit.get("failures") == junit.get("errors") == "0"
    faults = (tmp_path / "faults.md").read_text()
    unmapped_read = load_module(REPO_ROOT / "modules" / "fault_unmapped_read", set(boards))
    for name, board in boards.items():
        fault = unmapped_read.expectation(name, board.capabilities).fault
        assert f"## {name} / fault_unmapped_read: {fault}" in faults, name
    assert "= module_main+0x" in faults and "fault_unmapped_read.c:7" in faults
    timeouts = [r for r in runs if r["status"] == "timeout"]
    assert timeouts and all(r["timeout"]["budget"] and r["timeout"]["location"] for r in timeouts)
    assert all(r["build_error"] is None for r in runs)


def test_figures_do_not_depend_on_batch_or_parallelism(board: str, build: str,
                                                       tmp_path: Path) -> None:
    """Two runs, equal figures: one QEMU per run on 2 at once, against all runs in one boot."""
    outcomes = []
    for batch, parallel in (("1", "2"), ("200", "1")):
        out = tmp_path / batch
        done = run_sim("run", "--board", board, "--out", str(out), "--build-dir", build,
                       "--batch", batch, "-j", parallel)
        assert done.returncode == 0, done.stdout + done.stderr
        runs = json.loads((out / "results.json").read_text())["runs"]
        outcomes.append([(r["module"], r["status"], r["return"], r["timing"],
                          r["fault"] and r["fault"]["pc"]) for r in runs])
    assert outcomes[0] == outcomes[1]


def _refusal(asked: str, image: Path, board: Board, other: Board) -> str:
    """What stops a run given other's firmware for board: before any boot its architecture
    or its memory map (both name the image's core), else its own word when it boots."""
    start = f"error: --firmware {asked}={image}: "
    if CORE_FACTS[other.cpu.core].tag_cpu_arch != CORE_FACTS[board.cpu.core].tag_cpu_arch:
        return f"{start}the image is built for {CORE_FACTS[other.cpu.core].architecture} ("
    if other.region("flash").origin != board.region("flash").origin:
        return f"{start}the image is linked for flash at "
    return f"{start}the firmware says board={other.name} on {board.cpu.core}"


def test_another_boards_firmware_stops_the_run_naming_both(
        boards: dict[str, Board], firmware: dict[str, FirmwareImage], tmp_path: Path) -> None:
    """Each board given each other board's real image: exit 2 naming the image (its core, or
    the board it says it is for) and the board asked for; the last reports stay as they
    were."""
    if len(boards) < 2:
        pytest.skip("one board: no other board's firmware to try")
    build_dir = str(next(iter(firmware.values())).elf.parent.parent)
    out = tmp_path / "out"
    for asked, board in boards.items():
        good = run_sim("run", "--board", asked, "--only", "diag:add", "--out", str(out),
                    "--build-dir", build_dir)
        assert good.returncode == 0, good.stdout + good.stderr
        before = (out / "results.json").read_text()
        for other in sorted(set(boards) - {asked}):
            image = firmware[other].elf
            done = run_sim("run", "--board", asked, "--only", "diag:add", "--out", str(out),
                        "--firmware", f"{asked}={image}", "--build-dir", build_dir)
            assert done.returncode == 2, done.stdout + done.stderr
            assert _refusal(asked, image, board, boards[other]) in done.stderr, done.stderr
            assert f"this run asked for {asked} ({board.cpu.core}," in done.stderr
            assert (out / "results.json").read_text() == before


def _board_variant(board: Board, folder: Path, name: str, **cpu: int) -> Board:
    """A copy of the board under another name (and, given cpu keys, another clock): the same
    core and QEMU machine, so its firmware boots on the original's machine."""
    folder.mkdir(parents=True, exist_ok=True)
    text = board.path.read_text().replace(f'name = "{board.name}"', f'name = "{name}"')
    for key, value in cpu.items():
        text = text.replace(f"{key} = {getattr(board.cpu, key)}", f"{key} = {value}")
    (folder / f"{name}.toml").write_text(text)
    shutil.copy(board.linker_script, folder / board.linker_script.name)
    return load_boards([name], folder)[0]


def test_the_firmwares_own_word_on_board_clock_and_api_is_checked(
        boards: dict[str, Board], build_dir: Path, tmp_path: Path) -> None:
    """Images of the board's own core that are not its firmware: built for a board of another
    name, for another clock, for another API than exports.txt's. Each says so in its @boot
    record, and the run stops with exit 2 naming both sides."""
    name, board = sorted(boards.items())[0]
    api = load_api()
    other_api = tmp_path / "exports.txt"
    other_api.write_text(EXPORTS_FILE.read_text().replace(
        f"api {api.major}.{api.minor}", f"api {api.major + 1}.0"))
    renamed = _board_variant(board, tmp_path / "boards", f"{name}_rev_b")
    faster = _board_variant(board, tmp_path / "boards-fast", name,   # slower may be too slow
                            clock_hz=board.cpu.clock_hz * 2)            # to time (MIN_CLOCK_HZ)
    cases = {
        "board": (build_firmware(renamed, tmp_path / "b1"), f"board={renamed.name} on "),
        "clock": (build_firmware(faster, tmp_path / "b2"), f"clock {board.cpu.clock_hz * 2} Hz"),
        "api": (build_firmware(board, tmp_path / "b3", other_api), f"api {api.major + 1}.0;"),
    }
    for what, (image, said) in cases.items():
        done = run_sim("run", "--board", name, "--only", "diag:add", "--out",
                    str(tmp_path / "out"), "--firmware", f"{name}={image.elf}",
                    "--build-dir", str(build_dir))
        assert done.returncode == 2, (what, done.stdout + done.stderr)
        assert f"error: --firmware {name}={image.elf}: the firmware says " in done.stderr
        assert said in done.stderr, (what, done.stderr)
        assert (f"this run asked for {name} ({board.cpu.core}, clock {board.cpu.clock_hz} Hz, "
                f"api {api.major}.{api.minor}, machine {board.qemu_machine})") in done.stderr


def _user_module(folder: Path, name: str, source: str, toml: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / f"{name}.c").write_text(source)
    (folder / name / "module.toml").write_text(toml)


def test_users_own_module_folder(board: str, build: str, tmp_path: Path) -> None:
    """A folder the team never saw: one module that meets its expectation, one that does not."""
    mine = tmp_path / "mine"
    _user_module(mine, "triple", '#include <stdio.h>\nint module_main(int x) '
                 '{ printf("x=%d\\n", x); return 3 * x; }\n',
                 'description = "triples"\nargs = [14]\n[expect]\nreturn = 42\nstdout = "x=14\\n"\n')
    _user_module(mine, "off_by_one", "int module_main(int x) { return x + 2; }\n",
                 'description = "wrong on purpose"\nargs = [1]\n[expect]\nreturn = 2\n')
    done = run_sim("run", "--modules", str(mine), "--board", board, "--out",
                   str(tmp_path / "out"), "--build-dir", build)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"MISSED {board}/off_by_one: return: expected 2, got 3" in done.stdout
    runs = {r["module"]: r for r in json.loads((tmp_path / "out" / "results.json").read_text())["runs"]}
    assert runs["triple"]["ok"] and runs["triple"]["stdout"] == "x=14\n"
    assert runs["triple"]["sizes"]["file"] > runs["triple"]["sizes"]["text"] > 0


def test_only_pulls_in_dependencies(boards: dict[str, Board], build: str, tmp_path: Path) -> None:
    done = run_sim("run", "--only", "uses_resident_libraries", "--out", str(tmp_path),
                   "--build-dir", build)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert [(r["board"], r["module"]) for r in runs] == [
        (name, "uses_resident_libraries") for name in sorted(boards)]
    assert all({i["name"] for i in r["imports"]} == {"frame", "fletcher16", "checksum_call_count"}
               for r in runs)


def test_dependency_cycle_exits_2_and_missing_dependency_is_an_error_run(
        board: str, build: str, tmp_path: Path) -> None:
    source = "int module_main(void) { return 0; }\n"
    cyclic = tmp_path / "cyclic"
    _user_module(cyclic, "a", source, 'depends = ["b"]\n')
    _user_module(cyclic, "b", source, 'depends = ["a"]\n')
    done = run_sim("run", "--modules", str(cyclic), "--out", str(tmp_path / "out1"))
    assert done.returncode == 2 and "dependency cycle a -> b -> a" in done.stderr
    missing = tmp_path / "missing"
    _user_module(missing, "app", source, 'depends = ["libgone"]\n')
    done = run_sim("run", "--modules", str(missing), "--only", "app", "--board", board,
                   "--out", str(tmp_path / "out2"), "--build-dir", build)
    assert done.returncode == 1
    [run] = json.loads((tmp_path / "out2" / "results.json").read_text())["runs"]
    assert run["status"] == "error" and "no module 'libgone'" in run["error"]


def test_a_regression_past_its_threshold_exits_1(board: str, build: str, tmp_path: Path) -> None:
    """A baseline with one figure lowered by 2%: the run exits 1 and every report names it as
    regressed (the headline, results.json, junit.xml and summary.md)."""
    args = ["--only", "entry_not_first", "--board", board, "--build-dir", build]
    baseline = tmp_path / "baseline.json"
    done = run_sim("baseline", "--update", "--baseline", str(baseline), "--out",
                str(tmp_path / "b"), *args)
    assert done.returncode == 0, done.stdout + done.stderr
    same = run_sim("run", "--baseline", str(baseline), "--out", str(tmp_path / "same"), *args)
    assert same.returncode == 0 and "REGRESSED" not in same.stdout and "regressed" not in \
        same.stdout
    judged = json.loads((tmp_path / "same" / "results.json").read_text())["baseline"]
    assert judged["verdicts"]["equal"] == judged["compared"] > 0 and judged["figures"] == []
    document = json.loads(baseline.read_text())
    figure = f"{board}/entry_not_first/timing.load"
    before = int(document["figures"][figure] / 1.02)   # 2% faster before
    document["figures"][figure] = before
    baseline.write_text(json.dumps(document))
    slower = run_sim("run", "--baseline", str(baseline), "--out", str(tmp_path / "slower"), *args)
    assert slower.returncode == 1
    out = tmp_path / "slower"
    headline = slower.stdout.splitlines()[0]
    assert headline.startswith("1 runs, 1 met their expectation, 0 missed; 1 figure regressed "
                               f"past their threshold ({board}/entry_not_first timing.load +")
    assert f"| {figure}" in slower.stdout and "**REGRESSED**" in slower.stdout
    summary = (out / "summary.md").read_text()
    assert "**REGRESSED**" in summary and "0 missed; 1 figure regressed" in summary
    [listed] = json.loads((out / "results.json").read_text())["baseline"]["figures"]
    now = listed["now"]
    assert listed == {"name": figure, "board": board, "module": "entry_not_first",
                      "baseline": before, "now": now,
                      "change": {"absolute": now - before,
                                 "percent": round(100 * (now - before) / before, 4)},
                      "threshold": 1.0, "verdict": "regressed"}
    case = ET.parse(out / "junit.xml").getroot().find(
        "testsuite/testcase[@name='entry_not_first']")
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "regressed"
    assert f"{figure}: baseline {before}, now {now}, change +" in failure.text


def test_a_partial_baseline_update_keeps_every_other_figure(board: str, build: str,
                                                            tmp_path: Path) -> None:
    """baseline --update --only: the runs it made and its board's footprint replace exactly
    their own figures (a stale one of the same run leaves); every other figure stays."""
    common = ["--board", board, "--build-dir", build, "--baseline", str(tmp_path / "base.json")]
    done = run_sim("baseline", "--update", "--only", "entry_not_first", "--only",
                   "counted_loop", "--out", str(tmp_path / "first"), *common)
    assert done.returncode == 0, done.stdout + done.stderr
    first = json.loads((tmp_path / "base.json").read_text())["figures"]
    planted = {f"{board}/entry_not_first/timing.load": 1,      # wrong: replaced
               f"{board}/entry_not_first/timing.gone": 5,      # not made any more: leaves
               f"{board}/footprint.flash_bytes": 2,            # the board ran: replaced
               f"{board}-other/counted_loop/timing.run": 3}    # another board: kept
    document = json.loads((tmp_path / "base.json").read_text())
    document["figures"].update(planted)
    (tmp_path / "base.json").write_text(json.dumps(document))
    done = run_sim("baseline", "--update", "--only", "entry_not_first",
                   "--out", str(tmp_path / "second"), *common)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "part of the matrix: its own figures replaced" in done.stdout
    after = json.loads((tmp_path / "base.json").read_text())["figures"]
    assert after == {**first, f"{board}-other/counted_loop/timing.run": 3}
    assert any(name.startswith(f"{board}/counted_loop/") for name in after)


def test_bench_prints_throughput_both_ways(board: str, build: str, tmp_path: Path) -> None:
    done = run_sim("bench", "--runs", "6", "--board", board, "--out", str(tmp_path),
                   "--build-dir", build)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| one QEMU boot per run (--batch 1) |             6 |" in done.stdout
    assert "| batched (--batch 6: 1 boots)      |             6 |" in done.stdout
    assert "ratio: " in done.stdout and "6/6 runs" in done.stderr
    assert re.search(r"the suite's own process [1-9]\d* µs of CPU per job", done.stdout)


def test_parallelism_changes_nothing(board: str, build: str, tmp_path: Path) -> None:
    """-j 1 and -j 2 over several batches: the same results.json, byte for byte."""
    documents = []
    for parallel in ("1", "2"):
        out = tmp_path / parallel
        done = run_sim("run", "--board", board, "--out", str(out), "--build-dir", build,
                       "--batch", "10", "-j", parallel)
        assert done.returncode == 0, done.stdout + done.stderr
        documents.append((out / "results.json").read_text())
    assert documents[0] == documents[1]


def test_a_broken_board_file_fails_alone(boards: dict[str, Board], build_dir: Path,
                                         tmp_path: Path) -> None:
    """A folder with a good board and a broken one: a run of the good board goes on; a run that
    selects every board, and `boards`, name the broken file and its key; exit 2 for those."""
    name, board = sorted(boards.items())[0]
    folder = tmp_path / "boards"
    folder.mkdir()
    shutil.copy(board.path, folder / board.path.name)
    shutil.copy(board.linker_script, folder / board.linker_script.name)
    (folder / "broken.toml").write_text(board.path.read_text().replace(
        f'name = "{board.name}"', 'name = "broken"').replace(
        f'core = "{board.cpu.core}"', 'core = "cortex-m99"'))
    good = run_sim("run", "--boards-dir", str(folder), "--board", name, "--only", "diag:add",
                   "--out", str(tmp_path / "out"), "--build-dir", str(build_dir))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "1 runs, 1 met their expectation" in good.stdout
    every = run_sim("run", "--boards-dir", str(folder), "--only", "diag:add",
                    "--out", str(tmp_path / "out2"), "--build-dir", str(build_dir))
    assert every.returncode == 2 and "Traceback" not in every.stderr
    assert f"{folder / 'broken.toml'}: key 'cpu.core'" in every.stderr, every.stderr
    listed = run_sim("boards", "--boards-dir", str(folder))
    assert listed.returncode == 2
    assert listed.stdout.startswith(name) and "broken" not in listed.stdout
    assert f"{folder / 'broken.toml'}: key 'cpu.core'" in listed.stderr
