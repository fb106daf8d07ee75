"""The pytest plugin: fixtures for a team's own tests of its modules (README.md, "Testing your
own modules with pytest"). Installed with the package, pytest loads it through the `pytest11`
entry point; in a checkout, load it with `-p sim.pytest_plugin`.

Fixtures:
- sim_board: one board name; a test that takes it runs once per selected board (--sim-board,
  default every board), with the board in its id.
- sim_boards: the selected board names, for a test that compares boards itself.
- sim_runner: the session's sim.api.Simulator; every board's firmware is built once per
  session (and reused by later sessions from the build folder).
- run_module: run_module(folder, board=None, args=None, budget=None) -> sim.api.ModuleResult;
  board defaults to the test's sim_board.
- sim_baseline: the tracked figures of --sim-baseline (default reports/baseline.json).

The options are in one `sim` group. (`--sim-shard`, once `python -m sim run` cuts a run into
shards, belongs here too and selects the same way; _add_options is where it goes.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pytest

from sim import BOARDS_DIR
from sim.api import ModuleResult, Simulator
from sim.baseline import BASELINE_FILE, read_baseline
from sim.boards import load_boards
from sim.errors import SimError


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sim", "Cortex-M module simulation (sim.pytest_plugin)")
    group.addoption("--sim-board", action="append", metavar="NAME",
                    help="a board for tests that take sim_board (repeatable; default every "
                    "board of --sim-boards-dir)")
    group.addoption("--sim-boards-dir", type=Path, default=BOARDS_DIR, metavar="DIR",
                    help="the folder of board files (default: the suite's boards)")
    group.addoption("--sim-build-dir", type=Path, metavar="DIR",
                    help="where firmware and modules are built (default: a folder in the "
                    "session's temporary folder)")
    group.addoption("--sim-baseline", type=Path, default=BASELINE_FILE, metavar="FILE",
                    help="the tracked figures sim_baseline reads (default "
                    "reports/baseline.json)")


def _selected_boards(config: pytest.Config) -> list[str]:
    """The --sim-board names (checked), else every board; a bad board file or an unknown name
    stops the session with the suite's message."""
    try:
        boards = load_boards(config.getoption("sim_board"), config.getoption("sim_boards_dir"))
    except SimError as error:
        raise pytest.UsageError(f"sim: {error}") from None
    return [board.name for board in boards]


def pytest_configure(config: pytest.Config) -> None:
    """Named boards are checked before collection, so a typo is a usage error (exit 4). (The
    plugin is loaded in every session of an environment it is installed in: without --sim-board
    it reads no board file until a test asks for one.)"""
    if config.getoption("sim_board"):
        _selected_boards(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sim_board" in metafunc.fixturenames:
        boards = _selected_boards(metafunc.config)
        # Session scope: a session fixture may take sim_board (one shared boot per board).
        metafunc.parametrize("sim_board", boards, ids=boards, scope="session")


@pytest.fixture(scope="session")
def sim_boards(pytestconfig: pytest.Config) -> list[str]:
    """The selected board names (--sim-board, default every board)."""
    return _selected_boards(pytestconfig)


@pytest.fixture(scope="session")
def sim_runner(pytestconfig: pytest.Config,
               tmp_path_factory: pytest.TempPathFactory) -> Simulator:
    """The session's Simulator. Its build folder is --sim-build-dir, else one folder shared by
    every xdist worker of the session (the firmware build locks it and is reused by digest)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if _is_xdist_worker(pytestconfig) else base
    build_dir = pytestconfig.getoption("sim_build_dir") or shared / "sim-build"
    return Simulator(build_dir, tmp_path_factory.mktemp("sim-out"),
                     pytestconfig.getoption("sim_boards_dir"))


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


RunModule = Callable[..., ModuleResult]


@pytest.fixture
def run_module(sim_runner: Simulator, request: pytest.FixtureRequest) -> RunModule:
    """run_module(folder, board=None, args=None, budget=None): build, load and run the module
    folder on the board (default: the test's sim_board) in a boot of its own; a problem with
    the folder (its module.toml, a build error, bad args) fails the test with its message."""
    def run(folder: Path | str, board: str | None = None, args: Sequence[int] | None = None,
            budget: int | None = None) -> ModuleResult:
        board = board or _test_board(request)
        try:
            return sim_runner.run(Path(folder), board, args=args, budget=budget)
        except SimError as error:
            pytest.fail(f"sim: {error}", pytrace=False)
    return run


def _test_board(request: pytest.FixtureRequest) -> str:
    if "sim_board" not in request.fixturenames:
        pytest.fail("run_module: say board=NAME, or take the sim_board fixture", pytrace=False)
    return request.getfixturevalue("sim_board")


@dataclass(frozen=True)
class Baseline:
    """Tracked figures by name, as reports/baseline.json holds them ("Tracking performance")."""
    path: Path
    figures: dict[str, int]

    def figure(self, board: str, module: str, name: str) -> int:
        """The figure <board>/<module>/<name> (name as "timing.run", "sizes.text"); a missing
        one skips the test, saying how to record it."""
        key = f"{board}/{module}/{name}"
        if key not in self.figures:
            pytest.skip(f"no figure {key} in {self.path}: record it with `python -m sim "
                        f"baseline --update --modules DIR --baseline {self.path}`")
        return self.figures[key]


@pytest.fixture(scope="session")
def sim_baseline(pytestconfig: pytest.Config) -> Baseline:
    """The figures of --sim-baseline; an unreadable file fails the tests that use it."""
    path = pytestconfig.getoption("sim_baseline")
    try:
        figures = read_baseline(path)
    except SimError as error:
        pytest.fail(f"sim: {error}", pytrace=False)
    if figures is None:
        pytest.fail(f"sim: --sim-baseline {path}: no such file", pytrace=False)
    return Baseline(path, figures)
