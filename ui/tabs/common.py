"""Helpers the tabs share: the session's analysis results and CSV downloads."""

from __future__ import annotations

import streamlit as st

from .. import runs

__all__ = ["stored", "store", "table_download"]

_KEY = "analyses"


def stored(name, sc):
    """The last result of analysis ``name`` for this exact scenario, if any."""
    return runs.stored(st.session_state.setdefault(_KEY, {}), name, sc)


def store(name, sc, value):
    """Keep ``value`` as the session's one result of analysis ``name``."""
    runs.store(st.session_state.setdefault(_KEY, {}), name, sc, value)


def table_download(df, sc, name):
    """A button downloading ``df`` as ``<scenario>_<name>.csv``."""
    st.download_button(f"Download {name} (CSV)", df.to_csv(index=False).encode(),
                       file_name=f"{runs.safe_name(sc.name)}_{name}.csv", mime="text/csv",
                       key=f"dl_{name}")
