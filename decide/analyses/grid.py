"""Two-way sensitivity: the optimum on a grid of two parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..arguments import check_executor, check_int
from ..errors import ScenarioError
from .common import uncertain
from .executors import solve_draws_on

__all__ = ["two_way"]

# -- two-way ----------------------------------------------------------------------------
def two_way(sc, x, y, *, n=11, executor=None):
    """Optimal deaths and spend on an ``n`` by ``n`` grid of two parameters (low..high).

    Every grid point re-optimises the allocation; the other parameters stay at base.

    Parameters
    ----------
    sc : Scenario
    x, y : str
        Two different parameter names (as in ``sc.parameters()``), each with low < high.
    n : int
        Grid points per parameter (2 to 201), evenly spaced from low to high.
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-point optimisations run (identical results everywhere).

    Returns
    -------
    pandas.DataFrame
        One row per grid point: the two parameters' values (columns named after them),
        ``deaths``, ``deaths_averted`` (over the horizon) and ``spend.<lever>`` ($M per
        year).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> g = two_way(sc, "market.substitution", "levers.precursor.max_effect", n=3)
    >>> g.pivot(index="market.substitution", columns="levers.precursor.max_effect",
    ...         values="deaths_averted").round()  # doctest: +NORMALIZE_WHITESPACE
    levers.precursor.max_effect     0.0     0.2     0.4
    market.substitution
    0.00                          221.0  1266.0  1271.0
    0.25                          166.0   949.0   953.0
    0.50                          110.0   633.0   635.0
    >>> g["spend.precursor"].tolist()  # $M per year: unfunded where max_effect is 0
    [0.0, 300.0, 300.0, 0.0, 300.0, 300.0, 0.0, 300.0, 300.0]
    """
    n = check_int("n", n, 2, 201, where="two_way")
    check_executor(executor, where="two_way")
    if x == y:
        raise ScenarioError("the two parameters must differ", file="<two_way>", key="y",
                            value=y)
    table = uncertain(sc, [x, y])
    gx = np.linspace(table.loc[x, "low"], table.loc[x, "high"], n)
    gy = np.linspace(table.loc[y, "low"], table.loc[y, "high"], n)
    xx, yy = np.meshgrid(gx, gy, indexing="ij")
    values = {x: xx.ravel(), y: yy.ravel()}
    spend, deaths, b, *_ = solve_draws_on(sc, values, n * n, executor)
    out = pd.DataFrame({x: values[x], y: values[y], "deaths": deaths,
                        "deaths_averted": b.baseline.sum(axis=1) - deaths})
    for i, lever in enumerate(sc.lever_names):
        out[f"spend.{lever}"] = spend[:, i]
    return out
