"""report.html: the run as one self-contained page (README.md, "Reading the reports"), from the
same runs and footprints as results.json and summary.md.

Nothing on the page reaches the network: the CSS, the few lines of script and the trend chart
(inline SVG, sim/trend_chart.py) are all in the file, and links go only to the run's own log
folders, relative to the report folder. Every text that comes from a module, a file or a tool
is HTML-escaped. Each run's detail is a closed <details> element, so a page of thousands of
runs opens at once and shows the matrix first.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Sequence

from sim.baseline import (BASELINE_FILE, REGRESSED, VERDICTS, Comparison, baseline_history,
                          headline_figures, tracked_figures)
from sim.boards import Board
from sim.errors import SetupError
from sim.footprint import LOADER_FLASH_BUDGET
from sim.junit import xml_safe_text
from sim.modules import Module
from sim.report import miss_explanation, run_headline
from sim.results import FaultInfo, RunResult, TimeoutInfo
from sim.timing import TIMING_PHASES, TIMING_UNIT
from sim.trend_chart import trend_svg

STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#222;max-width:110em}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
h3{font-size:1.05em}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.met{background:#e8f5e9} td.missed{background:#fdecea;font-weight:bold}
td.none{background:#fafafa}
td a{color:inherit;text-decoration:none}
.headline{font-size:1.1em} .bad{color:#b71c1c;font-weight:bold} .good{color:#1b5e20}
details.run{margin:2px 0;border:1px solid #ddd;padding:2px 6px}
details.run[open]{background:#fcfcfc}
details.missed>summary{color:#b71c1c}
pre{background:#f6f6f6;padding:4px;overflow-x:auto;max-height:30em;font-size:.85em}
.scroll{overflow-x:auto}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:.9em}
dt{font-weight:bold}
"""

# Opens the run a link points at (a matrix cell, a miss), and filters the matrix; the page
# reads the same without it.
SCRIPT = """
function openTarget() {
  var target = document.getElementById(location.hash.slice(1));
  for (var node = target; node; node = node.parentElement) {
    if (node.tagName === 'DETAILS') node.open = true;
  }
  if (target) target.scrollIntoView();
}
window.addEventListener('hashchange', openTarget);
openTarget();
var matrix = document.getElementById('matrix');
var cells = matrix.querySelectorAll('td.run');
document.getElementById('matrix-count').textContent =
  cells.length + ' runs in the matrix, ' + matrix.querySelectorAll('td.missed').length + ' missed';
document.getElementById('only-missed').addEventListener('change', function (event) {
  matrix.querySelectorAll('tbody tr').forEach(function (row) {
    row.hidden = event.target.checked && !row.querySelector('td.missed');
  });
});
"""


def text(value: object) -> str:
    """Any value as HTML text: escaped, and with characters no page should carry (control
    characters a module printed) written as \\xHH."""
    return escape(xml_safe_text(str(value)), quote=True)


def _hex(value: int | None) -> str:
    return "—" if value is None else f"{value:#010x}"


def run_anchor(index: int) -> str:
    """The id of the index-th run's detail (module names may hold characters ids should not)."""
    return f"run-{index}"


def observed_text(run: RunResult) -> str:
    """What the run showed, in a few words: ok and its return value, the fault, the refusal,
    the build problem, or the status."""
    if run.status == "ok":
        return f"ok {run.return_value}"
    if run.fault is not None:
        return f"fault {run.fault.name}"
    if run.timeout is not None:
        return "timeout"
    if run.build_error is not None:
        return f"error ({run.build_error['reason']})"
    if run.error:
        return _shortened(f"{run.status} {run.error.splitlines()[0]}")
    return run.status


MATRIX_TEXT = 60   # characters of a harness error's message in a matrix cell; the detail has all


def _shortened(line: str) -> str:
    return line if len(line) <= MATRIX_TEXT else line[:MATRIX_TEXT - 1] + "…"


def _mark(run: RunResult) -> str:
    return "✓" if run.ok else "✗ MISSED"


