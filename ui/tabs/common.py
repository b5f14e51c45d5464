"""Helpers the tabs share: the session's analysis results (kept, and marked stale, when
the inputs change) and CSV downloads."""

from __future__ import annotations

import streamlit as st

from .. import runs

__all__ = ["stored", "current", "store", "table_download", "forget_results"]

_KEY = "analyses"
_SETTINGS = "analyses_settings"


def current(name, sc):
    """The last result of analysis ``name`` for exactly these settings, or ``None``."""
    return runs.stored(st.session_state.setdefault(_KEY, {}), name, sc)


def stored(name, sc):
    """The last result of analysis ``name``, for these settings or earlier ones.

    A result computed for other settings is returned too (an input change does not
    throw work away), under a notice that it is stale, naming what changed and how to
    rerun it.
    """
    value, fresh = runs.latest(st.session_state.setdefault(_KEY, {}), name, sc)
    if value is not None and not fresh:
        before = st.session_state.setdefault(_SETTINGS, {}).get(name)
        what = runs.changed_keys(sc, before) if before is not None else ""
        st.warning("Stale: these results were computed for earlier settings"
                   + (f" (changed since: {what})" if what else "")
                   + ". Press the run button above to update them.", icon="⏳")
    return value


def store(name, sc, value):
    """Keep ``value`` as the session's one result of analysis ``name``."""
    runs.store(st.session_state.setdefault(_KEY, {}), name, sc, value)
    st.session_state.setdefault(_SETTINGS, {})[name] = sc


def forget_results():
    """Drop every analysis result (another scenario file: its levers may differ)."""
    st.session_state.pop(_KEY, None)
    st.session_state.pop(_SETTINGS, None)


def table_download(df, sc, name):
    """A button downloading ``df`` as ``<scenario>_<name>.csv`` (built on click; the
    page does not rerun)."""
    st.download_button(f"Download {name} (CSV)", lambda: df.to_csv(index=False).encode(),
                       file_name=f"{runs.safe_name(sc.name)}_{name}.csv", mime="text/csv",
                       key=f"dl_{name}", on_click="ignore")
