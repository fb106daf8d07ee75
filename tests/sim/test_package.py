"""The installable package (README.md, "Installing the package"): a wheel built from this
checkout, installed into a fresh virtual environment outside the repository, runs a module kept
in a folder of its own on two boards through the console script and through `python -m sim`
from that folder, writes nothing into site-packages, and gives pytest the plugin through its
entry point (the example folder passes with it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import BOARDS_DIR, REPO_ROOT
from sim.boards import Board, board_names
from sim.cli import CONSOLE_SCRIPT
from sim.modules import load_module
from tests.sim.helpers import EXAMPLE, copy_example, run_pytest, two_boards

pytestmark = pytest.mark.qemu
MODULE = "collatz"   # the example's module, copied to the team's folder


def source_files() -> list[str]:
    """The checkout's files as they are now (tracked, and new ones git does not ignore)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.splitlines() if (REPO_ROOT / name).is_file()]


def build_wheel(tmp_path: Path) -> Path:
    """A wheel of a clean copy of the checkout (a build in place would leave build/ and
    *.egg-info in it), with this environment's setuptools."""
    source = tmp_path / "source"
    for name in source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, source / name)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(dist), str(source)], check=True, capture_output=True)
    [wheel] = dist.glob("*.whl")
    return wheel


def fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel (and its pytest extra) installed, at the
    versions requirements.txt pins."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                          "-c", str(REPO_ROOT / "requirements.txt"), f"{wheel}[pytest]"],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The virtual environment, outside the repository."""
    tmp_path = tmp_path_factory.mktemp("package")
    assert not tmp_path.is_relative_to(REPO_ROOT)
    return fresh_venv(tmp_path, build_wheel(tmp_path))


def site_packages_files(venv: Path) -> set[Path]:
    [package] = venv.glob("lib/python*/site-packages/sim")
    return {p for p in package.rglob("*") if "__pycache__" not in p.parts}


def team_folder(tmp_path: Path) -> Path:
    """A team's folder: its own module, nothing of this repository."""
    team = tmp_path / "team"
    shutil.copytree(EXAMPLE / "modules" / MODULE, team / "mods" / MODULE)
    return team


