"""Fuzzing the loader: mutated module files, loaded on the real firmware under QEMU.

Every mutant starts from a seed, a catalogue module that loads and runs on the board, and
changes one file of its job: the module's own file, or (for a seed with `depends`) one of its
dependencies while the module stays as built. The mutations (sim/mutate.py) are blind, or keep
the file consistent, or aim fix-ups and import slots at sensitive places; each is tried twice, as
made (most stop at the CRC) and with the CRC recomputed, so it reaches the checks behind it.

After every mutant, in the same boot, a known-good module runs: a seed with a known result (its
module.toml). It must show exactly what it showed when it ran alone in a fresh boot: the same
status, return value, output, bindings, image CRC and instruction counts.

A mutant escapes, for one or more of these reasons (its kinds in fuzz.json):
- its load ends in none of ok, rejected, a contained fault or a timeout: `lockup`, `hang`,
  `reset`, or `error` (a fault in the firmware's context, damaged firmware state, a broken
  record on the console);
- `crc_ignored`: its file's CRC is wrong, yet the target did not refuse it at or before the CRC
  check (it ran it, or refused it for something only checked after the CRC);
- `oracle`: the target and the host oracle (sim/oracle.py) disagree about a file the target
  linked: an import bound elsewhere, a different linked-image CRC, or a linked file the oracle
  cannot read. A disagreement about a file the target refused is not an escape: the oracle does
  not repeat the target's checks (it cannot read every malformed file), so it may predict a
  link the target rightly refused, or fail to parse the file. So when the job was rejected,
  only image CRCs count (the target prints one only for a file whose link succeeded, and a wrong
  binding changes it too); when the job's code ran, every disagreement counts;
- `next_module`: the known-good module after it showed anything else than it did alone.

The same seed gives the same inputs, so any run can be reproduced.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sim import MODULES_DIR
from sim.boards import Board, board_names
from sim.errors import SimError
from sim.jobs import APP_IMAGE_ERRORS, Expectation, Job
from sim.modbuild import build_module
from sim.modules import discover_modules, load_order
from sim.mutate import FAMILIES, MUTATORS, ModuleParts
from sim.module_format import HEADER, with_crc
from sim.plan import module_job
from sim.results import RunResult
from sim.target import Target
from sim.runner import RunSettings, print_progress, run_matrix

CONTAINED = ("ok", "rejected", "fault", "timeout")
ESCAPE_KINDS = ("lockup", "hang", "reset", "error", "crc_ignored", "oracle", "next_module")
# Loader errors given only after the CRC check passed (firmware/loader/loader.c: the table
# checks' bad_header is not here, as the header checks before the CRC give it too), and an
# application image's, checked after its link (firmware/src/PROTOCOL.md, "Application images").
AFTER_CRC_ERRORS = ("bad_reloc", "unresolved", "startup", "no_entry", *APP_IMAGE_ERRORS)
DEPENDENCY_SHARE = 0.2               # of the mutants, when some seed has dependencies
FUZZ_BUDGET_INSTRUCTIONS = 200_000   # mutated code may loop: stop it early


@dataclass(frozen=True)
class Seed:
    """A catalogue module the mutants start from: its job as built, and its files' bytes."""
    name: str
    job: Job
    module: bytes
    deps: tuple[tuple[str, bytes], ...]   # (module name, file) in load order

    def file(self, dependency: int | None) -> bytes:
        return self.module if dependency is None else self.deps[dependency][1]


@dataclass(frozen=True)
class Mutant:
    number: int
    source: str              # the seed it came from
    family: str              # the mutator (sim/mutate.py)
    description: str
    crc_fixed: bool
    dependency: int | None   # which of the seed's dependencies it changed; None: the module
    data: bytes

    @property
    def crc_wrong(self) -> bool:
        return len(self.data) < HEADER.size or with_crc(bytearray(self.data)) != self.data

    def file_label(self, seeds: dict[str, Seed]) -> str:
        if self.dependency is None:
            return "module"
        return f"dependency {self.dependency} ({seeds[self.source].deps[self.dependency][0]})"


