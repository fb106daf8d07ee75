"""Jobs: one run of one piece of code on one board, with what it must show.

The firmware reads jobs from a text job list (firmware/src/PROTOCOL.md, "Job list"); this
module writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUSES = ("ok", "rejected", "fault", "timeout", "lockup", "hang", "error")


@dataclass(frozen=True)
class Expectation:
    """What a run must show. None means "not checked"."""
    status: str = "ok"
    return_value: int | None = None
    stdout: str | None = None
    error: str | None = None
    fault: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT.md spelling, only the keys that are checked."""
        spelled = {"status": self.status, "return": self.return_value, "stdout": self.stdout,
                   "error": self.error, "fault": self.fault}
        return {key: value for key, value in spelled.items() if value is not None}

    def mismatches(self, observed: dict[str, Any]) -> list[str]:
        """Each checked key whose observed value differs, as 'key: expected X, got Y'."""
        return [f"{key}: expected {value!r}, got {observed.get(key)!r}"
                for key, value in self.as_dict().items() if observed.get(key) != value]


@dataclass(frozen=True)
class Job:
    module: str               # the name reports use, e.g. "diag:fpu"
    kind: str                 # "diag"
    target: str               # the diagnostic's name
    args: tuple[int, ...]
    expect: Expectation


def joblist_line(job_id: str, job: Job) -> str:
    parts = [job_id, job.kind, job.target]
    if job.args:
        parts.append("args=" + ",".join(str(a) for a in job.args))
    return " ".join(parts)


def write_joblist(path: Path, jobs: list[tuple[str, Job]]) -> None:
    lines = ["# id kind target [args=a,b,c,d]  (firmware/src/PROTOCOL.md)"]
    lines += [joblist_line(job_id, job) for job_id, job in jobs]
    path.write_text("\n".join(lines) + "\n")
