"""The firmware's built-in diagnostic jobs and what each must show on a board.

What they are and why each outcome is expected is data: firmware/src/diagnostics.toml, beside
diag.c, read here with module.toml's own expectation code (sim/modules.py), so [expect],
[[when]] by capability and [expect.<board>] mean the same in both.
"""

from __future__ import annotations

import struct
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim import FIRMWARE_DIR
from sim.boards import Board, board_names, expectation_board_names
from sim.errors import SetupError
from sim.jobs import Job
from sim.modules import (DIAGNOSTIC_STATUSES, Checker, Conditions, WhenTables, expectation_for,
                         meets, read_conditions, read_expectations)
from sim.select import DIAGNOSTIC_TAG
from sim.textfiles import read_toml_text

DIAGNOSTICS_FILE = FIRMWARE_DIR / "src" / "diagnostics.toml"
DIAGNOSTIC_KEYS = {"name", "args", "needs", "tags", "expect", "when"}
# Its args are the calls both it and modules/bench_import_calls make (the veneer's baseline).
VENEER_BASELINE = "import_call_direct"


def float_bits(value: float) -> int:
    """The IEEE-754 single-precision bits of value, as the signed int32 the firmware passes
    and returns in a core register (diagnostics.toml's convention for a TOML float)."""
    return struct.unpack("<i", struct.pack("<f", value))[0]


@dataclass(frozen=True)
class Diagnostic:
    name: str                          # diag.c's name; reported as diag:<name>
    args: tuple[int, ...]
    needs: Conditions                  # capabilities the firmware needs to have it
    expect: dict[str, Any]
    when: WhenTables
    per_board: dict[str, dict[str, Any]]
    tags: tuple[str, ...] = ()         # besides DIAGNOSTIC_TAG, which every one carries

    def job(self, board: Board) -> Job:
        expect = expectation_for(self.expect, self.when, self.per_board, board.name,
                                 board.capabilities)
        tags = tuple(dict.fromkeys((DIAGNOSTIC_TAG, *self.tags)))
        return Job(f"diag:{self.name}", "diag", self.name, self.args, expect, tags=tags)


def _bits_for_floats(value: Any) -> Any:
    """diagnostics.toml's convention: a TOML float stands for its single-precision bits."""
    if isinstance(value, float):
        return float_bits(value)
    if isinstance(value, list):
        return [_bits_for_floats(item) for item in value]
    if isinstance(value, dict):
        return {key: _bits_for_floats(item) for key, item in value.items()}
    return value


def _diagnostic(check: Checker, index: int, table: Any, boards: set[str]) -> Diagnostic:
    where = f"diagnostic[{index}]"
    if not isinstance(table, dict):
        raise check.fail(where, "expected a table")
    check.unknown(table, DIAGNOSTIC_KEYS, where + ".")
    name = check.string(table, "name", where + ".")
    if not name:
        raise check.fail(where + ".name", "missing: the diagnostic's name in diag.c")
    table = {**table, **{key: _bits_for_floats(table[key]) for key in ("args", "expect")
                         if key in table},
             "when": [{**w, "expect": _bits_for_floats(w["expect"])}
                      if isinstance(w, dict) and "expect" in w else w
                      for w in table.get("when", [])]}
    args = table.get("args", [])
    if not isinstance(args, list) or len(args) > 4:
        raise check.fail(where + ".args", f"expected a list of up to 4 integers, got {args!r}")
    # The expectation keys are read as a module.toml's, named under this diagnostic.
    named = Checker(f"{check.path}: {where} ({name})", DIAGNOSTIC_STATUSES)
    common, when, per_board = read_expectations(named, table, boards)
    return Diagnostic(name, tuple(check.integer(a, where + ".args") for a in args),
                      read_conditions(check, table.get("needs", {}), where + ".needs"),
                      common, when, per_board, check.tags(table, "tags", where + "."))


@lru_cache(maxsize=8)
def load_diagnostics(boards: frozenset[str], path: Path = DIAGNOSTICS_FILE
                     ) -> tuple[Diagnostic, ...]:
    """Every diagnostic in the file, in its order; boards are the names expect.<board> may use.
    A mistake is a SetupError naming the file and the key."""
    check = Checker(path, DIAGNOSTIC_STATUSES)
    try:
        data = tomllib.loads(read_toml_text(path))
    except tomllib.TOMLDecodeError as error:
        raise SetupError(f"{path}: not valid TOML: {error}") from error
    check.unknown(data, {"diagnostic"})
    tables = data.get("diagnostic")
    if not isinstance(tables, list) or not tables:
        raise check.fail("diagnostic", "expected one or more [[diagnostic]] tables")
    found = tuple(_diagnostic(check, index, table, set(boards))
                  for index, table in enumerate(tables))
    names = [d.name for d in found]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise check.fail("diagnostic", f"{twice!r} is named twice")
    return found


def diagnostic_jobs(board: Board) -> list[Job]:
    """Every diagnostic the board's firmware has, with the expectation for this board."""
    diagnostics = load_diagnostics(frozenset(expectation_board_names(board.path.parent)))
    return [d.job(board) for d in diagnostics if meets(board.capabilities, d.needs)]


def veneer_bench_calls() -> int:
    """The calls diag:import_call_direct makes (its first argument), as bench_import_calls
    makes them through a veneer: the divisor of the veneer's cost per call."""
    diagnostics = load_diagnostics(frozenset(board_names()))
    return next(d.args[0] for d in diagnostics if d.name == VENEER_BASELINE)
