"""Kelley's cutting planes for one allocation over many draws (robust allocations and
the value of information): the epigraph LP on HiGHS, certified by a bound gap."""

from __future__ import annotations

import numpy as np

from ..errors import SolverError
from . import formulation as fm
from . import newton

__all__ = ["cvar", "robust_value", "kelley", "first_points", "refine"]


def cvar(values, alpha):
    values = np.asarray(values, dtype=float)
    eta = np.quantile(values, alpha, method="inverted_cdf")
    return float(eta + np.maximum(values - eta, 0.0).mean() / (1 - alpha))


def robust_value(deaths, optimal, objective, alpha):
    regret = deaths - optimal
    if objective == "expected":
        return float(deaths.mean())
    if objective == "regret":
        return float(regret.max())
    if objective == "cvar":
        return cvar(deaths, alpha)
    return cvar(regret, alpha)


def kelley(b, totals, optimal, objective, alpha, tol, max_iterations, rows=()):
    """Cutting planes (Kelley 1960) with one epigraph variable per draw, on HiGHS.

    Each draw's averted deaths ``A_s`` are concave in the allocation, so supporting
    hyperplanes ``A_s(x_k) + g_s(x_k).(x - x_k)`` over-estimate them: the LP is a
    relaxation, its optimum a lower bound on the objective (deaths); the objective
    evaluated at the LP's allocation is an upper bound.
    """
    n, n_lev = b.lower.shape
    lower, upper, budget = b.lower[0], b.upper[0], float(b.budget[0])
    money = float(max(min(budget, upper.sum()), 1.0))
    # the flat allocation's spend columns, budget and linear rows (one definition), then
    # columns a_s (N) = epigraph of each draw's averted deaths, then t | eta + v (N)
    lp = fm.spend_model(lower, upper, budget, rows, money)
    prog = lp.prog
    prog.maximize = False
    ix = lp.x[:, 0]
    ia = prog.add_cols([f"a_{s}" for s in range(n)], 0.0, b.scale.sum(axis=1))
    if objective == "expected":
        for col in ia:
            prog.cost[col] = -1.0 / n
    elif objective == "regret":
        (it,) = prog.add_cols(["t"], -fm.INF, fm.INF, 1.0)
        for s in range(n):  # t >= A*_s - a_s
            prog.le(f"regret_{s}", [it, ia[s]], [-1.0, -1.0], -float(totals[s] - optimal[s]))
    else:
        (ie,) = prog.add_cols(["eta"], -fm.INF, fm.INF, 1.0)
        iv = prog.add_cols([f"v_{s}" for s in range(n)], 0.0, fm.INF,
                           1.0 / ((1 - alpha) * n))
        # v_s >= D_s - eta (cvar) or v_s >= D_s - D*_s - eta (cvar_regret), D_s = T_s - a_s
        rhs = -(totals if objective == "cvar" else totals - optimal)
        for s in range(n):
            prog.le(f"tail_{s}", [iv[s], ia[s], ie], [-1.0, -1.0, -1.0], float(rhs[s]))
    view = fm.HighsView()
    view.load(prog)
    best_x, best_val = None, np.inf

    def add_cuts(x):
        f, g = newton.averted_and_gradient(b, np.repeat(x[None], n, axis=0))
        for s in range(n):
            prog.le(f"cut_{s}", np.append(ia[s], ix), np.append(1.0, -g[s] * money),
                    float(f[s] - g[s] @ x))
        deaths = totals - f
        return robust_value(deaths, optimal, objective, alpha)

    # (only allocations the LP returns are candidates when rows exist)
    for x0 in first_points(lower, upper, budget):
        val = add_cuts(x0)
        if val < best_val and not rows:
            best_x, best_val = x0, val
    # min mean(T_s - a_s) = mean T + min(-a)
    offset = float(totals.mean()) if objective == "expected" else 0.0
    best_x, best_val, lower_bound, iteration = refine(
        view, ix, money, (lower, upper, budget), add_cuts, (best_x, best_val), tol=tol,
        max_iterations=max_iterations, what="the robust LP", offset=offset)
    return best_x, best_val, max(best_val - lower_bound, 0.0), iteration


def first_points(lower, upper, budget):
    """Where Kelley's first cuts go: the lower corner and a proportional fill of the
    budget (cuts are valid anywhere, so any points will do; these two span the box).

    Parameters
    ----------
    lower, upper : numpy.ndarray
        Spend bounds per lever ($M per year).
    budget : float
        $M per year.

    Returns
    -------
    list of numpy.ndarray
    """
    fill = lower + (budget - lower.sum()) * (upper - lower) / max((upper - lower).sum(), 1e-9)
    return [lower.copy(), np.minimum(upper, fill)]


def refine(view, ix, money, box, add_cuts, best, *, tol, max_iterations, what,
           offset=0.0, scale_floor=0.0):
    """Kelley's iterations on a loaded epigraph LP, shared by every cutting-plane solve
    (robust allocations, value of information, an expert panel's minimax allocation).

    Each round solves the LP (a relaxation: its value, plus ``offset``, is a lower bound
    on the objective), maps its allocation into the box and the budget, adds the cuts
    there (``add_cuts(x)`` returns the objective at ``x``, an upper bound) and keeps the
    best, until the bounds are within ``tol``.

    Parameters
    ----------
    view : formulation.HighsView
        The loaded LP; ``add_cuts`` adds rows to its program.
    ix : numpy.ndarray
        The spend columns (scaled by ``money``).
    money : float
        $M per year per unit of a spend column.
    box : tuple
        ``(lower, upper, budget)``: spend bounds and budget, $M per year.
    add_cuts : callable(numpy.ndarray) -> float
    best : tuple
        ``(allocation, value)`` found so far (``(None, inf)`` for none).
    tol : float
        Gap at which to stop, in the objective's units.
    max_iterations : int
    what : str
        The LP's name for a solver error ("the robust LP").
    offset : float
        Added to the LP's value to give the bound.
    scale_floor : float
        The bound is loosened by 1e-7 x max(|bound|, scale_floor) against round-off.

    Returns
    -------
    tuple
        ``(allocation, value, lower bound, iterations)``.

    Raises
    ------
    SolverError
        HiGHS returned a status other than optimal.
    """
    lower, upper, budget = box
    best_x, best_val = best
    lower_bound, iteration = -np.inf, 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - returned
        status, sol, lp_value = view.run()
        if status != "Optimal":
            raise SolverError(f"HiGHS returned status '{status}' in {what}",
                              solver="highs", status=status)
        lp_value = offset + lp_value
        lower_bound = max(lower_bound, lp_value - 1e-7 * max(abs(lp_value), scale_floor))
        x = np.clip(sol[ix] * money, lower, upper)
        if x.sum() > budget:
            x = lower + (x - lower) * (budget - lower.sum()) / max((x - lower).sum(), 1e-300)
        val = add_cuts(x)
        if val < best_val:
            best_x, best_val = x, val
        if best_val - lower_bound <= tol:
            break
    return best_x, best_val, lower_bound, iteration

