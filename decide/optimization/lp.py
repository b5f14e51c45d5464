"""The flat-allocation LP on PuLP: `decide.optimization.formulation`'s rows with one
plan year, solved by CBC or HiGHS and refined by the caller (`flat`)."""

from __future__ import annotations

import numpy as np
import pulp

from models.deaths import ModelInputs, combined_reduction, log_reduction

from ..errors import SolverError
from . import formulation as fm
from .certificate import TANGENT_GRID, objective, project, tolerance
from .certificate import gap as certified_gap
from .solvers import make_solver, quiet_stdout

__all__ = ["create_flat_lp", "add_initial_cuts", "add_response_cuts", "solve_lp", "refine",
           "row_duals"]


def create_flat_lp(inp: ModelInputs, lower, upper, budget, eps=0.0, rows=(), min_size=None,
                   startup=None):
    """The flat LP's columns, budget, bounds, exact linear caps and objective (cuts are
    added by `add_initial_cuts` and `refine`).

    Parameters
    ----------
    inp : ModelInputs
    lower, upper : array_like, shape (L,)
        Spend bounds, $M per year (a lock has ``lower == upper``).
    budget : float
        $M per year.
    eps : float
        Objective units per $M subtracted from the objective so that money with no
        effect is left unspent rather than parked on an idle lever (a net benefit's spend
        cost, ``inp.spend_cost``, is added by `formulation.define_objective`).
    rows : sequence of (name, coefficients (L,), sense, rhs)
        Extra linear rows on spend in $M per year (custom constraints, the Mexico cap).
    min_size, startup : array_like, shape (L,), optional
        Minimum programme size ($M per year; 0 = none) and start-up cost ($M per year,
        already amortised): levers with either get a binary "funded" variable (a MILP).

    Returns
    -------
    formulation.AllocationLP
    """
    # Spend enters in units of the usable budget: solver tolerances act on O(1) values,
    # not on $1e5M ones (seen: 3e-5 relative objective error on an unscaled problem).
    money = float(max(min(budget, float(np.sum(upper))), 1.0))
    lp = fm.create_model(inp, lower, upper, inp.profile[:, :, None], money)
    fm.define_interactions(lp)
    if min_size is not None or startup is not None:
        n = len(lower)
        fm.define_binaries(lp, lower, upper,
                           np.zeros(n) if min_size is None else min_size,
                           np.zeros(n) if startup is None else startup)
    fm.define_budget(lp, budget, startup)
    fm.define_rows(lp, rows)
    fm.define_linear_caps(lp)
    fm.define_objective(lp, eps)
    return lp


def add_initial_cuts(lp, lower, upper):
    """The first cuts: each response at a grid over its lever's range (and where it
    bends, when the range is wide), each year's outcome at a grid over its range."""
    inp = lp.inp
    grid = lower[:, None] + (upper - lower)[:, None] * TANGENT_GRID[None, :]
    add_response_cuts(lp, grid)
    # where wide ranges would put every grid point on the flat part: cut where each
    # curve bends (multiples of its saturation scale cap / slope0, in effective spend)
    scale = np.where(inp.cap > 0, inp.cap / np.maximum(inp.slope0, 1e-300), 0.0)
    for mult in (0.1, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0):
        eff = np.minimum(scale[:, None] * mult, inp.profile * upper[:, None])
        if (eff < 0.02 * inp.profile * upper[:, None]).any():
            fm.define_response_cuts(lp, eff)
    y_max = float((inp.weight * inp.cap).sum())
    y_grid = np.tile(y_max * TANGENT_GRID, (inp.horizon, 1))
    fm.define_outcome_cuts(lp, y_grid, y_grid)


