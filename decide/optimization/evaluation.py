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

__all__ = ["evaluate", "deaths_by_year", "mexico_homicides", "as_plan", "objective_value",
           "outcome_totals"]

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
    ``substitution`` (deaths per year; ``plan = synthetic + substitution``).

    Parameters
    ----------
    sc : Scenario
    allocation : Mapping[str, float] or pandas.Series or pandas.DataFrame
        As for `evaluate`: $M per year per lever, or a plan (one row per year).

    Returns
    -------
    pandas.DataFrame
        One row per year of the horizon (``year`` 1..T): ``baseline`` (no new
        spending), ``plan`` (with the allocation), and its parts ``synthetic``
        (synthetic-opioid deaths) and ``substitution`` (deaths with other drugs).

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> spend = {"counter_network": 300, "financial": 400, "gun_flow": 0, "precursor": 300}
    >>> deaths_by_year(sc, spend).head(3).round()
       year  baseline     plan  synthetic  substitution
    0     1   48000.0  47908.0    47892.0          16.0
    1     2   48000.0  47856.0    47830.0          25.0
    2     3   48000.0  47870.0    47847.0          23.0
    """
    yd = _yearly(sc, allocation)
    return pd.DataFrame({"year": np.arange(1, sc.horizon + 1), "baseline": yd.baseline,
                         "plan": yd.total, "synthetic": yd.synthetic,
                         "substitution": yd.substitution})


def objective_value(sc: Scenario, allocation, objective="deaths") -> float:
    """The optimiser's objective for any allocation or plan, over the horizon.

    ``sum_u w_u [v_s (baseline - synthetic)_u - v_sub substitution_u] - per_musd sum_u
    w_u spend_u``: deaths averted (``v_s = v_sub = 1``), life-years saved (years of life
    lost per death of each kind) or the net benefit in $M (value per death, less the
    spend), each discounted by the scenario's rate (``w_u = (1 + r)^-(u - 1)``). It is
    computed from the yearly deaths (`deaths_by_year`), not from the optimiser's
    weighted kernel, so that the two reconcile.

    Parameters
    ----------
    sc : Scenario
    allocation : Mapping[str, float] or pandas.Series or pandas.DataFrame
        As for `evaluate`.
    objective : {"deaths", "life_years", "net_benefit"}

    Returns
    -------
    float
        Objective units: deaths, life-years or $M.

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> spend = {"counter_network": 300, "financial": 400, "gun_flow": 0, "precursor": 300}
    >>> round(objective_value(sc, spend))  # deaths averted over the horizon
    1073
    >>> round(objective_value(sc, spend, "life_years"))  # years of life saved
    42295
    >>> round(objective_value(sc, spend, "net_benefit"))  # $M: value averted less spend
    4166
    """
    plan = as_plan(sc, allocation)
    inp = sc.model_inputs(objective=objective)
    yd = _yearly(sc, allocation).valued(inp.outcome)
    value = float((yd.averted * inp.discount).sum())
    if inp.outcome.per_musd:
        value -= float(inp.outcome.per_musd * (plan.sum(axis=1) * inp.discount).sum())
    return value


def outcome_totals(sc: Scenario, allocation, objective="deaths", by_year=None):
    """The `Allocation` fields of the objective and of the outcomes beyond deaths.

    Returns
    -------
    dict
        ``objective``, ``objective_unit``, ``objective_value`` (`objective_value`),
        ``baseline_life_years`` and ``life_years_averted`` (undiscounted; None without
        ``[outcomes]`` years lost), ``benefit_musd`` and ``cost_musd`` (discounted over
        the horizon; None without a money value).
    """
    plan = as_plan(sc, allocation)
    out = {"objective": objective, "objective_unit": sc.outcome(objective).unit,
           "objective_value": objective_value(sc, allocation, objective),
           "baseline_life_years": None, "life_years_averted": None, "benefit_musd": None,
           "cost_musd": None}
    objectives = sc.objectives()
    if "life_years" in objectives:
        if by_year is None:
            by_year = deaths_by_year(sc, allocation)
        yd = mdl.YearlyDeaths(*(by_year[k].to_numpy() for k in
                                ("baseline", "synthetic", "substitution")))
        ly = yd.valued(sc.outcome("life_years"))
        out.update(baseline_life_years=float(ly.baseline.sum()),
                   life_years_averted=float(ly.averted.sum()))
    if "net_benefit" in objectives:
        inp = sc.model_inputs(objective="net_benefit")
        cost = float((plan.sum(axis=1) * inp.discount).sum())
        out.update(benefit_musd=objective_value(sc, allocation, "net_benefit") + cost,
                   cost_musd=cost)
    return out


def mexico_homicides(sc, allocation):
    """Additional homicides in Mexico over the horizon for any allocation (None when the
    scenario has no [mexico] table).

    Parameters
    ----------
    sc : Scenario
    allocation : Mapping[str, float] or pandas.Series or pandas.DataFrame
        As for `evaluate`: $M per year per lever, or a plan (one row per year).

    Returns
    -------
    float or None
        Homicides over the horizon caused (positive) or averted (negative) by the
        spending, against no new spending.

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> kingpin = {"counter_network": 300, "financial": 400, "gun_flow": 0, "precursor": 300}
    >>> guns = {"counter_network": 0, "financial": 400, "gun_flow": 300, "precursor": 300}
    >>> round(mexico_homicides(sc, kingpin)), round(mexico_homicides(sc, guns))
    (1020, -1500)
    """
    coeffs = homicide_coefficients(sc)
    return None if coeffs is None else _homicides(as_plan(sc, allocation), coeffs)
