"""Performance regression tracking against reports/baseline.json.

Tracked figures, all deterministic: each ok run's phase timings (instructions) and module
sizes (bytes), and each board's firmware footprint. A figure regresses when it grows by more
than its threshold over the baseline; `python -m sim baseline --update` rewrites the baseline
on purpose.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sim import REPO_ROOT, REPORTS_DIR
from sim.errors import SetupError
from sim.modules import Module
from sim.outdir import write_atomically

BASELINE_FILE = REPORTS_DIR / "baseline.json"
BASELINE_SCHEMA = 1
# Relative growth allowed before a figure counts as a regression. The figures are exact, so
# these can be tight: 1% of a 10,000-instruction phase is 100 instructions, never noise.
THRESHOLDS = {"timing": 0.01, "sizes": 0.01, "footprint": 0.01}
FOOTPRINT_FIGURES = ("loader_bytes", "flash_bytes", "ram_bytes")


def tracked_figures(document: dict[str, Any]) -> dict[str, int]:
    """{"<board>/<module>/timing.run": 123, "<board>/footprint.loader_bytes": 1846, ...}"""
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
    return figures


def baseline_document(results: dict[str, Any]) -> dict[str, Any]:
    return {"schema": BASELINE_SCHEMA, "commit": results.get("commit"),
            "thresholds": THRESHOLDS, "figures": dict(sorted(tracked_figures(results).items()))}


def write_baseline(path: Path, results: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(baseline_document(results), indent=1) + "\n")


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


@dataclass(frozen=True)
class Change:
    figure: str
    before: int
    after: int

    @property
    def kind(self) -> str:
        return self.figure.rsplit("/", 1)[-1].split(".", 1)[0]

    @property
    def percent(self) -> float:
        return 100.0 * (self.after - self.before) / self.before if self.before else float("inf")

    @property
    def regressed(self) -> bool:
        return self.after > self.before * (1 + THRESHOLDS[self.kind])


def compare(baseline: dict[str, int], current: dict[str, int]) -> list[Change]:
    """Every figure both have that changed, in name order."""
    return [Change(name, baseline[name], current[name]) for name in sorted(current)
            if name in baseline and baseline[name] != current[name]]


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
        relative = path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        raise SetupError(f"{where}: outside this repository ({REPO_ROOT}), so git has no "
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
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True,
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
