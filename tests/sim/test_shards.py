"""Shards and merge end to end, as the CI workflow and README's shell loop run them: the same
selection run once whole and as 2 shards on real QEMU, the shards merged, the merged reports
against the whole run's."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sim import MODULES_DIR
from sim.boards import Board

from .helpers import run_sim

pytestmark = pytest.mark.qemu

# A few catalogue modules of different kinds (a benchmark, a fault, a timeout) and every
# diagnostic; plus a module of the test's own that misses its expectation on purpose, so that
# the whole run and the merge both exit 1 and both report the miss.
SELECTION = ("--only", "diag:*", "--only", "bench_c*", "--only", "fault_unmapped_read",
             "--only", "runs_forever", "--only", "wrong_answer")
# Fields that differ between a shard's run and the whole run's by construction: `log` names
# the boot's folder, under logs/shard-K-of-N/ in a shard; `boot` numbers the boots of a board
# within one run, and a shard boots each board for its own part of the jobs.
PER_SHARD_FIELDS = ("log", "boot")


def _wrong_answer(folder: Path) -> Path:
    module = folder / "wrong_answer"
    module.mkdir(parents=True)
    (module / "wrong_answer.c").write_text("int module_main(void) { return 6 * 7; }\n")
    # 6 * 7 is 42: the expectation below is wrong on purpose.
    (module / "module.toml").write_text('description = "misses on purpose"\n'
                                        "[expect]\nreturn = 41\n")
    return folder


def _runs(out: Path) -> list[dict]:
    return [{key: value for key, value in run.items() if key not in PER_SHARD_FIELDS}
            for run in json.loads((out / "results.json").read_text())["runs"]]


def test_two_shards_merged_equal_one_whole_run(boards: dict[str, Board], build: str,
                                               tmp_path: Path) -> None:
    chosen = sorted(boards)[:2]   # one or two boards, whatever boards/ holds
    common = [*SELECTION, "--modules", str(MODULES_DIR), "--modules",
              str(_wrong_answer(tmp_path / "mine")), "--build-dir", build, "-j", "2",
              *[option for name in chosen for option in ("--board", name)]]
    whole = run_sim("run", *common, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 1, whole.stdout + whole.stderr
    shards = []
    for index in (1, 2):   # balanced by the whole run's instruction counts
        out = tmp_path / f"shard-{index}"
        done = run_sim("run", *common, "--shard", f"{index}/2", "--shard-durations",
                       str(tmp_path / "whole" / "results.json"), "--out", str(out))
        assert done.returncode in (0, 1), done.stdout + done.stderr
        shards.append(out)
    assert all(_runs(shard) for shard in shards), "each shard ran some of the runs"

    alone = run_sim("merge", str(shards[0]), "--out", str(tmp_path / "half"))
    assert alone.returncode == 2 and "shard 2/2 not given" in alone.stderr, alone.stderr

    merged = run_sim("merge", *map(str, shards), "--out", str(tmp_path / "merged"))
    assert merged.returncode == whole.returncode, merged.stdout + merged.stderr
    assert _runs(tmp_path / "merged") == _runs(tmp_path / "whole")
    document = json.loads((tmp_path / "merged" / "results.json").read_text())
    assert {run["module"] for run in document["runs"] if not run["ok"]} == {"wrong_answer"}
    assert document["footprint"] == json.loads(
        (tmp_path / "whole" / "results.json").read_text())["footprint"]
    for run in document["runs"]:   # every boot's folder came along
        assert run["log"].startswith("logs/shard-"), run["log"]
        assert (tmp_path / "merged" / run["log"] / "command.sh").is_file(), run["log"]
    cases = ET.parse(tmp_path / "merged" / "junit.xml").getroot()
    assert len(list(cases.iter("testcase"))) == len(document["runs"])
    assert cases.get("failures") == str(len(chosen))   # wrong_answer on each board
    headline = f"{len(document['runs'])} runs on {len(chosen)} boards"
    for out in ("whole", "merged"):
        summary = (tmp_path / out / "summary.md").read_text()
        assert headline in summary and "wrong_answer" in summary
