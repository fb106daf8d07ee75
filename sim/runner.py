"""Runs jobs on QEMU: batches of jobs per boot, boots in parallel, one result per job.

Faults in job code are contained by the firmware, so a boot normally runs its whole batch. A
boot that ends early (a lockup, a reset, a hang, a fault in the firmware's own code, firmware
state a job damaged) is followed by a new boot that resumes at the next job, so every job in
gives exactly one result out. Each boot keeps its job list, console, QEMU stderr and a command
to rerun it by hand in its log folder. Every boot's @boot record is checked against the board
and firmware the run asked for (sim/identity.py). A stop signal or a harness error ends every
QEMU of the run at once (run_matrix).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import struct
import sys
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pexpect

from sim.boards import Board
from sim.cores import CORE_FACTS, CORE_TABLE, FPU_CODES, arch_tag_text, arch_text
from sim.elfinfo import ElfInfo
from sim.faults import (STACKED_REGISTERS, DecodedFault, decode_fault, decode_v6m_fault,
                        has_fault_status)
from sim.identity import check_identity
from sim.interrupt import RunInterrupted, deferring_signals, signal_received
from sim.jobs import CALLEE_SAVED_FAULT, Job, joblist_line, write_joblist
from sim.oracle import ModuleFile, Placement, predict_bindings, predict_image_crc
from sim.outdir import naming_errors
from sim.module_format import HEADER_SIZE, ModuleHeader
from sim.protocol import BootTranscript, JobTranscript, LinkTranscript, Record
from sim.qemu import QemuExit, QemuSession, SessionGroup, qemu_argv, rerun_command
from sim.results import TIMING_PHASES, FaultInfo, RunResult, TimeoutInfo
from sim.target import Target, elf_info
from sim.timing import ticks_to_instructions

log = logging.getLogger(__name__)

LOCKUP_MARKER = "Lockup"       # QEMU: "qemu: fatal: Lockup: can't escalate 3 to HardFault ..."
LOCKUP_EXIT_STATUS = 134       # QEMU aborts after a lockup


# The host's hang deadline gives a job's budget time at this rate: a conservative floor for
# QEMU's speed on a loaded machine, so a job that uses a long budget is not taken for a hang.
HANG_DEADLINE_INSTRUCTIONS_PER_S = 5_000_000


@dataclass(frozen=True)
class RunSettings:
    out_dir: Path
    batch: int = 50                 # jobs per QEMU boot
    parallel: int = 2               # QEMU instances at once
    boot_deadline_s: float = 20.0   # host backstop: from QEMU's start to the first job ...
    job_deadline_s: float = 10.0    # ... then from each job's start, this plus its budget's time
    # Every QEMU of the run, so a stop (a signal, another batch's error) can end them at once.
    sessions: SessionGroup = field(default_factory=SessionGroup, compare=False, repr=False)

    def job_deadline(self, job: Job, clock_hz: int) -> float:
        """Seconds a job may take before its boot counts as hung: job_deadline_s, plus its
        budget at HANG_DEADLINE_INSTRUCTIONS_PER_S. A diagnostic has no budget of the host's:
        the firmware's default is short and the fixed part covers it."""
        if job.budget is None:
            return self.job_deadline_s
        instructions = ticks_to_instructions(job.budget, clock_hz)
        return self.job_deadline_s + instructions / HANG_DEADLINE_INSTRUCTIONS_PER_S


