"""report.html from a real run, opened in a real headless Chromium (Debian's; `python -m sim
setup` installs it): the matrix is rendered with one cell per run of results.json, the page's
script ran, a missed run's detail opens from its link, and the page asks for nothing over the
network."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import xmlschema

from sim.boards import Board
from sim.modules import Module
from sim.toolchain import BROWSER, BROWSER_TOOLS, check_tools

from ..unit.test_junit import JUNIT_SCHEMA
from .helpers import run_sim

pytestmark = pytest.mark.qemu

# Printed by a module of the test's own, and expected from its C: markup the page must show
# as text.
MARKUP = '<i>x</i> & "q"'
MARKUP_SOURCE = ('#include <stdio.h>\nint module_main(void)\n{\n'
                 '    puts("<i>x</i> & \\"q\\"");\n    return 0;\n}\n')

# Chromium's own background traffic (updates, sync) is switched off or, where it cannot be,
# resolved to nowhere, so nothing leaves the machine; the page's requests are told apart in
# the net log by their file:// isolation key.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-default-apps", "--disable-domain-reliability",
                  "--host-resolver-rules=MAP * ~NOTFOUND")


class _Dom(HTMLParser):
    """The dumped DOM's elements: (tag, attributes), and the text inside each element that
    has an id."""

    VOID = {"br", "input", "meta", "img", "link", "hr", "wbr", "source"}

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_of: dict[str, str] = {}
        self._open: list[str | None] = []   # the id of each open element, None without one
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        self.elements.append((tag, attributes))
        if tag in self.VOID:
            return
        self._open.append(attributes.get("id"))
        if "id" in attributes:
            self.text_of[attributes["id"]] = ""

    def handle_data(self, data: str) -> None:
        for element_id in filter(None, self._open):
            self.text_of[element_id] += data

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._open:
            self._open.pop()

    def cells(self, name: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == "td" and name in a.get("class", "").split()]


def _chromium(url: str, profile: Path, *extra: str) -> str:
    check_tools(BROWSER_TOOLS)   # fails naming the package when setup has not installed it
    done = subprocess.run([BROWSER, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _ok_module(catalogue: dict[str, Module], board: Board) -> Module:
    """A catalogue module that returns normally on the board, with no resident libraries."""
    return next(m for _, m in sorted(catalogue.items())
                if not m.depends and m.expectation(board.name, board.capabilities).status == "ok")


def _faulting_module(catalogue: dict[str, Module], board: Board) -> Module:
    return next(m for _, m in sorted(catalogue.items())
                if not m.depends and m.expectation(board.name, board.capabilities).status == "fault")


@pytest.fixture(scope="module")
def report(boards: dict[str, Board], catalogue: dict[str, Module], build_dir: Path,
           firmware: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """A real run on one board (the diagnostics come along): a module that meets its
    expectation, a faulting one copied with an expectation of ok (a miss, on purpose), and one
    that prints markup; (the report folder, results.json's runs)."""
    board = boards[sorted(boards)[0]]
    tmp = tmp_path_factory.mktemp("html")
    modules = tmp / "m"
    good, faulting = _ok_module(catalogue, board), _faulting_module(catalogue, board)
    shutil.copytree(good.path, modules / good.name)
    shutil.copytree(faulting.path, modules / "expected_ok_but_faults")
    (modules / "expected_ok_but_faults" / "module.toml").write_text(
        f"description = \"{faulting.name}, expected ok\"\nargs = {list(faulting.args)}\n")
    (modules / "prints_markup").mkdir()
    (modules / "prints_markup" / "prints_markup.c").write_text(MARKUP_SOURCE)
    (modules / "prints_markup" / "module.toml").write_text(
        f"[expect]\nreturn = 0\nstdout = {json.dumps(MARKUP + chr(10))}\n")
    out = tmp / "out"
    done = run_sim("run", "--board", board.name, "--modules", str(modules), "--out", str(out),
                   "--build-dir", str(build_dir), "-j", "2")
    assert done.returncode == 1, done.stdout + done.stderr   # the miss on purpose
    return out, json.loads((out / "results.json").read_text())["runs"]


def test_the_matrix_renders_one_cell_per_run(report: tuple[Path, list[dict]],
                                             tmp_path: Path) -> None:
    out, runs = report
    page = out / "report.html"
    assert page.is_symlink() and page.resolve().parent.name.startswith(".sim-set-")
    dom = _Dom(_chromium(page.absolute().as_uri(), tmp_path / "profile", "--dump-dom"))
    cells = dom.cells("run")
    missed = [run for run in runs if not run["ok"]]
    assert len(cells) == len(runs) and len(dom.cells("missed")) == len(missed) == 1
    assert {"prints_markup", "expected_ok_but_faults"} <= {run["module"] for run in runs}
    # Written by the page's script: it ran, and counted the same cells.
    assert dom.text_of["matrix-count"] == f"{len(runs)} runs in the matrix, 1 missed"
    printed = next(i for i, run in enumerate(runs) if run["module"] == "prints_markup")
    assert not [t for t, _ in dom.elements if t == "i"]          # shown, not interpreted
    assert MARKUP in dom.text_of[f"run-{printed}"]


def test_a_missed_runs_detail_opens_from_its_link(report: tuple[Path, list[dict]],
                                                  tmp_path: Path) -> None:
    out, runs = report
    [index] = [i for i, run in enumerate(runs) if not run["ok"]]
    fault = runs[index]["fault"]
    url = f"{(out / 'report.html').absolute().as_uri()}#run-{index}"
    dom = _Dom(_chromium(url, tmp_path / "profile", "--dump-dom"))
    [detail] = [a for t, a in dom.elements if t == "details" and a.get("id") == f"run-{index}"]
    assert "open" in detail                                      # the script opened it
    shown = dom.text_of[f"run-{index}"]
    assert fault["name"] in shown and fault["location"] in shown and runs[index]["log"] in shown
    closed = [a for t, a in dom.elements if t == "details" and "run" in a.get("class", "")
              and a.get("id") != f"run-{index}"]
    assert closed and all("open" not in a for a in closed)


def _network_requests(page: Path, profile: Path, *extra: str) -> list[str]:
    """The URLs other than file:// that the page asked for while Chromium loaded it (extra:
    what to do with the page, --dump-dom or --screenshot, after which Chromium ends; its net
    log: requests keyed to the file:// page; file:// loads themselves are not logged)."""
    net_log = profile.parent / f"{page.stem}.net.json"
    _chromium(page.absolute().as_uri(), profile, f"--log-net-log={net_log}", *extra)
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [event["params"]["url"] for event in log["events"] if event["type"] == start
            and event["params"].get("network_isolation_key", "").startswith("file://")
            and not event["params"]["url"].startswith("file://")]


def test_the_page_makes_no_request(report: tuple[Path, list[dict]], tmp_path: Path) -> None:
    out, _ = report
    page = out / "report.html"
    assert not re.search(r"https?://", page.read_text())
    screenshot = tmp_path / "report.png"
    assert _network_requests(page, tmp_path / "profile", "--window-size=1400,1000",
                             f"--screenshot={screenshot}") == []
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    # The same look at a page that does ask for something finds it (resolved to nowhere).
    fetching = tmp_path / "fetching.html"
    fetching.write_text('<img src="http://example.invalid/x.png">')
    assert _network_requests(fetching, tmp_path / "profile", "--dump-dom") == [
        "http://example.invalid/x.png"]


def test_the_same_runs_junit_xml_is_valid(report: tuple[Path, list[dict]]) -> None:
    """junit.xml of the same real run (a fault missed on purpose, markup in stdout) against
    the JUnit schema CI services read."""
    out, runs = report
    xmlschema.XMLSchema(JUNIT_SCHEMA).validate(str(out / "junit.xml"))
    cases = ET.parse(out / "junit.xml").getroot().iter("testcase")
    assert len(list(cases)) == len(runs)
