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
deaths averted are in ``res.tail_deaths_averted``, and ``res.tail_note`` says in words why
they have their sign. They are often negative: the plan stops spending after the horizon
and, under the linear superposition of the timing profile, the adaptation a programme
provoked outlasts it, so supply rebounds above its no-spending level for a while
(docs/model.md, caveat 7).

Marginal values and shadow prices are derivatives of the model at the certified plan,
not LP duals (`plan_gradient`, `plan_prices`): the same plan gives the same numbers
whatever the solver, its path or its cutting planes. (With kinks, ``linear_cap`` curves
or interactions, the budget's prices remain the final LP's duals: see `plan_prices`.)
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
from . import formulation as fm
from .bounds import check_feasible, extra_rows, spend_bounds
from .certificate import GAP_ABS, GAP_REL, LP_MARGIN, TANGENT_GRID
from .evaluation import deaths_by_year, evaluate, mexico_homicides, outcome_totals
from .result import Allocation, price_name, safe_div
from .solvers import make_solver, quiet_stdout

__all__ = ["optimize_phased", "phased_lp", "phased_objective", "extend_plan",
           "plan_gradient", "plan_prices", "smooth_model", "tail_note"]

#: Tangent points in units of a saturating curve's scale (where it bends).
_BEND = np.array([0.05, 0.15, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0])


def extend_plan(plan, tail_years):
    """The plan followed by ``tail_years`` years of no spending (shape (T+W, L))."""
    plan = np.asarray(plan, dtype=float)
    return np.vstack([plan, np.zeros((tail_years, plan.shape[1]))])


def _inputs(sc, tail, objective="deaths"):
    return sc.model_inputs(horizon=sc.horizon + tail, objective=objective)


def _tail_years(sc):
    return int(sc.phasing.get("tail_years", 3))


def phased_objective(sc, plan):
    """The phased optimiser's objective for a plan: (discounted) deaths over the horizon
    and the tail window (no spending in the tail)."""
    tail = _tail_years(sc)
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
    tail = _tail_years(sc)
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


def _kernel_gradient(plan, inp, weights):
    """``d sum_u weights_u averted_u / d plan[t, i]`` for ``plan`` (T, L) followed by no
    spending up to ``inp.horizon`` years: shape (T, L), the outcome of ``inp`` per $M in
    plan year t (right derivatives at the kinks of ``linear_cap`` curves and of
    interactions). The chain rule through the kernel: ``dE[i, u] / dplan[t, i] =
    k_i(u - t)`` (`models.timing.kernel`), and `models.deaths` gives ``dA / dE``."""
    plan = np.asarray(plan, dtype=float)
    T, U = plan.shape[0], inp.horizon
    eff = timing.effective_spend(extend_plan(plan, U - T), inp.profile)[None]
    d = inp.draws
    _, z_all, z_dem = mdl.log_reduction(eff, d)
    _, e_all, e_dem = mdl.averted_terms(z_all, z_dem, d.baseline * np.asarray(weights),
                                        d.outcome_weights())
    d_eff = mdl._interaction_gradient(eff, d, e_all, e_dem)[0]  # dA/dE, (L, U)
    k = timing.kernel(inp.profile)  # (L, U)
    return np.stack([(d_eff[:, t:] * k[:, :U - t]).sum(axis=1) for t in range(T)])


def _objective_gradient(plan, inp, weights):
    # the phased objective's partial derivatives (T, L): the outcome averted over
    # ``inp.horizon`` years weighted by ``weights``, less a net benefit's spend cost
    grad = _kernel_gradient(plan, inp, weights)
    if inp.outcome.per_musd:  # a net benefit: each plan year's spend costs per_musd w_t
        grad = grad - inp.outcome.per_musd * np.asarray(weights)[:grad.shape[0], None]
    return grad


def plan_gradient(sc, plan, objective="deaths", discounted=True):
    """Partial derivatives of the phased objective at a plan.

    The objective is the one `optimize_phased` maximises: the outcome averted over the
    horizon and the tail window (the plan spends nothing there), discounted, less a net
    benefit's discounted spend. Computed with the model's kernel (`models.deaths`, the
    functions `evaluate` uses), not with the LP.

    Parameters
    ----------
    sc : Scenario
    plan : array_like, shape (T, L)
        Spend by plan year and lever, $M per year.
    objective : {"deaths", "life_years", "net_benefit"}
    discounted : bool
        False weighs every year 1 (the convention of the table's marginal column).

    Returns
    -------
    ndarray, shape (T, L)
        The objective's units (deaths, life-years or $M) over the horizon and the tail
        window per extra $1M spent on lever i in plan year t (right derivatives at
        kinks). Summed over t: per extra $1M a year in every plan year.
    """
    inp = _inputs(sc, _tail_years(sc), objective)
    return _objective_gradient(plan, inp,
                               inp.discount if discounted else np.ones(inp.horizon))


