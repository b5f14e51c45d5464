"""The Value of information tab: EVPI and EVPPI, in deaths and in $M a year."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decide import analyses

from .common import store, stored, table_download

__all__ = ["render"]


def render(res, base):
    """What perfect information about all (EVPI) or some (EVPPI) assumptions is worth."""
    sc = res.scenario
    st.markdown("How much would it be worth to know? **EVPI**: the deaths that perfect "
                "information about every assumption would avert by improving the "
                "decision; **EVPPI**: the same for one assumption (or a group). Also in $M "
                "a year at the budget's marginal cost per death averted.")
    names = list(sc.parameters().query("low < high")["name"])
    c1, c2 = st.columns(2)
    n = c1.selectbox("Draws for EVPI", [1_000, 5_000, 20_000], index=1, key="voi_n")
    chosen = c2.multiselect("EVPPI for", names, default=names[:0], key="voi_params")
    if st.button("Run value of information", key="voi_run"):
        bar = st.progress(0.0, text="EVPI...")
        evpi = analyses.evpi(sc, n=int(n), seed=1)
        table = []
        for k, name in enumerate(chosen):
            bar.progress((k + 1) / (len(chosen) + 1), text=f"EVPPI {name}")
            table.append(analyses.evppi(sc, name, n=40, inner=100, seed=1))
        bar.empty()
        store("voi", sc, (evpi, pd.concat(table, ignore_index=True) if table else None))
    result = stored("voi", sc)
    if result is None:
        st.info("Press Run value of information.")
        return
    e, p = result
    r = e.iloc[0]
    st.metric("EVPI (deaths over the horizon)", f"{r['evpi_deaths']:,.1f} "
              f"± {r['se_deaths']:,.1f}")
    st.markdown(f"Worth about **${r['evpi_musd_per_year']:,.1f}M a year** of budget at "
                "the marginal cost per death averted.")
    st.dataframe(e, hide_index=True, key="voi_evpi")
    if p is not None:
        st.dataframe(p, hide_index=True, key="voi_evppi")
        table_download(p, sc, "evppi")
    table_download(e, sc, "evpi")
