"""A printable briefing of a run, as self-contained HTML: the answer and its range first,
caveats near the top, charts inline (SVG), figures, and the sources last."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from ..optimization.certificate import FUNDED
from . import answer
from .caveats import CAVEATS
from .labels import param_label
from .outcomes import OBJECTIVE_TEXT, budget_price_sentence
from .sentences import (
    baseline_sentence,
    box_sentences,
    decision_sentences,
    status_sentence,
)

__all__ = ["briefing_html", "build_briefing"]

_CSS = """
body{font:13px/1.4 Georgia,serif;max-width:860px;margin:24px auto;color:#111}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:16px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:12px}
td,th{padding:2px 6px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left} .muted{color:#555;font-size:11px}
.headline td{font-size:14px} .judgement{color:#8a4b00;font-weight:bold}
.answer{font-size:16px;font-weight:bold} figure{margin:8px 0;break-inside:avoid}
figure svg{max-width:100%;height:auto} figcaption{color:#555;font-size:11px}
@media print{body{margin:0;font-size:11px}h2{break-after:avoid}}
"""


def _e(value):
    return html.escape(str(value))


def _num(v, fmt="{:,.1f}"):
    return "-" if v is None or (isinstance(v, float) and v != v) else fmt.format(v)


def _table(df: pd.DataFrame):
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def build_briefing(res, *, reference=None, n=5_000, seed=0, validate=False,
                   analyses=True, charts=True, discover=True, outlook=None, timestamp=None):
    """Run what a full briefing shows and return it: the outlook over ``n`` plausible
    worlds, the tornado and the budget frontier (deaths objective, flat plans), and
    optionally the baseline's out-of-sample check.

    Parameters
    ----------
    res : Allocation
    reference : Scenario, optional
        See `briefing_html`.
    n : int
        Plausible worlds for the range (0: none, the briefing then says so).
    seed : int
        Seed of the worlds (the briefing prints it).
    validate : bool
        Add the baseline's out-of-sample check (`decide.validate`, about 2 s).
    analyses : bool
        Add the tornado and frontier charts (about 1 s for the baseline scenario).
    charts : bool
        Draw the charts (see `briefing_html`).
    outlook : Outlook, optional
        `decide.outlook` of ``res`` when the caller already has it (``n`` and ``seed``
        are then its own); computed otherwise.
    discover : bool
        Add where the decision breaks (`decide.discover` over 10,000 worlds with the
        default failure, flat deaths-objective results; about 2 s, plus 4 s the first
        time the PRIM library loads).

    Returns
    -------
    str
        `briefing_html` of it all.
    """
    from ..analyses import discover as find_boxes
    from ..analyses import frontier, tornado
    from ..analyses import outlook as score
    from ..analyses import validate as check

    sc = res.scenario
    out = outlook if outlook is not None else (score(sc, res, n=n, seed=seed) if n
                                               else None)
    flat_deaths = analyses and not res.phased and res.objective == "deaths"
    return briefing_html(res, reference=reference, outlook=out,
                         validation=check(sc, seed=seed) if validate else None,
                         tornado=tornado(sc, result=res) if flat_deaths else None,
                         frontier=frontier(sc) if flat_deaths else None,
                         discovery=(find_boxes(sc, n=10_000, seed=seed, allocation=res.spend)
                                    if discover and flat_deaths else None),
                         charts=charts, timestamp=timestamp)


def _figure(chart, caption):
    from .render import chart_svg

    # inline SVG in HTML needs no namespace declarations (and then names no web address)
    svg = chart_svg(chart).replace(' xmlns="http://www.w3.org/2000/svg"', "", 1).replace(
        ' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def briefing_html(res, *, reference=None, outlook=None, monte_carlo=None, validation=None,
                  tornado=None, frontier=None, discovery=None, charts=True, timestamp=None):
    """The briefing for an `Allocation`: executive summary first, then caveats, the
    reason per lever, charts, the figures, and the sources last.

    Parameters
    ----------
    res : Allocation
    reference : Scenario, optional
        The scenario file the run started from; assumptions that differ are listed.
    outlook : Outlook, optional
        `decide.outlook` of ``res``: the range over plausible worlds, how often the
        allocation is best, how often each lever is funded, and the fan chart.
    monte_carlo : pandas.DataFrame, optional
        Output of `decide.monte_carlo` for the same scenario (adds how often each lever
        is funded and the spread of deaths averted at each draw's optimum).
    validation : pandas.DataFrame, optional
        Output of `decide.validate` for the same scenario (adds its out-of-sample error).
    tornado, frontier : pandas.DataFrame, optional
        `decide.tornado` and `decide.frontier` of the scenario, drawn as charts.
    discovery : Discovery, optional
        `decide.discover` of the allocation: where the decision breaks, in words.
    charts : bool
        Draw the charts (inline SVG: no scripts, prints as drawn).
    timestamp : str, optional
        When the briefing was made, as shown on it (default: now, UTC).

    Returns
    -------
    str
        A complete HTML document (no scripts, no external resources).

    Examples
    --------
    >>> import re
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> page = briefing_html(decide.optimize(sc), charts=False,
    ...                      timestamp="2025-01-01 00:00 UTC")
    >>> page.startswith("<!doctype html>"), "<script" in page
    (True, False)
    >>> re.findall(r"<h2>(.*?)</h2>", page)[:3]
    ['Executive summary', 'Caveats', 'Why each lever gets what it gets']
    """
    from .. import __version__
    from . import charts as ch

    sc = res.scenario
    s = res.summary()
    stamp = timestamp or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    status = status_sentence(res.status, res.gap)  # None when optimal
    labels = {lv.name: lv.label for lv in sc.levers}
    alloc = pd.DataFrame({
        "Lever": res.table["label"],
        "$M per year": res.table["spend"].map(lambda v: f"{v:,.1f}"),
        "Share": res.table["share"].map(lambda v: f"{v:.1%}"),
        "Deaths averted": res.table["deaths_averted"].map(lambda v: f"{v:,.1f}"),
        "Next $1M a year averts": res.table["marginal_deaths_averted_per_musd"].map(
            lambda v: _num(v, "{:.4f}")),
        "$M per death averted": res.table["cost_per_death_averted"].map(
            lambda v: "not funded" if v != v else f"{v:,.2f}"),
    })
    if outlook is not None and outlook.p_funded is not None:
        alloc["Funded in (share of worlds)"] = [f"{outlook.p_funded.get(k, 0):.0%}"
                                                for k in res.table["lever"]]
    for col, title, fmt in _OUTCOME_COLUMNS:  # beyond deaths, when the scenario has them
        if col in res.table:
            alloc[title] = res.table[col].map(lambda v, f=fmt: _num(v, f))
    basis = (decision_sentences(res) if not res.phased and res.objective == "deaths"
             else [])
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Briefing: {_e(sc.name)}"
        f"</title><style>{_CSS}</style></head><body>",
        f"<h1>Briefing: {_e(sc.name)}</h1>",
        f"<p class='muted'>decide {__version__}, {stamp}. Scenario SHA-256 "
        f"{sc.sha256()[:16]}. Objective: {_e(OBJECTIVE_TEXT[res.objective])}.</p>",
        "<h2>Executive summary</h2>",
        f"<p class='answer'>{_e(answer.headline(res, outlook))}</p>",
        f"<p>{_e(answer.budget_sentence(res))}</p>",
    ]
    if outlook is not None:
        parts.append(f"<p>{_e(answer.uncertainty_sentence(res, outlook))}</p>")
    if res.mexico_homicides is not None:
        parts.append(f"<p>Additional homicides in Mexico: <b>{res.mexico_homicides:,.0f}"
                     f"</b> over {sc.horizon} years (leadership removals raise them, "
                     "gun-flow enforcement lowers them; not counted in the deaths "
                     "objective).</p>")
    if status:
        parts.append(f"<p class='judgement'>{_e(status)}</p>")
    if basis:
        parts += ["<p><b>What the decision rests on</b> (the assumption nearest to "
                  "changing the allocation, per lever):</p><ul>",
                  *[f"<li>{_e(line)}</li>" for line in basis], "</ul>"]
    parts.append(f"<p>{_e(baseline_sentence(sc, validation))}</p>")
    parts.append("<h2>Caveats</h2><ol>")
    parts += [f"<li>{_e(c)}</li>" for c in CAVEATS]
    parts.append("</ol>")
    parts += ["<h2>Why each lever gets what it gets</h2><ul>",
              *[f"<li>{_e(line)}</li>" for line in answer.lever_reasons(res, outlook)],
              "</ul>"]
    if discovery is not None:
        parts += ["<h2>Where the decision breaks</h2>",
                  *[f"<p>{_e(line)}</p>" for line in box_sentences(discovery, sc)]]
    if charts:
        parts.append("<h2>Charts</h2>")
        parts.append(_figure(ch.allocation_chart(res), "The allocation, $M per year."))
        if outlook is not None:
            parts.append(_figure(ch.fan_chart(outlook.fan), (
                f"Projected deaths per year with no new spending and with the allocation: "
                f"median and 90% range over {outlook.n:,} plausible worlds.")))
            parts.append(_figure(ch.fan_chart(
                outlook.averted_fan, title="Deaths averted by year (median and 90% range)",
                y_title="Deaths averted per year"), (
                "Deaths the allocation averts each year, over the same worlds (the effect "
                "is too small to see against total deaths in the chart above).")))
        else:
            parts.append(_figure(ch.deaths_chart(res), "Projected deaths per year (base "
                                 "case)."))
        if tornado is not None:
            parts.append(_figure(ch.tornado_chart(tornado, sc=sc,
                                                  base_averted=res.deaths_averted), (
                "Deaths averted with each assumption at the low and high end of its "
                "range, the allocation re-optimised each time; the line is the base "
                "case.")))
        if frontier is not None:
            parts.append(_figure(ch.frontier_chart(frontier, labels), (
                "The optimal allocation (areas, $M per year) and deaths averted (line) as "
                "the budget grows.")))
    parts += [
        "<h2>Figures (base case: every assumption at its base value)</h2>",
        "<table class='headline'>"
        f"<tr><td>Projected deaths over {sc.horizon} years</td>"
        f"<td>{s['projected_deaths']:,.0f}</td></tr>"
        f"<tr><td>Baseline deaths (no new spending)</td><td>{s['baseline_deaths']:,.0f}</td>"
        "</tr>"
        f"<tr><td>Deaths averted</td><td>{s['deaths_averted']:,.1f}</td></tr>"
        + _outcome_rows(res) +
        f"<tr><td>Cost per death averted</td><td>$"
        f"{_num(s['cost_per_death_averted_musd'], '{:,.2f}')}M</td></tr>"
        + (f"<tr><td>Additional homicides in Mexico</td><td>{res.mexico_homicides:,.0f}"
           "</td></tr>" if res.mexico_homicides is not None else "")
        + f"<tr><td>Solver precision (certified gap, {_e(res.objective_unit)}: the optimum "
          "reaches at most this much more; arithmetic, not uncertainty)</td>"
          f"<td>{res.gap:.4f}</td></tr></table>",
        "<h2>Allocation</h2>", _table(alloc),
        "<h2>Key sensitivities</h2><ul>",
        f"<li>{_e(budget_price_sentence(res))}</li>",
    ]
    unit = "deaths averted" if res.objective == "deaths" else res.objective_unit
    for name, row in res.shadow_price_bounds.iterrows():
        if name != "budget":
            kind, _, lever = name.partition(".")
            parts.append(f"<li>{_e(labels.get(lever, lever))}, its {_e(kind)}: "
                         f"{row['right']:+.4f} {_e(unit)} per extra $1M a year on this "
                         "bound</li>")
    if res.objective != "deaths" and not res.phased:
        parts.append("<li>The switching values of the tornado (what the decision rests on) "
                     "are computed for the deaths objective; run the briefing with the "
                     "deaths objective to see them.</li>")
    if res.unspent > 0:
        parts.append(f"<li>Unspent: ${res.unspent:,.1f}M a year ({_e(res.unspent_reason)})</li>")
    if monte_carlo is not None and len(monte_carlo):
        q = monte_carlo["deaths_averted"].quantile([0.05, 0.5, 0.95])
        parts.append(f"<li>Across {len(monte_carlo):,} draws of every assumption "
                     f"(re-optimised each time) deaths averted range {q[0.05]:,.0f} to "
                     f"{q[0.95]:,.0f} (median {q[0.5]:,.0f}); funded in: " + ", ".join(
                         f"{_e(labels.get(c[6:], c[6:]))} "
                         f"{(monte_carlo[c] > FUNDED).mean():.0%}"
                         for c in monte_carlo.columns if c.startswith("spend.")) + "</li>")
    if outlook is not None:
        parts.append(f"<li>Plausible worlds: {outlook.n:,} draws of every assumption from "
                     f"its range, seed {outlook.seed_entropy} (decide.outlook repeats "
                     "them); the allocation counts as best in a world when it averts "
                     f"within {outlook.tolerance:.0%} of that world's own optimum.</li>")
    else:
        parts.append("<li>The range over plausible worlds was not computed for this "
                     "briefing (decide brief --draws N adds it).</li>")
    parts.append("</ul>")
    parts.append("<h2>Assumptions changed from the scenario file</h2>")
    diff = sc.diff(reference) if reference is not None else pd.DataFrame()
    if len(diff):
        parts.append(_table(diff.rename(columns={"key": "Assumption", "this": "This run",
                                                 "other": "Scenario file"})))
    else:
        parts.append("<p>None: the run uses the scenario file as written.</p>")
    params = sc.parameters()
    parts.append("<h2>Assumptions and sources</h2><table><tr><th>Parameter</th><th>Base</th>"
                 "<th>Range</th><th>Unit</th><th>Confidence</th><th>Source</th></tr>")
    for r in params.itertuples(index=False):
        conf = (f"<span class='judgement'>{_e(r.confidence)}</span>"
                if r.confidence == "judgement" else _e(r.confidence))
        parts.append(f"<tr><td>{_e(param_label(sc, r.name))}</td><td>{r.base:g}</td>"
                     f"<td>{r.low:g} - {r.high:g}</td><td>{_e(r.unit)}</td><td>{conf}</td>"
                     f"<td style='text-align:left'>{_e(r.source)}</td></tr>")
    parts.append("</table><p class='muted'>Equations, proofs and sources: docs/model.md "
                 "and docs/sources.md.</p></body></html>")
    return "\n".join(parts)


def _num_f(v):
    return _num(v, "{:,.2f}")


_OUTCOME_COLUMNS = (("life_years_averted", "Life-years saved", "{:,.0f}"),
                    ("benefit_musd", "Benefit $M", "{:,.1f}"),
                    ("net_benefit_musd", "Net benefit $M", "{:,.1f}"),
                    ("benefit_cost_ratio", "Benefit-cost ratio", "{:.2f}"))


def _outcome_rows(res):
    """Headline rows for life-years and money, when the scenario has them."""
    rows = ""
    if res.life_years_averted is not None:
        rows += (f"<tr><td>Years of life saved (undiscounted; of {res.baseline_life_years:,.0f}"
                 f" lost at baseline)</td><td>{res.life_years_averted:,.0f}</td></tr>")
    if res.benefit_musd is not None:
        rows += (f"<tr><td>Net benefit: value averted ${res.benefit_musd:,.1f}M minus spend "
                 f"${res.cost_musd:,.1f}M (discounted)</td><td>${res.net_benefit_musd:,.1f}M"
                 f"</td></tr><tr><td>Benefit-cost ratio</td><td>"
                 f"{_num(res.benefit_cost_ratio, '{:.2f}')}</td></tr>")
    return rows
