"""Altair charts shared by the app and the briefing: units on every axis."""

from __future__ import annotations

import pandas as pd

__all__ = ["allocation_chart", "deaths_chart", "funded_chart", "averted_histogram"]


def _alt():
    import altair as alt

    return alt


def allocation_chart(res):
    """Horizontal bars: spend per lever, $M per year."""
    alt = _alt()
    df = res.table[["label", "spend", "share"]].copy()
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("spend:Q", title="Spend ($M per year)"),
        y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240)),
        tooltip=[alt.Tooltip("label:N", title="Lever"),
                 alt.Tooltip("spend:Q", title="$M per year", format=",.1f"),
                 alt.Tooltip("share:Q", title="Share of budget", format=".1%")],
    ).properties(height=40 * len(df) + 30, width="container")


def deaths_chart(res):
    """Projected deaths per year, baseline against the allocation."""
    alt = _alt()
    df = res.deaths_by_year.melt(id_vars="year", value_vars=["baseline", "plan"],
                                 var_name="series", value_name="deaths")
    df["series"] = df["series"].map({"baseline": "Baseline (no new spending)",
                                     "plan": "With this allocation"})
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("year:O", title="Year of the programme"),
        y=alt.Y("deaths:Q", title="Projected deaths per year", scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=None,
                        legend=alt.Legend(orient="bottom", labelLimit=300)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("series:N", title="Series"),
                 alt.Tooltip("deaths:Q", title="Deaths per year", format=",.0f")],
    ).properties(height=300, width="container")


def funded_chart(mc, labels):
    """Share of Monte Carlo draws in which each lever is funded."""
    alt = _alt()
    rows = [{"label": labels.get(c[6:], c[6:]), "funded": float((mc[c] > 1e-6).mean()),
             "median": float(mc[c].median())} for c in mc.columns if c.startswith("spend.")]
    df = pd.DataFrame(rows)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("funded:Q", title="Share of draws in which the lever is funded",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("label:N", title=None, axis=alt.Axis(labelLimit=240)),
        tooltip=[alt.Tooltip("funded:Q", format=".1%", title="Funded"),
                 alt.Tooltip("median:Q", format=",.1f", title="Median $M per year")],
    ).properties(height=40 * len(df) + 30, width="container")


def averted_histogram(mc):
    """Distribution of deaths averted over the horizon across draws."""
    alt = _alt()
    df = mc[["deaths_averted"]]
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("deaths_averted:Q", bin=alt.Bin(maxbins=40),
                title="Deaths averted over the horizon (re-optimised per draw)"),
        y=alt.Y("count():Q", title="Number of draws"),
    ).properties(height=260, width="container")
