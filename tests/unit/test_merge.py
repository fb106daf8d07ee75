"""sim/merge.py on hand-made shard outputs: results.json's runs come back as the RunResults
they were written from, and folders that are not the N parts of one run are refused, named.
(tests/sim/test_shards.py merges real shards against one real run.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.errors import SetupError
from sim.merge import merge_outputs
from sim.results import (FaultInfo, RunResult, TimeoutInfo, results_document,
                         run_result_from_json, shard_record)

FOOTPRINT = {"b1": {"loader_bytes": 1700, "flash_bytes": 9000, "ram_bytes": 4096,
                    "module_arena_bytes": 2048}}


def _result(module: str, board: str = "b1") -> RunResult:
    return RunResult(board=board, module=module, boot=1, status="ok", ok=True,
                     expected={"status": "ok", "return": 1}, return_value=1,
                     timing={"load": 10, "link": 2, "init": 1, "run": 5, "unload": 1},
                     log=f"logs/{board}/batch000/boot1")


def test_a_run_reads_back_as_what_wrote_it() -> None:
    fault = FaultInfo("BusFault.PRECISERR", 0x100, 0x200, "f+0x4", "m.c:3", None, None,
                      ("PRECISERR", "BFARVALID"), 0xdead, 0x8200, 0)
    run = RunResult(board="b1", module="m", boot=2, status="fault", ok=False,
                    expected={"status": "ok"}, expected_by=["fpu=none"], stdout="hi\n",
                    unresolved=["puts"], fault=fault, sizes={"file": 10, "text": 4},
                    imports=[{"name": "puts", "address": None, "expected": 4, "ok": False}],
                    image_crc={"target": 1, "expected": 1, "ok": True},
                    mismatches=["status: expected 'ok', got 'fault'"], log="logs/x")
    timed_out = RunResult(board="b1", module="t", boot=None, status="timeout", ok=True,
                          expected={"status": "timeout"},
                          timeout=TimeoutInfo(50_000, 1, 2, "loop", "t.c:1", None, None),
                          build_error=None)
    for original in (run, timed_out):
        written = json.loads(json.dumps(original.to_json()))
        assert run_result_from_json(written).to_json() == original.to_json()
        assert run_result_from_json(written).observed() == original.observed()


def _shard(folder: Path, index: int, count: int, modules: list[str], selection: list[str],
           commit: str = "abc", interrupted: str | None = None,
           footprint: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    record = shard_record(index, count, [("b1", m) for m in selection])
    document = results_document([_result(m) for m in modules], footprint or FOOTPRINT, commit,
                                interrupted_by=interrupted, shard=record)
    (folder / "results.json").write_text(json.dumps(document))
    return folder


SELECTION = ["diag:add", "a", "b", "c"]


def test_shards_merge_in_the_order_of_one_run(tmp_path: Path) -> None:
    second = _shard(tmp_path / "2", 2, 2, ["b", "diag:add"], SELECTION)
    first = _shard(tmp_path / "1", 1, 2, ["a", "c"], SELECTION)
    merged = merge_outputs([second, first])
    assert [run.module for run in merged.runs] == SELECTION
    assert merged.commit == "abc" and merged.boards == ["b1"] and merged.footprints == FOOTPRINT


@pytest.mark.parametrize("second, message", [
    ({"modules": ["b", "diag:add"], "commit": "def"}, r"1 is commit abc, .*2 is commit def"),
    ({"modules": ["b"]}, r"1 runs missing \(no shard ran them\): b1/diag:add"),
    ({"modules": ["a", "b", "diag:add"]}, r"shards overlap: .*1 and .*2 both ran b1/a"),
    ({"modules": ["b", "diag:add"], "index": 1}, r"shards overlap: .*1 and .*2 are both shard 1/2"),
    ({"modules": ["b", "diag:add"], "count": 3}, "split the matrix in different numbers"),
    ({"modules": ["b", "diag:add"], "selection": SELECTION[:3]}, "shard different selections"),
    ({"modules": ["b"], "interrupted": "SIGINT"}, r"2 \(shard 2/2\) was stopped by SIGINT"),
    ({"modules": ["b", "diag:add"],
      "footprint": {"b1": {**FOOTPRINT["b1"], "flash_bytes": 9004}}},
     "built different firmware for b1"),
])
def test_folders_that_are_not_parts_of_one_run_are_refused_naming_them(
        tmp_path: Path, second: dict, message: str) -> None:
    first = _shard(tmp_path / "1", 1, 2, ["a", "c"], SELECTION)
    other = _shard(tmp_path / "2", second.get("index", 2), second.get("count", 2),
                   second["modules"], second.get("selection", SELECTION),
                   second.get("commit", "abc"), second.get("interrupted"),
                   second.get("footprint"))
    with pytest.raises(SetupError, match=message):
        merge_outputs([first, other])


def test_a_missing_shard_is_named(tmp_path: Path) -> None:
    first = _shard(tmp_path / "1", 1, 3, ["a", "c"], SELECTION)
    with pytest.raises(SetupError, match=r"2 runs missing \(shard 2/3, 3/3 not given\)"):
        merge_outputs([first])


@pytest.mark.parametrize("content, message", [
    (None, "no results.json in it"), ("{", "not JSON"), ('{"schema": 99}', "not a results.json"),
    ('{"schema": 1, "runs": []}', "has no 'footprint'")])
def test_a_folder_without_a_results_json_is_named(tmp_path: Path, content: str | None,
                                                  message: str) -> None:
    folder = tmp_path / "shard"
    folder.mkdir()
    if content is not None:
        (folder / "results.json").write_text(content)
    with pytest.raises(SetupError, match=message):
        merge_outputs([folder])
