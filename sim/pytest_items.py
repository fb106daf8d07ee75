"""`pytest --sim`: the module x board matrix as pytest items (README.md, "Running the suite by
hand"), registered by sim/pytest_plugin.py for a session given --sim.

Collected: one item per run, `sim::<board>::<module>` (`diag:<name>` for a diagnostic), marked
with the run's tags, in the runner's report order; then `sim::footprint`, which fails when a
figure no run owns (a board's firmware footprint, the loader library's size) regressed past
its threshold. -k, -m, --lf and --deselect select runs as they select any item; --sim-shard
then keeps its part of what they left, as `python -m sim run --shard` keeps a part of what
--only and --tag leave. sim::footprint stays whatever they select while any run does: every
run measures every selected board's firmware, as `python -m sim run --only` does.

Items only judge. The runs are made once, in shared QEMU boots, by the process that controls
the session, once the final selection is known: the same plan, runner and report writer as
`python -m sim run` (sim/matrix_run.py), so --sim-out gets the reports that command writes for
the same runs. Without xdist that is pytest_runtestloop, before the first item. Under xdist the
controller collects nothing; each worker's collection reaches it in
pytest_xdist_node_collection_finished, and it runs the matrix inside the first of those calls:
xdist schedules no item before that hook returns, so no worker judges before the run is over.
The controller then writes every item's verdict to a file the workers read (VERDICTS_FILE, in
a folder it names to each worker through workerinput); workers never start QEMU.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Any, ContextManager, Generator, Iterable

import pytest

from sim.baseline import Change
from sim.ci_summary import append_step_summary
from sim.errors import SimError, os_error_text
from sim.interrupt import Interrupted, handling_signals
from sim.junit import miss_details, regression_message, regressions_by_owner
from sim.matrix_run import RunOutcome, interrupted_line, run_and_report
from sim.modules import Module
from sim.outdir import publishing, writable_folder, write_atomically
from sim.plan import Matrix, RunInputs, shard_cut
from sim.report import run_headline
from sim.results import RunResult
from sim.select import Candidate, RunKey

MATRIX_ID = "sim"                          # the items' common parent: sim::<board>::<module>
FOOTPRINT_NAME = "footprint"               # sim::footprint
FOOTPRINT_ID = f"{MATRIX_ID}::{FOOTPRINT_NAME}"
SESSION_PLUGIN = "sim-items"               # this session's SimItems, by name
EXCHANGE_KEY = "sim_items_exchange"        # workerinput: the folder the controller writes to
VERDICTS_FILE = "verdicts.json"            # {item id: null when it passed, else its failure}
# Marks pytest itself acts on: a tag of one of these names would skip or xfail a run.
PYTEST_OWN_MARKS = ("filterwarnings", "parametrize", "skip", "skipif", "usefixtures", "xfail")

Verdicts = dict[str, str | None]


def run_id(key: RunKey) -> str:
    board, module = key
    return f"{MATRIX_ID}::{board}::{module}"


class SimRun(pytest.Item):
    """One run of the matrix: passes when the run met its expectation and none of its figures
    regressed; fails with what the console and junit.xml say of it otherwise."""

    def __init__(self, *, key: RunKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key

    def runtest(self) -> None:
        _judge(self)

    def reportinfo(self) -> tuple[Path, None, str]:
        board, module = self.key
        return self.config.rootpath / MATRIX_ID, None, f"{board}/{module}"


class SimFootprint(pytest.Item):
    """The figures of the run that no run owns: every selected board's firmware footprint and
    the loader library's sizes, against --sim-baseline."""

    def runtest(self) -> None:
        _judge(self)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.config.rootpath / MATRIX_ID, None, FOOTPRINT_NAME


def _judge(item: pytest.Item) -> None:
    failure = _session_items(item.config).verdict(item.nodeid)
    if failure is not None:
        pytest.fail(failure, pytrace=False)


