"""Benchmark: the landing page's speed in real (headless, Debian) Chromium, against targets.

Run with ``make bench`` (or ``python bench/bench_browser.py``). One ``streamlit run``
server on loopback, one Chromium; prints a table of results against the targets.

What is measured, and how
-------------------------
first render
    From the request for the page to the summary sentence *and* the "90% range" metric
    (its value too) being on screen. Cold: the first visit after each of 3 fresh server
    starts (``python -m ui.launch``, as ``make run``: imports and the default page's
    caches are warmed before ``/_stcore/health`` answers), each from a freshly launched
    browser; median and worst. Warm: later visits in new browser contexts. Timed in the
    page: ``performance.now()`` (zero at navigation start) when a 15 ms poll first sees
    both. Target <= 4 s.
budget change
    A new budget typed into the sidebar and Enter pressed, until the page shows that
    budget's sentence (equal to `decide.reporting.answer.headline` of the library's own
    solve and outlook) and a new median; 10 budgets never asked for before (cache misses:
    a solve, a 5,000-world outlook and the Allocation tab's decision basis each time).
    In the page: from the Enter keydown to the poll seeing both (p50; target <= 0.5 s).
    Server-side: from the rerun request leaving the browser to the sentence's element
    arriving, both from Chromium's own websocket frame timestamps (DevTools protocol), so
    browser rendering is left out.
concurrent sessions
    Server-side: 6 sessions driven over the server's own websocket protocol by light
    clients (`ws_sessions.py`: the ``rerun_script`` messages a browser sends, without
    rendering), each asking for a different new budget at the same moment; 3 rounds (18
    changes); from a rerun leaving the client to that session's own sentence arriving
    (p95; target <= 2 s; every sentence checked against the library's). Also through 6
    Chromium browser contexts (Enter pressed in all six within a few ms; Chromium's frame
    timestamps, and in the page): on a 2-CPU machine the six renderers drawing their charts
    take the CPUs the server needs, so this measures the machine more than the server.
no-op rerun
    A rerun that changes nothing: the "r" shortcut pressed on a settled page (the
    browser sends a rerun request with unchanged widget values). Server-side time from
    that request leaving the browser to the server's ``script_finished`` message arriving
    (websocket frame timestamps again): the script's full run, serialisation and
    loopback transfer, without the browser's rendering. Median of 10; target <= 100 ms.
    Measured on a fresh session and again once every analysis tab has a result. Also
    from a protocol client (`ws_sessions.py`: rerun sent to ``script_finished`` received,
    no browser on the CPUs), and the script's run time alone in-process
    (`streamlit.testing.v1.AppTest`, median of 10 unchanged reruns).
concurrent sessions, server alone
    6 in-process AppTest sessions (threads, as the server runs sessions) changing the
    budget at once, 3 rounds: the server's Python without six Chromium renderers competing
    for the same CPUs (p95; target <= 2 s).

The server and the browser share this machine's CPUs; other load inflates every number.
"""

from __future__ import annotations

import base64
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import ws_sessions  # noqa: E402
from tests.serve import CHROMIUM, CHROMIUM_ARGS, free_port, start, stop  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
BUDGET = "Budget ($M per year)"
#: Analysis tabs and their run buttons (as in ui/tabs/*.py) and a text of their results.
RUNS = (("Frontier", "fr_run", "Areas: spend per lever"),
        ("Tornado", "to_run", "Dashed line: deaths averted"),
        ("Monte Carlo", "mc_run", "90% interval"),
        ("Robust", "ro_run", "Method:"),
        ("Value of information", "voi_run", "EVPI (deaths averted over 10 years)"),
        ("Mexico trade-off", "pa_run", "Red diamond: the current allocation"))

