"""The hostile catalogue's attack files (hostile/README.md): the jobs each hostile module makes,
with the arguments and defines the test works out for each board and each place in the batch.

A hostile module's folder may hold attack.toml beside module.toml. Without one the module makes
one job with module.toml's args. With one, each [[job]] is a run of the module:

    [[job]]
    name = "line_len"                  # the run is reported as "<module>.<name>"
    args = ["line_len", 120]           # see Arg below
    args_by_board = { netduinoplus2 = [0x40023830] }   # instead of args, on that board
    defines = { ADDRESS = "heap_next" }  # -DADDRESS=<value>: for code that gets no args
    each = [2, 255]                    # one run per value, "each" in args/defines/name
    [job.expect]                       # over module.toml's [expect]; stdout may use
    stdout = "@end id={job_id}\\n"     # {job_id} {previous_job_id} {next_job_id}
    [job.expect_by_board.netduinoplus2]  # over [job.expect], on that board
    fault = "MemManage.IACCVIOL"

An Arg is an integer, a firmware symbol ("line", "__stack_top-16", "job_call_ctx+0x40"; its
address in the board's firmware ELF), one of the job ids in JOB_ID_WORDS (the runner names jobs
by their place in the batch), or "each".
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from sim import REPO_ROOT
from sim.jobs import Expectation, batch_job_id
from sim.modules import EXPECT_KEYS, EXPECT_STATUSES, Module

HOSTILE_DIR = REPO_ROOT / "hostile"
SENTINEL = "sentinel"            # the well-behaved module in HOSTILE_DIR; every other one attacks
ATTACK_FILE = "attack.toml"
JOB_ID_WORDS = ("job_id", "previous_job_id", "next_job_id")
EACH = "each"
JOB_KEYS = {"name", "args", "args_by_board", "defines", "each", "expect", "expect_by_board"}
# "name", "name+16", "name-0x40"
_SYMBOL_EXPRESSION = re.compile(r"(?P<name>[A-Za-z_.$][\w.$]*)"
                                r"(?:(?P<sign>[+-])(?P<offset>0x[0-9a-fA-F]+|\d+))?")
_DEFINE_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")

Arg = Union[int, str]


class AttackFileError(Exception):
    """attack.toml is unusable; the message names the file and the key."""


class MissingSymbol(Exception):
    """An argument names a symbol the board's firmware ELF does not have."""

    def __init__(self, name: str, elf: Path) -> None:
        super().__init__(f"symbol {name!r} is not in {elf}")
        self.name = name


@dataclass(frozen=True)
class Place:
    """Where a run sits in its batch: the ids the runner gives it and its neighbours."""
    job_id: int
    previous_job_id: int
    next_job_id: int

    def words(self) -> dict[str, int]:
        return {word: getattr(self, word) for word in JOB_ID_WORDS}

    def ids(self) -> dict[str, str]:
        """The job ids as the runner writes them (what a forged record must name)."""
        return {word: batch_job_id(index) for word, index in self.words().items()}


@dataclass(frozen=True)
class Attack:
    """One run of a hostile module, its arguments not yet resolved."""
    name: str                                  # "<module>" or "<module>.<job>"
    module: Module
    args: tuple[Arg, ...]
    args_by_board: dict[str, tuple[Arg, ...]]
    defines: tuple[tuple[str, Arg], ...]
    expect: dict[str, Any]                     # over module.toml's [expect], on every board
    expect_by_board: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def args_for(self, board: str) -> tuple[Arg, ...] | None:
        """The board's arguments; None when the attack has none for that board."""
        if board in self.args_by_board:
            return self.args_by_board[board]
        return None if self.args_by_board and not self.args else self.args

    def expectation(self, board: str, place: Place,
                    capabilities: dict[str, Any] | None = None) -> Expectation:
        """module.toml's expectation for the board, with this run's overrides, stdout filled
        in with the run's job ids."""
        overrides = {**self.expect, **self.expect_by_board.get(board, {})}
        if "stdout" in overrides:
            overrides["stdout"] = overrides["stdout"].format(**place.ids())
        merged = dataclasses.replace(
            self.module, expect={**self.module.expect, **overrides},
            expect_boards={b: {**e, **overrides} for b, e in self.module.expect_boards.items()})
        return merged.expectation(board, capabilities)