@dataclass
class BootOutcome:
    transcript: BootTranscript
    exit: QemuExit
    log_dir: Path
    console_tail: tuple[str, ...] = ()   # the last lines QEMU printed, for the evidence

    def ending(self) -> tuple[str, str]:
        """(status for a job the boot died in, why the boot ended, with the evidence)."""
        status, why = self._ending()
        if status == "error" and self.console_tail:
            why += f"; last console line: {self.console_tail[-1]!r}"
        return status, why

    def _ending(self) -> tuple[str, str]:
        stderr = self.exit.stderr
        if self.exit.teardown == "not started":
            return "error", f"could not start QEMU: {stderr}"
        if LOCKUP_MARKER in stderr or self.exit.status == LOCKUP_EXIT_STATUS:
            return "lockup", _last_line(stderr) or "QEMU lockup"
        if self.exit.deadline_hit:
            return "hang", "no progress before the host deadline"
        if self.exit.signal is not None and self.exit.teardown == "exited":
            name = signal.Signals(self.exit.signal).name
            return "error", f"QEMU was killed by {name} during the job (stderr: " \
                            f"{_last_line(stderr) or 'empty'})"
        fault = self.transcript.firmware_fault
        if fault is not None:
            return "error", (f"the firmware itself faulted (exception {fault.text('exc')}, "
                             f"cfsr {fault.text('cfsr')}) while this job ran; see the boot's "
                             "console")
        if self.transcript.exit is not None:
            return "error", f"firmware exited with status {self.transcript.exit.text('status')}"
        if self.exit.status == 0:
            return "reset", "the job reset the system (QEMU ran with -no-reboot, so it exited)"
        return "error", f"QEMU ended with status {self.exit.status}: {_last_line(stderr)}"


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


Staged = dict[str, Path]   # a batch's module files: built path -> its first copy in a boot folder


def _stage_file(source: str, destination: Path, staged: Staged) -> None:
    """Put the module file in the boot folder: copied the first time the batch needs it, after
    that a hard link to that copy (which nothing writes again), so a re-boot or a file run
    many times costs no copy. A copy where the file system refuses links."""
    first = staged.get(source)
    if first is not None:
        try:
            os.link(first, destination)
            return
        except OSError:
            pass
    shutil.copyfile(source, destination)
    staged[source] = destination


def _stage_job(job_id: str, job: Job, log_dir: Path, staged: Staged) -> str:
    """The job's line; a module file is put beside the job list, so the boot folder holds
    everything needed to rerun it and the firmware gets a short relative path. Raises
    FileNotFoundError if a file has gone since the build."""
    if job.kind != "module":
        return joblist_line(job_id, job)
    name = f"{job_id}.cmod"
    _stage_file(job.target, log_dir / name, staged)
    dep_names = tuple(f"{job_id}-dep{k}.cmod" for k in range(len(job.deps)))
    for path, dep_name in zip(job.deps, dep_names, strict=True):
        _stage_file(path, log_dir / dep_name, staged)
    return joblist_line(job_id, job, name, dep_names)


def _start_failure(error: Exception) -> QemuExit:
    return QemuExit(status=None, signal=None, deadline_hit=False, teardown="not started",
                    stderr=str(error).splitlines()[0])


def boot_once(target: Target, jobs: list[tuple[str, Job]], log_dir: Path,
              settings: RunSettings, staged: Staged | None = None) -> BootOutcome | None:
    """Boot once with these jobs; None when the run was stopped before QEMU started. Raises
    FirmwareMismatch when the firmware is not the one the run asked for (identity.py), and
    OSError naming the file or the boot's folder when its logs cannot be written."""
    with naming_errors(log_dir):
        return _boot_once(target, jobs, log_dir, settings, {} if staged is None else staged)


def _boot_once(target: Target, jobs: list[tuple[str, Job]], log_dir: Path,
               settings: RunSettings, staged: Staged) -> BootOutcome | None:
    log_dir.mkdir(parents=True, exist_ok=True)
    transcript = BootTranscript(expected_ids=[job_id for job_id, _ in jobs])
    try:
        write_joblist(log_dir / "jobs.txt",
                      [_stage_job(job_id, job, log_dir, staged) for job_id, job in jobs])
    except FileNotFoundError as error:  # a file went between the check and the copy
        return BootOutcome(transcript, _start_failure(error), log_dir)
    argv = qemu_argv(target.board.qemu_machine, target.image.elf.resolve(),
                     ["firmware", "jobs.txt"])
    (log_dir / "command.sh").write_text(rerun_command(argv, log_dir) + "\n")
    deadlines = {job_id: settings.job_deadline(job, target.board.cpu.clock_hz)
                 for job_id, job in jobs}
    tail: deque[str] = deque(maxlen=3)
    session = QemuSession(argv, log_dir, log_dir / "stderr.log", settings.boot_deadline_s)
    try:
        if not settings.sessions.start(session):
            return None
    except (pexpect.ExceptionPexpect, OSError) as error:
        return BootOutcome(transcript, _start_failure(error), log_dir)
    identified = False
    try:
        with session, open(log_dir / "console.log", "w") as console:
            for line in session.lines():
                console.write(line + "\n")
                transcript.feed(line)
                if line.startswith(("@job ", "@end ")):
                    console.flush()  # on disk as each job starts and ends: a hung one shows
                tail.append(line)
                if not identified and transcript.boot is not None:
                    check_identity(transcript.boot, target.board, target.image)
                    identified = True
                started = transcript.started_now
                if started is not None:
                    session.restart_deadline(deadlines[started])
    finally:
        settings.sessions.finished(session)
    assert session.exit is not None
    return BootOutcome(transcript, session.exit, log_dir, tuple(tail))


