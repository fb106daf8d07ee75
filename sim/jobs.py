"""Jobs: one run of one piece of code on one board, with what it must show.

The firmware reads jobs from a text job list (firmware/src/PROTOCOL.md, "Job list"); this
module writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim import FIRMWARE_DIR
from sim.errors import SetupError
from sim.faults import EXCEPTION_CLASSES, SVCALL, decode_fault, v6m_fault_names
from sim.stdoutdiff import first_difference
from sim.timing import NS_PER_INSTRUCTION

LOADER_HEADER = FIRMWARE_DIR / "loader" / "loader.h"
# One X(suffix, name, value) of loader.h's LOADER_STATUSES list.
_STATUS_ENTRY = re.compile(r"\bX\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(-?\d+)\s*\)")


def loader_statuses(header: Path = LOADER_HEADER, list_name: str = "LOADER_STATUSES"
                    ) -> dict[str, int]:
    """Every loader status by name ("ok": 0, "bad_magic": -1, ...), read from the library's
    LOADER_STATUSES list, the one the firmware's enum and loader_strerror() are made from (or
    another X-macro list of the same form: APP_IMAGE_STATUSES)."""
    text = re.sub(r"/\*.*?\*/", " ", header.read_text(), flags=re.DOTALL)
    body = re.search(rf"#define {list_name}\(X\)((?:[^\n]*\\\n)*[^\n]*)", text)
    if body is None:
        raise SetupError(f"{header}: no '#define {list_name}(X)' list")
    return {name: int(value) for _, name, value in _STATUS_ENTRY.findall(body[1])}


# The loader's error names, as a rejected job's @end record spells them (its "ok" is no error).
LOADER_ERRORS = tuple(name for name, value in loader_statuses().items() if value != 0)
# What refuses an application image's vector table (firmware/src/app_image.h): an app job's
# @end error besides the loader's.
APP_IMAGE_HEADER = FIRMWARE_DIR / "src" / "app_image.h"
APP_IMAGE_ERRORS = tuple(loader_statuses(APP_IMAGE_HEADER, "APP_IMAGE_STATUSES"))
# Every error name a rejected job can show.
JOB_ERRORS = LOADER_ERRORS + APP_IMAGE_ERRORS
# The runner's name for job code that returned with r4-r11 or sp changed (an @abi record).
CALLEE_SAVED_FAULT = "ABI.CALLEE_SAVED"


@lru_cache(maxsize=1)
def fault_names() -> tuple[str, ...]:
    """Every fault name a run can show: what sim.faults.decode_fault gives for each exception
    and each status bit (and none), ABI.STACK and ABI.SVC, CALLEE_SAVED_FAULT, and the
    HardFault names of ARMv6-M (decode_v6m_fault)."""
    names = {decode_fault(SVCALL, 0, 0).name, decode_fault(0, 0, 0, stack_overflow=True).name,
             CALLEE_SAVED_FAULT}
    for exception in EXCEPTION_CLASSES:
        names.add(decode_fault(exception, 0, 0).name)
        names.update(decode_fault(exception, 1 << bit, 0).name for bit in range(32))
        names.update(decode_fault(exception, 0, 1 << bit).name for bit in range(32))
    names.update(v6m_fault_names())
    return tuple(sorted(names))


@dataclass(frozen=True)
class Expectation:
    """What a run must show. None means "not checked"."""
    status: str = "ok"
    return_value: int | None = None
    stdout: str | None = None
    error: str | None = None
    fault: str | None = None
    # Which tables made it differ from [expect] on this board (sim.modules.expectation_for):
    # a [[when]]'s conditions, or "board"; what the cross-board table explains a difference by.
    decided_by: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The module.toml spelling (README.md, "Adding a module"), only the keys that are
        checked."""
        spelled = {"status": self.status, "return": self.return_value, "stdout": self.stdout,
                   "error": self.error, "fault": self.fault}
        return {key: value for key, value in spelled.items() if value is not None}

    def mismatches(self, observed: dict[str, Any]) -> list[str]:
        """Each checked key whose observed value differs, as 'key: expected X, got Y'; stdout,
        which can be long, as its first differing line."""
        return [_mismatch(key, value, observed.get(key))
                for key, value in self.as_dict().items() if observed.get(key) != value]


