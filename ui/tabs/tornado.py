"""The Tornado tab: each assumption at its low and high value, re-optimised."""

from __future__ import annotations

import streamlit as st

from decide import analyses
from decide.reporting import charts
from decide.reporting.labels import format_number, param_label, param_unit
from decide.reporting.sentences import switch_sentences

from ..library import chart_spec, memo, solve, toml_of
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
    reference = solve(toml_of(sc))  # the tornado's base case: deaths, no phasing
    st.vega_lite_chart(spec=chart_spec(charts.tornado_chart, t, TOP, sc=sc,
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
    lines = memo(_switch_lines, t, sc, reference)
    if lines:
        st.markdown("**Assumptions that change the decision** (the value where the "
                    "allocation first changes, and the allocation at the end of the range "
                    "against the base-case optimum):\n" + "\n".join(f"- {x}" for x in lines))
    else:
        st.markdown("**No single assumption, moved to its low or high value, changes "
                    "which levers are funded or moves more than 10% of the budget.**")
    show_table(sc, memo(_display_table, t, sc), "to_table", hide=("parameter",))
    table_download(t, sc, "tornado")


def _switch_lines(t, sc, reference):
    return switch_sentences(t, sc, reference.spend)


def _display_table(t, sc):
    """The tornado table with each assumption's label and unit in front."""
    labels = {p: (param_label(sc, p), param_unit(sc, p)) for p in t["parameter"].unique()}
    table = t.assign(Assumption=[labels[p][0] for p in t["parameter"]],
                     Unit=[labels[p][1] for p in t["parameter"]])
    return table[["Assumption", "Unit"] + list(t.columns)]
