"""The Tornado tab: each assumption at its low and high value, re-optimised."""

from __future__ import annotations

import streamlit as st

from decide import analyses
from decide.reporting import charts
from decide.reporting.labels import format_number, param_label, param_unit
from decide.reporting.sentences import switch_sentences

from ..library import solve
from ..outcomes import show_table
from .common import store, stored, table_download

__all__ = ["render", "TOP"]

#: The largest swings the chart shows (assumptions that change the decision come too).
TOP = 15


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
    reference = solve(sc.to_toml())  # the tornado's base case: deaths, no phasing
    st.altair_chart(charts.tornado_chart(t, TOP, sc=sc,
                                         base_averted=reference.deaths_averted),
                    width="stretch")
    shown = charts.tornado_selection(t, TOP)
    st.caption(f"Dashed line: deaths averted over {sc.horizon} years with every assumption "
               f"at its base value ({format_number(reference.deaths_averted)}). Each bar runs "
               "from it to the deaths averted with one assumption at the low or high end "
               "of its range, the allocation re-optimised. Shown: the "
               f"{min(TOP, len(shown))} largest swings and every assumption that changes "
               f"the decision (marked {charts.SWITCH_MARK.strip()}); {len(shown)} of "
               f"{t['parameter'].nunique()} assumptions.")
    lines = switch_sentences(t, sc, reference.spend)
    if lines:
        st.markdown("**Assumptions that change the decision** (the value where the "
                    "allocation first changes, and the allocation at the end of the range "
                    "against the base-case optimum):\n" + "\n".join(f"- {x}" for x in lines))
    else:
        st.markdown("**No single assumption, moved to its low or high value, changes "
                    "which levers are funded or moves more than 10% of the budget.**")
    table = t.assign(Assumption=[param_label(sc, p) for p in t["parameter"]],
                     Unit=[param_unit(sc, p) for p in t["parameter"]])
    table = table[["Assumption", "Unit"] + list(t.columns)]
    show_table(sc, table, "to_table", hide=("parameter",))
    table_download(t, sc, "tornado")
