"""The loader is a library: a second firmware of its own (examples/minimal_firmware), built with
`python -m sim firmware --source` and run through `--firmware`, gives the catalogue's plain
modules the reference firmware's results on the two seed boards (README.md, "Using the loader in
your firmware").

Plain modules are chosen by a rule, not by name: on that board the module is expected to return
(status ok), it loads alone (no `depends`, no TEMS protocol), and every import it binds is in the
minimal firmware's export table (its exports.txt, for that board). What must be equal: status,
return value, stdout, the error name, and the bindings by name. Addresses are the two firmwares'
own, so the bound addresses and the image CRC (which covers the bound slots) differ: each must be
the one the host oracle predicts from that firmware's export table. Timings are not compared: the
minimal firmware measures none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim import REPO_ROOT
from sim.boards import Board
from sim.errors import SimError
from sim.exports import load_api
from sim.modbuild import build_module
from sim.modules import Module

from .helpers import run_sim

pytestmark = pytest.mark.qemu

EXAMPLE = REPO_ROOT / "examples" / "minimal_firmware"
SEED_BOARDS = ("netduinoplus2", "stm32vldiscovery")   # issue 16 names these two
FEWEST_PLAIN = 10   # a rule that picks fewer has stopped proving much
SAME_KEYS = ("status", "return", "stdout", "error", "unresolved")


def _imports(board: Board, module: Module, build_dir: Path) -> set[str] | None:
    """The names the module imports on the board; None when it does not build there."""
    try:
        return {name for name, _ in build_module(board, module, build_dir).packed.imports}
    except SimError:
        return None


def _plain_modules(board: Board, catalogue: dict[str, Module], build_dir: Path) -> list[str]:
    exported = set(load_api(EXAMPLE / "exports.txt").names_for(board.name))
    plain = []
    for name, module in sorted(catalogue.items()):
        if (module.expectation(board.name, board.capabilities).status != "ok"
                or module.depends or module.abi is not None or module.kind != "module"):
            continue
        imports = _imports(board, module, build_dir)
        if imports is not None and imports <= exported:
            plain.append(name)
    return plain


def _run(out: Path, board: str, modules: list[str], build: str, *options: str) -> dict:
    """python -m sim run of these modules on the board; every run must meet its expectation.
    No baseline: the minimal firmware reports no timings to judge."""
    only = [arg for module in modules for arg in ("--only", module)]
    done = run_sim("run", "--board", board, *only, "--out", str(out), "--build-dir", build,
                   "--baseline", str(out.parent / f"{out.name}-no-baseline.json"), "-j", "2",
                   *options)
    assert done.returncode == 0, done.stdout + done.stderr
    return {run["module"]: run for run in json.loads((out / "results.json").read_text())["runs"]}


def _build_example(board: str, build: str, elf: Path) -> Path:
    done = run_sim("firmware", "--board", board, "--source", str(EXAMPLE), "--out", str(elf),
                   "--build-dir", build)
    assert done.returncode == 0, done.stdout + done.stderr
    return elf


@pytest.mark.parametrize("board_name", SEED_BOARDS)
def test_plain_modules_give_the_reference_firmwares_results(
        board_name: str, boards: dict[str, Board], catalogue: dict[str, Module], build: str,
        build_dir: Path, tmp_path: Path) -> None:
    if board_name not in boards:
        pytest.skip(f"boards/ has no {board_name} (issue 16's seed board)")
    plain = _plain_modules(boards[board_name], catalogue, build_dir)
    assert len(plain) >= FEWEST_PLAIN, f"the rule picks only {plain} on {board_name}"
    elf = _build_example(board_name, build, tmp_path / "minimal.elf")

    reference = _run(tmp_path / "reference", board_name, plain, build)
    minimal = _run(tmp_path / "minimal", board_name, plain, build, "--firmware",
                   f"{board_name}={elf}")

    assert set(minimal) == set(reference) == set(plain)
    for name in plain:
        ours, theirs = minimal[name], reference[name]
        assert {k: ours[k] for k in SAME_KEYS} == {k: theirs[k] for k in SAME_KEYS}, name
        assert [i["name"] for i in ours["imports"]] == [i["name"] for i in theirs["imports"]], name
        for run in (ours, theirs):
            assert all(i["ok"] and i["address"] for i in run["imports"]), (name, run["imports"])
            assert run["image_crc"] is not None and run["image_crc"]["ok"], (name, run["image_crc"])
        assert ours["timing"]["run"] is None   # no timer: nothing to compare (module docstring)


def test_a_module_importing_what_it_lacks_is_unresolved(
        boards: dict[str, Board], catalogue: dict[str, Module], build: str,
        build_dir: Path, tmp_path: Path) -> None:
    """The host judges a firmware by the export table in its image: a module that imports
    something the minimal firmware does not export is rejected as unresolved, naming it, and
    the oracle predicts exactly that."""
    board = next((boards[name] for name in SEED_BOARDS if name in boards), None)
    if board is None:
        pytest.skip(f"boards/ has none of {SEED_BOARDS}")
    exported = set(load_api(EXAMPLE / "exports.txt").names_for(board.name))
    reference_api = set(load_api().names_for(board.name))
    for name, module in sorted(catalogue.items()):
        if module.depends or module.abi is not None or module.kind != "module":
            continue
        imports = _imports(board, module, build_dir) or set()
        lacking = sorted((imports & reference_api) - exported)
        if lacking and module.expectation(board.name, board.capabilities).status == "ok":
            break
    else:
        pytest.skip("no catalogue module imports what only the reference firmware exports")
    elf = _build_example(board.name, build, tmp_path / "minimal.elf")
    out = tmp_path / "out"
    done = run_sim("run", "--board", board.name, "--only", name, "--out", str(out),
                   "--build-dir", build, "--firmware", f"{board.name}={elf}")
    assert done.returncode == 1, done.stdout + done.stderr   # missed its expectation: ok
    run = json.loads((out / "results.json").read_text())["runs"][0]
    assert (run["status"], run["error"], sorted(run["unresolved"])) == \
        ("rejected", "unresolved", lacking)
    assert all(i["ok"] for i in run["imports"]), run["imports"]


def test_a_firmware_that_does_not_resume_after_a_reset_costs_one_boot(
        boards: dict[str, Board], catalogue: dict[str, Module], build: str,
        tmp_path: Path) -> None:
    """The minimal firmware runs module code privileged and keeps no reset record, so a
    module's reset request restarts its job list from the top. The host sees the second @boot
    without a @resume after it, ends that boot at once, reports the job as reset, and runs the
    rest of the batch in a new boot (PROTOCOL.md, "Resets")."""
    board = next((boards[name] for name in SEED_BOARDS if name in boards), None)
    if board is None:
        pytest.skip(f"boards/ has none of {SEED_BOARDS}")
    resets, after = "cannot_reset_system", "entry_not_first"   # it writes AIRCR; a clean run
    if not {resets, after} <= set(catalogue):
        pytest.skip(f"the catalogue lacks {resets} or {after}")
    elf = _build_example(board.name, build, tmp_path / "minimal.elf")
    out = tmp_path / "out"
    done = run_sim("run", "--board", board.name, "--only", resets, "--only", after, "-j", "1",
                   "--out", str(out), "--build-dir", build, "--firmware", f"{board.name}={elf}",
                   "--baseline", str(tmp_path / "no-baseline.json"))
    runs = {run["module"]: run for run in json.loads((out / "results.json").read_text())["runs"]}
    assert (runs[resets]["status"], runs[resets]["boot"]) == ("reset", 1), done.stdout
    assert "started its job list over" in runs[resets]["error"]
    assert (runs[after]["status"], runs[after]["boot"]) == ("ok", 2), done.stdout
