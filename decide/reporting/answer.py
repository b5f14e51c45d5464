"""The answer in words: what to fund, how sure we are, and why each lever gets what it
gets. One wording for the app's landing page, the CLI's footer and the briefing.

Every number comes from an `Allocation` (base values of every assumption) and,
optionally, an `Outlook` of it (the same allocation scored in plausible worlds drawn
from every assumption's range).
"""

from __future__ import annotations

import math

from ..optimization.certificate import FUNDED
from .labels import lever_label

__all__ = ["lever_order", "headline", "lever_reasons", "uncertainty_sentence",
           "gap_sentence", "budget_sentence", "round_figure"]

#: Spend within this many $M per year of a bound counts as at the bound.
_AT_BOUND = 1e-6


def round_figure(value):
    """A count of deaths rounded for prose: 2 significant figures from 100 up, so
    ``745 -> 750``, ``2,487 -> 2,500`` and ``9.87 -> 9.9``.

    Examples
    --------
    >>> round_figure(745.2), round_figure(2486.6), round_figure(48.3), round_figure(0.0)
    ('750', '2,500', '48', '0')
    """
    value = float(value)
    if not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    digits = 2 - int(math.floor(math.log10(abs(value)))) - 1
    rounded = round(value, digits)
    return f"{rounded:,.{max(digits, 0)}f}"


def _pct(share):
    """A share in percent, without the sign, with sensible precision.

    Examples
    --------
    >>> _pct(0.00068), _pct(0.0051), _pct(0.055), _pct(0.147)
    ('0.07', '0.5', '5.5', '15')
    """
    pct = 100 * share
    if pct == 0 or abs(pct) < 1:
        return f"{pct:.1g}"
    return f"{pct:.1f}" if abs(pct) < 10 else f"{pct:.0f}"


