"""Run records and results.json (README.md, "Reading the reports")."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from sim import WORK_ROOT
from sim.outdir import write_atomically
from sim.timing import TIMING_PHASES, TIMING_UNIT

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FaultInfo:
    name: str
    pc: int | None
    lr: int | None
    symbol: str | None
    location: str | None
    lr_symbol: str | None       # the return address: the caller of what faulted
    lr_location: str | None
    bits: tuple[str, ...]
    address: int | None
    cfsr: int
    hfsr: int
    # False: the address is in firmware whose ELF cannot name it (a stripped release image run
    # without --firmware-debug): symbol and location are then null, never guessed.
    debug_info: bool = True
    lr_debug_info: bool = True


@dataclass(frozen=True)
class TimeoutInfo:
    """Where a job's code was when its budget ran out (its @timeout record), named like a
    fault's pc and lr."""
    budget: int | None          # instructions; None: the firmware's default (a diagnostic)
    pc: int | None
    lr: int | None
    symbol: str | None
    location: str | None
    lr_symbol: str | None
    lr_location: str | None
    debug_info: bool = True      # as FaultInfo's
    lr_debug_info: bool = True


@dataclass
class RunResult:
    board: str
    module: str
    boot: int | None                  # None: the job never reached a QEMU boot
    status: str
    ok: bool
    expected: dict[str, Any]
    # The module.toml tables that made `expected` differ from [expect] on this board: a
    # [[when]]'s conditions ("fpu_precision=none") or "board" (sim.modules.expectation_for).
    expected_by: list[str] = field(default_factory=list)
    return_value: int | None = None
    stdout: str = ""
    error: str | None = None
    error_detail: str | None = None   # why, where the error name alone does not say (bad_arch)
    unresolved: list[str] = field(default_factory=list)
    fault: FaultInfo | None = None
    timeout: TimeoutInfo | None = None
    timing: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(TIMING_PHASES))
    sizes: dict[str, int] | None = None
    imports: list[dict[str, Any]] = field(default_factory=list)   # target vs host, per import
    image_crc: dict[str, Any] | None = None                       # target vs host
    link_mismatches: list[str] = field(default_factory=list)      # where they disagree
    mismatches: list[str] = field(default_factory=list)
    build_error: dict[str, str] | None = None   # never built: {reason, message} (jobs.BuildProblem)
    log: str | None = None            # the boot's log folder, relative to the reports folder

    def observed(self) -> dict[str, Any]:
        """Observed values under the names Expectation uses."""
        return {"status": self.status, "return": self.return_value, "stdout": self.stdout,
                "error": self.error, "fault": self.fault.name if self.fault else None}

    def to_json(self) -> dict[str, Any]:
        return {
            "board": self.board, "module": self.module, "boot": self.boot,
            "status": self.status, "ok": self.ok, "expected": self.expected,
            "expected_by": self.expected_by,
            "return": self.return_value, "stdout": self.stdout, "error": self.error,
            "error_detail": self.error_detail,
            "unresolved": self.unresolved, "imports": self.imports, "image_crc": self.image_crc,
            "fault": asdict(self.fault) if self.fault else None,
            "timeout": asdict(self.timeout) if self.timeout else None,
            "timing": {**self.timing, "unit": TIMING_UNIT},
            "sizes": self.sizes,
            "build_error": self.build_error, "mismatches": self.mismatches, "log": self.log,
        }


def current_commit() -> str | None:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=WORK_ROOT, capture_output=True,
                            text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def run_result_from_json(run: dict[str, Any]) -> RunResult:
    """The RunResult a results.json run was written from (RunResult.to_json), so that merged
    shards make the same reports as one run (sim/merge.py). link_mismatches is not written: it
    only ever adds to mismatches, which is."""
    fault, timeout = run["fault"], run["timeout"]
    return RunResult(
        board=run["board"], module=run["module"], boot=run["boot"], status=run["status"],
        ok=run["ok"], expected=run["expected"], expected_by=run["expected_by"],
        return_value=run["return"], stdout=run["stdout"], error=run["error"],
        error_detail=run["error_detail"], unresolved=run["unresolved"],
        fault=None if fault is None else FaultInfo(**{**fault, "bits": tuple(fault["bits"])}),
        timeout=None if timeout is None else TimeoutInfo(**timeout),
        timing={phase: value for phase, value in run["timing"].items() if phase != "unit"},
        sizes=run["sizes"], imports=run["imports"], image_crc=run["image_crc"],
        mismatches=run["mismatches"], build_error=run["build_error"], log=run["log"])


def shard_record(index: int, count: int, selection: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """results.json's "shard" of a sharded run: which of how many, and every run of the whole
    selection (board, module) in report order, so that merging can tell a missing run."""
    return {"index": index, "count": count, "selection": [list(key) for key in selection]}


def results_document(runs: list[RunResult], footprint: dict[str, dict[str, int | None]],
                     commit: str | None, *, interrupted_by: str | None = None,
                     library: dict[str, dict[str, int]] | None = None,
                     shard: dict[str, Any] | None = None) -> dict[str, Any]:
    """interrupted_by: the signal that stopped the run ("SIGINT"); runs then holds only the
    jobs that finished. library: the loader library's sizes built alone, per core
    (sim/loader_library.py, library_footprint). shard: shard_record of a sharded run, else
    None."""
    return {"schema": SCHEMA_VERSION, "commit": commit,
            "interrupted": interrupted_by is not None, "signal": interrupted_by,
            "shard": shard, "footprint": footprint, "library": library or {},
            "runs": [run.to_json() for run in runs]}


def write_results(path: Path, document: dict[str, Any]) -> None:
    write_atomically(path, results_text(document))


def results_text(document: dict[str, Any]) -> str:
    """results.json's text: a key per line, and a list's items one per line, each item compact.
    Greppable and diffable by run; and json's C encoder does the work (with indent= it falls
    back to a Python one, which took a fifth of a 1,600-run report's time)."""
    fields = [f"  {json.dumps(key)}: {_value_text(value)}" for key, value in document.items()]
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _value_text(value: Any) -> str:
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"    {json.dumps(item)}" for item in value) + "\n  ]"
    return json.dumps(value)
