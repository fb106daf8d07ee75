"""Performance regression tracking against reports/baseline.json (README.md, "Tracking
performance").

Tracked figures, all deterministic: each ok run's phase timings (instructions) and module
sizes (bytes), and each board's firmware footprint. Each figure a run compares gets one
verdict (`verdict`): it regresses when it grows by more than its threshold over the baseline.
`python -m sim baseline --update` rewrites the baseline on purpose: all of it after a run of
the whole matrix, only the run's own figures after a run of a part (`updated_figures`).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sim import REPORTS_DIR, WORK_ROOT
from sim.errors import SetupError
from sim.modules import Module
from sim.outdir import write_atomically

BASELINE_FILE = REPORTS_DIR / "baseline.json"
BASELINE_SCHEMA = 1
# Relative growth allowed before a figure counts as a regression. The figures are exact, so
# these can be tight: 1% of a 10,000-instruction phase is 100 instructions, never noise.
THRESHOLDS = {"timing": 0.01, "sizes": 0.01, "footprint": 0.01, "library": 0.01}
FOOTPRINT_FIGURES = ("loader_bytes", "flash_bytes", "ram_bytes")
# The loader library built alone, per core (sim/loader_library.py): "loader/<core>/library.<name>".
LIBRARY_FIGURES = ("text_bytes", "strerror_bytes")


def tracked_figures(document: dict[str, Any]) -> dict[str, int]:
    """{"<board>/<module>/timing.run": 123, "<board>/footprint.loader_bytes": 1846,
    "loader/<core>/library.text_bytes": 1614, ...}"""
    figures: dict[str, int] = {}
    for run in document["runs"]:
        prefix = f"{run['board']}/{run['module']}"
        if run["status"] == "ok":
            for phase, value in run["timing"].items():
                if isinstance(value, int):
                    figures[f"{prefix}/timing.{phase}"] = value
        for name, value in (run.get("sizes") or {}).items():
            figures[f"{prefix}/sizes.{name}"] = value
    for board, footprint in document["footprint"].items():
        for name in FOOTPRINT_FIGURES:
            if footprint.get(name) is not None:
                figures[f"{board}/footprint.{name}"] = footprint[name]
    for core, sizes in document.get("library", {}).items():
        for name in LIBRARY_FIGURES:
            if sizes.get(name) is not None:
                figures[f"loader/{core}/library.{name}"] = sizes[name]
    return figures


def baseline_document(commit: str | None, figures: dict[str, int]) -> dict[str, Any]:
    return {"schema": BASELINE_SCHEMA, "commit": commit,
            "thresholds": THRESHOLDS, "figures": dict(sorted(figures.items()))}


def write_baseline(path: Path, commit: str | None, figures: dict[str, int]) -> None:
    write_atomically(path, json.dumps(baseline_document(commit, figures), indent=1) + "\n")


def read_baseline(path: Path) -> dict[str, int] | None:
    """The baseline's figures; None when there is no baseline file yet. Anything else that is
    not a baseline is a SetupError naming the file (--baseline) and what is wrong."""
    where = f"--baseline {path}"
    if path.is_dir():
        raise SetupError(f"{where}: is a folder, not a baseline file")
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise SetupError(f"{where}: cannot read: {error.strerror}") from None
    except ValueError as error:  # JSONDecodeError, or bytes that are not text
        raise SetupError(f"{where}: not JSON ({error})") from None
    figures = _figures(document)
    if figures is None:
        raise SetupError(f"{where}: JSON, but not a baseline: it needs a \"figures\" object of "
                         "whole numbers by name (python -m sim baseline --update writes one)")
    return figures


def _figures(document: Any) -> dict[str, int] | None:
    """A baseline document's figures; None when it has no "figures" object of whole numbers
    by name."""
    figures = document.get("figures") if isinstance(document, dict) else None
    if not isinstance(figures, dict) or not all(
            isinstance(name, str) and isinstance(value, int) and not isinstance(value, bool)
            for name, value in figures.items()):
        return None
    return figures


# A compared figure's verdict. "within" is a growth no larger than the threshold: neither
# equal nor a regression. "gone": the baseline has the figure and this run made the run (or
# ran the board) it belongs to, but no such figure, e.g. a module that now faults.
REGRESSED, GONE, NEW, IMPROVED, WITHIN, EQUAL = ("regressed", "gone", "new", "improved",
                                                "within", "equal")
VERDICTS = (REGRESSED, GONE, NEW, IMPROVED, WITHIN, EQUAL)   # the order reports list them in
# How many regressions a headline names before "and N more": it must stay one line.
HEADLINE_REGRESSIONS = 3


def verdict(before: int | None, after: int | None, threshold: float) -> str:
    """The one rule for every report: a figure regresses when it grows by more than threshold
    (a fraction) over the baseline; lower is better for every tracked figure."""
    if before is None:
        return NEW
    if after is None:
        return GONE
    if after > before * (1 + threshold):
        return REGRESSED
    if after < before:
        return IMPROVED
    return WITHIN if after > before else EQUAL


def figure_owner(name: str) -> tuple[str, str | None]:
    """(board, module) a figure belongs to; module None for a board's footprint figure:
    "<board>/<module>/timing.run" or "<board>/footprint.loader_bytes"."""
    board, _, rest = name.partition("/")
    module, slash, _ = rest.rpartition("/")
    return board, module if slash else None


@dataclass(frozen=True)
class Change:
    """One compared figure: before is None when the baseline never had it, after is None when
    this run made its run but not the figure."""
    figure: str
    before: int | None
    after: int | None

    @property
    def board(self) -> str:
        return figure_owner(self.figure)[0]

    @property
    def module(self) -> str | None:
        return figure_owner(self.figure)[1]

    @property
    def measure(self) -> str:
        """The figure's own name, without its owner: "timing.run", "footprint.ram_bytes"."""
        return self.figure.rsplit("/", 1)[-1]

    @property
    def kind(self) -> str:
        return self.measure.split(".", 1)[0]

    @property
    def threshold(self) -> float:
        return THRESHOLDS[self.kind]

    @property
    def verdict(self) -> str:
        return verdict(self.before, self.after, self.threshold)

    @property
    def regressed(self) -> bool:
        return self.verdict == REGRESSED

    @property
    def difference(self) -> int | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def percent(self) -> float | None:
        """The change in percent of the baseline; None without both, or from a baseline of 0."""
        if self.difference is None or not self.before:
            return None
        return 100.0 * self.difference / self.before

    def change_text(self) -> str:
        """"+3.10%", or "+12 from 0" where a percentage means nothing; "" without both."""
        if self.difference is None:
            return ""
        if self.percent is None:
            return f"{self.difference:+} from 0"
        return f"{self.percent:+.2f}%"

    def label(self) -> str:
        """How a headline names it: "netduinoplus2/bench_crc32 timing.run +3.10%"."""
        owner = self.board if self.module is None else f"{self.board}/{self.module}"
        return f"{owner} {self.measure} {self.change_text()}".rstrip()

    def detail(self) -> str:
        """One line with everything a failure message needs."""
        return (f"{self.figure}: baseline {_or_none(self.before)}, now {_or_none(self.after)}, "
                f"change {self.change_text() or 'n/a'}"
                + (f" ({self.difference:+})" if self.percent is not None else "")
                + f", threshold {100 * self.threshold:g}%: {self.verdict}")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.figure, "board": self.board, "module": self.module,
                "baseline": self.before, "now": self.after,
                "change": None if self.difference is None else
                {"absolute": self.difference,
                 "percent": None if self.percent is None else round(self.percent, 4)},
                "threshold": 100 * self.threshold, "verdict": self.verdict}


