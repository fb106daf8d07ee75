"""Which runs a run makes: selection by name pattern and tag, and shards (README.md, "Running
the suite by hand" and "Running in CI and across machines").

A run is one module (or diagnostic, diag:<name>) on one board. `--only PATTERN` keeps the runs
whose name matches a shell-style pattern, `--tag NAME` those carrying one of the tags (both
given: both must hold). `--shard K/N` then keeps a deterministic K-th of N parts of what is
left: the same inputs give the same parts on every machine, and every run is in exactly one.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Iterable, Sequence

from sim.errors import SetupError, reading_named_file
from sim.schedule import BOOT_OVERHEAD, JOB_OVERHEAD
from sim.timing import TIMING_PHASES

# A tag (module.toml `tags`, diagnostics.toml `tags`, --tag): a short lower-case identifier.
TAG = re.compile(r"[a-z][a-z0-9_-]{0,31}")
DIAGNOSTIC_TAG = "diagnostic"   # every diagnostic carries it (sim/diagnostics.py)

RunKey = tuple[str, str]   # (board, module), module as reported: "crc32" or "diag:fpu"


@dataclass(frozen=True)
class Candidate:
    """A run the matrix could make: its board, its name and its tags."""
    board: str
    name: str
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> RunKey:
        return (self.board, self.name)


@dataclass(frozen=True)
class Selection:
    """--only patterns and --tag names; empty means everything."""
    patterns: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def wants(self, name: str, tags: Iterable[str]) -> bool:
        by_name = not self.patterns or any(fnmatchcase(name, p) for p in self.patterns)
        by_tag = not self.tags or bool(set(self.tags) & set(tags))
        return by_name and by_tag

    def check(self, candidates: Sequence[Candidate]) -> None:
        """A pattern or a tag that matches no run is a mistake (a typo), named; so is a
        selection that leaves nothing to run."""
        names = sorted({c.name for c in candidates})
        for pattern in self.patterns:
            if not any(fnmatchcase(name, pattern) for name in names):
                raise SetupError(f"--only {pattern}: matches no module or diagnostic (modules: "
                                 f"{', '.join(n for n in names if ':' not in n) or 'none'}; "
                                 "diagnostics are diag:<name>, shell-style patterns such as "
                                 "'uart*' or 'diag:*' match several)")
        known_tags = sorted({tag for c in candidates for tag in c.tags})
        for tag in self.tags:
            if tag not in known_tags:
                raise SetupError(f"--tag {tag}: no module or diagnostic carries it (tags: "
                                 f"{', '.join(known_tags) or 'none'})")
        if not any(self.wants(c.name, c.tags) for c in candidates):
            raise SetupError(f"{self.describe()}: no run has both a matching name and a "
                             "matching tag")

    def describe(self) -> str:
        return " ".join([*(f"--only {p}" for p in self.patterns),
                         *(f"--tag {t}" for t in self.tags)])


def selection_from(args: argparse.Namespace) -> Selection:
    """The --only and --tag options (each None when not given)."""
    return Selection(tuple(args.only or ()), tuple(args.tag or ()))


@dataclass(frozen=True)
class Shard:
    """The K-th (from 1) of N parts of the run matrix."""
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def log_folder(self) -> str:
        """Where this shard's boots keep their logs under --out, so that merged shards keep
        every boot's folder (sim/merge.py)."""
        return f"logs/shard-{self.index}-of-{self.count}"


def shard_option(text: str) -> Shard:
    """--shard K/N, 1 <= K <= N."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if found is None:
        raise argparse.ArgumentTypeError(f"expected K/N (the K-th of N shards, 1 <= K <= N), "
                                         f"got {text!r}")
    index, count = int(found[1]), int(found[2])
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be from 1 to N ({count})")
    return Shard(index, count)


# The deterministic cost of a run, in instructions, from what a previous results.json records
# (the same on every machine, unlike wall time): the instructions its phases counted, plus
# QEMU's fixed costs per job and per boot in the same unit, as the runner's batching counts
# them (sim/schedule.py); a run that ends its boot (lockup, hang, error) costs a new boot
# besides. A reset does not: the firmware resumes after it in the same boot for a fraction of a
# millisecond (firmware/src/PROTOCOL.md, "Resets").
BOOT_ENDING = ("lockup", "hang", "error")


def run_cost(run: dict[str, Any]) -> int:
    """A results.json run's cost: its phases' instructions, its spent budget when it timed
    out (the phases then record none), a job's and, when it ended its boot, a boot's cost."""
    timing = run.get("timing") or {}
    cost = JOB_OVERHEAD + sum(timing.get(phase) or 0 for phase in TIMING_PHASES)
    if run.get("status") == "timeout":
        cost += (run.get("timeout") or {}).get("budget") or 0
    if run.get("status") in BOOT_ENDING:
        cost += BOOT_OVERHEAD
    return cost


def read_durations(path: Path) -> dict[RunKey, int]:
    """Each run's cost (run_cost) from a previous run's results.json (--shard-durations); a
    file that is not one is a SetupError naming it."""
    where = f"--shard-durations {path}"
    try:
        with reading_named_file(where, "the results.json",
                                " (give a results.json of an earlier run)"):
            document = json.loads(path.read_bytes())
    except ValueError as error:
        raise SetupError(f"{where}: not JSON ({error})") from None
    runs = document.get("runs") if isinstance(document, dict) else None
    if not isinstance(runs, list) or not all(
            isinstance(r, dict) and isinstance(r.get("board"), str)
            and isinstance(r.get("module"), str) and isinstance(r.get("timing"), dict)
            for r in runs):
        raise SetupError(f"{where}: JSON, but not a results.json: it needs \"runs\", each with "
                         "\"board\", \"module\" and \"timing\" (python -m sim run writes one)")
    return {(r["board"], r["module"]): run_cost(r) for r in runs}


def assign_shards(keys: Sequence[RunKey], count: int,
                  costs: dict[RunKey, int] | None = None) -> dict[RunKey, int]:
    """Each run's shard (1 to count): greedy, costliest run first, each to the shard with the
    least cost so far (the lowest number on a tie). Without costs every run costs the same, so
    the shards differ in size by at most one. A run the costs do not know (new since they were
    recorded) costs their median. Depends only on its inputs: the same on every machine."""
    costs = costs or {}
    known = sorted(costs[key] for key in keys if key in costs)
    default = known[len(known) // 2] if known else 1
    ordered = sorted(keys, key=lambda key: (-costs.get(key, default), key))
    loads = [0] * count
    assigned: dict[RunKey, int] = {}
    for key in ordered:
        lightest = min(range(count), key=lambda shard: (loads[shard], shard))
        loads[lightest] += costs.get(key, default)
        assigned[key] = lightest + 1
    return assigned


def in_shard(keys: Sequence[RunKey], shard: Shard | None,
             costs: dict[RunKey, int] | None = None) -> set[RunKey]:
    """The runs of keys that shard makes (all of them without a shard)."""
    if shard is None:
        return set(keys)
    assigned = assign_shards(keys, shard.count, costs)
    return {key for key in keys if assigned[key] == shard.index}

