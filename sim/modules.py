"""Module folders: discovery and module.toml (the keys in README.md, "Adding a module").

An unknown key or a bad value is a SetupError naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from sim import FIRMWARE_DIR
from sim.cores import ARCHITECTURES, CORES, FLOAT_ABIS, FPU_PRECISION, FPUS, MPU_KINDS
from sim.errors import SetupError, SimError
from sim.jobs import JOB_ERRORS, Expectation, fault_names
from sim.select import TAG
from sim.textfiles import read_toml_text
from sim.timing import BUDGET_MAX_INSTRUCTIONS, BUDGET_MIN_INSTRUCTIONS, TIMING_PHASES

MODULE_FILE = "module.toml"
C_SUFFIXES = (".c", ".S")                # gcc (.S: assembly through the C preprocessor)
CXX_SUFFIXES = (".cpp", ".cc", ".cxx")   # g++ (README.md, "C++ modules")
SOURCE_SUFFIXES = C_SUFFIXES + CXX_SUFFIXES
# Which [expect] keys a run of each status can show (README.md, "Adding a module"). stdout is
# the module's own output, checked only when the job ended with its own @end after running the
# module's code to an end: a rejected module's output is not checked (the loader refused it;
# only a TEMS start-up refusal runs any of its code), and a lockup or reset ends the job
# before its last output reaches the host. "error" only a diagnostic may expect
# (firmware/src/diagnostics.toml: a fault in the firmware's own code); a module never: its
# error run is a build problem or the firmware's failure.
KEYS_FOR_STATUS = {"ok": ("return", "stdout"), "rejected": ("error",),
                   "fault": ("fault", "stdout"), "timeout": ("stdout",), "lockup": (),
                   "reset": (), "error": ()}
DEFAULT_STATUS = "ok"
DIAGNOSTIC_STATUSES = tuple(KEYS_FOR_STATUS)
EXPECT_STATUSES = tuple(status for status in KEYS_FOR_STATUS if status != "error")
ABIS = ("tems",)
# What a module folder builds (README.md, "Adding a module"): a module the firmware calls by
# entry, or an application image with its own vector table, started as a bootloader starts one.
KINDS = ("module", "application")
APPLICATION_ENTRY = "Reset_Handler"  # an application's default entry: CMSIS's name
# What an application image has no use for: it runs alone, from its reset handler.
NOT_FOR_APPLICATIONS = ("args", "depends", "abi")
INT32 = (-(1 << 31), (1 << 32) - 1)  # args and returns: int32, or uint32 written as positive


@dataclass(frozen=True)
class BuildOverrides:
    cpu: str | None = None
    fpu: str | None = None
    float_abi: str | None = None
    cflags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    name: str
    path: Path                              # the module's folder
    description: str
    sources: tuple[Path, ...]
    entry: str = "module_main"
    kind: str = "module"                    # KINDS
    args: tuple[int, ...] = ()
    depends: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()           # besides the entry (README, "Adding a module")
    abi: str | None = None
    budget: int | None = None
    tags: tuple[str, ...] = ()              # what --tag selects it by
    build: BuildOverrides = BuildOverrides()
    benchmark: "Benchmark | None" = None    # [benchmark]
    expect: dict[str, Any] = field(default_factory=dict)           # [expect]
    expect_boards: dict[str, dict[str, Any]] = field(default_factory=dict)  # [expect.<board>]
    # [[when]]: (capability conditions, expect table), in file order
    expect_when: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = ()

    def expectation(self, board: str, capabilities: dict[str, Any] | None = None) -> Expectation:
        """This module's expectation on a board (expectation_for)."""
        return expectation_for(self.expect, self.expect_when, self.expect_boards, board,
                               capabilities)


Conditions = dict[str, Any]
WhenTables = tuple[tuple[Conditions, dict[str, Any]], ...]