def catalogue_seeds(board: Board, build_dir: Path) -> dict[str, Seed]:
    """The catalogue modules that load and run on the board (with their dependencies)."""
    everything = discover_modules([MODULES_DIR], board_names())
    seeds = {}
    for module in everything:
        if module.expectation(board.name, board.capabilities).status != "ok":
            continue
        deps = [build_module(board, d, build_dir) for d in load_order(module, everything)]
        image = build_module(board, module, build_dir)
        seeds[module.name] = Seed(module.name, module_job(module, board, image, deps),
                                  image.file.read_bytes(),
                                  tuple((d.module, d.file.read_bytes()) for d in deps))
    return seeds


def _loader_work(seed: Seed) -> tuple[int, int, str]:
    """A seed's rank as the known-good module, best first: the most kinds of loader work
    (fix-ups, imports, constructors, data, bss, console output), then the most fix-ups plus
    imports, then its name."""
    parts = ModuleParts.parse(seed.module)
    kinds = [parts.fixups, parts.imports, parts.header["init_count"], parts.data,
             parts.header["bss_size"], seed.job.expect.stdout]
    return -sum(bool(k) for k in kinds), -(len(parts.fixups) + len(parts.imports)), seed.name


def pick_known_good(seeds: dict[str, Seed]) -> Seed:
    """The seed that runs after every mutant: one with no dependencies and a known return
    value, exercising the most of the loader."""
    known = [s for s in seeds.values() if not s.deps and s.job.expect.return_value is not None]
    if not known:
        raise SimError("no catalogue module has a known return value and no dependencies: the "
                       "fuzzer has no known-good module to run after each mutant")
    return min(known, key=_loader_work)


def mutants(seeds: dict[str, Seed], count: int, seed: int) -> list[Mutant]:
    """count mutated files, deterministic in seed: each mutation once as made and once with the
    CRC recomputed; DEPENDENCY_SHARE of them change a dependency of a seed that has some."""
    rng = random.Random(seed)
    names = sorted(seeds)
    with_deps = [name for name in names if seeds[name].deps]
    made: list[Mutant] = []
    while len(made) < count:
        dependency = None
        if with_deps and rng.random() < DEPENDENCY_SHARE:
            source = rng.choice(with_deps)
            dependency = rng.randrange(len(seeds[source].deps))
        else:
            source = rng.choice(names)
        data = bytearray(seeds[source].file(dependency))
        mutator = rng.choice(MUTATORS)
        description = mutator(rng, data)
        made.append(Mutant(len(made), source, mutator.__name__, description, False, dependency,
                           bytes(data)))
        if len(made) < count and len(data) >= HEADER.size:
            made.append(Mutant(len(made), source, mutator.__name__, description, True,
                               dependency, with_crc(data)))
    return made


def _seed_files(seed: Seed, inputs: Path) -> tuple[str, tuple[str, ...]]:
    """The seed's files as built, copied once under inputs/seeds/ so the inputs stand alone."""
    folder = inputs / "seeds" / seed.name
    folder.mkdir(parents=True, exist_ok=True)
    module = folder / "module.cmod"
    if not module.exists():
        module.write_bytes(seed.module)
        for index, (_, data) in enumerate(seed.deps):
            (folder / f"dep{index}.cmod").write_bytes(data)
    return str(module), tuple(str(folder / f"dep{i}.cmod") for i in range(len(seed.deps)))


def mutant_job(mutant: Mutant, seed: Seed, inputs: Path, budget: int) -> Job:
    """The seed's job with the mutated file in place of the one it came from."""
    path = inputs / f"{mutant.number:06d}.cmod"
    path.write_bytes(mutant.data)
    module, deps = _seed_files(seed, inputs)
    if mutant.dependency is None:
        module = str(path)
    else:
        deps = deps[:mutant.dependency] + (str(path),) + deps[mutant.dependency + 1:]
    return dataclasses.replace(seed.job, module=f"fuzz:{mutant.number}", target=module,
                               deps=deps, expect=Expectation("ok"), budget=budget)


def fuzz_jobs(seeds: dict[str, Seed], made: list[Mutant], inputs: Path, budget: int,
              known_good: Seed) -> list[Job]:
    """Each mutant's job, then the known-good module's: pairs, never split across boots as long
    as a boot takes an even number of jobs."""
    inputs.mkdir(parents=True, exist_ok=True)
    jobs = []
    for mutant in made:
        jobs += [mutant_job(mutant, seeds[mutant.source], inputs, budget), known_good.job]
    return jobs


