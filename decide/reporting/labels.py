"""Readable names, with units, for everything a reader sees: levers, assumptions
(parameters), the columns of every table the analyses return, the robust objectives and
the Monte Carlo engines.

Internal keys (``counter_network``, ``levers.precursor.max_effect``, ``cvar_regret``,
``marginal_deaths_averted_per_musd``) are for files and code; the app, the charts and the
sentences show the labels below. Every function falls back to a readable form of an
unknown key (no dots, no underscores), so a new parameter or column never shows raw.
"""

from __future__ import annotations

import math
import re

__all__ = ["SECTION_LABELS", "PARAM_NAMES", "LEVER_PARAM_NAMES", "SETTING_LABELS",
           "SETTING_UNITS", "COLUMN_LABELS", "OBJECTIVE_LABELS", "GOAL_LABELS",
           "ENGINE_LABELS", "COLUMN_FORMATS", "humanize", "lever_label", "lever_labels",
           "param_label", "param_unit", "column_label", "column_labels", "objective_label",
           "engine_label", "unit_text", "column_format", "format_number", "format_quantity"]

#: What each top-level section of a parameter key is called.
SECTION_LABELS = {"market": "Market", "mexico": "Mexico violence",
                  "outcomes": "Outcomes", "interactions": "Interactions between levers",
                  "baseline": "Baseline projection", "calibration": "Calibration"}

#: Readable names of the parameters of each section but the levers (``market.<key>``,
#: ``mexico.<key>``, ...; interactions as ``<kind>.<key>``).
PARAM_NAMES = {
    "market": {
        "baseline_deaths": "deaths in year 1 with no new spending",
        "baseline_trend": "yearly trend of baseline deaths",
        "supply_elasticity": "supply elasticity of deaths",
        "price_elasticity": "price elasticity of demand",
        "pass_through": "share of a cost shock reaching the street price",
        "substitution": "share of averted deaths reappearing with other drugs",
        "market_lag": "lag from the market to deaths",
    },
    "mexico": {
        "homicides_per_removal": "homicides per leadership removal",
        "removals_per_musd": "leadership removals per $1M a year",
        "gun_homicides_averted_per_musd": "homicides averted per $1M a year on gun flows",
    },
    "outcomes": {
        "years_lost_synthetic": "years of life lost per synthetic-opioid death",
        "years_lost_substitution": "years of life lost per substitution death",
        "value_of_statistical_life": "value of a statistical life",
        "value_per_life_year": "value of a year of life",
    },
    "interactions": {
        "complementarity.gamma": "complementarity of paired levers",
        "balloon.cap": "cap on the balloon effect",
    },
    "baseline": {
        "rate": "log-linear trend",
        "people_at_risk": "people at risk in year 1",
        "initiation": "initiation (people entering per person leaving)",
        "cessation": "share of people at risk leaving each year",
        "supply_trend": "yearly trend of the supply",
    },
    "calibration": {
        "level": "deaths in the window's first year (nuisance)",
        "noise": "extra noise of the counts (nuisance)",
    },
}

#: Readable names of a lever's parameters and bounds (``levers.<lever>.<key>``).
LEVER_PARAM_NAMES = {
    "max_effect": "largest effect",
    "cost_per_pct": "cost of the first 1% cut",
    "onset": "onset time",
    "adaptation_time": "adaptation time",
    "retained": "share of the effect kept after adaptation",
    "alpha": "share acting through quantity and potency",
    "floor": "floor",
    "ceiling": "ceiling",
    "lock": "locked spend",
    "min_size": "minimum programme size",
    "startup_cost": "start-up cost",
}

#: Settings that are not uncertain parameters (override keys), and their units.
SETTING_LABELS = {"budget": "Budget", "horizon": "Horizon", "dollar_year": "Dollar year",
                  "discount_rate": "Discount rate",
                  "max_mexico_homicides": "Cap on additional homicides in Mexico",
                  "constraints": "Custom constraints", "name": "Scenario name",
                  "description": "Scenario description"}
SETTING_UNITS = {"budget": "$M per year", "horizon": "years", "dollar_year": "year",
                 "discount_rate": "fraction per year",
                 "max_mexico_homicides": "homicides over the horizon",
                 "floor": "$M per year", "ceiling": "$M per year", "lock": "$M per year",
                 "min_size": "$M per year", "startup_cost": "$M"}