def _limit_rows(sc, T, L):
    """The plan's linear limits as (name, coefficients (T, L), sense, rhs, growth):
    ``growth`` is how much the limit's right-hand side grows when the budget grows by
    $1M a year (1 for each yearly budget, T for an envelope, 0 otherwise)."""
    yearly, envelope, year_min, year_max = _yearly_limits(sc)
    rows = []
    for t in range(T):
        a = np.zeros((T, L))
        a[t] = 1.0
        if yearly is not None:
            rows.append((f"budget_{t}", a, "<=", float(yearly), 1.0))
        else:
            rows.append((f"budget_{t}", a, "<=", float(year_max), 0.0))
            if year_min > 0:
                rows.append((f"ymin_{t}", a, ">=", float(year_min), 0.0))
    if envelope is not None:
        rows.append(("envelope", np.ones((T, L)), "<=", float(envelope), float(T)))
    for name, coeffs, sense, rhs in extra_rows(sc):
        coeffs = np.asarray(coeffs, dtype=float)
        if name == "mexico":  # over the horizon: each plan year's homicides
            rows.append((name, np.tile(coeffs / sc.horizon, (T, 1)), sense, float(rhs), 0.0))
            continue
        for t in range(T):
            a = np.zeros((T, L))
            a[t] = coeffs
            rows.append((f"{name}_{t}", a, sense, float(rhs), 0.0))
    return rows


def _range(c, y0, basis, a_ub, b_ub):
    """(min, max) of ``c . (y0 + basis z)`` over ``a_ub z <= b_ub`` (None where
    unbounded), or None when infeasible."""
    from scipy.optimize import linprog

    base = float(c @ y0)
    cz = basis.T @ c
    if not np.any(cz):
        return base, base
    out = []
    for sign in (1.0, -1.0):
        sol = linprog(sign * cz, A_ub=a_ub if len(b_ub) else None,
                      b_ub=b_ub if len(b_ub) else None, bounds=(None, None),
                      method="highs")
        if sol.status == 2:
            return None
        out.append(base + sign * sol.fun if sol.status == 0 else None)
    return out[0], out[1]


def smooth_model(sc, objective="deaths"):
    """Whether the phased objective is differentiable everywhere: saturating curves (or
    no effect) and no interactions. Kinks (``linear_cap`` curves, the ``min`` of an
    interaction) make a gradient insufficient to price the budget (`plan_prices`)."""
    inp = sc.model_inputs(objective=objective)
    return not inp.interactions and bool(np.all((inp.form == rsp.SATURATING)
                                                | (inp.cap <= 0)))


