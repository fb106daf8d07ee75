"""Usage errors exit 2 with a message that names the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main


@pytest.mark.parametrize("argv, message", [
    (["run", "--jobs", "0"], "must be at least 1"),
    (["run", "--batch", "x"], "expected a whole number"),
    (["run", "--firmware", "some_board"], "expected BOARD=ELF"),
    (["run", "--board", "nosuch"], "unknown board 'nosuch'"),
    (["run", "--only", "nosuch"], "--only nosuch: matches no module"),
    (["run", "--only", "uart*"], "--only uart*: matches no module"),
    (["run", "--tag", "nosuch"], "--tag nosuch: no module or diagnostic carries it"),
    (["run", "--shard", "3/2"], "K must be from 1 to N"),
    (["run", "--shard", "1/2", "--shard-durations", "/nonexistent.json"],
     "--shard-durations /nonexistent.json: no such file"),
    (["merge", "/nonexistent"], "merge /nonexistent: no such folder"),
    (["run", "--modules", "/nonexistent"], "--modules /nonexistent: no such folder"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                            tmp_path: Path) -> None:
    if argv[0] in ("run", "baseline", "merge"):  # not the repository's reports/, which a
        # real run may be writing
        argv = [*argv, "--out", str(tmp_path / "out")]
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    assert status == 2
    assert message in capsys.readouterr().err


def test_hostfuzz_is_a_command_with_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["hostfuzz", "--help"])
    assert stop.value.code == 0
    assert "usage: python -m sim hostfuzz" in capsys.readouterr().out
