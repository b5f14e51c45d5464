"""The Model & sources tab: caveats, every parameter with its source, the model notes."""

from __future__ import annotations

import streamlit as st

from decide.reporting import CAVEATS

from ..library import docs_text

__all__ = ["render"]


def render(res, base):
    """Caveats, the parameter table of the solved scenario and ``docs/model.md``."""
    st.markdown("### Caveats")
    st.markdown("\n".join(f"{i}. {c}" for i, c in enumerate(CAVEATS, 1)))
    st.markdown("### Parameters and sources")
    st.dataframe(res.scenario.parameters(), hide_index=True, key="sources_table")
    with st.expander("Model documentation (equations, proof of exactness, checks)"):
        st.markdown(docs_text())
