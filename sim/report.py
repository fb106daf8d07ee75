"""The reports for a person, from the same runs as results.json: summary.md (Markdown tables,
sim/tables.py) and faults.md (a section per abnormal run)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sim.baseline import EQUAL, NEW, REGRESSED, VERDICTS, Change, Comparison, regression_clause
from sim.boards import Board
from sim.cores import CORE_FACTS
from sim.footprint import LOADER_FLASH_BUDGET
from sim.modules import Module
from sim.outdir import write_atomically
from sim.results import TIMING_PHASES, FaultInfo, RunResult, TimeoutInfo
from sim.stdoutdiff import short_diff
from sim.tables import markdown_table
from sim.timing import TIMING_UNIT


def _expected_text(run: RunResult) -> str:
    expected = dict(run.expected)
    status = expected.pop("status", "?")
    if "stdout" in expected:
        expected["stdout"] = f"{len(expected['stdout'])} chars"
    details = ", ".join(f"{key}={value}" for key, value in expected.items())
    return f"{status} ({details})" if details else status


def _observed_text(run: RunResult, detail: bool = False) -> str:
    """detail: say why a refusal happened (the board tables); the matrix keeps to names."""
    if run.status == "ok":
        return f"ok {run.return_value}"
    if run.fault is not None:
        return f"fault {run.fault.name}"
    if run.status == "rejected":
        why = f" ({run.error_detail})" if detail and run.error_detail else ""
        return f"rejected {run.error}{why}"
    if run.build_error is not None:
        return f"error ({run.build_error['reason']})"
    return run.status


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _matrix(runs: list[RunResult], boards: list[Board]) -> str:
    """Module x board: what each run showed, and whether that met its expectation."""
    cells = {(run.module, run.board): run for run in runs}
    modules = list(dict.fromkeys(run.module for run in runs))
    rows = []
    for module in modules:
        row = [module]
        for board in boards:
            run = cells.get((module, board.name))
            row.append("" if run is None else
                       f"{_observed_text(run)} {'✓' if run.ok else '✗ **MISSED**'}")
        rows.append(row)
    return markdown_table(rows, ["module", *[b.name for b in boards]])


SAME_EXPECTATION = "**same expectation, different outcome**"


def _decided_by(runs: list[RunResult]) -> str:
    """Why a module's outcome differs between boards: the capabilities (or board tables) that
    changed its expectation, with the boards they did it on (the rest expect [expect]); when
    every board expected the same, a finding."""
    if all(run.expected == runs[0].expected for run in runs):
        return SAME_EXPECTATION
    reasons: dict[str, list[str]] = {}
    for run in runs:
        for reason in run.expected_by:
            reasons.setdefault(reason, []).append(run.board)
    return "; ".join(f"{reason}: {', '.join(boards)}" for reason, boards in reasons.items())


def _cross_board(runs: list[RunResult], boards: list[Board]) -> str:
    """Module x board for each module whose outcome differs between boards, and the capability
    that decides it ([[when]] conditions, "board" for [expect.<board>])."""
    cells = {(run.module, run.board): run for run in runs}
    rows = []
    for module in dict.fromkeys(run.module for run in runs):
        present = [cells[(module, b.name)] for b in boards if (module, b.name) in cells]
        if len({_observed_text(run) for run in present}) < 2:
            continue
        row = [module]
        for board in boards:
            run = cells.get((module, board.name))
            row.append("" if run is None else
                       f"{_observed_text(run)} {'✓' if run.ok else '✗ **MISSED**'}")
        rows.append(row + [_decided_by(present)])
    if not rows:
        return "Every module shows the same outcome on every board."
    return markdown_table(rows, ["module", *[b.name for b in boards], "decided by"])


def _board_table(runs: list[RunResult]) -> str:
    rows = []
    for run in runs:
        sizes = run.sizes or {}
        rows.append([run.module, "yes" if run.ok else "**NO**", _expected_text(run),
                     _observed_text(run, detail=True), ", ".join(run.unresolved),
                     _cell(sizes.get("file")),
                     "/".join(str(sizes[k]) for k in ("text", "data", "bss")) if sizes else "",
                     _cell(sizes.get("text_before_gc")),
                     *[_cell(run.timing.get(p)) for p in TIMING_PHASES],
                     *_stop_columns(_stopped_at(run)), _cell(run.boot)])
    headers = ["module", "met", "expected", "observed", "unresolved", "file B",
               "text/data/bss B", "text before gc B", *TIMING_PHASES, "fault at", "location", "boot"]
    return markdown_table(rows, headers)


def _resolution_table(runs: list[RunResult]) -> str:
    """Per module: what the target bound against what the host oracle predicted."""
    rows = []
    for run in runs:
        if not run.imports and run.image_crc is None:
            continue
        resolved = sum(i["address"] is not None for i in run.imports)
        wrong = [i["name"] for i in run.imports if not i["ok"]]
        crc = run.image_crc
        rows.append([run.module, len(run.imports), resolved, ", ".join(run.unresolved),
                     ", ".join(wrong) or "none",
                     "—" if crc is None else "agree" if crc["ok"] else "**DIFFER**"])
    return markdown_table(rows, ["module", "imports", "resolved", "unresolved", "mismatches",
                           "image CRC"])


def _resolution_across_boards(runs: list[RunResult], boards: list[Board]) -> str:
    """The same module against each board's firmware: resolved / imported, and what is missing;
    rows where the boards differ are marked."""
    cells = {(run.module, run.board): run for run in runs if run.imports}
    modules = list(dict.fromkeys(module for module, _ in cells))
    rows = []
    for module in modules:
        row, seen = [module], set()
        for board in boards:
            run = cells.get((module, board.name))
            if run is None:
                row.append("")
                continue
            resolved = sum(i["address"] is not None for i in run.imports)
            missing = ", ".join(run.unresolved)
            seen.add((resolved, missing))
            row.append(f"{resolved}/{len(run.imports)}" + (f" (missing {missing})" if missing else ""))
        row.append("**differs**" if len(seen) > 1 else "")
        rows.append(row)
    return markdown_table(rows, ["module", *[b.name for b in boards], ""])


NO_DEBUG_INFO = "no debug info"   # where a release image without its debug ELF cannot name


def _stop_columns(stop: FaultInfo | TimeoutInfo | None) -> tuple[str, str]:
    """The board table's "fault at" and "location": function+offset (the raw pc where no
    symbol names it in an image without debug info) and file:line, or "no debug info"."""
    if stop is None:
        return "", ""
    at = stop.symbol or ("" if stop.debug_info or stop.pc is None else f"{stop.pc:#010x}")
    return at, stop.location or ("" if stop.debug_info else NO_DEBUG_INFO)


def _stopped_at(run: RunResult) -> FaultInfo | TimeoutInfo | None:
    """Where the job's code stopped abnormally: its fault, or where its budget ran out."""
    return run.fault or run.timeout


