"""The Experts tab: the shipped panel of (illustrative) experts, each one's allocation,
the cross-regret matrix, the pooled and the robust allocation (`decide.experts`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import decide
from decide.reporting.labels import lever_label
from decide.reporting.sentences import cross_regret_sentence, experts_sentences

from ..library import expert_panel, expert_panel_result, toml_of
from .common import store, stored

__all__ = ["render", "DRAWS", "ROW_LABELS", "allocations_table", "cross_regret_table",
           "panel_table"]

#: Draws of each expert's beliefs the tab offers.
DRAWS = (500, 2_000, 5_000)
#: Readable names of the panel's two joint allocations.
ROW_LABELS = {"pooled": "Pooled (best on average over the mixed beliefs)",
              "robust": "Robust (smallest worst-case extra deaths across the experts)"}


def _row(name):
    return ROW_LABELS.get(name, name)


def panel_table(result, panel):
    """One row per expert: name, affiliation, whether illustrative, position, weight."""
    positions = {e.name: e.position for e in panel.experts}
    ex = result.experts
    return pd.DataFrame({
        "Expert": list(ex.index),
        "Affiliation": list(ex["affiliation"]),
        "Illustrative (constructed, not elicited)": ["yes" if v else "no"
                                                     for v in ex["illustrative"]],
        "Assumptions they set (number)": ex["parameters"].astype(int).to_numpy(),
        "Weight in the pool": ex["weight"].astype(float).to_numpy(),
        "Position": [positions.get(n, "") for n in ex.index],
    })


def allocations_table(result, sc):
    """Each allocation ($M per year by lever, readable headings) and its certified gap."""
    a = result.allocations
    levers = [c for c in a.columns if c != "gap"]
    table = pd.DataFrame({"Allocation": [_row(n) for n in a.index]})
    for lv in levers:
        table[f"{lever_label(sc, lv)} ($M per year)"] = a[lv].astype(float).to_numpy()
    table["Certified gap (deaths)"] = a["gap"].astype(float).to_numpy()
    return table


def cross_regret_table(result):
    """The cross-regret matrix with readable headings: rows allocations, columns whose
    beliefs score them (extra deaths)."""
    cr = result.cross_regret
    table = pd.DataFrame({"Allocation": [_row(n) for n in cr.index]})
    for col in cr.columns:
        table[f"Extra deaths under {col}'s beliefs"] = cr[col].astype(float).to_numpy()
    table["Worst case (largest extra deaths)"] = cr.max(axis=1).to_numpy()
    return table


def _numbers(table, fmt):
    return {c: st.column_config.NumberColumn(c, format=fmt) for c in table.columns
            if pd.api.types.is_float_dtype(table[c])}


def render(res, base):
    """What each expert would fund, what following one costs under another's beliefs,
    and what the panel recommends together."""
    sc = res.scenario
    st.markdown("Experts disagree about some assumptions. Each expert of the panel gives "
                "their own values for a few of them (the others keep the current "
                "settings); the tab finds each expert's best allocation, what following one "
                "expert costs under another's beliefs (**cross-regret**), a **pooled** "
                "allocation (best on average over a mix of the experts' beliefs) and a "
                "**robust** one (no expert expects to lose much by it).")
    st.warning("The shipped experts are **illustrative**: positions built from published "
               "statements and turned into numbers by the analyst, not elicited from real "
               "people. Use them to see how the decision depends on a position, never as "
               "anyone's estimate.", icon="⚠️")
    c1, c2 = st.columns(2)
    n = c1.selectbox("Draws of each expert's beliefs", list(DRAWS), index=1, key="ex_n",
                     format_func=lambda v: f"{v:,}")
    seed = c2.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1,
                           key="ex_seed")
    if st.button("Run the expert panel", key="ex_run"):
        with st.spinner("Optimising for each expert, the pool and the panel..."):
            try:
                store("experts", sc, expert_panel_result(toml_of(sc), int(n), int(seed)))
            except decide.DecideError as exc:
                st.error(f"Cannot run the panel on these settings: {exc}")
    r = stored("experts", sc)
    if r is None:
        st.info("Press Run the expert panel.")
        return
    lines = experts_sentences(r, sc)
    st.markdown(lines[0])
    st.markdown("**The experts**")
    panel = panel_table(r, expert_panel())
    st.dataframe(panel, hide_index=True, key="ex_panel",
                 column_config={"Weight in the pool": st.column_config.NumberColumn(
                     "Weight in the pool", format="%.2f")})
    st.markdown("**Their allocations**\n\n" + "\n".join(f"- {line}" for line in lines[1:]))
    table = allocations_table(r, sc)
    st.dataframe(table, hide_index=True, key="ex_alloc",
                 column_config=_numbers(table, "%.1f"))
    st.markdown("**Cross-regret**\n\n" + cross_regret_sentence(r, sc))
    cross = cross_regret_table(r)
    st.dataframe(cross, hide_index=True, key="ex_cross",
                 column_config=_numbers(cross, "%.1f"))
    weights = ", ".join(f"{name} {w:.2f}" for name, w in r.experts["weight"].items())
    st.caption(f"Weights used in the pool: {weights}. Note: {r.note}. {r.n:,} draws of "
               f"each expert, seed {int(r.seed_entropy)}. The experts' values replace the "
               "current settings of the assumptions they set.")
