"""`evaluate`: projected deaths for any allocation or plan, with the scenario's model
(`models.deaths`, the one definition of deaths), and the other outcomes of an allocation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from models import deaths as mdl
from models.violence import mexico_homicides as _homicides

from ..arguments import Interval, check_number, check_numbers
from ..errors import ScenarioError
from ..scenario import Scenario, suggest
from .bounds import homicide_coefficients

__all__ = ["evaluate", "deaths_by_year", "mexico_homicides", "as_plan"]

_SPEND = Interval(0, math.inf, "$M per year")


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
        frame = allocation[names]
        for name, dtype in frame.dtypes.items():  # objects, bools, text: value by value
            if np.issubdtype(dtype, np.bool_) or not np.issubdtype(dtype, np.number):
                check_numbers(name, frame[name], _SPEND, file="<allocation>")
        plan = frame.to_numpy(dtype=float)
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
        plan = np.tile([check_number(spend[k], _SPEND, key=k, file="<allocation>")
                        for k in names], (sc.horizon, 1))
    bad = np.argwhere(~(np.isfinite(plan) & (plan >= 0)))
    if len(bad):  # NaN, inf or a negative spend in a plan's float columns
        year, i = bad[0]
        check_number(float(plan[year, i]), _SPEND, key=f"{names[i]}[{year}]",
                     file="<allocation>")
    return plan


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
