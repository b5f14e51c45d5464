"""Streamlit sessions driven over the server's own websocket protocol, without a browser.

A real ``streamlit run`` server sees exactly what a browser sends (``BackMsg`` protobufs
on ``/_stcore/stream``: a ``rerun_script`` with the widgets' values) and answers as it
would to a browser; only the rendering is missing. On a 2-CPU machine, six Chromium
renderers drawing six pages of charts take the CPUs the server needs, so their frame
timestamps measure the machine, not the server; these clients cost a few ms of protobuf
parsing per rerun. Used by `bench/bench_browser.py` for the server-side targets and by
`tests/test_browser.py`.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

__all__ = ["Session", "concurrent_changes", "noop_reruns"]

HEADLINE = "#### "


class Session:
    """One app session: connect, run the page, change the budget, time the answers."""

    def __init__(self, url):
        self.url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.ws = None
        self.budget_id = None

    async def open(self):
        """Connect and run the page once (as a browser's first visit); seconds taken."""
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"],
                                           max_size=None)
        seconds, _, _ = await self.rerun(None)
        if self.budget_id is None:
            raise RuntimeError("the page has no budget input (key w:budget)")
        return seconds

    async def close(self):
        await self.ws.close()

    async def rerun(self, budget):
        """Send a rerun (with ``budget`` as the budget input's value, or no widget values
        on the first run); wait for ``script_finished``. Returns (seconds to the summary
        sentence, seconds to the run's end, the sentence)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = ""
        if budget is not None:
            state = msg.rerun_script.widget_states.widgets.add()
            state.id, state.double_value = self.budget_id, float(budget)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        headline = t_headline = None
        while True:
            fwd = ForwardMsg.FromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "script_finished":
                return t_headline, time.perf_counter() - t0, headline
            if kind != "delta" or fwd.delta.WhichOneof("type") != "new_element":
                continue
            el = fwd.delta.new_element
            which = el.WhichOneof("type")
            if which == "markdown" and el.markdown.body.startswith(HEADLINE):
                headline = " ".join(el.markdown.body[len(HEADLINE):].split())
                t_headline = time.perf_counter() - t0
            elif which == "number_input" and el.number_input.id.endswith("-w:budget"):
                self.budget_id = el.number_input.id


async def _concurrent(url, rounds):
    sessions = [Session(url) for _ in rounds[0]]
    for s in sessions:
        await s.open()
    out = []
    for budgets in rounds:
        out += await asyncio.gather(*(s.rerun(b) for s, b in zip(sessions, budgets,
                                                                 strict=True)))
    for s in sessions:
        await s.close()
    return out


def concurrent_changes(url, rounds):
    """Sessions changing the budget at once: ``rounds`` is a list of lists of budgets, one
    per session; each round's reruns leave together. Returns, per change, (seconds to
    the new sentence, seconds to the run's end, the sentence, the budget)."""
    results = _run(_concurrent(url, rounds))
    budgets = [b for r in rounds for b in r]
    return [(*r, b) for r, b in zip(results, budgets, strict=True)]


async def _noop(url, runs, budget):
    s = Session(url)
    await s.open()
    await s.rerun(budget)
    times = []
    for _ in range(runs):
        await asyncio.sleep(0.3)
        times.append((await s.rerun(budget))[1])
    await s.close()
    return times


def noop_reruns(url, runs=10, budget=1000.0):
    """Seconds from a rerun that changes nothing leaving the client to the server's
    ``script_finished`` arriving, ``runs`` times on one fresh session."""
    return _run(_noop(url, runs, budget))


def _run(coroutine):
    """``asyncio.run`` in a thread of its own (the caller's thread may already run an
    event loop: Playwright's sync API does)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
