"""The host-side fuzzer of the loader (sim/hostfuzz.py, firmware/loader/fuzz/): the real loader
built by clang with libFuzzer, ASan and UBSan, seeded with the catalogue's module files. A short
run must find nothing and reach code the seeds alone do not; the same seed must give the same
run; and a loader with one check removed must be caught, so the fuzzer can fail."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sim import hostfuzz
from sim.boards import Board
from sim.exports import load_api
from sim.hostfuzz import Budget, build_harness, fuzz_board, harness_config, run_hostfuzz

SHORT_RUNS = 30_000  # about a second of fuzzing here; the seeds build once per session
# The check that keeps a fix-up inside the module's image; without it a flipped bit in a fix-up
# word sends the loader's write anywhere.
FIXUP_CHECK = "offset > image - 4u"


@pytest.fixture(scope="module")
def board(boards: dict[str, Board]) -> Board:
    return fuzz_board(list(boards.values()))


def test_a_short_run_finds_nothing_and_grows_coverage(board: Board, build_dir: Path,
                                                      tmp_path: Path) -> None:
    document = run_hostfuzz(board, build_dir, tmp_path, Budget(runs=SHORT_RUNS), seed=1)
    assert document["crashes"] == [], document["crashes"]
    assert document["executions"] == SHORT_RUNS
    assert document["edges"] > document["seed_corpus"]["edges"]
    assert document["features"] > document["seed_corpus"]["features"]
    assert document["corpus"] == document["seed_corpus"]["inputs"] + document["added"]
    assert json.loads((tmp_path / "hostfuzz.json").read_text()) == document


def test_the_same_seed_gives_the_same_run(board: Board, build_dir: Path, tmp_path: Path) -> None:
    runs = [run_hostfuzz(board, build_dir, tmp_path / name, Budget(runs=5000), seed=3)
            for name in ("first", "second")]
    figures = [{key: run[key] for key in ("executions", "seed_corpus", "edges", "features",
                                          "corpus")} for run in runs]
    assert figures[0] == figures[1]
    corpora = [sorted(p.name for p in (tmp_path / name / "corpus").iterdir())
               for name in ("first", "second")]
    assert corpora[0] == corpora[1]


def _broken_loader(folder: Path) -> Path:
    """A copy of the loader without FIXUP_CHECK."""
    folder.mkdir()
    for name in hostfuzz.LOADER_FILES:
        shutil.copyfile(hostfuzz.LOADER_DIR / name, folder / name)
    source = (folder / "loader.c").read_text()
    assert source.count(FIXUP_CHECK) == 1, "the check this test removes has changed"
    (folder / "loader.c").write_text(source.replace(FIXUP_CHECK, "0"))
    return folder


def test_a_loader_without_a_check_is_caught(board: Board, build_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(hostfuzz, "LOADER_DIR", _broken_loader(tmp_path / "loader"))
    out = tmp_path / "out"
    status = hostfuzz.main(["--runs", str(SHORT_RUNS), "--seed", "1", "--out", str(out),
                            "--build-dir", str(build_dir)])
    assert status == hostfuzz.EXIT_MISSED
    document = json.loads((out / "hostfuzz.json").read_text())
    assert document["crashes"], "libFuzzer found nothing in a loader with a check removed"
    crash = document["crashes"][0]
    assert "AddressSanitizer" in crash["summary"] and "apply_fixups" in crash["summary"]
    assert f"CRASH crash: {crash['summary']}" in capsys.readouterr().out
    reproducer = Path(crash["input"])
    assert reproducer.parent == out / "crashes"
    # The real loader refuses the same input: the crash is the removed check's.
    monkeypatch.undo()
    good = build_harness(build_dir, harness_config(board, load_api()))
    replay = subprocess.run(["setarch", "-R", str(good), str(reproducer)], capture_output=True,
                            text=True)
    assert replay.returncode == 0, replay.stderr[-2000:]
