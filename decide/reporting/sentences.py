"""Sentences shared by the CLI, the app and the briefing (one wording, one rule each)."""

from __future__ import annotations

import math

from ..optimization import Status
from .labels import format_number, format_quantity, lever_label, objective_label, param_label

__all__ = ["BREAKPOINT_REL", "at_breakpoint", "shadow_price_sentence", "status_sentence",
           "basis_sentences", "decision_sentences", "baseline_sentence", "SAME_SPEND",
           "MOVE_MIN", "moves_phrase", "switch_sentence", "switch_sentences",
           "value_of_information_sentence", "same_allocation", "robust_sentences",
           "tradeoff_sentence"]

#: Two allocations within this many $M per year on every lever are the same allocation.
SAME_SPEND = 0.5
#: Moves of less than this many $M per year are left out of `moves_phrase`.
MOVE_MIN = 0.05

#: Relative difference between the budget's left and right shadow prices above which
#: the budget sits at a breakpoint (a kink of deaths averted against the budget).
BREAKPOINT_REL = 1e-9


def at_breakpoint(left, right):
    """Whether the last and the next $1M a year avert different numbers of deaths.

    Parameters
    ----------
    left, right : float
        Deaths averted over the horizon per $1M a year taken away from (``left``) or
        added to (``right``) the budget.

    Returns
    -------
    bool
        ``abs(left - right) > BREAKPOINT_REL * max(abs(left), abs(right), 1)``.
    """
    left, right = float(left), float(right)
    return abs(left - right) > BREAKPOINT_REL * max(abs(left), abs(right), 1.0)


def shadow_price_sentence(left, right, horizon):
    """The value of the budget's next (and last) $1M a year, as one sentence.

    Parameters
    ----------
    left : float
        Deaths averted over the horizon by the last $1M a year of budget (the left
        shadow price, deaths per $1M a year).
    right : float
        Deaths averted over the horizon by the next $1M a year (the right shadow price,
        deaths per $1M a year).
    horizon : int
        Years over which deaths are counted.

    Returns
    -------
    str
        At a breakpoint (see `at_breakpoint`) both prices; otherwise what an extra
        $100M a year would avert, with the price per $1M a year. Plain text: callers
        add their own emphasis.

    Examples
    --------
    >>> shadow_price_sentence(0.5, 0.5, 10)  # doctest: +ELLIPSIS
    'An extra $100M a year for 10 years would avert about 50.0 deaths (0.5000 per extra...'
    >>> shadow_price_sentence(0.6, 0.5, 10)  # doctest: +ELLIPSIS
    'The budget sits at a breakpoint: the last $1M a year averts 0.6000 deaths over 10...'
    """
    left, right = float(left), float(right)
    if not (math.isfinite(left) and math.isfinite(right)):
        return "The budget's shadow price is not available for this result."
    if at_breakpoint(left, right):
        return (f"The budget sits at a breakpoint: the last $1M a year averts {left:.4f} "
                f"deaths over {horizon} years and the next $1M a year would avert "
                f"{right:.4f}.")
    return (f"An extra $100M a year for {horizon} years would avert about "
            f"{100 * right:,.1f} deaths ({right:.4f} per extra $1M a year).")


def status_sentence(status, gap):
    """What a result's status means for the reader, or ``None`` when it is optimal.

    Parameters
    ----------
    status : decide.optimization.Status or str
        How the optimisation ended (``optimal``, ``time_limit``).
    gap : float
        The certified gap: the optimum averts at most this many more deaths over the
        horizon than the reported allocation.

    Returns
    -------
    str or None
        ``None`` for `Status.OPTIMAL`; otherwise a warning naming the status and the
        certified gap in deaths.
    """
    status = Status(status)
    if status is Status.OPTIMAL:
        return None
    why = {Status.TIME_LIMIT: "the solver stopped at its time limit"}.get(
        status, f"status {status.value}")
    return (f"Not proven optimal ({why}; status: {status.value}): the best allocation "
            f"found is shown, and the optimum averts at most {gap:,.4f} more deaths "
            "(the certified gap).")