def _fault_place(run: RunResult) -> str | None:
    """Where it faulted or was stopped, or, for a jump into nowhere, where the jump came
    from: 'function+offset (file:line)'."""
    stop = _stopped_at(run)
    if stop is None:
        return None
    if stop.location or stop.symbol or not stop.debug_info:
        return _place(stop.pc, stop.symbol, stop.location, stop.debug_info)
    caller = _place(stop.lr, stop.lr_symbol, stop.lr_location, stop.lr_debug_info)
    return f"called from {caller}" if caller else None


def _place(address: int | None, symbol: str | None, location: str | None,
           debug_info: bool) -> str | None:
    """'function+offset (file:line)'; in an ELF without debug info, what it has and "no debug
    info" for the rest, the raw address standing in for a missing symbol."""
    if not debug_info:
        location = location or NO_DEBUG_INFO
        symbol = symbol or (None if address is None else f"{address:#010x}")
    if symbol and location:
        return f"{symbol} ({location})"
    return symbol or location


def _outcome_name(run: RunResult) -> str:
    """The fault's name, 'timeout after N instructions', or the status."""
    if run.fault is not None:
        return run.fault.name
    if run.timeout is not None:
        budget = run.timeout.budget
        return (f"timeout after {budget:,} instructions" if budget is not None else
                "timeout (the firmware's default budget)")
    return run.status


