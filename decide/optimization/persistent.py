"""Many draws of one scenario that the Newton engine does not cover, re-solved with one
warm-started HiGHS model.

Each draw is the flat allocation LP of `decide.optimization.lp` (the same rows as
`optimize` builds, from `decide.optimization.formulation`) with the draw's coefficients,
refined to the same certified gap; the highspy model is reused and each draw starts
from the previous draw's first optimal basis.
"""

from __future__ import annotations

from models import deaths as mdl

from ..errors import SolverError
from . import formulation as fm
from . import lp as lpmod
from .bounds import check_feasible, extra_rows, spend_bounds
from .certificate import money_eps

__all__ = ["PersistentFlatLP"]


class PersistentFlatLP:
    """Re-solve ``sc`` for parameter draws with one HiGHS model.

    Parameters
    ----------
    sc : Scenario
        Fixes the structure: levers, forms, horizon, bounds and budget.
    """

    def __init__(self, sc):
        if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
            raise ValueError("the persistent LP covers budgets, bounds, custom constraints "
                             "and the Mexico cap; use optimize() for MILPs and interactions")
        check_feasible(sc)
        self.sc = sc
        self.lower, self.upper = spend_bounds(sc)
        self.budget = sc.budget
        self.usable = min(self.budget, self.upper.sum())
        self.eps = money_eps(self.usable)
        self.view = fm.HighsView()

    def _solve(self, lp):
        if lp.view is None:
            self.view.load(lp.prog)
            lp.view = self.view
        status, sol, bound = self.view.run()
        if status != "Optimal":
            raise SolverError(f"HiGHS returned status '{status}' for a draw",
                              solver="highs", status=status)
        z = sol[lp.z]
        y_all = mdl.combined_reduction(lp.inp.weight[:, None] * z, lp.inp)
        return sol[lp.x[:, 0]] * lp.money, bound, y_all, z[lp.inp.demand].sum(axis=0)

    def solve(self, values, max_iterations=60):
        """Certified optimum for one draw.

        Parameters
        ----------
        values : Mapping[str, float]
            Parameter values by name (a Monte Carlo draw).

        Returns
        -------
        x : ndarray, shape (L,)
            $M per year.
        deaths : float
            Projected deaths over the horizon at ``x``.
        gap : float
            Certified gap, deaths.
        """
        inp = self.sc.model_inputs(values=values)
        rows = extra_rows(self.sc, values)
        lp = lpmod.create_flat_lp(inp, self.lower, self.upper, self.budget, self.eps, rows)
        lpmod.add_initial_cuts(lp, self.lower, self.upper)
        x, gap, _, _ = lpmod.refine(lp, self._solve, self.lower, self.upper, self.budget,
                                    self.eps, self.usable, coupled=bool(rows),
                                    max_iterations=max_iterations, solver="highs")
        return x, float(mdl.yearly_deaths_flat(x, inp).total.sum()), gap