def _number(v):
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def decision_sentences(res):
    """What the decision rests on for a result, as sentences (empty for a phased plan,
    whose switching values would need a phased tornado).

    Parameters
    ----------
    res : Allocation

    Returns
    -------
    list of str
        `basis_sentences` of `decide.analyses.decision_basis` for ``res``.
    """
    from ..analyses.basis import decision_basis

    if res.phased:
        return []
    sc = res.scenario
    return basis_sentences(decision_basis(sc, result=res), sc.parameters(), sc.horizon,
                           sc=sc)


def basis_sentences(basis, parameters, horizon, *, sc=None):
    """What the decision rests on, one sentence per lever.

    Parameters
    ----------
    basis : pandas.DataFrame
        `decide.analyses.decision_basis`.
    parameters : pandas.DataFrame
        ``sc.parameters()`` (for ranges and units).
    horizon : int
        Years over which deaths are counted.
    sc : Scenario, optional
        Names the assumptions by their labels (`decide.reporting.labels.param_label`);
        without it, by a label read from the key alone.

    Returns
    -------
    list of str
        For each lever: funded (at $M a year) or not; the bound that binds it and what
        it costs in deaths over the horizon per $1M a year; and the assumption nearest
        to changing the allocation, with its switching value, base and range.
    """
    params = parameters.set_index("name")
    out = []
    for row in basis.itertuples(index=False):
        text = (f"{row.label}: funded at ${row.spend:,.0f}M a year" if row.funded
                else f"{row.label}: not funded")
        if row.bound == "ceiling":
            text += (f"; capped by its ${row.bound_value:,.0f}M ceiling: each $1M a year "
                     f"more of ceiling would avert {row.bound_price:,.3f} more deaths over "
                     f"{horizon} years")
        elif row.bound:
            text += (f"; held at its ${row.bound_value:,.0f}M {row.bound}, which costs "
                     f"{max(-row.bound_price, 0.0):,.3f} deaths over {horizon} years per "
                     f"$1M a year")
        if not row.computed:
            text += ("; switching values not computed for this scenario (outside the "
                     "fast engine's scope: run the tornado)")
        elif row.parameter:
            p = params.loc[row.parameter]
            way = "falls below" if row.switching_value < row.base else "rises above"
            text += (f"; the allocation changes if {param_label(sc, row.parameter)} {way} "
                     f"{_number(row.switching_value)} {p['unit']} (base {_number(row.base)},"
                     f" range {_number(p['low'])}-{_number(p['high'])})")
        else:
            text += "; no single assumption of this lever or the market changes the " \
                "allocation within its range"
        out.append(text + ".")
    return out


_BASELINE_WORDS = {
    "flat": "a constant trend from the 2024 level (D0 (1 + g)^t)",
    "trend": "a log-linear trend (docs/model.md section 11)",
    "dynamic": "a population model driven by the supply index (docs/model.md section 11)",
}


def baseline_sentence(sc, validation=None):
    """Which baseline projection the answer rests on, and how it fared out of sample.

    Parameters
    ----------
    sc : Scenario
    validation : pandas.DataFrame, optional
        `decide.validate` of ``sc``: its first held-out year is reported (observed,
        predicted median, 90% interval, error in %); otherwise the sentence says the
        check was not run here.

    Returns
    -------
    str
    """
    model = sc.baseline_model
    text = f"Baseline (no new spending): the {model} model, {_BASELINE_WORDS[model]}."
    if validation is None or not len(validation):
        return text + (" Its out-of-sample check was not run for this briefing "
                       "(decide validate; docs/model.md section 12).")
    row = validation.iloc[0]
    error = (row["predicted"] - row["observed"]) / row["observed"]
    inside = "inside" if bool(row["inside"]) else "outside"
    return text + (f" Trained on earlier years, it predicted {row['predicted']:,.0f} "
                   f"synthetic-opioid deaths for {int(row['year'])} against "
                   f"{row['observed']:,.0f} observed ({error:+.1%}), {inside} its 90% "
                   f"interval ({row['low']:,.0f}-{row['high']:,.0f}).")


# -- allocations compared, switching values, value of information, robust, Mexico ----------
def _money(value):
    """``$300M`` (3 significant digits below 1,000, whole numbers above)."""
    return format_quantity(value, "$M")


