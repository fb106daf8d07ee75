"""The trend chart of the tracked figures across the baseline's history, as inline SVG made in
pure Python (README.md, "Tracking performance"): report.html embeds it and `python -m sim
baseline --chart` writes it to a file.

Small multiples: one panel per headline figure and board, each with its own y axis in
absolute units (instructions or bytes), because the figures differ by orders of magnitude and
a shared "% of first value" axis flattens them all onto 100%. Each panel shows the committed
versions (short commit and date under the axis, thinned when many), the band a figure may
grow into above the latest baseline value before a run fails (its threshold), the version
steps that grew past that threshold, and the current run's value when there is one. Lower is
better for every tracked figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Sequence

from sim.baseline import THRESHOLDS, BaselineVersion, Change
from sim.errors import SetupError
from sim.outdir import write_atomically
from sim.timing import TIMING_UNIT

PANEL_WIDTH = 250
PANEL_HEIGHT = 160
PLOT_LEFT = 64      # room for the y labels
PLOT_RIGHT = 24     # room for the last x label
PLOT_TOP = 34       # room for the title, the latest value and the direction
PLOT_BOTTOM = 36    # room for two lines of x label (short commit, date)
ROW_HEADING = 22    # the figure's name above each row of panels
NOTE_HEIGHT = 28    # the two lines that say how to read it
MAX_X_LABELS = 4    # more would overlap in a panel this wide
X_LABEL_WIDTH = 44  # a short commit at the labels' size
MIN_WIDTH = 560     # room for the note and the row headings above a single panel
Y_TICKS = 4

# Colours: the line, the band a figure may grow into, a step past the threshold.
LINE = "#1f5fa8"
BAND = "#f6d5d5"
REGRESSED = "#c0392b"
IMPROVED = "#2e7d32"
GRID = "#e3e3e3"
TEXT = "#333"

STYLE = (f"text{{font-family:sans-serif;fill:{TEXT}}} .title{{font-size:12px;font-weight:bold}} "
         ".small{font-size:10px} .note{font-size:9px;fill:#777} "
         ".heading{font-size:13px;font-weight:bold}")


def unit_of(figure: str) -> str:
    """A tracked figure's unit: phase timings count instructions, the rest are bytes."""
    return TIMING_UNIT if Change(figure, 0, 0).kind == "timing" else "bytes"


def threshold_of(figure: str) -> float:
    """The relative growth past which the figure counts as a regression (sim.baseline)."""
    return THRESHOLDS[Change(figure, 0, 0).kind]


@dataclass(frozen=True)
class Panel:
    """One figure on one board: its value in each version that has it (index into the
    history), and the current run's value, if any."""
    board: str
    figure: str                            # "<board>/<module>/timing.run", ...
    points: tuple[tuple[int, int], ...]    # (version index, value)
    current: int | None

    @property
    def latest(self) -> int | None:
        return self.points[-1][1] if self.points else None

    @property
    def band_top(self) -> float | None:
        """The highest value a run may show before the figure regresses."""
        return None if self.latest is None else self.latest * (1 + threshold_of(self.figure))


def panels_for(history: Sequence[BaselineVersion], boards: Sequence[str],
               headline: Sequence[str], current: dict[str, int] | None = None
               ) -> list[list[Panel]]:
    """A row per headline figure ("bench_crc32/timing.run", "footprint.loader_bytes"), a panel
    per board that has the figure in some version or in the current run."""
    rows = []
    for name in headline:
        row = []
        for board in boards:
            figure = f"{board}/{name}"
            points = tuple((index, version.figures[figure])
                           for index, version in enumerate(history) if figure in version.figures)
            now = (current or {}).get(figure)
            if points or now is not None:
                row.append(Panel(board, figure, points, now))
        if row:
            rows.append(row)
    return rows


def nice_ticks(low: float, high: float, count: int = Y_TICKS) -> list[float]:
    """About count round values (steps of 1, 2 or 5 times a power of ten), the first at or
    below low, the last at or above high."""
    span = high - low
    raw = span / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    ticks = [n * step for n in range(first, last + 1)]
    return ticks