def plan_prices(sc, plan, objective="deaths", duals=None):
    """Shadow prices of a phased plan's budget, from the KKT conditions of the model at
    the plan (not from LP duals, which depend on the cutting planes and, where the
    budget sits at a breakpoint, on the solver).

    Let ``g = plan_gradient(sc, plan, objective)`` (discounted; no eps term) and, for
    each limit that binds at the plan (yearly budget or ``year_max``, ``year_min``,
    envelope, custom constraints, Mexico cap; tolerance ``1e-6 max(1, |rhs|)``), a
    multiplier ``y_k`` (>= 0 for ``<=``, <= 0 for ``>=``). The multipliers satisfy the
    stationarity conditions ``g[t, i] = sum_k y_k a_k[t, i]`` for every lever strictly
    inside its bounds in year t, in the least-squares sense (for a yearly budget: the
    mean gradient of the year's interior levers, as for flat allocations), and
    ``g <= sum_k y_k a_k`` at a floor, ``>=`` at a ceiling (a lock is fixed; a bound
    that only repeats the yearly limit is none, so that extra budget can reach the
    lever). The plan is optimal only to its certified gap, so ``g`` is first corrected by
    one Newton step on those conditions (the
    Hessian from central differences of the analytic gradient; the step is shortened to
    keep interior levers inside their bounds), so that the prices do not inherit the
    plan's slack: two plans within the gap of each other get prices within ~1e-6. Where
    the conditions leave the multipliers free (a year in which every lever sits at a
    bound), a price has a right value (the least ``r . y``: what the next $1M buys) and
    a left value (the largest: what the last $1M bought), ``r`` being how much each
    limit grows with the budget.

    With kinks (``linear_cap`` curves or interactions: `smooth_model` is False) the
    superdifferential, not a gradient, holds the multipliers, and the prices are the
    final LP's duals ``duals`` instead (the LP states a ``linear_cap`` curve exactly;
    the duals of a degenerate LP depend on the solver): ``budget`` is each yearly
    limit's dual times its growth (the envelope's times T), ``budget year t`` the dual
    of year t's limit.

    Parameters
    ----------
    sc : Scenario
    plan : array_like, shape (T, L)
        The certified plan, $M per year.
    objective : {"deaths", "life_years", "net_benefit"}
    duals : dict, optional
        With kinks: the final LP's duals of rows ``budget_<t>`` and ``envelope``,
        objective units per $M (required then).

    Returns
    -------
    pandas.DataFrame
        Index ``constraint``: ``budget`` (the objective over the horizon and the tail
        window per extra $1M of budget in every plan year; with an envelope, per $T M
        more envelope, the year limits unchanged) and ``budget year t`` (per extra $1M
        of year t's budget or ``year_max``); columns ``left`` and ``right``. Objective
        units (discounted deaths, life-years or $M) per $1M a year.
    """
    from scipy.linalg import null_space
    from scipy.optimize import lsq_linear

    plan = np.asarray(plan, dtype=float)
    T, L = plan.shape
    if not smooth_model(sc, objective):
        if duals is None:
            raise ValueError("with linear_cap curves or interactions the phased prices "
                             "are the LP's duals: pass duals")
        yearly = _yearly_limits(sc)[0]
        year = [float(duals.get(f"budget_{t}", 0.0)) for t in range(T)]
        total = sum(year) if yearly is not None else T * float(duals.get("envelope", 0.0))
        prices = {"budget": (total, total)}
        prices.update({f"budget year {t + 1}": (v, v) for t, v in enumerate(year)})
        return _price_frame(prices)
    inp = _inputs(sc, _tail_years(sc), objective)

    def grad(p):
        return _objective_gradient(p.reshape(T, L), inp, inp.discount).ravel()

    x = plan.ravel()
    g = grad(x)
    yearly, _, _, year_max = _yearly_limits(sc)
    lower, upper = spend_bounds(sc)
    tol = 1e-6 * max(1.0, year_max)
    locked = np.array([lv.lock is not None for lv in sc.levers])
    free = np.array([lv.ceiling is None for lv in sc.levers]) & (yearly is not None)
    # a lever's own upper bound; none where the yearly limit states it (no ceiling
    # under a yearly budget, or one above year_max)
    top = np.where(free | (upper > year_max + tol), np.inf, upper)
    at_lo = (locked[None, :] | (plan <= lower + tol)).ravel()
    at_hi = (locked[None, :] | (plan >= top - tol)).ravel()
    interior = ~at_lo & ~at_hi
    hi_only, lo_only = at_hi & ~at_lo, at_lo & ~at_hi

    rows = _limit_rows(sc, T, L)
    active = []
    for k, (_, a, sense, rhs, _) in enumerate(rows):
        lhs, slack = float(a.ravel() @ x), 1e-6 * max(1.0, abs(rhs))
        if sense == "==" or (sense == "<=" and lhs >= rhs - slack) or \
                (sense == ">=" and lhs <= rhs + slack):
            active.append(k)
    names = [f"budget year {t + 1}" for t in range(T)]
    targets = {"budget": np.array([rows[k][4] for k in active])}
    for t in range(T):
        targets[names[t]] = np.array([float(rows[k][0] == f"budget_{t}") for k in active])
    if not active:
        return _price_frame({name: (0.0, 0.0) for name in targets})
    A = np.array([rows[k][1].ravel() for k in active])  # (n rows, T L elements)
    if interior.any():
        g = _newton_gradient(grad, x, g, A, np.flatnonzero(interior),
                             np.tile(lower, T), np.tile(top, T))
    lb = np.array([0.0 if rows[k][2] == "<=" else -np.inf for k in active])
    ub = np.array([0.0 if rows[k][2] == ">=" else np.inf for k in active])
    fit = A[:, interior].T  # stationarity of the interior elements: fit @ y = g
    if fit.shape[0]:
        y0 = lsq_linear(fit, g[interior], bounds=(lb, ub), method="bvls").x
        basis = null_space(fit)
    else:
        y0, basis = np.zeros(len(active)), np.eye(len(active))
    # the multipliers left free: z with y = y0 + basis z, within the sign conditions
    # and the conditions of levers at their floors and ceilings (a hair of slack for
    # rounding; if the plan's tolerance makes them conflict, relaxed by the
    # least-squares multipliers' own violation)
    pos, neg = np.isfinite(lb), np.isfinite(ub)  # y >= 0 (<= rows), y <= 0 (>= rows)
    a_sign = np.vstack([-basis[pos], basis[neg]])
    b_sign = np.concatenate([y0[pos], -y0[neg]])
    fitted = A.T @ y0
    hair = 1e-12 + 1e-9 * float(np.abs(g).max(initial=0.0))
    a_bound = np.vstack([(A[:, hi_only].T @ basis), -(A[:, lo_only].T @ basis)])
    miss = np.concatenate([g[hi_only] - fitted[hi_only], fitted[lo_only] - g[lo_only]])
    prices = {}
    for name, r in targets.items():
        if not r.any():
            prices[name] = (0.0, 0.0)
            continue
        if basis.shape[1] == 0:
            value = float(r @ y0)
            prices[name] = (value, value)
            continue
        found = None
        for slack in (np.full(len(miss), hair), np.maximum(-miss, 0.0) + hair):
            found = _range(r, y0, basis, np.vstack([a_sign, a_bound]),
                           np.concatenate([b_sign, miss + slack]))
            if found is not None:
                break
        low, high = found if found is not None else (None, None)
        if low is None and high is None:
            low = high = float(r @ y0)
        prices[name] = (high if high is not None else low, low if low is not None else high)
    return _price_frame(prices)


