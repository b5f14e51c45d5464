"""The landing summary above the tabs: the answer in one sentence, its range over
plausible worlds, why each lever gets what it gets, and deaths by year with their spread.

Wiring only: the words come from `decide.reporting.answer`, the numbers from
`decide.outlook` and the charts from `decide.reporting.charts` (both cached per
scenario in `ui.library`).
"""

from __future__ import annotations

import streamlit as st

from decide.reporting import answer

from .library import fan_specs, toml_of

__all__ = ["render"]


def render(res, out):
    """The summary of result ``res`` with its outlook ``out`` (an `Outlook`)."""
    sc = res.scenario
    with st.container(border=True, key="summary"):
        st.markdown(f"#### {answer.headline(res, out)}")
        low, median, high = out.interval()
        s_low, s_high = out.share_of_baseline()
        c1, c2, c3 = st.columns(3)
        c1.metric(f"Deaths averted over {sc.horizon} years (median)", f"{median:,.0f}",
                  help=f"90% of {out.n:,} plausible worlds fall between {low:,.0f} and "
                       f"{high:,.0f}. " + answer.budget_sentence(res))
        c2.metric("90% range", f"{low:,.0f} - {high:,.0f}",
                  help=f"{100 * s_low:.2g}% to {100 * s_high:.2g}% of the deaths "
                       "projected with no new spending")
        c3.metric("Best choice in", "not computed" if out.p_best is None else
                  f"{out.p_best:.0%} of worlds",
                  help=f"Share of plausible worlds where this allocation averts within "
                       f"{out.tolerance:.0%} of what that world's own best allocation "
                       "averts")
        st.caption(answer.budget_sentence(res))
        st.markdown("**Why each lever gets what it gets**\n"
                    + "\n".join(f"- {line}" for line in answer.lever_reasons(res, out)))
        deaths, averted = fan_specs(toml_of(sc), res.phased, res.objective)
        c1, c2 = st.columns(2)
        c1.vega_lite_chart(spec=deaths, width="stretch", key="fan_chart")
        c2.vega_lite_chart(spec=averted, width="stretch", key="averted_chart")
        with st.expander("Details: the base case and solver precision"):
            st.markdown(answer.uncertainty_sentence(res, out))
            st.markdown(answer.gap_sentence(res))
            st.caption(f"Worlds: {out.n:,} draws of every assumption from its range (seed "
                       f"{out.seed_entropy}; `decide.outlook(sc, n={out.n}, "
                       f"seed={out.seed_entropy})` repeats them). Each world's own best "
                       "allocation is found exactly; this allocation is scored against it.")