def _fault_cell(run: RunResult) -> str:
    expected = run.expected.get("fault") or run.expected.get("status", "?")
    observed = run.fault.name if run.fault else run.status
    where = _fault_place(run)
    cell = _outcome_name(run) if expected == observed else \
        f"expected {expected}, got **{_outcome_name(run)}**"
    return f"{cell} @ {where}" if where else cell


def _fault_matrix(runs: list[RunResult], boards: list[Board]) -> str:
    """Module x board for every run that was expected to, or did, end abnormally."""
    abnormal = {"fault", "timeout", "lockup", "reset", "hang"}
    cells = {(run.module, run.board): run for run in runs}
    modules = list(dict.fromkeys(run.module for run in runs
                                 if run.status in abnormal or run.expected.get("status") in abnormal))
    rows = [[module, *[_fault_cell(cells[(module, b.name)]) if (module, b.name) in cells else ""
                       for b in boards]] for module in modules]
    return markdown_table(rows, ["module", *[b.name for b in boards]])


def baseline_table(changes: list[Change]) -> str:
    missing = "—"   # a new figure has no baseline value, a gone one no value now
    rows = [[c.figure, missing if c.before is None else c.before,
             missing if c.after is None else c.after, c.change_text(),
             f"{100 * c.threshold:g}%", "**REGRESSED**" if c.verdict == REGRESSED else c.verdict]
            for c in changes]
    return markdown_table(rows, ["figure", "baseline", "now", "change", "threshold", "verdict"])


def _verdict_counts(comparison: Comparison) -> str:
    counts = comparison.counts()
    return ", ".join(f"{counts[name]} {name}" for name in VERDICTS if counts[name])


def baseline_lines(comparison: Comparison | None) -> list[str]:
    """The comparison with the baseline, for the console and summary.md alike: the count per
    verdict, what the baseline has never seen, and a row per figure that is not equal (new
    figures of a board or module the baseline has never seen are counted, not listed)."""
    if comparison is None:
        return ["No baseline (reports/baseline.json); `python -m sim baseline --update` "
                "writes one."]
    counts = comparison.counts()
    if counts[EQUAL] == len(comparison.figures):
        return [f"Every tracked figure of this run equals the baseline ({counts[EQUAL]} "
                "figures)."]
    lines = [f"{len(comparison.figures)} tracked figures compared: {_verdict_counts(comparison)}"
             " (regressed: grew past its threshold; new: no baseline value; gone: the "
             "baseline has it, this run's run of it made none)."]
    if comparison.unseen_boards or comparison.unseen_modules:
        lines.append("The baseline has never seen " + "; ".join(
            f"{what} {', '.join(names)}" for what, names in (
                ("boards", comparison.unseen_boards), ("modules", comparison.unseen_modules))
            if names) + ": their figures are all new.")
    boards, modules = set(comparison.unseen_boards), set(comparison.unseen_modules)
    shown = [c for c in comparison.listed()
             if not (c.verdict == NEW and (c.board in boards or c.module in modules))]
    return lines + (["", baseline_table(shown)] if shown else [])


def _baseline_section(comparison: Comparison | None) -> list[str]:
    return ["## Against the baseline", "", *baseline_lines(comparison), ""]


