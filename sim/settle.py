"""What a boot's records mean for each of its jobs: the RunResult each job settles to (its
status, return, output, fault or timeout decoded and named in the ELFs, refusal detail), judged
against the job's expectation. Jobs a boot never reached become errors saying why."""

from __future__ import annotations

import struct
from pathlib import Path

from sim.boards import Board
from sim.boot import BootOutcome, RunSettings
from sim.cores import CORE_FACTS, CORE_TABLE, FPU_CODES, arch_tag_text, arch_text
from sim.elfinfo import ElfInfo
from sim.faults import (STACKED_REGISTERS, DecodedFault, decode_fault, decode_v6m_fault,
                        has_fault_status)
from sim.jobs import CALLEE_SAVED_FAULT, Job
from sim.linkcheck import compare_link
from sim.module_format import HEADER_SIZE, ModuleHeader
from sim.protocol import JobTranscript, Record
from sim.results import TIMING_PHASES, FaultInfo, RunResult, TimeoutInfo
from sim.target import Target, elf_info
from sim.timing import ticks_to_instructions


def _fault_elf(seen: JobTranscript, job: Job, target: Target, pc: int) -> tuple[ElfInfo, int]:
    """The ELF that holds pc, and pc as an address in that ELF."""
    load = seen.module.load
    if load is not None and job.elf is not None:
        base, size = load.int("base"), load.int("bytes")
        if base <= pc < base + size:
            return elf_info(job.elf), pc - base
    return target.elf, pc


# (function+offset, file:line, whether the ELF had the symbols and line table to say)
Named = tuple[str | None, str | None, bool]


def _name(seen: JobTranscript, job: Job, target: Target, address: int | None) -> Named:
    if address is None:
        return None, None, True
    elf, offset = _fault_elf(seen, job, target, address)
    return elf.symbol(offset), elf.location(offset), elf.has_debug_info


def _named(seen: JobTranscript, job: Job, target: Target, pc: int | None, lr: int | None,
           ) -> tuple[Named, Named]:
    """pc and lr as function+offset and file:line, in the module's ELF or the firmware's (its
    debug ELF's); lr is the caller, which says where a jump into nowhere came from."""
    return _name(seen, job, target, pc), _name(seen, job, target, None if lr is None else lr & ~1)


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
    (symbol, location, known), (lr_symbol, lr_location, lr_known) = _named(seen, job, target,
                                                                           pc, lr)
    return FaultInfo(name=decoded.name, pc=pc, lr=lr, symbol=symbol, location=location,
                     lr_symbol=lr_symbol, lr_location=lr_location,
                     bits=decoded.bits, address=decoded.address,
                     cfsr=record.int("cfsr"), hfsr=record.int("hfsr"), debug_info=known,
                     lr_debug_info=lr_known)


def _timeout_info(seen: JobTranscript, job: Job, target: Target) -> TimeoutInfo:
    """The budget in instructions and where the job's code was stopped (its @timeout record;
    pc and lr are missing if the record is)."""
    record = seen.timeout
    pc = record.optional_int("pc") if record is not None else None
    lr = record.optional_int("lr") if record is not None else None
    (symbol, location, known), (lr_symbol, lr_location, lr_known) = _named(seen, job, target,
                                                                           pc, lr)
    budget = None if job.budget is None else ticks_to_instructions(job.budget,
                                                                   target.board.cpu.clock_hz)
    return TimeoutInfo(budget=budget, pc=pc, lr=lr, symbol=symbol, location=location,
                       lr_symbol=lr_symbol, lr_location=lr_location, debug_info=known,
                       lr_debug_info=lr_known)


def _abi_fault() -> FaultInfo:
    """Job code broke the callee-saved contract (its @abi record says how): no CFSR fault."""
    return FaultInfo(name=CALLEE_SAVED_FAULT, pc=None, lr=None, symbol=None, location=None,
                     lr_symbol=None, lr_location=None, bits=(), address=None, cfsr=0, hfsr=0)


CORE_CODES = {core.code for core in CORE_TABLE}   # the header codes a loader knows


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
    fits = (core in CORE_CODES and core <= CORE_FACTS[board.cpu.core].code
            and fpu <= FPU_CODES[board.cpu.fpu])
    built_for = f"built for {arch_tag_text(*tag)}"
    if fits:
        return (f"{built_for}: its float ABI differs from a resident library's (one passes "
                f"floating-point arguments in FPU registers, the other in core registers)")
    return f"{built_for}; {board.name} has {has}"


