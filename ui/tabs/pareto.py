"""The Mexico trade-off tab: US overdose deaths against homicides in Mexico."""

from __future__ import annotations

import streamlit as st

import decide
from decide.reporting import charts

from .common import store, stored, table_download

__all__ = ["render"]


def render(res, base):
    """The fewest US deaths reachable for each cap on additional homicides in Mexico."""
    sc = res.scenario
    if sc.mexico is None:
        st.info("This scenario has no [mexico] table, so the violence outcome is not "
                "modelled.")
        return
    st.markdown("Kingpin strikes raise homicides in Mexico; gun-flow enforcement lowers "
                "them. The frontier shows the fewest US overdose deaths reachable for each "
                "cap on additional homicides in Mexico.")
    if st.button("Run the trade-off", key="pa_run"):
        with st.spinner("Optimising under each cap..."):
            store("pareto", sc, decide.pareto(sc, n=11))
    p = stored("pareto", sc)
    if p is None:
        st.info("Press Run the trade-off.")
        return
    st.altair_chart(charts.pareto_chart(p), width="stretch")
    st.dataframe(p, hide_index=True, key="pa_table")
    table_download(p, sc, "pareto")
