"""Budget frontier: the optimal allocation and deaths across a range of budgets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..arguments import Interval, check_numbers
from ..errors import InfeasibleError
from ..optimization import optimize
from .common import report_progress

__all__ = ["frontier"]

# -- frontier -------------------------------------------------------------------------
def frontier(sc, *, budgets=None, progress=None):
    """Optimal allocation and deaths across a range of budgets.

    Parameters
    ----------
    sc : Scenario
    budgets : array_like, optional
        $M per year; default 21 points from 0 to 5 times the scenario's budget. Budgets
        below the total of floors and locks are infeasible and left out
        (``attrs["infeasible_budgets"]`` lists them).
    progress : callable(done, total), optional
        Called after each budget.

    Returns
    -------
    pandas.DataFrame
        One row per budget and lever: ``budget`` ($M per year), ``lever``, ``spend``
        ($M per year), ``deaths`` and ``deaths_averted`` (over the horizon, the same on
        every lever's row), ``marginal_deaths_averted_per_musd`` (the budget's shadow
        price: deaths averted by the next $1M a year).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> f = frontier(sc, budgets=[0, 500, 1000, 2000])
    >>> spend = f.pivot(index="budget", columns="lever", values="spend")  # $M per year
    >>> spend  # doctest: +NORMALIZE_WHITESPACE
    lever   counter_network  financial  gun_flow  precursor
    budget
    0.0                 0.0        0.0       0.0        0.0
    500.0               0.0      200.0       0.0      300.0
    1000.0            300.0      400.0       0.0      300.0
    2000.0           1300.0      400.0       0.0      300.0
    >>> by_budget = f.groupby("budget")[["deaths_averted",
    ...                                  "marginal_deaths_averted_per_musd"]].first()
    >>> by_budget.round(2)  # doctest: +NORMALIZE_WHITESPACE
            deaths_averted  marginal_deaths_averted_per_musd
    budget
    0.0               0.00                              3.10
    500.0           982.47                              0.31
    1000.0         1073.16                              0.11
    2000.0         1176.33                              0.10
    """
    if budgets is None:
        budgets = np.linspace(0.0, 5.0 * sc.budget, 21)
    budgets = check_numbers("budgets", budgets, Interval(0, math.inf, "$M per year"),
                            file="<frontier>")
    rows, skipped = [], []
    for k, budget in enumerate(budgets):
        try:
            res = optimize(sc.with_overrides({"budget": float(budget)}))
        except InfeasibleError:
            skipped.append(float(budget))
            continue
        price = float(res.shadow_prices["budget"])
        for lever, spend in res.spend.items():
            rows.append({"budget": float(budget), "lever": lever, "spend": float(spend),
                         "deaths": res.deaths, "deaths_averted": res.deaths_averted,
                         "marginal_deaths_averted_per_musd": price})
        report_progress(progress, k + 1, len(budgets))
    out = pd.DataFrame(rows, columns=["budget", "lever", "spend", "deaths", "deaths_averted",
                                      "marginal_deaths_averted_per_musd"])
    out.attrs["infeasible_budgets"] = skipped
    return out
