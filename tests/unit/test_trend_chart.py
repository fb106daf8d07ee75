"""The trend chart (sim/trend_chart.py): a panel per figure and board in absolute units, the
threshold band, the direction, commits told apart on the axis; and `baseline --chart`, which
writes it, refusing a bad --baseline with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import sim.baseline
from sim import REPO_ROOT
from sim.baseline import THRESHOLDS, BaselineVersion, baseline_history
from sim.errors import SetupError
from sim.trend_chart import (MAX_X_LABELS, check_chart_path, nice_ticks, panels_for, thinned,
                             trend_svg)

SVG = "{http://www.w3.org/2000/svg}"
RUN = "bench_sort/timing.run"
LOADER = "footprint.loader_bytes"


def _history() -> list[BaselineVersion]:
    """Three versions on one day: the run phase grows 5% in the second (a regression taken
    into the baseline), the loader shrinks; board c appears only in the last."""
    values = [(10_000, 1_600), (10_500, 1_590), (10_400, 1_580)]
    history = []
    for number, (run, loader) in enumerate(values):
        figures = {f"a/{RUN}": run, f"a/{LOADER}": loader, f"b/{RUN}": run * 2}
        if number == 2:
            figures["c/" + RUN] = 7
        history.append(BaselineVersion(f"{number + 1:x}" * 40, "2026-11-28", figures))
    return history


def test_a_row_per_figure_and_a_panel_per_board_that_has_it() -> None:
    rows = panels_for(_history(), ["a", "b", "c"], [RUN, LOADER])
    assert [[p.board for p in row] for row in rows] == [["a", "b", "c"], ["a"]]
    [a_run, b_run, c_run] = rows[0]
    assert a_run.points == ((0, 10_000), (1, 10_500), (2, 10_400))   # absolute, not percent
    assert c_run.points == ((2, 7),)
    assert a_run.band_top == pytest.approx(10_400 * (1 + THRESHOLDS["timing"]))


def test_y_ticks_cover_the_values_and_x_labels_are_thinned() -> None:
    for low, high in [(13_596, 13_750), (0.5, 3.2), (1_400, 1_800)]:
        ticks = nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and 3 <= len(ticks) <= 7
    assert thinned(3) == [0, 1, 2]
    many = thinned(31)
    assert len(many) == MAX_X_LABELS and many[0] == 0 and many[-1] == 30


def _panels(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(f"{SVG}g")


def test_the_chart_says_units_direction_threshold_and_versions() -> None:
    history = _history()
    svg = trend_svg(history, ["a", "b"], [RUN, LOADER], standalone=True)
    panels = _panels(svg)
    assert len(panels) == 3
    words = " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
    assert "bench_sort: run phase (instructions)" in words and "loader bytes (bytes)" in words
    assert "latest 10,400 instructions" in words and "latest 1,580 bytes" in words
    assert all("lower is better" in " ".join(t.text or "" for t in panel.iter(f"{SVG}text"))
               for panel in panels)
    assert all(version.commit[:7] in words for version in history)   # one date, told apart
    first = panels[0]
    band = [r for r in first.iter(f"{SVG}rect") if "threshold" in (r.findtext(f"{SVG}title") or "")]
    assert len(band) == 1 and "+1% over the latest baseline" in band[0].findtext(f"{SVG}title")
    grew = [c for c in first.iter(f"{SVG}circle")
            if "grew past the threshold" in c.findtext(f"{SVG}title")]
    assert [c.findtext(f"{SVG}title").split()[0] for c in grew] == [history[1].commit[:12]]


def test_the_current_run_is_the_last_point_and_a_regression_is_marked() -> None:
    history = _history()
    current = {f"a/{RUN}": 10_600, f"b/{RUN}": 20_000, f"a/{LOADER}": 1_580}
    svg = trend_svg(history, ["a", "b"], [RUN, LOADER], current, standalone=True)
    marks = [r.findtext(f"{SVG}title") for r in ET.fromstring(svg).iter(f"{SVG}rect")
             if (r.findtext(f"{SVG}title") or "").startswith("this run")]
    assert marks == ["this run: 10,600 instructions, REGRESSED",
                     "this run: 20,000 instructions, better",
                     "this run: 1,580 bytes, within the threshold"]


def test_inline_svg_names_no_url() -> None:
    """Inline in HTML the SVG needs no namespace, and report.html must hold no http(s) URL."""
    assert "http" not in trend_svg(_history(), ["a"], [RUN])


def test_a_committed_version_that_is_not_a_baseline_is_named(monkeypatch) -> None:
    monkeypatch.setattr(sim.baseline, "_git",
                        lambda *args: f"{'a' * 40} 2026-11-01\n{'b' * 40} 2026-11-02\n")
    monkeypatch.setattr(sim.baseline, "_git_files", lambda specs: [
        json.dumps({"figures": {"x/footprint.loader_bytes": 1}}).encode(),
        json.dumps({"figures": ["not", "figures"]}).encode()])
    with pytest.raises(SetupError, match="the version committed in bbbbbbbbbbbb is not a baseline"):
        baseline_history(sim.baseline.BASELINE_FILE)


def test_the_history_is_every_committed_version() -> None:
    """Read in one git process: as many versions as git log names, each with its figures."""
    history = baseline_history(sim.baseline.BASELINE_FILE)
    log = subprocess.run(["git", "log", "--format=%H", "--", "reports/baseline.json"],
                         cwd=REPO_ROOT, capture_output=True, text=True).stdout.split()
    assert [v.commit for v in history] == log[::-1]
    assert all(v.figures and all(isinstance(x, int) for x in v.figures.values()) for v in history)


def test_a_chart_file_that_is_not_svg_or_html_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="the chart is SVG"):
        check_chart_path(tmp_path / "trend.png")
    check_chart_path(tmp_path / "trend.svg")
    check_chart_path(tmp_path / "trend.HTML")


def _chart(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", "baseline", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("content, message", [
    ("{", "not JSON"),
    ('{"figures": [1, 2]}', "JSON, but not a baseline"),
    (None, "is a folder, not a baseline file"),
    ("missing", "no such file"),
    ('{"figures": {"b/footprint.loader_bytes": 1}}', "outside this repository"),
])
def test_chart_with_a_bad_baseline_exits_2_naming_it(tmp_path: Path, content: str | None,
                                                     message: str) -> None:
    baseline = tmp_path / "baseline.json"
    if content is None:
        baseline.mkdir()
    elif content != "missing":
        baseline.write_text(content)
    done = _chart("--chart", str(tmp_path / "trend.svg"), "--baseline", str(baseline))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--baseline {baseline}: {message}" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "trend.svg").exists()


def test_chart_of_the_committed_baseline(tmp_path: Path) -> None:
    out = tmp_path / "trend.svg"
    done = _chart("--chart", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg" and _panels(out.read_text())
    png = _chart("--chart", str(tmp_path / "trend.png"))
    assert png.returncode == 2 and "the chart is SVG" in png.stderr
