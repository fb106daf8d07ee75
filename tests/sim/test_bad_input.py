"""Bad input on the host: each case exits 2 with a message naming the file or option and the
cause, never a traceback; except a module that cannot be used or built, which is an `error`
run of its own while the others run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Iterator

import pytest


from .helpers import run_sim, tmpfs

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


def _case_duplicate(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    _module(tmp / "a", "twin")
    _module(tmp / "b", "twin")
    return (["run", "--modules", str(tmp / "a"), "--modules", str(tmp / "b")],
            ["module 'twin' is in both", str(tmp / "a" / "twin"), str(tmp / "b" / "twin")])


def _case_board(tmp: Path, build: str, board: str) -> tuple[list[str], list[str]]:
    return (["run", "--board", "arduino_uno"], ["unknown board 'arduino_uno'", "boards in"])


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
    "non-Arm ELF": _case_not_arm,
    "corrupt ELF": _case_corrupt_elf, "--firmware names a folder": _case_firmware_folder,
    "--firmware twice for a board": _case_firmware_twice,
    "duplicate module names": _case_duplicate, "unknown board": _case_board,
    "module named diag:": _case_diagnostic_name,
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


# A module that cannot be used or built is one `error` run per board, saying why (`config`,
# `build` or `pack`) and how, while every other module still runs and the run exits 1.
# (folder, source, module.toml) -> (reason, fragments of the message).
BROKEN: dict[str, tuple[str | bytes, str | bytes, str, list[str]]] = {
    "unknown_key": (GOOD_SOURCE, 'colour = "red"\n', "config",
                    ["unknown_key/module.toml: key 'colour'", "unknown key"]),
    "no_name": (GOOD_SOURCE, "description = \n", "config",
                ["no_name/module.toml: not valid TOML"]),
    "entry_spaced": (GOOD_SOURCE, 'entry = "module main"\n', "config",
                     ["entry_spaced/module.toml: key 'entry'", "expected a C function name"]),
    "toml_latin1": (GOOD_SOURCE, b'description = "caf\xe9"\n', "config",
                    ["toml_latin1/module.toml: not UTF-8 text (byte 0xe9 on line 1)"]),
    "toml_bom": (GOOD_SOURCE, b'\xef\xbb\xbfdescription = "x"\n', "config",
                 ["toml_bom/module.toml: starts with a UTF-8 byte order mark (BOM"]),
    "expect_listed": (GOOD_SOURCE, "[[expect]]\nstatus = 'ok'\n", "config",
                      ["expect_listed/module.toml: key 'expect'", "expected a table"]),
    "greedy": (GOOD_SOURCE, "budget = 4294967296\n", "config",
               ["greedy/module.toml: key 'budget'", "from 1 to 4,294,967,295"]),
    "error_typo": (GOOD_SOURCE, '[expect]\nstatus = "rejected"\nerror = "unresolvd"\n', "config",
                   ["error_typo/module.toml: key 'expect.error'", "unresolved",
                    "got 'unresolvd'"]),
    "fault_typo": (GOOD_SOURCE, '[expect]\nstatus = "fault"\nfault = "BusFault.NOCP"\n', "config",
                   ["fault_typo/module.toml: key 'expect.fault'", "UsageFault.NOCP",
                    "got 'BusFault.NOCP'"]),
    "depends_on_broken": (GOOD_SOURCE, 'depends = ["unknown_key"]\n', "config",
                          ["key 'depends': the dependency 'unknown_key' cannot be used",
                           "key 'colour'"]),
    "does_not_compile": ("int module_main(void)\n{\n    return undeclared;\n}\n", "", "build",
                         ["compiling does_not_compile/does_not_compile.c failed",
                          "does_not_compile.c:3:12: error: 'undeclared' undeclared"]),
    "latin1_source": (b"#error caf\xe9 au lait\n" + GOOD_SOURCE.encode(), "", "build",
                      ["latin1_source.c:1:2: error: #error caf\ufffd au lait"]),
    "depends_on_uncompilable": (GOOD_SOURCE, 'depends = ["does_not_compile"]\n', "build",
                                ["dependency 'does_not_compile'",
                                 "does_not_compile.c:3:12: error: "]),
    "pic": ("int counter;\nint module_main(void) { return ++counter; }\n",
            '[build]\ncflags = ["-fPIC"]\n', "pack",
            ["cannot express these relocations", "R_ARM_GOT_BREL in section .text",
             "'counter'"]),
    "no_entry": (GOOD_SOURCE, 'entry = "start_here"\n', "pack",
                 ["entry 'start_here' is not a global function"]),
}
STILL_RUNS = "still_runs"


@pytest.fixture(scope="module")
def broken_run(firmware: dict, build_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """One run of every broken module beside a good one on every board: (results.json, the
    console)."""
    tmp = tmp_path_factory.mktemp("broken")
    for name, (source, toml, _, _) in BROKEN.items():
        _module(tmp / "m", name, source, toml)
    _module(tmp / "m", STILL_RUNS, "int module_main(void) { return 5; }\n",
            "[expect]\nreturn = 5\n")
    done = run_sim("run", "--modules", str(tmp / "m"), "--out", str(tmp / "out"),
                   "--build-dir", str(build_dir), "-j", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads((tmp / "out" / "results.json").read_text()), done.stdout


@pytest.mark.qemu
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_module_is_an_error_run_per_board(name: str, broken_run: tuple[dict, str],
                                                   boards: dict) -> None:
    document, console = broken_run
    _, _, reason, evidence = BROKEN[name]
    runs = [run for run in document["runs"] if run["module"] == name]
    assert sorted(run["board"] for run in runs) == sorted(boards)
    for run in runs:
        assert (run["status"], run["ok"], run["boot"]) == ("error", False, None)
        assert run["build_error"]["reason"] == reason
        message = run["build_error"]["message"]
        assert len(message.splitlines()) <= 6, message
        for text in evidence:
            assert text in message, (text, message)
        missed = next(line for line in console.splitlines()
                      if line.startswith(f"  MISSED {run['board']}/{name}: "))
        assert f"; {reason} error: " in missed, missed
        assert evidence[0] in console, console


@pytest.mark.qemu
def test_the_other_modules_still_run(broken_run: tuple[dict, str], boards: dict) -> None:
    document, console = broken_run
    runs = [run for run in document["runs"] if run["module"] == STILL_RUNS]
    assert sorted(run["board"] for run in runs) == sorted(boards)
    assert all(run["ok"] and run["return"] == 5 for run in runs)
    missed = len(BROKEN) * len(boards)   # the broken modules' runs only: diagnostics ran too
    total = len(document["runs"])
    assert f"{total} runs, {total - missed} met their expectation, {missed} missed" in console


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
    with tmpfs(folder, "ro,size=64k"):
        yield folder


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