# In every page: a 15 ms poll noting when the summary first shows, and when it shows the
# sentence wanted after an Enter keydown (both in performance.now() milliseconds).
_PAGE_JS = """
window.__b = {shown: null, enter: null, done: null, want: null, old: null};
document.addEventListener('keydown', e => {
  if (e.key === 'Enter') { window.__b.enter = performance.now(); window.__b.done = null; }
}, true);
window.__summary = () => {
  const h = document.querySelector('.st-key-summary h4');
  const metric = label => {
    for (const l of document.querySelectorAll('.st-key-summary [data-testid="stMetricLabel"]')) {
      if (!l.textContent.includes(label)) continue;
      const card = l.closest('[data-testid="stMetric"]');
      const v = card && card.querySelector('[data-testid="stMetricValue"]');
      if (v && v.getBoundingClientRect().height > 0) return v.textContent;
    }
    return null;
  };
  return {headline: h ? h.textContent.replace(/\\s+/g, ' ').trim() : null,
          range: metric('90% range'), median: metric('(median)')};
};
setInterval(() => {
  const b = window.__b;
  if (b.shown !== null && (b.want === null || b.done !== null || b.enter === null)) return;
  const s = window.__summary();
  if (b.shown === null && s.headline && s.range) b.shown = performance.now();
  if (b.want !== null && b.enter !== null && b.done === null && s.headline === b.want
      && s.median !== null && s.median !== b.old) b.done = performance.now();
}, 15);
"""


def _pct(values, q):
    """The ``q`` quantile (0-1) of ``values``, interpolated."""
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def expected_headlines(budgets):
    """{budget: the landing sentence the library gives for the baseline at it}."""
    import decide
    from decide.optimization.newton import in_scope
    from decide.reporting import answer
    from ui.library import LANDING_DRAWS, LANDING_SEED

    base = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
    out = {}
    for b in budgets:
        sc = base.with_overrides({"budget": b})
        res = decide.optimize(sc)
        ol = decide.outlook(sc, res, n=LANDING_DRAWS, seed=LANDING_SEED,
                            reoptimise=in_scope(sc))
        out[b] = answer.headline(res, ol)
    return out


class Frames:
    """A page's websocket frames with Chromium's timestamps (DevTools protocol), decoded:
    rerun requests sent, sentences and ``script_finished`` received."""

    def __init__(self, context, page):
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._back, self._fwd = BackMsg, ForwardMsg
        self.events = []  # (seconds, kind, text)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameSent", self._sent)
        cdp.on("Network.webSocketFrameReceived", self._received)

    @staticmethod
    def _payload(params):
        r = params["response"]
        return base64.b64decode(r["payloadData"]) if r.get("opcode") == 2 else None

    def _sent(self, params):
        data = self._payload(params)
        if data is None:
            return
        msg = self._back.FromString(data)
        if msg.WhichOneof("type") == "rerun_script":
            self.events.append((params["timestamp"], "rerun", ""))

    def _received(self, params):
        data = self._payload(params)
        if data is None:
            return
        msg = self._fwd.FromString(data)
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            self.events.append((params["timestamp"], "finished", ""))
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "markdown" and el.markdown.body.startswith("#### "):
                self.events.append((params["timestamp"], "headline",
                                    " ".join(el.markdown.body[5:].split())))

    def clear(self):
        self.events.clear()

    def latency(self, until, text=None):
        """Seconds from the first rerun request to the first ``until`` event after it
        (a sentence equal to ``text``, or ``finished``), or None."""
        starts = [t for t, k, _ in self.events if k == "rerun"]
        if not starts:
            return None
        ends = [t for t, k, x in self.events if k == until and t >= starts[0]
                and (text is None or x == text)]
        return ends[0] - starts[0] if ends else None


