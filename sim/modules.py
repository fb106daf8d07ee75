"""Module folders: discovery and module.toml (the keys in README.md, "Adding a module").

An unknown key or a bad value is a SetupError naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.boards import CORES, FLOAT_ABIS, FPUS
from sim.errors import SetupError, SimError
from sim.jobs import LOADER_ERRORS, Expectation, fault_names
from sim.textfiles import read_toml_text
from sim.timing import BUDGET_MAX_INSTRUCTIONS, BUDGET_MIN_INSTRUCTIONS

MODULE_FILE = "module.toml"
SOURCE_SUFFIXES = (".c", ".S")
EXPECT_STATUSES = ("ok", "rejected", "fault", "timeout", "lockup", "reset")
ABIS = ("tems",)
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
    args: tuple[int, ...] = ()
    depends: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()           # besides the entry (README, "Adding a module")
    abi: str | None = None
    budget: int | None = None
    build: BuildOverrides = BuildOverrides()
    expect: dict[str, Any] = field(default_factory=dict)           # [expect]
    expect_boards: dict[str, dict[str, Any]] = field(default_factory=dict)  # [expect.<board>]

    def expectation(self, board: str) -> Expectation:
        """[expect.<board>] merged over [expect]. `return` only counts with status ok, `error`
        with rejected and `fault` with fault, so a board that overrides the status to
        "rejected" does not inherit the other boards' return value."""
        merged = {**self.expect, **self.expect_boards.get(board, {})}
        status = merged.get("status", "ok")
        return Expectation(status=status,
                           return_value=merged.get("return") if status == "ok" else None,
                           stdout=merged.get("stdout"),
                           error=merged.get("error") if status == "rejected" else None,
                           fault=merged.get("fault") if status == "fault" else None)


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

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

    def unknown(self, table: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise self.fail(prefix + extra[0], f"unknown key (allowed: {', '.join(sorted(allowed))})")


EXPECT_KEYS = {"status", "return", "stdout", "error", "fault"}


def _expect_table(check: _Checker, table: Any, prefix: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise check.fail(prefix.rstrip("."), "expected a table")
    check.unknown(table, EXPECT_KEYS, prefix)
    found: dict[str, Any] = {}
    if "status" in table:
        found["status"] = check.string(table, "status", prefix, EXPECT_STATUSES)
    if "return" in table:
        found["return"] = _as_int32(check.integer(table["return"], prefix + "return"))
    if "stdout" in table:
        found["stdout"] = check.string(table, "stdout", prefix)
    if "error" in table:  # the loader's error names; a name it never reports could never match
        found["error"] = check.string(table, "error", prefix, LOADER_ERRORS)
    if "fault" in table:
        found["fault"] = check.string(table, "fault", prefix, fault_names())
    return found


def _as_int32(value: int) -> int:
    """An unsigned 32-bit value written in module.toml is the same bits as the int32 return."""
    return value - (1 << 32) if value >= 1 << 31 else value


def _expectations(check: _Checker, data: dict[str, Any], boards: set[str]):
    table = data.get("expect", {})
    if not isinstance(table, dict):
        raise check.fail("expect", "expected a table")
    per_board = {k: v for k, v in table.items() if isinstance(v, dict)}
    for name in per_board:
        if name not in boards:
            raise check.fail(f"expect.{name}", f"no board named {name!r} (boards: "
                             f"{', '.join(sorted(boards))})")
    common = _expect_table(check, {k: v for k, v in table.items() if k not in per_board}, "expect.")
    return common, {name: _expect_table(check, t, f"expect.{name}.") for name, t in per_board.items()}


def _build_overrides(check: _Checker, data: dict[str, Any]) -> BuildOverrides:
    table = data.get("build", {})
    if not isinstance(table, dict):
        raise check.fail("build", "expected a table")
    check.unknown(table, {"cpu", "fpu", "float_abi", "cflags"}, "build.")
    return BuildOverrides(cpu=check.string(table, "cpu", "build.", CORES),
                          fpu=check.string(table, "fpu", "build.", FPUS),
                          float_abi=check.string(table, "float_abi", "build.", FLOAT_ABIS),
                          cflags=check.string_list(table, "cflags", "build."))


def _budget(check: _Checker, value: Any) -> int | None:
    """Instructions the module's code may run in the whole job (README, "Adding a module")."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or \
            not BUDGET_MIN_INSTRUCTIONS <= value <= BUDGET_MAX_INSTRUCTIONS:
        raise check.fail("budget", f"expected a whole number of instructions from "
                         f"{BUDGET_MIN_INSTRUCTIONS:,} to {BUDGET_MAX_INSTRUCTIONS:,}, "
                         f"got {value!r}")
    return value


TOP_KEYS = {"description", "entry", "args", "depends", "exports", "abi", "budget", "build",
            "expect"}


C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Diagnostics are reported as diag:<name> (sim/diagnostics.py); no module may pass for one.
RESERVED_PREFIX = "diag:"


def _entry(check: _Checker, data: dict[str, Any]) -> str | None:
    """The entry's name: it goes into the job list unquoted, and must name a C function."""
    entry = check.string(data, "entry")
    if entry is not None and not C_IDENTIFIER.fullmatch(entry):
        raise check.fail("entry", f"expected a C function name, got {entry!r}")
    return entry


def _exports(check: _Checker, data: dict[str, Any]) -> tuple[str, ...]:
    """Symbol names the module exports besides its entry (C names, or C++ mangled ones)."""
    names = check.string_list(data, "exports")
    for name in names:
        if not C_IDENTIFIER.fullmatch(name):
            raise check.fail("exports", f"expected symbol names, got {name!r}")
    return names


def _check_name(folder: Path) -> None:
    if folder.name.startswith(RESERVED_PREFIX):
        raise SetupError(f"{folder}: the module name {folder.name!r} would pass for one of the "
                         f"firmware's diagnostics; names starting with {RESERVED_PREFIX!r} are "
                         "theirs")


def load_module(folder: Path, boards: set[str]) -> Module:
    """Read and check folder/module.toml; boards are the board names [expect.X] may use."""
    path = folder / MODULE_FILE
    check = _Checker(path)
    try:
        data = tomllib.loads(read_toml_text(path))
    except tomllib.TOMLDecodeError as error:
        raise SetupError(f"{path}: not valid TOML: {error}") from error
    check.unknown(data, TOP_KEYS)
    _check_name(folder)
    entry = _entry(check, data)
    args = data.get("args", [])
    if not isinstance(args, list) or len(args) > 4:
        raise check.fail("args", f"expected a list of up to 4 integers, got {args!r}")
    budget = _budget(check, data.get("budget"))
    sources = tuple(sorted(p for p in folder.iterdir()
                           if p.suffix in SOURCE_SUFFIXES and p.is_file()))
    if not sources:
        raise SetupError(f"{folder}: no C or assembly sources (*.c, *.S)")
    common, per_board = _expectations(check, data, boards)
    return Module(
        name=folder.name, path=folder, sources=sources,
        description=check.string(data, "description") or "",
        entry=entry or "module_main",
        args=tuple(_as_int32(check.integer(a, "args")) for a in args),
        depends=check.string_list(data, "depends"), exports=_exports(check, data),
        abi=check.string(data, "abi", choices=ABIS),
        budget=budget, build=_build_overrides(check, data),
        expect=common, expect_boards=per_board)


def discover_modules(folders: list[Path], boards: set[str]) -> list[Module]:
    """Every module folder (a folder holding module.toml) in the given folders, by name."""
    modules: dict[str, Module] = {}
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise SetupError(f"--modules {folder}: is a file, not a folder of modules")
        if not folder.is_dir():
            raise SetupError(f"--modules {folder}: no such folder")
        found = sorted(folder.glob(f"*/{MODULE_FILE}"))
        if not found:
            raise SetupError(f"--modules {folder}: no modules in {folder} (a module is a folder "
                             f"holding a {MODULE_FILE})")
        for toml in found:
            module = load_module(toml.parent, boards)
            if module.name in modules:
                raise SetupError(f"module {module.name!r} is in both {modules[module.name].path} "
                                 f"and {module.path}")
            modules[module.name] = module
    return list(modules.values())


MAX_DEPENDENCIES = 4  # the firmware's JOB_MAX_DEPS


class DependencyError(SimError):
    """A module's dependency is missing or unusable: that module's runs are errors."""


def _siblings(module: Module, modules: list[Module]) -> dict[str, Module]:
    """Dependencies are found in the same folder of modules."""
    return {m.name: m for m in modules if m.path.parent == module.path.parent}


def load_order(module: Module, modules: list[Module]) -> list[Module]:
    """module's dependencies, transitively, in the order to load them (each after its own)."""
    siblings = _siblings(module, modules)
    order: list[Module] = []

    def visit(current: Module) -> None:
        for name in current.depends:
            dependency = siblings.get(name)
            if dependency is None:
                raise DependencyError(f"{current.path / MODULE_FILE}: key 'depends': no module "
                                      f"{name!r} in {current.path.parent}")
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
    for module in modules:
        siblings = _siblings(module, modules)
        path = [module.name]
        _walk_for_cycle(module, siblings, path)


def _walk_for_cycle(module: Module, siblings: dict[str, Module], path: list[str]) -> None:
    for name in module.depends:
        if name in path:
            cycle = " -> ".join(path[path.index(name):] + [name])
            raise SetupError(f"{module.path / MODULE_FILE}: key 'depends': dependency cycle "
                             f"{cycle}")
        if name in siblings:
            _walk_for_cycle(siblings[name], siblings, path + [name])
