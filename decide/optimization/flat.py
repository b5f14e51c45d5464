"""The flat allocation (the same spend every year), solved to a certified gap.

The optimiser refines an outer-approximation LP (`decide.optimization.lp`) until its
certified gap, the LP's upper bound on the objective (deaths averted by default;
life-years or net benefit) minus the model's value at the LP's allocation, is at most
``max(0.01% of the outcome averted, 0.01)`` in the objective's units
(`decide.optimization.certificate`). Within the Newton engine's scope its smooth optimum
seeds the first round. Shadow prices come from the KKT conditions at the certified
allocation (model gradients); with custom constraints or the Mexico cap the budget and
those rows are priced by the final LP's duals (`decide.optimization.result`).
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from ..scenario import Scenario
from . import lp as lpmod
from . import newton
from .bounds import check_feasible, extra_rows, spend_bounds
from .certificate import money_eps
from .result import Status, build_allocation
from .solvers import make_solver, quiet_stdout

__all__ = ["optimize_flat"]


def optimize_flat(sc: Scenario, *, solver="cbc", time_limit=None, max_iterations=60,
                  objective="deaths"):
    """The certified optimal flat allocation (see `decide.optimization.api.optimize`)."""
    started = time.perf_counter()
    check_feasible(sc)
    inp = sc.model_inputs(objective=objective)
    lower, upper = spend_bounds(sc)
    budget = sc.budget
    usable = min(budget, upper.sum())
    # a net benefit prices spend itself: no tie-breaker
    eps = 0.0 if inp.outcome.per_musd else money_eps(usable)
    rows = extra_rows(sc)
    min_size = np.array([lv.min_size or 0.0 for lv in sc.levers])
    startup = np.array([lv.startup_cost / sc.horizon for lv in sc.levers])
    milp = bool((min_size > 0).any() or (startup > 0).any())
    lp = lpmod.create_flat_lp(inp, lower, upper, budget, eps, rows=rows,
                              min_size=min_size if milp else None,
                              startup=startup if milp else None)
    lpmod.add_initial_cuts(lp, lower, upper)

    def solve(lp):
        return lpmod.solve_lp(lp, solver, time_limit)

    x, gap, iteration, limited = lpmod.refine(
        lp, solve, lower, upper, budget, eps, usable, coupled=bool(lp.funded or rows),
        max_iterations=max_iterations,
        seed=None if (rows or milp) else (lambda: _fast_seed(sc, objective)),
        on_time_limit=lambda: _relaxed_bound(lp, solver), solver=solver)
    warnings, status = [], Status.OPTIMAL
    if limited:
        status = Status.TIME_LIMIT
        warnings.append(f"the MILP hit its time limit ({time_limit:g} s): the best "
                        "allocation found is reported with its certified gap")
    duals = lpmod.row_duals(lp, solver) if rows and not milp else {}
    funded = {i: bool(x[i] > 1e-9) for i in lp.funded}
    return build_allocation(sc, x, float(gap), solver, iteration, time.perf_counter() - started,
                            duals=duals, funded=funded, warnings=tuple(warnings),
                            status=status, objective=objective)


def _relaxed_bound(lp, solver):
    """Upper bound of a time-limited MILP: the same model with binaries relaxed."""
    relaxed = lp.view.problem.deepcopy()
    for v in relaxed.variables():
        if v.cat == pulp.LpInteger:
            v.cat = pulp.LpContinuous
    with quiet_stdout():
        relaxed.solve(make_solver(solver))
    return float(pulp.value(relaxed.objective))


def _fast_seed(sc, objective="deaths"):
    """The fast engine's certified optimum for ``sc``, or None when out of its scope."""
    if not newton.in_scope(sc):
        return None
    b = newton.batch_inputs(sc, {}, 1, objective)
    x, certified = newton.solve_batch(b, threads=1)
    return x[0] if certified[0] else None


