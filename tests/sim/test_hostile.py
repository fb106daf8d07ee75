"""The hostile catalogue (hostile/README.md): on every board, one QEMU boot runs every attack,
each followed by the sentinel, a well-behaved module whose result must stay exact. Every attack
must meet its expectation (the isolation the firmware promises), every sentinel its own, and
each attack must give the same result in the batch as alone in a fresh boot.

On a board without an MPU (capability mpu = "none": the Cortex-M0, which has no unprivileged
mode either) module code runs privileged over the whole memory map, so the promises that rest
on the MPU and on unprivileged mode cannot hold there (README.md, "What is contained on a part
without an MPU"). An attack that such a promise contains elsewhere must escape there: show
anything but its contained fault, so the README's claim is checked rather than assumed. Its
outcome is whatever the damage does, so neither it nor the sentinel after it is held to more;
every other attack and sentinel is held to everything above."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.boards import PERIPHERAL_SYMBOL_PREFIX, Board
from sim.jobs import Job, batch_job_id
from sim.modbuild import build_module
from sim.modules import Module, discover_modules, load_order
from sim.plan import module_job
from sim.results import RunResult
from sim.target import Target
from sim.runner import RunSettings, enumerate_ids, run_batch, run_matrix
from tests.sim.attacks import (HOSTILE_DIR, JOB_ID_WORDS, SENTINEL, Arg, Attack, AttackFileError,
                               Place, firmware_symbols, load_attacks, resolve, symbols_needed)

pytestmark = pytest.mark.qemu

# The batch's deadline is its whole boot's: a hang (budget = 1 on a slow board, before the
# firmware's fix) costs all of it, so keep it near what a few hundred jobs need.
BATCH_DEADLINES = {"boot_deadline_s": 20.0, "job_deadline_s": 0.1}
# What the harness itself puts in a boot's folder; anything else came from a module.
HARNESS_FILES = {"jobs.txt", "console.log", "stderr.log", "command.sh"}
HARNESS_SUFFIXES = {".cmod"}
# The faults only an MPU or unprivileged thread mode raise: a protection violation, a system
# register refused to unprivileged code, semihosting ignored unprivileged (HardFault.FORCED),
# the SVC frame refused by the MPU on a hostile stack (ABI.STACK).
PROTECTION_FAULTS = ("MemManage.", "BusFault.PRECISERR", "HardFault.FORCED", "ABI.STACK")


@dataclass(frozen=True)
class Planned:
    """One board's hostile batch: the attacks that run, each followed by the sentinel."""
    attacks: list[Attack]
    jobs: list[Job]              # attack, sentinel, attack, sentinel, ...
    skipped: list[str]           # attacks that cannot run on this board, and why


def escapes_here(board: Board, job: Job) -> bool:
    """Whether the job is an attack its board cannot contain: one a protection fault contains
    where there is an MPU, on a board that has none."""
    expected = job.expect
    return (board.capabilities["mpu"] == "none" and expected.status == "fault"
            and expected.fault is not None and expected.fault.startswith(PROTECTION_FAULTS))


@dataclass(frozen=True)
class Batch:
    board: Board
    planned: Planned
    results: list[tuple[int, RunResult]]   # (boot, result) per job, in batch order
    log_dir: Path


@pytest.fixture(scope="module")
def hostile(boards: dict[str, Board]) -> dict[str, Module]:
    """Every module in hostile/, by name."""
    return {m.name: m for m in discover_modules([HOSTILE_DIR], set(boards))}


@pytest.fixture(scope="module")
def attacks(hostile: dict[str, Module], boards: dict[str, Board]) -> list[Attack]:
    """Every run of every hostile module but the sentinel, in name order."""
    try:
        return [attack for name, module in sorted(hostile.items()) if name != SENTINEL
                for attack in load_attacks(module, set(boards))]
    except AttackFileError as error:
        pytest.fail(str(error))


def _skip_reason(attack: Attack, target: Target) -> str | None:
    """Why the attack cannot run on this board's firmware, or None."""
    board = target.board.name
    if attack.args_for(board) is None:
        return f"{board}: {attack.name}: its attack.toml has no args_by_board for {board}"
    symbols = firmware_symbols(target.image.elf)
    missing = [name for name in symbols_needed(attack, board) if name not in symbols]
    if missing and missing[0].startswith(PERIPHERAL_SYMBOL_PREFIX):
        kind = missing[0].removeprefix(PERIPHERAL_SYMBOL_PREFIX)
        return (f"{board}: {attack.name}: not run: the board file names no {kind} register "
                "([addresses.peripherals])")
    if missing:
        return (f"{board}: {attack.name}: not run: the firmware ELF has no symbol "
                f"{missing[0]!r} (renamed or gone), so there is no such state to attack")
    return None