def _headline(runs: list[RunResult], boards: list[Board], document: dict[str, Any],
              comparison: Comparison | None) -> str:
    """summary.md's headline (sim/report.py run_headline), red when a run missed or a figure
    regressed."""
    stopped = (f'<p class="bad">INTERRUPTED by {text(document.get("signal"))}: only the runs '
               f'that finished are here.</p>' if document.get("interrupted") else "")
    failed = any(not run.ok for run in runs) or bool(comparison and comparison.regressed)
    return (f'{stopped}<p class="headline {"bad" if failed else "good"}">commit '
            f'<code>{text(document.get("commit") or "unknown")}</code>: '
            f'{text(run_headline(runs, comparison, len(boards)))}.</p>')


# More misses than this (a broken firmware misses everything) start folded, so the matrix
# stays near the top of the page.
MISSES_SHOWN_OPEN = 20


def _missed_list(runs: list[RunResult]) -> str:
    items = []
    for index, run in enumerate(runs):
        if not run.ok:
            why, _ = miss_explanation(run)
            items.append(f'<li><a href="#{run_anchor(index)}"><b>{text(run.board)} / '
                         f'{text(run.module)}</b></a>: {text(why)}</li>')
    if not items:
        return ""
    shown = " open" if len(items) <= MISSES_SHOWN_OPEN else ""
    return (f'<h2 id="missed">Missed expectations</h2><details{shown}><summary>{len(items)} runs '
            f'missed</summary><ul>{"".join(items)}</ul></details>')


