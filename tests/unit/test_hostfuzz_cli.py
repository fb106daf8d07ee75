"""python -m sim hostfuzz stops with exit 2 and a message on a setup problem, before fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import hostfuzz, toolchain
from sim.modules import MAX_DEPENDENCIES


def test_missing_clang_gives_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(toolchain.os, "geteuid", lambda: 0)
    assert hostfuzz.main(["--runs", "10", "--out", str(tmp_path / "out")]) == hostfuzz.EXIT_SETUP
    message = capsys.readouterr().err
    assert message.startswith("error: missing clang, libFuzzer for clang, setarch, "
                              "llvm-symbolizer; install with: ")
    assert message.rstrip().endswith("--no-install-recommends clang libclang-rt-14-dev util-linux "
                                     "llvm")
    assert not (tmp_path / "out").exists()


def test_an_unknown_board_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = hostfuzz.main(["--board", "no_such_board", "--out", str(tmp_path)])
    assert status == hostfuzz.EXIT_SETUP
    assert "unknown board 'no_such_board'" in capsys.readouterr().err


@pytest.mark.parametrize("options", [["--runs", "0"], ["--runs", "5", "--seconds", "5"],
                                     ["--seconds", "soon"], ["-j", "0"]])
def test_bad_options_exit_2(options: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        hostfuzz.main(options)
    assert stopped.value.code == hostfuzz.EXIT_SETUP
    assert "error:" in capsys.readouterr().err


def test_an_input_holds_its_residents_before_the_module() -> None:
    data = hostfuzz.encode_input([b"AAAA", b"BB"], b"MODULE", keep_crc=True)
    assert data == bytes([hostfuzz.KEEP_CRC, 2]) + b"\x04\0\0\0AAAA" + b"\x02\0\0\0BB" + b"MODULE"
    with pytest.raises(ValueError):
        hostfuzz.encode_input([b""] * (MAX_DEPENDENCIES + 1), b"")
