"""Phased plans: spend per lever per year, solved to a certified gap.

Each year's effect is a linear convolution of past spending through the lever's onset
lag and adaptation decay (`models.timing.effective_spend`), so deaths stay convex in the
plan and an LP over tangent cuts (outer approximation) bounds the optimum from above.

End of the horizon: spending in the last years pays off after it. The objective counts
a tail window of ``phasing.tail_years`` years (default 3) after the horizon: the effects
that in-horizon spending still has there (the plan spends nothing after the horizon), so
late spending is valued for its lagged effects instead of being defunded. (Assuming the
final year's spend continues in the tail was tried and rejected: it makes tail spending
free, and the optimiser piles money into the last year.) Reported deaths (``res.deaths``,
``res.deaths_by_year``, ``evaluate(sc, res.plan)``) cover the horizon only; the tail's
deaths averted are in ``res.tail_deaths_averted``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pulp

from models import deaths as mdl
from models import timing

from ..errors import InfeasibleError, SolverError
from . import formulation as fm
from .bounds import check_feasible, extra_rows, spend_bounds
from .certificate import GAP_ABS, GAP_REL, LP_MARGIN, TANGENT_GRID
from .evaluation import deaths_by_year, evaluate, mexico_homicides, outcome_totals
from .result import Allocation, price_name, safe_div
from .solvers import make_solver, quiet_stdout

__all__ = ["optimize_phased", "phased_lp", "phased_objective", "extend_plan"]

#: Tangent points in units of a saturating curve's scale (where it bends).
_BEND = np.array([0.05, 0.15, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0])


def extend_plan(plan, tail_years):
    """The plan followed by ``tail_years`` years of no spending (shape (T+W, L))."""
    plan = np.asarray(plan, dtype=float)
    return np.vstack([plan, np.zeros((tail_years, plan.shape[1]))])


def _inputs(sc, tail, objective="deaths"):
    return sc.model_inputs(horizon=sc.horizon + tail, objective=objective)


def phased_objective(sc, plan):
    """The phased optimiser's objective for a plan: (discounted) deaths over the horizon
    and the tail window (no spending in the tail)."""
    tail = int(sc.phasing.get("tail_years", 3))
    inp = _inputs(sc, tail)
    yd = mdl.yearly_deaths(extend_plan(plan, tail), inp)
    return float((yd.total * inp.discount).sum())


def _yearly_limits(sc):
    """(per-year budget or None, envelope or None, year_min, year_max), $M."""
    ph = sc.phasing
    if "envelope" in ph:
        return None, ph["envelope"], ph.get("year_min", 0.0), ph.get("year_max", ph["envelope"])
    return sc.budget, None, 0.0, sc.budget


def _check(sc, lower):
    yearly, envelope, year_min, year_max = _yearly_limits(sc)
    floors = float(lower.sum())
    if yearly is not None and floors > yearly + 1e-9:
        raise InfeasibleError(f"infeasible constraints: floors and locks total "
                              f"${floors:,.0f}M a year, exceeding the ${yearly:,.0f}M yearly "
                              f"budget by ${floors - yearly:,.0f}M")
    if envelope is not None:
        need = max(floors, year_min) * sc.horizon
        if need > envelope + 1e-9:
            raise InfeasibleError(f"infeasible constraints: floors and yearly minimums need "
                                  f"${need:,.0f}M over {sc.horizon} years, exceeding the "
                                  f"${envelope:,.0f}M envelope by ${need - envelope:,.0f}M")
        if floors > year_max + 1e-9:
            raise InfeasibleError(f"infeasible constraints: floors and locks total "
                                  f"${floors:,.0f}M a year, above year_max ${year_max:,.0f}M")


def phased_lp(sc, objective="deaths"):
    """The phased plan's LP with its first cuts (no solve).

    Returns
    -------
    lp : formulation.AllocationLP
        Spend columns per lever and plan year, effects over the horizon plus the tail.
    eps : float
        Objective units per $M subtracted from the objective (0 for a net benefit,
        whose discounted spend enters the objective instead).
    """
    lower, upper = spend_bounds(sc)
    yearly, envelope, year_min, year_max = _yearly_limits(sc)
    upper = np.minimum(upper, year_max)
    T, L = sc.horizon, len(sc.levers)
    tail = int(sc.phasing.get("tail_years", 3))
    U = T + tail
    inp = _inputs(sc, tail, objective)
    kern = timing.kernel(inp.profile)  # (L, U)
    money = float(max(year_max, 1.0))
    # effective spend in year u of plan year t's spend: the kernel k(u - t)
    effect = np.zeros((L, U, T))
    for u in range(U):
        for t in range(min(u + 1, T)):
            effect[:, u, t] = kern[:, u - t]
    lp = fm.create_model(inp, lower, upper, effect, money)
    fm.define_interactions(lp)
    fm.define_yearly_limits(lp, yearly, envelope, year_min, year_max)
    fm.define_rows(lp, extra_rows(sc), horizon=T)
    fm.define_linear_caps(lp)
    eps = 0.0 if inp.outcome.per_musd else 1e-5 / max(year_max * T, 1.0)
    fm.define_objective(lp, eps)
    scale = np.where(inp.cap > 0, inp.cap / np.maximum(inp.slope0, 1e-300), 0.0)
    cuts = []  # (lever, year, effective spend)
    for i in fm.saturating(inp):
        for u in range(U):
            span = lower[i] + (upper[i] - lower[i]) * TANGENT_GRID
            points = inp.profile[i, min(u, U - 1)] * span
            # also where the curve bends: multiples of its saturation scale cap / slope0
            bend = scale[i] * _BEND
            cuts += [(i, u, e0) for e0 in
                     np.unique(np.concatenate([points, bend[bend <= points.max()]]))]
    if cuts:
        fm.define_tangents(lp, *zip(*cuts))
    y_max = float((inp.weight * inp.cap).sum())
    for u in range(U):
        for y0 in y_max * TANGENT_GRID:
            fm.define_outcome_cut(lp, u, float(y0), float(y0))
    return lp, eps


def optimize_phased(sc, *, solver="cbc", time_limit=None, max_iterations=80,
                    objective="deaths"):
    """The plan (spend per lever per year) that minimises projected deaths (or maximises
    ``objective``: see `decide.optimization.api.optimize`; a net benefit discounts each
    plan year's spend like that year's outcomes).

    See the module docstring for the model of effects and the tail window. Yearly
    limits: ``budget`` a year, or, when the scenario's ``[phasing]`` table gives an
    ``envelope`` ($M over the horizon), the envelope with optional ``year_min`` and
    ``year_max``. Floors, ceilings, locks and custom constraints hold in every year; the
    Mexico cap holds over the horizon.

    Returns
    -------
    Allocation
        ``plan`` varies by year; ``spend`` is each lever's mean yearly spend; ``gap`` is
        certified on the objective (horizon plus tail); budget shadow prices are the LP
        duals of the yearly limits (the price of $1M more in every year).
    """
    started = time.perf_counter()
    check_feasible(sc.with_overrides({"budget": _yearly_limits(sc)[3]}))
    lower, upper = spend_bounds(sc)
    upper = np.minimum(upper, _yearly_limits(sc)[3])
    _check(sc, lower)
    T = sc.horizon
    tail = int(sc.phasing.get("tail_years", 3))
    U = T + tail
    lp, eps = phased_lp(sc, objective)
    inp, money = lp.inp, lp.money
    # a net benefit's spend cost per $M in each plan year (objective units)
    cost_t = inp.outcome.per_musd * inp.discount[:T] if inp.outcome.per_musd else None
    view = fm.PulpView(lp.prog, "phased")

    best, best_val = None, -np.inf
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported
        prob = view.sync()
        with quiet_stdout():
            status = prob.solve(make_solver(solver, time_limit))
        if pulp.LpStatus.get(status) != "Optimal":
            raise SolverError(f"solver '{solver}' returned status "
                              f"'{pulp.LpStatus.get(status, status)}' for the phased plan",
                              solver=solver, status=pulp.LpStatus.get(status))
        plan = view.values(lp.x).T * money
        plan = np.clip(plan, lower, upper)
        bound = float(pulp.value(prob.objective))
        bound += LP_MARGIN * abs(bound)
        ext = extend_plan(plan, tail)
        yd = mdl.yearly_deaths(ext, inp).valued(inp.outcome)
        value = float((yd.averted * inp.discount).sum()) - eps * plan.sum()
        if cost_t is not None:
            value -= float(plan.sum(axis=1) @ cost_t)
        if value > best_val:
            best, best_val = plan, value
        gap = max(bound - best_val, 0.0)
        gross = best_val + eps * best.sum() + (
            0.0 if cost_t is None else float(best.sum(axis=1) @ cost_t))
        if cost_t is not None:  # the solver's tolerance acts on the gross terms
            gap = max(bound + LP_MARGIN * gross - best_val, 0.0)
        if gap <= max(GAP_REL * gross, GAP_ABS):
            break
        eff = timing.effective_spend(ext, inp.profile)
        d = inp.draws
        _, y_true, yd_true = (a[0] for a in mdl.log_reduction(eff[None], d))
        fm.define_response_cuts(lp, mdl.boosted(eff, inp))
        z_val = view.values(lp.z)
        y_lp = mdl.combined_reduction(inp.weight[:, None] * z_val, inp)
        yd_lp = z_val[inp.demand].sum(axis=0)
        for u in range(U):
            fm.define_outcome_cut(lp, u, float(y_lp[u]), float(yd_lp[u]))
            fm.define_outcome_cut(lp, u, float(y_true[u]), float(yd_true[u]))
    else:
        raise SolverError(f"the phased plan's certified gap ({gap:.4g}) did not close after "
                          f"{max_iterations} LP solves", solver=solver, status="gap not closed")
    duals = {name: abs(float(c.pi or 0.0)) / money for name, c in prob.constraints.items()
             if name.startswith("budget_")}
    return _phased_allocation(sc, best, gap, solver, iteration, time.perf_counter() - started,
                              duals, tail, _inputs(sc, tail), objective,
                              best_val + eps * best.sum())


def _phased_allocation(sc, plan, gap, solver, iterations, seconds, duals, tail, inp,
                       objective="deaths", value=None):
    names = sc.lever_names
    frame = pd.DataFrame(plan, columns=names,
                         index=pd.RangeIndex(1, sc.horizon + 1, name="year"))
    by_year = deaths_by_year(sc, frame)
    deaths = float(by_year["plan"].to_numpy().sum())  # = evaluate(sc, plan), computed once
    baseline = float(by_year["baseline"].sum())
    mean = plan.mean(axis=0)
    yd = mdl.yearly_deaths(extend_plan(plan, tail), inp)
    tail_averted = float(yd.averted[sc.horizon:].sum())
    price = float(sum(duals.values()))
    rows = {"budget": price}
    rows.update({f"budget year {int(k.split('_')[1]) + 1}": v for k, v in duals.items()})
    bounds = pd.DataFrame({"left": rows, "right": rows})
    bounds.index.name = "constraint"
    # per-lever table: mean yearly spend; deaths averted attributed by the flat rule on
    # the effective spends is not defined for plans, so the column holds each lever's
    # deaths averted when it alone is removed (a marginal attribution).
    averted_without = []
    for i in range(len(names)):
        alt = plan.copy()
        alt[:, i] = 0.0
        averted_without.append(deaths - evaluate(sc, pd.DataFrame(alt, columns=names)))
    table = pd.DataFrame({
        "lever": names, "label": [lv.label for lv in sc.levers], "spend": mean,
        "share": mean / max(sc.budget, 1e-9),
        "deaths_averted": -np.array(averted_without),
        "marginal_deaths_averted_per_musd": np.nan,
        "cost_per_death_averted": [safe_div(s * sc.horizon, -a)
                                   for s, a in zip(mean, averted_without)],
        "reduced_cost": np.nan,
    })
    totals = outcome_totals(sc, frame, objective, by_year=by_year)
    # the optimiser's objective: the horizon and the tail window
    totals["objective_value"] = value
    unspent, reason = 0.0, ""
    if objective == "net_benefit":  # money may be left unspent: say how much and why
        yearly, envelope, _, _ = _yearly_limits(sc)
        limit = yearly * sc.horizon if yearly is not None else envelope
        left = max(limit - float(plan.sum()), 0.0) / sc.horizon
        if left > 1e-6 * max(sc.budget, 1.0):
            unspent = left
            reason = ("under the net-benefit objective the plan's next $1M returns less "
                      "than it costs (discounted, horizon and tail window): "
                      f"${left:,.1f}M a year on average is left unspent")
    res = Allocation(
        scenario=sc, spend=pd.Series(mean, index=pd.Index(names, name="lever"), name="spend"),
        plan=frame, deaths=deaths, deaths_by_year=by_year, baseline_deaths=baseline,
        deaths_averted=baseline - deaths, gap=float(gap),
        shadow_prices=bounds["right"].rename(price_name(objective)),
        shadow_price_bounds=bounds, table=table, unspent=unspent, unspent_reason=reason,
        solver=solver, iterations=iterations, solve_seconds=seconds,
        mexico_homicides=mexico_homicides(sc, frame), **totals)
    return replace(res, tail_deaths_averted=tail_averted, phased=True)