def _or_none(value: int | None) -> str:
    return "none" if value is None else str(value)


def run_selection(document: dict[str, Any]) -> tuple[set[tuple[str, str]], set[str]]:
    """What a results document ran: its (board, module) runs and the boards whose footprint it
    measured. The figures of these, and only these, are this run's own."""
    return ({(run["board"], run["module"]) for run in document["runs"]},
            set(document["footprint"]))


def made_by(name: str, selection: tuple[set[tuple[str, str]], set[str]]) -> bool:
    """Whether the figure belongs to a run (or a board's footprint) in the selection."""
    runs, boards = selection
    board, module = figure_owner(name)
    return board in boards if module is None else (board, module) in runs


@dataclass(frozen=True)
class Comparison:
    """A run's figures against the baseline: every figure it made, and every baseline figure
    of a run it made that it no longer has (gone), in name order."""
    figures: list[Change]
    unseen_boards: list[str]      # boards of this run the baseline has no figure of
    unseen_modules: list[str]     # modules of this run the baseline has no figure of, anywhere

    def counts(self) -> dict[str, int]:
        found = {name: 0 for name in VERDICTS}
        for change in self.figures:
            found[change.verdict] += 1
        return found

    @property
    def regressed(self) -> list[Change]:
        return [change for change in self.figures if change.regressed]

    def listed(self) -> list[Change]:
        """The figures a report shows one by one: all but the equal ones."""
        return [change for change in self.figures if change.verdict != EQUAL]

    def to_json(self) -> dict[str, Any]:
        # Equal figures are counted, not listed: 6,873 of them would more than double
        # results.json, and each one's value is already there (runs' timing and sizes, the
        # footprint), which is then also its baseline value. Every other figure is listed.
        return {"compared": len(self.figures), "verdicts": self.counts(),
                "unseen": {"boards": self.unseen_boards, "modules": self.unseen_modules},
                "figures": [change.to_json() for change in self.listed()]}


