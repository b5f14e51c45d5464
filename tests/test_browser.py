"""The app in a real browser: Playwright driving Debian's chromium on loopback.

One server, one browser and three sessions (pages loaded side by side) for the module.
Most tests share the 1280 px page, in file order: the landing summary; the downloads
right after a Monte Carlo run; the briefing opened from its file; every tab's run, kept
and marked stale after a budget change; infeasible settings; then (after the 800 px
layout, on the second page, and the three pages changing the budget at once) a budget
change, the CSV download and an upload. Screenshots go to ``tests/output/``.

`st.dataframe` draws on a canvas; its cells are read from the accessibility table the
grid keeps inside the canvas (``canvas table``: the header cells and rows in view).
"""

import json
import os
import time
import tomllib
from urllib.parse import urlparse

import openpyxl
import pandas as pd
import pytest

import decide
from decide.optimization.newton import in_scope
from decide.reporting import answer

from . import ws_sessions
from .serve import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start, stop

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="needs Debian's chromium (make test installs it)")
OUTPUT = ROOT / "tests" / "output"
BASELINE = ROOT / "inputs" / "baseline.toml"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
HEADLINE = ".st-key-summary h4"
MEDIAN = "Deaths averted over 10 years (median)"
SPEND = "$M per year"
#: Each tab with an analysis: (tab label, run button key, text its results show).
RUNS = (("Frontier", "fr_run", "Areas: spend per lever"),
        ("Tornado", "to_run", "Dashed line: deaths averted"),
        ("Monte Carlo", "mc_run", "90% interval"),
        ("Robust", "ro_run", "Method:"),
        ("Value of information", "voi_run", "EVPI (deaths averted over 10 years)"),
        ("Mexico trade-off", "pa_run", "Red diamond: the current allocation"))
#: Every tab, with a text its content shows before anything is run.
TAB_CONTENT = (("Allocation", "Projected deaths"), ("Frontier", "Run frontier"),
               ("Tornado", "Run tornado"), ("Monte Carlo", "Run Monte Carlo"),
               ("Robust", "Run robust allocation"),
               ("Value of information", "Run value of information"),
               ("Mexico trade-off", "Run the trade-off"),
               ("Compare", "Score an allocation you propose"),
               ("Evidence", "Run calibration and validation"),
               ("Model & sources", "Parameters and sources"))