def _and(items):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def moves_phrase(before, after, labels=None, tol=MOVE_MIN):
    """How one allocation differs from another, in words.

    Parameters
    ----------
    before, after : Mapping or pandas.Series
        Lever name -> spend ($M per year); levers missing from one count as 0.
    labels : Mapping, optional
        Lever name -> label (default: a readable form of the name).
    tol : float
        Changes smaller than this ($M per year) are left out.

    Returns
    -------
    str
        ``"moves $300M a year from Precursor diplomacy to Counter-network targeting"``;
        with several levers each amount is given; ``""`` when nothing moves.

    Examples
    --------
    >>> moves_phrase({"a": 300, "b": 0}, {"a": 0, "b": 300}, {"a": "A", "b": "B"})
    'moves $300M a year from A to B'
    """
    labels = dict(labels or {})
    before, after = dict(before), dict(after)
    names = list(dict.fromkeys(list(before) + list(after)))
    delta = {n: float(after.get(n, 0.0)) - float(before.get(n, 0.0)) for n in names}
    name = {n: labels.get(n) or lever_label(None, n) for n in names}
    losses = [(n, -d) for n, d in delta.items() if d < -tol]
    gains = [(n, d) for n, d in delta.items() if d > tol]
    lost, gained = sum(v for _, v in losses), sum(v for _, v in gains)
    if not losses and not gains:
        return ""
    if len(losses) == 1 and len(gains) == 1 and abs(lost - gained) <= max(tol, 1e-3 * lost):
        return (f"moves {_money(lost)} a year from {name[losses[0][0]]} to "
                f"{name[gains[0][0]]}")
    src = _and(f"{name[n]} ({_money(v)})" for n, v in losses)
    dst = _and(f"{name[n]} ({_money(v)})" for n, v in gains)
    if not losses:
        return f"adds {_money(gained)} a year: to {dst}"
    if not gains:
        return f"cuts {_money(lost)} a year: from {src}"
    return f"moves {_money(max(lost, gained))} a year from {src} to {dst}"


def _amount(value, unit):
    """``0.15 fraction of supply``, ``$5,000M per year per 1% cut``, ``2 years``."""
    unit = str(unit or "").strip()
    if unit.startswith("$M"):
        return format_quantity(value, unit)
    return f"{format_number(value)} {unit}".strip()


def _threshold(value, base, unit):
    """``0.000688 fraction of supply (base 0.15)``, ``$3,087M per year per 1% cut (base
    $1,000M)``."""
    base = (format_quantity(base, "$M") if str(unit or "").strip().startswith("$M")
            else format_number(base))
    return f"{_amount(value, unit)} (base {base})"


def switch_sentence(label, unit, side, switching_value, base_value, side_value, base_spend,
                    side_spend, labels=None):
    """Where one assumption changes the decision, and to what allocation.

    Parameters
    ----------
    label : str
        The assumption in words (`decide.reporting.labels.param_label`).
    unit : str
        Its unit (`decide.reporting.labels.param_unit`).
    side : {"low", "high"}
        The end of its range at which the decision changed.
    switching_value : float
        The value between base and that end where the allocation first changes (NaN
        when not computed).
    base_value, side_value : float
        Its base value and the value at that end, in ``unit``.
    base_spend, side_spend : Mapping or pandas.Series
        Lever name -> $M per year: the base-case optimum and the optimum at ``side_value``.
    labels : Mapping, optional
        Lever name -> label.

    Returns
    -------
    str
        E.g. ``"Precursor diplomacy: largest effect - below 0.000688 fraction of supply
        (base 0.15) the allocation changes; at the low end of its range (0 fraction of
        supply) it moves $300M a year from Precursor diplomacy to Counter-network
        targeting."``

    Examples
    --------
    >>> switch_sentence("Cost", "$M per year per 1% cut", "high", 3086.66, 1000, 5000,
    ...                 {"a": 400, "b": 300}, {"a": 0, "b": 700}, {"a": "A", "b": "B"})
    ... # doctest: +NORMALIZE_WHITESPACE
    'Cost - above $3,087M per year per 1% cut (base $1,000M) the allocation changes; at the
    high end of its range ($5,000M per year per 1% cut) it moves $400M a year from A to B.'
    """
    way = "below" if side == "low" else "above"
    end = f"the {side} end of its range ({_amount(side_value, unit)})"
    moves = moves_phrase(base_spend, side_spend, labels) or (
        "the levers funded change by less than $0.05M a year")
    switch = float(switching_value)
    if math.isfinite(switch):
        return (f"{label} - {way} {_threshold(switch, base_value, unit)} the allocation "
                f"changes; at {end} it {moves}.")
    return f"{label} - at {end} the allocation {moves}."


