"""The fuzzer's escape rules (sim/fuzz.py's docstring), on run results made by hand: which
outcomes, CRC cases, oracle disagreements and known-good differences are escapes."""

from __future__ import annotations

import dataclasses

import pytest

from sim.fuzz import Mutant, judge
from sim.module_format import HEADER, with_crc
from sim.results import RunResult

GOOD_FILE = with_crc(bytearray(HEADER.size + 8))          # its CRC is right
BAD_CRC_FILE = GOOD_FILE[:-1] + b"\x01"                  # one byte changed after the CRC


def mutant(data: bytes = GOOD_FILE) -> Mutant:
    return Mutant(0, "seed", "flip_bits", "made by hand", False, None, data)


def run(status: str = "ok", **fields: object) -> RunResult:
    result = RunResult(board="b", module="m", boot=1, status=status, ok=True, expected={},
                       return_value=5 if status == "ok" else None,
                       timing={"load": 10, "link": 20, "init": 0, "run": 30, "unload": 5},
                       image_crc={"target": 0x1234, "expected": 0x1234, "ok": True})
    return dataclasses.replace(result, **fields)


ALONE = run()


@pytest.mark.parametrize("status", ["ok", "rejected", "fault", "timeout"])
def test_a_contained_outcome_is_no_escape(status: str) -> None:
    assert judge(mutant(), run(status), ALONE, ALONE).kinds == ()


@pytest.mark.parametrize("status", ["lockup", "hang", "reset", "error"])
def test_any_other_outcome_is_an_escape_of_its_kind(status: str) -> None:
    assert judge(mutant(), run(status), ALONE, ALONE).kinds == (status,)


def test_a_wrong_crc_must_be_refused_at_or_before_the_crc_check() -> None:
    assert judge(mutant(BAD_CRC_FILE), run("rejected", error="bad_crc"), ALONE, ALONE).kinds == ()
    assert judge(mutant(BAD_CRC_FILE), run("rejected", error="truncated"), ALONE,
                 ALONE).kinds == ()
    assert judge(mutant(BAD_CRC_FILE), run("ok"), ALONE, ALONE).kinds == ("crc_ignored",)
    assert judge(mutant(BAD_CRC_FILE), run("rejected", error="unresolved"), ALONE,
                 ALONE).kinds == ("crc_ignored",)


def test_a_file_too_short_for_a_crc_must_be_refused() -> None:
    short = mutant(b"CMOD")
    assert judge(short, run("rejected", error="truncated"), ALONE, ALONE).kinds == ()
    assert judge(short, run("fault"), ALONE, ALONE).kinds == ("crc_ignored",)


def test_disagreements_about_a_rejected_file_are_not_escapes_but_a_linked_images_crc_is() -> None:
    refused = ["import puts: target bound unresolved, host expected 0x080008c3",
               "the target took a module file the host oracle cannot read (bad utf-8)"]
    verdict = judge(mutant(), run("rejected", error="unresolved", link_mismatches=refused),
                    ALONE, ALONE)
    assert verdict.kinds == ()
    linked_dep = ["dependency 0: image CRC: target 0x00000001, host expected 0x00000002"]
    verdict = judge(mutant(), run("rejected", error="unresolved",
                                  link_mismatches=refused + linked_dep), ALONE, ALONE)
    assert verdict.kinds == ("oracle",) and verdict.disagreements == tuple(linked_dep)


@pytest.mark.parametrize("status", ["ok", "fault", "timeout"])
def test_every_disagreement_counts_when_the_code_ran(status: str) -> None:
    lines = ["import free: target bound 0x08000ed1, host expected 0x08000f01"]
    verdict = judge(mutant(), run(status, link_mismatches=lines), ALONE, ALONE)
    assert verdict.kinds == ("oracle",) and verdict.disagreements == tuple(lines)


@pytest.mark.parametrize("change", [
    {"return_value": 6}, {"stdout": "extra"}, {"status": "fault"},
    {"timing": {"load": 10, "link": 21, "init": 0, "run": 30, "unload": 5}},
    {"image_crc": {"target": 0x4321, "expected": 0x4321, "ok": True}},
    {"mismatches": ["return: expected 5, got 6"]},
])
def test_any_difference_in_the_known_good_module_after_a_mutant_is_an_escape(
        change: dict[str, object]) -> None:
    verdict = judge(mutant(), run("rejected", error="bad_crc"), run(**change), ALONE)
    assert verdict.kinds == ("next_module",) and verdict.next_module
