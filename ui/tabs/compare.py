"""The Compare tab: the current settings against the saved scenario or another file."""

from __future__ import annotations

import streamlit as st

import decide
from decide.reporting import compare

from ..library import load_file, scenario_files, solve

__all__ = ["render"]


def render(res, base):
    """Allocations, deaths and differing assumptions of ``res`` and another run."""
    options = ["Saved scenario (without my changes)"] + scenario_files()
    choice = st.selectbox("Compare the current settings with", options, key="cmp_choice")
    try:
        other_sc = base if choice == options[0] else decide.parse_scenario(
            load_file(choice).encode(), source=f"inputs/{choice}")
        other = solve(other_sc.to_toml())
    except decide.DecideError as exc:
        st.error(str(exc))
        return
    allocations, summary, assumptions = compare(res, other, names=("current", "other"))
    c1, c2 = st.columns(2)
    c1.markdown("**Allocations ($M per year)**")
    c1.dataframe(allocations, hide_index=True, key="cmp_alloc")
    c2.markdown("**Deaths over the horizon**")
    c2.dataframe(summary, hide_index=True, key="cmp_summary")
    st.markdown(f"**Assumptions that differ** ({len(assumptions)})")
    if len(assumptions):
        st.dataframe(assumptions.astype(str), hide_index=True, key="cmp_diff")
    else:
        st.caption("None: the two runs use the same assumptions.")