def _new_page(browser, url, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    context.add_init_script(_PAGE_JS)
    page = context.new_page()
    page.set_default_timeout(120_000)
    frames = Frames(context, page)
    page.goto(url)
    return context, page, frames


def _settled(page):
    page.wait_for_function("window.__b.shown !== null", polling=50)
    page.wait_for_selector(IDLE)


def _arm(page, budget, sentence):
    """Type ``budget`` (not yet Enter) and tell the page the sentence to wait for."""
    old = page.evaluate("window.__summary().median")
    page.evaluate("([w, o]) => { Object.assign(window.__b, {want: w, old: o, enter: null, "
                  "done: null}); }", [sentence, old])
    page.get_by_role("spinbutton", name=BUDGET).fill(str(budget))


def _enter(page):
    page.get_by_role("spinbutton", name=BUDGET).press("Enter")


def _in_page_latency(page):
    page.wait_for_function("window.__b.done !== null", polling=20)
    return page.evaluate("(window.__b.done - window.__b.enter) / 1000")


def _wait_frames(page, frames, until, text=None, timeout=60.0):
    end = time.perf_counter() + timeout
    while (value := frames.latency(until, text)) is None:
        if time.perf_counter() > end:
            raise RuntimeError(f"no {until} frame within {timeout} s")
        page.wait_for_timeout(20)  # lets Playwright deliver the DevTools events
    return value


def first_render(browser, url, visits=4):
    """Seconds to the sentence and the 90% range on screen: [first visit, later ...]."""
    out = []
    for _ in range(visits):
        context, page, _ = _new_page(browser, url)
        _settled(page)
        out.append(page.evaluate("window.__b.shown") / 1000)
        context.close()
    return out


def cold_starts(pw, starts=3):
    """Seconds to the sentence and the 90% range for the first visit after each of
    ``starts`` fresh server starts, each from a freshly launched browser (one sample of a
    cold start is noisy: the median and the worst are reported)."""
    out = []
    for _ in range(starts):
        port = free_port()
        proc, _ = start(port)
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            out += first_render(browser, f"http://127.0.0.1:{port}", visits=1)
            browser.close()
        finally:
            stop(proc)
    return out


def budget_changes(browser, url, budgets, sentences):
    """In-page and server-side seconds per budget change, one session."""
    context, page, frames = _new_page(browser, url)
    _settled(page)
    shown, server = [], []
    for b in budgets:
        _arm(page, b, sentences[b])
        frames.clear()
        _enter(page)
        shown.append(_in_page_latency(page))
        server.append(_wait_frames(page, frames, "headline", sentences[b]))
        page.wait_for_selector(IDLE)
    context.close()
    return shown, server


def concurrent(browser, url, rounds, sentences):
    """In-page and server-side seconds per change, sessions changing at once."""
    sessions = [_new_page(browser, url) for _ in rounds[0]]
    for _, page, _ in sessions:
        _settled(page)
    shown, server = [], []
    for budgets in rounds:
        for (_, page, frames), b in zip(sessions, budgets, strict=True):
            _arm(page, b, sentences[b])
            frames.clear()
        for _, page, _ in sessions:  # the six Enters leave within a few ms
            _enter(page)
        for (_, page, frames), b in zip(sessions, budgets, strict=True):
            shown.append(_in_page_latency(page))
            server.append(_wait_frames(page, frames, "headline", sentences[b]))
        for _, page, _ in sessions:
            page.wait_for_selector(IDLE)
    for context, _, _ in sessions:
        context.close()
    return shown, server


def _noop(page, frames, runs):
    times = []
    for _ in range(runs):
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(300)  # let the page settle
        frames.clear()
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("r")
        times.append(_wait_frames(page, frames, "finished"))
    page.wait_for_selector(IDLE)
    return times


def noop_reruns(browser, url, runs=10):
    """Server-side seconds of unchanged reruns: fresh session; every analysis run."""
    context, page, frames = _new_page(browser, url)
    _settled(page)
    fresh = _noop(page, frames, runs)
    for label, key, shows in RUNS:
        page.get_by_role("tab", name=label, exact=True).click()
        page.locator(f".st-key-{key} button").click()
        page.get_by_role("tabpanel").get_by_text(shows, exact=False).first.wait_for()
        page.wait_for_selector(IDLE)
    loaded = _noop(page, frames, runs)
    context.close()
    return fresh, loaded


def apptest_noop(runs=10):
    """Seconds of the script's run alone (in-process AppTest), unchanged reruns."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.run()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
    return times


def apptest_concurrent(sessions=6, rounds=3):
    """Seconds per budget change for ``sessions`` in-process AppTest sessions changing the
    budget at once (threads released together by a barrier; every budget new, so each run
    solves and scores 5,000 worlds): the server's Python alone, without the browsers that
    share this machine's CPUs in the Chromium measurement."""
    import threading

    from streamlit.testing.v1 import AppTest

    ats = [AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
           for _ in range(sessions)]
    times = []
    for r in range(rounds):
        barrier = threading.Barrier(sessions)

        def change(i, r=r, barrier=barrier):
            at = ats[i]
            at.number_input(key="w:budget").set_value(700.0 + 37 * (r * sessions + i))
            barrier.wait()
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)

        threads = [threading.Thread(target=change, args=(i,)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for at in ats:
        assert not at.exception, at.exception
    return times


def _step(text):
    print(f"[bench_browser] {text}", file=sys.stderr, flush=True)


def main():
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()[0]
    changes = [1050 + 50 * k for k in range(10)]
    rounds = [[1575 + 25 * (6 * r + k) for k in range(6)] for r in range(3)]
    ws_rounds = [[2075 + 25 * (6 * r + k) for k in range(6)] for r in range(3)]
    sentences = expected_headlines(changes + [b for r in rounds + ws_rounds for b in r])
    with sync_playwright() as pw:
        _step("cold starts")
        cold = cold_starts(pw)
    port = free_port()
    proc, healthy = start(port)
    url = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _step("first render")
            first = first_render(browser, url)
            _step("budget changes")
            shown, server = budget_changes(browser, url, changes, sentences)
            _step("6 concurrent sessions")
            c_shown, c_server = concurrent(browser, url, rounds, sentences)
            _step("no-op reruns")
            fresh, loaded = noop_reruns(browser, url)
            browser.close()
        _step("6 concurrent sessions over the websocket, no browser")
        ws = ws_sessions.concurrent_changes(url, ws_rounds)
        _step("no-op reruns over the websocket, no browser")
        ws_noop = ws_sessions.noop_reruns(url)
    finally:
        stop(proc)
    _step("no-op reruns in AppTest")
    script = apptest_noop()
    _step("6 concurrent sessions in AppTest")
    alone = apptest_concurrent()

    sys.stdout = sys.stderr  # AppTest runs leave the process stdout unusable
    med = statistics.median
    ws_server = [math.inf if t is None else t for t, _, _, _ in ws]  # inf: no sentence
    ws_right = sum(text == sentences[b] for _, _, text, b in ws)
    rows = [
        ("server start to /_stcore/health ok", f"{healthy:.2f} s", "", None),
        (f"first render after a server start, fresh browser (median of {len(cold)})",
         f"{med(cold):.2f} s", "<= 4 s", med(cold) <= 4),
        ("  worst of those starts", f"{max(cold):.2f} s", "", None),
        ("  first visit to the server measured below", f"{first[0]:.2f} s", "", None),
        (f"  later visits, new contexts (median of {len(first) - 1})",
         f"{med(first[1:]):.2f} s", "<= 4 s", med(first[1:]) <= 4),
        (f"budget change -> new sentence, in page (p50 of {len(shown)})",
         f"{med(shown):.3f} s", "<= 0.5 s", med(shown) <= 0.5),
        ("  server-side (rerun sent -> sentence received), p50", f"{med(server):.3f} s",
         "", None),
        (f"6 sessions at once, server-side p95 ({len(ws_server)} changes, protocol "
         "clients)", f"{_pct(ws_server, 0.95):.2f} s", "<= 2 s", _pct(ws_server, 0.95) <= 2),
        ("  each session's own sentence (checked against the library)",
         f"{ws_right} of {len(ws)}", "all", ws_right == len(ws)),
        ("  through 6 Chromium pages on the same CPUs, frame timestamps, p95",
         f"{_pct(c_server, 0.95):.2f} s", "<= 2 s", _pct(c_server, 0.95) <= 2),
        ("    in page p95 / max", f"{_pct(c_shown, 0.95):.2f} / {max(c_shown):.2f} s", "",
         None),
        (f"  server alone: 6 AppTest sessions at once, p95 ({len(alone)} changes)",
         f"{_pct(alone, 0.95):.2f} s", "<= 2 s", _pct(alone, 0.95) <= 2),
        ("no-op rerun, server-side (median of 10)", f"{med(fresh) * 1e3:.0f} ms",
         "<= 100 ms", med(fresh) <= 0.1),
        ("  with every analysis tab's result on the page", f"{med(loaded) * 1e3:.0f} ms",
         "<= 100 ms", med(loaded) <= 0.1),
        ("  from a protocol client, no browser (median of 10)",
         f"{med(ws_noop) * 1e3:.0f} ms", "<= 100 ms", med(ws_noop) <= 0.1),
        ("  script alone, in-process AppTest (median of 10)",
         f"{med(script) * 1e3:.0f} ms", "", None),
    ]
    print(f"Landing page in headless Chromium (server and browser on this machine: "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end)")
    print(f"  {'measure':<68} {'result':>14}  {'target':<9} ok")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "MISSED")
        print(f"  {name:<68} {value:>14}  {target:<9} {mark}")
    print(f"  cold starts: {', '.join(f'{x:.2f}' for x in cold)} s; "
          f"first visits: {', '.join(f'{x:.2f}' for x in first)} s; budget changes in "
          f"page: {', '.join(f'{x:.2f}' for x in shown)} s")


if __name__ == "__main__":
    main()