def _fault_elf(seen: JobTranscript, job: Job, target: Target, pc: int) -> tuple[ElfInfo, int]:
    """The ELF that holds pc, and pc as an address in that ELF."""
    load = seen.module.load
    if load is not None and job.elf is not None:
        base, size = load.int("base"), load.int("bytes")
        if base <= pc < base + size:
            return elf_info(job.elf), pc - base
    return target.elf, pc


Named = tuple[str | None, str | None]   # (function+offset, file:line)


def _named(seen: JobTranscript, job: Job, target: Target, pc: int | None, lr: int | None,
           ) -> tuple[Named, Named]:
    """pc and lr as function+offset and file:line, in the module's ELF or the firmware's;
    lr is the caller, which says where a jump into nowhere came from."""
    at: Named = (None, None)
    caller: Named = (None, None)
    if pc is not None:
        elf, address = _fault_elf(seen, job, target, pc)
        at = elf.symbol(address), elf.location(address)
    if lr is not None:
        elf, address = _fault_elf(seen, job, target, lr & ~1)
        caller = elf.symbol(address), elf.location(address)
    return at, caller


def _code_at(seen: JobTranscript, job: Job, target: Target, pc: int | None) -> bytes | None:
    """The instruction bytes at pc (4, or 2 at the end of a section), from the ELF holding it."""
    if pc is None:
        return None
    elf, address = _fault_elf(seen, job, target, pc & ~1)
    return elf.read(address, 4) or elf.read(address, 2)


def _decoded_fault(record: Record, seen: JobTranscript, job: Job, target: Target) -> DecodedFault:
    overflow = record.fields.get("overflow") == "1"
    if not has_fault_status(target.board.cpu.core):
        pc = record.optional_int("pc")
        stacked = {name: record.optional_int(name) for name in STACKED_REGISTERS.values()}
        registers = {name: value for name, value in stacked.items() if value is not None}
        return decode_v6m_fault(record.int("exc"), record.optional_int("xpsr"),
                                _code_at(seen, job, target, pc), stack_overflow=overflow,
                                registers=registers)
    return decode_fault(record.int("exc"), record.int("cfsr"), record.int("hfsr"),
                        record.optional_int("mmfar"), record.optional_int("bfar"),
                        stack_overflow=overflow)


def _fault_info(record: Record, seen: JobTranscript, job: Job, target: Target) -> FaultInfo:
    decoded = _decoded_fault(record, seen, job, target)
    pc, lr = record.optional_int("pc"), record.optional_int("lr")
    (symbol, location), (lr_symbol, lr_location) = _named(seen, job, target, pc, lr)
    return FaultInfo(name=decoded.name, pc=pc, lr=lr, symbol=symbol, location=location,
                     lr_symbol=lr_symbol, lr_location=lr_location,
                     bits=decoded.bits, address=decoded.address,
                     cfsr=record.int("cfsr"), hfsr=record.int("hfsr"))