def switch_sentences(t, sc, base_spend):
    """`switch_sentence` for every row of a tornado that changes the decision, largest
    swing first.

    Parameters
    ----------
    t : pandas.DataFrame
        `decide.analyses.tornado` of ``sc``.
    sc : Scenario
    base_spend : Mapping or pandas.Series
        The base-case optimum (``decide.optimize(sc).spend``), $M per year per lever.

    Returns
    -------
    list of str
    """
    params = sc.parameters().set_index("name")
    labels = {lv.name: lv.label for lv in sc.levers}
    spend_cols = [c for c in t.columns if c.startswith("spend.")]
    out = []
    for row in t[t["allocation_changed"].astype(bool)].to_dict("records"):
        name = row["parameter"]
        unit = params.loc[name, "unit"] if name in params.index else ""
        base = params.loc[name, "base"] if name in params.index else float("nan")
        side_spend = {c[6:]: row[c] for c in spend_cols}
        out.append(switch_sentence(param_label(sc, name), unit, row["side"],
                                   row["switching_value"], base, row["value"], base_spend,
                                   side_spend, labels))
    return out


def value_of_information_sentence(deaths, se_deaths, musd_per_year, horizon, subject=None):
    """What perfect information would be worth, in deaths and in dollars, and what to do
    with that number.

    Parameters
    ----------
    deaths, se_deaths : float
        EVPI or EVPPI and its Monte Carlo standard error (deaths averted over the
        horizon).
    musd_per_year : float
        The same in $M per year (`decide.evpi`: deaths divided by the budget's shadow
        price); NaN when the budget's next $1M averts nothing.
    horizon : int
        Years over which deaths are counted (and the budget is spent).
    subject : str, optional
        What is learnt, in words (default: every assumption).

    Returns
    -------
    str
        Three sentences: the deaths perfect information would avert by improving the
        decision; the dollar conversion at the budget's shadow price, with the price;
        and the rule (research is worth at most that much).

    Examples
    --------
    >>> print(value_of_information_sentence(7.9, 0.4, 67.7, 10))
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Knowing every assumption exactly before choosing the allocation would avert about 7.9
    deaths ... an extra $1M a year of budget averts 0.117 deaths over 10 years (the
    budget's shadow price), so averting 7.9 deaths by spending more would take about
    $67.7M a year for 10 years ($677M in all). Research ... costs less than that...
    """
    subject = subject or "every assumption"
    deaths, se = float(deaths), float(se_deaths)
    musd = float(musd_per_year)
    if deaths < 0.05:
        return (f"Knowing {subject} exactly would not change the allocation enough to "
                f"matter (about {format_number(deaths)} deaths over {horizon} years): "
                "research to pin it down would not improve this decision.")
    text = (f"Knowing {subject} exactly before choosing the allocation would avert about "
            f"{format_number(deaths)} deaths (standard error {format_number(se)}) over "
            f"{horizon} years, because the allocation could fit the true values instead "
            "of being the best on average.")
    if not math.isfinite(musd) or musd <= 0:
        return text + (" It has no dollar equivalent here: the budget's next $1M a year "
                       "averts no deaths.")
    price = deaths / musd
    return text + (
        f" In money: an extra $1M a year of budget averts {format_number(price)} deaths "
        f"over {horizon} years (the budget's shadow price), so averting "
        f"{format_number(deaths)} deaths by spending more would take about "
        f"{_money(musd)} a year for {horizon} years ({_money(musd * horizon)} in all)."
        f" Research that would settle {subject} is worth funding only if it costs less "
        "than that; less still, since no study removes all the uncertainty.")


def same_allocation(a, b, tol=SAME_SPEND):
    """Whether two allocations (lever -> $M per year) are within ``tol`` on every lever."""
    a, b = dict(a), dict(b)
    return all(abs(float(a.get(n, 0.0)) - float(b.get(n, 0.0))) <= tol
               for n in set(a) | set(b))


