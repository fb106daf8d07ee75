"""report.html (sim/report_html.py): one cell per run in the matrix, a detail per run that a
link reaches, everything a module or a file gave escaped, nothing that reaches the network."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.boards import Board
from sim.results import FaultInfo, RunResult, TimeoutInfo
from sim.baseline import compare_run
from sim.report_html import MISSES_SHOWN_OPEN, render_html_report

FAULT = FaultInfo("BusFault.PRECISERR", 0x1234, 0x5678, "module_main", "faulty.c:7",
                  "caller", "faulty.c:12", ("BusFault.PRECISERR", "BusFault.BFARVALID"),
                  0x60000000, 0x8200, 0)
TIMEOUT = TimeoutInfo(50_000, 0x2000, 0x2010, "spin", "spin.c:3", None, None)
HOSTILE = "<script>alert('x')</script>"


class _Page(HTMLParser):
    """The elements of the page by tag, with their attributes, and its text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.script_text = ""
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {key: value or "" for key, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data

    def with_class(self, tag: str, name: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.elements
                if t == tag and name in attrs.get("class", "").split()]


def _runs(first: str, second: str) -> list[RunResult]:
    met = RunResult(first, "adds", 1, "ok", True, {"status": "ok", "return": 3}, return_value=3,
                    stdout="sum 3\n", log="logs/a/batch000/boot1",
                    timing={"load": 600, "link": 90, "init": None, "run": 40, "unload": 12},
                    sizes={"file": 120, "text": 64, "data": 0, "bss": 8},
                    imports=[{"name": "printf", "address": 0x8000101, "expected": 0x8000101,
                              "ok": True}],
                    image_crc={"target": 0xCAFE, "expected": 0xCAFE, "ok": True})
    faulted = RunResult(first, "faulty", 1, "fault", False, {"status": "ok", "return": 1},
                        fault=FAULT, stdout="before\n", log="logs/a/batch000/boot1",
                        mismatches=["status: expected 'ok', got 'fault'"])
    spun = RunResult(second, "faulty", 2, "timeout", True, {"status": "timeout"},
                     timeout=TIMEOUT, log="logs/b/batch000/boot2")
    broken = RunResult(second, HOSTILE, None, "error", False, {"status": "ok"},
                       build_error={"reason": "build",
                                    "message": "compiling m/m.c failed:\nm.c:3: error: <&>"},
                       mismatches=["status: expected 'ok', got 'error'"])
    printed = RunResult(second, "prints", 2, "ok", True, {"status": "ok"}, return_value=0,
                        stdout=f"{HOSTILE} & \"quotes\" \x01\x1b done\n",
                        log="logs/b/batch000/boot2")
    return [met, faulted, spun, broken, printed]


@pytest.fixture
def two_boards(boards: dict[str, Board]) -> list[Board]:
    """Any two boards (one if there is only one), as the page names them."""
    return [boards[name] for name in sorted(boards)[:2]]


def _page(runs: list[RunResult], boards: list[Board], tmp_path: Path) -> str:
    footprints = {b.name: {"loader_bytes": 1608, "flash_bytes": 9000, "ram_bytes": 5000,
                           "module_arena_bytes": 4096} for b in boards}
    document = {"commit": "c0ffee", "interrupted": False, "signal": None, "runs": [],
                "footprint": footprints}
    return render_html_report(runs, boards, footprints, document, None, (),
                              tmp_path / "outside" / "baseline.json")


def test_one_matrix_cell_per_run_and_a_detail_each(two_boards: list[Board],
                                                   tmp_path: Path) -> None:
    names = [b.name for b in two_boards]
    runs = _runs(names[0], names[-1])
    page = _Page(_page(runs, two_boards, tmp_path))
    cells = page.with_class("td", "run")
    assert len(cells) == len(runs)
    assert len(page.with_class("td", "missed")) == sum(not run.ok for run in runs)
    modules = len({run.module for run in runs})
    assert len(page.with_class("td", "none")) == modules * len(names) - len(runs)
    details = page.with_class("details", "run")
    assert len(details) == len(runs) and all("open" not in d for d in details)   # collapsed
    ids = {d["id"] for d in details}
    links = [a["href"] for t, a in page.elements if t == "a" and a.get("href", "").startswith("#")]
    anchors = {element.get("id") for _, element in page.elements}
    assert all(link[1:] in anchors for link in links)   # every link inside the page lands
    assert {link[1:] for link in links if link.startswith("#run-")} == ids   # every run too


def test_a_missed_run_is_listed_and_its_detail_reachable(two_boards: list[Board],
                                                         tmp_path: Path) -> None:
    names = [b.name for b in two_boards]
    runs = _runs(names[0], names[-1])
    html = _page(runs, two_boards, tmp_path)
    missed = html.split('<h2 id="missed">', 1)[1].split("</ul>", 1)[0]
    assert missed.count("<li>") == sum(not run.ok for run in runs)
    assert '<a href="#run-1">' in missed and '<details class="run missed" id="run-1">' in html


def test_fault_timeout_and_build_error_details(two_boards: list[Board], tmp_path: Path) -> None:
    names = [b.name for b in two_boards]
    html = _page(_runs(names[0], names[-1]), two_boards, tmp_path)
    fault = html.split('id="run-1"', 1)[1].split("</details>", 1)[0]
    assert "BusFault.PRECISERR" in fault and "<code>0x00001234</code> = module_main, faulty.c:7" \
        in fault and "<code>0x60000000</code>" in fault and "caller, faulty.c:12" in fault
    assert 'href="logs/a/batch000/boot1/console.log"' in fault
    timeout = html.split('id="run-2"', 1)[1].split("</details>", 1)[0]
    assert "50,000 instructions" in timeout and "spin, spin.c:3" in timeout
    build = html.split('id="run-3"', 1)[1].split("</details>", 1)[0]
    assert "build error" in build and "m.c:3: error: &lt;&amp;&gt;" in build
    assert "never booted" in build
    met = html.split('id="run-0"', 1)[1].split("</details>", 1)[0]
    assert "<td>600</td>" in met and "<td>120</td>" in met and "printf" in met
    assert "<code>0x0000cafe</code>, host oracle <code>0x0000cafe</code>: agree" in met


def test_what_modules_print_or_are_named_is_escaped(two_boards: list[Board],
                                                    tmp_path: Path) -> None:
    names = [b.name for b in two_boards]
    html = _page(_runs(names[0], names[-1]), two_boards, tmp_path)
    assert HOSTILE not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&amp; &quot;quotes&quot; \\x01\\x1b done" in html    # no raw control character
    assert "\x01" not in html and "\x1b" not in html
    assert _Page(html).script_text.count("function openTarget") == 1   # one script: the page's


def test_nothing_on_the_page_reaches_the_network(two_boards: list[Board],
                                                 tmp_path: Path) -> None:
    names = [b.name for b in two_boards]
    page = _Page(_page(_runs(names[0], names[-1]), two_boards, tmp_path))
    assert not [attrs for _, attrs in page.elements if "src" in attrs]
    hrefs = [attrs["href"] for _, attrs in page.elements if "href" in attrs]
    assert hrefs and all(h.startswith(("#", "logs/")) for h in hrefs)
    assert not [t for t, _ in page.elements if t in ("link", "img", "iframe", "object")]


def test_without_a_history_the_page_says_why(two_boards: list[Board], tmp_path: Path) -> None:
    names = [b.name for b in two_boards]
    html = _page(_runs(names[0], names[-1]), two_boards, tmp_path)
    assert "No trend chart: --baseline" in html and "outside this repository" in html


def test_the_committed_history_is_charted(two_boards: list[Board]) -> None:
    """The default baseline has a git history: the page carries the chart inline."""
    names = [b.name for b in two_boards]
    footprints = {b.name: {"loader_bytes": 1608, "flash_bytes": 9000, "ram_bytes": 5000,
                           "module_arena_bytes": 4096} for b in two_boards}
    document = {"commit": None, "interrupted": False, "signal": None, "runs": [],
                "footprint": footprints}
    comparison = compare_run({f"{names[0]}/footprint.loader_bytes": 1608}, document)
    html = render_html_report(_runs(names[0], names[-1]), two_boards, footprints, document,
                              comparison)
    assert '<svg class="trend"' in html and "loader bytes (bytes)" in html
    assert "6 tracked figures compared: 5 new, 1 equal." in html


def test_many_misses_start_folded(two_boards: list[Board], tmp_path: Path) -> None:
    """A firmware that misses everything must not push the matrix down the page."""
    board = two_boards[0].name
    for count, opened in ((MISSES_SHOWN_OPEN, True), (MISSES_SHOWN_OPEN + 1, False)):
        runs = [RunResult(board, f"m{i}", 1, "fault", False, {"status": "ok"}, fault=FAULT,
                          mismatches=["status: expected 'ok', got 'fault'"]) for i in range(count)]
        html = _page(runs, two_boards[:1], tmp_path)
        folded = f"<details><summary>{count} runs missed</summary>"
        assert (folded not in html) == opened and f"{count} runs missed</summary>" in html


def test_without_git_the_page_says_why(two_boards: list[Board], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the suite without git (a tarball, a bare container) still gets its page."""
    monkeypatch.setenv("PATH", str(tmp_path))
    names = [b.name for b in two_boards]
    footprints = {b.name: {"loader_bytes": 1, "flash_bytes": 1, "ram_bytes": 1,
                           "module_arena_bytes": 1} for b in two_boards}
    html = render_html_report(_runs(names[0], names[-1]), two_boards, footprints,
                              {"commit": None, "runs": [], "footprint": footprints}, None)
    assert "No trend chart: git log: cannot run git" in html
