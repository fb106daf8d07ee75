"""Global destructors on the target (README.md, "C++ modules"; firmware/src/PROTOCOL.md, "Global
destructors"): they run at unload only after the entry returned, newest first; the first one
that faults or runs out of budget ends the job so and the rest do not run; the list holds 16,
and a 17th registration is a fault in __aeabi_atexit. Every module here prints each step, so
stdout shows exactly which destructors ran. All in one boot per board: the jobs after a broken
one must be unaffected."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import Board, board_names
from sim.modbuild import build_module
from sim.modules import load_module
from sim.plan import module_job
from sim.target import Target
from sim.runner import RunSettings, run_batch

pytestmark = pytest.mark.qemu

TRACER = """#include <stdio.h>
struct Tracer {
    const char *name;
    int trap;
    Tracer(const char *n, int t = 0) : name(n), trap(t) {}
    ~Tracer()
    {
        printf("~%s\\n", name);
        if (trap == 1) __builtin_trap();
        if (trap == 2) for (volatile int spin = 0;; spin++) {}
    }
};
"""

# A UDF (__builtin_trap, or the 17th registration in __aeabi_atexit): a UsageFault, or on
# ARMv6-M, which has only HardFault, HardFault.UNDEFINSTR (README.md, "Faults and timeouts").
def undefinstr(more_expect: str = "") -> str:
    return ('[expect]\nstatus = "fault"\nfault = "UsageFault.UNDEFINSTR"\n' + more_expect +
            '[[when]]\ncore = "cortex-m0"\nexpect = { fault = "HardFault.UNDEFINSTR" }\n')

PROBES = {
    # the second-newest destructor faults: the newest ran, the oldest never does
    "destructor_faults": (TRACER + 'Tracer a("a"), b("b", 1), c("c");\n'
                          'extern "C" int module_main(void) { puts("main"); return 5; }\n',
                          undefinstr('stdout = "main\\n~c\\n~b\\n"\n')),
    "destructor_runs_forever": (TRACER + 'Tracer a("a"), b("b", 2);\n'
                                'extern "C" int module_main(void) { puts("main"); return 5; }\n',
                                'budget = 100000\n[expect]\nstatus = "timeout"\n'
                                'stdout = "main\\n~b\\n"\n'),
    # the entry faults: no destructor runs, as abort() runs no atexit handlers
    "entry_faults_no_destructors": (TRACER + 'Tracer a("a");\n'
                                    'extern "C" int module_main(void) { puts("main"); '
                                    '__builtin_trap(); }\n',
                                    undefinstr('stdout = "main\\n"\n')),
    # a function-local static is registered at first use, after the globals: destroyed first
    "destructors_in_reverse": (TRACER + 'Tracer a("a"), b("b");\n'
                               'static Tracer &late() { static Tracer l("local"); return l; }\n'
                               'extern "C" int module_main(void) { late(); return 7; }\n',
                               '[expect]\nreturn = 7\nstdout = "~local\\n~b\\n~a\\n"\n'),
}

# C, through __cxa_atexit directly: `count` registrations, each printing its number.
REGISTERS = """#include <stdio.h>
int __cxa_atexit(void (*destructor)(void *), void *object, void *dso);
static int numbers[17];
static void say(void *number) { printf("%d ", *(int *)number); }
int module_main(int count)
{
    for (int i = 0; i < count; i++) {
        numbers[i] = i;
        __cxa_atexit(say, &numbers[i], 0);
    }
    return count;
}
"""
SIXTEEN = " ".join(str(i) for i in reversed(range(16))) + " "


def _probe(folder: Path, name: str, source: str, suffix: str, toml: str) -> Path:
    module = folder / name
    module.mkdir(parents=True)
    (module / f"{name}{suffix}").write_text(source)
    (module / "module.toml").write_text(f'description = "{name}"\n{toml}')
    return module


def _probes(folder: Path) -> list[Path]:
    made = [_probe(folder, name, source, ".cpp", toml)
            for name, (source, toml) in PROBES.items()]
    made.append(_probe(folder, "sixteen_destructors", REGISTERS, ".c",
                       f'args = [16]\n[expect]\nreturn = 16\nstdout = "{SIXTEEN}"\n'))
    made.append(_probe(folder, "seventeen_destructors", REGISTERS, ".c",
                       'args = [17]\n' + undefinstr()))
    return made


@pytest.mark.parametrize("board", sorted(board_names()))
def test_destructors_at_unload(board: str, boards: dict[str, Board],
                               targets: dict[str, Target], tmp_path: Path) -> None:
    b = boards[board]
    jobs = []
    for folder in _probes(tmp_path / "modules"):
        module = load_module(folder, set(boards))
        jobs.append(module_job(module, b, build_module(b, module, tmp_path / "build")))
    results = [result for _, result in run_batch(targets[board], jobs, tmp_path / "logs",
                                                 RunSettings(out_dir=tmp_path))]
    for job, result in zip(jobs, results, strict=True):
        assert result.ok, (job.module, result.mismatches, result.stdout)
    seventeenth = results[-1].fault
    assert seventeenth is not None and seventeenth.symbol.split("+")[0] == "__aeabi_atexit"