def compare_run(baseline: dict[str, int], document: dict[str, Any]) -> Comparison:
    """Judge a results document's figures against the baseline's figures."""
    current = tracked_figures(document)
    selection = run_selection(document)
    gone = {name for name in baseline if name not in current and made_by(name, selection)}
    figures = [Change(name, baseline.get(name), current.get(name))
               for name in sorted(current.keys() | gone)]
    seen = [figure_owner(name) for name in baseline]
    seen_boards = {board for board, _ in seen}
    seen_modules = {module for _, module in seen if module is not None}
    return Comparison(figures,
                      sorted({c.board for c in figures} - seen_boards),
                      sorted({c.module for c in figures if c.module is not None}
                             - seen_modules))


def regression_clause(comparison: Comparison | None) -> str:
    """What a headline adds for regressions: "" when none, else "; 2 figures regressed past
    their threshold (<board>/<module> timing.run +3.10%, ...)"."""
    regressed = comparison.regressed if comparison is not None else []
    if not regressed:
        return ""
    named = ", ".join(change.label() for change in regressed[:HEADLINE_REGRESSIONS])
    more = len(regressed) - HEADLINE_REGRESSIONS
    figures = "figure" if len(regressed) == 1 else "figures"
    return (f"; {len(regressed)} {figures} regressed past their threshold ({named}"
            + (f", and {more} more" if more > 0 else "") + ")")


def updated_figures(before: dict[str, int] | None, document: dict[str, Any],
                    whole: bool) -> dict[str, int]:
    """The baseline's figures after an update from document. A run of the whole matrix
    (whole) replaces them all, so figures of deleted modules and boards leave. Any other run
    replaces exactly its own figures (its module x board runs', its boards' footprints) and
    keeps everything else, whatever picked its part of the matrix."""
    current = tracked_figures(document)
    if whole or before is None:
        return current
    selection = run_selection(document)
    kept = {name: value for name, value in before.items() if not made_by(name, selection)}
    return {**kept, **current}


def headline_figures(benchmarks: Sequence[Module]) -> list[str]:
    """The figures the trend chart follows, per board: each benchmark's phase (module.toml
    [benchmark]) and the loader's size."""
    return [f"{m.name}/timing.{m.benchmark.phase}" for m in benchmarks
            if m.benchmark is not None] + ["footprint.loader_bytes"]


@dataclass(frozen=True)
class BaselineVersion:
    commit: str
    date: str
    figures: dict[str, int]


def baseline_history(path: Path = BASELINE_FILE) -> list[BaselineVersion]:
    """Every committed version of the baseline, oldest first (git log of the file)."""
    where = f"--baseline {path}"
    try:
        relative = path.resolve().relative_to(WORK_ROOT.resolve())
    except ValueError:
        raise SetupError(f"{where}: outside this repository ({WORK_ROOT.resolve()}), so git has no "
                         "history of it") from None
    log = [line.split() for line in
           _git("log", "--reverse", "--format=%H %cs", "--", str(relative)).splitlines()]
    contents = _git_files([f"{commit}:{relative}" for commit, _ in log])   # one git, not N
    history = []
    for (commit, date), content in zip(log, contents, strict=True):
        try:
            figures = _figures(json.loads(content)) if content is not None else None
        except ValueError:
            figures = None
        if figures is None:
            raise SetupError(f"{where}: the version committed in {commit[:12]} is not a "
                             "baseline")
        history.append(BaselineVersion(commit, date, figures))
    if not history:
        raise SetupError(f"{where}: never committed, so there is no history to chart")
    return history


def _run_git(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    """git in the repository; without git at all, a SetupError (report.html then says it has
    no trend chart, and the run goes on)."""
    try:
        return subprocess.run(["git", *args], cwd=WORK_ROOT, capture_output=True,
                              input=stdin.encode())
    except OSError as error:
        raise SetupError(f"git {args[0]}: cannot run git: {error.strerror}") from None


def _git_files(specs: list[str]) -> list[bytes | None]:
    """The content of each "<commit>:<path>" (None where there is no such file), read by one
    `git cat-file --batch`: report.html charts the history on every run."""
    done = _run_git(["cat-file", "--batch"], "".join(f"{spec}\n" for spec in specs))
    if done.returncode != 0:
        raise SetupError(f"git cat-file --batch: {done.stderr.decode(errors='replace').strip()}")
    contents: list[bytes | None] = []
    output, at = done.stdout, 0
    for _ in specs:
        end = output.index(b"\n", at)
        header = output[at:end].split()
        if header[-1] == b"missing" or len(header) != 3:
            contents.append(None)
            at = end + 1
            continue
        size = int(header[2])
        contents.append(output[end + 1:end + 1 + size])
        at = end + 1 + size + 1   # the content is followed by a newline
    return contents


def _git(*args: str) -> str:
    done = _run_git([*args])
    if done.returncode != 0:
        raise SetupError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode(errors="replace")
