"""reports/summary.md: tables for a person, made with tabulate from the same runs as results.json."""

from __future__ import annotations

from pathlib import Path

from tabulate import tabulate

from sim.boards import Board
from sim.results import TIMING_UNIT, RunResult

FLASH_SECTIONS = (".isr_vector", ".text", ".ARM.exidx", ".exports", ".data")
RAM_SECTIONS = (".stack", ".data", ".bss", ".noinit", ".module_arena")


def footprint(sections: dict[str, int], board: Board) -> dict[str, int]:
    """Firmware size figures from its ELF section sizes."""
    return {
        "flash_bytes": sum(sections.get(name, 0) for name in FLASH_SECTIONS),
        "ram_bytes": sum(sections.get(name, 0) for name in RAM_SECTIONS),
        "module_arena_bytes": board.module_arena_bytes,
    }


def _expected_text(run: RunResult) -> str:
    expected = dict(run.expected)
    status = expected.pop("status", "?")
    details = ", ".join(f"{key}={value!r}" for key, value in expected.items())
    return f"{status} ({details})" if details else status


def _observed_text(run: RunResult) -> str:
    if run.status == "ok":
        return f"ok (return={run.return_value})"
    if run.fault is not None:
        return f"fault {run.fault.name}"
    return f"{run.status} ({run.error})" if run.error else run.status


def _ticks(value: int | None) -> str:
    return "" if value is None else str(value)


def _board_table(runs: list[RunResult]) -> str:
    rows = [[run.module, "yes" if run.ok else "**NO**", _expected_text(run), _observed_text(run),
             run.fault.symbol if run.fault else "", run.fault.location if run.fault else "",
             _ticks(run.timing.get("run")), "" if run.boot is None else run.boot] for run in runs]
    headers = ["module", "met", "expected", "observed", "fault at", "location",
               f"run ({TIMING_UNIT})", "boot"]
    return tabulate(rows, headers, tablefmt="github")


def _missed_section(runs: list[RunResult]) -> list[str]:
    missed = [run for run in runs if not run.ok]
    if not missed:
        return []
    lines = ["## Missed expectations", ""]
    for run in missed:
        lines.append(f"- **{run.board} / {run.module}**: {'; '.join(run.mismatches)} "
                     f"(log: `{run.log}`)")
    return lines + [""]


def _footprint_table(footprints: dict[str, dict[str, int]]) -> str:
    rows = [[board, f["flash_bytes"], f["ram_bytes"], f["module_arena_bytes"]]
            for board, f in footprints.items()]
    return tabulate(rows, ["board", "flash bytes", "RAM bytes (incl. arena)", "module arena bytes"],
                    tablefmt="github")


def render_summary(runs: list[RunResult], boards: list[Board],
                   footprints: dict[str, dict[str, int]], commit: str | None) -> str:
    met = sum(run.ok for run in runs)
    lines = ["# Simulation summary", "",
             f"commit `{commit or 'unknown'}`: {len(runs)} runs on {len(boards)} boards, "
             f"{met} met their expectation, {len(runs) - met} missed.", ""]
    lines += _missed_section(runs)
    for board in boards:
        board_runs = [run for run in runs if run.board == board.name]
        lines += [f"## {board.name}", "", f"{board.description}; QEMU machine "
                  f"`{board.qemu_machine}`; float ABI {board.cpu.float_abi}.", "",
                  _board_table(board_runs), ""]
    lines += ["## Firmware footprint", "", _footprint_table(footprints), ""]
    return "\n".join(lines)


def write_summary(path: Path, text: str) -> None:
    path.write_text(text)