def load_attacks(module: Module, boards: set[str]) -> list[Attack]:
    """The runs a hostile module makes (one, with module.toml's args, without attack.toml);
    boards are the names args_by_board may use."""
    path = module.path / ATTACK_FILE
    if not path.is_file():
        return [Attack(module.name, module, module.args, {}, (), {})]
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise AttackFileError(f"{path}: not valid TOML: {error}") from error
    extra = sorted(set(data) - {"job"})
    if extra:
        raise AttackFileError(f"{path}: key '{extra[0]}': unknown (allowed: job)")
    tables = data.get("job")
    if not isinstance(tables, list) or not tables:
        raise AttackFileError(f"{path}: key 'job': expected one or more [[job]] tables")
    attacks = [attack for index, table in enumerate(tables)
               for attack in _job(path, module, index, table, boards)]
    names = [attack.name for attack in attacks]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise AttackFileError(f"{path}: key 'job': the run name {twice[0]!r} more than once")
    return attacks


def _job(path: Path, module: Module, index: int, table: Any, boards: set[str]) -> list[Attack]:
    """The runs one [[job]] table makes: one, or one per value of `each`."""
    where = f"{path}: key 'job[{index}]"
    if not isinstance(table, dict):
        raise AttackFileError(f"{where}': expected a table")
    extra = sorted(set(table) - JOB_KEYS)
    if extra:
        raise AttackFileError(f"{where}.{extra[0]}': unknown (allowed: "
                              f"{', '.join(sorted(JOB_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[\w{}-]+", name):
        raise AttackFileError(f"{where}.name': expected a word, got {name!r}")
    args_by_board = {board: _args(f"{where}.args_by_board.{board}'", items)
                     for board, items in _by_board(where, table, "args_by_board", "[args]",
                                                   boards).items()}
    expect_by_board = {board: _expect(f"{where}.expect_by_board.{board}", items)
                       for board, items in _by_board(where, table, "expect_by_board",
                                                     "{expect}", boards).items()}
    template = Attack(
        f"{module.name}.{name}", module, _args(f"{where}.args'", table.get("args", [])),
        args_by_board,
        _defines(f"{where}.defines'", table.get("defines", {})),
        _expect(f"{where}.expect", table.get("expect", {})), expect_by_board)
    values = _each(f"{where}.each'", table.get("each"))
    items = [*template.args, *(i for a in template.args_by_board.values() for i in a),
             *(value for _, value in template.defines)]
    if not (values is not None) == (EACH in items) == ("{each}" in name):
        raise AttackFileError(f"{where}': 'each' goes with \"each\" among the args or defines "
                              "and {each} in the name, and each of them with the others")
    return [template] if values is None else [_with_each(template, value) for value in values]


def _by_board(where: str, table: dict[str, Any], key: str, shape: str,
              boards: set[str]) -> dict[str, Any]:
    """A table keyed by board name (args_by_board, expect_by_board), its boards checked."""
    by_board = table.get(key, {})
    if not isinstance(by_board, dict):
        raise AttackFileError(f"{where}.{key}': expected a table of board = {shape}")
    unknown = sorted(set(by_board) - boards)
    if unknown:
        raise AttackFileError(f"{where}.{key}.{unknown[0]}': no such board (boards: "
                              f"{', '.join(sorted(boards))})")
    return by_board


def _with_each(template: Attack, value: int) -> Attack:
    """The template's run for one value of `each`."""
    def fill(items: tuple[Arg, ...]) -> tuple[Arg, ...]:
        return tuple(value if item == EACH else item for item in items)
    return dataclasses.replace(
        template, name=template.name.replace("{each}", str(value)), args=fill(template.args),
        args_by_board={board: fill(items) for board, items in template.args_by_board.items()},
        defines=tuple((key, fill((item,))[0]) for key, item in template.defines))


def _arg(where: str, item: Any) -> Arg:
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise AttackFileError(f"{where}: expected integers and names, got {item!r}")
    if isinstance(item, int) and not -(1 << 31) <= item < 1 << 32:
        raise AttackFileError(f"{where}: {item} is not a 32-bit value")
    if isinstance(item, str) and item not in (*JOB_ID_WORDS, EACH) \
            and not _SYMBOL_EXPRESSION.fullmatch(item):
        raise AttackFileError(f"{where}: {item!r} is not a symbol, symbol+offset or job id")
    return item


