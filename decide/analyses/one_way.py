"""Tornado: each parameter at its low and high value, the allocation re-optimised, and
the value between base and each side where the decision first changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..optimization import evaluate, newton, optimize
from .common import report_progress, uncertain
from .executors import solve_draws_on

__all__ = ["tornado"]

# -- tornado ----------------------------------------------------------------------------
def _changed(spend, reference, budget, tol=1e-3):
    """Does ``spend`` fund other levers than ``reference``, or move > 10% of the budget?"""
    return bool(_changed_rows(np.atleast_2d(spend), reference, budget, tol)[0])


def _changed_rows(spend, reference, budget, tol=1e-3):
    """`_changed` for each row of ``spend`` (rows x levers) at once."""
    a, b = np.asarray(spend, dtype=float), np.asarray(reference, dtype=float)[None, :]
    return ((a > tol) != (b > tol)).any(axis=1) | \
        (0.5 * np.abs(a - b).sum(axis=1) > 0.1 * max(budget, 1e-9))


def _switching_value(sc, name, base, side_value, reference, iterations=30):
    """Value between base and the side at which the decision first changes (bisection)."""
    inside, outside = base, side_value
    for _ in range(iterations):
        mid = 0.5 * (inside + outside)
        spend = optimize(sc.with_overrides({name: mid})).spend.to_numpy()
        if _changed(spend, reference, sc.budget):
            outside = mid
        else:
            inside = mid
        if abs(outside - inside) <= 1e-6 * max(abs(side_value - base), 1e-12):
            break
    return outside


def tornado(sc, *, parameters=None, reoptimize=True, progress=None, result=None):
    """Each parameter at its low and its high value, everything else at base.

    Parameters
    ----------
    sc : Scenario
    parameters : list of str, optional
        Parameter names (default: every parameter with low < high).
    reoptimize : bool
        True re-optimises the allocation at each value; False keeps the base allocation.
    progress : callable(done, total), optional
        Called as parameters are done.
    result : Allocation, optional
        ``optimize(sc)`` if already computed (the base allocation).

    Returns
    -------
    pandas.DataFrame
        Two rows per parameter, sorted by ``swing`` (largest first): ``parameter``,
        ``side`` (``low``/``high``), ``value``, ``deaths``, ``deaths_averted`` (over the
        horizon), ``spend.<lever>`` ($M per year), ``swing`` (|deaths averted at high - at
        low|), ``allocation_changed`` (the optimum funds other levers or moves more than
        10% of the budget against the base optimum), ``switching_value`` (the value
        between base and this side where that first happens; NaN when it does not) and
        ``regret`` (deaths lost by keeping the base allocation at this value).

    Within the fast engine's scope every value (and every bisection step) is one
    certified batch; otherwise each is a certified LP.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> t = tornado(sc, parameters=["levers.precursor.cost_per_pct",
    ...                             "levers.financial.cost_per_pct"])
    >>> t[["parameter", "side", "value", "deaths_averted"]].round(1)
                           parameter  side   value  deaths_averted
    0  levers.precursor.cost_per_pct  high  2000.0           341.4
    1  levers.precursor.cost_per_pct   low    50.0          6897.9
    2  levers.financial.cost_per_pct  high  5000.0           991.5
    3  levers.financial.cost_per_pct   low   300.0          1278.4
    >>> t[["side", "allocation_changed", "switching_value", "regret"]].round(1)
       side  allocation_changed  switching_value  regret
    0  high               False              NaN     0.0
    1   low               False              NaN     0.0
    2  high                True           3086.7    15.1
    3   low               False              NaN     0.0

    Once financial disruption costs more than about $3,087M a year per 1% supply cut, the
    optimum moves money from it to counter-network targeting (all $400M at $5,000M);
    keeping the base allocation there would cost 15 deaths over the horizon (``regret``).
    """
    table = uncertain(sc, parameters)
    base = optimize(sc) if result is None else result
    if newton.in_scope(sc):
        rows = _tornado_fast(sc, table, base, reoptimize, progress)
    else:
        rows = _tornado_lp(sc, table, base, reoptimize, progress)
    out = pd.DataFrame(rows)
    swing = out.groupby("parameter")["deaths_averted"].agg(lambda d: float(d.max() - d.min()))
    out["swing"] = out["parameter"].map(swing)
    order = swing.sort_values(ascending=False, kind="stable").index
    out["parameter"] = pd.Categorical(out["parameter"], categories=list(order), ordered=True)
    out = out.sort_values(["parameter", "side"], kind="stable").reset_index(drop=True)
    out["parameter"] = out["parameter"].astype(str)
    cols = ["parameter", "side", "value", "deaths", "deaths_averted"] + [
        f"spend.{n}" for n in sc.lever_names] + ["swing", "allocation_changed",
                                                "switching_value", "regret"]
    return out[cols]


def _entry(sc, name, side, value, deaths, baseline, spend, changed, switch, regret):
    entry = {"parameter": name, "side": side, "value": float(value), "deaths": deaths,
             "deaths_averted": baseline - deaths, "allocation_changed": bool(changed),
             "switching_value": switch, "regret": max(regret, 0.0)}
    entry.update({f"spend.{n}": float(v) for n, v in zip(sc.lever_names, spend)})
    return entry


def _tornado_lp(sc, table, base, reoptimize, progress):
    """One certified LP per value (and per bisection step)."""
    reference = base.spend.to_numpy()
    rows = []
    for k, row in enumerate(table.itertuples(index=False)):
        for side, value in (("low", row.low), ("high", row.high)):
            variant = sc.with_overrides({row.name: float(value)})
            best = optimize(variant)
            kept = evaluate(variant, base.spend)
            changed = reoptimize and _changed(best.spend.to_numpy(), reference, sc.budget)
            switch = (_switching_value(sc, row.name, row.base, float(value), reference)
                      if changed and value != row.base else np.nan)
            rows.append(_entry(sc, row.name, side, value,
                               best.deaths if reoptimize else kept, best.baseline_deaths,
                               best.spend.to_numpy() if reoptimize else reference, changed,
                               switch, kept - best.deaths))
        report_progress(progress, k + 1, len(table))
    return rows


def _variant_values(bases, names, values):
    """Per-row parameter values: row r sets ``names[r]`` to ``values[r]``, others base
    (``bases``: base value by parameter name)."""
    out = {n: np.full(len(names), float(bases[n])) for n in bases.index}
    for r, (n, v) in enumerate(zip(names, values)):
        out[n][r] = v
    return out


def _tornado_fast(sc, table, base, reoptimize, progress, points=15, rounds=8):
    """Every low and high value in one certified fast-engine batch; switching values by
    a multi-section search run on all switching parameters at once: each round solves
    ``points`` evenly spaced values inside every bracket in one batch and keeps the
    sub-interval where the allocation first changes, seen from the base (8 rounds of 15
    points narrow a bracket by 16**8 = 2**32, as fine as 32 halvings, in 8 batch calls
    instead of 32: each call has a fixed cost of a few ms)."""
    reference = base.spend.to_numpy()
    bases = sc.parameters().set_index("name")["base"]
    names = [n for n in table["name"] for _ in (0, 1)]
    sides = ["low", "high"] * len(table)
    values = np.array([v for lo, hi in zip(table["low"], table["high"]) for v in (lo, hi)])
    spend, deaths, b, *_ = solve_draws_on(sc, _variant_values(bases, names, values),
                                          len(names))
    kept = newton.batch_deaths(b, np.repeat(reference[None], len(names), axis=0))
    baseline = b.baseline.sum(axis=1)
    changed = _changed_rows(spend, reference, sc.budget) & reoptimize
    switch = np.full(len(names), np.nan)
    todo = np.flatnonzero(changed & (values != bases.loc[names].to_numpy()))
    inside = bases.loc[[names[r] for r in todo]].to_numpy(dtype=float)
    outside = values[todo].astype(float)
    fractions = np.arange(1, points + 1) / (points + 1)
    for _ in range(rounds if todo.size else 0):
        # grid[i, j]: the j-th point from the base inside bracket i
        grid = inside[:, None] + (outside - inside)[:, None] * fractions[None, :]
        rows = [names[r] for r in todo for _ in fractions]
        x, *_ = solve_draws_on(sc, _variant_values(bases, rows, grid.ravel()),
                               grid.size)
        moved = _changed_rows(x, reference, sc.budget).reshape(grid.shape)
        # the first point that moved (or none): the new bracket ends there
        first = np.where(moved.any(axis=1), moved.argmax(axis=1), points)
        lo_edge = np.where(first > 0, grid[np.arange(todo.size), np.maximum(first - 1, 0)],
                           inside)
        outside = np.where(first < points, grid[np.arange(todo.size),
                                                np.minimum(first, points - 1)], outside)
        inside = lo_edge
    if todo.size:
        switch[todo] = outside
    report_progress(progress, len(table), len(table))
    return [_entry(sc, names[r], sides[r], values[r],
                   deaths[r] if reoptimize else kept[r], baseline[r],
                   spend[r] if reoptimize else reference, changed[r], switch[r],
                   kept[r] - deaths[r]) for r in range(len(names))]
