"""Certified gaps: tolerances, the flat objective and the concavity bound.

The optimisers maximise (discounted) deaths averted ``F(x)`` less ``eps`` per $M spent
(so that money with no effect is left unspent). A solution ``x`` is certified when the
smaller of two upper bounds on ``max F`` (the LP's optimum, widened by its solver
tolerance, and the concavity bound ``F(x) + max_{x'} grad F(x) . (x' - x)``) exceeds
``F(x)`` by at most `tolerance`.
"""

from __future__ import annotations

import numpy as np

from models import deaths as mdl

__all__ = ["GAP_REL", "GAP_ABS", "LP_MARGIN", "TANGENT_GRID", "FUNDED", "money_eps",
           "objective", "gap", "tolerance", "greedy_fill", "linear_max", "project"]

#: Relative and absolute parts of the gap tolerance (deaths).
GAP_REL = 1e-4
GAP_ABS = 0.01
#: Relative allowance for solver tolerance on the LP's objective (see `gap`).
LP_MARGIN = 1e-5
#: Fractions of each lever's spend range (and of the log-reduction range) where the
#: LPs place their first tangent cuts.
TANGENT_GRID = np.array([0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0])
#: Spend above which a lever counts as funded, $M per year (everywhere: summaries,
#: tables, sentences, MILP prices).
FUNDED = 1e-3


def money_eps(usable):
    """Deaths per $M subtracted from the objective: ``1e-3 * GAP_ABS / usable``."""
    return 1e-3 * GAP_ABS / max(usable, 1.0)


def objective(x, inp, eps):
    """``F(x) - (c + eps) sum x``: the (discounted) outcome averted over the horizon at
    flat spend ``x`` ($M per year), less its spend cost ``c = inp.spend_cost`` and the
    eps term (objective units: deaths, life-years or $M)."""
    yd = mdl.yearly_deaths_flat(x, inp).valued(inp.outcome)
    return float((yd.averted * inp.discount).sum() - (eps + inp.spend_cost) * x.sum())


def greedy_fill(g, width, room):
    """Greedy max of ``g.y`` over ``0 <= y <= width``, ``sum y <= room``, per row (exact).

    Parameters
    ----------
    g, width : ndarray, shape (N, L)
    room : ndarray, shape (N,)
    """
    order = np.argsort(-g, axis=1)
    w = np.take_along_axis(width, order, axis=1)
    gs = np.take_along_axis(g, order, axis=1)
    before = np.cumsum(w, axis=1) - w
    fill = np.clip(room[:, None] - before, 0.0, w) * (gs > 0)
    y = np.empty_like(fill)
    np.put_along_axis(y, order, fill, axis=1)
    return y


def linear_max(g, lower, upper, budget):
    """The maximiser of ``g.x`` over ``lower <= x <= upper``, ``sum x <= budget``."""
    fill = greedy_fill(g[None], (upper - lower)[None], np.array([budget - lower.sum()]))
    return lower + fill[0]


def project(x, lower, upper, budget):
    """Clip solver output (~1e-9 noise) to the box and trim any budget excess."""
    x = np.clip(x, lower, upper)
    excess = x.sum() - budget
    if excess > 0:
        room = x - lower
        x = x - room * (excess / room.sum())
    return x


def gap(x, value, upper_bound, inp, eps, lower, upper, budget, usable):
    """Certified gap at ``x``: the smaller of the LP's bound and the concavity bound
    ``G(x) + max g.(x' - x)``, minus ``G(x)``, plus the eps term on unspent budget
    (objective units)."""
    cost = inp.spend_cost
    if inp.interactions:  # min() kinks: right derivatives need not be supergradients
        fw_bound = np.inf
    else:
        grad = mdl.averted_gradient_flat(x, inp, inp.discount) - (eps + cost)
        fw_bound = value + float(grad @ (linear_max(grad, lower, upper, budget) - x))
    # The LP's optimum is a bound only up to the solver's tolerances (~1e-7 relative,
    # seen up to ~2e-6 with HiGHS on 1e5-death objectives): widen it before use. A net
    # benefit is a difference of two large terms: widen relative to the gross value.
    lp_bound = upper_bound + LP_MARGIN * (abs(upper_bound) + cost * usable)
    return max(min(lp_bound, fw_bound) - value, 0.0) + eps * (usable - x.sum())


def tolerance(value, eps, x, cost=0.0):
    """max(0.01% of the outcome averted, 0.01) in the objective's units (``value`` is
    net of the eps term and of a net benefit's spend cost ``cost`` per $M a year)."""
    return max(GAP_REL * (value + (eps + cost) * x.sum()), GAP_ABS)
