"""The Frontier tab: the optimal allocation as the budget grows."""

from __future__ import annotations

import numpy as np
import streamlit as st

from decide import analyses
from decide.reporting import charts
from decide.reporting.labels import lever_labels

from ..library import chart_spec, memo
from ..outcomes import show_table
from .common import store, stored, table_download

__all__ = ["render"]


def render(res, base):
    """Spend by lever, deaths averted and the budget's marginal value across budgets."""
    sc = res.scenario
    st.markdown("The optimal allocation as the budget grows, with deaths averted and the "
                "marginal value of the next $1M a year.")
    top = st.number_input("Largest budget ($M per year)", 0.0, 1e9, float(5 * sc.budget),
                          step=250.0, key="fr_max")
    if st.button("Run frontier", key="fr_run"):
        bar = st.progress(0.0, text="Optimising across budgets...")
        f = analyses.frontier(sc, budgets=np.linspace(0.0, top, 21),
                              progress=lambda d, t: bar.progress(d / t, text=f"{d}/{t}"))
        bar.empty()
        store("frontier", sc, f)
    f = stored("frontier", sc)
    if f is None:
        st.info("Press Run frontier (about a second).")
        return
    st.vega_lite_chart(spec=chart_spec(_chart, f, sc), width="stretch")
    st.caption(f"Areas: spend per lever ($M per year, left axis). Black line: deaths "
               f"averted over {sc.horizon} years (right axis).")
    show_table(sc, memo(_wide_table, f), "fr_table")
    table_download(f, sc, "frontier")


def _chart(f, sc):
    return charts.frontier_chart(f, lever_labels(sc))


def _wide_table(f):
    """One row per budget: spend per lever, deaths averted, the budget's marginal value."""
    wide = f.pivot_table(index="budget", columns="lever", values="spend").reset_index()
    wide.columns.name = None
    summary = f.drop_duplicates("budget")[["budget", "deaths_averted",
                                           "marginal_deaths_averted_per_musd"]]
    return wide.merge(summary, on="budget")
