"""The Mexico trade-off tab: US overdose deaths against homicides in Mexico."""

from __future__ import annotations

import streamlit as st

import decide
from decide.reporting import charts
from decide.reporting.labels import lever_labels
from decide.reporting.sentences import tradeoff_sentence

from ..library import chart_spec
from ..outcomes import show_table
from .common import store, stored, table_download

__all__ = ["render"]


def render(res, base):
    """The most US deaths averted reachable for each cap on additional homicides in
    Mexico, the exchange rate along it, and where the current allocation sits."""
    sc = res.scenario
    if sc.mexico is None:
        st.info("This scenario has no [mexico] table, so the violence outcome is not "
                "modelled.")
        return
    st.markdown("Kingpin strikes raise homicides in Mexico; gun-flow enforcement lowers "
                "them. The frontier shows the most US overdose deaths that can be averted "
                "for each cap on additional homicides in Mexico.")
    if st.button("Run the trade-off", key="pa_run"):
        with st.spinner("Optimising under each cap..."):
            store("pareto", sc, decide.pareto(sc, n=11))
    p = stored("pareto", sc)
    if p is None:
        st.info("Press Run the trade-off.")
        return
    current = None
    if res.mexico_homicides is not None:
        current = (float(res.mexico_homicides), float(res.deaths_averted))
    st.vega_lite_chart(spec=chart_spec(_chart, p, current, sc), width="stretch")
    st.caption(f"Both axes over {sc.horizon} years and from zero. Negative homicides: "
               "fewer than with no new spending. Red diamond: the current allocation.")
    st.markdown(tradeoff_sentence(p, sc.horizon, current))
    show_table(sc, p, "pa_table")
    table_download(p, sc, "pareto")


def _chart(p, current, sc):
    return charts.pareto_chart(p, current, lever_labels(sc))