def run_installed(command: list[str], team: Path, boards: list[str]) -> dict:
    """Run a module on the boards from the team's folder; its results.json."""
    options = [arg for board in boards for arg in ("--board", board)]
    done = subprocess.run([*command, "run", *options, "--modules", "mods", "--only", MODULE,
                           "-j", "2"], cwd=team, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((team / "reports" / "results.json").read_text())


@pytest.mark.parametrize("how", ["console script", "python -m sim"])
def test_the_installed_package_runs_a_module_of_its_own_on_two_boards(
        installed: Path, boards: dict[str, Board], tmp_path: Path, how: str) -> None:
    chosen = two_boards(boards)
    team = team_folder(tmp_path)
    before = site_packages_files(installed)
    command = ([str(installed / "bin" / CONSOLE_SCRIPT)] if how == "console script"
               else [str(installed / "bin" / "python"), "-m", "sim"])
    document = run_installed(command, team, chosen)
    # What module.toml expects (the example's host run checks those values), met on each board.
    expected = load_module(team / "mods" / MODULE, board_names()).expect["return"]
    runs = {run["board"]: run for run in document["runs"]}
    assert sorted(runs) == chosen
    for run in runs.values():
        assert (run["module"], run["status"], run["return"], run["ok"]) == (
            MODULE, "ok", expected, True)
    # Builds and reports went to the team's folder, nothing into the installed package.
    assert (team / "build").is_dir() and (team / "reports" / "summary.md").is_file()
    assert site_packages_files(installed) == before


def test_the_installed_package_says_where_the_modules_are_missing(installed: Path,
                                                                   tmp_path: Path) -> None:
    """Installed, there is no catalogue: without --modules and without a modules/ folder the
    run stops with exit 2 naming the option."""
    done = subprocess.run([str(installed / "bin" / CONSOLE_SCRIPT), "run"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--modules DIR" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_the_console_script_names_itself_in_usage(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(installed / "bin" / CONSOLE_SCRIPT), "run", "--help"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(f"usage: {CONSOLE_SCRIPT} run")


def test_the_installed_plugin_runs_the_example(installed: Path, boards: dict[str, Board],
                                               tmp_path: Path) -> None:
    """pytest of the virtual environment finds the plugin through its pytest11 entry point
    (the example's `-p sim.pytest_plugin` is then a no-op) and sim from site-packages."""
    chosen = two_boards(boards)
    done = run_pytest(str(installed / "bin" / "python"), copy_example(tmp_path), chosen,
                      tmp_path / "build", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " failed" not in done.stdout, done.stdout


def test_the_installed_plugin_makes_the_matrix_items(installed: Path, boards: dict[str, Board],
                                                     tmp_path: Path) -> None:
    """pytest --sim of the virtual environment, from the team's folder: the plugin comes from
    the entry point, its module's runs are items, and the reports go to the team's folder."""
    chosen = two_boards(boards)
    team = team_folder(tmp_path)
    options = [arg for board in chosen for arg in ("--sim-board", board)]
    done = subprocess.run([str(installed / "bin" / "python"), "-m", "pytest", "--sim",
                           "--sim-modules=mods", *options, "-k", MODULE, "-v", "-p",
                           "no:cacheprovider"], cwd=team, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for board in chosen:
        assert f"sim::{board}::{MODULE} PASSED" in done.stdout, done.stdout
    document = json.loads((team / "reports" / "results.json").read_text())
    assert [(run["board"], run["module"], run["ok"]) for run in document["runs"]] == [
        (board, MODULE, True) for board in chosen]


def own_board(team: Path, seed: Board) -> str:
    """A board file of the team's own in team/boards: the seed board under another name (its
    linker MEMORY map beside it), as a team starts one for its part."""
    name = f"team_{seed.name}".replace("-", "_")
    folder = team / "boards"
    folder.mkdir()
    script = BOARDS_DIR / seed.linker_script
    shutil.copy2(script, folder / f"{name}.ld")
    text = (BOARDS_DIR / f"{seed.name}.toml").read_text()
    text = text.replace(f'name = "{seed.name}"', f'name = "{name}"', 1)
    text = text.replace(f'linker_script = "{script.name}"', f'linker_script = "{name}.ld"', 1)
    (folder / f"{name}.toml").write_text(text)
    return name


def test_a_team_runs_its_own_board_and_firmware_image_from_its_folder(
        installed: Path, boards: dict[str, Board], tmp_path: Path) -> None:
    """README.md, "From your own repository, step by step": from the team's folder, its own
    board file, a firmware image it built for that board with `firmware` and passes with
    --firmware, and its module: the run meets the module's expectation with the figures of the
    same module on the seed board the board file copies (same core, same clock)."""
    seed = boards[two_boards(boards)[0]]
    team = team_folder(tmp_path)
    board = own_board(team, seed)
    script = str(installed / "bin" / CONSOLE_SCRIPT)
    built = subprocess.run([script, "firmware", "--board", board, "--boards-dir", "boards",
                            "--out", "fw/firmware.elf"], cwd=team, capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    ran = subprocess.run([script, "run", "--boards-dir", "boards", "--board", board,
                          "--modules", "mods", "--firmware", f"{board}=fw/firmware.elf",
                          "--out", "own"], cwd=team, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [own] = [run for run in json.loads((team / "own" / "results.json").read_text())["runs"]
             if run["module"] == MODULE]
    reference = run_installed([script], team, [seed.name])["runs"]
    [seed_run] = [run for run in reference if run["module"] == MODULE]
    assert own["board"] == board and own["ok"] and own["status"] == "ok"
    assert (own["return"], own["stdout"], own["timing"]) == (
        seed_run["return"], seed_run["stdout"], seed_run["timing"])
