"""Targets instead of budgets: the least cost of reaching a number of deaths averted,
and the Pareto frontier of US overdose deaths against homicides in Mexico."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..arguments import check_choice, check_int, check_real
from ..errors import InfeasibleError, ScenarioError
from ..scenario import Scenario
from . import formulation as fm
from .api import optimize
from .bounds import extra_rows, homicide_coefficients, spend_bounds
from .solvers import SOLVERS

__all__ = ["least_cost", "pareto"]


def least_cost(sc: Scenario, *, deaths_averted, solver="cbc"):
    """The cheapest allocation that averts at least ``deaths_averted`` deaths.

    Spending is capped by the scenario's budget, ceilings and constraints. The least
    budget is found by bisection on `optimize` (deaths averted never fall as the budget
    grows): a budget counts as enough only when its certified optimum reaches the target,
    and as too little only when even its certified bound falls short.

    Parameters
    ----------
    sc : Scenario
        Its budget ($M per year) is the most that may be spent.
    deaths_averted : float
        The target: deaths averted over the horizon.
    solver : {"cbc", "highs"}
        LP solver, as for `optimize`.

    Returns
    -------
    Allocation
        The optimum at the least sufficient budget found (``scenario.budget``, $M per
        year); ``cost_gap`` ($M per year) bounds how much cheaper the true least cost
        could be.

    Raises
    ------
    InfeasibleError
        The target exceeds what the budget can avert (the message gives that maximum).

    Examples
    --------
    >>> from decide import load_scenario
    >>> res = least_cost(load_scenario("inputs/baseline.toml"), deaths_averted=500)
    >>> round(res.scenario.budget), res.cost_gap < 0.1  # $M per year
    (163, True)
    >>> res.spend.round(1).to_dict()  # precursor diplomacy alone reaches the target
    {'counter_network': 0.0, 'financial': 0.0, 'gun_flow': 0.0, 'precursor': 162.6}
    >>> res.deaths_averted >= 500
    True
    """
    deaths_averted = check_real("deaths_averted", deaths_averted, 0, what="deaths",
                                where="least_cost")
    solver = check_choice("solver", solver, SOLVERS, where="least_cost")
    best = optimize(sc, solver=solver)
    if best.deaths_averted < deaths_averted:
        raise InfeasibleError(
            f"the target of {deaths_averted:,.1f} deaths averted is out of reach: at most "
            f"{best.deaths_averted:,.1f} (certified within {best.gap:.3g}) can be averted "
            f"with the ${sc.budget:,.0f}M a year budget and the scenario's constraints")
    lower, _ = spend_bounds(sc)
    lo, hi = float(lower.sum()), float(sc.budget)
    cheapest = optimize(sc.with_overrides({"budget": lo}), solver=solver)
    if cheapest.deaths_averted >= deaths_averted:  # the floors alone reach it
        return replace(cheapest, cost_gap=0.0)
    tol = max(1e-4 * hi, 0.01)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        res = optimize(sc.with_overrides({"budget": mid}), solver=solver)
        if res.deaths_averted >= deaths_averted:
            best, hi = res, mid
        else:  # too little (or within the gap of enough: counted as too little)
            lo = mid
    return replace(best, cost_gap=max(hi - lo, 0.0))


def _linear_extreme(sc, coeffs):
    """min of coeffs . x over the scenario's linear feasible set ($M per year)."""
    lower, upper = spend_bounds(sc)
    lp = fm.spend_model(lower, upper, sc.budget, extra_rows(sc))
    lp.prog.maximize = False
    for col, c in zip(lp.x[:, 0], np.asarray(coeffs, dtype=float)):
        lp.prog.cost[col] = float(c)
    h = fm.to_highs(lp.prog)
    h.run()
    x = np.array(h.getSolution().col_value)[lp.x[:, 0]]
    return float(np.asarray(coeffs) @ x)


def pareto(sc: Scenario, *, n=11, solver="cbc"):
    """The frontier of US overdose deaths against additional homicides in Mexico.

    Minimises deaths subject to ``mexico_homicides <= cap`` for ``n`` caps from the
    fewest homicides any feasible allocation can cause to the homicides of the
    unconstrained optimum (the epsilon-constraint method).

    Parameters
    ----------
    sc : Scenario
        Needs a ``[mexico]`` table (the violence outcome); its own cap, if any, is
        replaced by each point's.
    n : int
        Points on the frontier (2 to 201).
    solver : {"cbc", "highs"}
        LP solver, as for `optimize`.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``point``, ``max_mexico_homicides`` (the cap),
        ``mexico_homicides`` and ``deaths`` (over the horizon), ``deaths_averted``,
        ``gap`` and ``spend.<lever>`` ($M per year).

    Raises
    ------
    ScenarioError
        The scenario has no ``[mexico]`` table.

    Examples
    --------
    >>> from decide import load_scenario
    >>> p = pareto(load_scenario("inputs/baseline.toml"), n=3)
    >>> p[["mexico_homicides", "deaths_averted", "spend.counter_network",
    ...    "spend.gun_flow"]].round()
       mexico_homicides  deaths_averted  spend.counter_network  spend.gun_flow
    0           -2500.0          1008.0                    0.0           500.0
    1            -740.0          1062.0                   90.0           210.0
    2            1020.0          1073.0                  300.0             0.0
    """
    if sc.mexico is None:
        raise ScenarioError("needs a [mexico] table defining the violence outcome",
                            file=sc.source, key="mexico", has_value=False)
    n = check_int("n", n, 2, 201, where="pareto")
    solver = check_choice("solver", solver, SOLVERS, where="pareto")
    free = sc.with_overrides({"max_mexico_homicides": None})
    top = optimize(free, solver=solver)
    coeffs = sc.horizon * homicide_coefficients(sc)
    least = _linear_extreme(free, coeffs)
    rows = []
    for k, cap in enumerate(np.linspace(least, top.mexico_homicides, n)):
        res = top if k == n - 1 else optimize(
            sc.with_overrides({"max_mexico_homicides": float(cap) + 1e-6 * max(abs(cap), 1)}),
            solver=solver)
        row = {"point": k, "max_mexico_homicides": float(cap),
               "mexico_homicides": res.mexico_homicides, "deaths": res.deaths,
               "deaths_averted": res.deaths_averted, "gap": res.gap}
        row.update({f"spend.{lv}": float(v) for lv, v in res.spend.items()})
        rows.append(row)
    return pd.DataFrame(rows)