def _timeout_info(seen: JobTranscript, job: Job, target: Target) -> TimeoutInfo:
    """The budget in instructions and where the job's code was stopped (its @timeout record;
    pc and lr are missing if the record is)."""
    record = seen.timeout
    pc = record.optional_int("pc") if record is not None else None
    lr = record.optional_int("lr") if record is not None else None
    (symbol, location), (lr_symbol, lr_location) = _named(seen, job, target, pc, lr)
    budget = None if job.budget is None else ticks_to_instructions(job.budget,
                                                                   target.board.cpu.clock_hz)
    return TimeoutInfo(budget=budget, pc=pc, lr=lr, symbol=symbol, location=location,
                       lr_symbol=lr_symbol, lr_location=lr_location)


def _abi_fault() -> FaultInfo:
    """Job code broke the callee-saved contract (its @abi record says how): no CFSR fault."""
    return FaultInfo(name=CALLEE_SAVED_FAULT, pc=None, lr=None, symbol=None, location=None,
                     lr_symbol=None, lr_location=None, bits=(), address=None, cfsr=0, hfsr=0)


CORE_CODES = {core.code: core.rank for core in CORE_TABLE}   # header code -> rank (sim/cores.py)


def _arch_tag(path: str) -> tuple[int, int, int] | None:
    """The core, FPU and float ABI codes of a module file's header; None if unreadable."""
    try:
        with open(path, "rb") as file:
            header = ModuleHeader.unpack(file.read(HEADER_SIZE))
    except (OSError, struct.error):
        return None
    return header.arch_core, header.arch_fpu, header.arch_float_abi


def _bad_arch_detail(end: Record, job: Job, board: Board) -> str:
    """Why the loader said bad_arch, naming both sides: the rejected file's arch tag against
    the board's core, or, where the core and FPU fit, its float ABI against the resident
    libraries' (firmware/loader/FORMAT.md, "Architecture")."""
    dep = end.optional_int("dep")
    paths = [*job.deps, job.target] if job.kind == "module" else []
    failed = dep if dep is not None and 0 <= dep < len(job.deps) else len(paths) - 1
    tag = _arch_tag(paths[failed]) if paths else None
    if tag is None:
        return f"{board.name} has {arch_text(board.cpu.core, board.cpu.fpu, board.cpu.float_abi)}"
    core, fpu, abi = tag
    has = arch_text(board.cpu.core, board.cpu.fpu, board.cpu.float_abi)
    fits = (core in CORE_CODES and CORE_CODES[core] <= CORE_FACTS[board.cpu.core].rank
            and fpu <= FPU_CODES[board.cpu.fpu])
    built_for = f"built for {arch_tag_text(*tag)}"
    if fits:
        return (f"{built_for}: its float ABI differs from a resident library's (one passes "
                f"floating-point arguments in FPU registers, the other in core registers)")
    return f"{built_for}; {board.name} has {has}"


def _from_end(result: RunResult, seen: JobTranscript, job: Job, target: Target) -> None:
    end = seen.end
    assert end is not None
    status = end.text("status")
    if status in ("ok", "fault", "timeout"):
        result.status = status
        clock = target.board.cpu.clock_hz
        ticks = {phase: end.optional_int(phase) for phase in TIMING_PHASES}
        result.timing = {phase: None if t is None else ticks_to_instructions(t, clock)
                         for phase, t in ticks.items()}
    if status == "ok":
        result.return_value = end.int("ret")
    elif status == "fault" and seen.fault is not None:
        result.fault = _fault_info(seen.fault, seen, job, target)
    elif status == "fault" and seen.abi is not None:
        result.fault = _abi_fault()
    elif status == "timeout":
        result.timeout = _timeout_info(seen, job, target)
    elif status == "rejected":
        result.status, result.error = "rejected", end.text("error")
        if result.error == "bad_arch":
            result.error_detail = _bad_arch_detail(end, job, target.board)
    elif status == "nofile":
        result.error = "the firmware could not open the module file"
    elif status not in ("fault", "timeout"):
        result.error = f"the firmware does not know this job: {status}"