_SPEC_UNITS = {"max_effect": "fraction of supply", "cost_per_pct": "$M per year per 1% cut",
               "onset": "years", "adaptation_time": "years", "retained": "fraction",
               "alpha": "fraction"}

_H = "over the horizon"
#: Every column of the tables the analyses return, with its unit. Columns named after
#: a lever (``spend.<lever>`` or a bare lever name) or a parameter are labelled by
#: `column_label`.
COLUMN_LABELS = {
    # Allocation.table
    "lever": "Lever", "label": "Lever", "spend": "Spend ($M per year)",
    "share": "Share of the budget (%)",
    "deaths_averted": f"Deaths averted ({_H})",
    "marginal_deaths_averted_per_musd": f"Deaths averted by the next $1M a year ({_H})",
    "cost_per_death_averted": "Cost per death averted ($M)",
    "reduced_cost": "Reduced cost (deaths averted per $1M a year moved here)",
    "life_years_averted": f"Years of life saved ({_H})",
    "benefit_musd": "Value of what is averted ($M, discounted)",
    "cost_musd": "Cost ($M, discounted)",
    "net_benefit_musd": "Net benefit ($M, discounted)",
    "benefit_cost_ratio": "Benefit-cost ratio ($ of value per $ spent)",
    # monte_carlo, and summarize's rows of lever spend
    "draw": "Draw (number)", "deaths": f"Projected deaths ({_H})",
    "quantity": "Quantity", "p_funded": "Funded (share of draws, %)",
    "mean": "Mean ($M per year)", "p5": "5th percentile ($M per year)",
    "p25": "25th percentile ($M per year)", "p50": "Median ($M per year)",
    "p75": "75th percentile ($M per year)", "p95": "95th percentile ($M per year)",
    # tornado
    "parameter": "Assumption", "side": "End of its range", "value": "Value (its unit)",
    "swing": f"Swing: deaths averted at high minus at low (deaths {_H})",
    "allocation_changed": "Changes the decision (yes/no)",
    "switching_value": "Value at which the decision changes (its unit)",
    "regret": f"Regret: deaths lost by keeping the base allocation ({_H})",
    # frontier
    "budget": "Budget ($M per year)",
    # robust
    "optimal_deaths": f"Deaths at the draw's own optimum ({_H})",
    "allocation": "Allocation", "mean_deaths": f"Mean deaths ({_H})",
    "mean_regret": f"Mean regret (deaths {_H})",
    "max_regret": f"Worst-case regret (deaths {_H})",
    "cvar_deaths": f"Mean deaths in the worst draws, CVaR (deaths {_H})",
    "cvar_regret": f"Mean regret in the worst draws, CVaR (deaths {_H})",
    "draws": "Draws (number)",
    # value of information
    "evpi_deaths": f"Value of perfect information (deaths averted {_H})",
    "se_deaths": "Standard error (deaths)",
    "evpi_musd_per_year": "Value of perfect information ($M per year)",
    "se_musd_per_year": "Standard error ($M per year)",
    "expected_deaths": f"Expected deaths, best allocation on average ({_H})",
    "mean_optimal_deaths": f"Expected deaths with perfect information ({_H})",
    "n": "Draws (number)", "parameters": "Assumptions",
    "evppi_deaths": f"Value of knowing these assumptions (deaths averted {_H})",
    "evppi_musd_per_year": "Value of knowing these assumptions ($M per year)",
    "evpi_se_deaths": "Standard error of the value of perfect information (deaths)",
    "inner": "Inner draws per outer draw (number)",
    # pareto
    "point": "Point on the frontier (number)",
    "max_mexico_homicides": f"Cap on additional homicides in Mexico ({_H})",
    "mexico_homicides": f"Additional homicides in Mexico ({_H})",
    "gap": "Certified gap (deaths)",
    # deaths by year
    "year": "Year of the programme", "series": "Series",
}

