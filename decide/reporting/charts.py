"""Altair charts shared by the app and the briefing: units on every axis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..optimization.certificate import FUNDED
from .labels import format_number, lever_label, param_label, param_unit

__all__ = ["allocation_chart", "deaths_chart", "funded_chart", "averted_histogram",
           "frontier_chart", "tornado_selection", "tornado_chart", "two_way_heatmap",
           "pareto_chart", "fan_chart", "fit_chart", "SWITCH_MARK",
           "SIDE_LABELS", "FAN_TITLE", "FAN_COLOURS"]

#: Fan chart colours: the reference series (no new spending) grey, then the others.
FAN_COLOURS = ("#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")
#: Appended to the label of an assumption that changes the decision (tornado chart).
SWITCH_MARK = " *"
#: The tornado's two ends of a parameter's range, in words.
SIDE_LABELS = {"low": "Low end of its range", "high": "High end of its range"}
#: The title of `fan_chart`.
FAN_TITLE = "Projected deaths by year (median and 90% range)"


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


def averted_histogram(mc, bins=40):
    """Distribution of deaths averted over the horizon across draws.

    The draws are binned here (``numpy.histogram``), so the chart carries ``bins`` rows
    whatever the number of draws: altair refuses data over 5,000 rows, and a browser
    need not receive a million values to draw 40 bars.

    Parameters
    ----------
    mc : pandas.DataFrame
        Monte Carlo draws with ``deaths_averted`` (deaths over the horizon).
    bins : int
        Number of equal-width bins.

    Examples
    --------
    >>> import pandas as pd
    >>> chart = averted_histogram(pd.DataFrame({"deaths_averted": range(10_000)}), bins=4)
    >>> chart.data["draws"].tolist()
    [2500, 2500, 2500, 2500]
    """
    alt = _alt()
    counts, edges = np.histogram(mc["deaths_averted"].to_numpy(float), bins=bins)
    df = pd.DataFrame({"low": edges[:-1], "high": edges[1:], "draws": counts})
    title = "Deaths averted over the horizon (re-optimised per draw)"
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("low:Q", title=title), x2="high:Q",
        y=alt.Y("draws:Q", title="Number of draws"),
        tooltip=[alt.Tooltip("low:Q", format=",.0f", title="From (deaths)"),
                 alt.Tooltip("high:Q", format=",.0f", title="To (deaths)"),
                 alt.Tooltip("draws:Q", format=",", title="Draws")],
    ).properties(height=260, width="container")


def frontier_chart(f, labels=None):
    """Spend by lever stacked against the budget, with deaths averted on a second axis.

    Parameters
    ----------
    f : pandas.DataFrame
        `decide.analyses.frontier` (``budget``, ``lever``, ``spend`` in $M per year,
        ``deaths_averted`` over the horizon, ``marginal_deaths_averted_per_musd``).
    labels : dict, optional
        Lever name -> label for the legend (default: a readable form of the name).
    """
    alt = _alt()
    labels = dict(labels or {})
    f = f.assign(label=[labels.get(n) or lever_label(None, n) for n in f["lever"]])
    base = alt.Chart(f).encode(x=alt.X("budget:Q", title="Budget ($M per year)"))
    area = base.mark_area(opacity=0.75).encode(
        y=alt.Y("spend:Q", stack="zero", title="Spend ($M per year)"),
        color=alt.Color("label:N", title="Lever",
                        legend=alt.Legend(orient="bottom", labelLimit=300)),
        tooltip=[alt.Tooltip("budget:Q", title="Budget ($M per year)", format=",.0f"),
                 alt.Tooltip("label:N", title="Lever"),
                 alt.Tooltip("spend:Q", title="Spend ($M per year)", format=",.1f")])
    deaths = alt.Chart(f.drop_duplicates("budget")).mark_line(color="black", point=True).encode(
        x="budget:Q",
        y=alt.Y("deaths_averted:Q", title="Deaths averted over the horizon (black line)"),
        tooltip=[alt.Tooltip("budget:Q", title="Budget ($M per year)", format=",.0f"),
                 alt.Tooltip("deaths_averted:Q", format=",.1f",
                             title="Deaths averted over the horizon"),
                 alt.Tooltip("marginal_deaths_averted_per_musd:Q", format=".4f",
                             title="Deaths averted by the next $1M a year")])
    return alt.layer(area, deaths).resolve_scale(y="independent").properties(
        height=320, width="container")


def tornado_selection(t, top=15):
    """The assumptions a tornado chart shows: the ``top`` largest swings and every
    assumption that changes the decision, in the table's order (largest swing first).

    Parameters
    ----------
    t : pandas.DataFrame
        `decide.analyses.tornado` (sorted by ``swing``).
    top : int
        How many of the largest swings to show at least.

    Returns
    -------
    list of str
        Parameter keys.
    """
    order = list(dict.fromkeys(t["parameter"]))
    switching = set(t.loc[t["allocation_changed"].astype(bool), "parameter"])
    return [p for k, p in enumerate(order) if k < top or p in switching]


def tornado_chart(t, top=15, *, sc=None, base_averted=None):
    """Deaths averted at each parameter's low and high value (re-optimised).

    Parameters
    ----------
    t : pandas.DataFrame
        `decide.analyses.tornado`.
    top : int
        The largest swings shown; assumptions that change the decision are always shown
        (`tornado_selection`) and marked with `SWITCH_MARK`.
    sc : Scenario, optional
        For readable assumption labels (`decide.reporting.labels.param_label`).
    base_averted : float, optional
        Deaths averted over the horizon with every assumption at base: bars then run
        from it, and a dashed vertical rule marks it.
    """
    alt = _alt()
    order = tornado_selection(t, top)
    df = t[t["parameter"].isin(order)].copy()
    switching = set(df.loc[df["allocation_changed"].astype(bool), "parameter"])
    names = {p: param_label(sc, p) + (SWITCH_MARK if p in switching else "") for p in order}
    df["label"] = df["parameter"].map(names)
    df["end"] = df["side"].map(SIDE_LABELS).fillna(df["side"])
    df["changes"] = df["allocation_changed"].map({True: "yes", False: "no"})
    x = alt.X("deaths_averted:Q", title="Deaths averted over the horizon (re-optimised)")
    encoding = {}
    if base_averted is not None:
        df["base"] = float(base_averted)
        encoding["x2"] = "base:Q"
    bars = alt.Chart(df).mark_bar().encode(
        x=x, y=alt.Y("label:N", sort=[names[p] for p in order], title=None,
                     axis=alt.Axis(labelLimit=360)),
        color=alt.Color("end:N", title="Assumption at the",
                        legend=alt.Legend(orient="bottom", labelLimit=300)),
        yOffset="end:N",
        tooltip=[alt.Tooltip("label:N", title="Assumption"),
                 alt.Tooltip("end:N", title="At the"),
                 alt.Tooltip("value:Q", title="Value (its unit)", format=".4g"),
                 alt.Tooltip("deaths_averted:Q", format=",.1f",
                             title="Deaths averted over the horizon"),
                 alt.Tooltip("changes:N", title="Changes the decision"),
                 alt.Tooltip("switching_value:Q", format=".4g",
                             title="Decision changes at (its unit)")],
        **encoding)
    subtitle = [f"{SWITCH_MARK.strip()} changes the decision within its range."] if \
        switching else []
    layers = [bars]
    if base_averted is not None:
        ref = pd.DataFrame({"base": [float(base_averted)],
                            "text": [f"Base case: {format_number(base_averted)} deaths "
                                     "averted"]})
        rule = alt.Chart(ref).mark_rule(color="black", strokeDash=[4, 3], size=2).encode(
            x="base:Q", tooltip=[alt.Tooltip("text:N", title="Dashed line")])
        text = alt.Chart(ref).mark_text(align="left", dx=4, dy=-6, baseline="bottom",
                                        fontSize=11).encode(
            x="base:Q", y=alt.value(0), text="text:N")
        layers += [rule, text]
        subtitle.append("Dashed line: deaths averted with every assumption at its base value.")
    title = alt.TitleParams("Deaths averted as each assumption moves to the end of its range",
                            subtitle=subtitle, anchor="start")
    return alt.layer(*layers).properties(height=28 * len(order) + 40, width="container",
                                         title=title)


def two_way_heatmap(tw, x, y, sc=None):
    """Deaths averted on a grid of two parameters (axes titled in words, with units)."""
    alt = _alt()

    def title(key):
        unit = param_unit(sc, key)
        return f"{param_label(sc, key)} ({unit})" if unit else param_label(sc, key)

    df = tw.rename(columns={x: "x_value", y: "y_value"})  # no dots in Vega-Lite fields
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("x_value:O", title=title(x), axis=alt.Axis(format=".3g")),
        y=alt.Y("y_value:O", title=title(y), sort="descending", axis=alt.Axis(format=".3g")),
        color=alt.Color("deaths_averted:Q", title="Deaths averted over the horizon"),
        tooltip=[alt.Tooltip("x_value:Q", format=".4g", title=param_label(sc, x)),
                 alt.Tooltip("y_value:Q", format=".4g", title=param_label(sc, y)),
                 alt.Tooltip("deaths_averted:Q", format=",.1f",
                             title="Deaths averted over the horizon")],
    ).properties(height=320, width="container")


def pareto_chart(p, current=None, labels=None):
    """US overdose deaths averted against additional homicides in Mexico (the frontier),
    both axes from zero, the current allocation marked.

    Parameters
    ----------
    p : pandas.DataFrame
        `decide.pareto` (``mexico_homicides`` and ``deaths_averted`` over the horizon,
        ``spend.<lever>`` in $M per year).
    current : tuple of float, optional
        (additional homicides in Mexico, US deaths averted) of the current allocation,
        both over the horizon: drawn as a red diamond.
    labels : dict, optional
        Lever name -> label for the tooltips.
    """
    alt = _alt()
    labels = dict(labels or {})
    df = p.copy()
    spend = [c for c in df.columns if c.startswith("spend.")]
    x_title = "Additional homicides in Mexico over the horizon (negative: fewer)"
    y_title = "US overdose deaths averted over the horizon"
    x = alt.X("mexico_homicides:Q", title=x_title, scale=alt.Scale(zero=True))
    y = alt.Y("deaths_averted:Q", title=y_title, scale=alt.Scale(zero=True))
    line = alt.Chart(df).mark_line(point=True).encode(
        x=x, y=y,
        tooltip=[alt.Tooltip("mexico_homicides:Q", format=",.0f",
                             title="Additional homicides in Mexico"),
                 alt.Tooltip("deaths_averted:Q", format=",.1f",
                             title="US deaths averted")] + [
            alt.Tooltip(f"{c}:Q", format=",.1f",
                        title=f"{labels.get(c[6:]) or lever_label(None, c[6:])} "
                              "($M per year)") for c in spend])
    layers = [line]
    if current is not None:
        here = pd.DataFrame({"mexico_homicides": [float(current[0])],
                             "deaths_averted": [float(current[1])],
                             "what": ["Current allocation"]})
        layers.append(alt.Chart(here).mark_point(shape="diamond", size=160, filled=True,
                                                 color="#d62728").encode(
            x="mexico_homicides:Q", y="deaths_averted:Q",
            tooltip=[alt.Tooltip("what:N", title="Point"),
                     alt.Tooltip("mexico_homicides:Q", format=",.0f",
                                 title="Additional homicides in Mexico"),
                     alt.Tooltip("deaths_averted:Q", format=",.1f",
                                 title="US deaths averted")]))
        layers.append(alt.Chart(here).mark_text(align="left", dx=8, dy=-8,
                                                color="#d62728").encode(
            x="mexico_homicides:Q", y="deaths_averted:Q", text="what:N"))
    title = alt.TitleParams("US deaths averted against homicides in Mexico", anchor="start",
                            subtitle=["Each point: the most US deaths averted under a cap on "
                                      "additional homicides in Mexico."])
    return alt.layer(*layers).properties(height=320, width="container", title=title)


def fan_chart(fan, *, title=None, y_title="Projected deaths per year"):
    """Projected deaths per year as bands (5th to 95th percentile) and median lines, one
    colour per series, the y axis from zero. With more than one series the first (the
    reference, e.g. no new spending) is grey and the others in colour.

    Parameters
    ----------
    fan : pandas.DataFrame
        ``year`` (int, year of the programme), ``series`` (str, e.g. ``"No new
        spending"``, ``"With the allocation"``), ``p05``, ``p50``, ``p95`` (deaths per
        year).

    title : str, optional
        Default `FAN_TITLE`.
    y_title : str
        The y axis title (with units).

    Returns
    -------
    altair.LayerChart
        A band layer (``p05`` to ``p95``) and a median line layer.
    """
    alt = _alt()
    df = fan[["year", "series", "p05", "p50", "p95"]].copy()
    df["year"] = df["year"].astype(int)
    series = list(dict.fromkeys(df["series"]))  # in order of appearance
    colours = (FAN_COLOURS[1:] if len(series) == 1 else FAN_COLOURS)[:len(series)]
    color = alt.Color("series:N", title=None, sort=series,
                      scale=alt.Scale(domain=series, range=colours),
                      legend=alt.Legend(orient="bottom", labelLimit=300))
    years = sorted(int(v) for v in df["year"].unique())
    x = alt.X("year:Q", title="Year of the programme",
              axis=alt.Axis(format="d", values=years),
              scale=alt.Scale(domain=[years[0], years[-1]], nice=False) if years else
              alt.Undefined)
    tooltip = [alt.Tooltip("series:N", title="Series"),
               alt.Tooltip("year:Q", title="Year", format="d"),
               alt.Tooltip("p50:Q", title="Median (deaths per year)", format=",.0f"),
               alt.Tooltip("p05:Q", title="5th percentile (deaths per year)",
                           format=",.0f"),
               alt.Tooltip("p95:Q", title="95th percentile (deaths per year)",
                           format=",.0f")]
    base = alt.Chart(df).encode(x=x, color=color)
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("p05:Q", title=y_title, scale=alt.Scale(zero=True)),
        y2="p95:Q", tooltip=tooltip)
    median = base.mark_line(point=True).encode(y="p50:Q", tooltip=tooltip)
    return alt.layer(band, median).properties(
        height=320, width="container",
        title=alt.TitleParams(title or FAN_TITLE, anchor="start"))


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
