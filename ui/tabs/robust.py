"""The Robust tab: one allocation for all draws of the assumptions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decide import analyses
from decide.reporting.labels import OBJECTIVE_LABELS, lever_label
from decide.reporting.sentences import robust_sentences

from ..library import solve, toml_of
from ..outcomes import show_table
from .common import store, stored, table_download

__all__ = ["render", "CVAR_OBJECTIVES", "DEFAULT_ALPHA"]

#: Objectives that take a CVaR level (the slider shows for these only).
CVAR_OBJECTIVES = ("cvar", "cvar_regret")
#: The CVaR level used when none is chosen.
DEFAULT_ALPHA = 0.9


def render(res, base):
    """Minimise expected deaths, the worst regret, or a CVaR, with a certified gap."""
    sc = res.scenario
    st.markdown("One allocation for all draws of the assumptions: minimise expected "
                "deaths, the worst-case regret (deaths above each draw's own best "
                "allocation), or the average of the worst draws' deaths or regrets (CVaR).")
    c1, c2, c3 = st.columns(3)
    objective = c1.selectbox("Objective", list(OBJECTIVE_LABELS), key="ro_obj",
                             format_func=OBJECTIVE_LABELS.get)
    n = c2.selectbox("Draws", [200, 500, 1000], index=1, key="ro_n")
    alpha = DEFAULT_ALPHA
    if objective in CVAR_OBJECTIVES:
        alpha = c3.slider("CVaR level (alpha)", 0.5, 0.99, DEFAULT_ALPHA, key="ro_alpha",
                          help="The average is over the worst (1 - alpha) share of draws: "
                               "0.9 averages the worst 10%")
    if st.button("Run robust allocation", key="ro_run"):
        with st.spinner("Solving with a certified gap..."):
            store("robust", sc, analyses.robust(sc, n=int(n), seed=1, objective=objective,
                                                alpha=alpha))
    r = stored("robust", sc)
    if r is None:
        st.info("Press Run robust allocation.")
        return
    reference = solve(toml_of(sc)).spend  # the base-case optimum (deaths, no phasing)
    st.markdown("\n\n".join(robust_sentences(r, sc, reference)))
    st.caption(f"Method: {r.method}.")
    spend = pd.DataFrame({"Lever": [lever_label(sc, k) for k in r.spend.index],
                          "robust": r.spend.to_numpy(),
                          "base": reference.reindex(r.spend.index).to_numpy()})
    spend["difference"] = spend["robust"] - spend["base"]
    show_table(sc, spend, "ro_spend",
               labels={"robust": "Robust allocation ($M per year)",
                       "base": "Base-case optimum ($M per year)",
                       "difference": "Robust minus base case ($M per year)"},
               formats={"robust": "%.1f", "base": "%.1f", "difference": "%+.1f"})
    st.markdown("Out of sample (fresh draws): the robust allocation against the "
                "base-case optimum.")
    show_table(sc, r.out_of_sample, "ro_oos")
    table_download(r.draws, sc, "robust_draws")
