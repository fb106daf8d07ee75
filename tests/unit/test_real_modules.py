"""The catalogue's library-style modules give on the host what their module.toml expects.

A module whose expected values were computed by running its own C on this machine says so in
its module.toml with HOST_RUN_MARKER in a comment. This test compiles each such module's
sources with the host's gcc, together with a tiny main that calls the entry with the module's
args, runs it, and requires every board that expects `ok` to expect exactly the return value
and stdout the host computed. So an expected value can never be copied from what a board
printed, and a module that is not portable between the 64-bit host and the 32-bit boards
fails here rather than on one board. The host build runs under AddressSanitizer and
UndefinedBehaviorSanitizer (any report fails the run), with `char` unsigned as on Arm.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


from sim import MODULES_DIR
from sim.modules import MODULE_FILE, Module
from sim.toolchain import HOST_CC, HOST_COMPILER_TOOLS, check_tools

HOST_RUN_MARKER = "tests/unit/test_real_modules.py"
HOST_CFLAGS = ["-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-funsigned-char",
               "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
               "-fno-omit-frame-pointer"]
HOST_RUN_SECONDS = 60


def _host_checked(catalogue: dict[str, Module]) -> list[Module]:
    """Modules whose module.toml names this test as the source of their expected values."""
    return [module for name, module in sorted(catalogue.items())
            if HOST_RUN_MARKER in (module.path / MODULE_FILE).read_text(encoding="utf-8")]


def _host_main(module: Module) -> str:
    """A main that calls the entry as the firmware does (the module's args, as ints) and
    writes its return value to stderr, so stdout is the module's output alone."""
    params = ", ".join("int" for _ in module.args) or "void"
    args = ", ".join(str(arg) for arg in module.args)
    return (
        "#include <stdio.h>\n"
        f"int {module.entry}({params});\n"
        "int main(void)\n{\n"
        f"    int result = {module.entry}({args});\n"
        "    fflush(stdout);\n"
        '    fprintf(stderr, "return=%d\\n", result);\n'
        "    return 0;\n}\n")


@dataclass(frozen=True)
class HostRun:
    return_value: int
    stdout: str


def run_on_host(module: Module, folder: Path, sources: list[Path] | None = None,
                extra_flags: tuple[str, ...] = ()) -> HostRun:
    """Compile the module's sources (or those given) with the host gcc and run them once."""
    check_tools(HOST_COMPILER_TOOLS)   # python -m sim setup installs them
    compiler = shutil.which(HOST_CC)
    main = folder / "host_main.c"
    main.write_text(_host_main(module))
    program = folder / module.name
    files = [str(path) for path in (module.sources if sources is None else sources)]
    build = subprocess.run([compiler, *HOST_CFLAGS, *extra_flags, f"-I{module.path}", *files,
                            str(main), "-o", str(program)], capture_output=True, text=True)
    assert build.returncode == 0, f"{module.name} does not compile on the host:\n{build.stderr}"
    ran = subprocess.run([str(program)], capture_output=True, timeout=HOST_RUN_SECONDS)
    stderr = ran.stderr.decode(errors="replace")
    assert ran.returncode == 0, f"{module.name} failed on the host ({ran.returncode}):\n{stderr}"
    last_line = stderr.strip().splitlines()[-1]
    assert last_line.startswith("return="), f"{module.name}: no return value on the host:\n{stderr}"
    return HostRun(return_value=int(last_line.removeprefix("return=")),
                   stdout=ran.stdout.decode(errors="replace"))


def test_some_modules_take_their_expected_values_from_a_host_run(catalogue) -> None:
    assert _host_checked(catalogue), f"no module.toml in {MODULES_DIR} names {HOST_RUN_MARKER}"


def test_every_ok_expectation_is_what_the_host_computed(catalogue, boards, tmp_path: Path) -> None:
    failures = []
    for module in _host_checked(catalogue):
        folder = tmp_path / module.name
        folder.mkdir()
        host = run_on_host(module, folder)
        for board in sorted(boards):
            expected = module.expectation(board, boards[board].capabilities)
            if expected.status != "ok":
                continue
            if expected.return_value != host.return_value:
                failures.append(f"{module.name} on {board}: module.toml expects return "
                                f"{expected.return_value}, the host computed {host.return_value}")
            printed = host.stdout if host.stdout or expected.stdout is not None else None
            if expected.stdout != printed:
                failures.append(f"{module.name} on {board}: module.toml expects stdout "
                                f"{expected.stdout!r}, the host printed {host.stdout!r}")
    assert not failures, "\n".join(failures)


# The formatter module: its driver, built against the C library's snprintf instead of its own.
FORMATTER = "snprintf_formatter"
FORMATTER_DRIVER = "format_demo.c"
WITH_LIBC_SNPRINTF = ("-Dfmt_snprintf=snprintf",
                      "-Wno-format")  # the cases include flags C ignores on purpose ("%-05d")


def test_the_formatter_prints_what_the_c_library_prints(catalogue, tmp_path: Path) -> None:
    assert FORMATTER in catalogue, f"no module {FORMATTER} in {MODULES_DIR}"
    module = catalogue[FORMATTER]
    (tmp_path / "own").mkdir()
    (tmp_path / "libc").mkdir()
    own = run_on_host(module, tmp_path / "own")
    libc = run_on_host(module, tmp_path / "libc", [module.path / FORMATTER_DRIVER],
                       WITH_LIBC_SNPRINTF)
    assert own.stdout.splitlines() == libc.stdout.splitlines()
    assert own == libc
