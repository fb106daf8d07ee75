"""The pytest plugin: fixtures for a team's own tests of its modules (README.md, "Testing your
own modules with pytest"), and `pytest --sim`, the module x board matrix as test items
(sim/pytest_items.py; README.md, "Running the suite by hand"). Installed with the package,
pytest loads it through the `pytest11` entry point; in a checkout, load it with
`-p sim.pytest_plugin`.

Fixtures:
- sim_board: one board name; a test that takes it runs once per selected board (--sim-board,
  default every board), with the board in its id.
- sim_boards: the selected board names, for a test that compares boards itself.
- sim_runner: the session's sim.api.Simulator; every board's firmware is built once per
  session (and reused by later sessions from the build folder).
- run_module: run_module(folder, board=None, args=None, budget=None) -> sim.api.ModuleResult;
  board defaults to the test's sim_board.
- sim_baseline: the tracked figures of --sim-baseline (default reports/baseline.json).

The options are in one `sim` group: --sim, and each option of `python -m sim run` but --only
and --tag (-k and -m select items) as --sim-<name>, with its meaning, type and default
(sim/options.py, add_run_options). One default differs: without --sim-build-dir the fixtures
build in the session's temporary folder, where `pytest --sim` builds in build/ as `run` does.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from sim import BUILD_DIR
from sim.api import ModuleResult, Simulator
from sim.baseline import read_baseline
from sim.boards import load_boards
from sim.errors import SimError
from sim.options import AddOption, add_run_options
from sim.plan import run_inputs
from sim.pytest_items import SESSION_PLUGIN, SimItems, check_tags


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sim", "Cortex-M module simulation (sim.pytest_plugin)")
    group.addoption("--sim", action="store_true",
                    help="collect the module x board matrix as test items, one per run "
                    "(sim::<board>::<module>), made in shared QEMU boots with the reports "
                    "written as `python -m sim run` writes them")
    add_run_options(_as_sim_option(group), selecting=False)


def _as_sim_option(group: pytest.OptionGroup) -> AddOption:
    """add_run_options' add: `--X` becomes `--sim-X` (pytest keeps short options for itself)."""
    def add(*flags: str, **settings: Any) -> None:
        names = [f"--sim-{flag[2:]}" for flag in flags if flag.startswith("--")]
        if names == ["--sim-build-dir"]:
            settings.update(default=None, help="where firmware and modules are built "
                            "(default: build/ for --sim, as `python -m sim run`; for the "
                            "fixtures a folder of the session's temporary folder, shared by "
                            "xdist workers)")
        group.addoption(*names, **settings)
    return add


def _run_option_names() -> list[str]:
    """The dest of each run option (board, modules, shard, ...), as add_run_options adds them."""
    names: list[str] = []
    add_run_options(lambda *flags, **_: names.append(flags[-1][2:].replace("-", "_")),
                    selecting=False)
    return names


def run_arguments(config: pytest.Config) -> argparse.Namespace:
    """The --sim-<name> options as the options of `python -m sim run` (no --only, --tag)."""
    args = argparse.Namespace(only=None, tag=None, **{
        name: config.getoption(f"sim_{name}") for name in _run_option_names()})
    args.build_dir = args.build_dir or BUILD_DIR
    return args


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
    or --sim it reads no board file until a test asks for one.)"""
    if config.getoption("sim_board"):
        _selected_boards(config)
    if config.getoption("sim"):
        _configure_items(config)


def _configure_items(config: pytest.Config) -> None:
    """--sim: read the boards, modules and diagnostics (a problem is a usage error, as `run`
    stops with exit 2) and register the items' side of the session. The matrix is the session:
    unless test paths are named on the command line, no test files are collected (not
    `testpaths`, not the current folder)."""
    args = run_arguments(config)
    try:
        inputs = run_inputs(args)
        check_tags(inputs)
    except SimError as error:
        raise pytest.UsageError(f"sim: {error}") from None
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = []
    config.pluginmanager.register(SimItems(config, args, inputs), SESSION_PLUGIN)


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