# --- judging ------------------------------------------------------------------------------------

def _evidence(result: RunResult) -> dict[str, object]:
    """What a run of the known-good module showed, all of which must repeat exactly."""
    return {"status": result.status, "return": result.return_value, "stdout": result.stdout,
            "error": result.error, "fault": result.fault.name if result.fault else None,
            "timing": result.timing, "bindings": [i["address"] for i in result.imports],
            "image CRC": result.image_crc["target"] if result.image_crc else None,
            "arena bytes": (result.sizes or {}).get("arena")}


def next_module_differences(after: RunResult, alone: RunResult) -> list[str]:
    """How the known-good module's run after a mutant differs from its run alone (its
    module.toml expectation and the oracle included)."""
    before, now = _evidence(alone), _evidence(after)
    found = [f"{key}: {now[key]!r}, alone {before[key]!r}" for key in before
             if now[key] != before[key]]
    return list(after.mismatches) + found


def oracle_escapes(result: RunResult) -> list[str]:
    """The target-vs-oracle disagreements that are escapes (the rule is in this file's
    docstring); the runner words an image CRC disagreement 'image CRC: ...'."""
    if result.status in ("ok", "fault", "timeout"):
        return list(result.link_mismatches)
    return [line for line in result.link_mismatches if "image CRC:" in line]


@dataclass(frozen=True)
class Verdict:
    kinds: tuple[str, ...]
    disagreements: tuple[str, ...]
    next_module: tuple[str, ...]


def judge(mutant: Mutant, result: RunResult, after: RunResult, alone: RunResult) -> Verdict:
    kinds = [] if result.status in CONTAINED else [result.status]
    if mutant.crc_wrong and (result.status != "rejected" or result.error in AFTER_CRC_ERRORS):
        kinds.append("crc_ignored")
    disagreements = oracle_escapes(result)
    if disagreements:
        kinds.append("oracle")
    differences = next_module_differences(after, alone)
    if differences:
        kinds.append("next_module")
    return Verdict(tuple(kinds), tuple(disagreements), tuple(differences))


# --- the summary ----------------------------------------------------------------------------

def _keep_inputs(mutant: Mutant, job: Job, out: Path) -> tuple[str, list[str]]:
    """Copy the job's files (load order, the module last) under out/escapes/NNNNNN/."""
    folder = out / "escapes" / f"{mutant.number:06d}"
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for index, path in enumerate([*job.deps, job.target]):
        name = "module.cmod" if index == len(job.deps) else f"dep{index}.cmod"
        shutil.copyfile(path, folder / name)
        kept.append(str(folder / name))
    mutated = kept[-1] if mutant.dependency is None else kept[mutant.dependency]
    return mutated, kept


def _escape(mutant: Mutant, verdict: Verdict, result: RunResult,
            seeds: dict[str, Seed]) -> dict:
    """One escape, in a line: which mutant, what it did, why it is an escape."""
    why = [*verdict.disagreements, *verdict.next_module, result.error or ""]
    return {"number": mutant.number, "source": mutant.source, "family": mutant.family,
            "file": mutant.file_label(seeds), "mutation": mutant.description,
            "crc_recomputed": mutant.crc_fixed, "kinds": list(verdict.kinds),
            "status": result.status, "why": next((line for line in why if line), None)}


def _example(mutant: Mutant, verdict: Verdict, result: RunResult, job: Job, out: Path,
             seeds: dict[str, Seed]) -> dict:
    """An escape in full, with its inputs kept."""
    mutated, files = _keep_inputs(mutant, job, out)
    return {**_escape(mutant, verdict, result, seeds), "error": result.error,
            "fault": result.fault.name if result.fault else None,
            "disagreements": list(verdict.disagreements),
            "next_module": list(verdict.next_module), "input": mutated, "files": files,
            "log": result.log}


def _runs_and_escapes() -> dict[str, int]:
    return {"runs": 0, "escapes": 0}


