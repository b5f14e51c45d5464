"""Outcomes beyond deaths in the app: the objective selector's labels and, on the
Allocation tab, the objective used, years of life saved, the net benefit and the
benefit-cost ratio (when the scenario's ``[outcomes]`` table has them)."""

from __future__ import annotations

import streamlit as st

__all__ = ["render", "OBJECTIVE_LABELS"]

#: The objective selector's labels (keys: `decide.scenario.OBJECTIVES`).
OBJECTIVE_LABELS = {"deaths": "Deaths averted", "life_years": "Years of life saved",
                    "net_benefit": "Net benefit ($M)"}


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
