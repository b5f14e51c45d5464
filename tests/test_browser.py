"""The app in a real browser: Playwright driving Debian's chromium on loopback."""

import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

import decide

from .serve import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start, stop

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="needs Debian's chromium (make test installs it)")
OUTPUT = ROOT / "tests" / "output"


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


def _metric(page, label):
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text()


def _wait_idle(page):
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=30_000)


def _wait_change(page, label, old, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = _metric(page, label)
        except Exception:  # noqa: BLE001 - the element is being re-rendered
            value = old
        if value != old:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{label} stayed at {old}")


def test_app_in_chromium(server, browser, tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 2200},
                                  accept_downloads=True)
    page = context.new_page()
    hosts = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname))
    page.goto(server)
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
    page.get_by_test_id("stMetricValue").first.wait_for(timeout=30_000)
    _wait_idle(page)
    before = _metric(page, "Projected deaths")
    shipped = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
    assert before == f"{decide.optimize(shipped).deaths:,.0f}"

    # change the budget: Projected deaths must follow
    budget = page.get_by_role("spinbutton", name="Budget ($M per year)")
    budget.fill("2000")
    budget.press("Enter")
    after = _wait_change(page, "Projected deaths", before)
    _wait_idle(page)
    assert after != before

    # the CSV download parses and spends at most the budget
    with page.expect_download() as dl:
        page.get_by_test_id("stDownloadButton").filter(
            has_text="Download allocation (CSV)").get_by_role("button").click()
    csv_path = tmp_path / "allocation.csv"
    dl.value.save_as(csv_path)
    table = pd.read_csv(csv_path)
    assert table["spend"].sum() <= 2000 + 1e-6
    assert table["spend"].sum() == pytest.approx(2000)

    # an uploaded scenario is applied

    sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml").with_overrides(
        {"budget": 600, "levers.gun_flow.lock": 100})
    upload = tmp_path / "uploaded.toml"
    upload.write_text(sc.to_toml())
    current = _metric(page, "Projected deaths")
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(str(upload))
    expected = f"{decide.optimize(sc).deaths:,.0f}"
    end = time.time() + 30
    while _metric(page, "Projected deaths") != expected and time.time() < end:
        time.sleep(0.1)
    assert _metric(page, "Projected deaths") == expected != current
    _wait_idle(page)
    assert page.get_by_text("Using uploaded file uploaded.toml", exact=False).count() == 1

    page.get_by_text("Download briefing (HTML)").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # let the charts finish drawing
    page.screenshot(path=str(OUTPUT / "app_full_page.png"), full_page=True)
    # the page never asked anything of a host other than loopback
    assert hosts <= {"127.0.0.1"}, hosts
    context.close()


def test_app_readable_at_800px(server, browser):
    context = browser.new_context(viewport={"width": 800, "height": 1600})
    page = context.new_page()
    page.goto(server)
    page.get_by_test_id("stMetricValue").first.wait_for(timeout=30_000)
    _wait_idle(page)
    page.get_by_text("Download briefing (HTML)").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # let the charts finish drawing
    page.screenshot(path=str(Path(OUTPUT) / "app_800px.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    context.close()