def _at_bounds(sc, spend, tol=SAME_SPEND):
    """Levers whose spend sits at their lock, ceiling or floor: (label, bound) pairs."""
    out = []
    for lv in sc.levers:
        x = float(dict(spend).get(lv.name, 0.0))
        if lv.lock is not None and abs(x - lv.lock) <= tol:
            out.append((lv.label, "lock"))
        elif lv.ceiling is not None and abs(x - lv.ceiling) <= tol:
            out.append((lv.label, "ceiling"))
        elif lv.floor > 0 and abs(x - lv.floor) <= tol:
            out.append((lv.label, "floor"))
    return out


_OBJECTIVE_WHY = {
    "expected": ("averaged over the draws, the levers' deaths averted per extra $1M a year "
                 "keep the order they have with every assumption at its base value (the "
                 "mean of the draws behaves like the base case), so minimising expected "
                 "deaths picks the same allocation"),
    "regret": ("no other allocation lowers the worst shortfall against the draws' own "
               "optima: hedging does not pay here"),
    "cvar": ("the draws with the most deaths are best served by the same allocation as "
             "the base case"),
    "cvar_regret": ("no other allocation lowers the average shortfall in the worst draws: "
                    "hedging does not pay here"),
}


def robust_sentences(r, sc, base_spend):
    """The robust allocation in words: its objective and value, and how it compares with
    the base-case optimum.

    Parameters
    ----------
    r : RobustResult
        `decide.analyses.robust` of ``sc``.
    sc : Scenario
    base_spend : Mapping or pandas.Series
        The base-case optimum, $M per year per lever.

    Returns
    -------
    list of str
        The objective in words with its value (deaths over the horizon) and certified
        gap; then either that the robust allocation is the base-case optimum (within
        `SAME_SPEND` per lever) and why, or what it moves against it.
    """
    what = objective_label(r.objective, r.alpha)
    unit = "deaths of regret" if "regret" in r.objective else "deaths"
    out = [f"{what} over {len(r.draws):,} draws: {r.value:,.1f} {unit} over "
           f"{sc.horizon} years (certified: no allocation does better by more than "
           f"{format_number(r.gap)} deaths)."]
    labels = {lv.name: lv.label for lv in sc.levers}
    robust = dict(r.spend)
    if same_allocation(robust, base_spend):
        why = _OBJECTIVE_WHY.get(r.objective, "")
        bounds = _at_bounds(sc, robust)
        text = (f"The robust allocation is the base-case optimum (every lever within "
                f"${SAME_SPEND}M a year of it)" + (f": {why}." if why else "."))
        if bounds:
            held = _and(f"{label} at its {bound}" for label, bound in bounds)
            text += (f" Part of the allocation is held by its bounds in any case: {held}.")
        out.append(text)
    else:
        out.append("Against the base-case optimum, the robust allocation "
                   f"{moves_phrase(base_spend, robust, labels)}.")
    return out


def tradeoff_sentence(p, horizon, current=None):
    """The exchange rate along the Mexico frontier: US overdose deaths averted per
    additional homicide in Mexico.

    Parameters
    ----------
    p : pandas.DataFrame
        `decide.pareto` (``mexico_homicides``, ``deaths_averted``, both over the
        horizon).
    horizon : int
        Years over which both are counted.
    current : tuple of float, optional
        (additional homicides, US deaths averted) of the current allocation.

    Returns
    -------
    str
        From the fewest-homicide end to the end best for US deaths: the deaths and
        homicides gained, their ratio both ways, and the range of the rate between
        neighbouring points; with ``current``, where the current allocation sits.
    """
    df = p.sort_values("mexico_homicides")
    h = df["mexico_homicides"].to_numpy(dtype=float)
    d = df["deaths_averted"].to_numpy(dtype=float)
    dh, dd = h[-1] - h[0], d[-1] - d[0]
    where = ""
    if current is not None:
        where = (f" The current allocation: {format_number(current[0])} additional "
                 f"homicides in Mexico and {format_number(current[1])} US deaths averted.")
    if dh <= 1e-6 or dd <= 1e-6:
        return ("No trade-off: the allocation with the fewest homicides in Mexico also "
                "averts the most US overdose deaths within these bounds." + where)
    rate = dd / dh
    steps = [(d[k + 1] - d[k]) / (h[k + 1] - h[k]) for k in range(len(h) - 1)
             if h[k + 1] - h[k] > 1e-6]
    lo, hi = min(steps), max(steps)
    text = (f"Exchange rate: from the allocation with the fewest homicides in Mexico "
            f"({format_number(h[0])}) to the one best for US deaths "
            f"({format_number(h[-1])}), {format_number(dd)} more US overdose deaths are "
            f"averted for {format_number(dh)} more homicides in Mexico over {horizon} years:"
            f" about {format_number(rate)} US deaths averted per additional homicide "
            f"({format_number(1 / rate)} homicides per US death averted).")
    if hi - lo > 1e-9 * max(abs(hi), 1):
        text += (f" Between neighbouring points the rate runs from {format_number(lo)} to "
                 f"{format_number(hi)} US deaths averted per additional homicide.")
    return text + where


