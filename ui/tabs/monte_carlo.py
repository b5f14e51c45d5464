"""The Monte Carlo tab: re-optimise the allocation for draws of every assumption."""

from __future__ import annotations

import streamlit as st

import decide
from decide.reporting import charts
from decide.reporting.labels import engine_label, lever_label, lever_labels

from ..library import chart_spec, memo
from ..outcomes import show_table
from ..runs import collect_chunks, safe_name
from .common import store, stored

__all__ = ["render", "CHUNK"]

#: Draws per chunk between progress updates.
CHUNK = 2_000


def render(res, base):
    """How often each lever is funded across draws, and the spread of deaths averted."""
    sc = res.scenario
    st.markdown("Every assumption is drawn from PERT(low, base, high) and the allocation is "
                "**re-optimised for each draw**: how often is each lever worth funding?")
    c1, c2 = st.columns(2)
    n = c1.selectbox("Draws", [1_000, 10_000, 50_000], index=1, key="mc_n")
    seed = c2.number_input("Seed", 0, 2**31 - 1, 1, key="mc_seed")
    if st.button("Run Monte Carlo", key="mc_run"):
        bar = st.progress(0.0, text="Sampling and re-optimising...")
        mc = collect_chunks(
            decide.monte_carlo_chunks(sc, n=int(n), seed=int(seed), chunk=CHUNK), int(n),
            lambda done, total: bar.progress(done / total, text=f"{done:,} of {total:,} draws"))
        store("monte_carlo", sc, mc)
        bar.empty()
    mc = stored("monte_carlo", sc)
    if mc is None:
        st.info("Press Run Monte Carlo (10,000 draws take about a second).")
        return
    q = mc["deaths_averted"].quantile([0.05, 0.5, 0.95])
    how = engine_label(mc.attrs.get("engine"))
    st.markdown(f"{len(mc):,} draws{f' ({how})' if how else ''}. Deaths averted over "
                f"{sc.horizon} years: median **{q[0.5]:,.0f}**, 90% interval "
                f"{q[0.05]:,.0f} to {q[0.95]:,.0f}.")
    c1, c2 = st.columns(2)
    c1.vega_lite_chart(spec=chart_spec(_funded_chart, mc, sc), width="stretch")
    c2.vega_lite_chart(spec=chart_spec(charts.averted_histogram, mc), width="stretch")
    summary = memo(_spend_summary, mc, sc)
    st.markdown("**Spend per lever across draws** ($M per year; each draw's own optimum)")
    show_table(sc, summary, "mc_table", hide=("quantity",),
               labels={"Funded": "Funded (share of draws, %)"},
               formats={"Funded": "percent"})
    st.download_button("Download Monte Carlo draws (CSV)",
                       lambda: mc.to_csv(index=False).encode(), on_click="ignore",
                       file_name=f"{safe_name(sc.name)}_monte_carlo.csv", key="dl_mc")


def _funded_chart(mc, sc):
    return charts.funded_chart(mc, lever_labels(sc))


def _spend_summary(mc, sc):
    """`decide.summarize` of the draws' spend per lever, with each lever's label."""
    summary = decide.summarize(mc)
    summary = summary[summary["quantity"].str.startswith("spend.")].rename(
        columns={"p_funded": "Funded"})
    summary.insert(0, "Lever", [lever_label(sc, k[6:]) for k in summary["quantity"]])
    return summary
