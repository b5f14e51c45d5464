"""`evaluate`: projected deaths for any allocation or plan, with the scenario's model
(`models.deaths`, the one definition of deaths), and the other outcomes of an allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import deaths as mdl
from models.violence import mexico_homicides as _homicides

from ..errors import ScenarioError
from ..scenario import Scenario, suggest
from .bounds import homicide_coefficients

__all__ = ["evaluate", "deaths_by_year", "mexico_homicides", "as_plan"]


# -- evaluation: the only way deaths are computed -----------------------------------
def as_plan(sc: Scenario, allocation):
    names = sc.lever_names
    if isinstance(allocation, pd.DataFrame):
        unknown = [c for c in allocation.columns if c not in names]
        missing = [n for n in names if n not in allocation.columns]
        if unknown or missing:
            raise ScenarioError(f"plan columns must be the levers {names}",
                                file="<allocation>", key="columns",
                                value=list(allocation.columns))
        if len(allocation) != sc.horizon:
            raise ScenarioError(f"a plan needs one row per year (horizon {sc.horizon})",
                                file="<allocation>", key="rows", value=len(allocation))
        plan = allocation[names].to_numpy(dtype=float)
    else:
        spend = dict(allocation)
        unknown = [k for k in spend if k not in names]
        if unknown:
            raise ScenarioError(f"unknown lever{suggest(str(unknown[0]), names)}",
                                file="<allocation>", key=str(unknown[0]),
                                value=spend[unknown[0]])
        missing = [n for n in names if n not in spend]
        if missing:
            raise ScenarioError("every lever needs a spend ($M per year)",
                                file="<allocation>", key=missing[0], has_value=False)
        plan = np.tile([_money(k, spend[k]) for k in names], (sc.horizon, 1))
    if not np.all(np.isfinite(plan)) or (plan < 0).any():
        raise ScenarioError("spend must be finite and >= 0 ($M per year)",
                            file="<allocation>", key="spend", value=plan.min())
    return plan


def _money(key, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ScenarioError("spend must be a number >= 0 ($M per year)",
                            file="<allocation>", key=key, value=value)
    return float(value)


def _yearly(sc: Scenario, allocation) -> mdl.YearlyDeaths:
    plan = as_plan(sc, allocation)
    inp = sc.model_inputs()
    if (plan == plan[0]).all():
        return mdl.yearly_deaths_flat(plan[0], inp)
    return mdl.yearly_deaths(plan, inp)


def evaluate(sc: Scenario, allocation) -> float:
    """Projected deaths over the horizon for any allocation, with the scenario's model.

    Parameters
    ----------
    sc : Scenario
    allocation : Mapping[str, float] or pandas.Series or pandas.DataFrame
        Spend per lever in $M per year (flat), or a plan with one row per year and one
        column per lever.

    Returns
    -------
    float
        Deaths over the horizon (the sum of the yearly deaths).

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> round(evaluate(sc, {"counter_network": 0, "financial": 0, "gun_flow": 0,
    ...                     "precursor": 0}))
    480000
    """
    return float(_yearly(sc, allocation).total.sum())


def deaths_by_year(sc: Scenario, allocation) -> pd.DataFrame:
    """Yearly deaths for an allocation: ``year``, ``baseline``, ``plan``, ``synthetic``,
    ``substitution`` (deaths per year; ``plan = synthetic + substitution``)."""
    yd = _yearly(sc, allocation)
    return pd.DataFrame({"year": np.arange(1, sc.horizon + 1), "baseline": yd.baseline,
                         "plan": yd.total, "synthetic": yd.synthetic,
                         "substitution": yd.substitution})


def mexico_homicides(sc, allocation):
    """Additional homicides in Mexico over the horizon for any allocation (None when the
    scenario has no [mexico] table)."""
    coeffs = homicide_coefficients(sc)
    return None if coeffs is None else _homicides(as_plan(sc, allocation), coeffs)