@dataclass
class Tally:
    """fuzz.json's counts, added up one mutant at a time."""
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONTAINED, 0))
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ESCAPE_KINDS, 0))
    families: dict[str, dict[str, int]] = field(
        default_factory=lambda: {family: _runs_and_escapes() for family in FAMILIES})
    files: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"module": _runs_and_escapes(),
                                 "dependency": _runs_and_escapes()})

    def add(self, mutant: Mutant, status: str, verdict: Verdict) -> None:
        if status in self.outcomes:
            self.outcomes[status] += 1
        for kind in verdict.kinds:
            self.kinds[kind] += 1
        file = "module" if mutant.dependency is None else "dependency"
        for counts in (self.families[mutant.family], self.files[file]):
            counts["runs"] += 1
            counts["escapes"] += bool(verdict.kinds)


@dataclass(frozen=True)
class Loaded:
    """A mutant's job, its run, the known-good module's run after it, and the verdict."""
    mutant: Mutant
    job: Job
    result: RunResult
    after: RunResult
    verdict: Verdict


def summarise(board: str, seed: int | None, seeds: dict[str, Seed], known_good: Seed,
              loaded: list[Loaded], out: Path, seconds: float, max_examples: int = 20) -> dict:
    """fuzz.json: the counts, a line per escape, and the first escapes with their inputs."""
    tally = Tally()
    escaped, examples = [], []
    for run in loaded:
        tally.add(run.mutant, run.result.status, run.verdict)
        if run.verdict.kinds:
            escaped.append(_escape(run.mutant, run.verdict, run.result, seeds))
        if run.verdict.kinds and len(examples) < max_examples:
            examples.append(_example(run.mutant, run.verdict, run.result, run.job, out, seeds))
    return {"board": board, "seed": seed, "runs": len(loaded), **tally.outcomes,
            "escapes": len(escaped), "escape_kinds": tally.kinds, "families": tally.families,
            "files": tally.files,
            "known_good": {"module": known_good.name,
                           "return": known_good.job.expect.return_value, "runs": len(loaded)},
            "seconds": round(seconds, 2),
            "loads_per_minute": round(60 * len(loaded) / seconds) if seconds else None,
            "escaped": escaped, "examples": examples}


def run_alone(target: Target, known_good: Seed, out: Path) -> RunResult:
    """The known-good module in a fresh boot of its own: what every run after a mutant must
    repeat. It must meet its expectation, or there is nothing to compare with."""
    [alone] = run_matrix([target], {target.board.name: [known_good.job]},
                         RunSettings(out, batch=1, parallel=1))
    if not alone.ok:
        raise SimError(f"the known-good module {known_good.name} does not meet its expectation "
                       f"on {target.board.name} on its own ({'; '.join(alone.mismatches)}); "
                       f"see {out / (alone.log or '')}")
    return alone


def load_mutants(target: Target, seeds: dict[str, Seed], made: list[Mutant], out: Path,
                 parallel: int, budget: int, mutants_per_boot: int = 250,
                 ) -> tuple[Seed, list[Loaded]]:
    """Load each mutant on the target (budget: SysTick ticks per call of its code), the
    known-good module after each in the same boot, and judge them. Returns the known-good
    module and every mutant's run."""
    known_good = pick_known_good(seeds)
    jobs = fuzz_jobs(seeds, made, out / "inputs", budget, known_good)
    alone = run_alone(target, known_good, out / "alone")
    results = run_matrix([target], {target.board.name: jobs},
                         RunSettings(out, 2 * mutants_per_boot, parallel), print_progress)
    return known_good, [Loaded(mutant, jobs[2 * i], results[2 * i], results[2 * i + 1],
                               judge(mutant, results[2 * i], results[2 * i + 1], alone))
                        for i, mutant in enumerate(made)]


def run_fuzz(target: Target, seeds: dict[str, Seed], count: int, seed: int, out: Path,
             parallel: int, budget: int) -> dict:
    """Make count mutants from seed, load each on the target followed by the known-good
    module, and write out/fuzz.json."""
    made = mutants(seeds, count, seed)
    start = time.perf_counter()
    known_good, loaded = load_mutants(target, seeds, made, out, parallel, budget)
    summary = summarise(target.board.name, seed, seeds, known_good, loaded, out,
                        time.perf_counter() - start)
    (out / "fuzz.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
