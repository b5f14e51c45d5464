"""The "Where it breaks" tab: scenario discovery (PRIM boxes of assumptions where the
base-case allocation fails), `decide.discover`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import decide
from decide.reporting.labels import lever_label, param_label, unit_text
from decide.reporting.sentences import FAILURE_CHOICES, box_sentences

from ..library import discovery, toml_of
from .common import store, stored, table_download

__all__ = ["render", "DRAWS", "SHARE_POINTS", "failure_text", "restrictions_table",
           "trajectory_chart"]

#: The draws the tab offers.
DRAWS = (2_000, 10_000)
#: Percentage points of the budget a lever's share must move to count as a failure.
SHARE_POINTS = 10
_SIDES = {"above": "Above a value", "below": "Below a value", "between": "Between two values"}


def failure_text(choice, lever=None):
    """The `decide.discover` failure of a choice of `FAILURE_CHOICES` (``share``: the
    share of ``lever``)."""
    return f"share:{lever}>{SHARE_POINTS}" if choice == "share" else choice


def restrictions_table(d, sc):
    """`Discovery.restrictions` with readable headings and labels (no internal keys)."""
    r = d.restrictions
    units = [unit_text(u) for u in r.get("unit", pd.Series([""] * len(r)))]
    return pd.DataFrame({
        "Box": r["box"].astype(int).to_numpy(),
        "Assumption": [param_label(sc, p) for p in r["parameter"]],
        "Restricted to": [_SIDES.get(s, s) for s in r["side"]],
        "From": r["low"].astype(float).to_numpy(),
        "To": r["high"].astype(float).to_numpy(),
        "Unit": units,
        "Its full range: from": r["range_low"].astype(float).to_numpy(),
        "Its full range: to": r["range_high"].astype(float).to_numpy(),
        "Significance of the lower limit (quasi-p-value)": r["qp_low"].astype(float)
        .to_numpy(),
        "Significance of the upper limit (quasi-p-value)": r["qp_high"].astype(float)
        .to_numpy(),
    })


def trajectory_chart(d):
    """PRIM's peeling trajectory: coverage against density at each step of each
    candidate box, the step chosen ringed."""
    import altair as alt

    t = d.trajectory.copy()
    t["candidate"] = [f"Candidate box {b}" + (" (kept)" if k else " (not kept)")
                      for b, k in zip(t["box"], t["kept"])]
    t["chosen"] = t["selected"].map({True: "Step chosen", False: "Other steps"})
    tips = [alt.Tooltip("candidate:N", title="Box"), alt.Tooltip("step:Q", title="Step"),
            alt.Tooltip("coverage:Q", title="Share of the failures inside", format=".0%"),
            alt.Tooltip("density:Q", title="Share failing inside", format=".0%"),
            alt.Tooltip("res_dim:Q", title="Assumptions restricted"),
            alt.Tooltip("mass:Q", title="Share of the worlds inside", format=".0%")]
    base = alt.Chart(t).encode(
        x=alt.X("coverage:Q", title="Coverage: share of all failures inside the box",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("density:Q", title="Density: share of the worlds inside that fail",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("candidate:N", title=None,
                        legend=alt.Legend(orient="bottom", labelLimit=300)),
        tooltip=tips)
    line = base.mark_line(point=True)
    ring = base.transform_filter(alt.datum.selected).mark_point(size=250, filled=False,
                                                                 strokeWidth=2)
    return alt.layer(line, ring).properties(height=320, width="container")


def render(res, base):
    """Where the base-case allocation fails, as boxes of a few assumptions."""
    sc = res.scenario
    st.markdown("Where does the decision break? Many plausible worlds are drawn from the "
                "assumptions' ranges and each is re-optimised; in each, the base-case "
                "allocation either still does (nearly) as well as that world's best, or "
                "it fails. A search (PRIM, the Patient Rule Induction Method) then looks "
                "for a few assumption ranges - a **box** - where failures concentrate. "
                "**Coverage**: the share of all failures that fall in the box; "
                "**density**: the share of the worlds in the box that fail.")
    c1, c2, c3, c4 = st.columns(4)
    n = c1.selectbox("Draws", list(DRAWS), index=0, key="di_n",
                     format_func=lambda v: f"{v:,}")
    seed = c2.number_input("Seed", min_value=0, max_value=2**31 - 1, value=1, step=1,
                           key="di_seed")
    choice = c3.selectbox("The decision fails when", list(FAILURE_CHOICES), index=0,
                          key="di_failure", format_func=FAILURE_CHOICES.get)
    lever = None
    if choice == "share":
        lever = c4.selectbox("Lever", sc.lever_names, key="di_lever",
                             format_func=lambda k: lever_label(sc, k))
    if st.button("Find where it breaks", key="di_run"):
        with st.spinner("Re-optimising every draw and searching for boxes..."):
            try:
                store("discovery", sc, discovery(toml_of(sc), int(n), int(seed),
                                                 failure_text(choice, lever)))
            except decide.DecideError as exc:
                st.error(f"Cannot search: {exc}")
    d = stored("discovery", sc)
    if d is None:
        st.info("Press Find where it breaks.")
        return
    lines = box_sentences(d, sc)
    st.markdown("\n\n".join(lines[:1] + [f"- {line}" for line in lines[1:]]))
    if not d.restrictions.empty:
        st.markdown("**The boxes' limits**")
        table = restrictions_table(d, sc)
        config = {c: st.column_config.NumberColumn(c, format="%.4g")
                  for c in table.columns if c.startswith(("From", "To", "Its full",
                                                          "Significance"))}
        st.dataframe(table, hide_index=True, key="di_restrictions", column_config=config)
        st.caption("A quasi-p-value tests one limit of a box against the same box without "
                   "it (small: the limit matters); limits at 0.05 or above were dropped.")
    if not d.trajectory.empty:
        st.markdown("**How the search peeled**: each point is a step of the search, from "
                    "the box holding every world (coverage 100%, density the overall "
                    "failure rate) to ever smaller, denser boxes. The ringed point is the "
                    "step chosen; a box is kept only if it holds up on the draws the "
                    "search did not see.")
        st.altair_chart(trajectory_chart(d), width="stretch")
    st.caption(f"{len(d.draws):,} draws, seed {int(d.seed_entropy)}. Coverage and density "
               "of a kept box are measured on the held-out half of the draws.")
    table_download(d.draws, sc, "discovery_draws")
