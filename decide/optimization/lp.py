"""The allocation LP, built with PuLP in small functions and solved separately.

Deaths averted are a concave function of spend (see `models.deaths`), so maximising them
is a convex problem. The LP is its *outer approximation*: every concave piece is
replaced by tangent cuts that lie above it,

    z[i, u]  <= f_i(E0) + f_i'(E0) (M[i, u] x_i - E0)     lever response, per tangent E0
    v_all[u] <= a(y0) + a'(y0) (sum_i c_i z[i, u] - y0)   a(y) = 1 - exp(-y)
    v_dem[u] <= a(y0) + a'(y0) (sum_demand z[i, u] - y0)

so its optimum is an upper bound on deaths averted, while its allocation ``x`` is
feasible for the true model. Every coefficient comes from the functions `evaluate` uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from models import response as rsp
from models.deaths import ModelInputs

from ..errors import SolverError
from .solvers import make_solver, quiet_stdout

__all__ = ["FlatLP", "create_flat_lp", "add_response_cuts", "add_outcome_cuts",
           "solve_lp"]


@dataclass
class FlatLP:
    """A built (unsolved) allocation LP and handles on its variables and rows."""

    prob: pulp.LpProblem
    inp: ModelInputs
    x: list
    z: list  # z[i][u]
    v_all: list
    v_dem: list | None
    budget_row: pulp.LpConstraint
    profile: np.ndarray
    money: float = 1.0  # $M per unit of the x variables (keeps them O(1) for the solver)
    funded: dict = field(default_factory=dict)  # lever index -> binary variable (MILP)
    n_cuts: int = 0
    _tag: dict = field(default_factory=lambda: {"n": 0})

    def name(self, prefix):
        self._tag["n"] += 1
        return f"{prefix}_{self._tag['n']}"


def create_flat_lp(inp: ModelInputs, lower, upper, budget, eps=0.0, rows=(), min_size=None,
                   startup=None):
    """Build the LP for a flat allocation: variables, budget, bounds, exact linear caps,
    and the objective. Cuts are added by `add_response_cuts` and `add_outcome_cuts`.

    Parameters
    ----------
    inp : ModelInputs
    lower, upper : array_like, shape (L,)
        Spend bounds, $M per year (a lock has ``lower == upper``).
    budget : float
        $M per year.
    eps : float
        Deaths per $M subtracted from the objective so that money with no effect is left
        unspent rather than parked on an idle lever.
    rows : sequence of (name, coefficients (L,), sense, rhs)
        Extra linear rows on spend in $M per year (custom constraints, the Mexico cap).
    min_size, startup : array_like, shape (L,), optional
        Minimum programme size ($M per year; 0 = none) and start-up cost ($M per year,
        already amortised): levers with either get a binary "funded" variable (a MILP).
    """
    n_levers, horizon = len(lower), inp.horizon
    # Spend enters in units of the usable budget: solver tolerances act on O(1) values,
    # not on $1e5M ones (seen: 3e-5 relative objective error on an unscaled problem).
    money = float(max(min(budget, float(np.sum(upper))), 1.0))
    prob = pulp.LpProblem("allocation", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x_{i}", lowBound=float(lower[i]) / money,
                         upBound=float(upper[i]) / money)
         for i in range(n_levers)]
    cap = inp.cap
    z = [[pulp.LpVariable(f"z_{i}_{u}", lowBound=0.0,
                          upBound=0.0 if cap[i] <= 0 else None)
          for u in range(horizon)] for i in range(n_levers)]
    v_all = [pulp.LpVariable(f"va_{u}", lowBound=0.0, upBound=1.0) for u in range(horizon)]
    v_dem = None
    if inp.demand.any():
        v_dem = [pulp.LpVariable(f"vd_{u}", lowBound=0.0, upBound=1.0)
                 for u in range(horizon)]
    lp = FlatLP(prob, inp, x, z, v_all, v_dem, None, inp.profile, money)
    add_interactions(lp)
    lp.funded = add_binaries(lp, lower, upper, min_size, startup)
    lp.budget_row = add_budget(lp, budget, startup)
    for name, coeffs, sense, rhs in rows:
        add_linear_row(lp, name, coeffs, sense, rhs)
    add_linear_caps(lp)
    set_objective(lp, eps)
    return lp


def add_interactions(lp: FlatLP):
    """Complementarity ``w_u <= E_by(u), w_u <= E_boosted(u)`` (the boosted lever's
    effective spend gains ``gamma w_u``) and the balloon cap ``q_u <= c_a z_a + c_b z_b,
    q_u <= cap`` (``q_u`` replaces the two levers in the year's log reduction)."""
    inp = lp.inp
    lp.w = lp.q = None
    if inp.complementarity is not None:
        b, by, _ = inp.complementarity
        lp.w = [pulp.LpVariable(f"w_{u}", lowBound=0.0) for u in range(inp.horizon)]
        for u in range(inp.horizon):
            lp.prob += lp.w[u] - float(lp.profile[by, u]) * lp.x[by] <= 0.0, f"wby_{u}"
            lp.prob += lp.w[u] - float(lp.profile[b, u]) * lp.x[b] <= 0.0, f"wb_{u}"
    if inp.balloon is not None:
        a, b2, cap = inp.balloon
        lp.q = [pulp.LpVariable(f"q_{u}", upBound=float(cap)) for u in range(inp.horizon)]
        w = inp.weight
        for u in range(inp.horizon):
            lp.prob += lp.q[u] - float(w[a]) * lp.z[a][u] - float(w[b2]) * lp.z[b2][u] <= 0.0, \
                f"q_{u}"


def effective_expr(lp: FlatLP, i, u):
    """Lever i's effective spend in year u as an LP expression, in units of ``money``."""
    expr = float(lp.profile[i, u]) * lp.x[i]
    comp = lp.inp.complementarity
    if comp is not None and i == comp[0]:
        expr = expr + float(comp[2]) * lp.w[u]
    return expr


def add_binaries(lp: FlatLP, lower, upper, min_size, startup):
    """``y_i`` in {0, 1}: ``min_size_i y_i <= x_i <= upper_i y_i`` for levers with a
    minimum size or a start-up cost. Returns {lever index: y}."""
    funded = {}
    if min_size is None and startup is None:
        return funded
    n = len(lp.x)
    m = np.zeros(n) if min_size is None else np.asarray(min_size, dtype=float)
    c = np.zeros(n) if startup is None else np.asarray(startup, dtype=float)
    for i in np.flatnonzero((m > 0) | (c > 0)):
        y = pulp.LpVariable(f"y_{i}", cat="Binary")
        lp.prob += lp.x[i] - float(upper[i]) / lp.money * y <= 0.0, f"on_{i}"
        lp.prob += lp.x[i] - float(max(m[i], lower[i])) / lp.money * y >= 0.0, f"min_{i}"
        funded[int(i)] = y
    return funded


def add_linear_row(lp: FlatLP, name, coeffs, sense, rhs):
    """``sum_i coeffs_i x_i (sense) rhs`` with spend in $M per year."""
    expr = pulp.lpSum(float(a) * lp.money * lp.x[i] for i, a in enumerate(coeffs) if a)
    rhs = float(rhs)
    if sense == "<=":
        lp.prob += expr <= rhs, name
    elif sense == ">=":
        lp.prob += expr >= rhs, name
    else:
        lp.prob += expr == rhs, name


def add_budget(lp: FlatLP, budget, startup=None):
    """Total spend (plus amortised start-up costs of funded levers) at most the budget."""
    extra = pulp.lpSum(float(startup[i]) / lp.money * y for i, y in lp.funded.items()) \
        if startup is not None else 0
    row = pulp.lpSum(lp.x) + extra <= float(budget) / lp.money
    lp.prob += row, "budget"
    return lp.prob.constraints["budget"]


def add_linear_caps(lp: FlatLP):
    """``linear_cap`` curves are piecewise linear already: two exact rows each."""
    inp = lp.inp
    for i in np.flatnonzero(inp.form == rsp.LINEAR_CAP):
        if inp.cap[i] <= 0:
            continue
        for u in range(inp.horizon):
            lp.prob += lp.z[i][u] - float(inp.slope0[i] * lp.money) * effective_expr(lp, i, u) \
                <= 0.0, lp.name("lin")
            lp.prob += lp.z[i][u] <= float(inp.cap[i]), lp.name("cap")


def set_objective(lp: FlatLP, eps):
    """Maximise (discounted) deaths averted over the horizon, less ``eps`` per $M."""
    inp = lp.inp
    scale = inp.baseline * inp.discount
    phi = inp.substitution
    terms = [float(scale[u] * (1 - phi)) * lp.v_all[u] for u in range(inp.horizon)]
    if lp.v_dem is not None:
        terms += [float(scale[u] * phi) * lp.v_dem[u] for u in range(inp.horizon)]
    lp.prob += pulp.lpSum(terms) - float(eps * lp.money) * pulp.lpSum(lp.x)


def add_response_cuts(lp: FlatLP, spends):
    """Tangent cuts on saturating responses at the effective spends of ``spends``.

    Parameters
    ----------
    spends : array_like, shape (L, K)
        For each lever, K flat spends ($M per year) whose tangents to add (with
        complementarity, the boosted lever's effective spend includes its boost).
    """
    from models.deaths import boosted

    inp = lp.inp
    spends = np.asarray(spends, dtype=float)
    for k in range(spends.shape[1]):
        eff = boosted(lp.profile * spends[:, k][:, None], inp)  # (L, T)
        add_response_cuts_at(lp, eff)


def add_response_cuts_at(lp: FlatLP, eff):
    """Tangent cuts on saturating responses at effective spends ``eff`` (L, T), $M."""
    inp = lp.inp
    for i in np.flatnonzero((inp.form == rsp.SATURATING) & (inp.cap > 0)):
        val = rsp.response(eff[i], rsp.SATURATING, inp.cap[i], inp.slope0[i])
        slope = rsp.response_slope(eff[i], rsp.SATURATING, inp.cap[i], inp.slope0[i])
        for u in range(inp.horizon):
            rhs = float(val[u] - slope[u] * eff[i, u])
            lp.prob += lp.z[i][u] - float(slope[u] * lp.money) * effective_expr(lp, i, u) \
                <= rhs, lp.name("rc")
            lp.n_cuts += 1


def _outcome_cut(v, y_expr, y0):
    # v <= a(y0) + a'(y0) (y - y0) with a(y) = 1 - exp(-y)
    slope = float(np.exp(-y0))
    return v - slope * y_expr <= float(-np.expm1(-y0) - slope * y0)


def add_outcome_cuts(lp: FlatLP, y_all, y_dem=None):
    """Tangent cuts on ``a(y) = 1 - exp(-y)`` for each year.

    Parameters
    ----------
    y_all : array_like, shape (T, K)
        Points (log units) at which to cut the all-lever term of each year.
    y_dem : array_like, shape (T, K), optional
        Points for the demand-only term (needed when there are demand levers).
    """
    inp = lp.inp
    w = inp.weight
    y_all = np.atleast_2d(np.asarray(y_all, dtype=float))
    skip = set() if inp.balloon is None else {inp.balloon[0], inp.balloon[1]}
    for u in range(inp.horizon):
        expr = pulp.lpSum(float(w[i]) * lp.z[i][u] for i in range(len(lp.x)) if i not in skip)
        if lp.q is not None:
            expr = expr + lp.q[u]
        for y0 in np.unique(y_all[u]):
            lp.prob += _outcome_cut(lp.v_all[u], expr, y0), lp.name("oa")
            lp.n_cuts += 1
    if lp.v_dem is not None and y_dem is not None:
        y_dem = np.atleast_2d(np.asarray(y_dem, dtype=float))
        dem = np.flatnonzero(inp.demand)
        for u in range(inp.horizon):
            expr = pulp.lpSum(lp.z[i][u] for i in dem)
            for y0 in np.unique(y_dem[u]):
                lp.prob += _outcome_cut(lp.v_dem[u], expr, y0), lp.name("od")
                lp.n_cuts += 1


def solve_lp(lp: FlatLP, solver="cbc", time_limit=None):
    """Solve; return the allocation and the LP's objective (an upper bound).

    Returns
    -------
    x : ndarray, shape (L,)
        $M per year.
    value : float
        LP objective, deaths averted (objective units).
    y_all, y_dem : ndarray, shape (T,)
        The LP's log-unit sums per year (points for the next cuts).

    Raises
    ------
    SolverError
        Solver missing, failed, or any status other than optimal.
    """
    try:
        with quiet_stdout():
            engine = make_solver(solver, time_limit)
            status = lp.prob.solve(engine)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"solver '{solver}' failed to run: {exc}", solver=solver,
                          status="error") from None
    name = pulp.LpStatus.get(status, str(status))
    feasible_only = (lp.funded and getattr(lp.prob, "sol_status", None)
                     == pulp.LpSolutionIntegerFeasible)
    if name != "Optimal" and not feasible_only:
        raise SolverError(f"solver '{solver}' returned status '{name}' (expected "
                          "'Optimal'); no allocation is reported", solver=solver,
                          status=name)
    lp.time_limited = bool(feasible_only)
    x = np.array([v.varValue or 0.0 for v in lp.x]) * lp.money
    z = np.array([[v.varValue or 0.0 for v in row] for row in lp.z])
    from models.deaths import combined_reduction

    w = lp.inp.weight
    y_all = combined_reduction(w[:, None] * z, lp.inp)
    y_dem = z[lp.inp.demand].sum(axis=0)
    return x, float(pulp.value(lp.prob.objective)), y_all, y_dem


def row_duals(lp: FlatLP, solver):
    """Duals of the budget and the named extra rows, as deaths averted per $1M a year of
    relaxation (sign-normalised across solvers: CBC and HiGHS report opposite signs)."""
    out = {}
    if lp.funded:
        return out  # a MILP has no duals
    for name, row in lp.prob.constraints.items():
        if name == "budget" or name.startswith("user_") or name == "mexico":
            pi = row.pi
            if pi is None:
                continue
            out[name] = abs(float(pi)) / (lp.money if name == "budget" else 1.0)
    return out