# -- scenario discovery and expert panels (decide.discover, decide.experts) -----------------
__all__ += ["FAILURE_CHOICES", "failure_phrase", "restriction_phrase", "box_sentences",
            "expert_allocation_sentence", "cross_regret_sentence", "experts_sentences"]

#: The failures the app offers (`decide.analyses.discovery.Failure` text forms; ``share``
#: stands for ``share:<lever>>10``), in words.
FAILURE_CHOICES = {
    "regret>5%": "Regret above 5% of the best",
    "regret>1%": "Regret above 1%",
    "top_lever": "The top lever changes",
    "share": "A lever's share moves more than 10 points",
}


def failure_phrase(failure, sc=None):
    """What counts as the decision failing in one plausible world, in words (lever
    labels, not names).

    Parameters
    ----------
    failure : Failure or str
        `decide.analyses.discovery.Failure` or its text form (``"regret>5%"``,
        ``"regret>100"``, ``"share:precursor>10"``, ``"top_lever"``).
    sc : Scenario, optional
        For the lever's label.

    Examples
    --------
    >>> failure_phrase("top_lever")
    "the world's optimum puts the most money on another lever"
    """
    from ..analyses.discovery import Failure

    f = Failure.parse(failure)
    return f.describe(lever_label(sc, f.lever) if f.kind == "share" else None)


def restriction_phrase(sc, parameter, side, low, high, unit=""):
    """One limit of a box in words: ``Counter-network targeting: cost per 1% cut below
    $1,721M per year per 1% supply cut``."""
    from .labels import unit_text

    unit = unit_text(unit)
    name = param_label(sc, parameter)
    if side == "above":
        return f"{name} above {format_quantity(low, unit)}"
    if side == "below":
        return f"{name} below {format_quantity(high, unit)}"
    return f"{name} between {format_quantity(low, unit)} and {format_quantity(high, unit)}"


def box_sentences(discovery, sc=None):
    """Where the decision breaks, in words: the failure and how often it happens, then
    one sentence per box (or why no box is worth keeping).

    Parameters
    ----------
    discovery : Discovery
        `decide.discover`.
    sc : Scenario, optional
        For parameter and lever labels.

    Returns
    -------
    list of str
        The first states the failure and its rate over the draws; then, per box, its
        limits (labels and units), its coverage ("holds X% of the failures") and its
        density ("within it the decision fails in Y% of worlds"), both on the draws PRIM
        did not search; or, with no box, that none is worth keeping, with the reason.
    """
    d = discovery
    n = len(d.draws)
    out = [f"The decision counts as failing in a plausible world when "
           f"{failure_phrase(d.failure, sc)}. Across {n:,} worlds drawn from the "
           f"assumptions' ranges (each re-optimised exactly), it fails in "
           f"{d.base_rate:.0%} of them."]
    if d.boxes.empty:
        out.append(f"No box worth keeping: the failures do not concentrate in a region of "
                   f"a few assumptions that holds on the draws the search did not see; the "
                   f"decision fails in {d.base_rate:.0%} of worlds overall, spread across "
                   f"the assumptions. Reason: {d.note}.")
        return out
    for box in d.boxes.itertuples(index=False):
        rows = d.restrictions[d.restrictions["box"] == box.box]
        parts = [restriction_phrase(sc, r.parameter, r.side, r.low, r.high,
                                    getattr(r, "unit", ""))
                 for r in rows.itertuples(index=False)]
        # the labels hold commas and colons: semicolons keep three or more limits apart
        limits = (_and(parts) if len(parts) <= 2 else
                  "; ".join(parts[:-1]) + "; and " + parts[-1])
        out.append(f"Box {box.box}: when {limits}. This box holds {box.coverage:.0%} of the "
                   f"failures; within it the decision fails in {box.density:.0%} of worlds "
                   f"(against {d.base_rate:.0%} overall). It takes in {box.mass:.0%} of the "
                   "worlds drawn; the figures are checked on the half of the draws the "
                   "search did not see.")
    return out