def _compare_file(module: ModuleFile, link: LinkTranscript, unresolved: list[str],
                  target: Target, residents: tuple[Placement, ...],
                  ) -> tuple[list[dict[str, object]], dict[str, object] | None]:
    """One module file's imports and image CRC, target against the host oracle."""
    assert link.load is not None
    expected = predict_bindings(target.exports, module, residents)
    imports = []
    for name, predicted in expected.items():
        bound = None if name in unresolved else link.bindings.get(name)
        imports.append({"name": name, "address": bound, "expected": predicted,
                        "ok": bound == predicted})
    crc = None
    if link.linked is not None:
        predicted_crc = predict_image_crc(module, link.load.int("base"), link.load.int("data"),
                                          expected)
        actual = link.linked.int("crc")
        crc = {"target": actual, "expected": predicted_crc, "ok": actual == predicted_crc}
    return imports, crc


def _disagreements(imports: list[dict[str, object]], crc: dict[str, object] | None,
                   prefix: str = "") -> list[str]:
    found = [f"{prefix}import {i['name']}: target bound {_hex(i['address'])}, host expected "
             f"{_hex(i['expected'])}" for i in imports if not i["ok"]]
    if crc is not None and not crc["ok"]:
        found.append(f"{prefix}image CRC: target {crc['target']:#010x}, host expected "
                     f"{crc['expected']:#010x}")
    return found


def _oracle_reads(path: str, result: RunResult, prefix: str = "") -> ModuleFile | None:
    """The module file as the oracle reads it; None, and a disagreement on the run, when the
    oracle cannot read a file the target took (a malformed one, from the fuzzer)."""
    try:
        return ModuleFile.read(Path(path))
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as error:
        result.link_mismatches.append(f"{prefix}the target took a module file the host oracle "
                                      f"cannot read ({error})")
        return None


def _compare_link(result: RunResult, job: Job, seen: JobTranscript, target: Target) -> None:
    """Set the run's imports and image CRC, target against the host oracle; the resident
    libraries it loaded first are checked the same way, each against those before it."""
    if job.kind != "module":
        return
    residents: tuple[Placement, ...] = ()
    for index, path in enumerate(job.deps):
        link = seen.deps.get(index)
        if link is None or link.load is None:
            return
        dep = _oracle_reads(path, result, f"dependency {index}: ")
        if dep is None:
            return
        if link.link_ran:
            imports, crc = _compare_file(dep, link, seen.unresolved, target, residents)
            result.link_mismatches += _disagreements(imports, crc, f"dependency {index}: ")
        residents += (Placement(dep, link.load.int("base"), link.load.int("data")),)
    link = seen.module
    if link.load is None or not (link.link_ran or seen.unresolved):
        return
    module = _oracle_reads(job.target, result)
    if module is None:
        return
    result.imports, result.image_crc = _compare_file(module, link, seen.unresolved, target,
                                                     residents)
    result.link_mismatches += _disagreements(result.imports, result.image_crc)


def _hex(value: int | None) -> str:
    return "unresolved" if value is None else f"{value:#010x}"


def _settle(job: Job, seen: JobTranscript, outcome: BootOutcome, target: Target) -> RunResult:
    """The result of a job the boot started."""
    sizes = dict(job.sizes) if job.sizes else None
    if sizes is not None and seen.module.load is not None:
        sizes["arena"] = seen.module.load.int("bytes")  # what it held in the arena, all in
        # From its block's start (the arena's top before it, alignment padding included) to
        # the top after it: what loading it took from the arena.
        sizes["arena_held"] = seen.module.load.int("held")
    result = RunResult(board=target.board.name, module=job.module, boot=0, status="error",
                       ok=False, expected=job.expect.as_dict(), stdout=seen.stdout,
                       unresolved=list(seen.unresolved), sizes=sizes)
    if seen.noise:  # first: a broken record also puts the ones after it out of place
        result.status = "error"
        more = f" (and {len(seen.noise) - 1} more)" if len(seen.noise) > 1 else ""
        result.error = f"the console broke the record protocol during the job: " \
                       f"{seen.noise[0]!r}{more}"
    elif seen.tampering:
        result.status = "error"
        more = f" (and {len(seen.tampering) - 1} more)" if len(seen.tampering) > 1 else ""
        result.error = f"records that do not belong to this job appeared while it ran, so its " \
                       f"result cannot be trusted: {seen.tampering[0]}{more}"
    elif seen.integrity is not None:
        result.status = "error"
        result.error = (f"the job damaged the firmware ({seen.integrity.text('damaged')}); the "
                        "firmware ended the boot")
    elif seen.end is not None:
        _from_end(result, seen, job, target)
    else:
        result.status, why = outcome.ending()
        result.error = why if result.status in ("error", "reset") else None
    _compare_link(result, job, seen, target)
    return result


