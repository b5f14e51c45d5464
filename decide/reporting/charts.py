"""Altair charts shared by the app and the briefing: units on every axis."""

from __future__ import annotations

import pandas as pd

from ..optimization.certificate import FUNDED

__all__ = ["allocation_chart", "deaths_chart", "funded_chart", "averted_histogram",
           "frontier_chart", "tornado_chart", "two_way_heatmap", "pareto_chart", "fit_chart",
           "save_chart"]


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
    """Share of Monte Carlo draws in which each lever is funded (spend above `FUNDED`)."""
    alt = _alt()
    rows = [{"label": labels.get(c[6:], c[6:]), "funded": float((mc[c] > FUNDED).mean()),
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


def frontier_chart(f):
    """Spend by lever stacked against the budget, with deaths averted on a second axis."""
    alt = _alt()
    base = alt.Chart(f).encode(x=alt.X("budget:Q", title="Budget ($M per year)"))
    area = base.mark_area(opacity=0.75).encode(
        y=alt.Y("spend:Q", stack="zero", title="Spend ($M per year)"),
        color=alt.Color("lever:N", title="Lever", legend=alt.Legend(orient="bottom")),
        tooltip=["budget:Q", "lever:N", alt.Tooltip("spend:Q", format=",.1f")])
    deaths = alt.Chart(f.drop_duplicates("budget")).mark_line(color="black", point=True).encode(
        x="budget:Q",
        y=alt.Y("deaths_averted:Q", title="Deaths averted over the horizon"),
        tooltip=[alt.Tooltip("deaths_averted:Q", format=",.1f"),
                 alt.Tooltip("marginal_deaths_averted_per_musd:Q", format=".4f",
                             title="Deaths averted per extra $1M a year")])
    return alt.layer(area, deaths).resolve_scale(y="independent").properties(
        height=320, width="container")


def tornado_chart(t, top=15):
    """Deaths averted at each parameter's low and high value (re-optimised)."""
    alt = _alt()
    order = list(dict.fromkeys(t["parameter"]))[:top]
    df = t[t["parameter"].isin(order)]
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("deaths_averted:Q", title="Deaths averted over the horizon"),
        y=alt.Y("parameter:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("side:N", title="Parameter at", legend=alt.Legend(orient="bottom")),
        yOffset="side:N",
        tooltip=["parameter:N", "side:N", alt.Tooltip("value:Q", format=".4g"),
                 alt.Tooltip("deaths_averted:Q", format=",.1f"), "allocation_changed:N",
                 alt.Tooltip("switching_value:Q", format=".4g")],
    ).properties(height=28 * len(order) + 40, width="container")


def two_way_heatmap(tw, x, y):
    """Deaths averted on a grid of two parameters."""
    alt = _alt()
    return alt.Chart(tw).mark_rect().encode(
        x=alt.X(f"{x}:O", title=x, axis=alt.Axis(format=".3g")),
        y=alt.Y(f"{y}:O", title=y, sort="descending", axis=alt.Axis(format=".3g")),
        color=alt.Color("deaths_averted:Q", title="Deaths averted"),
        tooltip=[alt.Tooltip(f"{x}:Q", format=".4g"), alt.Tooltip(f"{y}:Q", format=".4g"),
                 alt.Tooltip("deaths_averted:Q", format=",.1f")],
    ).properties(height=320, width="container")


def pareto_chart(p):
    """US overdose deaths against additional homicides in Mexico (the frontier)."""
    alt = _alt()
    return alt.Chart(p).mark_line(point=True).encode(
        x=alt.X("mexico_homicides:Q", title="Additional homicides in Mexico over the horizon"),
        y=alt.Y("deaths:Q", title="Projected US overdose deaths over the horizon",
                scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("mexico_homicides:Q", format=",.0f"),
                 alt.Tooltip("deaths:Q", format=",.0f")] + [
            alt.Tooltip(f"{c}:Q", format=",.0f") for c in p.columns if c.startswith("spend.")],
    ).properties(height=320, width="container")


def fit_chart(fit):
    """Observed synthetic-opioid deaths against the calibrated baseline: posterior
    predictive median and 90% band per year (`decide.calibrate`'s ``fit``; `validate`'s
    table, with ``predicted`` for ``median``, works too). Years used in the fit and years
    predicted out of sample are told apart when ``fit`` has a ``train`` column."""
    alt = _alt()
    df = fit.rename(columns={"predicted": "median"}).copy()
    if "train" not in df:
        df["train"] = False
    df["use"] = df["train"].map({True: "Fitted (year in the fit)",
                                 False: "Predicted (out of sample)"})
    df["status"] = df["status"].replace("", "none") if "status" in df else "final"
    y_title = "Deaths involving synthetic opioids (T40.4) per year"
    x = alt.X("year:Q", title="Year (calendar)",
              axis=alt.Axis(format="d", tickMinStep=1),
              scale=alt.Scale(nice=False, domain=[float(df["year"].min()) - 0.3,
                                                  float(df["year"].max()) + 0.3]))
    tooltip = [alt.Tooltip("year:Q", title="Year", format="d"),
               alt.Tooltip("observed:Q", title="Observed", format=",.0f"),
               alt.Tooltip("status:N", title="Count"),
               alt.Tooltip("median:Q", title="Median", format=",.0f"),
               alt.Tooltip("low:Q", title="90% low", format=",.0f"),
               alt.Tooltip("high:Q", title="90% high", format=",.0f"),
               alt.Tooltip("use:N", title="Year")]
    base = alt.Chart(df).encode(x=x)
    band = base.mark_area(opacity=0.2, color="#4c78a8").encode(
        y=alt.Y("low:Q", title=y_title, scale=alt.Scale(zero=False)), y2="high:Q")
    bars = base.mark_rule(strokeWidth=2).encode(
        y="low:Q", y2="high:Q",
        color=alt.Color("use:N", title="Model (median, 90% interval)",
                        legend=alt.Legend(orient="bottom", labelLimit=300)))
    median = base.mark_line(point=True, color="#4c78a8").encode(y="median:Q",
                                                                tooltip=tooltip)
    observed = base.mark_point(filled=True, size=80, color="black").encode(
        y="observed:Q",
        shape=alt.Shape("status:N", title="Observed count",
                        legend=alt.Legend(orient="bottom")),
        tooltip=tooltip)
    return alt.layer(band, bars, median, observed).properties(height=320,
                                                              width="container")


def save_chart(chart, path):
    """Write a chart to ``.html`` or ``.png`` (atomically)."""
    import io
    from pathlib import Path

    from .export import write_atomic

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("html", "png"):
        raise ValueError(f"--plot must end in .html or .png, got '{path.name}'")
    if fmt == "png":
        # a fixed width for a static image ("container" has no meaning there)
        chart = chart.configure_view(continuousWidth=720)
        if hasattr(chart, "width"):
            try:
                chart = chart.properties(width=720)
            except Exception:  # noqa: BLE001 - compound charts take no width
                pass
    buf = io.BytesIO() if fmt == "png" else io.StringIO()
    chart.save(buf, format=fmt)
    data = buf.getvalue()
    write_atomic(path, data if isinstance(data, bytes) else data.encode())