def run_headline(runs: list[RunResult], comparison: Comparison | None,
                 boards: int | None = None) -> str:
    """The run in one line, for the console, summary.md, the CI step summary: "76 runs, 76
    met their expectation, 0 missed; 2 figures regressed past their threshold (...)"."""
    met = sum(run.ok for run in runs)
    on_boards = "" if boards is None else f" on {boards} boards"
    return (f"{len(runs)} runs{on_boards}, {met} met their expectation, {len(runs) - met} "
            f"missed{regression_clause(comparison)}")


def _per_unit(slow: RunResult | None, fast: RunResult | None, phase: str,
              units: int | None) -> str:
    """(slow - fast) instructions in phase, per unit of work; '—' without both runs, or
    without the phase's figures (a firmware that times nothing: examples/minimal_firmware)."""
    if slow is None or fast is None or not units or slow.status != "ok" or fast.status != "ok":
        return "—"
    if slow.timing[phase] is None or fast.timing[phase] is None:
        return "—"
    return f"{(slow.timing[phase] - fast.timing[phase]) / units:.2f}"


def _count(run: RunResult | None, name: str) -> int | None:
    if run is None or run.sizes is None:
        return None
    return run.sizes[name]


def _median(values: list[float]) -> float | None:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None


def _units(benchmark: Module, run: RunResult | None, against: RunResult | None) -> int | None:
    """What the benchmark's cost is divided by (module.toml [benchmark] per)."""
    per = benchmark.benchmark.per if benchmark.benchmark else None
    if per == "first_arg":
        return benchmark.args[0] if benchmark.args else None
    if per is None:
        return None
    return (_count(run, per) or 0) - (_count(against, per) or 0)


def _benchmarks(runs: list[RunResult], boards: list[Board], benchmarks: Sequence[Module]) -> str:
    """Per board, each benchmark's cost per unit against its baseline run (module.toml
    [benchmark] per, against, title), and the arena figures of every module run."""
    measured = [m for m in benchmarks if m.benchmark is not None and m.benchmark.per]
    rows = []
    for board in boards:
        by = {run.module: run for run in runs if run.board == board.name}
        costs = []
        for module in measured:
            spec = module.benchmark
            assert spec is not None and spec.against is not None
            run, against = by.get(module.name), by.get(spec.against)
            costs.append(_per_unit(run, against, spec.phase, _units(module, run, against)))
        sized = [run.sizes for run in by.values() if run.sizes]
        overhead = _median([s["file"] / max(1, s["text"] + s["data"]) for s in sized])
        held = _median([s["arena"] - s["text"] - s["data"] - s["bss"] for s in sized
                        if "arena" in s])
        held_in_all = _median([s["arena_held"] for s in sized if "arena_held" in s])
        rows.append([board.name, *costs,
                     "—" if overhead is None else f"{overhead:.2f}",
                     "—" if held is None else int(held),
                     "—" if held_in_all is None else int(held_in_all)])
    headers = ["board", *(m.benchmark.title for m in measured if m.benchmark),
               "module file / raw text+data (median)",
               "arena bytes per module beyond text+data+bss (median)",
               "arena bytes held per module, padding included (median)"]
    return markdown_table(rows, headers)


def _benchmarks_intro(benchmarks: Sequence[Module]) -> str:
    said = [f"{m.benchmark.title} ({m.name} against {m.benchmark.against}, {m.benchmark.phase})"
            for m in benchmarks if m.benchmark is not None and m.benchmark.per]
    return ("From the benchmark modules (module.toml [benchmark]): " + "; ".join(said) + "."
            if said else "No module declares a [benchmark] with a cost per unit.")


