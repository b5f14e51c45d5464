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
from models import response as rsp
from models import timing

from ..errors import InfeasibleError, SolverError
from .bounds import check_feasible, extra_rows, spend_bounds
from .certificate import GAP_ABS, GAP_REL, LP_MARGIN, TANGENT_GRID
from .evaluation import deaths_by_year, evaluate, mexico_homicides
from .result import Allocation, safe_div
from .solvers import make_solver, quiet_stdout

__all__ = ["optimize_phased", "phased_objective", "extend_plan"]

#: Tangent points in units of a saturating curve's scale (where it bends).
_BEND = np.array([0.05, 0.15, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0])


def extend_plan(plan, tail_years):
    """The plan followed by ``tail_years`` years of no spending (shape (T+W, L))."""
    plan = np.asarray(plan, dtype=float)
    return np.vstack([plan, np.zeros((tail_years, plan.shape[1]))])


def _inputs(sc, tail):
    return sc.model_inputs(horizon=sc.horizon + tail)


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


def optimize_phased(sc, *, solver="cbc", time_limit=None, max_iterations=80):
    """The plan (spend per lever per year) that minimises projected deaths.

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
    yearly, envelope, year_min, year_max = _yearly_limits(sc)
    upper = np.minimum(upper, year_max)
    _check(sc, lower)
    T, L = sc.horizon, len(sc.levers)
    tail = int(sc.phasing.get("tail_years", 3))
    U = T + tail
    inp = _inputs(sc, tail)
    kern = timing.kernel(inp.profile)  # (L, U)
    money = float(max(year_max, 1.0))
    prob = pulp.LpProblem("phased", pulp.LpMaximize)
    x = [[pulp.LpVariable(f"x_{i}_{t}", float(lower[i]) / money, float(upper[i]) / money)
          for t in range(T)] for i in range(L)]
    # z may be negative: a stopped programme's effective spend can dip below zero
    z = [[pulp.LpVariable(f"z_{i}_{u}", upBound=max(float(inp.cap[i]), 0.0))
          for u in range(U)] for i in range(L)]
    va = [pulp.LpVariable(f"va_{u}", None, 1.0) for u in range(U)]  # < 0 on a rebound
    vd = [pulp.LpVariable(f"vd_{u}", None, 1.0) for u in range(U)] if inp.demand.any() \
        else None

    def eff(i, u):  # effective spend of lever i in year u (0-based), in money units
        terms = [(float(kern[i, u - t]), x[i][t]) for t in range(min(u + 1, T))]
        return pulp.lpSum(c * v for c, v in terms if c != 0.0)

    effs = [[eff(i, u) for u in range(U)] for i in range(L)]
    if inp.complementarity is not None:  # w_u <= E_by(u), w_u <= E_b(u); E_b += gamma w_u
        b, by, gamma = inp.complementarity
        w = [pulp.LpVariable(f"w_{u}") for u in range(U)]
        for u in range(U):
            prob += w[u] - effs[by][u] <= 0.0, f"wby_{u}"
            prob += w[u] - effs[b][u] <= 0.0, f"wb_{u}"
        effs[b] = [effs[b][u] + float(gamma) * w[u] for u in range(U)]
    q, skip = None, set()
    if inp.balloon is not None:  # q_u <= c_a z_a + c_b z_b, q_u <= cap
        ia, ib, cap_ab = inp.balloon
        skip = {ia, ib}
        q = [pulp.LpVariable(f"q_{u}", upBound=float(cap_ab)) for u in range(U)]
        for u in range(U):
            prob += q[u] - float(inp.weight[ia]) * z[ia][u] - float(inp.weight[ib]) \
                * z[ib][u] <= 0.0, f"q_{u}"
    # yearly limits
    for t in range(T):
        total = pulp.lpSum(x[i][t] for i in range(L))
        if yearly is not None:
            prob += total <= yearly / money, f"budget_{t}"
        else:
            if year_min > 0:
                prob += total >= year_min / money, f"ymin_{t}"
            prob += total <= year_max / money, f"budget_{t}"
    if envelope is not None:
        prob += pulp.lpSum(x[i][t] for i in range(L) for t in range(T)) <= envelope / money, \
            "envelope"
    for name, coeffs, sense, rhs in extra_rows(sc):
        if name == "mexico":
            expr = pulp.lpSum(float(coeffs[i]) / T * money * x[i][t] for i in range(L)
                              for t in range(T))
            prob += expr <= rhs, "mexico"
            continue
        for t in range(T):
            expr = pulp.lpSum(float(a) * money * x[i][t] for i, a in enumerate(coeffs) if a)
            prob += (expr <= rhs if sense == "<=" else expr >= rhs if sense == ">="
                     else expr == rhs), f"{name}_{t}"
    # exact linear caps
    for i in np.flatnonzero(inp.form == rsp.LINEAR_CAP):
        for u in range(U):
            prob += z[i][u] - float(inp.slope0[i]) * money * effs[i][u] <= 0.0, f"lin_{i}_{u}"
    scale = inp.baseline * inp.discount
    phi = inp.substitution
    eps = 1e-5 / max(year_max * T, 1.0)
    prob += pulp.lpSum(float(scale[u] * (1 - phi)) * va[u] for u in range(U)) + (
        pulp.lpSum(float(scale[u] * phi) * vd[u] for u in range(U)) if vd else 0) \
        - eps * money * pulp.lpSum(x[i][t] for i in range(L) for t in range(T))
    counter = {"n": 0}

    def cut_z(i, u, e0):
        f = float(rsp.response(e0, rsp.SATURATING, inp.cap[i], inp.slope0[i]))
        d = float(rsp.response_slope(e0, rsp.SATURATING, inp.cap[i], inp.slope0[i]))
        counter["n"] += 1
        prob.addConstraint(z[i][u] - d * money * effs[i][u] <= f - d * e0,
                           f"rc_{counter['n']}")

    def cut_v(u, y0_all, y0_dem):
        total = pulp.lpSum(float(inp.weight[i]) * z[i][u] for i in range(L) if i not in skip)
        if q is not None:
            total = total + q[u]
        for v, y0, expr in ((va[u], y0_all, total),
                            (vd[u] if vd else None, y0_dem,
                             pulp.lpSum(z[i][u] for i in np.flatnonzero(inp.demand)))):
            if v is None:
                continue
            slope = float(np.exp(-y0))
            counter["n"] += 1
            prob.addConstraint(v - slope * expr <= float(-np.expm1(-y0) - slope * y0),
                               f"oc_{counter['n']}")

    sat = np.flatnonzero((inp.form == rsp.SATURATING) & (inp.cap > 0))
    scale = np.where(inp.cap > 0, inp.cap / np.maximum(inp.slope0, 1e-300), 0.0)
    for i in sat:
        for u in range(U):
            span = lower[i] + (upper[i] - lower[i]) * TANGENT_GRID
            points = inp.profile[i, min(u, U - 1)] * span
            # also where the curve bends: multiples of its saturation scale cap / slope0
            bend = scale[i] * _BEND
            for e0 in np.unique(np.concatenate([points, bend[bend <= points.max()]])):
                cut_z(i, u, float(e0))
    y_max = float((inp.weight * inp.cap).sum())
    for u in range(U):
        for y0 in y_max * TANGENT_GRID:
            cut_v(u, float(y0), float(y0))

    best, best_val = None, -np.inf
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported
        with quiet_stdout():
            status = prob.solve(make_solver(solver, time_limit))
        if pulp.LpStatus.get(status) != "Optimal":
            raise SolverError(f"solver '{solver}' returned status "
                              f"'{pulp.LpStatus.get(status, status)}' for the phased plan",
                              solver=solver, status=pulp.LpStatus.get(status))
        plan = np.array([[x[i][t].varValue or 0.0 for i in range(L)] for t in range(T)]) * money
        plan = np.clip(plan, lower, upper)
        bound = float(pulp.value(prob.objective))
        bound += LP_MARGIN * abs(bound)
        ext = extend_plan(plan, tail)
        yd = mdl.yearly_deaths(ext, inp)
        value = float((yd.averted * inp.discount).sum()) - eps * plan.sum()
        if value > best_val:
            best, best_val = plan, value
        gap = max(bound - best_val, 0.0)
        if gap <= max(GAP_REL * (best_val + eps * best.sum()), GAP_ABS):
            break
        e = mdl.boosted(timing.effective_spend(ext, inp.profile), inp)
        z_val = np.array([[z[i][u].varValue or 0.0 for u in range(U)] for i in range(L)])
        z_true = rsp.response(e, inp.form[:, None], inp.cap[:, None], inp.slope0[:, None])
        for i in sat:
            for u in range(U):
                cut_z(i, u, float(e[i, u]))
        y_lp = mdl.combined_reduction(inp.weight[:, None] * z_val, inp)
        y_true = mdl.combined_reduction(inp.weight[:, None] * z_true, inp)
        yd_lp = z_val[inp.demand].sum(axis=0)
        yd_true = z_true[inp.demand].sum(axis=0)
        for u in range(U):
            cut_v(u, float(y_lp[u]), float(yd_lp[u]))
            cut_v(u, float(y_true[u]), float(yd_true[u]))
    else:
        raise SolverError(f"the phased plan's certified gap ({gap:.4g}) did not close after "
                          f"{max_iterations} LP solves", solver=solver, status="gap not closed")
    duals = {name: abs(float(c.pi or 0.0)) / money for name, c in prob.constraints.items()
             if name.startswith("budget_")}
    return _phased_allocation(sc, best, gap, solver, iteration, time.perf_counter() - started,
                              duals, tail, inp)


def _phased_allocation(sc, plan, gap, solver, iterations, seconds, duals, tail, inp):
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
    res = Allocation(
        scenario=sc, spend=pd.Series(mean, index=pd.Index(names, name="lever"), name="spend"),
        plan=frame, deaths=deaths, deaths_by_year=by_year, baseline_deaths=baseline,
        deaths_averted=baseline - deaths, gap=float(gap),
        shadow_prices=bounds["right"].rename("deaths_averted_per_musd"),
        shadow_price_bounds=bounds, table=table, unspent=0.0, unspent_reason="",
        solver=solver, iterations=iterations, solve_seconds=seconds,
        mexico_homicides=mexico_homicides(sc, frame))
    return replace(res, tail_deaths_averted=tail_averted, phased=True)