def _define_value(value: Arg, elf: Path, place: Place) -> str:
    """A -D value: a job id as the runner writes it (a module stringifies it into a forged
    record), anything else resolved to its number."""
    if value in JOB_ID_WORDS:
        return place.ids()[value]
    return str(resolve(value, elf, place))


def _attack_job(attack: Attack, target: Target, place: Place, hostile: dict[str, Module],
                build_dir: Path) -> Job:
    """The attack's module built (with its defines) and its job, arguments resolved for this
    board and this place in the batch."""
    board, elf = target.board, target.image.elf
    module = attack.module
    if attack.defines:  # a build of its own: the defines are part of the code
        flags = tuple(f"-D{key}={_define_value(value, elf, place)}" for key, value in attack.defines)
        module = dataclasses.replace(module, name=attack.name, build=dataclasses.replace(
            module.build, cflags=(*module.build.cflags, *flags)))
    deps = [build_module(board, d, build_dir) for d in load_order(module, list(hostile.values()))]
    job = module_job(module, board, build_module(board, module, build_dir), deps)
    args = tuple(resolve(item, elf, place) for item in attack.args_for(board.name) or ())
    return dataclasses.replace(job, module=attack.name, args=args,
                               expect=attack.expectation(board.name, place,
                                                         board.capabilities))


def plan_batch(target: Target, attacks: list[Attack], hostile: dict[str, Module],
               build_dir: Path) -> Planned:
    """Every attack that can run on the board, each followed by the sentinel, built."""
    reasons = {attack.name: _skip_reason(attack, target) for attack in attacks}
    usable = [attack for attack in attacks if reasons[attack.name] is None]
    sentinel = module_job(hostile[SENTINEL], target.board,
                          build_module(target.board, hostile[SENTINEL], build_dir))
    jobs: list[Job] = []
    for attack in usable:
        at = len(jobs)  # the runner names jobs by their place in the batch (checked below)
        jobs += [_attack_job(attack, target, Place(at, at - 1, at + 1), hostile, build_dir),
                 sentinel]
    assert [job_id for job_id, _ in enumerate_ids(jobs)] == [batch_job_id(n)
                                                              for n in range(len(jobs))]
    return Planned(usable, jobs, [reason for reason in reasons.values() if reason is not None])


def run_hostile_batch(target: Target, attacks: list[Attack], hostile: dict[str, Module],
                      build_dir: Path, out: Path) -> Batch:
    planned = plan_batch(target, attacks, hostile, build_dir)
    log_dir = out / "logs" / target.board.name
    settings = RunSettings(out_dir=out, **BATCH_DEADLINES)
    return Batch(target.board, planned, run_batch(target, planned.jobs, log_dir, settings),
                 log_dir)


@pytest.fixture(scope="module")
def batches(targets: dict[str, Target], attacks: list[Attack], hostile: dict[str, Module],
            build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Batch]:
    """Every board's hostile batch, run once for the tests below."""
    out = tmp_path_factory.mktemp("hostile")
    return {board: run_hostile_batch(target, attacks, hostile, build_dir, out)
            for board, target in sorted(targets.items())}


def observed(result: RunResult) -> str:
    """What a run showed, for a failure message."""
    parts = [result.status]
    if result.return_value is not None:
        parts.append(f"return {result.return_value} ({result.return_value & 0xFFFFFFFF:#x})")
    if result.fault is not None:
        parts.append(f"fault {result.fault.name}")
    if result.error is not None:
        parts.append(f"error {result.error!r}")
    if result.stdout:
        parts.append(f"stdout {result.stdout!r}")
    return ", ".join(parts)


