"""The flat allocation (the same spend every year), solved to a certified gap.

The optimiser refines an outer-approximation LP (`decide.optimization.lp`) until its
certified gap, the LP's upper bound on deaths averted minus the model's deaths averted
at the LP's allocation, is at most ``max(0.01% of deaths averted, 0.01 deaths)``
(`decide.optimization.certificate`). Within the Newton engine's scope its smooth optimum
seeds the first round. Shadow prices come from the KKT conditions at the certified
allocation (model gradients); with custom constraints or the Mexico cap the budget and
those rows are priced by the final LP's duals (`decide.optimization.result`).
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from models import deaths as mdl
from models import response as rsp

from ..errors import SolverError
from ..scenario import Scenario
from . import lp as lpmod
from . import newton
from .bounds import check_feasible, extra_rows, spend_bounds
from .certificate import TANGENT_GRID, money_eps, objective, project, tolerance
from .certificate import gap as certified_gap
from .result import Status, build_allocation
from .solvers import make_solver, quiet_stdout

__all__ = ["optimize_flat"]


def optimize_flat(sc: Scenario, *, solver="cbc", time_limit=None, max_iterations=60):
    """The certified optimal flat allocation (see `decide.optimization.api.optimize`)."""
    started = time.perf_counter()
    check_feasible(sc)
    inp = sc.model_inputs()
    lower, upper = spend_bounds(sc)
    budget = sc.budget
    usable = min(budget, upper.sum())
    eps = money_eps(usable)
    rows = extra_rows(sc)
    min_size = np.array([lv.min_size or 0.0 for lv in sc.levers])
    startup = np.array([lv.startup_cost / sc.horizon for lv in sc.levers])
    milp = bool((min_size > 0).any() or (startup > 0).any())
    lp = lpmod.create_flat_lp(inp, lower, upper, budget, eps, rows=rows,
                              min_size=min_size if milp else None,
                              startup=startup if milp else None)
    warnings = []
    status = Status.OPTIMAL
    grid = lower[:, None] + (upper - lower)[:, None] * TANGENT_GRID[None, :]
    lpmod.add_response_cuts(lp, grid)
    # where wide ranges would put every grid point on the flat part: cut where each
    # curve bends (multiples of its saturation scale cap / slope0, in effective spend)
    scale = np.where(inp.cap > 0, inp.cap / np.maximum(inp.slope0, 1e-300), 0.0)
    for mult in (0.1, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0):
        eff = np.minimum(scale[:, None] * mult, inp.profile * upper[:, None])
        if (eff < 0.02 * inp.profile * upper[:, None]).any():
            lpmod.add_response_cuts_at(lp, eff)
    y_max = float((inp.weight * inp.cap).sum())
    y_grid = np.tile(y_max * TANGENT_GRID, (inp.horizon, 1))
    lpmod.add_outcome_cuts(lp, y_grid, y_grid)

    for iteration in range(1, max_iterations + 1):  # noqa: B007 - read after the loop
        x_lp, upper_bound, y_all, y_dem = lpmod.solve_lp(lp, solver, time_limit)
        if lp.funded and lp.time_limited:
            # the incumbent is feasible; the bound comes from the LP relaxation
            upper_bound = _relaxed_bound(lp, solver)
            status = Status.TIME_LIMIT
            warnings.append(f"the MILP hit its time limit ({time_limit:g} s): the best "
                            "allocation found is reported with its certified gap")
        x = np.clip(x_lp, lower, upper) if (lp.funded or rows) else \
            project(x_lp, lower, upper, budget)
        value = objective(x, inp, eps)
        gap = certified_gap(x, value, upper_bound, inp, eps, lower, upper, budget, usable)
        if lp.funded and lp.time_limited:
            break
        if gap > tolerance(value, eps, x) and iteration == 1 and not (rows or milp):
            # The fast engine's smooth optimum (when in scope) usually certifies at once
            # against this LP's bound or its own closed-form bound: no second LP.
            seed_x = _fast_seed(sc)
            if seed_x is not None:
                seed_value = objective(seed_x, inp, eps)
                seed_gap = certified_gap(seed_x, seed_value, upper_bound, inp, eps, lower, upper,
                                budget, usable)
                if seed_gap < gap:
                    x, value, gap = seed_x, seed_value, seed_gap
        if gap <= tolerance(value, eps, x):
            break
        yd = mdl.yearly_deaths_flat(x, inp)
        z_all = -np.log(yd.synthetic / yd.baseline)
        lpmod.add_response_cuts(lp, np.stack([x, x_lp], axis=1))
        lpmod.add_outcome_cuts(lp, np.stack([y_all, z_all], axis=1),
                               np.stack([y_dem, _demand_z(x, inp)], axis=1))
    else:
        raise SolverError(f"the certified gap ({gap:.4g} deaths) did not close to "
                          f"tolerance after {max_iterations} LP solves", solver=solver,
                          status="gap not closed")
    duals = lpmod.row_duals(lp, solver) if rows and not milp else {}
    funded = {i: bool(x[i] > 1e-9) for i in lp.funded}
    return build_allocation(sc, x, float(gap), solver, iteration, time.perf_counter() - started,
                       duals=duals, funded=funded, warnings=tuple(warnings),
                            status=status)


def _relaxed_bound(lp, solver):
    """Upper bound of a time-limited MILP: the same model with binaries relaxed."""
    relaxed = lp.prob.deepcopy()
    for v in relaxed.variables():
        if v.cat == pulp.LpInteger:
            v.cat = pulp.LpContinuous
    with quiet_stdout():
        relaxed.solve(make_solver(solver))
    return float(pulp.value(relaxed.objective))


def _demand_z(x, inp):
    """Demand-only log reduction per year at a flat spend (the LP's ``v_dem`` argument)."""
    z = rsp.response(inp.profile * x[:, None], inp.form[:, None], inp.cap[:, None],
                     inp.slope0[:, None])
    return (inp.weight[:, None] * z)[inp.demand].sum(axis=0)


def _fast_seed(sc):
    """The fast engine's certified optimum for ``sc``, or None when out of its scope."""
    if not newton.in_scope(sc):
        return None
    b = newton.batch_inputs(sc, {}, 1)
    x, certified = newton.solve_batch(b, threads=1)
    return x[0] if certified[0] else None


