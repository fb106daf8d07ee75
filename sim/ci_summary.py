"""The run's headline, misses and regressions for a CI service's own page: GitHub Actions
reads Markdown appended to the file its GITHUB_STEP_SUMMARY variable names."""

from __future__ import annotations

import os
import sys
from typing import Sequence

from sim.baseline import Change
from sim.report import miss_explanation
from sim.results import RunResult

STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def step_summary(runs: list[RunResult], headline: str, regressed: Sequence[Change] = ()) -> str:
    """Markdown: the headline, then one line per run that missed and why, and one per figure
    that regressed past its threshold."""
    lines = [f"### {headline}", ""]
    for run in runs:
        if not run.ok:
            why, _ = miss_explanation(run)
            lines.append(f"- **{run.board} / {run.module}**: {why} (`{run.log or 'never booted'}`)")
    lines += [f"- **regressed** {change.detail()}" for change in regressed]
    return "\n".join(lines) + "\n"


def append_step_summary(runs: list[RunResult], headline: str,
                        regressed: Sequence[Change] = ()) -> None:
    """Append to $GITHUB_STEP_SUMMARY when it is set. A file that cannot be written is said on
    stderr and changes nothing else: the run's reports and exit status stand."""
    path = os.environ.get(STEP_SUMMARY_VARIABLE)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(step_summary(runs, headline, regressed))
    except OSError as error:
        print(f"warning: ${STEP_SUMMARY_VARIABLE} ({path}) could not be written: "
              f"{error.strerror or error}", file=sys.stderr)