def expectation_for(common: dict[str, Any], when: WhenTables,
                    per_board: dict[str, dict[str, Any]], board: str,
                    capabilities: dict[str, Any] | None) -> Expectation:
    """[expect], then each [[when]] whose conditions the board's capabilities meet (in file
    order; none without capabilities: pass Board.capabilities), then [expect.<board>], each
    merged over the one before; only the keys that apply to the resulting status are kept
    (KEYS_FOR_STATUS): a board that overrides the status to "rejected" inherits neither the
    other boards' return value nor their stdout. decided_by names each table without which the
    result would differ: its conditions ("fpu_precision=none"), or "board"."""
    layers = [(describe_conditions(conditions), table) for conditions, table in when
              if capabilities is not None and meets(capabilities, conditions)]
    if per_board.get(board):
        layers.append(("board", per_board[board]))
    merged = _merged_layers(common, layers)
    decided_by = tuple(name for index, (name, _) in enumerate(layers)
                       if _merged_layers(common, layers[:index] + layers[index + 1:]) != merged)
    return Expectation(status=merged["status"], return_value=merged.get("return"),
                       stdout=merged.get("stdout"), error=merged.get("error"),
                       fault=merged.get("fault"), decided_by=decided_by)


def _merged_layers(common: dict[str, Any], layers: list[tuple[str, dict[str, Any]]]
                   ) -> dict[str, Any]:
    merged = dict(common)
    for _, table in layers:
        merged.update(table)
    return applicable(merged_expectation(merged, {}))


def describe_conditions(conditions: Conditions) -> str:
    """A [[when]]'s conditions as module.toml spells them: 'fpu_precision=none'."""
    return ", ".join(f"{key}={str(value).lower() if isinstance(value, bool) else value}"
                     for key, value in conditions.items())


# The capabilities a [[when]] may test (sim/boards.py, Board.capabilities; README.md, "Adding a
# module"): the values a board may have, bool for a yes/no fact, or None for
# module_arena_bytes_below, a bound the board's arena must be under.
WHEN_KEYS = {"core": CORES, "architecture": ARCHITECTURES, "mpu": MPU_KINDS, "fpu": FPUS,
             "fpu_precision": tuple(dict.fromkeys(FPU_PRECISION.values())),
             "module_arena_bytes_below": None, "faults_on_unmapped": bool,
             "faults_past_flash": bool, "mpu_guards_past_flash": bool}


def meets(capabilities: dict[str, Any], conditions: dict[str, Any]) -> bool:
    """Whether a board with these capabilities meets every condition of a [[when]]."""
    for key, wanted in conditions.items():
        if key == "module_arena_bytes_below":
            if not capabilities["module_arena_bytes"] < wanted:
                return False
        elif capabilities[key] != wanted:
            return False
    return True


def merged_expectation(common: dict[str, Any], board: dict[str, Any]) -> dict[str, Any]:
    """[expect.<board>] over [expect], with the default status."""
    return {"status": DEFAULT_STATUS, **common, **board}


def applicable(merged: dict[str, Any]) -> dict[str, Any]:
    """The status and only the keys a run of that status can show."""
    keep = KEYS_FOR_STATUS[merged["status"]]
    return {"status": merged["status"], **{k: v for k, v in merged.items() if k in keep}}