def thinned(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Indices 0..count-1 to label: all when few, else evenly spread, first and last kept."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"


def _stepped_up(panel: Panel) -> set[int]:
    """Version indices whose value grew past the threshold over the previous version: a
    regression that was accepted into the baseline."""
    return {index for (_, before), (index, after) in zip(panel.points, panel.points[1:])
            if Change(panel.figure, before, after).regressed}


class _Scale:
    """Maps version index and value to the panel's pixels."""

    def __init__(self, panel: Panel, versions: int) -> None:
        values = [value for _, value in panel.points]
        values += [panel.current] if panel.current is not None else []
        values += [panel.band_top] if panel.band_top is not None else []
        low, high = min(values), max(values)
        pad = (high - low) * 0.1 or max(1.0, abs(high) * 0.02)
        self.ticks = nice_ticks(low - pad, high + pad)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.columns = versions + (1 if panel.current is not None else 0)
        self.width = PANEL_WIDTH - PLOT_LEFT - PLOT_RIGHT
        self.height = PANEL_HEIGHT - PLOT_TOP - PLOT_BOTTOM

    def x(self, index: int) -> float:
        if self.columns <= 1:
            return PLOT_LEFT + self.width / 2
        return PLOT_LEFT + self.width * index / (self.columns - 1)

    def y(self, value: float) -> float:
        return PLOT_TOP + self.height * (self.high - value) / (self.high - self.low)


def _axes(scale: _Scale, unit: str) -> list[str]:
    parts = []
    for tick in scale.ticks:
        y = scale.y(tick)
        parts.append(f'<line x1="{PLOT_LEFT}" x2="{PANEL_WIDTH - PLOT_RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text class="small" x="{PLOT_LEFT - 4}" y="{y + 3:.1f}" '
                     f'text-anchor="end">{_number(tick)}</text>')
    parts.append(f'<text class="note" x="4" y="{PLOT_TOP + scale.height / 2:.1f}" '
                 f'transform="rotate(-90 8 {PLOT_TOP + scale.height / 2:.1f})" '
                 f'text-anchor="middle">{escape(unit)}</text>')
    return parts


def _band(panel: Panel, scale: _Scale) -> list[str]:
    """The room above the latest baseline value a run may use before it fails."""
    if panel.latest is None or panel.band_top is None:
        return []
    top, bottom = scale.y(panel.band_top), scale.y(panel.latest)
    percent = 100 * threshold_of(panel.figure)
    return [f'<rect x="{PLOT_LEFT}" y="{top:.1f}" width="{scale.width}" '
            f'height="{max(1.0, bottom - top):.1f}" fill="{BAND}">'
            f'<title>threshold: a run above {_number(panel.band_top)} {unit_of(panel.figure)} '
            f'(+{percent:g}% over the latest baseline) regresses</title></rect>',
            f'<line x1="{PLOT_LEFT}" x2="{PANEL_WIDTH - PLOT_RIGHT}" y1="{top:.1f}" '
            f'y2="{top:.1f}" stroke="{REGRESSED}" stroke-dasharray="3,2"/>']


def _x_labels(history: Sequence[BaselineVersion], scale: _Scale, has_current: bool) -> list[str]:
    parts = []
    bottom = PANEL_HEIGHT - PLOT_BOTTOM
    now_x = scale.x(scale.columns - 1) if has_current else None
    for index in thinned(len(history)):
        version, x = history[index], scale.x(index)
        if now_x is not None and now_x - x < X_LABEL_WIDTH:
            continue   # "now" takes the place
        parts.append(f'<text class="small" x="{x:.1f}" y="{bottom + 13}" text-anchor="middle">'
                     f'{escape(version.commit[:7])}</text>'
                     f'<text class="note" x="{x:.1f}" y="{bottom + 24}" text-anchor="middle">'
                     f'{escape(version.date[5:])}</text>')
    if has_current:
        x = scale.x(scale.columns - 1)
        parts.append(f'<text class="small" x="{x:.1f}" y="{bottom + 13}" text-anchor="middle" '
                     f'font-weight="bold">now</text>')
    return parts


def _series(panel: Panel, history: Sequence[BaselineVersion], scale: _Scale) -> list[str]:
    unit = unit_of(panel.figure)
    line = " ".join(f"{scale.x(i):.1f},{scale.y(v):.1f}" for i, v in panel.points)
    parts = [f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="1.5"/>']
    stepped = _stepped_up(panel)
    for index, value in panel.points:
        version = history[index]
        colour = REGRESSED if index in stepped else LINE
        grew = " (grew past the threshold)" if index in stepped else ""
        parts.append(f'<circle cx="{scale.x(index):.1f}" cy="{scale.y(value):.1f}" '
                     f'r="{3.5 if index in stepped else 2.2}" '
                     f'fill="{colour}"><title>{escape(version.commit[:12])} {version.date}: '
                     f'{_number(value)} {unit}{grew}</title></circle>')
    return parts + _current_point(panel, scale)


def _current_point(panel: Panel, scale: _Scale) -> list[str]:
    """This run's value, beyond the history: red when it regressed against the latest
    baseline, green when it improved."""
    if panel.current is None:
        return []
    x, y = scale.x(scale.columns - 1), scale.y(panel.current)
    verdict, colour = "no baseline yet", LINE
    if panel.latest is not None:
        change = Change(panel.figure, panel.latest, panel.current)
        verdict, colour = (("REGRESSED", REGRESSED) if change.regressed else
                           ("better", IMPROVED) if panel.current < panel.latest else
                           ("within the threshold", LINE))
    return [f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}" '
            f'transform="rotate(45 {x:.1f} {y:.1f})"><title>this run: {_number(panel.current)} '
            f'{unit_of(panel.figure)}, {verdict}</title></rect>']


def _title(panel: Panel) -> list[str]:
    shown = panel.current if panel.current is not None else panel.latest
    now = "now" if panel.current is not None else "latest"
    return [f'<text class="title" x="6" y="14">{escape(panel.board)}</text>',
            f'<text class="small" x="6" y="27">{now} {_number(shown or 0)} '
            f'{escape(unit_of(panel.figure))}</text>',
            f'<text class="note" x="{PANEL_WIDTH - 6}" y="27" text-anchor="end">'
            f'lower is better</text>']


def panel_svg(panel: Panel, history: Sequence[BaselineVersion]) -> str:
    """One panel, as SVG elements in a PANEL_WIDTH x PANEL_HEIGHT box at the origin."""
    scale = _Scale(panel, len(history))
    parts = [f'<rect width="{PANEL_WIDTH}" height="{PANEL_HEIGHT}" fill="#fff" '
             f'stroke="#ccc"/>', *_title(panel), *_band(panel, scale),
             *_axes(scale, unit_of(panel.figure)), *_series(panel, history, scale),
             *_x_labels(history, scale, panel.current is not None)]
    return "".join(parts)


def _row_heading(figure: str) -> str:
    """'bench_crc32/timing.run' -> 'bench_crc32: run phase (instructions)'."""
    module, _, measure = figure.rpartition("/")
    kind, _, name = measure.partition(".")
    what = f"{name} phase" if kind == "timing" else name.replace("_", " ")
    return f"{module}: {what}" if module else what


def trend_svg(history: Sequence[BaselineVersion], boards: Sequence[str],
              headline: Sequence[str], current: dict[str, int] | None = None,
              standalone: bool = False) -> str:
    """The chart as one <svg>: a row of panels per headline figure, one per board. standalone:
    with the SVG namespace, for a file of its own (inline in HTML it needs none)."""
    rows = panels_for(history, boards, headline, current)
    columns = max((len(row) for row in rows), default=1)
    width = max(MIN_WIDTH, columns * (PANEL_WIDTH + 8))
    height = sum(ROW_HEADING + PANEL_HEIGHT + 8 for _ in rows) + NOTE_HEIGHT
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    parts = [f'<svg{namespace} class="trend" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img"><style>{STYLE}</style>',
             f'<text class="note" x="2" y="12">{len(history)} versions of the baseline, '
             f'absolute values; lower is better.</text>',
             f'<text class="note" x="2" y="24">Red band: the room a run has above the latest '
             f'baseline before it regresses; red point: grew past it'
             f'{"; diamond: this run" if current else ""}.</text>']
    y = NOTE_HEIGHT
    for row in rows:
        name = row[0].figure.split("/", 1)[1]
        parts.append(f'<text class="heading" x="2" y="{y + 15}">{escape(_row_heading(name))} '
                     f'({escape(unit_of(row[0].figure))})</text>')
        y += ROW_HEADING
        for column, panel in enumerate(row):
            parts.append(f'<g class="panel" transform="translate({column * (PANEL_WIDTH + 8)} '
                         f'{y})">{panel_svg(panel, history)}</g>')
        y += PANEL_HEIGHT + 8
    return "".join(parts) + "</svg>"


CHART_SUFFIXES = (".svg", ".html")


def check_chart_path(path: Path) -> None:
    """`baseline --chart` writes SVG, alone or in a page: refuse any other file name before
    doing anything, rather than write SVG into a .png."""
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise SetupError(f"--chart {path}: the chart is SVG; name an .svg file, or an .html "
                         "page to open in a browser")
    if path.is_dir():
        raise SetupError(f"--chart {path}: is a folder, not a file")


def write_trend_chart(path: Path, history: Sequence[BaselineVersion], boards: Sequence[str],
                      headline: Sequence[str]) -> None:
    """The chart as an SVG file, or as a page of its own when path ends in .html."""
    if path.suffix.lower() == ".html":
        content = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                   '<title>Trend of the tracked figures</title></head><body>'
                   f'{trend_svg(history, boards, headline)}</body></html>\n')
    else:
        content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                   f'{trend_svg(history, boards, headline, standalone=True)}\n')
    try:
        write_atomically(path, content)
    except OSError as error:
        raise SetupError(f"--chart {path}: cannot write it: {error.strerror}") from None
