"""The Tornado tab: each assumption at its low and high value, re-optimised."""

from __future__ import annotations

import streamlit as st

from decide import analyses
from decide.reporting import charts

from .common import store, stored, table_download

__all__ = ["render"]


def render(res, base):
    """Which assumptions move deaths averted most, and which change the decision."""
    sc = res.scenario
    st.markdown("Each assumption at its low and its high value, **re-optimising** the "
                "allocation: which assumptions move deaths averted most, and which change "
                "the decision (and at what value)?")
    if st.button("Run tornado", key="to_run"):
        bar = st.progress(0.0, text="Re-optimising at each low and high value...")
        t = analyses.tornado(sc, progress=lambda d, n: bar.progress(d / n, text=f"{d}/{n}"))
        bar.empty()
        store("tornado", sc, t)
    t = stored("tornado", sc)
    if t is None:
        st.info("Press Run tornado (a few seconds: two optimisations per assumption, more "
                "where the decision switches).")
        return
    st.altair_chart(charts.tornado_chart(t), width="stretch")
    switches = t[t["allocation_changed"]]
    if len(switches):
        st.markdown("**Assumptions that change the decision:** " + "; ".join(
            f"{r.parameter} at its {r.side} side (switches at {r.switching_value:.4g})"
            for r in switches.itertuples()))
    else:
        st.markdown("**No single assumption, moved to its low or high value, changes "
                    "which levers are funded or moves more than 10% of the budget.**")
    st.dataframe(t, hide_index=True, key="to_table")
    table_download(t, sc, "tornado")
