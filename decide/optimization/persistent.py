"""A persistent, warm-started HiGHS model of the flat-allocation LP, for re-solving many
draws of one scenario that the fast engine does not cover.

The model's rows are built once (same outer approximation as `decide.optimization.lp`:
tangent cuts at
fixed fractions of each lever's range and of the log-reduction range); each draw only
changes coefficients, bounds and costs and re-solves from the previous basis. Refinement
cuts added for one draw are deleted before the next, so the structure persists.
"""

from __future__ import annotations

import numpy as np

from models import deaths as mdl
from models import response as rsp

from ..errors import SolverError
from . import certificate as cert
from .bounds import check_feasible, extra_rows, homicide_coefficients, spend_bounds
from .certificate import TANGENT_GRID as _GRID
from .solvers import new_highs, row_bounds

__all__ = ["PersistentFlatLP"]

class PersistentFlatLP:
    """Re-solve ``sc`` for parameter draws with one HiGHS model.

    Parameters
    ----------
    sc : Scenario
        Fixes the structure: levers, forms, horizon, bounds and budget.
    """

    def __init__(self, sc):
        import highspy

        if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
            raise ValueError("the persistent LP covers budgets, bounds, custom constraints "
                             "and the Mexico cap; use optimize() for MILPs and interactions")

        check_feasible(sc)
        self.sc = sc
        inp = sc.model_inputs()
        self.forms = inp.form
        self.demand = inp.demand
        self.n_lev, self.T = len(sc.levers), sc.horizon
        self.lower, self.upper = spend_bounds(sc)
        self.budget = sc.budget
        self.usable = min(self.budget, self.upper.sum())
        self.money = float(max(self.usable, 1.0))
        self.eps = cert.money_eps(self.usable)
        h = new_highs()
        h.setOptionValue("output_flag", False)
        self.h = h
        inf = highspy.kHighsInf
        L, T = self.n_lev, self.T
        self.ix = np.arange(L)
        self.iz = L + np.arange(L * T).reshape(L, T)
        self.iva = L + L * T + np.arange(T)
        self.ivd = L + L * T + T + np.arange(T) if self.demand.any() else None
        n_cols = L + L * T + T * (2 if self.demand.any() else 1)
        lb = np.zeros(n_cols)
        ub = np.full(n_cols, inf)
        lb[self.ix], ub[self.ix] = self.lower / self.money, self.upper / self.money
        ub[self.iva] = 1.0
        if self.ivd is not None:
            ub[self.ivd] = 1.0
        h.addVars(n_cols, lb, ub)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.rows = {}  # name -> row index
        self._add_row(("budget",), -inf, self.budget / self.money,
                      self.ix, np.ones(L))
        for i in range(L):
            for u in range(T):
                if self.forms[i] == rsp.LINEAR_CAP:
                    self._add_row(("lin", i, u), -inf, 0.0, [self.iz[i, u], self.ix[i]],
                                  [1.0, -1.0])
                else:
                    for k in range(len(_GRID)):
                        self._add_row(("cut", i, u, k), -inf, 0.0,
                                      [self.iz[i, u], self.ix[i]], [1.0, -1.0])
        for u in range(T):
            for k in range(len(_GRID)):
                self._add_row(("oa", u, k), -inf, 0.0,
                              np.concatenate([[self.iva[u]], self.iz[:, u]]), np.ones(L + 1))
                if self.ivd is not None:
                    dem = self.iz[self.demand, u]
                    self._add_row(("od", u, k), -inf, 0.0,
                                  np.concatenate([[self.ivd[u]], dem]), np.ones(len(dem) + 1))
        # custom constraints (fixed) and the Mexico cap (coefficients change with a draw)
        for name, coeffs, sense, rhs in extra_rows(sc):
            self._add_row(("row", name), *row_bounds(sense, rhs), self.ix,
                          np.asarray(coeffs) * self.money)
        self.coupled = bool(extra_rows(sc))  # rows beyond the budget: clip, do not rescale
        self.n_base_rows = h.getNumRow()

    def _add_row(self, key, lo, hi, idx, val):
        self.rows[key] = self.h.getNumRow()
        idx = np.asarray(idx, dtype=np.int32)
        self.h.addRow(lo, hi, len(idx), idx, np.asarray(val, dtype=float))

    def _cut_coeffs(self, inp, i, u, e0):
        f = rsp.response(e0, inp.form[i], inp.cap[i], inp.slope0[i])
        d = rsp.response_slope(e0, inp.form[i], inp.cap[i], inp.slope0[i])
        return d * self.prof[i, u] * self.money, f - d * e0

    def _set_draw(self, inp):
        h, L, T = self.h, self.n_lev, self.T
        self.prof = inp.profile
        w = inp.weight
        for i in range(L):
            for u in range(T):
                h.changeColBounds(int(self.iz[i, u]), 0.0, float(max(inp.cap[i], 0.0)))
                if self.forms[i] == rsp.LINEAR_CAP:
                    h.changeCoeff(self.rows[("lin", i, u)], int(self.ix[i]),
                                  float(-inp.slope0[i] * self.prof[i, u] * self.money))
                    continue
                xs = self.lower[i] + (self.upper[i] - self.lower[i]) * _GRID
                for k, e0 in enumerate(self.prof[i, u] * xs):
                    coef, rhs = self._cut_coeffs(inp, i, u, e0)
                    r = self.rows[("cut", i, u, k)]
                    h.changeCoeff(r, int(self.ix[i]), float(-coef))
                    h.changeRowBounds(r, -h.inf, float(rhs))
        y_max = float((w * inp.cap).sum())
        for u in range(T):
            for k, y0 in enumerate(y_max * _GRID):
                slope = float(np.exp(-y0))
                rhs = float(-np.expm1(-y0) - slope * y0)
                r = self.rows[("oa", u, k)]
                h.changeRowBounds(r, -h.inf, rhs)
                for i in range(L):
                    h.changeCoeff(r, int(self.iz[i, u]), float(-slope * w[i]))
                if self.ivd is not None:
                    r = self.rows[("od", u, k)]
                    h.changeRowBounds(r, -h.inf, rhs)
                    for i in np.flatnonzero(self.demand):
                        h.changeCoeff(r, int(self.iz[i, u]), float(-slope))
        scale = inp.baseline * inp.discount
        cost = np.zeros(h.getNumCol())
        cost[self.ix] = -self.eps * self.money
        cost[self.iva] = scale * (1 - inp.substitution)
        if self.ivd is not None:
            cost[self.ivd] = scale * inp.substitution
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)

    def _add_cuts(self, inp, x, y_all, y_dem):
        h, L, T = self.h, self.n_lev, self.T
        for i in range(L):
            if self.forms[i] != rsp.SATURATING or inp.cap[i] <= 0:
                continue
            for u in range(T):
                coef, rhs = self._cut_coeffs(inp, i, u, self.prof[i, u] * x[i])
                h.addRow(-h.inf, float(rhs), 2, np.array([self.iz[i, u], self.ix[i]], np.int32),
                         np.array([1.0, -coef]))
        for u in range(T):
            slope = float(np.exp(-y_all[u]))
            idx = np.concatenate([[self.iva[u]], self.iz[:, u]]).astype(np.int32)
            h.addRow(-h.inf, float(-np.expm1(-y_all[u]) - slope * y_all[u]), len(idx), idx,
                     np.concatenate([[1.0], -slope * inp.weight]))
            if self.ivd is not None:
                slope = float(np.exp(-y_dem[u]))
                dem = self.iz[self.demand, u]
                idx = np.concatenate([[self.ivd[u]], dem]).astype(np.int32)
                h.addRow(-h.inf, float(-np.expm1(-y_dem[u]) - slope * y_dem[u]), len(idx), idx,
                         np.concatenate([[1.0], -slope * np.ones(len(dem))]))

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
        self._set_draw(inp)
        if ("row", "mexico") in self.rows:
            coeffs = self.sc.horizon * homicide_coefficients(self.sc, values) * self.money
            for i in range(self.n_lev):
                self.h.changeCoeff(self.rows[("row", "mexico")], int(self.ix[i]),
                                   float(coeffs[i]))
        h = self.h
        try:
            for _ in range(max_iterations):
                h.run()
                status = h.modelStatusToString(h.getModelStatus())
                if status != "Optimal":
                    raise SolverError(f"HiGHS returned status '{status}' for a draw",
                                      solver="highs", status=status)
                sol = np.array(h.getSolution().col_value)
                x = np.clip(sol[self.ix] * self.money, self.lower, self.upper) \
                    if self.coupled else cert.project(sol[self.ix] * self.money,
                                                      self.lower, self.upper, self.budget)
                bound = h.getInfo().objective_function_value
                value = cert.objective(x, inp, self.eps)
                gap = cert.gap(x, value, bound, inp, self.eps, self.lower, self.upper,
                               self.budget, self.usable)
                if gap <= cert.tolerance(value, self.eps, x):
                    deaths = float(mdl.yearly_deaths_flat(x, inp).total.sum())
                    return x, deaths, gap
                z = sol[self.iz]
                y_all = (inp.weight[:, None] * z).sum(axis=0)
                y_dem = z[self.demand].sum(axis=0)
                self._add_cuts(inp, x, y_all, y_dem)
            raise SolverError("the certified gap did not close for a draw", solver="highs",
                              status="gap not closed")
        finally:
            extra = h.getNumRow() - self.n_base_rows
            if extra > 0:
                h.deleteRows(extra, np.arange(self.n_base_rows, h.getNumRow(),
                                              dtype=np.int32))
