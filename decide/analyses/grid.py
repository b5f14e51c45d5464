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

    Returns
    -------
    pandas.DataFrame
        One row per grid point: the two parameters' values (columns named after them),
        ``deaths``, ``deaths_averted`` (over the horizon) and ``spend.<lever>``.
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
