"""Outcomes beyond deaths in the app: the objective selector's labels and, on the
Allocation tab, the objective used, years of life saved, the net benefit and the
benefit-cost ratio (when the scenario's ``[outcomes]`` table has them).

Also `table_config`, the readable headings (with units) and number formats the analysis
tabs give their tables (`decide.reporting.labels`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decide.reporting.labels import GOAL_LABELS, column_format, column_labels

__all__ = ["render", "OBJECTIVE_LABELS", "table_config", "show_table"]

#: The objective selector's labels (keys: `decide.scenario.OBJECTIVES`).
OBJECTIVE_LABELS = dict(GOAL_LABELS)


def table_config(sc, df, hide=(), labels=None, formats=None):
    """Column headings and formats for ``st.dataframe``: every column shown under its
    readable label with its unit (`decide.reporting.labels.column_label`), numbers in
    `column_format`; the data keep their column names (downloads and tests use them).

    Parameters
    ----------
    sc : Scenario
        For lever and parameter labels.
    df : pandas.DataFrame
    hide : iterable of str
        Columns left out of the display.
    labels : dict, optional
        Column -> heading, overriding the defaults.
    formats : dict, optional
        Column -> number format, overriding `column_format`.

    Returns
    -------
    dict
        ``column_config`` and ``column_order`` keyword arguments for ``st.dataframe``.
    """
    heads = column_labels(sc, df.columns) | dict(labels or {})
    formats = dict(formats or {})
    config = {}
    for c in df.columns:
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            config[c] = st.column_config.NumberColumn(
                heads[c], format=formats.get(c) or column_format(c))
        else:
            config[c] = st.column_config.Column(heads[c])
    hide = set(hide)
    return {"column_config": config, "column_order": [c for c in df.columns if c not in hide]}


def show_table(sc, df, key, hide=(), labels=None, formats=None):
    """``st.dataframe`` of ``df`` with `table_config`'s headings, no index."""
    st.dataframe(df, hide_index=True, key=key,
                 **table_config(sc, df, hide, labels, formats))


def render(res):
    """Metrics for ``res``'s objective, life-years and money (nothing to show for a
    deaths-only scenario optimised for deaths)."""
    if res.objective != "deaths":
        st.info(f"Objective: **{OBJECTIVE_LABELS[res.objective]}** "
                f"({res.objective_value:,.1f} {res.objective_unit}; certified within "
                f"{res.gap:.4f} {res.objective_unit}). Deaths and homicides in Mexico are "
                "reported beside it; the tornado-based sentences and the other tabs "
                "analyse deaths.")
    cols = []
    if res.life_years_averted is not None:
        cols.append(("Years of life saved", f"{res.life_years_averted:,.0f}",
                     f"Undiscounted, over {res.scenario.horizon} years, of "
                     f"{res.baseline_life_years:,.0f} lost at baseline"))
    if res.benefit_musd is not None:
        cols.append(("Net benefit ($M)", f"{res.net_benefit_musd:,.1f}",
                     f"Value averted ${res.benefit_musd:,.1f}M minus spend "
                     f"${res.cost_musd:,.1f}M, discounted"))
        bcr = res.benefit_cost_ratio
        cols.append(("Benefit-cost ratio", "-" if bcr != bcr else f"{bcr:,.2f}",
                     "Discounted value averted per discounted $ spent"))
    for col, (label, value, help_text) in zip(st.columns(max(len(cols), 1)), cols):
        col.metric(label, value, help=help_text)