def _mismatch(key: str, expected: Any, got: Any) -> str:
    if key == "stdout" and isinstance(got, str):
        return f"stdout: differs at {first_difference(expected, got)}"
    return f"{key}: expected {expected!r}, got {got!r}"


# Why a module never reached the target (README.md, "When the harness's side goes wrong"):
# its module.toml (or a dependency's) cannot be used, its sources did not compile or link, or
# the packer refused the linked image.
BUILD_PROBLEM_REASONS = ("config", "build", "pack")


@dataclass(frozen=True)
class BuildProblem:
    """Why a module could not be built: its runs are `error` runs saying so."""
    reason: str      # one of BUILD_PROBLEM_REASONS
    message: str     # a headline, then the first lines of the tool's message (file:line kept)

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message}


@dataclass(frozen=True)
class Job:
    module: str                      # the name reports use, e.g. "diag:fpu" or "qsort_callback"
    kind: str                        # "diag" or "module"
    target: str                      # the diagnostic's name, or the module file's path
    args: tuple[int, ...]
    expect: Expectation
    entry: str | None = None         # module jobs: the entry's name
    abi: str | None = None           # module jobs: "tems" for the TEMS _start protocol
    deps: tuple[str, ...] = ()       # module jobs: resident libraries' files, in load order
    budget: int | None = None        # SysTick ticks all of its code may run in the whole job
                                     # (u64; None: the firmware's default)
    elf: Path | None = None          # module jobs: the linked module, to name fault addresses
    sizes: dict[str, int] | None = None
    build_error: BuildProblem | None = None   # the module could not be built: an error run
    tags: tuple[str, ...] = ()       # what --tag selects it by (sim/select.py)
    # module jobs: the file is an application image, started through its vector table (the
    # job list's kind `app`; README.md, "Adding a module")
    application: bool = False

    def joblist_kind(self) -> str:
        """The kind the job list names: an application image's module job is `app`."""
        return "app" if self.application else self.kind


def joblist_line(job_id: str, job: Job, file_name: str | None = None,
                 dep_names: tuple[str, ...] | None = None) -> str:
    """One job list line; file_name and dep_names replace a module job's paths (the runner copies
    the files beside the job list)."""
    target = job.target if job.kind == "diag" else f'"{file_name or job.target}"'
    parts = [job_id, job.joblist_kind(), target]
    parts += [f"dep={name}" for name in (dep_names if dep_names is not None else job.deps)]
    if job.abi is not None:
        parts.append(f"abi={job.abi}")
    elif job.entry is not None:
        parts.append(f"entry={job.entry}")
    if job.budget is not None:  # ticks for the whole job, an unsigned 64-bit decimal
        parts.append(f"budget={job.budget}")
    if job.args:
        parts.append("args=" + ",".join(str(a) for a in job.args))
    return " ".join(parts)


# A job's id in its boot: its index in the batch, always this many digits wide. What the firmware
# does with the id and with the staged file names made of it (prints them, opens them) then
# costs the same instructions wherever the job falls in a batch, and so do the phases around
# that work: a job's figures cannot depend on which jobs shared its boot.
JOB_ID_DIGITS = 6


def batch_job_id(index: int) -> str:
    return f"{index:0{JOB_ID_DIGITS}d}"


# The guest's instruction time, for a firmware that turns its SysTick ticks into instruction
# counts itself (PROTOCOL.md, "Timing"); another reads it as a comment and reports ticks.
TIMING_DIRECTIVE = f"#!timing ns_per_instruction={NS_PER_INSTRUCTION}"


def write_joblist(path: Path, lines: list[str]) -> None:
    header = ("# id kind target [dep=file]... [entry=name | abi=tems] [budget=ticks per job] "
              "[args=a,b,c,d]  (firmware/src/PROTOCOL.md; kind app: target and budget only)")
    path.write_text("\n".join([header, TIMING_DIRECTIVE, *lines]) + "\n")
