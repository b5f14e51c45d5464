"""Benchmark: the app's speed, measured in headless chromium and server-side.

Run with ``make bench``. Prints: server start to healthy; first render of the results
(from page load to the metrics, after the server is healthy); a budget change to the
updated ``Projected deaths``; and the server-side rerun time of a slider change
(AppTest, median of 10).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve import CHROMIUM, CHROMIUM_ARGS, free_port, start, stop  # noqa: E402


def _metric(page):
    card = page.get_by_test_id("stMetric").filter(has_text="Projected deaths").first
    return card.get_by_test_id("stMetricValue").inner_text()


def browser_times(runs=5):
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc, healthy = start(port)
    first, change = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for k in range(runs):
                page = browser.new_page(viewport={"width": 1280, "height": 1600})
                t = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}")
                page.get_by_test_id("stMetricValue").first.wait_for(timeout=30_000)
                first.append(time.perf_counter() - t)
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state='
                                       '"notRunning"]')
                old = _metric(page)
                box = page.get_by_role("spinbutton", name="Budget ($M per year)")
                box.fill(str(1100 + 100 * k))
                t = time.perf_counter()
                box.press("Enter")
                while _metric(page) == old:
                    time.sleep(0.005)
                change.append(time.perf_counter() - t)
                page.close()
            browser.close()
    finally:
        stop(proc)
    return healthy, first, change


def rerun_times(runs=10):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    key = "w:levers.precursor.max_effect"
    times = []
    for k in range(runs):
        slider = at.slider(key=key)
        slider.set_value(0.05 + 0.02 * k)
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    return times


def main():
    healthy, first, change = browser_times()
    reruns = rerun_times()
    med = statistics.median
    print("Streamlit app, headless chromium on loopback (medians)")
    print(f"  server start to healthy            {healthy:6.2f} s")
    print(f"  first render of results            {med(first):6.2f} s   (first visit "
          f"{first[0]:.2f} s; target <= 8 s, aim 4 s)")
    print(f"  budget change -> Projected deaths  {med(change):6.2f} s   (target <= 1.5 s)")
    print(f"  server-side rerun, slider change   {med(reruns) * 1e3:6.0f} ms  (AppTest, "
          f"{len(reruns)} runs, new solve each time)")


if __name__ == "__main__":
    main()