def miss_explanation(run: RunResult) -> tuple[str, list[str]]:
    """Why a run missed, for a person: one line (what it expected against what it showed, and
    what the run says: the build problem, the fault or timeout and where, the unresolved
    names, the error), and the lines to show under it (the rest of a compiler's or packer's
    message, a short diff of stdout)."""
    parts = list(run.mismatches)
    below: list[str] = []
    if run.build_error is not None:
        headline, *below = run.build_error["message"].splitlines()
        parts.append(f"{run.build_error['reason']} error: {headline.rstrip(':')}")
    elif _stopped_at(run) is not None:
        where = _fault_place(run)
        kind = "fault " if run.fault is not None else ""
        parts.append(f"{kind}{_outcome_name(run)}" + (f" at {where}" if where else ""))
    elif run.error and not (run.error == "unresolved" and run.unresolved):  # said below
        parts.append(run.error.splitlines()[0] +
                     (f" ({run.error_detail})" if run.error_detail else ""))
    if run.unresolved:
        parts.append(f"unresolved: {', '.join(run.unresolved)}")
    expected_stdout = run.expected.get("stdout")
    if expected_stdout is not None and run.stdout != expected_stdout:
        below += ["stdout (- expected, + got):", *short_diff(expected_stdout, run.stdout)]
    return "; ".join(parts), below


# Reading, checking and placing a module (the load phase) may cost this many instructions per
# byte of module file; zeroing its bss adds at most one per bss byte (README.md, "On-target
# figures"). tests/sim/test_load_speed.py holds the catalogue to it.
LOAD_INSTRUCTIONS_PER_FILE_BYTE = 12
# ARMv6-M's Thumb-1 takes more instructions for the same checks (no shifted-register
# addressing, no 32-bit data processing): a load's fixed cost is about 700 instructions there
# against about 600, so files under about 110 bytes pass 12 a byte (8.35 the median, 14.44 the
# worst: counted_loop, 88 bytes, on the Cortex-M0).
LOAD_INSTRUCTIONS_PER_FILE_BYTE_THUMB1 = 15


def load_instructions_goal(core: str) -> int:
    """The load phase's goal in instructions per byte of module file on this core."""
    thumb1 = CORE_FACTS[core].architecture == "ARMv6-M"
    return LOAD_INSTRUCTIONS_PER_FILE_BYTE_THUMB1 if thumb1 else LOAD_INSTRUCTIONS_PER_FILE_BYTE


def load_per_file_byte(run: RunResult) -> float | None:
    """The run's load instructions per byte of the module files it loaded (its libraries' too,
    when sizes has "loaded"); None when the load did not finish."""
    load = run.timing.get("load")
    if run.status != "ok" or not isinstance(load, int) or not run.sizes:
        return None
    return load / run.sizes.get("loaded", run.sizes["file"])


def _load_speed(runs: list[RunResult], boards: list[Board]) -> list[str]:
    """Load instructions per byte of module file: per module and board, then the median and
    the worst per board."""
    figures = {(run.module, run.board): load_per_file_byte(run) for run in runs}
    modules = [m for m in dict.fromkeys(run.module for run in runs)
               if any(figures.get((m, b.name)) is not None for b in boards)]
    rows = [[module, *["" if figures.get((module, b.name)) is None else
                       f"{figures[(module, b.name)]:.2f}" for b in boards]] for module in modules]
    lines = ["### Load speed", "",
             f"The load phase (read, check, place: FORMAT.md) in instructions per byte of the "
             f"module files it read, a module's libraries' included; goal ≤ "
             f"{LOAD_INSTRUCTIONS_PER_FILE_BYTE} ({LOAD_INSTRUCTIONS_PER_FILE_BYTE_THUMB1} on "
             f"ARMv6-M). It also zeroes the module's bss, about half "
             f"an instruction a byte, so a module whose bss is many times its file shows more.",
             ""]
    for board in boards:
        ranked = sorted((value, module) for (module, name), value in figures.items()
                        if name == board.name and value is not None)
        if ranked:
            median = _median([value for value, _ in ranked])
            lines.append(f"- {board.name}: median {median:.2f}, worst {ranked[-1][0]:.2f} "
                         f"({ranked[-1][1]}), over {len(ranked)} modules")
    return lines + ["", markdown_table(rows, ["module", *[b.name for b in boards]]), ""]


