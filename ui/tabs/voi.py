"""The Value of information tab: EVPI and EVPPI, in deaths and in $M a year."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decide import analyses
from decide.reporting.labels import format_number, param_label
from decide.reporting.sentences import value_of_information_sentence

from ..outcomes import show_table
from .common import store, stored, table_download

__all__ = ["render", "subject"]


def subject(sc, parameters, quote=False):
    """The assumptions of an EVPPI row (``a+b``) in words; quoted (for a sentence) with
    ``quote``: ``the assumption "Market: price elasticity of demand"``."""
    names = [param_label(sc, p) for p in str(parameters).split("+") if p]
    if quote:
        names = [f'"{n}"' for n in names]
    text = " and ".join(names) if len(names) <= 2 else (", ".join(names[:-1]) + " and "
                                                        + names[-1])
    if not quote:
        return text
    return f"the assumption{'s' if len(names) > 1 else ''} {text}"


def render(res, base):
    """What perfect information about all (EVPI) or some (EVPPI) assumptions is worth."""
    sc = res.scenario
    st.markdown("How much would it be worth to know? **EVPI** (expected value of perfect "
                "information): the deaths that knowing every assumption exactly would "
                "avert by improving the decision; **EVPPI** (partial): the same for one "
                "assumption (or a group). Both also in $M a year: the extra budget that "
                "would avert as many deaths at the budget's shadow price.")
    names = list(sc.parameters().query("low < high")["name"])
    c1, c2 = st.columns(2)
    n = c1.selectbox("Draws for EVPI", [1_000, 5_000, 20_000], index=1, key="voi_n")
    chosen = c2.multiselect("EVPPI for", names, default=names[:0], key="voi_params",
                            format_func=lambda k: param_label(sc, k))
    if st.button("Run value of information", key="voi_run"):
        bar = st.progress(0.0, text="EVPI...")
        evpi = analyses.evpi(sc, n=int(n), seed=1)
        table = []
        for k, name in enumerate(chosen):
            bar.progress((k + 1) / (len(chosen) + 1), text=f"EVPPI {param_label(sc, name)}")
            table.append(analyses.evppi(sc, name, n=40, inner=100, seed=1))
        bar.empty()
        store("voi", sc, (evpi, pd.concat(table, ignore_index=True) if table else None))
    result = stored("voi", sc)
    if result is None:
        st.info("Press Run value of information.")
        return
    e, p = result
    r = e.iloc[0]
    st.metric(f"EVPI (deaths averted over {sc.horizon} years)",
              f"{format_number(r['evpi_deaths'])} ± {format_number(r['se_deaths'])}",
              help="± one Monte Carlo standard error")
    st.markdown(value_of_information_sentence(r["evpi_deaths"], r["se_deaths"],
                                              r["evpi_musd_per_year"], sc.horizon))
    show_table(sc, e, "voi_evpi")
    if p is not None:
        st.markdown("**Single assumptions (EVPPI)**\n" + "\n".join(
            "- " + value_of_information_sentence(row["evppi_deaths"], row["se_deaths"],
                                                 row["evppi_musd_per_year"], sc.horizon,
                                                 subject(sc, row["parameters"], quote=True))
            for _, row in p.iterrows()))
        table = p.assign(Assumption=[subject(sc, x) for x in p["parameters"]])
        show_table(sc, table[["Assumption"] + list(p.columns)], "voi_evppi",
                   hide=("parameters",))
        table_download(p, sc, "evppi")
    table_download(e, sc, "evpi")