class Checker:
    """Reads values out of one TOML file; each problem is a SetupError naming the file and the
    key. statuses: what `status` may be (EXPECT_STATUSES in a module.toml)."""

    def __init__(self, path: Path, statuses: tuple[str, ...] = EXPECT_STATUSES) -> None:
        self.path = path
        self.statuses = statuses

    def fail(self, key: str, problem: str) -> SetupError:
        return SetupError(f"{self.path}: key '{key}': {problem}")

    def string(self, table: dict[str, Any], key: str, prefix: str = "",
               choices: tuple[str, ...] | None = None) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(prefix + key, f"expected a string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.fail(prefix + key, f"expected one of {', '.join(choices)}; got {value!r}")
        return value

    def integer(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not INT32[0] <= value <= INT32[1]:
            raise self.fail(key, f"expected a 32-bit integer, got {value!r}")
        return value

    def string_list(self, table: dict[str, Any], key: str, prefix: str = "") -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(prefix + key, f"expected a list of strings, got {value!r}")
        return tuple(value)

    def tags(self, table: dict[str, Any], key: str = "tags", prefix: str = "") -> tuple[str, ...]:
        """A list of short identifiers (sim/select.py TAG) that --tag selects by."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(prefix + key, f"expected a list of tags (strings), got {value!r}")
        for tag in value:
            if not TAG.fullmatch(tag):
                raise self.fail(prefix + key, f"{tag!r} is not a tag: lower-case letters, "
                                "digits, '_' and '-', starting with a letter, at most 32 "
                                "characters")
        return tuple(dict.fromkeys(value))

    def unknown(self, table: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise self.fail(prefix + extra[0], f"unknown key (allowed: {', '.join(sorted(allowed))})")


EXPECT_KEYS = {"status", "return", "stdout", "error", "fault"}


def _expect_table(check: Checker, table: Any, prefix: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise check.fail(prefix.rstrip("."), "expected a table")
    check.unknown(table, EXPECT_KEYS, prefix)
    found: dict[str, Any] = {}
    if "status" in table:
        found["status"] = check.string(table, "status", prefix, check.statuses)
    if "return" in table:
        found["return"] = as_int32(check.integer(table["return"], prefix + "return"))
    if "stdout" in table:
        found["stdout"] = check.string(table, "stdout", prefix)
    if "error" in table:  # the loader's error names; a name it never reports could never match
        found["error"] = check.string(table, "error", prefix, JOB_ERRORS)
    if "fault" in table:
        found["fault"] = check.string(table, "fault", prefix, fault_names())
    return found


def _when_tables(check: Checker, tables: Any, common: dict[str, Any]
                 ) -> tuple[tuple[dict[str, Any], dict[str, Any]], ...]:
    """[[when]] tables: capability conditions and the expectation on boards that meet them."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise check.fail("when", "expected [[when]] tables (capability conditions and an expect "
                         "table)")
    found = []
    for number, table in enumerate(tables):
        where = f"when[{number}]."
        check.unknown(table, set(WHEN_KEYS) | {"expect"}, where)
        conditions = {key: _condition(check, where + key, key, value)
                      for key, value in table.items() if key != "expect"}
        if not conditions:
            raise check.fail(where.rstrip("."), f"names no capability (one of "
                             f"{', '.join(sorted(WHEN_KEYS))})")
        expect = _expect_table(check, table.get("expect", {}), where + "expect.")
        status = merged_expectation(common, expect)["status"]
        for key in expect:
            if key != "status" and key not in KEYS_FOR_STATUS[status]:
                raise check.fail(f"{where}expect.{key}", _not_applicable(key, status))
        found.append((conditions, expect))
    return tuple(found)


def read_conditions(check: Checker, table: Any, where: str) -> Conditions:
    """A table of capability conditions, as a [[when]] names them (WHEN_KEYS)."""
    if not isinstance(table, dict):
        raise check.fail(where, "expected a table of capabilities (as in a [[when]])")
    check.unknown(table, set(WHEN_KEYS), where + ".")
    return {key: _condition(check, f"{where}.{key}", key, value) for key, value in table.items()}


def _condition(check: Checker, where: str, key: str, value: Any) -> Any:
    choices = WHEN_KEYS[key]
    if choices is None:  # a byte count
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise check.fail(where, f"expected a whole number of bytes, got {value!r}")
        return value
    if choices is bool:
        if not isinstance(value, bool):
            raise check.fail(where, f"expected true or false, got {value!r}")
        return value
    if value not in choices:
        raise check.fail(where, f"expected one of {', '.join(choices)}; got {value!r}")
    return value


def as_int32(value: int) -> int:
    """An unsigned 32-bit value written in module.toml is the same bits as the int32 return."""
    return value - (1 << 32) if value >= 1 << 31 else value


def read_expectations(check: Checker, data: dict[str, Any], boards: set[str]
                      ) -> tuple[dict[str, Any], WhenTables, dict[str, dict[str, Any]]]:
    """[expect], [[when]] and [expect.<board>] of a table (a module.toml, or one diagnostic in
    firmware/src/diagnostics.toml): what expectation_for takes."""
    common, per_board = _expectations(check, data, boards)
    return common, _when_tables(check, data.get("when", []), common), per_board


def _expectations(check: Checker, data: dict[str, Any], boards: set[str]):
    table = data.get("expect", {})
    if not isinstance(table, dict):
        raise check.fail("expect", "expected a table")
    per_board = {k: v for k, v in table.items() if isinstance(v, dict)}
    for name in per_board:
        if name not in boards:
            raise check.fail(f"expect.{name}", f"no board named {name!r} (boards: "
                             f"{', '.join(sorted(boards))})")
    common = _expect_table(check, {k: v for k, v in table.items() if k not in per_board}, "expect.")
    board_tables = {name: _expect_table(check, t, f"expect.{name}.")
                    for name, t in per_board.items()}
    _check_keys_apply(check, common, board_tables, boards)
    return common, board_tables


def _check_keys_apply(check: Checker, common: dict[str, Any],
                      board_tables: dict[str, dict[str, Any]], boards: set[str]) -> None:
    """A key that no run could be checked against is a mistake: one written in
    [expect.<board>] must apply to that board's status, one in [expect] to some board's
    (inherited keys that do not apply to a board's status are dropped, not refused)."""
    statuses = {name: merged_expectation(common, board_tables.get(name, {}))["status"]
                for name in boards}
    for name, table in board_tables.items():
        for key in table:
            if key != "status" and key not in KEYS_FOR_STATUS[statuses[name]]:
                raise check.fail(f"expect.{name}.{key}", _not_applicable(key, statuses[name]))
    used = {key for status in statuses.values() for key in KEYS_FOR_STATUS[status]}
    for key in common:
        if key != "status" and key not in used:
            status = merged_expectation(common, {})["status"]
            raise check.fail(f"expect.{key}", _not_applicable(key, status))


def _not_applicable(key: str, status: str) -> str:
    fits = [s for s, keys in KEYS_FOR_STATUS.items() if key in keys]
    return (f"never checked: a run with status {status!r} cannot show {key!r} (it applies "
            f"with status {' or '.join(repr(s) for s in fits)})")


def _build_overrides(check: Checker, data: dict[str, Any]) -> BuildOverrides:
    table = data.get("build", {})
    if not isinstance(table, dict):
        raise check.fail("build", "expected a table")
    check.unknown(table, {"cpu", "fpu", "float_abi", "cflags"}, "build.")
    return BuildOverrides(cpu=check.string(table, "cpu", "build.", CORES),
                          fpu=check.string(table, "fpu", "build.", FPUS),
                          float_abi=check.string(table, "float_abi", "build.", FLOAT_ABIS),
                          cflags=check.string_list(table, "cflags", "build."))


def _budget(check: Checker, value: Any) -> int | None:
    """Instructions the module's code may run in the whole job (README, "Adding a module")."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or \
            not BUDGET_MIN_INSTRUCTIONS <= value <= BUDGET_MAX_INSTRUCTIONS:
        raise check.fail("budget", f"expected a whole number of instructions from "
                         f"{BUDGET_MIN_INSTRUCTIONS:,} to {BUDGET_MAX_INSTRUCTIONS:,}, "
                         f"got {value!r}")
    return value


TOP_KEYS = {"description", "kind", "entry", "args", "depends", "exports", "abi", "budget", "tags",
            "build", "benchmark", "expect", "when"}
BENCHMARK_KEYS = {"phase", "per", "against", "title"}
# What a benchmark's cost is divided by: the difference in one of its sizes against the
# baseline module, or its first argument (a count of calls, passes).
BENCHMARK_UNITS = ("fixups", "imports", "first_arg")


@dataclass(frozen=True)
class Benchmark:
    """module.toml [benchmark]: the module exists to measure a phase (README, "Adding a
    module"): its figure heads the trend chart, and with `per` the summary's "On-target
    figures" gives (this phase - against's same phase) / units as `title`."""
    phase: str
    per: str | None = None
    against: str | None = None          # a module name, or diag:<name>
    title: str | None = None


def benchmark_modules(modules: Sequence["Module | ModuleProblem"]) -> list["Module"]:
    """The modules that declare a [benchmark], in name order."""
    return sorted((m for m in modules if isinstance(m, Module) and m.benchmark is not None),
                  key=lambda m: m.name)


def _benchmark(check: Checker, data: dict[str, Any]) -> Benchmark | None:
    table = data.get("benchmark")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise check.fail("benchmark", "expected a table")
    check.unknown(table, BENCHMARK_KEYS, "benchmark.")
    phase = check.string(table, "phase", "benchmark.", TIMING_PHASES)
    if phase is None:
        raise check.fail("benchmark.phase", f"missing: one of {', '.join(TIMING_PHASES)}")
    per = check.string(table, "per", "benchmark.", BENCHMARK_UNITS)
    against = check.string(table, "against", "benchmark.")
    title = check.string(table, "title", "benchmark.")
    if per is not None and (against is None or title is None):
        raise check.fail("benchmark.per", "needs against (the module or diag:<name> it is "
                         "measured against) and title (the figure's name)")
    if per is None and (against is not None or title is not None):
        raise check.fail("benchmark.per", "missing: against and title need per")
    return Benchmark(phase, per, against, title)


C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Diagnostics are reported as diag:<name> (sim/diagnostics.py); no module may pass for one.
RESERVED_PREFIX = "diag:"


def _entry(check: Checker, data: dict[str, Any]) -> str | None:
    """The entry's name: it goes into the job list unquoted, and must name a C function."""
    entry = check.string(data, "entry")
    if entry is not None and not C_IDENTIFIER.fullmatch(entry):
        raise check.fail("entry", f"expected a C function name, got {entry!r}")
    return entry


def _exports(check: Checker, data: dict[str, Any]) -> tuple[str, ...]:
    """Symbol names the module exports besides its entry (C names, or C++ mangled ones)."""
    names = check.string_list(data, "exports")
    for name in names:
        if not C_IDENTIFIER.fullmatch(name):
            raise check.fail("exports", f"expected symbol names, got {name!r}")
    return names


def _kind(check: Checker, data: dict[str, Any]) -> str:
    """module.toml's kind; an application takes none of the keys only a called module uses."""
    kind = check.string(data, "kind", choices=KINDS) or "module"
    if kind == "application":
        for key in NOT_FOR_APPLICATIONS:
            if key in data:
                raise check.fail(key, "not for kind = \"application\": an application image "
                                 "runs alone from its reset handler, which takes no arguments")
    return kind


def _check_name(folder: Path) -> None:
    if folder.name.startswith(RESERVED_PREFIX):
        raise SetupError(f"{folder}: the module name {folder.name!r} would pass for one of the "
                         f"firmware's diagnostics; names starting with {RESERVED_PREFIX!r} are "
                         "theirs")


def load_module(folder: Path, boards: set[str]) -> Module:
    """Read and check folder/module.toml; boards are the board names [expect.X] may use."""
    path = folder / MODULE_FILE
    check = Checker(path)
    try:
        data = tomllib.loads(read_toml_text(path))
    except tomllib.TOMLDecodeError as error:
        raise SetupError(f"{path}: not valid TOML: {error}") from error
    check.unknown(data, TOP_KEYS)
    kind = _kind(check, data)
    entry = _entry(check, data)
    args = data.get("args", [])
    if not isinstance(args, list) or len(args) > 4:
        raise check.fail("args", f"expected a list of up to 4 integers, got {args!r}")
    budget = _budget(check, data.get("budget"))
    sources = tuple(sorted(p for p in folder.iterdir()
                           if p.suffix in SOURCE_SUFFIXES and p.is_file()))
    if not sources:
        raise SetupError(f"{folder}: no C, C++ or assembly sources (files ending in "
                         f"{', '.join(SOURCE_SUFFIXES)})")
    common, when, per_board = read_expectations(check, data, boards)
    return Module(
        name=folder.name, path=folder, sources=sources,
        description=check.string(data, "description") or "",
        kind=kind,
        entry=entry or (APPLICATION_ENTRY if kind == "application" else "module_main"),
        args=tuple(as_int32(check.integer(a, "args")) for a in args),
        depends=check.string_list(data, "depends"), exports=_exports(check, data),
        abi=check.string(data, "abi", choices=ABIS),
        budget=budget, tags=check.tags(data), build=_build_overrides(check, data),
        benchmark=_benchmark(check, data),
        expect=common, expect_boards=per_board, expect_when=when)


@dataclass(frozen=True)
class ModuleProblem:
    """A module folder whose module.toml cannot be used (invalid, unreadable, no sources): the
    run still has it, as an `error` run per board named after the folder (sim/plan.py)."""
    name: str
    path: Path                              # the module's folder
    message: str                            # names the file, the key and the cause


def discover(folders: list[Path], boards: set[str]) -> list[Module | ModuleProblem]:
    """Every module folder (a folder holding module.toml) in the given folders, in order: a
    Module, or a ModuleProblem when its module.toml cannot be used. What no run could report
    (a missing or empty --modules folder, two modules of one name, a name reserved for the
    diagnostics) is a SetupError."""
    found: dict[str, Module | ModuleProblem] = {}
    for folder in folders:
        for toml in _module_files(folder):
            _check_name(toml.parent)
            entry = _load_or_problem(toml.parent, boards)
            if entry.name in found:
                raise SetupError(f"module {entry.name!r} is in both {found[entry.name].path} "
                                 f"and {entry.path}")
            found[entry.name] = entry
    return list(found.values())


def _module_files(folder: Path) -> list[Path]:
    if folder.exists() and not folder.is_dir():
        raise SetupError(f"--modules {folder}: is a file, not a folder of modules")
    if not folder.is_dir():
        raise SetupError(f"--modules {folder}: no such folder")
    found = sorted(folder.glob(f"*/{MODULE_FILE}"))
    if not found:
        raise SetupError(f"--modules {folder}: no modules in {folder} (a module is a folder "
                         f"holding a {MODULE_FILE})")
    return found


def _load_or_problem(folder: Path, boards: set[str]) -> Module | ModuleProblem:
    try:
        return load_module(folder, boards)
    except SetupError as error:
        return ModuleProblem(folder.name, folder, str(error))


def discover_modules(folders: list[Path], boards: set[str]) -> list[Module]:
    """Every module in the given folders, by name; the first module.toml that cannot be used
    is a SetupError (for the callers that need every module usable: fuzzing, tests)."""
    entries = discover(folders, boards)
    for entry in entries:
        if isinstance(entry, ModuleProblem):
            raise SetupError(entry.message)
    return [entry for entry in entries if isinstance(entry, Module)]


JOBLIST_HEADER = FIRMWARE_DIR / "src" / "joblist.h"


def _firmware_define(header: Path, name: str) -> int:
    """A number the firmware #defines: read from its header, so the host and the firmware
    cannot disagree on it."""
    found = re.search(rf"^#define {name} (\d+)\b", header.read_text(), re.MULTILINE)
    if found is None:
        raise SetupError(f"{header}: no '#define {name} <number>'")
    return int(found[1])


# The resident libraries a job may load before its module (firmware/src/joblist.h).
MAX_DEPENDENCIES = _firmware_define(JOBLIST_HEADER, "JOB_MAX_DEPS")


class DependencyError(SimError):
    """A module's dependency is missing or unusable: that module's runs are errors."""


class ModuleIndex:
    """The modules of each folder by name: dependencies are found in their module's folder.
    Built once for a catalogue, so finding them costs the same for 800 modules as for 8."""

    def __init__(self, modules: Sequence[Module | ModuleProblem]) -> None:
        self.folders: dict[Path, dict[str, Module | ModuleProblem]] = {}
        for module in modules:
            self.folders.setdefault(module.path.parent, {})[module.name] = module

    def siblings(self, module: Module) -> dict[str, Module | ModuleProblem]:
        return self.folders.get(module.path.parent, {})


def load_order(module: Module, modules: Sequence[Module | ModuleProblem] | ModuleIndex,
               ) -> list[Module]:
    """module's dependencies, transitively, in the order to load them (each after its own).
    Planning a whole catalogue passes one ModuleIndex for every module."""
    index = modules if isinstance(modules, ModuleIndex) else ModuleIndex(modules)
    siblings = index.siblings(module)
    order: list[Module] = []

    def visit(current: Module) -> None:
        for name in current.depends:
            dependency = siblings.get(name)
            if dependency is None:
                raise DependencyError(f"{current.path / MODULE_FILE}: key 'depends': no module "
                                      f"{name!r} in {current.path.parent}")
            if isinstance(dependency, ModuleProblem):
                raise DependencyError(f"{current.path / MODULE_FILE}: key 'depends': the "
                                      f"dependency {name!r} cannot be used: "
                                      f"{dependency.message}")
            if dependency not in order:
                visit(dependency)
                order.append(dependency)

    visit(module)
    if len(order) > MAX_DEPENDENCIES:
        raise DependencyError(f"{module.path / MODULE_FILE}: key 'depends': {len(order)} modules "
                              f"to load first; the firmware takes at most {MAX_DEPENDENCIES}")
    return order


def check_dependency_cycles(modules: list[Module]) -> None:
    """Refuse a cycle of depends on the host (SetupError naming it); missing names are left to
    load_order, which fails only the modules that need them."""
    index = ModuleIndex(modules)
    cleared: set[int] = set()   # modules no cycle runs through (by id: a walk visits each once)
    for module in modules:
        _walk_for_cycle(module, index.siblings(module), [module.name], cleared)


def _walk_for_cycle(module: Module, siblings: dict[str, Module | ModuleProblem],
                    path: list[str], cleared: set[int]) -> None:
    if id(module) in cleared:
        return
    for name in module.depends:
        if name in path:
            cycle = " -> ".join(path[path.index(name):] + [name])
            raise SetupError(f"{module.path / MODULE_FILE}: key 'depends': dependency cycle "
                             f"{cycle}")
        dependency = siblings.get(name)
        if isinstance(dependency, Module):
            _walk_for_cycle(dependency, siblings, path + [name], cleared)
    cleared.add(id(module))