def _newton_gradient(grad, x, g, A, interior, lower, top):
    """The gradient after one Newton step on the stationarity conditions of the
    interior elements with the binding rows ``A`` held (``A[:, interior] dx = 0``),
    the step shortened to keep them inside ``lower``..``top``; shape of ``g``."""
    m = len(interior)
    hess = np.empty((len(x), m))
    for k, e in enumerate(interior):  # central differences of the analytic gradient
        h = 1e-4 * max(1.0, abs(x[e]))
        up, down = x.copy(), x.copy()
        up[e] += h
        down[e] -= h
        hess[:, k] = (grad(up) - grad(down)) / (2.0 * h)
    h_ii = 0.5 * (hess[interior] + hess[interior].T)
    a_i = A[:, interior]
    a_i = a_i[np.any(a_i != 0.0, axis=1)]
    n = len(a_i)
    kkt = np.block([[h_ii, -a_i.T], [a_i, np.zeros((n, n))]])
    step = np.linalg.lstsq(kkt, np.concatenate([-g[interior], np.zeros(n)]),
                           rcond=None)[0][:m]
    xi = x[interior]
    room = np.where(step > 0, top[interior] - xi, xi - lower[interior])
    need = np.abs(step)
    alpha = float(np.min(np.where(need > room, room / np.maximum(need, 1e-300), 1.0),
                         initial=1.0))
    return g + hess @ (max(alpha, 0.0) * step)


def _price_frame(prices):
    # rows: name -> (left, right)
    bounds = pd.DataFrame({"left": {k: v[0] for k, v in prices.items()},
                           "right": {k: v[1] for k, v in prices.items()}})
    bounds.index.name = "constraint"
    return bounds


