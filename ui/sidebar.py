"""The sidebar: the scenario file or upload, and a control for every assumption.

Each override widget's key is `ui.url_state.W` followed by the override key it sets
(``w:budget``, ``w:levers.precursor.max_effect``); its first value is the scenario's.
"""

from __future__ import annotations

import streamlit as st

from decide.reporting.labels import lever_label, param_label, param_unit, unit_text

from .library import DEFAULT, parameter_table, scenario_files
from .outcomes import OBJECTIVE_LABELS
from .session import on_pick, on_upload, reset_widgets
from .url_state import W

__all__ = ["render", "param_control", "objective_control"]


def _default(key, value, present=None):
    """Give widget ``key`` its first value. ``present``: the widget keys already in the
    session, read once per run (``key in st.session_state`` rebuilds the whole state each
    time, about 0.4 ms, and the sidebar asks ~200 times a run); per run, not per module,
    because sessions run concurrently in one process."""
    if present is None:
        present = st.session_state
    if W + key not in present:
        st.session_state[W + key] = value


def param_control(row, present=None):
    """A slider over a parameter's range (a disabled box when its range is one point),
    labelled in words with its unit (`decide.reporting.labels`).

    Parameters
    ----------
    row : pandas.Series
        A row of `Scenario.parameters` (indexed by name).
    """
    key = row.name
    _default(key, float(row.base), present)
    # the section or lever is the expander's title: the label drops it
    short = param_label(None, key).split(": ", 1)[-1]
    short = short[:1].upper() + short[1:]
    unit = unit_text(row.unit) or param_unit(None, key)
    mark = " ◆ judgement" if row.confidence == "judgement" else ""
    help_text = (f"Unit: {unit}. Range {row.low:g} to {row.high:g}. "
                 f"Confidence: {row.confidence}. Source: {row.source}")
    if row.low == row.high:
        st.number_input(f"{short} ({unit}){mark}", key=W + key, help=help_text,
                        disabled=True, format="%g")
        return
    st.slider(f"{short} ({unit}){mark}", min_value=float(row.low),
              max_value=float(row.high), step=(row.high - row.low) / 100, key=W + key,
              help=help_text, format="%.4g")


def objective_control(base):
    """What to optimise: deaths, or, when the scenario's ``[outcomes]`` table allows,
    years of life saved or the net benefit (session key ``objective``)."""
    options = list(base.objectives())
    if st.session_state.get("objective") not in options:
        st.session_state["objective"] = "deaths"
    st.selectbox("Objective", options, key="objective", format_func=OBJECTIVE_LABELS.get,
                 disabled=len(options) == 1,
                 help="Deaths averted; years of life saved (synthetic-opioid and "
                      "substitution deaths valued by their years of life lost); or the "
                      "net benefit: the value of what is averted minus the spend, "
                      "discounted, which may leave money unspent. Needs the scenario's "
                      "[outcomes] table.")


def _params(params, prefix, present=None):
    for name in params.index[params.index.str.startswith(prefix)]:
        param_control(params.loc[name], present)


def keep_values(present):
    """Keep every setting's value while its section is closed (its widgets not drawn).

    Streamlit forgets a widget's value in a run that does not draw it; assigning the
    value back before any widget is drawn makes it plain session state, which a closed
    section then keeps (Streamlit's documented pattern for widgets drawn only sometimes).
    """
    for key in present:
        st.session_state[key] = st.session_state[key]


def section(label, name):
    """A sidebar expander whose widgets are drawn only while it is open (opening it
    reruns the page, session key ``open:<name>``): a rerun does not redraw the ~100
    controls of closed sections, most of what a rerun that changes nothing cost."""
    return st.expander(label, key=f"open:{name}", on_change="rerun")