def _judge(result: RunResult, job: Job, log_dir: Path, out_dir: Path) -> RunResult:
    """Compare with the expectation; point at the boot's log folder."""
    result.mismatches = job.expect.mismatches(result.observed()) + result.link_mismatches
    result.ok = not result.mismatches
    result.expected_by = list(job.expect.decided_by)
    result.log = str(log_dir.relative_to(out_dir))
    return result


def _error_result(job: Job, target: Target, error: str) -> RunResult:
    result = RunResult(target.board.name, job.module, None, "error", False, job.expect.as_dict(),
                       error=error,
                       build_error=job.build_error.as_dict() if job.build_error else None)
    result.mismatches = job.expect.mismatches(result.observed())
    result.expected_by = list(job.expect.decided_by)
    return result


def _settle_boot(outcome: BootOutcome, pending: list[tuple[str, Job]], target: Target,
                 settings: RunSettings) -> dict[str, RunResult]:
    """Results for the jobs this boot started; when it started none, for all of them (another
    boot would only do the same)."""
    started = {job_id: job for job_id, job in pending
               if job_id in outcome.transcript.jobs and outcome.transcript.jobs[job_id].started}
    if started:
        return {job_id: _judge(_settle(job, outcome.transcript.jobs[job_id], outcome, target),
                               job, outcome.log_dir, settings.out_dir)
                for job_id, job in started.items()}
    why = _boot_error(outcome) or outcome.ending()[1]
    return {job_id: _judge(_error_result(job, target, f"boot ended before the job ran: {why}"),
                           job, outcome.log_dir, settings.out_dir) for job_id, job in pending}


def enumerate_ids(jobs: list[Job]) -> list[tuple[str, Job]]:
    return [(str(index), job) for index, job in enumerate(jobs)]


def _unrunnable(job: Job) -> str | None:
    """Why the job cannot go to QEMU at all: its build failed, or its files have gone."""
    if job.build_error is not None:
        return job.build_error.message
    files = [job.target, *job.deps] if job.kind == "module" else []
    gone = [path for path in files if not Path(path).is_file()]
    if gone:
        return f"module file {gone[0]} disappeared between the build and the run"
    return None


def _finished_jobs(outcome: BootOutcome, pending: list[tuple[str, Job]], target: Target,
                   settings: RunSettings) -> dict[str, RunResult]:
    """Results for the jobs a stopped boot saw to their end; the one it was running when the
    run stopped has no result (the run did not let it finish)."""
    jobs = outcome.transcript.jobs
    return {job_id: _judge(_settle(job, jobs[job_id], outcome, target), job, outcome.log_dir,
                           settings.out_dir)
            for job_id, job in pending if job_id in jobs and jobs[job_id].end is not None}


def run_batch(target: Target, jobs: list[Job], log_dir: Path,
              settings: RunSettings) -> list[tuple[int, RunResult]]:
    """Run one batch of jobs, booting again after each early end. Returns a (boot, result) per
    job, in order; boot 0 for a module that did not build and so never ran. When the run is
    stopped (settings.sessions), only the jobs that finished have a result."""
    problems = {str(i): _unrunnable(job) for i, job in enumerate(jobs)}
    settled = {i: (0, _error_result(job, target, problems[i]))
               for i, job in enumerate_ids(jobs) if problems[i] is not None}
    pending = [(i, job) for i, job in enumerate_ids(jobs) if problems[i] is None]
    boot = 0
    staged: Staged = {}
    while pending:
        boot += 1
        outcome = boot_once(target, pending, log_dir / f"boot{boot}", settings, staged)
        if outcome is None:   # the run stopped before this boot began
            break
        stopped = outcome.exit.teardown == "stopped"
        settle = _finished_jobs if stopped else _settle_boot
        results = settle(outcome, pending, target, settings)
        settled.update({job_id: (boot, result) for job_id, result in results.items()})
        pending = [(job_id, job) for job_id, job in pending if job_id not in results]
        if stopped:
            break
    return [settled[job_id] for job_id, _ in enumerate_ids(jobs) if job_id in settled]