def _ordinal(k):
    """``1 -> '1st'``, ``22 -> '22nd'``, ``71 -> '71st'``, ``13 -> '13th'``."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _lower(label):
    """A label inside a sentence: first letter lower case unless it starts an acronym."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _join(words):
    """``a``; ``a or b``; ``a, b or c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _units(res):
    """The unit of marginal values (the objective's, like the budget's price)."""
    if res.objective == "deaths":
        return "deaths" if not res.scenario.discount_rate else "discounted deaths"
    return res.objective_unit


def _marginals(res):
    """Each lever's marginal objective per extra $1M a year, in the budget price's units
    (reduced cost plus the budget's right price), by lever."""
    table = res.table.set_index("lever")
    budget = float(res.shadow_price_bounds.loc["budget", "right"])
    return (table["reduced_cost"] + budget).astype(float)


def _bound(res, lever):
    """``(kind, value)`` of the bound holding a lever's spend, or ``(None, None)``."""
    lv = res.scenario.lever(lever)
    x = float(res.spend[lever])
    if lv.lock is not None:
        return "lock", float(lv.lock)
    if lv.ceiling is not None and x >= lv.ceiling - _AT_BOUND and lv.ceiling > 0:
        return "ceiling", float(lv.ceiling)
    if lv.floor and x <= lv.floor + _AT_BOUND:
        return "floor", float(lv.floor)
    return None, None


def lever_order(res):
    """Levers in the order the money goes: those held at their ceiling (highest return
    first), then the other funded levers (largest spend first), then the unfunded.

    Parameters
    ----------
    res : Allocation

    Returns
    -------
    list of str
        Lever names.
    """
    marginal = _marginals(res).fillna(-math.inf)
    capped, funded, unfunded = [], [], []
    for lever in marginal.index:
        kind, _ = _bound(res, lever)
        if float(res.spend[lever]) <= FUNDED:
            unfunded.append(lever)
        elif kind == "ceiling":
            capped.append(lever)
        else:
            funded.append(lever)
    capped.sort(key=lambda k: -marginal[k])
    funded.sort(key=lambda k: -float(res.spend[k]))
    unfunded.sort(key=lambda k: -marginal[k])
    return capped + funded + unfunded


def _fund_clause(res, lever):
    label = _lower(lever_label(res.scenario, lever))
    kind, value = _bound(res, lever)
    x = float(res.spend[lever])
    if kind == "ceiling":
        return f"{label} to its ${value:,.0f}M ceiling"
    if kind == "lock":
        return f"{label} at its locked ${value:,.0f}M"
    if kind == "floor":
        return f"{label} at its ${value:,.0f}M floor"
    return f"{label} (${x:,.0f}M)"


def headline(res, outlook=None):
    """The one sentence that answers: what to fund and about how many deaths it averts.

    Parameters
    ----------
    res : Allocation
    outlook : Outlook, optional
        `decide.outlook` of ``res``: the figure is then the median over plausible worlds
        with its 90% range, the share of projected deaths, and how often the allocation
        is the best choice; without it, the base-case figure, said to be one.

    Returns
    -------
    str

    Examples
    --------
    >>> import decide
    >>> res = decide.optimize(decide.load_scenario("inputs/baseline.toml"))
    >>> headline(res)  # doctest: +ELLIPSIS
    'Fund precursor diplomacy to its $300M ceiling, then financial disruption to its...'
    """
    sc = res.scenario
    order = [k for k in lever_order(res) if float(res.spend[k]) > FUNDED]
    if not order:
        return ("Fund nothing: no lever's first $1M a year is worth spending under this "
                "objective and these constraints.")
    clauses = [_fund_clause(res, k) for k in order]
    text = "Fund " + clauses[0] + "".join(f", then {c}" for c in clauses[1:])
    unfunded = [lever_label(sc, k) for k in sc.lever_names if float(res.spend[k]) <= FUNDED]
    if unfunded:
        text += "; nothing for " + _join([_lower(u) for u in unfunded])
    if res.unspent > 0:
        text += f"; leave ${res.unspent:,.0f}M a year unspent"
    years = f"over {sc.horizon} years"
    if outlook is None:
        return (text + f": {round_figure(res.deaths_averted)} deaths averted {years} with "
                "every assumption at its base value (its uncertainty not yet computed).")
    low, median, high = outlook.interval()
    s_low, s_high = outlook.share_of_baseline()
    text += (f": about {round_figure(median)} deaths averted {years} (90% range "
             f"{round_figure(low)}-{round_figure(high)}), {_pct(s_low)}-{_pct(s_high)}% of "
             "projected deaths")
    if outlook.p_best is None:
        return text + ("; how often it is the best choice was not computed (each "
                       "world's optimum needs an LP here: see the Monte Carlo tab).")
    return text + (f"; this allocation is the best choice (within {outlook.tolerance:.0%}) "
                   f"in {outlook.p_best:.0%} of plausible worlds.")


def budget_sentence(res):
    """What the budget is: extra money, per year, for how long, in which dollars."""
    sc = res.scenario
    return (f"The budget is ${sc.budget:,.0f}M a year of new money on top of current "
            f"spending, for {sc.horizon} years, in {sc.dollar_year} dollars; deaths are "
            f"counted over those {sc.horizon} years against {res.baseline_deaths:,.0f} "
            "projected with no new spending.")


def uncertainty_sentence(res, outlook):
    """How the base-case figure compares with the spread over plausible worlds.

    Parameters
    ----------
    res : Allocation
    outlook : Outlook

    Returns
    -------
    str
    """
    low, median, high = outlook.interval()
    rank = float((outlook.draws["deaths_averted"] <= res.deaths_averted).mean())
    return (f"With every assumption at its base value the allocation averts "
            f"{res.deaths_averted:,.0f} deaths; across {outlook.n:,} plausible worlds "
            f"(every assumption drawn from its range) the median is {median:,.0f} and 90% "
            f"fall between {low:,.0f} and {high:,.0f}, so the base-case figure sits at "
            f"the {_ordinal(round(100 * rank))} percentile of that spread.")


def gap_sentence(res):
    """The certified gap, explained as what it is: solver precision."""
    return (f"Solver precision: the true optimum of this model averts at most "
            f"{res.gap:,.4f} more {res.objective_unit} than this allocation (a certified "
            "gap). It measures arithmetic, not the uncertainty about the world, which the "
            "range above shows.")


def lever_reasons(res, outlook=None):
    """Why each lever gets what it gets, one plain sentence per lever.

    Capped levers give the ceiling's price; levers funded between their bounds are
    funded to where their next $1M returns what the budget's next $1M returns; unfunded
    levers compare their best (first) $1M with the budget's. With an outlook, each
    sentence adds how often the lever is funded by the optimum of a plausible world.

    Parameters
    ----------
    res : Allocation
    outlook : Outlook, optional

    Returns
    -------
    list of str
        In `lever_order`.
    """
    sc = res.scenario
    unit = _units(res)
    marginals = _marginals(res)
    budget = float(res.shadow_price_bounds.loc["budget", "right"])
    years = f"over {sc.horizon} years"
    p_funded = outlook.p_funded if outlook is not None else None
    out = []
    for lever in lever_order(res):
        label = lever_label(res.scenario, lever)
        x = float(res.spend[lever])
        kind, value = _bound(res, lever)
        m = float(marginals[lever])
        known = math.isfinite(m) and math.isfinite(budget)
        if kind == "lock":
            text = (f"{label}: ${value:,.0f}M a year, locked at that amount by the "
                    "scenario")
            if known:
                text += (f"; its next $1M a year would avert {m:,.3g} {unit} {years}, "
                         f"against {budget:,.3g} for the budget's next $1M")
        elif kind == "ceiling":
            text = f"{label}: ${x:,.0f}M a year, its ceiling"
            if known:
                text += (f". Its next $1M a year would avert {m:,.3g} {unit} {years} "
                         f"against {budget:,.3g} for the budget's next $1M, so it is held "
                         f"by the assumed ceiling, not by its return: each $1M a year more "
                         f"of ceiling would avert about {m - budget:,.3g} more {unit}")
        elif x > FUNDED:
            text = f"{label}: ${x:,.0f}M a year"
            if kind == "floor":
                text += ", its floor"
                if known:
                    text += (f"; its next $1M a year averts {m:,.3g} {unit} {years}, less "
                             f"than the budget's {budget:,.3g}, so the floor costs about "
                             f"{budget - m:,.3g} {unit} per $1M a year")
            elif known:
                text += (f", funded up to where its next $1M a year averts {m:,.3g} "
                         f"{unit} {years}, what the budget's next $1M averts anywhere")
        else:
            text = f"{label}: not funded"
            if kind == "floor" or (kind is None and value is None and known and m > budget):
                text += " (its first $1M a year would return more than the budget's, " \
                        "but a minimum programme size or start-up cost makes it not pay)"
            elif known:
                text += (f": its best return, on the first $1M a year, is {m:,.3g} {unit} "
                         f"{years}, below the {budget:,.3g} the budget's last $1M buys "
                         "elsewhere")
        if not known:
            text += " (marginal values are not available for this result)"
        if p_funded is not None and lever in p_funded:
            text += (f". Funded in {p_funded[lever]:.0%} of plausible worlds (each "
                     "world's own best allocation)")
        out.append(text + ".")
    return out