def _missed_section(runs: list[RunResult]) -> list[str]:
    missed = [run for run in runs if not run.ok]
    if not missed:
        return []
    lines = ["## Missed expectations", ""]
    for run in missed:
        why, below = miss_explanation(run)
        log = f"log: `{run.log}`" if run.log else "never booted"
        lines.append(f"- **{run.board} / {run.module}**: {why} ({log})")
        if below:
            lines += ["", "  ```", *[f"  {line}" for line in below], "  ```", ""]
    return lines + [""]


def _footprint_table(footprints: dict[str, dict[str, int | None]]) -> str:
    rows = [[board, f["loader_bytes"], f["flash_bytes"], f["ram_bytes"], f["module_arena_bytes"]]
            for board, f in footprints.items()]
    return markdown_table(rows, ["board", f"loader bytes (goal ≤ {LOADER_FLASH_BUDGET})",
                           "firmware flash bytes", "RAM bytes (incl. arena)",
                           "module arena bytes"])


def _library_table(library: dict[str, dict[str, int]]) -> str:
    rows = [[core, sizes["text_bytes"], sizes["strerror_bytes"],
             sizes["text_bytes"] + sizes["strerror_bytes"]] for core, sizes in library.items()]
    return markdown_table(rows, ["core", f"loader.c bytes (goal ≤ {LOADER_FLASH_BUDGET})",
                                 "loader_strerror.c bytes (error names)", "library bytes"])


# A board without an MPU (README.md, "What is contained on a part without an MPU").
NO_MPU_NOTE = ("**No MPU** ({core}, {architecture}, no unprivileged mode): faults, timeouts, "
               "the ABI checks and the loader's checks are contained; memory isolation is not. "
               "Module code runs privileged and can read and write all memory (the firmware's "
               "RAM included), system registers and peripherals, and can reach the host "
               "through semihosting.")


def _containment_note(board: Board) -> list[str]:
    """What the board cannot contain, as a paragraph; nothing for a board with an MPU."""
    if board.capabilities["mpu"] != "none":
        return []
    core = CORE_FACTS[board.cpu.core]
    return [NO_MPU_NOTE.format(core=core.name, architecture=core.architecture), ""]


def render_summary(runs: list[RunResult], boards: list[Board],
                   footprints: dict[str, dict[str, int | None]], commit: str | None,
                   comparison: Comparison | None = None, interruption: str | None = None,
                   benchmarks: Sequence[Module] = (),
                   library: dict[str, dict[str, int]] | None = None) -> str:
    """interruption: how to head a run a signal stopped ("INTERRUPTED by SIGINT after ...");
    benchmarks: the run's modules that declare a [benchmark]; library: the loader library's
    sizes built alone, per core (results.json's "library")."""
    title = f"# Simulation summary: {interruption}" if interruption else "# Simulation summary"
    lines = [title, "",
             f"commit `{commit or 'unknown'}`: {run_headline(runs, comparison, len(boards))}.",
             ""]
    lines += _missed_section(runs)
    lines += ["## Outcomes", "", _matrix(runs, boards), ""]
    lines += ["## Across boards", "",
              "Each module whose outcome differs between boards, and what decides it on each: "
              "the `[[when]]` capabilities (or `board`, for `[expect.<board>]`) that changed its "
              f"expectation, and on which boards (the others expect `[expect]`). "
              f"{SAME_EXPECTATION} means every "
              "board expected the same and they still differ: a finding to explain.", "",
              _cross_board(runs, boards), ""]
    lines += ["## Fault matrix", "",
              "Expected against observed for runs that fault, time out, lock up or reset, with "
              "where: function+offset (file:line), for a timeout where its budget ran out.", "", _fault_matrix(runs, boards), ""]
    lines += ["## Symbol resolution across boards", "",
              "Imports the target resolved out of those the module has, per board.", "",
              _resolution_across_boards(runs, boards), ""]
    for board in boards:
        board_runs = [run for run in runs if run.board == board.name]
        lines += [f"## {board.name}", "", f"{board.description}; QEMU machine "
                  f"`{board.qemu_machine}`; float ABI {board.cpu.float_abi}. Times in "
                  f"{TIMING_UNIT}.", "", *_containment_note(board),
                  _board_table(board_runs), "", f"### {board.name}: symbol resolution, target "
                  "against host oracle", "", _resolution_table(board_runs), ""]
    lines += ["## On-target figures", "", _benchmarks_intro(benchmarks), "",
              _benchmarks(runs, boards, benchmarks), ""]
    lines += _load_speed(runs, boards)
    lines += ["## Firmware footprint", "", _footprint_table(footprints), ""]
    if library:
        lines += ["### The loader library built alone", "",
                  "firmware/loader/ compiled by itself for each core the boards use, with the "
                  "firmware's flags: code and read-only data (`loader/<core>/library.*` in the "
                  "baseline).", "", _library_table(library), ""]
    lines += _baseline_section(comparison)
    return "\n".join(lines)


