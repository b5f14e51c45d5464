"""What the decision rests on: for each lever, whether it is funded, the bound that binds
it and what that bound costs, and the assumption closest to changing the allocation
(its switching value, from the tornado)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..optimization import newton, optimize
from ..optimization.certificate import FUNDED
from .one_way import tornado

__all__ = ["decision_basis"]


def decision_basis(sc, *, result=None, table=None):
    """Per lever: funding, the binding bound and its price, and the most decisive
    assumption with its switching value.

    Parameters
    ----------
    sc : Scenario
    result : Allocation, optional
        ``optimize(sc)`` if already computed.
    table : pandas.DataFrame, optional
        ``tornado(sc)`` if already computed. Without it the tornado runs when the
        scenario is in the Newton engine's scope (well under a second); otherwise the
        switching columns are left empty (one certified LP per bisection step would take
        minutes) and ``computed`` is False.

    Returns
    -------
    pandas.DataFrame
        One row per lever: ``lever``, ``label``, ``spend`` ($M per year), ``funded``
        (spend above `FUNDED`), ``bound`` (``ceiling``, ``lock`` or ``floor`` when that
        bound binds and has a price, else empty), ``bound_value`` ($M per year),
        ``bound_price`` (deaths over the horizon per $1M a year the bound is moved by:
        what it costs), ``parameter`` (the assumption of this lever, or of the market,
        whose switching value is nearest its base relative to its range), ``base``,
        ``switching_value``, ``side`` (``low``/``high``: the direction in which the
        allocation changes), ``distance`` (|switching value - base| / (high - low)) and
        ``computed``.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> basis = decision_basis(sc)
    >>> basis[["lever", "spend", "bound", "bound_price"]].round(2)
                 lever  spend    bound  bound_price
    0  counter_network  300.0                   NaN
    1        financial  400.0  ceiling         0.17
    2         gun_flow    0.0                   NaN
    3        precursor  300.0  ceiling         2.91
    >>> basis[["lever", "parameter", "switching_value"]].round(4)
                 lever                            parameter  switching_value
    0  counter_network  levers.counter_network.cost_per_pct         517.9761
    1        financial          levers.financial.max_effect           0.0013
    2         gun_flow         levers.gun_flow.cost_per_pct        2464.5032
    3        precursor          levers.precursor.max_effect           0.0007
    """
    res = optimize(sc) if result is None else result
    computed = table is not None or newton.in_scope(sc)
    if table is None and computed:
        table = tornado(sc, result=res)
    params = sc.parameters().set_index("name")
    prices = res.shadow_price_bounds
    rows = []
    for lv, spend in zip(sc.levers, res.spend.to_numpy()):
        row = {"lever": lv.name, "label": lv.label, "spend": float(spend),
               "funded": bool(spend > FUNDED), "bound": "", "bound_value": np.nan,
               "bound_price": np.nan, "parameter": "", "base": np.nan,
               "switching_value": np.nan, "side": "", "distance": np.nan,
               "computed": bool(computed)}
        for kind in ("lock", "ceiling", "floor"):
            key = f"{kind}.{lv.name}"
            if key in prices.index:
                row.update(bound=kind, bound_value=float(getattr(lv, kind)),
                           bound_price=float(prices.loc[key, "right"]))
                break
        if computed:
            row.update(_most_decisive(table, params, lv.name))
        rows.append(row)
    return pd.DataFrame(rows)


def _most_decisive(table, params, lever):
    """The switching row, among this lever's parameters and the market's, whose
    switching value lies nearest its base relative to the parameter's range."""
    own = table["parameter"].str.startswith(f"levers.{lever}.") | \
        table["parameter"].str.startswith("market.")
    rows = table[own & table["switching_value"].notna()]
    if rows.empty:
        return {}
    base = params.loc[rows["parameter"], "base"].to_numpy(dtype=float)
    width = (params.loc[rows["parameter"], "high"] - params.loc[rows["parameter"], "low"]
             ).to_numpy(dtype=float)
    distance = np.abs(rows["switching_value"].to_numpy(dtype=float) - base) / \
        np.maximum(width, 1e-300)
    k = int(np.argmin(distance))
    best = rows.iloc[k]
    return {"parameter": best["parameter"], "base": float(base[k]),
            "switching_value": float(best["switching_value"]), "side": best["side"],
            "distance": float(distance[k])}