class BoardRuns(pytest.Collector):
    """A board's runs, in report order: its diagnostics, then the modules."""

    def __init__(self, *, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.candidates = candidates

    def collect(self) -> Iterable[pytest.Item]:
        for candidate in self.candidates:
            item = SimRun.from_parent(self, name=candidate.name, key=candidate.key)
            for tag in candidate.tags:
                item.add_marker(tag)
            yield item


class MatrixRuns(pytest.Collector):
    """Every run the --sim options can make, board by board, then sim::footprint."""

    def collect(self) -> Iterable[pytest.Collector | pytest.Item]:
        candidates = _session_items(self.config).candidates
        for board in dict.fromkeys(c.board for c in candidates):
            yield BoardRuns.from_parent(self, name=board,
                                        candidates=[c for c in candidates if c.board == board])
        yield SimFootprint.from_parent(self, name=FOOTPRINT_NAME)


def _session_items(config: pytest.Config) -> SimItems:
    plugin = config.pluginmanager.get_plugin(SESSION_PLUGIN)
    assert plugin is not None, "registered in pytest_configure when --sim is given"
    return plugin


def check_tags(inputs: RunInputs) -> None:
    """Tags become marks: one named as a mark pytest acts on would skip or xfail its runs."""
    for module in inputs.modules:
        for tag in module.tags if isinstance(module, Module) else ():
            if tag in PYTEST_OWN_MARKS:
                raise SimError(f"{module.path / 'module.toml'}: key 'tags': {tag!r} is a mark "
                               "pytest acts on (pytest --sim marks each run with its tags); "
                               "choose another name")


class SimItems:
    """The `pytest --sim` side of one pytest process: what it collects, and, in the process
    that controls the session, the run and the verdicts."""

    def __init__(self, config: pytest.Config, args: argparse.Namespace,
                 inputs: RunInputs) -> None:
        self.config = config
        self.args = args
        self.candidates = inputs.candidates()
        self.order = {c.key: index for index, c in enumerate(self.candidates)}
        self.by_id = {run_id(c.key): c.key for c in self.candidates}
        self.is_worker = hasattr(config, "workerinput")
        self.exchange: Path | None = (Path(config.workerinput[EXCHANGE_KEY])
                                      if self.is_worker and EXCHANGE_KEY in config.workerinput
                                      else None)
        self.whole: list[RunKey] = []        # the selection before --sim-shard's cut
        self.ran = False
        self.verdicts: Verdicts | None = None
        self.outcome: RunOutcome | None = None
        for tag in sorted({tag for c in self.candidates for tag in c.tags}):
            config.addinivalue_line("markers", f"{tag}: runs of the modules and diagnostics "
                                    "tagged so (pytest --sim)")

    # Collection -----------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector
                                   ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        if isinstance(collector, pytest.Session) and report.passed:
            report.result.append(MatrixRuns.from_parent(collector, name=MATRIX_ID,
                                                        nodeid=MATRIX_ID))
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> Generator[None, None, None]:
        """-k, -m and --deselect select among the runs (inside this wrapper); then --sim-shard
        keeps its part; sim::footprint is out of their reach, and stays while a run does.
        (--lf filters after this: its wrapper is tryfirst, so it encloses this one.)"""
        footprint = [item for item in items if isinstance(item, SimFootprint)]
        items[:] = [item for item in items if not isinstance(item, SimFootprint)]
        result = yield
        self._cut_shard(config, items)
        if any(isinstance(item, SimRun) for item in items):
            items.extend(footprint)
        return result

    def _cut_shard(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        runs = sorted((item.key for item in items if isinstance(item, SimRun)),
                      key=self.order.__getitem__)
        self.whole = runs
        if self.args.shard is None:
            return
        try:
            kept = shard_cut(runs, self.args)
        except SimError as error:
            raise pytest.UsageError(f"sim: {error}") from None
        dropped = [item for item in items if isinstance(item, SimRun) and item.key not in kept]
        items[:] = [item for item in items if not (isinstance(item, SimRun)
                                                   and item.key not in kept)]
        config.hook.pytest_deselected(items=dropped)
        if self.exchange is not None:   # for the controller's shard record (results.json)
            worker = self.config.workerinput["workerid"]
            write_atomically(self.exchange / f"whole-{worker}.json", json.dumps(runs))

    # The run: in the process that controls the session ---------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """Without xdist: run the selected runs before the first item is judged. (Under xdist
        the controller has no items here, and the workers must not run QEMU.)"""
        if self.is_worker or session.config.option.collectonly:
            return
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            return   # pytest stops the session for the collection errors
        keys = [item.key for item in session.items if isinstance(item, SimRun)]
        if keys:
            self._run(keys, self.whole)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist, in the controller: name the exchange folder to each worker."""
        if self.exchange is None:
            self.exchange = Path(tempfile.mkdtemp(prefix="sim-items-"))
        node.workerinput[EXCHANGE_KEY] = str(self.exchange)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """xdist, in the controller: the first worker's collection is the selection (xdist
        itself stops a session whose workers collected differently). Scheduling waits for this
        hook, so the run is over before any worker judges an item."""
        if self.ran:
            return
        self.ran = True
        keys = sorted((self.by_id[i] for i in ids if i in self.by_id), key=self.order.__getitem__)
        if not keys:
            return
        assert self.exchange is not None, "pytest_configure_node names it before collection"
        whole_file = self.exchange / f"whole-{node.gateway.id}.json"
        whole = ([tuple(key) for key in json.loads(whole_file.read_text())]
                 if self.args.shard is not None else keys)
        self._run(keys, whole)
        write_atomically(self.exchange / VERDICTS_FILE, json.dumps(self.verdicts))

    def _run(self, keys: list[RunKey], whole: list[RunKey]) -> None:
        """Run exactly these runs (whole: the selection they are --sim-shard's part of) and
        write the reports into --sim-out, as `python -m sim run` does; a problem with the
        options or the host is a usage error, a signal ends the session with 128 + its
        number."""
        self.ran = True
        ordered = sorted(keys, key=self.order.__getitem__)
        shard = self.args.shard
        matrix = Matrix(tuple(ordered), tuple(whole if shard is not None else ordered), shard)
        out = self.args.out
        self._say(f"sim: {len(keys)} runs, batched in shared QEMU boots (up to --sim-jobs "
                  f"{self.args.jobs} at once); reports go to {out.absolute()}")
        with self._output_shown(), handling_signals():
            outcome = self._run_and_report(matrix)
        if outcome.stopped is not None:
            pytest.exit(interrupted_line(outcome, out), returncode=outcome.stopped.exit_status)
        self.outcome = outcome
        self.verdicts = judge(outcome)
        regressed = outcome.comparison.regressed if outcome.comparison is not None else []
        append_step_summary(outcome.runs, run_headline(outcome.runs, outcome.comparison),
                            regressed)

    def _run_and_report(self, matrix: Matrix) -> RunOutcome:
        out = self.args.out
        try:
            with publishing(out) as reports:
                writable_folder(self.args.build_dir, "--build-dir")
                assert reports.staging is not None
                return run_and_report(self.args, reports.staging, matrix)
        except Interrupted as stop:   # before the boots began, or while writing the reports
            pytest.exit(f"interrupted by {stop.signal_name}; {out.absolute()} keeps its last "
                        "complete reports", returncode=stop.exit_status)
        except SimError as error:
            raise pytest.UsageError(f"sim: {error}") from None
        except OSError as error:
            raise pytest.UsageError(f"sim: {os_error_text(error)}; {out.absolute()} keeps its "
                                    "last complete reports") from None

    def _output_shown(self) -> ContextManager[Any]:
        """The runner's progress lines on the terminal as they come, not captured into the
        first item's report."""
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        return capture.global_and_fixture_disabled() if capture is not None else nullcontext()

    def _say(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)

    # Judging ---------------------------------------------------------------------------------

    def verdict(self, item_id: str) -> str | None:
        """None when the item passed, else its failure's text."""
        if self.verdicts is None and self.exchange is not None:
            path = self.exchange / VERDICTS_FILE
            if path.is_file():
                self.verdicts = json.loads(path.read_text())
        if self.verdicts is None or item_id not in self.verdicts:
            return (f"sim: no result for {item_id}: the process controlling the session made "
                    "no run of it (see its output above)")
        return self.verdicts[item_id]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.outcome is None:
            return
        outcome = self.outcome
        terminalreporter.ensure_newline()   # else the progress line's end comes after the title
        terminalreporter.section("sim")
        terminalreporter.write_line(f"{run_headline(outcome.runs, outcome.comparison)}; "
                                    f"reports in {self.args.out.absolute()}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.exchange is not None and not self.is_worker:
            shutil.rmtree(self.exchange, ignore_errors=True)


def judge(outcome: RunOutcome) -> Verdicts:
    """Each item's verdict: a run fails when it missed its expectation (with what junit.xml
    says of it) or one of its figures regressed (each named); sim::footprint fails when a figure
    no run owns regressed."""
    regressions = regressions_by_owner(outcome.comparison)
    verdicts: Verdicts = {}
    for run in outcome.runs:
        verdicts[run_id((run.board, run.module))] = _failure(
            run, regressions.pop((run.board, run.module), []))
    unowned = [change for changes in regressions.values() for change in changes]
    verdicts[FOOTPRINT_ID] = _regressions_text(unowned) if unowned else None
    return verdicts


def _failure(run: RunResult, regressed: list[Change]) -> str | None:
    if not run.ok:
        message, text = miss_details(run)
        return "\n".join([message or f"missed: status {run.status}", text,
                          *(change.detail() for change in regressed)])
    return _regressions_text(regressed) if regressed else None


def _regressions_text(regressed: list[Change]) -> str:
    return "\n".join([regression_message(regressed), *(change.detail() for change in regressed)])
