"""Fuzzing the loader: mutated module files, loaded on the real firmware under QEMU.

Every mutation starts from a catalogue module that loads and runs, and is tried twice: as made
(most stop at the CRC) and with the CRC recomputed, so it reaches the deeper checks. A load may
end ok, rejected, or as a contained fault or timeout; anything else is an escape: a fault in
firmware context, a lockup, a hang, a reset, a failed integrity check. The same seed gives the
same inputs, so any run can be reproduced.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sim import MODULES_DIR
from sim.boards import Board, load_boards
from sim.jobs import Expectation, Job
from sim.modbuild import build_module
from sim.modules import discover_modules
from sim.pack import HEADER, with_crc
from sim.results import RunResult
from sim.runner import RunSettings, Target, print_progress, run_matrix

CONTAINED = ("ok", "rejected", "fault", "timeout")

# (offset, struct format) of every header field (firmware/loader/FORMAT.md)
HEADER_FIELDS = [(0, "<I"), (4, "<H"), (6, "<H"), (8, "<B"), (9, "<B"), (10, "<B"), (11, "<B"),
                 (12, "<H"), (14, "<H"), (16, "<I"), (20, "<I"), (24, "<I"), (28, "<I"),
                 (32, "<I"), (36, "<H"), (38, "<H"), (40, "<H"), (42, "<H"), (44, "<I"),
                 (52, "<I")]
INTERESTING = [0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF]


@dataclass(frozen=True)
class Layout:
    """Where the parts of a module file are."""
    text: int
    data: int
    fixups: int
    imports: int
    exports: int
    strings: int

    @classmethod
    def of(cls, data: bytes) -> "Layout":
        fields = HEADER.unpack_from(data)
        text, data_size = fields[9], fields[10]
        fixups_at = HEADER.size + text + data_size
        imports_at = fixups_at + 4 * fields[15]
        exports_at = imports_at + 12 * fields[16]
        strings_at = exports_at + 12 * fields[17]
        return cls(text, data_size, fixups_at, imports_at, exports_at, strings_at)


def _put(data: bytearray, offset: int, fmt: str, value: int) -> None:
    if 0 <= offset <= len(data) - struct.calcsize(fmt):
        bits = 8 * struct.calcsize(fmt)
        struct.pack_into(fmt, data, offset, value & ((1 << bits) - 1))


def flip_bits(rng: random.Random, data: bytearray) -> str:
    count = rng.randint(1, 8)
    for _ in range(count):
        bit = rng.randrange(8 * len(data))
        data[bit // 8] ^= 1 << (bit % 8)
    return f"flip {count} bits"


def truncate(rng: random.Random, data: bytearray) -> str:
    keep = rng.randrange(len(data))
    del data[keep:]
    return f"truncate to {keep} bytes"


def edit_header(rng: random.Random, data: bytearray) -> str:
    offset, fmt = rng.choice(HEADER_FIELDS)
    value = rng.choice(INTERESTING + [rng.getrandbits(32), len(data), len(data) + 4])
    _put(data, offset, fmt, value)
    return f"header[{offset}] = {value:#x}"


def past_the_end(rng: random.Random, data: bytearray) -> str:
    """An offset or length that points past the end of what it indexes."""
    layout = Layout.of(data)
    choices = [(28, "<I", "entry"), (32, "<I", "init_offset"), (16, "<I", "text_size"),
               (20, "<I", "data_size"), (24, "<I", "bss_size"), (44, "<I", "strings_size")]
    offset, fmt, name = rng.choice(choices)
    value = len(data) + rng.choice([0, 1, 4, 0x1000, 0x10000000])
    _put(data, offset, fmt, value | (1 if name == "entry" else 0))
    if layout.imports < layout.exports and rng.random() < 0.5:  # an import's slot or name
        _put(data, layout.imports + 4 + 4 * rng.randrange(2), "<I", value)
        return f"import slot/name offset = {value:#x}"
    return f"{name} = {value:#x}"


def aim_fixups(rng: random.Random, data: bytearray) -> str:
    """Fix-ups outside the image, at the firmware's RAM below the image, or of unknown kind."""
    layout = Layout.of(data)
    count = (layout.imports - layout.fixups) // 4
    if count == 0:
        return flip_bits(rng, data)
    index = rng.randrange(count)
    offset = rng.choice([layout.text + layout.data, 0x0FFFFFFC, 0x0FFFFFFF, rng.getrandbits(28)])
    kind = rng.choice([0, 0, 1, 15])
    _put(data, layout.fixups + 4 * index, "<I", offset | kind << 28)
    return f"fixup[{index}] = offset {offset:#x} kind {kind}"


def bloat_imports(rng: random.Random, data: bytearray) -> str:
    """Huge counts, and import names that run past the strings."""
    layout = Layout.of(data)
    if rng.random() < 0.5:
        field = rng.choice([38, 40, 42])
        _put(data, field, "<H", rng.choice([0x7FFF, 0xFFFF, rng.randrange(0x10000)]))
        return f"count at {field} huge"
    size = struct.unpack_from("<I", data, 44)[0]
    if layout.imports + 12 <= layout.exports:
        _put(data, layout.imports + 8, "<I", size - rng.randint(0, 2))
    return "import name at the end of the strings"