#: How a table shows each kind of column (printf-style, or ``percent`` for a share).
COLUMN_FORMATS = {
    "share": "percent", "p_funded": "percent",
    "marginal_deaths_averted_per_musd": "%.4f", "reduced_cost": "%+.4f",
    "value": "%.4g", "switching_value": "%.4g", "benefit_cost_ratio": "%.2f",
    "draw": "%d", "n": "%d", "inner": "%d", "draws": "%d", "point": "%d",
    "se_deaths": "%.2f", "evpi_se_deaths": "%.2f", "gap": "%.4f",
}


#: The robust allocation's objectives (`decide.analyses.robust`), in words.
OBJECTIVE_LABELS = {
    "expected": "Expected deaths",
    "regret": "Worst-case regret",
    "cvar": "Average of the worst (1 - alpha) deaths (CVaR)",
    "cvar_regret": "Average of the worst (1 - alpha) regrets (CVaR of regret)",
}
#: What `decide.optimize` can maximise (``objective=``), in words.
GOAL_LABELS = {"deaths": "Deaths averted", "life_years": "Years of life saved",
               "net_benefit": "Net benefit ($M)"}
#: The Monte Carlo engine (``attrs["engine"]`` of `decide.monte_carlo`), in words.
ENGINE_LABELS = {
    "fast": "each draw solved exactly by the vectorised engine and certified",
    "lp": "each draw solved by the certified linear program",
}

_WORD = re.compile(r"[._]+")


def humanize(key):
    """A readable form of an unknown key: dots and underscores to spaces, first letter
    capitalised (``"foo.bar_baz"`` -> ``"Foo bar baz"``)."""
    text = _WORD.sub(" ", str(key)).strip()
    return text[:1].upper() + text[1:] if text else "(unnamed)"


def _levers(sc):
    return {lv.name: lv for lv in getattr(sc, "levers", ())} if sc is not None else {}


def lever_label(sc, name):
    """The label of lever ``name`` in scenario ``sc`` (its ``label``; a readable form of
    the name when ``sc`` is None, has no such lever, or the file gave it no label).

    >>> lever_label(None, "counter_network")
    'Counter network'
    """
    lv = _levers(sc).get(name)
    label = getattr(lv, "label", "") if lv is not None else ""
    return label if label and label != name else humanize(name)


def lever_labels(sc):
    """Lever name -> label for every lever of ``sc``."""
    return {lv.name: lever_label(sc, lv.name) for lv in getattr(sc, "levers", ())}


def param_label(sc, key):
    """A readable name for a parameter or setting key.

    Parameters
    ----------
    sc : Scenario or None
        For the levers' labels.
    key : str
        A dotted key as in ``sc.parameters()`` or ``with_overrides``.

    Returns
    -------
    str
        ``"levers.precursor.max_effect"`` -> ``"Precursor diplomacy: largest effect"``,
        ``"market.supply_elasticity"`` -> ``"Market: supply elasticity of deaths"``,
        ``"budget"`` -> ``"Budget"``; an unknown key gets a readable fallback (no dots,
        no underscores).
    """
    key = str(key)
    if key in SETTING_LABELS:
        return SETTING_LABELS[key]
    head, _, rest = key.partition(".")
    if head == "levers" and rest:
        lever, _, attr = rest.partition(".")
        name = LEVER_PARAM_NAMES.get(attr) or (humanize(attr).lower() if attr else "")
        return f"{lever_label(sc, lever)}: {name}" if name else lever_label(sc, lever)
    if head in SECTION_LABELS and rest:
        name = PARAM_NAMES.get(head, {}).get(rest) or humanize(rest).lower()
        return f"{SECTION_LABELS[head]}: {name}"
    return humanize(key)


def unit_text(unit):
    """``"(fraction; write 15% as 0.15)"`` -> ``"fraction"``; ``"elasticity
    (magnitude)"`` -> ``"elasticity, magnitude"`` (a unit goes inside parentheses)."""
    unit = str(unit or "").strip()
    if unit.startswith("(") and unit.endswith(")"):
        unit = unit[1:-1]
    unit = unit.split(";")[0].strip()
    return re.sub(r"\s*\(([^()]*)\)", r", \1", unit)