def tail_note(sc, plan, tail_averted=None):
    """The deaths averted in the tail window after the horizon, and why they have their
    sign, in plain language.

    Parameters
    ----------
    sc : Scenario
    plan : array_like, shape (T, L)
        $M per year.
    tail_averted : float, optional
        Deaths averted in the tail window (undiscounted); computed if not given.

    Returns
    -------
    str
        Negative: the plan stops spending after the horizon and, in the model, the
        adaptation provoked by the named levers (those whose effective spend turns
        negative in the tail) outlasts them: the rebound of docs/model.md, caveat 7.
        Positive: lagged effects of late spending (net of any rebound). Either way the
        optimiser counts the tail, the horizon's figures do not.
    """
    plan = np.asarray(plan, dtype=float)
    T, tail = sc.horizon, _tail_years(sc)
    if tail == 0:
        return (f"The plan has no tail window (phasing.tail_years = 0): effects of its "
                f"spending after year {T} are not counted.")
    inp = _inputs(sc, tail)
    ext = extend_plan(plan, tail)
    if tail_averted is None:
        tail_averted = float(mdl.yearly_deaths(ext, inp).averted[T:].sum())
    eff = timing.effective_spend(ext, inp.profile)[:, T:]
    scale = 1e-9 * max(1.0, float(np.abs(plan).max(initial=0.0)))
    rebound = [lv.label[:1].lower() + lv.label[1:] if not lv.label[1:2].isupper()
               else lv.label for lv, e in zip(sc.levers, eff) if e.min() < -scale]
    who = (", ".join(rebound[:-1]) + " and " + rebound[-1]) if len(rebound) > 1 \
        else (rebound[0] if rebound else "")
    head = (f"Deaths averted in the {tail}-year tail window after year {T}: "
            f"{tail_averted:,.1f}")
    counted = ("The optimiser counts the tail window (so do the plan's marginal values "
               "and the budget's price); the horizon's figures do not.")
    if tail_averted < 0:
        cause = (f"the adaptation that {who} provoked outlasts them" if who else
                 "the effects of earlier spending turn negative after it stops")
        return (f"{head}, more deaths than with no new spending. The plan stops spending "
                f"after year {T} and, in the model, {cause}, so deaths rebound above their "
                f"no-spending level for a while (docs/model.md, caveat 7: a modelling "
                f"assumption, not a measured effect). {counted}")
    net = (f", net of a rebound where the adaptation that {who} provoked outlasts them "
           "(docs/model.md, caveat 7)") if who else ""
    return (f"{head}: lagged effects of spending in the final years continue after the "
            f"horizon, where the plan spends nothing{net}. {counted}")


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
        certified on the objective (horizon plus tail). Shadow prices (`plan_prices`):
        ``budget``, the objective over the horizon and the tail window per extra $1M a
        year in every plan year, and ``budget year t``, per extra $1M in year t; from the
        model's KKT conditions at the plan, so a plan has one price whatever the solver
        (with kinks, ``linear_cap`` curves or interactions: the final LP's duals).
        Table (per lever): ``spend`` (mean $M a year), ``deaths_averted`` (over the
        horizon, the plan's deaths without the lever minus its deaths: a removal
        attribution), ``marginal_deaths_averted_per_musd`` (deaths averted over the
        horizon and the tail window, undiscounted, per extra $1M a year on the lever in
        every plan year: ``plan_gradient(..., discounted=False)`` summed over the plan
        years; right derivatives at kinks), ``cost_per_death_averted`` ($M over the
        horizon per death averted; NaN for an unfunded lever) and ``reduced_cost`` (the
        objective's same directional derivative minus the budget's right shadow price:
        0 for a lever inside its bounds every year, positive for one held down by its
        ceiling, negative for one not worth funding); under another objective than
        deaths, also ``marginal_objective_per_musd`` (that directional derivative).
        ``tail_deaths_averted`` and ``tail_note`` (`tail_note`) describe the tail window.
    """
    started = time.perf_counter()
    check_feasible(sc.with_overrides({"budget": _yearly_limits(sc)[3]}))
    lower, upper = spend_bounds(sc)
    upper = np.minimum(upper, _yearly_limits(sc)[3])
    _check(sc, lower)
    T = sc.horizon
    tail = _tail_years(sc)
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
    # the final LP's duals price plans with kinks only (see plan_prices)
    duals = {name: abs(float(c.pi or 0.0)) / money for name, c in prob.constraints.items()
             if name.startswith("budget_") or name == "envelope"}
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
    bounds = plan_prices(sc, plan, objective, duals)
    # marginal values: directional derivatives along "$1M a year more on the lever in
    # every plan year", over the horizon and the tail window (the years the optimiser
    # counts); the deaths column undiscounted, like a flat allocation's
    marginal = plan_gradient(sc, plan, "deaths", discounted=False).sum(axis=0)
    marginal_objective = plan_gradient(sc, plan, objective).sum(axis=0)
    # per-lever table: mean yearly spend; deaths averted attributed by the flat rule on
    # the effective spends is not defined for plans, so the column holds each lever's
    # deaths averted when it alone is removed (a marginal attribution).
    averted = []
    for i in range(len(names)):
        alt = plan.copy()
        alt[:, i] = 0.0
        averted.append(evaluate(sc, pd.DataFrame(alt, columns=names)) - deaths)
    table = pd.DataFrame({
        "lever": names, "label": [lv.label for lv in sc.levers], "spend": mean,
        "share": mean / max(sc.budget, 1e-9),
        "deaths_averted": np.array(averted),
        "marginal_deaths_averted_per_musd": marginal,
        "cost_per_death_averted": [safe_div(s * sc.horizon, a)
                                   for s, a in zip(mean, averted)],
        "reduced_cost": marginal_objective - float(bounds.loc["budget", "right"]),
    })
    if objective != "deaths":
        table.insert(table.columns.get_loc("reduced_cost"), "marginal_objective_per_musd",
                     marginal_objective)
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
    return replace(res, tail_deaths_averted=tail_averted, phased=True,
                   tail_note=tail_note(sc, plan, tail_averted))