def matrix_html(runs: list[RunResult], boards: list[Board]) -> str:
    """Module x board: one cell per run (class "run", and "met" or "missed"), linking to the
    run's detail; an empty cell where the module did not run on that board."""
    index_of = {(run.module, run.board): index for index, run in enumerate(runs)}
    head = "".join(f"<th>{text(board.name)}</th>" for board in boards)
    rows = []
    for module in dict.fromkeys(run.module for run in runs):
        cells = []
        for board in boards:
            index = index_of.get((module, board.name))
            if index is None:
                cells.append('<td class="none"></td>')
                continue
            run = runs[index]
            verdict = "met" if run.ok else "missed"
            cells.append(f'<td class="run {verdict}" title="expected {text(run.expected)}">'
                         f'<a href="#{run_anchor(index)}">{text(observed_text(run))} '
                         f'{_mark(run)}</a></td>')
        rows.append(f"<tr><th>{text(module)}</th>{''.join(cells)}</tr>")
    return (f'<p><label><input type="checkbox" id="only-missed"> only modules with a miss'
            f'</label> · <span id="matrix-count"></span></p><div class="scroll"><table id="matrix">'
            f'<thead><tr><th>module</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f'</table></div>')


def _definitions(pairs: Sequence[tuple[str, str]]) -> str:
    """A <dl> of (label, HTML) pairs; the HTML is escaped by the caller."""
    return "<dl>" + "".join(f"<dt>{label}</dt><dd>{html}</dd>" for label, html in pairs) + "</dl>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of cells already escaped."""
    head = "".join(f"<th>{header}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _place(address: int | None, symbol: str | None, location: str | None) -> str:
    named = ", ".join(text(part) for part in (symbol, location) if part)
    return f"<code>{_hex(address)}</code>" + (f" = {named}" if named else "")


def _fault_html(fault: FaultInfo) -> str:
    return "<h4>Fault</h4>" + _definitions([
        ("name", f"<b>{text(fault.name)}</b>"),
        ("status bits", text(", ".join(fault.bits) or "none")),
        ("CFSR / HFSR", f"<code>{_hex(fault.cfsr)}</code> / <code>{_hex(fault.hfsr)}</code>"),
        ("fault address", f"<code>{_hex(fault.address)}</code>"),
        ("pc", _place(fault.pc, fault.symbol, fault.location)),
        ("lr", _place(fault.lr, fault.lr_symbol, fault.lr_location))])


def _timeout_html(stop: TimeoutInfo) -> str:
    budget = ("the firmware's default" if stop.budget is None else
              f"{stop.budget:,} {TIMING_UNIT}")
    return "<h4>Timeout</h4>" + _definitions([
        ("budget spent", text(budget)),
        ("stopped at pc", _place(stop.pc, stop.symbol, stop.location)),
        ("lr", _place(stop.lr, stop.lr_symbol, stop.lr_location))])


def _console_html(run: RunResult) -> str:
    _, below = miss_explanation(run)
    parts = ["<h4>Console output (stdout)</h4>",
             f"<pre>{text(run.stdout)}</pre>" if run.stdout else "<p>none</p>"]
    if run.build_error is None and below:
        parts.append(f"<pre>{text(chr(10).join(below))}</pre>")
    return "".join(parts)


def _timing_and_sizes(run: RunResult) -> str:
    timing = _table([text(phase) for phase in TIMING_PHASES],
                    [["" if run.timing.get(p) is None else f"{run.timing[p]:,}"
                      for p in TIMING_PHASES]])
    parts = [f"<h4>Timing ({TIMING_UNIT})</h4>{timing}"]
    if run.sizes:
        parts.append("<h4>Sizes (bytes)</h4>" + _table(
            [text(name) for name in run.sizes], [[f"{value:,}" for value in run.sizes.values()]]))
    return "".join(parts)


def _bindings_html(run: RunResult) -> str:
    """Every import: where the target bound it against the host oracle's prediction; the
    image CRC both ways."""
    if not run.imports and run.image_crc is None:
        return ""
    rows = [[text(i["name"]), f"<code>{_hex(i['address'])}</code>",
             f"<code>{_hex(i['expected'])}</code>",
             "agree" if i["ok"] else '<span class="bad">DIFFER</span>'] for i in run.imports]
    parts = [f"<h4>Bindings ({len(run.imports)} imports, {len(run.unresolved)} unresolved)</h4>",
             _table(["import", "target", "host oracle", ""], rows) if rows else ""]
    crc = run.image_crc
    if crc is not None:
        verdict = "agree" if crc["ok"] else '<span class="bad">DIFFER</span>'
        parts.append(f"<p>image CRC: target <code>{_hex(crc['target'])}</code>, host oracle "
                     f"<code>{_hex(crc['expected'])}</code>: {verdict}</p>")
    return "".join(parts)


def _outcome_html(run: RunResult) -> str:
    why, _ = miss_explanation(run)
    observed = {key: value for key, value in run.observed().items()
                if value is not None and key != "stdout"}
    pairs = [("expected", text(run.expected)), ("observed", text(observed)),
             ("met", "yes" if run.ok else '<span class="bad">no</span>')]
    if not run.ok:
        pairs.append(("why", text(why)))
    if run.mismatches:
        pairs.append(("mismatches", "<br>".join(text(m) for m in run.mismatches)))
    if run.error_detail:
        pairs.append(("error detail", text(run.error_detail)))
    if run.unresolved:
        pairs.append(("unresolved", text(", ".join(run.unresolved))))
    if run.expected_by:
        pairs.append(("expectation from", text("; ".join(run.expected_by))))
    log = (f'<a href="{text(run.log)}/">{text(run.log)}</a> (boot {text(run.boot)}, '
           f'<a href="{text(run.log)}/console.log">console.log</a>)' if run.log else
           "never booted")
    pairs.append(("log folder", log))
    return _definitions(pairs)


def run_detail(index: int, run: RunResult) -> str:
    """The run's detail: a closed <details> whose summary line says what it showed."""
    parts = [_outcome_html(run)]
    if run.build_error is not None:
        parts.append(f"<h4>{text(run.build_error['reason'])} error</h4>"
                     f"<pre>{text(run.build_error['message'])}</pre>")
    if run.fault is not None:
        parts.append(_fault_html(run.fault))
    if run.timeout is not None:
        parts.append(_timeout_html(run.timeout))
    parts += [_console_html(run), _timing_and_sizes(run), _bindings_html(run)]
    verdict = "met" if run.ok else "missed"
    return (f'<details class="run {verdict}" id="{run_anchor(index)}"><summary>'
            f'{text(run.board)} / <b>{text(run.module)}</b>: {text(observed_text(run))} '
            f'{_mark(run)}</summary>{"".join(parts)}</details>')


def _details_by_board(runs: list[RunResult], boards: list[Board]) -> str:
    parts = []
    for board in boards:
        chosen = [(index, run) for index, run in enumerate(runs) if run.board == board.name]
        missed = sum(not run.ok for _, run in chosen)
        parts.append(f"<h3>{text(board.name)}: {len(chosen)} runs, {missed} missed</h3>"
                     f"<p>{text(board.description)}; QEMU machine "
                     f"<code>{text(board.qemu_machine)}</code></p>")
        parts += [run_detail(index, run) for index, run in chosen]
    return "".join(parts)


def footprint_html(footprints: dict[str, dict[str, int | None]]) -> str:
    rows = [[text(board), text(f["loader_bytes"]), text(f["flash_bytes"]), text(f["ram_bytes"]),
             text(f["module_arena_bytes"])] for board, f in footprints.items()]
    return _table(["board", f"loader bytes (goal ≤ {LOADER_FLASH_BUDGET})",
                   "firmware flash bytes", "RAM bytes (incl. arena)", "module arena bytes"], rows)


def _changes_html(comparison: Comparison | None) -> str:
    """The run against the baseline: the same verdicts as summary.md (sim/baseline.py), a row
    per figure that is not equal."""
    if comparison is None:
        return "<p>No baseline to compare against.</p>"
    counts = comparison.counts()
    said = ", ".join(f"{counts[name]} {name}" for name in VERDICTS if counts[name])
    listed = comparison.listed()
    if not listed:
        return f"<p>{len(comparison.figures)} tracked figures compared: {said}.</p>"
    regressed = counts[REGRESSED]
    rows = [[text(c.figure), text(c.before), text(c.after), text(c.change_text()),
             '<span class="bad">REGRESSED</span>' if c.verdict == REGRESSED else text(c.verdict)]
            for c in listed]
    table = _table(["figure", "baseline", "now", "change", "verdict"], rows)
    return (f"<p>{len(comparison.figures)} tracked figures compared: {text(said)}.</p>"
            f"<details{' open' if regressed else ''}><summary>the figures that are not equal"
            f"</summary>{table}</details>")


def trend_html(baseline: Path, boards: list[Board], benchmarks: Sequence[Module],
               current: dict[str, int]) -> str:
    """The chart of the baseline's committed history, with this run's figures as its last
    point; where there is no history (a baseline outside the repository, or never
    committed), a sentence saying why."""
    try:
        history = baseline_history(baseline)
    except SetupError as why:
        return f"<p>No trend chart: {text(why)}.</p>"
    svg = trend_svg(history, [board.name for board in boards],
                    headline_figures(benchmarks), current)
    return f'<div class="scroll">{svg}</div>'


CONTENTS = ('<p><a href="#outcomes">outcome matrix</a> · <a href="#runs">runs</a> · '
            '<a href="#footprint">firmware footprint</a> · <a href="#baseline">against the '
            'baseline</a> · <a href="#trend">trend chart</a></p>')


def render_html_report(runs: list[RunResult], boards: list[Board],
                       footprints: dict[str, dict[str, int | None]], document: dict[str, Any],
                       comparison: Comparison | None, benchmarks: Sequence[Module] = (),
                       baseline: Path = BASELINE_FILE) -> str:
    """The whole page. document: results.json's (its commit, and whether a signal stopped
    the run); comparison: against the baseline (None without one)."""
    sections = [
        "<h1>Simulation report</h1>", _headline(runs, boards, document, comparison), CONTENTS,
        _missed_list(runs),
        '<h2 id="outcomes">Outcomes</h2>',
        "<p>Module x board: what each run showed (✓ met its expectation, ✗ missed); a cell "
        "opens the run's detail below.</p>", matrix_html(runs, boards),
        '<h2 id="runs">Runs</h2>',
        "<p>Each run's detail: expected against observed, console output, the fault or timeout "
        "and where, timing per phase, sizes, bindings against the host oracle, the log "
        "folder.</p>", _details_by_board(runs, boards),
        '<h2 id="footprint">Firmware footprint</h2>', footprint_html(footprints),
        '<h2 id="baseline">Against the baseline</h2>', _changes_html(comparison),
        '<h2 id="trend">Trend of the tracked figures</h2>',
        trend_html(baseline, boards, benchmarks, tracked_figures(document))]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Simulation report</title><style>{STYLE}</style></head><body>"
            + "\n".join(sections) + f"<script>{SCRIPT}</script></body></html>\n")
