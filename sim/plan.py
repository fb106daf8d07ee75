"""Planning a run: which boards, which firmware images, which jobs (modules built on the way).

Everything here raises SetupError for input the user must fix before anything can run (exit 2
in sim.cli). A module that cannot be used or built is not such input: it becomes a job that
reports it (Job.build_error), so every other module still runs.
"""

from __future__ import annotations

import argparse
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from sim import MODULES_DIR
from sim.boards import Board, expectation_board_names, load_boards
from sim.build import FirmwareImage, build_firmware
from sim.diagnostics import diagnostic_jobs
from sim.errors import BuildError, SetupError, reading_named_file
from sim.exports import EXPORTS_SECTION
from sim.identity import check_image_architecture, check_image_memory_map
from sim.jobs import BuildProblem, Expectation, Job
from sim.modbuild import ModuleImage, build_module
from sim.modules import (DependencyError, Module, ModuleIndex, ModuleProblem,
                         benchmark_modules, check_dependency_cycles, discover, load_order)
from sim.oracle import export_table_header
from sim.pack import PackError
from sim.select import Candidate, RunKey, Shard, in_shard, read_durations, selection_from
from sim.target import Target, elf_info
from sim.timing import DEFAULT_BUDGET_INSTRUCTIONS, instructions_to_ticks
from sim.toolchain import check_tools


def check_firmware_elf(board: Board, elf: Path) -> None:
    """A prebuilt image must be a 32-bit Arm ELF with this firmware's export table, built for
    the board's core and linked for its flash. None of that needs symbols: a stripped release
    image passes (firmware/src/PROTOCOL.md, "What the host reads from a firmware image").
    (Which board and API it is for, it says when it boots: the runner checks that,
    sim/identity.py.)"""
    where = f"--firmware {board.name}={elf}"
    with _arm_elf(elf, where) as image:
        if export_table_header(image) is None:
            raise SetupError(f"{where}: no export table (a {EXPORTS_SECTION} section starting "
                             "with its header): not this project's firmware")
        check_image_architecture(image, board, where)
        check_image_memory_map(image, board, where)


@contextmanager
def _arm_elf(elf: Path, where: str) -> Iterator[ELFFile]:
    """The file as a 32-bit Arm ELF, or a SetupError that starts with where."""
    try:
        with reading_named_file(where, "the firmware's ELF file"), open(elf, "rb") as handle:
            image = ELFFile(handle)
            if image["e_machine"] != "EM_ARM" or image.elfclass != 32:
                raise SetupError(f"{where}: not a 32-bit Arm ELF (machine {image['e_machine']}, "
                                 f"{image.elfclass}-bit)")
            yield image
    except ELFError as error:
        raise SetupError(f"{where}: not a valid ELF file ({error})") from None


def check_debug_elf(board: Board, image: Path, debug: Path) -> None:
    """A --firmware-debug ELF must be the image's own: the same loadable bytes (entry point,
    segments), with the symbols and line tables the image may lack. Anything else would name
    addresses after another build's code."""
    where = f"--firmware-debug {board.name}={debug}"
    with _arm_elf(debug, where):
        pass   # a 32-bit Arm ELF, readable; what follows reads it through its ElfInfo
    debug_info, image_info = elf_info(debug), elf_info(image)
    if debug_info.loadable_digest is None:
        raise SetupError(f"{where}: holds no loadable bytes to match against --firmware "
                         f"{board.name}={image} (an objcopy --only-keep-debug file?); give the "
                         "unstripped ELF the image was stripped from")
    if debug_info.loadable_digest != image_info.loadable_digest:
        raise SetupError(f"{where} does not match --firmware {board.name}={image}: their "
                         "loadable bytes differ (entry point, segments), so it is another "
                         "build's debug ELF")
    if not debug_info.has_debug_info:
        raise SetupError(f"{where}: has no symbols or no DWARF line table: nothing to name "
                         "addresses with (give the ELF as linked, before strip)")


def _one_per_board(option: str, given: list[tuple[str, Path]], boards: list[Board]
                   ) -> dict[str, Path]:
    named = dict(given)
    if len(named) < len(given):
        twice = next(name for name, _ in given if [n for n, _ in given].count(name) > 1)
        raise SetupError(f"{option} {twice}=...: given more than once; one image per board")
    unknown = sorted(set(named) - {b.name for b in boards})
    if unknown:
        raise SetupError(f"{option} {unknown[0]}=...: not a selected board")
    return named


def _prebuilt_image(board: Board, elf: Path, debug: Path | None) -> FirmwareImage:
    check_firmware_elf(board, elf)
    if debug is not None:
        check_debug_elf(board, elf, debug)
    return FirmwareImage(board.name, elf, elf.with_suffix(".map"),
                         given_as=f"--firmware {board.name}={elf}", debug_elf=debug)


