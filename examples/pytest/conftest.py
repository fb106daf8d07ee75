"""What the example's tests share: the module folder, its values computed on the host, and the
baseline its timing is held to."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sim.baseline import read_baseline
from sim.pytest_plugin import Baseline

HERE = Path(__file__).parent
COLLATZ = HERE / "modules" / "collatz"
# python -m sim baseline --update --modules examples/pytest/modules --only collatz
#   --baseline examples/pytest/baseline.json   (run from a checkout; cortexm-sim when installed)
BASELINE = HERE / "baseline.json"

HOST_MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
int collatz_steps(int n, int limit);
int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2)
        printf("%d\n", collatz_steps(atoi(argv[i]), atoi(argv[i + 1])));
    return 0;
}
"""


@pytest.fixture(scope="session")
def collatz() -> Path:
    """The module folder under test."""
    return COLLATZ


@pytest.fixture(scope="session")
def host_collatz(tmp_path_factory: pytest.TempPathFactory):
    """collatz_steps compiled from the module's own source with the host's gcc: the expected
    values, never what a board printed."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.fail("no gcc on the PATH: `python -m sim setup` installs it", pytrace=False)
    folder = tmp_path_factory.mktemp("host")
    (folder / "main.c").write_text(HOST_MAIN)
    program = folder / "collatz"
    subprocess.run([gcc, "-std=c11", "-O1", "-Wall", "-Werror", str(COLLATZ / "collatz.c"),
                    str(folder / "main.c"), "-o", str(program)], check=True)

    def steps(*vectors: tuple[int, int]) -> list[int]:
        argv = [str(value) for vector in vectors for value in vector]
        done = subprocess.run([str(program), *argv], capture_output=True, text=True, check=True)
        return [int(line) for line in done.stdout.split()]
    return steps


@pytest.fixture(scope="session")
def sim_baseline() -> Baseline:
    """This folder's own baseline, in place of the plugin's default (reports/baseline.json)."""
    figures = read_baseline(BASELINE)
    if figures is None:
        pytest.fail(f"no {BASELINE}: record it with the command above", pytrace=False)
    return Baseline(BASELINE, figures)