def refine(lp, solve, lower, upper, budget, eps, usable, coupled, max_iterations=60,
           seed=None, on_time_limit=None, solver="cbc"):
    """Solve, certify, add cuts where the model and the LP disagree, until the certified
    gap is within tolerance (`decide.optimization.certificate`).

    Parameters
    ----------
    lp : formulation.AllocationLP
    solve : callable
        ``solve(lp) -> (x_lp, bound, y_all, y_dem)`` (`solve_lp`, or a persistent
        HiGHS model's); it sets ``lp.time_limited``.
    lower, upper : ndarray, shape (L,)
    budget, eps, usable : float
    coupled : bool
        Rows beyond the budget (or binaries): LP output is clipped, not rescaled.
    seed : callable, optional
        ``seed() -> x or None``: a candidate allocation tried after the first LP.
    on_time_limit : callable, optional
        ``on_time_limit() -> bound`` when a MILP stops at its time limit.
    solver : str
        Named in the error when the gap does not close.

    Returns
    -------
    x : ndarray, shape (L,)
    gap : float
    iterations : int
    time_limited : bool
    """
    inp = lp.inp
    cost = inp.spend_cost
    for iteration in range(1, max_iterations + 1):
        x_lp, bound, y_all, y_dem = solve(lp)
        limited = bool(lp.funded and lp.time_limited)
        if limited:  # the incumbent is feasible; the bound comes from the relaxation
            bound = on_time_limit()
        x = np.clip(x_lp, lower, upper) if coupled else project(x_lp, lower, upper, budget)
        value = objective(x, inp, eps)
        gap = certified_gap(x, value, bound, inp, eps, lower, upper, budget, usable)
        if limited:
            return x, gap, iteration, True
        if gap > tolerance(value, eps, x, cost) and iteration == 1 and seed is not None:
            # The fast engine's smooth optimum (when in scope) usually certifies at once
            # against this LP's bound or its own closed-form bound: no second LP.
            seed_x = seed()
            if seed_x is not None:
                seed_value = objective(seed_x, inp, eps)
                seed_gap = certified_gap(seed_x, seed_value, bound, inp, eps, lower, upper,
                                         budget, usable)
                if seed_gap < gap:
                    x, value, gap = seed_x, seed_value, seed_gap
        if gap <= tolerance(value, eps, x, cost):
            return x, gap, iteration, False
        _, z_all, z_dem = (a[0] for a in log_reduction((inp.profile * x[:, None])[None],
                                                       inp.draws))
        add_response_cuts(lp, np.stack([x, x_lp], axis=1))
        fm.define_outcome_cuts(lp, np.stack([y_all, z_all], axis=1),
                               np.stack([y_dem, z_dem], axis=1))
    raise SolverError(f"the certified gap ({gap:.4g} {inp.outcome.unit}) did not close to "
                      f"tolerance after {max_iterations} LP solves", solver=solver,
                      status="gap not closed")


def add_response_cuts(lp, spends):
    """Tangent cuts on saturating responses at the effective spends of ``spends``
    (array (L, K): for each lever, K flat spends in $M per year)."""
    spends = np.asarray(spends, dtype=float)
    for k in range(spends.shape[1]):
        fm.define_response_cuts(lp, fm.effective_spend_at(lp, spends[:, k]))


def solve_lp(lp, solver="cbc", time_limit=None):
    """Solve; return the allocation and the LP's objective (an upper bound).

    Returns
    -------
    x : ndarray, shape (L,)
        $M per year.
    value : float
        LP objective (objective units: deaths averted, life-years or $M).
    y_all, y_dem : ndarray, shape (T,)
        The LP's log-unit sums per year (points for the next cuts).

    Raises
    ------
    SolverError
        Solver missing, failed, or any status other than optimal.
    """
    if lp.view is None:
        lp.view = fm.PulpView(lp.prog)
    prob = lp.view.sync()
    try:
        with quiet_stdout():
            engine = make_solver(solver, time_limit)
            status = prob.solve(engine)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"solver '{solver}' failed to run: {exc}", solver=solver,
                          status="error") from None
    name = pulp.LpStatus.get(status, str(status))
    feasible_only = (lp.funded and getattr(prob, "sol_status", None)
                     == pulp.LpSolutionIntegerFeasible)
    if name != "Optimal" and not feasible_only:
        raise SolverError(f"solver '{solver}' returned status '{name}' (expected "
                          "'Optimal'); no allocation is reported", solver=solver,
                          status=name)
    lp.time_limited = bool(feasible_only)
    x = lp.view.values(lp.x[:, 0]) * lp.money
    z = lp.view.values(lp.z)
    y_all = combined_reduction(lp.inp.weight[:, None] * z, lp.inp)
    y_dem = z[lp.inp.demand].sum(axis=0)
    return x, float(pulp.value(prob.objective)), y_all, y_dem


def row_duals(lp, solver):
    """Duals of the budget and the named extra rows, in objective units (deaths averted
    by default) per $1M a year of relaxation (sign-normalised across solvers: CBC and
    HiGHS report opposite signs)."""
    out = {}
    if lp.funded:
        return out  # a MILP has no duals
    for name, row in lp.view.problem.constraints.items():
        if name == "budget" or name.startswith("user_") or name == "mexico":
            pi = row.pi
            if pi is None:
                continue
            out[name] = abs(float(pi)) / (lp.money if name == "budget" else 1.0)
    return out