def _boot_error(outcome: BootOutcome) -> str | None:
    for record in outcome.transcript.errors:
        return f"{record.fields.get('in', '?')} line {record.fields.get('line', '?')}: " \
               f"{record.fields.get('msg', '')}"
    return None


def _batches(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[start:start + size] for start in range(0, len(jobs), size)]


Progress = Callable[[int, int], None]   # (runs done, runs in all)


def print_progress(done: int, total: int) -> None:
    """A line on stderr at every tenth of the runs, so a long run shows it is moving."""
    step = max(1, total // 10)
    if done == total or done // step != (done - 1) // step:
        print(f"  {done}/{total} runs", file=sys.stderr, flush=True)


POLL_S = 0.1   # how often the run looks for a stop signal while boots are in flight


def _wait_for_batches(futures: list[Future], total: int, progress: Progress | None) -> int | None:
    """Wait until every batch is done (None) or a stop signal arrives (its number). A batch's
    error is raised as soon as it is seen."""
    pending, done = set(futures), 0
    while pending:
        if signal_received() is not None:
            return signal_received()
        finished, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        for future in finished:
            done += len(future.result())
            if progress is not None:
                progress(done, total)
    return signal_received()


def _stop_all(pool: ThreadPoolExecutor, sessions: SessionGroup) -> None:
    """No new boots, every QEMU of the run killed, batches not yet begun dropped; then wait for
    the running batches to hand in what finished."""
    sessions.stop()
    pool.shutdown(wait=True, cancel_futures=True)


def _in_run_order(tasks: list[tuple[Target, int, list[Job]]],
                  futures: list[Future]) -> list[RunResult]:
    """Results in board order, then job order, boots numbered per board across its batches;
    batches a stop dropped before they began give none."""
    results: list[RunResult] = []
    boots_before: dict[str, int] = {}
    for (target, _, _), future in zip(tasks, futures, strict=True):
        if future.cancelled() or future.exception() is not None:
            continue
        batch = future.result()
        offset = boots_before.get(target.board.name, 0)
        for boot, result in batch:
            result.boot = offset + boot if boot else None
            results.append(result)
        boots_before[target.board.name] = offset + max((boot for boot, _ in batch), default=0)
    return results


def run_matrix(targets: list[Target], jobs_for: dict[str, list[Job]], settings: RunSettings,
               progress: Progress | None = None) -> list[RunResult]:
    """Run every board's jobs; results in board order, then job order. Boots are numbered per
    board in job order, so the numbering does not depend on how the boots were scheduled.
    progress, if given, hears after every batch how many runs are done.

    A stop signal (SIGINT, SIGTERM; sim/interrupt.py) ends it within a poll and a QEMU
    teardown: RunInterrupted carries the results of the jobs that finished. A batch's error
    (a full disk, the wrong firmware) stops every other batch the same way, then is raised."""
    tasks = [(target, index, batch) for target in targets
             for index, batch in enumerate(_batches(jobs_for[target.board.name], settings.batch))]
    total = sum(len(batch) for _, _, batch in tasks)
    with deferring_signals():
        pool = ThreadPoolExecutor(max_workers=max(1, settings.parallel))
        futures = [pool.submit(run_batch, target, batch,
                               settings.out_dir / "logs" / target.board.name / f"batch{index:03d}",
                               settings) for target, index, batch in tasks]
        try:
            signum = _wait_for_batches(futures, total, progress)
        except BaseException:
            _stop_all(pool, settings.sessions)
            raise
        if signum is not None:
            _stop_all(pool, settings.sessions)
        pool.shutdown(wait=True)
    results = _in_run_order(tasks, futures)
    if signum is not None:
        raise RunInterrupted(signum, results, total)
    return results
