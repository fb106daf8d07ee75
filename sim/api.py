"""The suite as a library: build, load and run a module folder on a board from Python, and get a
typed result back. The pytest plugin's fixtures (sim/pytest_plugin.py) are made of it; README.md,
"Testing your own modules with pytest", documents both.

A Simulator builds each board's firmware once (in its build folder; reused across processes
by the build's digest, as `python -m sim run` reuses it) and runs calls on real QEMU: run() gives
one call a boot of its own, run_many() runs several calls of one board in one shared boot, as the
suite's batches do.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sim import BOARDS_DIR
from sim.boards import Board, expectation_board_names, load_boards
from sim.errors import SetupError
from sim.jobs import Expectation, Job
from sim.modules import INT32, Module, ModuleIndex, as_int32, discover, load_module
from sim.plan import built_job, targets_for
from sim.results import RunResult
from sim.runner import RunSettings, run_batch
from sim.target import Target
from sim.toolchain import check_tools

MAX_ARGS = 4   # the firmware passes at most four int32 arguments to an entry (r0-r3)


@dataclass(frozen=True)
class Fault:
    """A fault the firmware contained, named and placed as in results.json's `fault`."""
    name: str                  # <Class>.<BIT>, e.g. "UsageFault.DIVBYZERO"
    pc: int | None
    symbol: str | None         # function+offset, in the module's or the firmware's ELF
    location: str | None       # file.c:line


@dataclass(frozen=True)
class Binding:
    """One import: the address the target bound it to, and the host oracle's prediction."""
    name: str
    address: int | None        # None: unresolved
    expected: int | None
    ok: bool


@dataclass(frozen=True)
class ModuleResult:
    """What one call showed (README.md, "Reading the reports", for each field's meaning)."""
    board: str
    module: str
    status: str                # ok rejected fault timeout lockup hang error
    return_value: int | None
    stdout: str
    fault: Fault | None
    error: str | None          # the loader's error name (rejected), or why (error)
    timing: dict[str, int | None]   # instructions per phase: load link init run unload
    sizes: dict[str, int] | None    # file, text, data, bss, ... (None: it never ran)
    bindings: tuple[Binding, ...]
    unresolved: tuple[str, ...]
    met: bool                  # module.toml's [expect] held (only status when args were given)
    mismatches: tuple[str, ...]
    log: Path | None           # the boot's log folder (console.log, jobs.txt, command.sh)


@dataclass(frozen=True)
class Call:
    """One call of a module folder: its entry with args (default: module.toml's args) under a
    budget in instructions (default: module.toml's budget, else the suite's)."""
    folder: Path
    args: Sequence[int] | None = None
    budget: int | None = None


class Simulator:
    """Runs module folders on the boards of boards_dir, building in build_dir and keeping each
    boot's logs under out_dir. Safe to share between threads; builds are locked per folder."""

    def __init__(self, build_dir: Path, out_dir: Path, boards_dir: Path = BOARDS_DIR) -> None:
        self.build_dir = build_dir.absolute()
        self.out_dir = out_dir.absolute()
        self.boards_dir = boards_dir
        self._targets: dict[str, Target] = {}
        self._lock = threading.Lock()
        self._boots = 0

    def board_names(self) -> list[str]:
        return [board.name for board in load_boards(None, self.boards_dir)]

    def target(self, board: str) -> Target:
        """The board with its reference firmware, built on first use in this process."""
        with self._lock:
            if board not in self._targets:
                check_tools()
                [self._targets[board]] = targets_for(load_boards([board], self.boards_dir), [],
                                                     self.build_dir)
            return self._targets[board]

    def run(self, folder: Path | str, board: str, args: Sequence[int] | None = None,
            budget: int | None = None) -> ModuleResult:
        """Build, load and run one module folder on one board, in a boot of its own."""
        [result] = self.run_many(board, [Call(Path(folder), args, budget)])
        return result

    def run_many(self, board: str, calls: Sequence[Call]) -> list[ModuleResult]:
        """Every call on one board, in one shared boot (another only after a boot that ended
        early, as the suite's runner does); results in call order."""
        target = self.target(board)
        jobs = [self._job(target.board, call) for call in calls]
        log_dir = self.out_dir / "logs" / board / f"batch{self._next_boot():03d}"
        settings = RunSettings(out_dir=self.out_dir, parallel=1)
        return [_module_result(result, self.out_dir)
                for _, result in run_batch(target, jobs, log_dir, settings)]

    def _next_boot(self) -> int:
        with self._lock:
            self._boots += 1
            return self._boots

    def _job(self, board: Board, call: Call) -> Job:
        boards = expectation_board_names(self.boards_dir)
        module = _with_call_options(load_module(call.folder, boards), call)
        # Its dependencies are found beside its folder, as a run finds them (sim/plan.py).
        siblings = discover([module.path.parent], boards) if module.depends else [module]
        job = built_job(board, module, ModuleIndex(siblings), self.build_dir)
        if job.build_error is not None:
            raise SetupError(f"{call.folder}: cannot be built for {board.name}: "
                             f"{job.build_error.message}")
        if call.args is not None:   # [expect]'s values were for module.toml's args
            job = dataclasses.replace(job, expect=Expectation(status=job.expect.status))
        return job


def _with_call_options(module: Module, call: Call) -> Module:
    """The module with the call's args and budget in place of module.toml's."""
    changes: dict[str, Any] = {}
    if call.args is not None:
        args = tuple(call.args)
        if len(args) > MAX_ARGS or not all(isinstance(a, int) and INT32[0] <= a <= INT32[1]
                                           for a in args):
            raise SetupError(f"{call.folder}: args {list(args)}: expected up to {MAX_ARGS} "
                             "integers, each an int32 (or a uint32 written as positive)")
        changes["args"] = tuple(as_int32(a) for a in args)
    if call.budget is not None:
        if not isinstance(call.budget, int) or call.budget <= 0:
            raise SetupError(f"{call.folder}: budget {call.budget!r}: expected a positive "
                             "number of instructions")
        changes["budget"] = call.budget
    return dataclasses.replace(module, **changes)


def _module_result(run: RunResult, out_dir: Path) -> ModuleResult:
    fault = None
    if run.fault is not None:
        fault = Fault(run.fault.name, run.fault.pc, run.fault.symbol, run.fault.location)
    return ModuleResult(
        board=run.board, module=run.module, status=run.status, return_value=run.return_value,
        stdout=run.stdout, fault=fault, error=run.error, timing=dict(run.timing),
        sizes=run.sizes, unresolved=tuple(run.unresolved), met=run.ok,
        bindings=tuple(Binding(i["name"], i["address"], i["expected"], i["ok"])
                       for i in run.imports),
        mismatches=tuple(run.mismatches), log=out_dir / run.log if run.log else None)
