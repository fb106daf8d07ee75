"""`python -m sim merge DIR... --out DIR`: shards' outputs (each a `run --shard K/N --out DIR`)
made into the reports of the one run they are parts of (README.md, "Running in CI and across
machines").

Each shard's results.json says which shard it is and lists every run of the whole selection
(sim/results.py, shard_record), so merging can refuse, naming the folders, shards that overlap,
that leave runs out (a shard not given, or one a signal stopped) or that come from different
commits, selections or firmware. The runs are put back in the order one run reports them and
the logs copied beside them: shards write theirs under logs/shard-K-of-N/, so no two collide and
every run's `log` stays valid.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import SetupError
from sim.results import SCHEMA_VERSION, RunResult, run_result_from_json

RESULTS_FILE = "results.json"
LOGS_FOLDER = "logs"
NAMED_AT_MOST = 5   # missing or overlapping runs a message names before "and N more"

RunKey = tuple[str, str]


@dataclass(frozen=True)
class ShardOutput:
    folder: Path
    document: dict[str, Any]

    @property
    def spec(self) -> tuple[int, int]:
        """(K, N); a run made without --shard is the one shard of one."""
        shard = self.document["shard"]
        return (1, 1) if shard is None else (shard["index"], shard["count"])

    @property
    def selection(self) -> list[RunKey]:
        """Every run of the whole selection, in report order."""
        shard = self.document["shard"]
        if shard is None:
            return self.run_keys
        return [(board, module) for board, module in shard["selection"]]

    @property
    def run_keys(self) -> list[RunKey]:
        return [(run["board"], run["module"]) for run in self.document["runs"]]

    def name(self) -> str:
        k, n = self.spec
        return f"{self.folder} (shard {k}/{n})"


@dataclass(frozen=True)
class Merged:
    runs: list[RunResult]
    footprints: dict[str, dict[str, int | None]]
    commit: str | None
    boards: list[str]    # in report order
    library: dict[str, dict[str, int]]   # the loader built alone: the same in every shard


def read_output(folder: Path) -> ShardOutput:
    """A shard's results.json; anything that is not one is a SetupError naming the file."""
    path = folder / RESULTS_FILE
    if not folder.is_dir():
        raise SetupError(f"merge {folder}: no such folder (give the --out folders of the "
                         "shards' runs)")
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise SetupError(f"merge {folder}: no {RESULTS_FILE} in it: not the --out of a "
                         "run") from None
    except OSError as error:
        raise SetupError(f"merge {path}: cannot read: {error.strerror}") from None
    except ValueError as error:
        raise SetupError(f"merge {path}: not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_VERSION:
        raise SetupError(f"merge {path}: not a results.json of schema {SCHEMA_VERSION} "
                         "(python -m sim run writes one)")
    missing = [key for key in ("runs", "footprint", "commit", "shard") if key not in document]
    if missing:
        raise SetupError(f"merge {path}: has no {missing[0]!r}: written by another version of "
                         "the suite? Run the shards and the merge from one commit")
    return ShardOutput(folder, document)


def _named(keys: list[RunKey]) -> str:
    shown = ", ".join(f"{board}/{module}" for board, module in keys[:NAMED_AT_MOST])
    more = len(keys) - NAMED_AT_MOST
    return shown + (f" and {more} more" if more > 0 else "")


def _check_same_run(outputs: list[ShardOutput]) -> None:
    """One commit, one split, one selection: otherwise they are not parts of one run."""
    first = outputs[0]
    for other in outputs[1:]:
        if other.document["commit"] != first.document["commit"]:
            raise SetupError(f"merge: {first.folder} is commit {first.document['commit']}, "
                             f"{other.folder} is commit {other.document['commit']}: shards "
                             "of one run come from one commit")
        if other.spec[1] != first.spec[1]:
            raise SetupError(f"merge: {first.name()} and {other.name()} split the matrix in "
                             "different numbers of shards")
        if other.selection != first.selection:
            raise SetupError(f"merge: {first.name()} and {other.name()} shard different "
                             "selections (other --board, --only, --tag, modules or boards)")


def _check_each_run_once(outputs: list[ShardOutput]) -> None:
    """Every run of the selection in exactly one shard, and nothing else."""
    seen: dict[int, ShardOutput] = {}
    for output in outputs:
        k, n = output.spec
        if k in seen:
            raise SetupError(f"merge: shards overlap: {seen[k].folder} and {output.folder} are "
                             f"both shard {k}/{n}")
        seen[k] = output
        if output.document["interrupted"]:
            raise SetupError(f"merge: {output.name()} was stopped by "
                             f"{output.document['signal']} after {len(output.run_keys)} runs; "
                             "run that shard again")
    owner: dict[RunKey, Path] = {}
    for output in outputs:
        twice = [key for key in output.run_keys if key in owner]
        if twice:
            raise SetupError(f"merge: shards overlap: {owner[twice[0]]} and {output.folder} both "
                             f"ran {_named(twice)}")
        owner.update({key: output.folder for key in output.run_keys})
    selection = outputs[0].selection
    outside = [key for key in owner if key not in set(selection)]
    if outside:
        raise SetupError(f"merge: {owner[outside[0]]} ran {_named(outside)}, outside the "
                         "selection the shards name")
    missing = [key for key in selection if key not in owner]
    if missing:
        count = outputs[0].spec[1]
        absent = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
        which = f"shard {', '.join(absent)} not given" if absent else "no shard ran them"
        raise SetupError(f"merge: {len(missing)} runs missing ({which}): {_named(missing)}")


def _footprints(outputs: list[ShardOutput]) -> dict[str, dict[str, int | None]]:
    """Every shard builds every board's firmware; from one commit and toolchain the figures
    agree, and a difference means the shards are not parts of one run."""
    merged: dict[str, dict[str, int | None]] = {}
    source: dict[str, Path] = {}
    for output in outputs:
        for board, footprint in output.document["footprint"].items():
            if board in merged and merged[board] != footprint:
                raise SetupError(f"merge: {source[board]} and {output.folder} built different "
                                 f"firmware for {board} ({merged[board]} against {footprint}): "
                                 "another toolchain or source?")
            merged.setdefault(board, footprint)
            source.setdefault(board, output.folder)
    return merged


def merge_outputs(folders: list[Path]) -> Merged:
    """The runs of every shard in the order one run reports them, their footprints and commit;
    a SetupError naming the folders when they are not the N parts of one run."""
    outputs = [read_output(folder) for folder in folders]
    _check_same_run(outputs)
    _check_each_run_once(outputs)
    order = {key: index for index, key in enumerate(outputs[0].selection)}
    runs = sorted((run for output in outputs for run in output.document["runs"]),
                  key=lambda run: order[(run["board"], run["module"])])
    footprints = _footprints(outputs)
    return Merged([run_result_from_json(run) for run in runs], footprints,
                  outputs[0].document["commit"], list(footprints),
                  outputs[0].document.get("library") or {})


def _link_or_copy(source: str, destination: str) -> None:
    """A hard link where the file system allows one (logs hold module files), else a copy."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def copy_logs(folders: list[Path], out_dir: Path) -> None:
    """Each shard's logs into out_dir/logs: shards keep theirs in folders of their own
    (logs/shard-K-of-N/), so nothing is overwritten and every run's `log` is found again."""
    for folder in folders:
        logs = (folder / LOGS_FOLDER).resolve()   # through the report folder's link
        if logs.is_dir():
            shutil.copytree(logs, out_dir / LOGS_FOLDER, symlinks=True, dirs_exist_ok=True,
                            copy_function=_link_or_copy)