def unterminate_strings(rng: random.Random, data: bytearray) -> str:
    layout = Layout.of(data)
    if layout.strings >= len(data):
        return truncate(rng, data)
    for index in range(layout.strings, len(data)):
        if data[index] == 0 and rng.random() < 0.7:
            data[index] = ord("A")
    data[-1] = ord("Z")
    return "strings without NUL"


MUTATORS: list[Callable[[random.Random, bytearray], str]] = [
    flip_bits, truncate, edit_header, past_the_end, aim_fixups, bloat_imports,
    unterminate_strings]


@dataclass(frozen=True)
class Mutant:
    number: int
    source: str        # the catalogue module it came from
    description: str
    crc_fixed: bool
    data: bytes


def mutants(originals: dict[str, bytes], count: int, seed: int) -> list[Mutant]:
    """count mutated files, deterministic in seed: each mutation once as made and once with the
    CRC recomputed."""
    rng = random.Random(seed)
    names = sorted(originals)
    made: list[Mutant] = []
    while len(made) < count:
        source = rng.choice(names)
        data = bytearray(originals[source])
        mutator = rng.choice(MUTATORS)
        description = mutator(rng, data)
        made.append(Mutant(len(made), source, description, False, bytes(data)))
        if len(made) < count and len(data) >= HEADER.size:
            made.append(Mutant(len(made), source, description, True, with_crc(data)))
    return made


@dataclass(frozen=True)
class Seed:
    """A catalogue module the mutants start from, and how to call it."""
    name: str
    data: bytes
    entry: str
    abi: str | None
    args: tuple[int, ...]


FUZZ_BUDGET_INSTRUCTIONS = 200_000  # mutated code may loop: stop it early


def catalogue_seeds(board: Board, build_dir: Path) -> dict[str, Seed]:
    """The catalogue modules that load and run on the board on their own."""
    seeds = {}
    for module in discover_modules([MODULES_DIR], {b.name for b in load_boards()}):
        if module.depends or module.expectation(board.name).status != "ok":
            continue
        image = build_module(board, module, build_dir)
        seeds[module.name] = Seed(module.name, image.file.read_bytes(), module.entry,
                                  module.abi, module.args)
    return seeds


def fuzz_jobs(seeds: dict[str, Seed], made: list[Mutant], inputs: Path,
              budget: int) -> list[Job]:
    inputs.mkdir(parents=True, exist_ok=True)
    jobs = []
    for mutant in made:
        seed = seeds[mutant.source]
        path = inputs / f"{mutant.number:06d}.cmod"
        path.write_bytes(mutant.data)
        jobs.append(Job(f"fuzz:{mutant.number}", "module", str(path), seed.args,
                        Expectation("ok"), entry=seed.entry, abi=seed.abi, budget=budget))
    return jobs


def _escape_example(mutant: Mutant, result: RunResult, inputs: Path, out: Path) -> dict:
    kept = out / "escapes" / f"{mutant.number:06d}.cmod"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(inputs / f"{mutant.number:06d}.cmod", kept)
    return {"number": mutant.number, "source": mutant.source, "mutation": mutant.description,
            "crc_recomputed": mutant.crc_fixed, "status": result.status, "error": result.error,
            "fault": result.fault.name if result.fault else None, "input": str(kept),
            "log": result.log}


def summarise(board: str, seed: int, made: list[Mutant], results: list[RunResult],
              inputs: Path, out: Path, seconds: float, max_examples: int = 20) -> dict:
    counts = {status: 0 for status in CONTAINED}
    examples = []
    escapes = 0
    for mutant, result in zip(made, results, strict=True):
        if result.status in CONTAINED:
            counts[result.status] += 1
            continue
        escapes += 1
        if len(examples) < max_examples:
            examples.append(_escape_example(mutant, result, inputs, out))
    return {"board": board, "seed": seed, "runs": len(results), **counts, "escapes": escapes,
            "seconds": round(seconds, 2),
            "loads_per_minute": round(60 * len(results) / seconds) if seconds else None,
            "examples": examples}


def run_fuzz(target: Target, seeds: dict[str, Seed], count: int, seed: int, out: Path,
             parallel: int, batch: int = 500, budget: int = 0) -> dict:
    """Make count mutants from seed, load each on the target, and write out/fuzz.json."""
    made = mutants({name: s.data for name, s in seeds.items()}, count, seed)
    inputs = out / "inputs"
    jobs = fuzz_jobs(seeds, made, inputs, budget)
    start = time.perf_counter()
    results = run_matrix([target], {target.board.name: jobs},
                         RunSettings(out, batch, parallel), print_progress)
    summary = summarise(target.board.name, seed, made, results, inputs, out,
                        time.perf_counter() - start)
    (out / "fuzz.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