def targets_for(boards: list[Board], prebuilt: list[tuple[str, Path]], build_dir: Path,
                debug: list[tuple[str, Path]] | tuple[()] = ()) -> list[Target]:
    """Each board with its firmware: the --firmware image given for it (and its
    --firmware-debug ELF, if given), else the reference firmware built for it."""
    given = _one_per_board("--firmware", prebuilt, boards)
    debug_for = _one_per_board("--firmware-debug", list(debug), boards)
    alone = sorted(set(debug_for) - set(given))
    if alone:
        raise SetupError(f"--firmware-debug {alone[0]}=...: no --firmware {alone[0]}=ELF "
                         "image to describe (the debug ELF goes with a prebuilt image)")
    targets = []
    for board in boards:
        if board.name in given:
            image = _prebuilt_image(board, given[board.name], debug_for.get(board.name))
        else:
            image = build_firmware(board, build_dir)
        targets.append(Target(board, image))
    return targets


def budget_ticks(module: Module, board: Board) -> int:
    """The module's budget (instructions; default DEFAULT_BUDGET_INSTRUCTIONS) in SysTick ticks."""
    return instructions_to_ticks(module.budget or DEFAULT_BUDGET_INSTRUCTIONS, board.cpu.clock_hz)


def built_job(board: Board, module: Module | ModuleProblem, index: ModuleIndex,
                build_dir: Path) -> Job:
    """Build the module and its dependencies for the board; a failure, or a module.toml that
    cannot be used, becomes a job that reports it (an `error` run: every other module still
    runs)."""
    if isinstance(module, ModuleProblem):
        return _config_job(module)
    expect = module.expectation(board.name, board.capabilities)
    try:
        order = load_order(module, index)
    except DependencyError as error:
        return _problem_job(module.name, module.args, expect, BuildProblem("config", str(error)))
    deps = []
    for dependency in order:
        try:
            deps.append(build_module(board, dependency, build_dir))
        except BuildError as error:
            problem = build_problem(error, f"dependency {dependency.name!r} "
                                           f"({dependency.path}): ")
            return _problem_job(module.name, module.args, expect, problem)
    try:
        image = build_module(board, module, build_dir)
    except BuildError as error:
        return _problem_job(module.name, module.args, expect, build_problem(error))
    return module_job(module, board, image, deps)


def _problem_job(name: str, args: tuple[int, ...], expect: Expectation,
                 problem: BuildProblem) -> Job:
    return Job(name, "module", "", args, expect, build_error=problem)


def _config_job(problem: ModuleProblem) -> Job:
    """A module whose module.toml cannot be used: what it expects is unknown, so the default
    (ok), which its error run misses."""
    return _problem_job(problem.name, (), Expectation(), BuildProblem("config", problem.message))


# How much of a compiler's or packer's message a run keeps (README.md, "When the harness's
# side goes wrong"): its headline and the first lines of what the tool said.
MESSAGE_LINES = 6
# A compiler or linker diagnostic that stops the build, as file:line[:column]: error: ...
# (gcc's and ld's form); the excerpt starts there, past any warnings before it.
TOOL_ERROR = re.compile(r":\d+(:\d+)?: (fatal )?error: |undefined reference to ")


def build_problem(error: BuildError, prefix: str = "") -> BuildProblem:
    """The run's account of a failed build: `pack` when the packer refused the linked image,
    else `build`; the headline, then the tool's first lines from its first error, keeping
    file:line. The command line itself (in modbuild's message) is left out: it is long and
    says nothing a person needs first."""
    reason = "pack" if isinstance(error, PackError) else "build"
    headline, *rest = str(error).splitlines() or [""]
    said = [line for line in rest if not line.startswith("$ ")]
    first_error = next((i for i, line in enumerate(said) if TOOL_ERROR.search(line)), 0)
    excerpt = said[first_error:first_error + MESSAGE_LINES - 1]
    return BuildProblem(reason, "\n".join([prefix + headline, *excerpt]))


def module_job(module: Module, board: Board, image: ModuleImage,
               deps: list[ModuleImage] | tuple[()] = ()) -> Job:
    """The job that runs a built module on a board, after its resident libraries."""
    application = module.kind == "application"
    return Job(module.name, "module", str(image.file), module.args,
               module.expectation(board.name, board.capabilities),
               entry=None if application else module.entry, abi=module.abi,
               application=application,
               deps=tuple(str(d.file) for d in deps), budget=budget_ticks(module, board),
               elf=image.elf, sizes=_sizes(image, deps))


def _sizes(image: ModuleImage, deps: list[ModuleImage] | tuple[()]) -> dict[str, int]:
    """The image's sizes, and "loaded": the bytes of every module file the job's load phase
    reads and checks, its resident libraries' and its own (README.md, "On-target figures")."""
    loaded = sum(len(each.packed.data) for each in (*deps, image))
    return {**image.sizes(), "loaded": loaded}


def _module_jobs(boards: list[Board], selected: dict[str, list[Module | ModuleProblem]],
                 everything: list[Module | ModuleProblem], build_dir: Path,
                 parallel: int) -> dict[str, list[Job]]:
    """Each board's selected modules built for it (with their dependencies), in parallel; a
    module whose module.toml cannot be used is an error job."""
    index = ModuleIndex(everything)
    pool = ThreadPoolExecutor(max_workers=parallel)
    try:
        futures = {b.name: [pool.submit(built_job, b, m, index, build_dir)
                            for m in selected[b.name]] for b in boards}
        return {name: [f.result() for f in jobs] for name, jobs in futures.items()}
    finally:  # after an error or a stop signal, the builds not yet begun are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _tags(module: Module | ModuleProblem) -> tuple[str, ...]:
    """A module's tags; one whose module.toml cannot be read has none it can be sure of."""
    return module.tags if isinstance(module, Module) else ()


