"""$GITHUB_STEP_SUMMARY: the headline and the misses are appended when it is set, and a file
that cannot be written changes nothing but a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.ci_summary import STEP_SUMMARY_VARIABLE, append_step_summary
from sim.results import RunResult

RUNS = [RunResult("b1", "adds", 1, "ok", True, {"status": "ok"}, log="logs/b1/batch000/boot1"),
        RunResult("b2", "faults", 1, "fault", False, {"status": "ok"},
                  log="logs/b2/batch000/boot1", mismatches=["status: expected 'ok', got 'fault'"])]


def test_the_headline_and_each_miss_are_appended(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv(STEP_SUMMARY_VARIABLE, str(summary))
    append_step_summary(RUNS, "2 runs, 1 met their expectation, 1 missed")
    text = summary.read_text()
    assert text.startswith("earlier step\n### 2 runs, 1 met their expectation, 1 missed")
    assert "**b2 / faults**: status: expected 'ok', got 'fault'" in text
    assert "b1 / adds" not in text and "logs/b2/batch000/boot1" in text


def test_nothing_is_written_without_the_variable(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STEP_SUMMARY_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    append_step_summary(RUNS, "headline")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_file_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(STEP_SUMMARY_VARIABLE, str(tmp_path / "no such folder" / "summary.md"))
    append_step_summary(RUNS, "headline")
    assert "could not be written" in capsys.readouterr().err