def write_report(path: Path, text: str) -> None:
    write_atomically(path, text)


ABNORMAL = ("fault", "timeout", "lockup", "reset", "hang")


def _where(address: int | None, symbol: str | None, location: str | None,
           debug_info: bool) -> str:
    if address is None:
        return "not recorded"
    named = ", ".join(part for part in (symbol, location or ("" if debug_info else NO_DEBUG_INFO))
                      if part)
    return f"`{address:#010x}`" + (f" = {named}" if named else "")


def _pc_and_lr(stop: FaultInfo | TimeoutInfo) -> list[str]:
    return [f"- pc: {_where(stop.pc, stop.symbol, stop.location, stop.debug_info)}",
            f"- lr: {_where(stop.lr, stop.lr_symbol, stop.lr_location, stop.lr_debug_info)}"]


def _fault_entry(run: RunResult) -> list[str]:
    expected = _expected_text(run)
    verdict = "as expected" if run.ok else f"**missed**: {'; '.join(run.mismatches)}"
    lines = [f"## {run.board} / {run.module}: {_outcome_name(run)}", "",
             f"- outcome: {run.status}; expected {expected}; {verdict}"]
    if run.fault is not None:
        fault = run.fault
        address = f"; fault address `{fault.address:#010x}`" if fault.address is not None else ""
        lines += [f"- status bits: {', '.join(fault.bits) or 'none'} (CFSR `{fault.cfsr:#010x}`, "
                  f"HFSR `{fault.hfsr:#010x}`){address}",
                  *_pc_and_lr(fault)]
    if run.timeout is not None:
        stop = run.timeout
        budget = "the firmware's default" if stop.budget is None else \
            f"{stop.budget:,} instructions"
        lines += [f"- budget: {budget} of the job's code, spent; stopped by SysTick",
                  *_pc_and_lr(stop)]
    if run.error:
        lines.append(f"- {run.error}")
    lines.append(f"- boot {run.boot}, log `{run.log}`")
    return lines + [""]


def render_fault_report(runs: list[RunResult]) -> str:
    """reports/faults.md: every run that ended abnormally or was expected to, in detail."""
    chosen = [run for run in runs
              if run.status in ABNORMAL or run.expected.get("status") in ABNORMAL]
    lines = ["# Fault report", "",
             f"{len(chosen)} runs faulted, timed out, locked up, reset or hung (or were expected "
             "to). pc and lr are mapped to function+offset and file:line in the module's ELF, or "
             "the firmware's (or its --firmware-debug ELF's) when they point there; \"no debug "
             "info\" where a stripped firmware image has nothing to name them with.", ""]
    for run in chosen:
        lines += _fault_entry(run)
    return "\n".join(lines)
