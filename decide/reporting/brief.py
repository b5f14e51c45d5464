"""A printable one-page briefing of a run, as self-contained HTML."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from ..optimization.certificate import FUNDED
from .caveats import CAVEATS
from .outcomes import OBJECTIVE_TEXT, budget_price_sentence
from .sentences import baseline_sentence, decision_sentences, status_sentence

__all__ = ["briefing_html"]

_CSS = """
body{font:13px/1.4 Georgia,serif;max-width:860px;margin:24px auto;color:#111}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:16px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:12px}
td,th{padding:2px 6px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left} .muted{color:#555;font-size:11px}
.headline td{font-size:14px} .judgement{color:#8a4b00;font-weight:bold}
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


def briefing_html(res, *, reference=None, monte_carlo=None, validation=None,
                  timestamp=None):
    """The briefing for an `Allocation`.

    Parameters
    ----------
    res : Allocation
    reference : Scenario, optional
        The scenario file the run started from; assumptions that differ are listed.
    monte_carlo : pandas.DataFrame, optional
        Output of `decide.monte_carlo` for the same scenario (adds how often each lever
        is funded and the spread of deaths averted).
    validation : pandas.DataFrame, optional
        Output of `decide.validate` for the same scenario (adds its out-of-sample error).
    timestamp : str, optional

    Returns
    -------
    str
        A complete HTML document (no scripts, no external resources).
    """
    from .. import __version__

    sc = res.scenario
    s = res.summary()
    stamp = timestamp or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    status = status_sentence(res.status, res.gap)  # None when optimal
    alloc = pd.DataFrame({
        "Lever": res.table["label"],
        "$M per year": res.table["spend"].map(lambda v: f"{v:,.1f}"),
        "Share": res.table["share"].map(lambda v: f"{v:.1%}"),
        "Deaths averted": res.table["deaths_averted"].map(lambda v: f"{v:,.1f}"),
        "Marginal per $1M/yr": res.table["marginal_deaths_averted_per_musd"].map(
            lambda v: f"{v:.4f}"),
        "$M per death averted": res.table["cost_per_death_averted"].map(_num_f),
    })
    for col, title, fmt in _OUTCOME_COLUMNS:  # beyond deaths, when the scenario has them
        if col in res.table:
            alloc[title] = res.table[col].map(lambda v, f=fmt: _num(v, f))
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Briefing: {_e(sc.name)}"
        f"</title><style>{_CSS}</style></head><body>",
        f"<h1>Briefing: {_e(sc.name)}</h1>",
        f"<p class='muted'>decide {__version__}, {stamp}. Budget ${sc.budget:,.0f}M a year "
        f"for {sc.horizon} years ({sc.dollar_year} dollars). Scenario SHA-256 "
        f"{sc.sha256()[:16]}. Objective: {_e(OBJECTIVE_TEXT[res.objective])}.</p>",
        "<table class='headline'>"
        f"<tr><td>Projected deaths</td><td>{s['projected_deaths']:,.0f}</td></tr>"
        f"<tr><td>Baseline deaths (no new spending)</td><td>{s['baseline_deaths']:,.0f}</td></tr>"
        f"<tr><td>Deaths averted</td><td>{s['deaths_averted']:,.1f}</td></tr>"
        + _outcome_rows(res) +
        f"<tr><td>Certified gap (the optimum reaches at most this much more of the "
        f"objective, in {_e(res.objective_unit)})</td>"
        f"<td>{res.gap:.4f}</td></tr>"
        f"<tr><td>Cost per death averted</td><td>$"
        f"{_num(s['cost_per_death_averted_musd'], '{:,.2f}')}M</td></tr></table>",
        *([f"<p class='judgement'>{_e(status)}</p>"] if status else []),
        f"<p>{_e(baseline_sentence(sc, validation))}</p>",
        "<h2>Allocation</h2>", _table(alloc),
        *(["<h2>What the decision rests on</h2><ul>"]
          + [f"<li>{_e(line)}</li>" for line in decision_sentences(res)] + ["</ul>"]
          if not res.phased and res.objective == "deaths" else []),
        "<h2>Key sensitivities</h2><ul>",
        f"<li>{_e(budget_price_sentence(res))}</li>",
    ]
    unit = "deaths averted" if res.objective == "deaths" else res.objective_unit
    for name, row in res.shadow_price_bounds.iterrows():
        if name != "budget":
            parts.append(f"<li>{_e(name)}: {row['right']:+.4f} {_e(unit)} per extra $1M "
                         "a year on this bound</li>")
    if res.objective != "deaths" and not res.phased:
        parts.append("<li>The switching values of the tornado (what the decision rests on) "
                     "are computed for the deaths objective; run the briefing with the "
                     "deaths objective to see them.</li>")
    if res.mexico_homicides is not None:
        parts.append(f"<li>Additional homicides in Mexico: {res.mexico_homicides:,.0f} over "
                     f"{sc.horizon} years (reported beside every objective)</li>")
    if res.unspent > 0:
        parts.append(f"<li>Unspent: ${res.unspent:,.1f}M a year ({_e(res.unspent_reason)})</li>")
    if monte_carlo is not None and len(monte_carlo):
        q = monte_carlo["deaths_averted"].quantile([0.05, 0.5, 0.95])
        parts.append(f"<li>Across {len(monte_carlo):,} draws of every assumption "
                     f"(re-optimised each time) deaths averted range {q[0.05]:,.0f} to "
                     f"{q[0.95]:,.0f} (median {q[0.5]:,.0f}); funded in: " + ", ".join(
                         f"{_e(c[6:])} {(monte_carlo[c] > FUNDED).mean():.0%}"
                         for c in monte_carlo.columns if c.startswith("spend.")) + "</li>")
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
        parts.append(f"<tr><td>{_e(r.name)}</td><td>{r.base:g}</td><td>{r.low:g} - {r.high:g}"
                     f"</td><td>{_e(r.unit)}</td><td>{conf}</td><td style='text-align:left'>"
                     f"{_e(r.source)}</td></tr>")
    parts.append("</table><h2>Caveats</h2><ol>")
    parts += [f"<li>{_e(c)}</li>" for c in CAVEATS]
    parts.append("</ol><p class='muted'>Equations, proofs and sources: docs/model.md.</p>"
                 "</body></html>")
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
