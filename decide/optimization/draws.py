"""Optimal flat spend for many draws of a scenario's parameters: the Newton engine where
it applies (every draw certified, uncertified ones re-solved by the LP), otherwise one
persistent, warm-started HiGHS model of the certified LP."""

from __future__ import annotations

import numpy as np

from . import newton
from .api import optimize
from .persistent import PersistentFlatLP

__all__ = ["solve_draws"]


def _lp_draws(sc, values, rows):
    """Re-solve draws ``rows`` with the certified LP: one persistent, warm-started HiGHS
    model whose coefficients change from draw to draw (a varying budget goes through
    `optimize` instead)."""
    spend = np.zeros((len(rows), len(sc.levers)))
    deaths = np.zeros(len(rows))
    if "budget" in values or sc.interactions or any(
            lv.min_size or lv.startup_cost for lv in sc.levers):  # beyond the persistent LP
        names = list(values)
        for k, r in enumerate(rows):
            res = optimize(sc.with_overrides({n: float(values[n][r]) for n in names}),
                           solver="highs")
            spend[k], deaths[k] = res.spend.to_numpy(), res.deaths
        return spend, deaths
    model = PersistentFlatLP(sc)
    for k, r in enumerate(rows):
        spend[k], deaths[k], _ = model.solve({n: v[r] for n, v in values.items()})
    return spend, deaths


def solve_draws(sc, values, n, threads=None):
    """Optimal flat spend and deaths for ``n`` draws of parameter values.

    Parameters
    ----------
    sc : Scenario
    values : Mapping[str, ndarray]
        Arrays of length ``n`` by parameter name (and optionally ``"budget"``).
    n : int
        Number of draws.
    threads : int, optional
        Threads for the fast engine (default: its own choice).

    Returns
    -------
    spend : ndarray, shape (n, L)
        $M per year.
    deaths : ndarray, shape (n,)
        Projected deaths over the horizon at each draw's optimum.
    batch : decide.optimization.newton.Batch
        The draws' model inputs (``batch.baseline``: deaths per year with no new
        spending, shape (n, T)).
    engine : str
        ``"fast"`` or ``"lp"``.
    fallback : int
        Draws the LP re-solved.

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> values = {"levers.precursor.max_effect": [0.0, 0.15, 0.4]}
    >>> spend, deaths, batch, engine, fallback = solve_draws(sc, values, 3)
    >>> spend.round()  # $M per year: counter_network, financial, gun_flow, precursor
    array([[600., 400.,   0.,   0.],
           [300., 400.,   0., 300.],
           [300., 400.,   0., 300.]])
    >>> (batch.baseline.sum(axis=1) - deaths).round()  # deaths averted over the horizon
    array([ 188., 1073., 1080.])
    >>> engine, fallback
    ('fast', 0)
    """
    b = newton.batch_inputs(sc, values, n)
    if newton.in_scope(sc):
        spend, certified, deaths = newton.solve_batch(b, threads=threads, with_deaths=True)
        rows = np.flatnonzero(~certified)
        if rows.size:
            lp_spend, lp_deaths = _lp_draws(sc, values, rows)
            better = lp_deaths < deaths[rows]
            spend[rows[better]] = lp_spend[better]
            deaths[rows[better]] = lp_deaths[better]
        return spend, deaths, b, "fast", int(rows.size)
    spend, deaths = _lp_draws(sc, values, np.arange(n))
    return spend, deaths, b, "lp", n