# JS: count the page's script runs from now on (in window.__runs).
_COUNT_RUNS_JS = """() => {
  window.__runs = 0;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
# JS: the accessibility table of an st.dataframe (header cells and rows in view).
_GRID_JS = """g => {
  const t = g.querySelector('canvas table');
  if (!t) return null;
  const heads = Object.fromEntries([...t.querySelectorAll('th')].map(
      th => [th.getAttribute('aria-colindex'), th.textContent]));
  const rows = [...t.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
      [...tr.querySelectorAll('td')].map(td => [heads[td.getAttribute('aria-colindex')],
                                                td.textContent])));
  return {heads: Object.values(heads), rows: rows,
          rowcount: Number(t.getAttribute('aria-rowcount')) - 1};
}"""


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc, _ = start(port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module")
def hosts():
    """Host names the shared page asked anything of."""
    return set()


@pytest.fixture(scope="module")
def pages(server, browser, hosts):
    """Three sessions, loaded side by side: ``main`` (1280 px, shared by most tests, its
    requests' hosts recorded), ``narrow`` (800 px) and ``other`` (1280 px)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sizes = {"main": (1280, 1000), "narrow": (800, 1000), "other": (1280, 1000)}
    contexts, out = [], {}
    for name, (width, height) in sizes.items():
        contexts.append(browser.new_context(viewport={"width": width, "height": height},
                                            accept_downloads=True))
        p = out[name] = contexts[-1].new_page()
        p.set_default_timeout(30_000)
        if name == "main":
            p.on("request", lambda req: hosts.add(urlparse(req.url).hostname))
        p.goto(server)
    for p in out.values():
        _ready(p)
    yield out
    for c in contexts:
        c.close()


@pytest.fixture(scope="module")
def page(pages):
    """The 1280 px page most tests share (one session)."""
    return pages["main"]


@pytest.fixture(scope="module")
def narrow(pages):
    """An 800 px wide page (its own session)."""
    return pages["narrow"]


def _ready(p):
    """Wait for the landing summary (sentence and metrics) and the end of the run."""
    p.locator(HEADLINE).wait_for(timeout=60_000)
    p.get_by_test_id("stMetric").filter(has_text="90% range").first.wait_for(timeout=60_000)
    _wait_idle(p)


def _wait_idle(p):
    p.wait_for_selector(IDLE, timeout=60_000)


def _metric(p, label):
    card = p.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text()


def _wait_until(fn, what, timeout=60.0):
    """Poll ``fn`` until it returns a true value (an exception counts as not yet)."""
    end = time.time() + timeout
    while True:
        try:
            value = fn()
        except Exception:  # noqa: BLE001 - the element is being re-rendered
            value = None
        if value:
            return value
        if time.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _wait_change(p, label, old, timeout=60.0):
    return _wait_until(lambda: (v := _metric(p, label)) != old and v, f"{label} != {old}",
                       timeout)


def _tab(p, label):
    """Open tab ``label`` and wait for the rerun that draws it (only the open tab runs);
    return its panel."""
    p.get_by_role("tab", name=label, exact=True).click()
    p.wait_for_timeout(200)  # the rerun starts after the click reaches the server
    _wait_idle(p)
    return p.get_by_role("tabpanel")


def _set_budget(p, value):
    box = p.get_by_role("spinbutton", name="Budget ($M per year)", exact=True)
    box.fill(str(value))
    box.press("Enter")


def _grid(p, header, timeout=30.0):
    """The cells in view of the st.dataframe (in the open tab) that has column ``header``:
    ``{"heads": [...], "rows": [{heading: text}], "rowcount": n}``."""
    def find():
        frames = p.get_by_role("tabpanel").get_by_test_id("stDataFrame")
        for k in range(frames.count()):
            frame = frames.nth(k)
            frame.scroll_into_view_if_needed()
            grid = frame.evaluate(_GRID_JS)
            if grid and header in grid["heads"] and len(grid["rows"]) == grid["rowcount"]:
                return grid
        return None
    return _wait_until(find, f"a table with column {header!r}", timeout)


def _allocation(p):
    """{lever label: $M per year} from the Allocation tab's table."""
    _tab(p, "Allocation")
    return {r["Lever"]: float(r[SPEND]) for r in _grid(p, "Share of budget")["rows"]}


def _expected_headline(budget):
    """The landing sentence the library gives for the baseline at ``budget``."""
    from ui.library import LANDING_DRAWS, LANDING_SEED

    sc = decide.load_scenario(BASELINE).with_overrides({"budget": budget})
    res = decide.optimize(sc)
    out = decide.outlook(sc, res, n=LANDING_DRAWS, seed=LANDING_SEED,
                         reoptimise=in_scope(sc))
    return answer.headline(res, out), res


def _no_errors(p):
    assert p.get_by_test_id("stException").count() == 0
    failed = p.get_by_text("This view failed", exact=False)
    assert failed.count() == 0, failed.first.inner_text()


def test_landing_summary(page):
    """The sentence is there on load, matches the library, the metrics and the table."""
    sentence = page.locator(HEADLINE).inner_text()
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole summary in view
    page.wait_for_timeout(700)  # let the charts redraw
    page.screenshot(path=str(OUTPUT / "landing-1280.png"))
    page.set_viewport_size({"width": 1280, "height": 1000})
    expected, res = _expected_headline(1000)
    assert " ".join(sentence.split()) == expected
    assert sentence.startswith("Fund ")
    assert "deaths averted over 10 years (90% range" in sentence
    assert "best choice" in sentence and "of plausible worlds" in sentence

    # the sentence's figures are the metrics', rounded for prose
    median = float(_metric(page, MEDIAN).replace(",", ""))
    low, high = (float(x.replace(",", "")) for x in _metric(page, "90% range").split(" - "))
    assert f"about {answer.round_figure(median)} deaths averted" in sentence
    assert (f"(90% range {answer.round_figure(low)}-{answer.round_figure(high)})"
            in sentence)
    best = _metric(page, "Best choice in")
    assert f"in {best.split()[0]} of plausible worlds" in sentence
    summary = page.locator(".st-key-summary")
    assert summary.get_by_text("Why each lever gets what it gets").count() == 1
    assert summary.get_by_text("Details: the base case and solver precision").count() == 1
    assert summary.get_by_test_id("stVegaLiteChart").count() >= 1  # the fan chart
    for tab in page.get_by_role("tab").all():  # every tab label in the window
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (tab.inner_text(), box)

    # levers named as funded have spend in the Allocation tab's table; the others none
    spend = _allocation(page)
    assert sum(spend.values()) == pytest.approx(1000)
    funded, _, unfunded = sentence.split(":", 1)[0].partition("; nothing for ")
    for label, x in spend.items():
        name = answer._lower(label)
        if x > 0:
            assert name in funded and name not in unfunded, (label, x, sentence)
            assert f"${x:,.0f}M" in funded, (label, x, sentence)
        else:
            assert name in unfunded and name not in funded, (label, x, sentence)
    assert spend == pytest.approx({lv.label: res.spend[lv.name]
                                   for lv in res.scenario.levers})
    _no_errors(page)


@pytest.fixture(scope="module")
def downloads(page, tmp_path_factory):
    """A Monte Carlo run, then the Allocation tab's five downloads in quick succession."""
    _tab(page, "Monte Carlo")
    page.locator(".st-key-mc_run button").click()
    panel = page.get_by_role("tabpanel")
    panel.get_by_text("90% interval", exact=False).wait_for(timeout=60_000)
    _wait_idle(page)
    _tab(page, "Allocation")
    page.evaluate(_COUNT_RUNS_JS)
    keys = ("dl_csv", "dl_xlsx", "dl_toml", "dl_json", "dl_brief")
    started = []
    for key in keys:  # each click waits only for its download to start
        with page.expect_download(timeout=60_000) as dl:
            page.locator(f".st-key-{key} button").click()
        started.append(dl.value)
    folder = tmp_path_factory.mktemp("downloads")
    paths = {}
    for key, d in zip(keys, started, strict=True):
        assert d.failure() is None, (key, d.failure())
        paths[key] = folder / d.suggested_filename
        d.save_as(paths[key])
    # no download reran the page; the Monte Carlo results are still there, current
    page.wait_for_timeout(300)
    assert page.evaluate("window.__runs") == 0
    panel = _tab(page, "Monte Carlo")
    assert panel.get_by_text("90% interval", exact=False).count() == 1
    assert panel.get_by_text("Stale:", exact=False).count() == 0
    return paths


def test_downloads_after_monte_carlo(downloads):
    for key, path in downloads.items():
        assert path.stat().st_size > 0, key
    table = pd.read_csv(downloads["dl_csv"])
    assert table["spend"].sum() == pytest.approx(1000)
    book = openpyxl.load_workbook(downloads["dl_xlsx"])
    assert book.sheetnames and book.worksheets[0].max_row > 1
    assert tomllib.loads(downloads["dl_toml"].read_text())["budget"] == pytest.approx(1000)
    result = json.loads(downloads["dl_json"].read_text())
    assert sum(result["allocation"].values()) == pytest.approx(1000)
    html = downloads["dl_brief"].read_text(encoding="utf-8")
    assert "Executive summary" in html
    assert downloads["dl_xlsx"].suffix == ".xlsx" and downloads["dl_brief"].suffix == ".html"


def test_briefing_in_browser(downloads, browser):
    """The downloaded briefing opens from its file, its charts drawn, nothing fetched."""
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    p = context.new_page()
    schemes = set()
    p.on("request", lambda req: schemes.add(urlparse(req.url).scheme))
    p.goto(downloads["dl_brief"].resolve().as_uri())
    p.get_by_role("heading", name="Executive summary").wait_for()
    charts = p.locator("svg.marks")
    assert charts.count() >= 2
    for k in range(charts.count()):
        box = charts.nth(k).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, (k, box)
        assert charts.nth(k).locator("path, rect, line").count() > 0
    p.get_by_role("heading", name="Charts").scroll_into_view_if_needed()
    p.screenshot(path=str(OUTPUT / "briefing.png"))
    assert schemes <= {"file"}, schemes
    context.close()


def test_tab_results_kept_and_marked_stale(page):
    """Every tab's run, then a budget change: each result stays, under a Stale notice."""
    for label, key, shows in RUNS:
        panel = _tab(page, label)
        page.locator(f".st-key-{key} button").click()
        panel.get_by_text(shows, exact=False).first.wait_for(timeout=60_000)
        _wait_idle(page)
        assert panel.get_by_text("Stale:", exact=False).count() == 0, label
    _no_errors(page)

    before = page.locator(HEADLINE).inner_text()
    _set_budget(page, 1200)
    _wait_until(lambda: page.locator(HEADLINE).inner_text() != before, "a new headline")
    _wait_idle(page)
    for label, _, shows in RUNS:
        panel = _tab(page, label)
        stale = panel.get_by_text("Stale:", exact=False)
        stale.wait_for()
        notice = stale.inner_text()
        assert "Budget (1,000 to 1,200)" in notice, (label, notice)
        assert panel.get_by_text(shows, exact=False).first.is_visible(), label
    _tab(page, "Frontier").get_by_text("Stale:", exact=False).scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the chart draw
    page.screenshot(path=str(OUTPUT / "stale-results.png"))
    _no_errors(page)


def test_infeasible_settings_keep_the_page(page):
    """An impossible constraint: an error, the last feasible result greyed, then back."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Custom constraints").click()
    box = sidebar.get_by_role("textbox", name="One per line", exact=False)
    shipped = box.input_value()
    box.fill("precursor >= 2000")
    box.press("Control+Enter")
    try:
        error = page.get_by_test_id("stAlert").filter(has_text="No allocation meets")
        error.wait_for()
        _wait_idle(page)
        assert "precursor" in error.inner_text() and "2000" in error.inner_text()
        greyed = page.locator(".st-key-greyed_result")
        assert greyed.is_visible()
        assert float(greyed.evaluate("e => getComputedStyle(e).opacity")) < 1
        assert greyed.get_by_role("tab", name="Allocation").count() == 1
        assert page.locator(HEADLINE).count() == 0  # no summary for settings that fail
        page.screenshot(path=str(OUTPUT / "infeasible.png"))
    finally:
        box.fill(shipped)
        box.press("Control+Enter")
        page.locator(HEADLINE).wait_for()
        _wait_idle(page)
    assert page.get_by_test_id("stAlert").filter(has_text="No allocation meets").count() == 0
    assert page.locator(".st-key-greyed_result").count() == 0
    _no_errors(page)


def test_app_readable_at_800px(narrow):
    """800 px wide: the summary's figures whole, every tab reachable, the table's columns
    in view."""
    p = narrow
    main = p.get_by_test_id("stMain").bounding_box()
    assert main["width"] >= 500, main  # the sidebar leaves the results room
    for part in ("stMetricLabel", "stMetricValue"):  # the summary's figures are not cut
        for el in p.locator(f".st-key-summary [data-testid={part}] "
                            "[data-testid=stMarkdownContainer]").all():
            width = el.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert width[0] <= width[1], (part, el.inner_text(), width)
    p.wait_for_timeout(500)  # let the fan chart draw
    p.screenshot(path=str(OUTPUT / "landing-800.png"))

    # every tab label is in the window and opens its content
    for label, shows in TAB_CONTENT:
        tab = p.get_by_role("tab", name=label, exact=True)
        tab.scroll_into_view_if_needed()
        box = tab.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 800, (label, box)
        panel = _tab(p, label)
        panel.get_by_text(shows, exact=False).first.wait_for()

    # the allocation table: its first columns in view, uncut, within the window
    _tab(p, "Allocation")
    grid = _grid(p, "Share of budget")
    heads = grid["heads"]
    assert heads[:3] == ["Lever", SPEND, "Share of budget"], heads
    assert len(heads) > 3, heads  # a column after "Share of budget": that one is whole
    frame = p.get_by_role("tabpanel").get_by_test_id("stDataFrame").first
    box = frame.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 800, box
    assert sum(float(r[SPEND]) for r in grid["rows"]) == pytest.approx(1000)
    frame.screenshot(path=str(OUTPUT / "allocation-800.png"))
    _no_errors(p)


def test_concurrent_sessions(pages):
    """Three sessions change the budget at once: each shows its own numbers."""
    pages, budgets = (pages["main"], pages["narrow"], pages["other"]), (400, 1300, 2500)
    expected = {b: _expected_headline(b) for b in budgets}
    boxes = [p.get_by_role("spinbutton", name="Budget ($M per year)", exact=True)
             for p in pages]
    for box, b in zip(boxes, budgets, strict=True):
        box.fill(str(b))
    for box in boxes:  # as near the same time as one driver allows
        box.press("Enter")
    for p, b in zip(pages, budgets, strict=True):
        sentence = expected[b][0]
        _wait_until(lambda p=p, s=sentence: " ".join(
            p.locator(HEADLINE).inner_text().split()) == s, f"the headline for {b}")
    for p, b in zip(pages, budgets, strict=True):
        _wait_idle(p)
        res = expected[b][1]
        spend = _allocation(p)
        assert sum(spend.values()) == pytest.approx(b)
        assert spend == pytest.approx({lv.label: res.spend[lv.name]
                                       for lv in res.scenario.levers})
        assert _metric(p, "Projected deaths") == f"{res.deaths:,.0f}"
        assert p.get_by_test_id("stAlert").filter(has_text="rror").count() == 0
        _no_errors(p)
    assert len({expected[b][0] for b in budgets}) == len(budgets)


def test_sessions_over_the_websocket_protocol_each_get_their_own_answer(server):
    """Four sessions driven by protocol clients (`tests/ws_sessions.py`, as the bench's
    server-side measure) ask for four new budgets at the same moment, twice: each gets
    the sentence the library gives for its own budget."""
    rounds = [[610, 1390, 1770, 2230], [1770, 610, 2230, 1390]]
    results = ws_sessions.concurrent_changes(server, rounds)
    expected = {b: _expected_headline(b)[0] for b in rounds[0]}
    assert [(text, budget) for _, _, text, budget in results] == [
        (expected[b], b) for r in rounds for b in r]
    assert all(0 < to_text <= to_end for to_text, to_end, _, _ in results)


def test_app_in_chromium(page, hosts, tmp_path):
    """A budget change, the CSV download, an uploaded scenario; loopback only."""
    shipped = decide.load_scenario(BASELINE)
    _tab(page, "Allocation")
    before = _metric(page, "Projected deaths")
    budget = shipped.with_overrides({"budget": 2000})
    _set_budget(page, 2000)
    after = _wait_change(page, "Projected deaths", before)
    _wait_idle(page)
    assert after == f"{decide.optimize(budget).deaths:,.0f}"

    # the CSV download parses and spends the budget
    with page.expect_download() as dl:
        page.locator(".st-key-dl_csv button").click()
    csv_path = tmp_path / "allocation.csv"
    dl.value.save_as(csv_path)
    assert pd.read_csv(csv_path)["spend"].sum() == pytest.approx(2000)

    # an uploaded scenario is applied
    sc = shipped.with_overrides({"budget": 600, "levers.gun_flow.lock": 100})
    upload = tmp_path / "uploaded.toml"
    upload.write_text(sc.to_toml())
    current = _metric(page, "Projected deaths")
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(str(upload))
    expected = f"{decide.optimize(sc).deaths:,.0f}"
    _wait_until(lambda: _metric(page, "Projected deaths") == expected, "the upload's result")
    assert expected != current
    _wait_idle(page)
    assert page.get_by_text("Using uploaded file uploaded.toml", exact=False).count() == 1
    assert sum(_allocation(page).values()) == pytest.approx(600)
    page.screenshot(path=str(OUTPUT / "app_full_page.png"))
    _no_errors(page)
    # the page never asked anything of a host other than loopback
    assert hosts <= {"127.0.0.1"}, hosts
