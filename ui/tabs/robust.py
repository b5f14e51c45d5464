"""The Robust tab: one allocation for all draws of the assumptions."""

from __future__ import annotations

import streamlit as st

from decide import analyses

from .common import store, stored, table_download

__all__ = ["render"]


def render(res, base):
    """Minimise expected deaths, the worst regret, or a CVaR, with a certified gap."""
    sc = res.scenario
    st.markdown("One allocation for all draws of the assumptions: minimise expected "
                "deaths, the worst regret, or the CVaR of deaths or regret.")
    c1, c2, c3 = st.columns(3)
    objective = c1.selectbox("Objective", ["expected", "regret", "cvar", "cvar_regret"],
                             key="ro_obj")
    n = c2.selectbox("Draws", [200, 500, 1000], index=1, key="ro_n")
    alpha = c3.slider("CVaR level", 0.5, 0.99, 0.9, key="ro_alpha")
    if st.button("Run robust allocation", key="ro_run"):
        with st.spinner("Solving with a certified gap..."):
            store("robust", sc, analyses.robust(sc, n=int(n), seed=1, objective=objective,
                                                alpha=alpha))
    r = stored("robust", sc)
    if r is None:
        st.info("Press Run robust allocation.")
        return
    st.markdown(f"**{r.objective}** over {len(r.draws)} draws: {r.value:,.2f} deaths "
                f"(certified gap {r.gap:.4f}). Method: {r.method}.")
    st.dataframe(r.spend.rename("$M per year").reset_index(), hide_index=True,
                 key="ro_spend")
    st.markdown("Out of sample (fresh draws): the robust allocation against the "
                "base-case optimum.")
    st.dataframe(r.out_of_sample, hide_index=True, key="ro_oos")
    table_download(r.draws, sc, "robust_draws")
