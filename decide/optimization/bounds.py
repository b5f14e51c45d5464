"""The feasible set of a flat allocation: spend bounds, custom linear rows, the Mexico
cap, and the feasibility check that names the conflicting constraints and amounts."""

from __future__ import annotations

import numpy as np

from models.violence import homicide_coefficients as _coeffs

from ..errors import InfeasibleError
from ..scenario import Scenario
from . import formulation as fm

__all__ = ["spend_bounds", "check_feasible", "extra_rows", "homicide_coefficients",
           "row_label", "money_text"]


def spend_bounds(sc: Scenario):
    """Effective (lower, upper) spend per lever, $M per year; a lock fixes both.

    Parameters
    ----------
    sc : Scenario

    Returns
    -------
    lower, upper : numpy.ndarray
        $M per year, in the order of ``sc.lever_names``: the floor (or lock) and the
        ceiling (or lock; the budget where a lever has neither).

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> lower, upper = spend_bounds(sc.with_overrides({"levers.gun_flow.lock": 100}))
    >>> lower.tolist(), upper.tolist()
    ([0.0, 0.0, 100.0, 0.0], [1500.0, 400.0, 100.0, 300.0])
    """
    lower = np.array([lv.floor if lv.lock is None else lv.lock for lv in sc.levers])
    upper = np.array([(sc.budget if lv.ceiling is None else lv.ceiling)
                      if lv.lock is None else lv.lock for lv in sc.levers])
    return lower.astype(float), upper.astype(float)


def money_text(v):
    return f"${v:,.0f}M" if float(v).is_integer() else f"${v:,.2f}M"


def check_feasible(sc: Scenario):
    """Raise `InfeasibleError` naming each conflicting constraint and the amounts.

    Checks locks, floors, ceilings and minimum programme sizes against each other and
    against the budget, then (with custom constraints or a cap on Mexican homicides)
    finds the smallest relaxation that would admit an allocation.

    Parameters
    ----------
    sc : Scenario

    Returns
    -------
    None
        When some allocation satisfies every constraint.

    Raises
    ------
    InfeasibleError
        Naming each conflict and the amounts ($M per year, or homicides).

    Examples
    --------
    >>> from decide import InfeasibleError, load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> check_feasible(sc)  # nothing to report
    >>> try:
    ...     check_feasible(sc.with_overrides({"levers.precursor.lock": 500}))
    ... except InfeasibleError as exc:
    ...     print(exc)
    infeasible constraints: precursor: lock $500M exceeds its ceiling $300M by $200M
    """
    problems = []
    for lv in sc.levers:
        if lv.lock is not None:
            if lv.ceiling is not None and lv.lock > lv.ceiling:
                problems.append(f"{lv.name}: lock {money_text(lv.lock)} exceeds its ceiling "
                                f"{money_text(lv.ceiling)} by {money_text(lv.lock - lv.ceiling)}")
            if lv.lock < lv.floor:
                problems.append(f"{lv.name}: lock {money_text(lv.lock)} is below its floor "
                                f"{money_text(lv.floor)} by {money_text(lv.floor - lv.lock)}")
        elif lv.ceiling is not None and lv.floor > lv.ceiling:
            problems.append(f"{lv.name}: floor {money_text(lv.floor)} exceeds its ceiling "
                            f"{money_text(lv.ceiling)} by {money_text(lv.floor - lv.ceiling)}")
        if lv.min_size is not None and lv.lock is not None and 0 < lv.lock < lv.min_size:
            short = money_text(lv.min_size - lv.lock)
            problems.append(f"{lv.name}: lock {money_text(lv.lock)} is below its minimum "
                            f"programme size {money_text(lv.min_size)} by {short}")
        if lv.min_size is not None and lv.ceiling is not None and lv.floor > 0 \
                and lv.min_size > lv.ceiling:
            problems.append(f"{lv.name}: minimum size {money_text(lv.min_size)} exceeds its "
                            f"ceiling {money_text(lv.ceiling)} while its floor forces funding")
    lower, upper = spend_bounds(sc)
    if lower.sum() > sc.budget + 1e-9:
        parts = ", ".join(f"{n} {money_text(v)}" for n, v in zip(sc.lever_names, lower) if v > 0)
        what = "floors and locks" if any(lv.lock is not None for lv in sc.levers) \
            else "floors"
        excess = money_text(lower.sum() - sc.budget)
        problems.append(f"{what} total {money_text(lower.sum())} ({parts}), exceeding "
                        f"the {money_text(sc.budget)} budget by {excess}")
    if problems:
        raise InfeasibleError("infeasible constraints: " + "; ".join(problems))
    if sc.constraints or sc.max_mexico_homicides is not None:
        _explain_rows(sc, lower, np.maximum(upper, lower))


def homicide_coefficients(sc, values=None):
    """Homicides in Mexico per $M per year of each lever, per year (None without a
    [mexico] table)."""
    if sc.mexico is None:
        return None
    values = values or {}
    names = sc.lever_names

    def p(key):
        return float(values.get(f"mexico.{key}", sc.mexico[key].base))

    rem, gun = sc.mexico["removal_lever"], sc.mexico["gun_lever"]
    return _coeffs(len(names), names.index(rem) if rem else None,
                  names.index(gun) if gun else None, p("homicides_per_removal"),
                  p("removals_per_musd"), p("gun_homicides_averted_per_musd"))


def extra_rows(sc, values=None):
    """The scenario's custom constraints and Mexico cap as (name, coeffs, sense, rhs)
    (the Mexico cap's coefficients at parameter ``values``, by name, if given)."""
    names = sc.lever_names
    rows = []
    for k, c in enumerate(sc.constraints):
        coeffs = np.zeros(len(names))
        for lever, a in c.coeffs:
            coeffs[names.index(lever)] = a
        rows.append((f"user_{k}", coeffs, c.sense, c.rhs))
    if sc.max_mexico_homicides is not None:
        rows.append(("mexico", sc.horizon * homicide_coefficients(sc, values), "<=",
                     sc.max_mexico_homicides))
    return rows


def row_label(sc, name):
    if name == "budget":
        return "the budget"
    if name == "mexico":
        return f"max_mexico_homicides ({sc.max_mexico_homicides:,.0f})"
    return f"constraint '{sc.constraints[int(name[5:])].text}'"


def _explain_rows(sc, lower, upper):
    """Phase 1: the smallest relaxation of the budget and each linear row that admits a
    feasible allocation; raises `InfeasibleError` naming the rows and amounts."""
    lp = fm.spend_model(lower, upper, sc.budget, extra_rows(sc))
    slack_cols = fm.elastic(lp.prog)
    h = fm.to_highs(lp.prog)
    h.run()
    sol = np.array(h.getSolution().col_value)
    needed = {}
    for col, name in slack_cols:
        if sol[col] > 1e-6:
            needed[name] = needed.get(name, 0.0) + sol[col]
    if needed:
        parts = [f"{row_label(sc, name)} must be relaxed by "
                 + (f"{amount:,.1f} homicides" if name == "mexico" else money_text(amount))
                 for name, amount in needed.items()]
        raise InfeasibleError("infeasible constraints: no allocation satisfies them all; "
                              "the smallest fix: " + "; ".join(parts))
