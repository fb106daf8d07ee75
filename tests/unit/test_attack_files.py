"""The hostile catalogue's attack.toml files (tests/sim/attacks.py): runs, arguments and the
errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.boards import load_boards
from sim.modbuild import build_module
from sim.modules import Module, discover_modules, load_module
from tests.sim.attacks import (HOSTILE_DIR, Attack, AttackFileError, MissingSymbol, Place,
                               as_int32, load_attacks, resolve, symbols_needed)

BOARDS = load_boards()
BOARD_NAMES = {board.name for board in BOARDS}


def _module(tmp_path: Path, attack: str | None, toml: str = 'description = "x"\n') -> Module:
    """A module folder "probe" with this module.toml and attack.toml (if any)."""
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "probe.c").write_text("int module_main(void) { return 0; }\n")
    (folder / "module.toml").write_text(toml)
    if attack is not None:
        (folder / "attack.toml").write_text(attack)
    return load_module(folder, BOARD_NAMES)


def _attacks(module: Module) -> list[Attack]:
    return load_attacks(module, BOARD_NAMES)


def test_without_an_attack_file_the_module_runs_once_with_its_args(tmp_path: Path) -> None:
    [attack] = _attacks(_module(tmp_path, None, 'description = "x"\nargs = [5, 3]\n'))
    assert (attack.name, [attack.args_for(board) for board in BOARD_NAMES]) == (
        "probe", [(5, 3)] * len(BOARD_NAMES))


def test_each_makes_one_run_per_value(tmp_path: Path) -> None:
    attacks = _attacks(_module(tmp_path, '[[job]]\nname = "svc{each}"\nargs = ["each", 1]\n'
                                         'each = [2, 4]\n'))
    assert [(a.name, a.args) for a in attacks] == [
        ("probe.svc2", (2, 1)), ("probe.svc3", (3, 1)), ("probe.svc4", (4, 1))]


def test_board_args_and_expectations(tmp_path: Path) -> None:
    listed, *others = sorted(BOARD_NAMES)
    module = _module(tmp_path, f'[[job]]\nname = "rcc"\nargs_by_board = {{ {listed} = [7] }}\n'
                               'expect.stdout = "id={job_id} before={previous_job_id}"\n',
                     'description = "x"\n[expect]\nstatus = "ok"\nreturn = 1\n')
    [attack] = _attacks(module)
    assert attack.args_for(listed) == (7,)
    assert all(attack.args_for(board) is None for board in others)
    expect = attack.expectation(listed, Place(4, 3, 5))
    assert (expect.status, expect.return_value, expect.stdout) == ("ok", 1, "id=000004 before=000003")


def test_a_boards_own_expectation_goes_over_the_runs(tmp_path: Path) -> None:
    listed, *others = sorted(BOARD_NAMES)
    module = _module(tmp_path, '[[job]]\nname = "zero"\nexpect.status = "fault"\n'
                               'expect.fault = "MemManage.IACCVIOL"\n'
                               f'expect_by_board.{listed}.fault = "UsageFault.INVSTATE"\n')
    [attack] = _attacks(module)
    assert attack.expectation(listed, Place(1, 0, 2)).fault == "UsageFault.INVSTATE"
    assert {attack.expectation(board, Place(1, 0, 2)).fault for board in others} <= {
        "MemManage.IACCVIOL"}


@pytest.mark.parametrize("text, named", [
    ('[[job]]\nname = "a"\nargz = [1]\n', "job[0].argz"),
    ('[[job]]\nname = "a"\nargs = [1.5]\n', "job[0].args"),
    ('[[job]]\nname = "a"\nargs = ["no such-thing"]\n', "job[0].args"),
    ('[[job]]\nname = "a"\nargs = [1, 2, 3, 4, 5]\n', "job[0].args"),
    ('[[job]]\nname = "a"\nargs_by_board = { no_such_board = [1] }\n',
     "job[0].args_by_board.no_such_board"),
    ('[[job]]\nname = "a"\neach = [1, 2]\n', "job[0]"),
    ('[[job]]\nname = "a{each}"\nargs = [1]\n', "job[0]"),
    ('[[job]]\nname = "a{each}"\nargs = ["each"]\neach = [2, 1]\n', "job[0].each"),
    ('[[job]]\nname = "a"\nexpect.status = "fine"\n', "job[0].expect.status"),
    ('[[job]]\nname = "a"\nexpect_by_board.no_such_board.fault = "X"\n',
     "job[0].expect_by_board.no_such_board"),
    ('[[job]]\nname = "a"\ndefines = { lower = 1 }\n', "job[0].defines"),
    ('[[job]]\nname = "a"\n[[job]]\nname = "a"\n', "'probe.a' more than once"),
    ('job = 1\n', "key 'job'"),
    ('[[job]\n', "not valid TOML"),
])
def test_a_bad_attack_file_names_the_file_and_the_key(tmp_path: Path, text: str,
                                                      named: str) -> None:
    with pytest.raises(AttackFileError) as error:
        _attacks(_module(tmp_path, text))
    assert str(tmp_path / "probe" / "attack.toml") in str(error.value)
    assert named in str(error.value)


def test_symbols_resolve_from_an_elf(tmp_path: Path) -> None:
    """Against a real ELF: a module's, whose symbol table has its own names."""
    board = BOARDS[0]
    module = _module(tmp_path, '[[job]]\nname = "a"\nargs = ["module_main+0x10", "job_id"]\n')
    elf = build_module(board, module, tmp_path / "build").elf
    [attack] = _attacks(module)
    place = Place(6, 5, 7)
    base = resolve("module_main", elf, place)
    assert [resolve(a, elf, place) for a in attack.args] == [base + 0x10, 6]
    assert symbols_needed(attack, board.name) == ["module_main"]
    with pytest.raises(MissingSymbol):
        resolve("no_such_symbol", elf, place)


def test_addresses_above_2_to_the_31_pass_as_negative_int32() -> None:
    assert (as_int32(0xE000ED08), as_int32(-1), as_int32(0x7FFFFFFF)) == (-0x1FFF12F8, -1,
                                                                         0x7FFFFFFF)


def test_every_attack_file_of_the_catalogue_reads() -> None:
    for module in discover_modules([HOSTILE_DIR], BOARD_NAMES):
        assert _attacks(module)
