"""The target's link against the host oracle's prediction: every import the firmware bound and
the CRC of every linked image, for the module and each resident library before it."""

from __future__ import annotations

import struct

from sim.jobs import Job
from sim.oracle import ModuleFile, Placement, predict_bindings, predict_image_crc
from sim.protocol import JobTranscript, LinkTranscript
from sim.results import RunResult
from sim.target import Target


def _compare_file(module: ModuleFile, link: LinkTranscript, unresolved: list[str],
                  target: Target, residents: tuple[Placement, ...],
                  ) -> tuple[list[dict[str, object]], dict[str, object] | None]:
    """One module file's imports and image CRC, target against the host oracle."""
    assert link.load is not None
    expected = predict_bindings(target.exports, module, residents)
    imports = []
    for name, predicted in expected.items():
        bound = None if name in unresolved else link.bindings.get(name)
        imports.append({"name": name, "address": bound, "expected": predicted,
                        "ok": bound == predicted})
    crc = None
    if link.linked is not None:
        predicted_crc = predict_image_crc(module, link.load.int("base"), link.load.int("data"),
                                          expected)
        actual = link.linked.int("crc")
        crc = {"target": actual, "expected": predicted_crc, "ok": actual == predicted_crc}
    return imports, crc


def _disagreements(imports: list[dict[str, object]], crc: dict[str, object] | None,
                   prefix: str = "") -> list[str]:
    found = [f"{prefix}import {i['name']}: target bound {_hex(i['address'])}, host expected "
             f"{_hex(i['expected'])}" for i in imports if not i["ok"]]
    if crc is not None and not crc["ok"]:
        found.append(f"{prefix}image CRC: target {crc['target']:#010x}, host expected "
                     f"{crc['expected']:#010x}")
    return found


def _oracle_reads(path: str, result: RunResult, prefix: str = "") -> ModuleFile | None:
    """The module file as the oracle reads it; None, and a disagreement on the run, when the
    oracle cannot read a file the target took (a malformed one, from the fuzzer)."""
    try:
        return ModuleFile.read(path)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as error:
        result.link_mismatches.append(f"{prefix}the target took a module file the host oracle "
                                      f"cannot read ({error})")
        return None


def compare_link(result: RunResult, job: Job, seen: JobTranscript, target: Target) -> None:
    """Set the run's imports and image CRC, target against the host oracle; the resident
    libraries it loaded first are checked the same way, each against those before it."""
    if job.kind != "module":
        return
    residents: tuple[Placement, ...] = ()
    for index, path in enumerate(job.deps):
        link = seen.deps.get(index)
        if link is None or link.load is None:
            return
        dep = _oracle_reads(path, result, f"dependency {index}: ")
        if dep is None:
            return
        if link.link_ran:
            imports, crc = _compare_file(dep, link, seen.unresolved, target, residents)
            result.link_mismatches += _disagreements(imports, crc, f"dependency {index}: ")
        residents += (Placement(dep, link.load.int("base"), link.load.int("data")),)
    link = seen.module
    if link.load is None or not (link.link_ran or seen.unresolved):
        return
    module = _oracle_reads(job.target, result)
    if module is None:
        return
    result.imports, result.image_crc = _compare_file(module, link, seen.unresolved, target,
                                                     residents)
    result.link_mismatches += _disagreements(result.imports, result.image_crc)


def _hex(value: int | None) -> str:
    return "unresolved" if value is None else f"{value:#010x}"