def param_unit(sc, key):
    """The unit of a parameter or setting (``""`` when it has none or is unknown).

    From ``sc.parameters()`` when ``sc`` has the parameter; otherwise the unit the
    scenario format gives the key (``budget``: ``$M per year``; a lever's ``onset``:
    ``years``).
    """
    key = str(key)
    if sc is not None:
        params = sc.parameters()
        hit = params.loc[params["name"] == key, "unit"]
        if len(hit):
            return unit_text(hit.iloc[0])
    last = key.rsplit(".", 1)[-1]
    if key in SETTING_UNITS:
        return SETTING_UNITS[key]
    if key.startswith("levers."):
        return SETTING_UNITS.get(last) or _SPEC_UNITS.get(last, "")
    from ..scenario.core import BASELINE_SPECS, PARAM_SPECS

    head, _, rest = key.partition(".")
    specs = (dict(PARAM_SPECS.get(head, {})) if head != "baseline" else
             {k: v for model in BASELINE_SPECS.values() for k, v in model.items()})
    spec = specs.get(rest.rsplit(".", 1)[-1]) if rest else None
    return unit_text(spec.what) if spec is not None else ""


def column_label(sc, column):
    """A readable column heading with its unit.

    ``spend.<lever>`` and a bare lever name -> ``"<lever label> ($M per year)"``; a
    parameter (Monte Carlo draws) -> its `param_label` and unit; a column of
    `COLUMN_LABELS` -> its label; anything else a readable fallback.
    """
    column = str(column)
    levers = _levers(sc)
    if column.startswith("spend."):
        return f"{lever_label(sc, column[6:])} ($M per year)"
    if column in levers:
        return f"{lever_label(sc, column)} ($M per year)"
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    if "." in column:
        unit = param_unit(sc, column)
        return f"{param_label(sc, column)} ({unit})" if unit else param_label(sc, column)
    return humanize(column)


def column_labels(sc, columns):
    """`column_label` of each column: a dict for renaming a table or configuring its
    display."""
    return {c: column_label(sc, c) for c in columns}


def column_format(column):
    """How a table shows a column: `COLUMN_FORMATS`, else one decimal for $M, deaths
    and the other quantities (``"%,.1f"``)."""
    return COLUMN_FORMATS.get(str(column), "%,.1f")


def objective_label(objective, alpha=None):
    """A robust objective in words; with ``alpha`` the CVaR share is stated.

    >>> objective_label("cvar", 0.9)
    'Average deaths in the worst 10% of draws (CVaR at 90%)'
    """
    if objective in ("cvar", "cvar_regret") and alpha is not None:
        worst = f"{100 * (1 - float(alpha)):.3g}%"
        what = "deaths" if objective == "cvar" else "regret"
        return (f"Average {what} in the worst {worst} of draws (CVaR at "
                f"{100 * float(alpha):.3g}%)")
    return OBJECTIVE_LABELS.get(objective) or GOAL_LABELS.get(objective) or humanize(
        objective)


def engine_label(engine):
    """How the Monte Carlo draws were solved, in words (``""`` when unknown)."""
    return ENGINE_LABELS.get(engine, "")


def format_number(value, digits=3):
    """A number for a sentence: thousands separated and rounded to whole numbers from
    1,000 up, otherwise ``digits`` significant digits, never in scientific notation.

    >>> format_number(0.0008645), format_number(3086.66), format_number(0.15)
    ('0.000865', '3,087', '0.15')
    """
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    if abs(value) >= 10 ** max(digits, 3):
        return f"{value:,.0f}"
    exponent = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - exponent, 0)
    text = f"{round(value, decimals):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_quantity(value, unit, digits=3):
    """A number with its unit: ``$3,087M per year per 1% cut`` for $M units,
    ``0.15 (fraction of supply)`` for fractions, ``2 years`` otherwise.

    >>> format_quantity(400, "$M per year"), format_quantity(0.5, "years")
    ('$400M per year', '0.5 years')
    """
    number = format_number(value, digits)
    unit = str(unit or "").strip()
    if not unit:
        return number
    if unit.startswith("$M"):
        sign = "-" if number.startswith("-") else ""
        return f"{sign}${number.lstrip('-')}M{unit[2:]}"
    if unit.startswith(("fraction", "elasticity")):
        return f"{number} ({unit})"
    return f"{number} {unit}"
