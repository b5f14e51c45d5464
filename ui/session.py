"""The session: the base scenario (a bundled file or an upload), the link, the widgets.

Streamlit glue around the pure `ui.url_state`: it reads and writes ``st.query_params``
and ``st.session_state``.
"""

from __future__ import annotations

import streamlit as st

import decide
from decide.scenario import MAX_FILE_BYTES

from . import url_state
from .library import DEFAULT, load_file, parse, scenario_files
from .tabs.common import forget_results
from .url_state import W

__all__ = ["choose_initial_file", "base_scenario", "reset_widgets", "on_upload", "on_pick",
           "restore_from_url", "current_scenario", "sync_url"]


def choose_initial_file():
    """On a session's first run, pick the file the link names (or the default).

    Returns
    -------
    str or None
        A message when the link names a file that is not bundled.
    """
    if "scenario_file" in st.session_state:
        return None
    wanted = st.query_params.get("scenario", DEFAULT)
    ok = wanted in scenario_files()
    st.session_state["scenario_file"] = wanted if ok else DEFAULT
    return None if ok else (f"link: scenario = {wanted!r}: no such scenario file; "
                            f"showing {DEFAULT}")


def base_scenario():
    """(scenario, identity) for the file picked or uploaded.

    ``identity`` is ``file:<name>`` or ``upload:<name>``.
    """
    upload = st.session_state.get("upload_ok")
    if upload is not None:
        name, data, kind = upload
        return parse(data, name, kind), f"upload:{name}"
    name = st.session_state.get("scenario_file", DEFAULT)
    return parse(load_file(name).encode(), f"inputs/{name}"), f"file:{name}"


def reset_widgets():
    """Forget every override widget's value (they return to the scenario's)."""
    for key in [k for k in st.session_state if str(k).startswith(W)]:
        del st.session_state[key]


def on_upload():
    """Callback of the file uploader: keep a valid upload, or its error."""
    file = st.session_state.get("upload")
    st.session_state.pop("upload_error", None)
    if file is None:
        st.session_state.pop("upload_ok", None)
        reset_widgets()
        return
    forget_results()  # another file: its levers may differ
    data = file.getvalue()
    kind = "json" if file.name.lower().endswith(".json") else "toml"
    try:
        if len(data) > MAX_FILE_BYTES:
            raise decide.ScenarioError(f"file is {len(data):,} bytes; uploads are limited to "
                                       f"{MAX_FILE_BYTES:,} bytes (1 MB)", file=file.name)
        decide.parse_scenario(data, source=file.name, kind=kind)
    except decide.ScenarioError as exc:
        st.session_state["upload_error"] = str(exc)
        return
    st.session_state["upload_ok"] = (file.name, data, kind)
    reset_widgets()


def on_pick():
    """Callback of the scenario picker: drop the upload, the changes, the link and the
    analysis results (another file: its levers may differ)."""
    st.session_state.pop("upload_ok", None)
    forget_results()
    reset_widgets()
    st.query_params.clear()


def restore_from_url(base):
    """On a session's first run, set the widgets to the values the link carries.

    Returns
    -------
    tuple of str
        The link's entries that were ignored, each naming the key and the reason.
    """
    if st.session_state.get("url_loaded"):
        return ()
    st.session_state["url_loaded"] = True
    link = url_state.decode_query(st.query_params.to_dict(), base)
    for key, value in link.widgets.items():
        st.session_state[W + key] = value
    if link.phasing is not None:
        st.session_state["phasing"] = link.phasing
    return link.errors


def current_scenario(base):
    """The scenario the widgets describe, and its overrides of ``base``.

    Raises
    ------
    ScenarioError
        A widget holds a value the scenario rejects (see `url_state.scenario_from_widgets`).
    """
    widgets = {str(k)[len(W):]: v for k, v in st.session_state.items()
               if str(k).startswith(W)}
    # a rerun that changed nothing re-uses the last scenario (same object: the caches
    # keyed on it hit without re-validating or re-serialising)
    memo = st.session_state.get("_scenario_memo")
    if memo is not None and memo[0] is base and memo[1] == widgets:
        return memo[2]
    result = url_state.scenario_from_widgets(base, widgets)
    st.session_state["_scenario_memo"] = (base, widgets, result)
    return result


def sync_url(identity, overrides):
    """Write the page's state into the link (only when it changed)."""
    kind, _, name = identity.partition(":")
    wanted = url_state.encode_query(name if kind == "file" else None, overrides,
                                    bool(st.session_state.get("phasing")))
    if st.query_params.to_dict() != wanted:
        st.query_params.clear()
        st.query_params.update(wanted)
