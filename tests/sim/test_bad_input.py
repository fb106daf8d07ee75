"""Bad input on the host: each case exits 2 with a message naming the file or option and the
cause, never a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest


from .helpers import run_sim

GOOD_SOURCE = "int module_main(void) { return 0; }\n"


def _module(folder: Path, name: str, source: str | bytes = GOOD_SOURCE,
            toml: str | bytes = "") -> Path:
    (folder / name).mkdir(parents=True, exist_ok=True)
    for file, content in ((f"{name}.c", source), ("module.toml", toml)):
        path = folder / name / file
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return folder / name


# A case: (tmp folder, build folder, a board) -> (the command line, fragments of the message).
Case = Callable[[Path, str, str], tuple[list[str], list[str]]]


def _case_module_toml(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "colours", toml='colour = "red"\n')
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'colour'", "unknown key"])


def _case_not_arm(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    return (["run", "--firmware", f"{board}=/bin/sh", "--board", board],
            [f"--firmware {board}=/bin/sh", "not a 32-bit Arm ELF"])


def _case_corrupt_elf(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    junk = tmp / "junk.elf"
    junk.write_bytes(b"\x7fELF" + bytes(range(60)))
    return (["run", "--firmware", f"{board}={junk}", "--board", board],
            [str(junk), "not a valid ELF file"])


def _case_firmware_folder(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    return (["run", "--firmware", f"{board}={tmp}", "--board", board],
            [f"--firmware {board}={tmp}: is a folder"])


def _case_firmware_twice(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    return (["run", "--firmware", f"{board}=/bin/sh", "--firmware", f"{board}=/bin/ls"],
            [f"--firmware {board}=...: given more than once"])


def _case_relocation(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "pic", "int counter;\nint module_main(void) { return ++counter; }\n",
                     '[build]\ncflags = ["-fPIC"]\n')
    return (["run", "--modules", str(tmp / "m"), "--board", board, "--build-dir", build],
            [str(folder), "R_ARM_GOT_BREL in section .text", "'counter'"])


def _case_entry(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "no_entry", toml='entry = "start_here"\n')
    return (["run", "--modules", str(tmp / "m"), "--board", board, "--build-dir", build],
            [str(folder), "entry 'start_here' is not a global function"])


def _case_entry_not_a_name(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "spaced", toml='entry = "module main"\n')
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'entry'", "expected a C function name"])


def _case_compiler_bytes(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    """gcc echoes the offending line, Latin-1 bytes and all: reported, not a decode error."""
    folder = _module(tmp / "m", "latin1", b"#error caf\xe9 au lait\n" + GOOD_SOURCE.encode())
    return (["run", "--modules", str(tmp / "m"), "--board", board, "--build-dir", build],
            [f"{folder}: cannot build for {board}", "#error caf\ufffd au lait"])


def _case_duplicate(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    _module(tmp / "a", "twin")
    _module(tmp / "b", "twin")
    return (["run", "--modules", str(tmp / "a"), "--modules", str(tmp / "b")],
            ["module 'twin' is in both", str(tmp / "a" / "twin"), str(tmp / "b" / "twin")])


def _case_board(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    return (["run", "--board", "arduino_uno"], ["unknown board 'arduino_uno'", "boards in"])


def _case_toml_not_utf8(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "latin", toml=b'description = "caf\xe9"\n')
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: not UTF-8 text (byte 0xe9 on line 1)"])


def _case_toml_folder(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "odd")
    (folder / "module.toml").unlink()
    (folder / "module.toml").mkdir()
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: is a folder, not a file"])


def _case_toml_bom(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "bom", toml=b'\xef\xbb\xbfdescription = "x"\n')
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: starts with a UTF-8 byte order mark (BOM"])


def _case_toml_array(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "listed", toml="[[expect]]\nstatus = 'ok'\n")
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'expect'", "expected a table"])


def _case_budget(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "greedy", toml="budget = 4294967296\n")
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'budget'", "from 1 to 4,294,967,295",
             "instructions"])


def _case_expected_error(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "typo", toml='[expect]\nstatus = "rejected"\nerror = "unresolvd"\n')
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'expect.error'", "expected one of bad_magic, ",
             "unresolved", "got 'unresolvd'"])


def _case_expected_fault(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "typo", toml='[expect]\nstatus = "fault"\nfault = "BusFault.NOCP"\n')
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder / 'module.toml'}: key 'expect.fault'", "UsageFault.NOCP", "ABI.STACK",
             "got 'BusFault.NOCP'"])


def _case_diagnostic_name(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    folder = _module(tmp / "m", "diag:add")
    return (["run", "--modules", str(tmp / "m")],
            [f"{folder}: the module name 'diag:add' would pass for one of the firmware's "
             "diagnostics"])


def _case_no_modules(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "empty").mkdir()
    return (["run", "--modules", str(tmp / "empty")], [f"no modules in {tmp / 'empty'}"])


def _case_modules_file(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "list.txt").write_text("addition\n")
    return (["run", "--modules", str(tmp / "list.txt")],
            [f"--modules {tmp / 'list.txt'}: is a file, not a folder"])


def _case_out_file(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "out.txt").write_text("")
    return (["run", "--out", str(tmp / "out.txt")],
            [f"--out {tmp / 'out.txt'}: is a file, not a folder"])


def _case_fuzz_out_file(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "fuzz.txt").write_text("")
    return (["fuzz", "--board", board, "--count", "2", "--out", str(tmp / "fuzz.txt")],
            [f"--out {tmp / 'fuzz.txt'}: is a file, not a folder"])


def _case_build_dir_file(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "build.txt").write_text("")
    return (["run", "--build-dir", str(tmp / "build.txt")],
            [f"--build-dir {tmp / 'build.txt'}: is a file, not a folder"])


def _case_baseline_not_json(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "baseline.json").write_text("figures: none\n")
    return (["run", "--baseline", str(tmp / "baseline.json")],
            [f"--baseline {tmp / 'baseline.json'}: not JSON"])


def _case_baseline_not_baseline(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "baseline.json").write_text('{"figures": ["a", "b"]}\n')
    return (["run", "--baseline", str(tmp / "baseline.json")],
            [f"--baseline {tmp / 'baseline.json'}: JSON, but not a baseline"])


def _case_boards_dir_empty(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "boards").mkdir()
    return (["run", "--boards-dir", str(tmp / "boards")],
            [f"{tmp / 'boards'}: no board files (*.toml)"])


def _case_boards_dir_file(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "boards.toml").write_text("")
    return (["run", "--boards-dir", str(tmp / "boards.toml")],
            [f"--boards-dir {tmp / 'boards.toml'}: is a file, not a folder"])


def _case_board_file_not_utf8(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    (tmp / "boards").mkdir()
    (tmp / "boards" / "latin1.toml").write_bytes(b'name = "latin1"\ndescription = "caf\xe9"\n')
    return (["run", "--boards-dir", str(tmp / "boards")],
            [f"{tmp / 'boards' / 'latin1.toml'}: not UTF-8 text (byte 0xe9 on line 2)"])


def _case_no_parallelism(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    return (["run", "-j", "0"], ["argument -j/--jobs: must be at least 1, got 0"])


CASES: dict[str, Case] = {
    "module.toml error": _case_module_toml, "non-Arm ELF": _case_not_arm,
    "corrupt ELF": _case_corrupt_elf, "--firmware names a folder": _case_firmware_folder,
    "--firmware twice for a board": _case_firmware_twice,
    "unsupported relocation": _case_relocation, "missing entry symbol": _case_entry,
    "entry that is no C name": _case_entry_not_a_name,
    "compiler output not UTF-8": _case_compiler_bytes,
    "duplicate module names": _case_duplicate, "unknown board": _case_board,
    "module.toml not UTF-8": _case_toml_not_utf8, "module.toml is a folder": _case_toml_folder,
    "module.toml with a BOM": _case_toml_bom, "array where a table goes": _case_toml_array,
    "budget out of range": _case_budget, "unknown expect.error": _case_expected_error,
    "unknown expect.fault": _case_expected_fault, "module named diag:": _case_diagnostic_name,
    "empty --modules": _case_no_modules, "--modules names a file": _case_modules_file,
    "--out is a file": _case_out_file, "fuzz --out is a file": _case_fuzz_out_file,
    "--build-dir is a file": _case_build_dir_file,
    "--baseline not JSON": _case_baseline_not_json,
    "--baseline not a baseline": _case_baseline_not_baseline,
    "--boards-dir empty": _case_boards_dir_empty, "--boards-dir a file": _case_boards_dir_file,
    "board file not UTF-8": _case_board_file_not_utf8,
    "-j 0": _case_no_parallelism,
}


@pytest.mark.qemu
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_naming_file_and_cause(case: str, build: str, board: str,
                                                 tmp_path: Path) -> None:
    args, evidence = CASES[case](tmp_path, build, board)
    # Never the repository's own reports/ and build/: another run may be using them.
    out = [] if "--out" in args else ["--out", str(tmp_path / "out")]
    out += [] if "--build-dir" in args else ["--build-dir", build]
    done = run_sim(*args, *out)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    for text in evidence:
        assert text in done.stderr, (text, done.stderr)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write in: a read-only tmpfs when root (whom chmod does not stop,
    and whom CI runs as), else a folder chmod 0o500."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"root, but cannot mount a read-only tmpfs: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.qemu
@pytest.mark.parametrize("option", ["--out", "--build-dir"])
@pytest.mark.parametrize("inside", [False, True], ids=["the folder", "a folder in it"])
def test_a_read_only_folder_exits_2_naming_it(option: str, inside: bool, read_only: Path,
                                              tmp_path: Path) -> None:
    path = read_only / "sub" if inside else read_only
    other = ["--build-dir", str(tmp_path / "build")] if option == "--out" else \
        ["--out", str(tmp_path / "out")]
    done = run_sim("run", option, str(path), *other)
    assert done.returncode == 2, done.stdout + done.stderr
    cause = "cannot create the folder" if inside else "cannot write in it"
    assert f"error: {option} {path}: {cause}: " in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
