"""Selection (--only patterns, --tag) and shards (--shard K/N, --shard-durations): what runs,
the errors that name a mistake, and shard assignment: deterministic, every run in exactly one
shard, balanced."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from sim import MODULES_DIR
from sim.boards import Board, board_names
from sim.diagnostics import diagnostic_jobs, load_diagnostics
from sim.errors import SetupError
from sim.modules import discover, load_module
from sim.plan import RunInputs, _matrix
from sim.schedule import JOB_OVERHEAD
from sim.select import (DIAGNOSTIC_TAG, Candidate, Selection, Shard, assign_shards, in_shard,
                        read_durations, run_cost, shard_option)

CANDIDATES = [Candidate("b1", "uart_echo", ("io",)), Candidate("b1", "uart_dma", ("io", "slow")),
              Candidate("b1", "crc32", ("crypto",)), Candidate("b1", "diag:fpu", ("diagnostic",)),
              Candidate("b1", "diag:add", ("diagnostic",))]


def _names(selection: Selection) -> list[str]:
    selection.check(CANDIDATES)
    return [c.name for c in CANDIDATES if selection.wants(c.name, c.tags)]


def test_only_takes_shell_patterns_over_modules_and_diagnostics() -> None:
    assert _names(Selection(("uart*",))) == ["uart_echo", "uart_dma"]
    assert _names(Selection(("diag:*",))) == ["diag:fpu", "diag:add"]
    assert _names(Selection(("crc32", "diag:f?u"))) == ["crc32", "diag:fpu"]
    assert _names(Selection()) == [c.name for c in CANDIDATES]


def test_tags_select_any_of_them_and_with_only_both_must_hold() -> None:
    assert _names(Selection(tags=("slow",))) == ["uart_dma"]
    assert _names(Selection(tags=("crypto", "diagnostic"))) == ["crc32", "diag:fpu", "diag:add"]
    assert _names(Selection(("uart*",), ("slow",))) == ["uart_dma"]


@pytest.mark.parametrize("selection, named", [
    (Selection(("uart*", "spi*")), "--only spi*: matches no module or diagnostic"),
    (Selection(("fpu",)), "--only fpu: matches no module"),   # diagnostics are diag:<name>
    (Selection(tags=("fast",)), "--tag fast: no module or diagnostic carries it"),
    (Selection(("crc32",), ("io",)), "--only crc32 --tag io: no run has both"),
])
def test_a_selection_that_matches_nothing_is_an_error_naming_it(selection: Selection,
                                                                named: str) -> None:
    with pytest.raises(SetupError, match="^" + named.replace("*", r"\*")):
        selection.check(CANDIDATES)


def _module(tmp_path: Path, tags: str) -> Path:
    folder = tmp_path / "probe"
    folder.mkdir(exist_ok=True)
    (folder / "module.c").write_text("int module_main(void) { return 0; }\n")
    (folder / "module.toml").write_text(f"tags = {tags}\n")
    return folder


def test_catalogue_modules_carry_tags() -> None:
    module = load_module(MODULES_DIR / "aes128_fips197", board_names())
    assert "crypto" in module.tags


@pytest.mark.parametrize("tags, problem", [
    ('"crypto"', "expected a list of tags"), ("[1]", "expected a list of tags"),
    ('["Crypto"]', "'Crypto' is not a tag"), ('["two words"]', "is not a tag"),
    ('["' + "x" * 33 + '"]', "at most 32 characters")])
def test_a_bad_tag_names_the_file_and_the_key(tmp_path: Path, tags: str, problem: str) -> None:
    with pytest.raises(SetupError) as caught:
        load_module(_module(tmp_path, tags), set())
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "probe" / "module.toml")), message
    assert "key 'tags'" in message and problem in message, message


def test_a_bad_diagnostic_tag_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "diagnostics.toml"
    path.write_text('[[diagnostic]]\nname = "add"\ntags = ["Not a tag"]\n')
    with pytest.raises(SetupError, match=r"key 'diagnostic\[0\]\.tags'.*is not a tag"):
        load_diagnostics(frozenset({"b"}), path)


def test_every_diagnostic_carries_the_diagnostic_tag(boards: dict[str, Board]) -> None:
    for board in boards.values():
        assert all(DIAGNOSTIC_TAG in job.tags for job in diagnostic_jobs(board))


@pytest.mark.parametrize("text", ["3", "0/2", "3/2", "a/b", "1/0", "-1/2"])
def test_shard_option_refuses_what_is_not_k_of_n(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        shard_option(text)


def test_shard_option_and_log_folder() -> None:
    assert shard_option("2/5") == Shard(2, 5)
    assert Shard(2, 5).log_folder == "logs/shard-2-of-5"


KEYS = [(board, f"m{index:03d}") for board in ("b1", "b2", "b3") for index in range(70)]


def test_without_durations_shards_differ_by_at_most_one_run() -> None:
    for count in (1, 2, 3, 4, 7, 300):
        sizes = [len(in_shard(KEYS, Shard(k, count))) for k in range(1, count + 1)]
        assert sum(sizes) == len(KEYS) and max(sizes) - min(sizes) <= 1, count


def test_every_run_is_in_exactly_one_shard_whatever_the_input_order() -> None:
    costs = {key: random.Random(1).randrange(1, 10**6) + i for i, key in enumerate(KEYS)}
    shuffled = KEYS[:]
    random.Random(2).shuffle(shuffled)
    backwards = dict(reversed(costs.items()))
    assert assign_shards(KEYS, 4, costs) == assign_shards(shuffled, 4, backwards)
    parts = [in_shard(shuffled, Shard(k, 4), costs) for k in range(1, 5)]
    assert sorted(key for part in parts for key in part) == sorted(KEYS)


def test_durations_balance_the_shards_within_the_costliest_run() -> None:
    """Greedy longest-first: no shard costs more than the cheapest by more than one run (the
    costliest); here a few runs cost 100 times the rest, so balancing by count would not do."""
    rng = random.Random(3)
    costs = {key: rng.choice([10**6] * 20 + [10**8]) + rng.randrange(1000) for key in KEYS}
    for count in (2, 4, 5):
        totals = [sum(costs[key] for key in in_shard(KEYS, Shard(k, count), costs))
                  for k in range(1, count + 1)]
        assert max(totals) - min(totals) <= max(costs.values()), (count, totals)
    by_count = [sum(costs[key] for key in in_shard(KEYS, Shard(k, 4))) for k in range(1, 5)]
    balanced = [sum(costs[key] for key in in_shard(KEYS, Shard(k, 4), costs)) for k in range(1, 5)]
    assert max(balanced) - min(balanced) < max(by_count) - min(by_count)


def test_a_run_the_durations_do_not_know_costs_their_median() -> None:
    costs = {("b", "cheap"): 1, ("b", "mid"): 5, ("b", "dear"): 100}
    assigned = assign_shards([*costs, ("b", "new")], 2, costs)
    # dear alone on shard 1; then mid (5), new (median: 5) and cheap (1) on shard 2.
    assert assigned == {("b", "dear"): 1, ("b", "mid"): 2, ("b", "new"): 2, ("b", "cheap"): 2}


def _run(status: str = "ok", **timing: int) -> dict:
    return {"board": "b", "module": "m", "status": status, "timeout": None,
            "timing": {**dict.fromkeys(("load", "link", "init", "run", "unload")), **timing,
                       "unit": "instructions"}}


def test_a_runs_cost_is_its_instructions_and_a_fixed_cost_per_job() -> None:
    assert run_cost(_run(load=100, link=20, run=5000)) == JOB_OVERHEAD + 5120
    timed_out = {**_run("timeout"), "timeout": {"budget": 50_000}}
    assert run_cost(timed_out) == JOB_OVERHEAD + 50_000
    assert run_cost(_run("lockup")) > run_cost(_run(run=10**6))   # a new boot


@pytest.mark.parametrize("content, problem", [
    (None, "no such file"), ("{", "not JSON"), ('{"runs": 3}', "not a results.json"),
    ('{"runs": [{"board": "b"}]}', "not a results.json")])
def test_bad_durations_file_names_it(tmp_path: Path, content: str | None, problem: str) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SetupError, match=f"^--shard-durations {path}: .*{problem}"):
        read_durations(path)


def test_durations_are_read_per_board_and_module(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"runs": [_run(run=7)]}))
    assert read_durations(path) == {("b", "m"): JOB_OVERHEAD + 7}


def _options(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"only": None, "tag": None, "shard": None,
                                 "shard_durations": None, **given})


def test_shards_of_the_real_catalogue_cover_its_matrix_diagnostics_included(
        boards: dict[str, Board]) -> None:
    """Whatever boards/ and modules/ hold: N shards together make the whole matrix once."""
    chosen = [boards[name] for name in sorted(boards)]
    modules = discover([MODULES_DIR], set(boards))
    diagnostics = {board.name: diagnostic_jobs(board) for board in chosen}
    candidates = RunInputs(chosen, modules, diagnostics).candidates()
    whole = _matrix(candidates, _options())
    assert whole.runs == whole.whole and whole.shard is None
    assert any(module.startswith("diag:") for _, module in whole.runs)
    parts = [_matrix(candidates, _options(shard=Shard(k, 3)))
             for k in (1, 2, 3)]
    assert all(part.whole == whole.runs for part in parts)
    together = [key for part in parts for key in part.runs]
    assert sorted(together) == sorted(whole.runs) and len(set(together)) == len(together)
    for part in parts:   # each in report order
        assert list(part.runs) == [key for key in whole.runs if key in set(part.runs)]
    tagged = _matrix(candidates, _options(tag=[DIAGNOSTIC_TAG], only=["diag:*"]))
    assert {module for _, module in tagged.runs} == {m for _, m in whole.runs
                                                     if m.startswith("diag:")}
