"""Sentences shared by the CLI, the app and the briefing (one wording, one rule each)."""

from __future__ import annotations

import math

from ..optimization import Status

__all__ = ["BREAKPOINT_REL", "at_breakpoint", "shadow_price_sentence", "status_sentence",
           "basis_sentences", "decision_sentences", "baseline_sentence"]

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
    return basis_sentences(decision_basis(sc, result=res), sc.parameters(), sc.horizon)


def basis_sentences(basis, parameters, horizon):
    """What the decision rests on, one sentence per lever.

    Parameters
    ----------
    basis : pandas.DataFrame
        `decide.analyses.decision_basis`.
    parameters : pandas.DataFrame
        ``sc.parameters()`` (for ranges and units).
    horizon : int
        Years over which deaths are counted.

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
            text += (f"; the allocation changes if {row.parameter} {way} "
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