@dataclass(frozen=True)
class Matrix:
    """The runs a run makes, in report order (board, then diagnostics, then modules), and which
    shard of the whole selection they are: what merging shards checks (sim/merge.py)."""
    runs: tuple[RunKey, ...]           # this run's, after selection and shard
    whole: tuple[RunKey, ...]          # every shard's together: the selection
    shard: Shard | None


@dataclass(frozen=True)
class RunInputs:
    """What the run options name, read but not built: the boards, every module of the
    --modules folders (those whose module.toml cannot be used too) and each board's
    diagnostics."""
    boards: list[Board]
    modules: list[Module | ModuleProblem]
    diagnostics: dict[str, list[Job]]

    def candidates(self) -> list[Candidate]:
        """Every run these could make, in the order the runner reports them: board by board,
        its diagnostics, then the modules."""
        candidates = []
        for board in self.boards:
            candidates += [Candidate(board.name, job.module, job.tags)
                           for job in self.diagnostics[board.name]]
            candidates += [Candidate(board.name, m.name, _tags(m)) for m in self.modules]
        return candidates


def run_inputs(args: argparse.Namespace) -> RunInputs:
    """The boards, modules and diagnostics of the run options (a bad board, a missing folder
    of modules, a dependency cycle: SetupError). Nothing is built."""
    boards = load_boards(args.board, args.boards_dir)
    modules = discover(module_folders(args.modules), expectation_board_names(args.boards_dir))
    check_dependency_cycles([m for m in modules if isinstance(m, Module)])
    return RunInputs(boards, modules, {b.name: diagnostic_jobs(b) for b in boards})


def shard_cut(whole: Sequence[RunKey], args: argparse.Namespace) -> set[RunKey]:
    """The runs of the selection whole that --shard's part makes (all without --shard),
    balanced by --shard-durations when given."""
    costs = read_durations(args.shard_durations) if args.shard_durations is not None else None
    return in_shard(whole, args.shard, costs)


def _matrix(candidates: list[Candidate], args: argparse.Namespace) -> Matrix:
    """Select by --only and --tag (a pattern or tag that matches nothing is a SetupError), then
    keep --shard's part."""
    selection = selection_from(args)
    selection.check(candidates)
    whole = tuple(c.key for c in candidates if selection.wants(c.name, c.tags))
    chosen = shard_cut(whole, args)
    return Matrix(tuple(key for key in whole if key in chosen), whole, args.shard)


def _check_chosen(chosen: Matrix, candidates: list[Candidate]) -> None:
    """Runs chosen by a caller (pytest --sim's items) must be runs the options can make."""
    known = {c.key for c in candidates}
    unknown = [key for key in (*chosen.runs, *chosen.whole) if key not in known]
    if unknown:
        board, module = unknown[0]
        raise SetupError(f"no run {module!r} on board {board!r}: not a module or diagnostic "
                         "of the selected boards and --modules folders")


def module_folders(given: list[Path] | None) -> list[Path]:
    """The --modules folders, else modules/ (the catalogue in a checkout; the current folder's
    modules/ when installed, where a team usually names its own with --modules)."""
    if given:
        return given
    if not MODULES_DIR.is_dir():
        raise SetupError(f"no --modules DIR given and no {MODULES_DIR} folder in "
                         f"{MODULES_DIR.absolute().parent}: name the folder of your module "
                         "folders with --modules DIR")
    return [MODULES_DIR]


def plan(args: argparse.Namespace, chosen: Matrix | None = None
         ) -> tuple[list[Board], list[Target], dict[str, list[Job]], list[Module], Matrix]:
    """Boards, their firmware, every board's jobs (modules built on the way), the modules
    that declare a [benchmark], and the matrix of runs, from the run options; chosen, when
    given, is the matrix instead of what --only, --tag and --shard select (pytest --sim's
    items after -k, -m and --sim-shard). Every board's firmware is built even when a shard runs
    nothing on it, so that each shard reports every board's footprint."""
    inputs = run_inputs(args)
    boards, modules = inputs.boards, inputs.modules
    candidates = inputs.candidates()
    if chosen is None:
        matrix = _matrix(candidates, args)
    else:
        _check_chosen(chosen, candidates)
        matrix = chosen
    wanted = set(matrix.runs)
    check_tools()
    targets = targets_for(boards, args.firmware, args.build_dir, args.firmware_debug)
    built = _module_jobs(boards, {b.name: [m for m in modules if (b.name, m.name) in wanted]
                                  for b in boards}, modules, args.build_dir, args.jobs)
    jobs_for = {b.name: [job for job in inputs.diagnostics[b.name]
                         if (b.name, job.module) in wanted] + built[b.name] for b in boards}
    return boards, targets, jobs_for, benchmark_modules(modules), matrix