def _allocation_name(name):
    return {"pooled": "The pooled allocation", "robust": "The robust allocation"}.get(
        name, str(name))


def expert_allocation_sentence(result, sc, name):
    """One allocation of an expert panel in words: ``Supply-control optimist
    (illustrative) would fund Counter-network targeting $300M, ... a year.``"""
    row = result.allocations.loc[name]
    levers = [c for c in result.allocations.columns if c != "gap"]
    funded = [f"{lever_label(sc, lv)} {_money(row[lv])}" for lv in levers
              if row[lv] > MOVE_MIN]
    spend = _and(funded) if funded else "nothing"
    verb = "would fund" if name not in ("pooled", "robust") else "funds"
    return f"{_allocation_name(name)} {verb} {spend} a year."


def _deaths_over(sc):
    years = getattr(sc, "horizon", None)
    discounted = bool(getattr(sc, "discount_rate", 0) or 0)
    return ((f"over {years} years" if years else "over the horizon")
            + (" (discounted)" if discounted else ""))


def cross_regret_sentence(result, sc):
    """What the cross-regret matrix shows, in words, with its largest entry.

    Parameters
    ----------
    result : ExpertsResult
        `decide.experts`.
    sc : Scenario

    Returns
    -------
    str
        How to read an entry (the extra deaths an expert expects from following another
        allocation instead of their own), the largest disagreement between two experts,
        and the robust allocation's worst case.
    """
    names = list(result.experts.index)
    cr = result.cross_regret.loc[names, names]
    text = ("How to read the cross-regret table: each row is an allocation, each column "
            "an expert's beliefs; an entry is the extra deaths "
            f"{_deaths_over(sc)} that expert expects from following that allocation "
            "instead of their own (0 on the diagonal).")
    stacked = cr.stack()
    if len(stacked) and float(stacked.max()) > 0:
        (row, col), worst = stacked.idxmax(), float(stacked.max())
        text += (f" The largest disagreement: following {row}'s allocation costs "
                 f"{format_number(worst)} extra deaths under {col}'s beliefs.")
    else:
        text += " No expert expects to lose anything by following another's allocation."
    if "robust" in result.cross_regret.index:
        rv = float(result.cross_regret.loc["robust", names].max())
        text += (f" The robust allocation keeps every expert's extra deaths at or below "
                 f"{format_number(rv)}.")
    return text


def experts_sentences(result, sc):
    """An expert panel in words: the panel and its weights, then each expert's, the
    pooled and the robust allocation (`expert_allocation_sentence`).

    Returns
    -------
    list of str
    """
    illustrative = int(result.experts["illustrative"].sum())
    k = len(result.experts)
    who = ("all illustrative: constructed from published positions, not elicited"
           if illustrative == k else
           f"{illustrative} illustrative (constructed, not elicited)" if illustrative
           else "all elicited")
    weights = ("equal weights" if result.weights_method == "equal"
               else "Cooke classical-model weights (calibration on seed questions)")
    out = [f"{k} experts ({who}), {result.n:,} draws of each one's beliefs; the pool "
           f"uses {weights}."]
    out += [expert_allocation_sentence(result, sc, name)
            for name in result.allocations.index]
    if "pooled" in result.allocations.index:
        out.append("The pooled allocation is best on average over a mix of the experts' "
                   "beliefs (a linear opinion pool); the robust allocation minimises the "
                   "largest extra deaths any one expert expects from it, whatever the "
                   "weights.")
    return out