def _phase_figures(end: Record, counts_instructions: bool, clock_hz: int
                   ) -> dict[str, int | None]:
    """@end's figures in instructions: as the firmware counted them once it took the job list's
    timing directive (@timing), else its SysTick ticks turned into instructions here."""
    counts = {phase: end.optional_int(phase) for phase in TIMING_PHASES}
    if counts_instructions:
        return counts
    return {phase: None if t is None else ticks_to_instructions(t, clock_hz)
            for phase, t in counts.items()}


def _from_end(result: RunResult, seen: JobTranscript, job: Job, target: Target) -> None:
    end = seen.end
    assert end is not None
    status = end.text("status")
    if status in ("ok", "fault", "timeout"):
        result.status = status
        result.timing = _phase_figures(end, seen.counts_instructions,
                                       target.board.cpu.clock_hz)
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


def _settle(job: Job, seen: JobTranscript, outcome: BootOutcome | None,
            target: Target) -> RunResult:
    """The result of a job the boot started; outcome (how the boot ended) is needed only for a
    job that never ended."""
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
    elif seen.reset is not None:
        result.status = "reset"
        result.error = ("the job reset the system; the firmware came up again in the same "
                        "boot and resumed the job list after it")
    else:
        assert outcome is not None, "a job that never ended is settled with its boot's outcome"
        result.status, why = outcome.ending()
        result.error = why if result.status in ("error", "reset") else None
    compare_link(result, job, seen, target)
    return result


def _judge(result: RunResult, job: Job, log_dir: Path, out_dir: Path) -> RunResult:
    """Compare with the expectation; point at the boot's log folder."""
    result.mismatches = job.expect.mismatches(result.observed()) + result.link_mismatches
    result.ok = not result.mismatches
    result.expected_by = list(job.expect.decided_by)
    result.log = str(log_dir.relative_to(out_dir))
    return result


def error_result(job: Job, target: Target, error: str) -> RunResult:
    result = RunResult(target.board.name, job.module, None, "error", False, job.expect.as_dict(),
                       error=error,
                       build_error=job.build_error.as_dict() if job.build_error else None)
    result.mismatches = job.expect.mismatches(result.observed())
    result.expected_by = list(job.expect.decided_by)
    return result


def settle_final(job: Job, seen: JobTranscript, target: Target, log_dir: Path,
                 settings: RunSettings) -> RunResult | None:
    """The result of a job whose records are complete while its boot still runs (boot.py,
    JobFinal), or None when it needs to know how the boot ends (it never ended)."""
    if seen.end is None and seen.reset is None and not seen.tampering and seen.integrity is None:
        return None
    return _judge(_settle(job, seen, None, target), job, log_dir, settings.out_dir)


def settle_boot(outcome: BootOutcome, pending: list[tuple[str, Job]], target: Target,
                settings: RunSettings, early: dict[str, RunResult]) -> dict[str, RunResult]:
    """Results for the jobs this boot started (those in early were settled while it ran);
    when it started none, for all of them (another boot would only do the same)."""
    started = {job_id: job for job_id, job in pending
               if job_id in outcome.transcript.jobs and outcome.transcript.jobs[job_id].started}
    if started:
        return {job_id: early.get(job_id) or
                _judge(_settle(job, outcome.transcript.jobs[job_id], outcome, target),
                       job, outcome.log_dir, settings.out_dir)
                for job_id, job in started.items()}
    why = _boot_error(outcome) or outcome.ending()[1]
    return {job_id: _judge(error_result(job, target, f"boot ended before the job ran: {why}"),
                           job, outcome.log_dir, settings.out_dir) for job_id, job in pending}


def finished_jobs(outcome: BootOutcome, pending: list[tuple[str, Job]], target: Target,
                  settings: RunSettings, early: dict[str, RunResult]) -> dict[str, RunResult]:
    """Results for the jobs a stopped boot saw to their end; the one it was running when the
    run stopped has no result (the run did not let it finish)."""
    jobs = outcome.transcript.jobs
    return {job_id: early.get(job_id) or
            _judge(_settle(job, jobs[job_id], outcome, target), job, outcome.log_dir,
                   settings.out_dir)
            for job_id, job in pending if job_id in jobs and jobs[job_id].end is not None}


def _boot_error(outcome: BootOutcome) -> str | None:
    for record in outcome.transcript.errors:
        return f"{record.fields.get('in', '?')} line {record.fields.get('line', '?')}: " \
               f"{record.fields.get('msg', '')}"
    return None