def _args(where: str, items: Any) -> tuple[Arg, ...]:
    if not isinstance(items, list) or len(items) > 4:
        raise AttackFileError(f"{where}: expected a list of up to 4 arguments, got {items!r}")
    return tuple(_arg(where, item) for item in items)


def _defines(where: str, table: Any) -> tuple[tuple[str, Arg], ...]:
    if not isinstance(table, dict):
        raise AttackFileError(f"{where}: expected a table of NAME = value")
    for key in table:
        if not _DEFINE_NAME.fullmatch(key):
            raise AttackFileError(f"{where}: {key!r} is not an upper-case macro name")
    return tuple((key, _arg(where, value)) for key, value in sorted(table.items()))


def _expect(where: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise AttackFileError(f"{where}': expected a table")
    extra = sorted(set(table) - EXPECT_KEYS)
    if extra:
        raise AttackFileError(f"{where}.{extra[0]}': unknown (allowed: "
                              f"{', '.join(sorted(EXPECT_KEYS))})")
    if "status" in table and table["status"] not in EXPECT_STATUSES:
        raise AttackFileError(f"{where}.status': expected one of {', '.join(EXPECT_STATUSES)}")
    if "return" in table and not isinstance(table["return"], int):
        raise AttackFileError(f"{where}.return': expected an integer")
    for key in ("stdout", "error", "fault"):
        if key in table and not isinstance(table[key], str):
            raise AttackFileError(f"{where}.{key}': expected a string")
    found = dict(table)
    if "return" in found:
        found["return"] = as_int32(found["return"])
    return found


def _each(where: str, value: Any) -> list[int] | None:
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2 or
            not all(isinstance(v, int) and not isinstance(v, bool) for v in value) or
            value[0] > value[1]):
        raise AttackFileError(f"{where}: expected [first, last], got {value!r}")
    return list(range(value[0], value[1] + 1))


def as_int32(value: int) -> int:
    """A job argument as the firmware parses it (int32): addresses above 2^31 wrap."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def firmware_symbols(elf: Path) -> dict[str, int]:
    """Every named symbol of the firmware ELF (static ones too) by name; a name given to two
    different addresses is left out (resolve() then reports it as missing)."""
    return _symbols(elf, elf.stat().st_mtime_ns)


@lru_cache(maxsize=None)
def _symbols(elf: Path, modified_ns: int) -> dict[str, int]:
    """firmware_symbols, read once per version of the file."""
    found: dict[str, set[int]] = {}
    with open(elf, "rb") as handle:
        table = ELFFile(handle).get_section_by_name(".symtab")
        if isinstance(table, SymbolTableSection):
            for symbol in table.iter_symbols():
                if symbol.name and symbol["st_info"]["type"] in ("STT_OBJECT", "STT_NOTYPE",
                                                                   "STT_FUNC"):
                    found.setdefault(symbol.name, set()).add(symbol["st_value"])
    return {name: values.pop() for name, values in found.items() if len(values) == 1}


def resolve(item: Arg, elf: Path, place: Place) -> int:
    """An argument's value for this board's firmware and this place in the batch (int32)."""
    if isinstance(item, int):
        return as_int32(item)
    if item in JOB_ID_WORDS:
        return place.words()[item]
    match = _SYMBOL_EXPRESSION.fullmatch(item)
    assert match is not None, item  # checked when the file was read
    symbols = firmware_symbols(elf)
    if match["name"] not in symbols:
        raise MissingSymbol(match["name"], elf)
    offset = int(match["offset"], 0) if match["offset"] else 0
    return as_int32(symbols[match["name"]] + (offset if match["sign"] != "-" else -offset))


def symbols_needed(attack: Attack, board: str) -> list[str]:
    """The firmware symbols the attack's arguments and defines name on the board."""
    items = [*(attack.args_for(board) or ()), *(value for _, value in attack.defines)]
    return [match["name"] for item in items if isinstance(item, str)
            and item not in (*JOB_ID_WORDS, EACH)
            and (match := _SYMBOL_EXPRESSION.fullmatch(item)) is not None]
