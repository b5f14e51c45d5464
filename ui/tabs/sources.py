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
    # drawn only on request: 100 KB of markdown with code blocks costs the browser ~2 s
    if st.toggle("Show the model documentation (equations, proof of exactness, checks)",
                 key="show_docs"):
        st.markdown(docs_text())