def _lever(lv, params, present=None):
    with section(f"{lv.label}{' (demand side)' if lv.is_demand else ''}",
                 f"levers.{lv.name}") as box:
        if not box.open:
            return
        pre = f"levers.{lv.name}"
        _default(f"{pre}.floor", float(lv.floor), present)
        st.number_input("Floor ($M per year)", 0.0, 1e9, step=25.0, key=W + f"{pre}.floor")
        _default(f"{pre}.ceiling", lv.ceiling, present)
        st.number_input("Ceiling ($M per year; empty = none)", 0.0, 1e9, step=25.0,
                        key=W + f"{pre}.ceiling")
        _default(f"{pre}.lock", lv.lock, present)
        st.number_input("Lock at ($M per year; empty = free)", 0.0, 1e9, step=25.0,
                        key=W + f"{pre}.lock")
        _default(f"{pre}.min_size", lv.min_size, present)
        st.number_input("Minimum programme size ($M per year; empty = none)", 0.0, 1e9,
                        step=25.0, key=W + f"{pre}.min_size",
                        help="Spend is 0 or at least this (solved as a MILP)")
        _default(f"{pre}.startup_cost", float(lv.startup_cost), present)
        st.number_input("Start-up cost ($M, amortised over the horizon)", 0.0, 1e9,
                        step=25.0, key=W + f"{pre}.startup_cost")
        _params(params, pre + ".", present)


def render(base):
    """The sidebar for ``base`` (the scenario the widgets start from)."""
    present = {k for k in st.session_state.keys() if str(k).startswith(W)}
    keep_values(present)
    params = parameter_table(base)
    with st.sidebar:
        st.header("Scenario")
        files = scenario_files()
        st.selectbox("Scenario file", files, key="scenario_file", on_change=on_pick,
                     index=files.index(DEFAULT) if DEFAULT in files else 0)
        st.file_uploader("Upload a scenario (.toml or exported .json, at most 1 MB)",
                         type=["toml", "json"], key="upload", on_change=on_upload)
        if st.session_state.get("upload_error"):
            st.error(st.session_state["upload_error"])
        if st.session_state.get("upload_ok"):
            st.caption(f"Using uploaded file {st.session_state['upload_ok'][0]}. The page's "
                       "link carries your changes but not the file: share the file too.")
        if st.button("Reset to scenario", key="reset"):
            reset_widgets()
            st.query_params.clear()
            st.rerun()
        st.checkbox("Plan year by year (phasing)", key="phasing",
                    help="Spend per lever per year; effects follow each lever's onset lag "
                         "and adaptation; late spending is credited in a tail window")
        objective_control(base)
        _default("budget", float(base.budget), present)
        st.number_input("Budget ($M per year)", min_value=0.0, max_value=1e9, step=50.0,
                        key=W + "budget", help=f"Incremental spend, {base.dollar_year} dollars")
        _default("horizon", int(base.horizon), present)
        st.slider("Horizon (years)", 1, 50, key=W + "horizon")
        with section("Market and deaths", "market") as box:
            _default("discount_rate", float(base.discount_rate), present)
            if box.open:
                st.number_input("Discount rate (fraction per year)", 0.0, 0.2, step=0.01,
                                key=W + "discount_rate",
                                help="Discounts future deaths in the objective only")
                _params(params, "market.", present)
        if base.interactions:
            with section("Interactions between levers", "interactions") as box:
                if box.open:
                    _params(params, "interactions.", present)
        with section("Custom constraints", "constraints") as box:
            _default("constraints", "\n".join(c.text for c in base.constraints), present)
            if box.open:
                st.text_area("One per line, e.g. `financial >= 0.5 * counter_network`",
                             key=W + "constraints", help="Linear in lever spends ($M per "
                             "year); write each lever by its name in the scenario file: "
                             + "; ".join(f"{n} ({lever_label(base, n)})"
                                         for n in base.lever_names))
        if base.outcomes is not None:
            with section("Outcomes: years of life and money", "outcomes") as box:
                if box.open:
                    _params(params, "outcomes.", present)
        if base.mexico is not None:
            with section("Mexico violence", "mexico") as box:
                _default("max_mexico_homicides", base.max_mexico_homicides, present)
                if box.open:
                    st.number_input("Cap on additional homicides in Mexico over the "
                                    "horizon (homicides; empty = no cap)", -1e9, 1e9,
                                    step=100.0, key=W + "max_mexico_homicides")
                    _params(params, "mexico.", present)
        for lv in base.levers:
            _lever(lv, params, present)
        st.caption("◆ judgement: a prior with no empirical estimate behind it.")