def batch_failures(board: str, batch: Batch) -> list[str]:
    """Every attack that missed its expectation and every sentinel that changed, with what was
    expected and what was observed, and the job's id in the boot's logs; a count per board
    first. A sentinel is named after the attack before it, though the one after it can change
    it too (a forged @end for the previous job). An attack the board cannot contain
    (escapes_here) misses when it shows its contained fault; its sentinel is not checked."""
    missed, changed = [], []
    runs = batch.results
    for k, attack in enumerate(batch.planned.attacks):
        (_, hostile_run), (_, sentinel_run) = runs[2 * k], runs[2 * k + 1]
        escapes = escapes_here(batch.board, batch.planned.jobs[2 * k])
        if escapes and hostile_run.status == "fault" and hostile_run.fault is not None \
                and hostile_run.fault.name == hostile_run.expected.get("fault"):
            missed.append(f"  {attack.name} (job {2 * k}): contained ({observed(hostile_run)}) "
                          f"on a board without an MPU, where it must escape")
        elif not escapes and not hostile_run.ok:
            missed.append(f"  {attack.name} (job {2 * k}): expected {hostile_run.expected}, "
                          f"observed {observed(hostile_run)}")
        if not escapes and not sentinel_run.ok:
            changed.append(f"  {SENTINEL} after {attack.name} (job {2 * k + 1}): expected "
                           f"{sentinel_run.expected}, observed {observed(sentinel_run)}")
    if not missed and not changed:
        return []
    boots = max(boot for boot, _ in runs)
    return [f"{board}: {len(missed)} of {len(batch.planned.attacks)} attacks missed their "
            f"expectation, {len(changed)} sentinels changed ({boots} boots; logs in "
            f"{batch.log_dir})", *missed, *changed]


def escapes(batch: Batch) -> list[str]:
    """What each attack the board cannot contain did instead, for the test's warnings."""
    return [f"{batch.board.name}: {job.module} escaped (no MPU): {observed(result)}"
            for job, (_, result) in zip(batch.planned.jobs[0::2], batch.results[0::2])
            if escapes_here(batch.board, job)]


def files_left_by_modules(log_dir: Path) -> list[Path]:
    """Files in the boots' folders that the harness did not put there (QEMU runs in them)."""
    return sorted(path for path in log_dir.rglob("*") if path.is_file()
                  and path.name not in HARNESS_FILES and path.suffix not in HARNESS_SUFFIXES)


def test_every_attack_finds_what_it_attacks(targets: dict[str, Target],
                                            attacks: list[Attack]) -> None:
    """An attack on firmware state that no longer exists (its symbol gone from the ELF) or on a
    board its attack.toml has no addresses for is left out of the batch: said here."""
    reasons = [reason for target in targets.values() for attack in attacks
               if (reason := _skip_reason(attack, target)) is not None]
    if reasons:
        pytest.skip("; ".join(reasons))


def test_attacks_and_sentinels_in_one_boot(batches: dict[str, Batch]) -> None:
    failures = [line for board, batch in batches.items() for line in batch_failures(board, batch)]
    for board, batch in batches.items():
        made = [f"{board}: a module created {path} on the host"
                for path in files_left_by_modules(batch.log_dir)]
        # Privileged module code reaches semihosting (bkpt_semihosting): an escape, expected
        # where the board cannot contain it, a failure anywhere else.
        can_escape = any(escapes_here(batch.board, job) for job in batch.planned.jobs)
        failures += [] if can_escape else made
        for reason in [*batch.planned.skipped, *escapes(batch), *(made if can_escape else [])]:
            warnings.warn(reason)
    assert not failures, "\n".join(failures)


def test_each_attack_alone_gives_its_batch_result(targets: dict[str, Target],
                                                  batches: dict[str, Batch],
                                                  tmp_path: Path) -> None:
    """Status, return value and stdout of every attack, batched against alone in its own boot
    (the same job: same arguments, same module file); but for attacks the board cannot contain,
    whose outcome depends on what the damage meets."""
    contained = {board: [k for k, job in enumerate(batch.planned.jobs[0::2])
                         if not escapes_here(batch.board, job)]
                 for board, batch in batches.items()}
    attack_jobs = {board: [batch.planned.jobs[2 * k] for k in contained[board]]
                   for board, batch in batches.items()}
    alone = run_matrix([targets[board] for board in attack_jobs], attack_jobs,
                       RunSettings(out_dir=tmp_path, batch=1, parallel=2))
    batched = [batch.results[2 * k][1] for board, batch in batches.items()
               for k in contained[board]]
    differ = [f"{b.board}: {b.module}: batched {observed(b)}; alone {observed(a)}"
              for b, a in zip(batched, alone, strict=True)
              if (b.status, b.return_value, b.stdout) != (a.status, a.return_value, a.stdout)]
    created = [f"a module created {path} on the host" for path in files_left_by_modules(tmp_path)]
    assert not differ and not created, \
        f"{len(differ)} attacks differ:\n" + "\n".join(differ + created)
