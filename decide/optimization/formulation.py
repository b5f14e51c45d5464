"""The one definition of the allocation LP: its columns and rows, solver-neutral.

Deaths averted are a concave function of spend (see `models.deaths`), so maximising them
is a convex problem. The LP is its *outer approximation*: every concave piece is
replaced by tangent cuts that lie above it,

    z[i, u]  <= f_i(E0) + f_i'(E0) (E[i, u] - E0)        lever response, per tangent E0
    v_all[u] <= a(y0) + a'(y0) (sum_i c_i z[i, u] - y0)   a(y) = 1 - exp(-y)
    v_dem[u] <= a(y0) + a'(y0) (sum_demand z[i, u] - y0)

so its optimum is an upper bound on deaths averted, while its allocation is feasible for
the true model. Every coefficient comes from `models` (the functions `evaluate` uses).

One builder serves every problem, in the style of PyPSA's ``create_model``:
`create_model` makes the spend columns for P plan years (P = 1: a flat allocation) and
the effect columns for U effect years, and each ``define_*`` adds one family of rows.
Effective spend is linear in the plan, ``E[i, u] = sum_t effect[i, u, t] x[i, t]``
(``effect`` is the flat profile when P = 1, the convolution kernel when the plan varies
by year), so flat, phased, least-cost, Pareto, robust (Kelley) and infeasibility-
explaining problems are the same rows with different options. A `LinearProgram` is
solved through PuLP (CBC or HiGHS; `to_pulp`) or handed to a persistent highspy model
(`to_highs`) for many warm-started re-solves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from models import response as rsp
from models.deaths import ModelInputs, boosted

__all__ = ["LinearProgram", "AllocationLP", "create_model", "define_interactions",
           "define_binaries", "define_budget", "define_yearly_limits", "define_rows",
           "define_objective", "define_response_cut", "define_response_cuts", "define_tangents",
           "define_outcome_cut", "define_outcome_cuts", "define_linear_caps", "saturating",
           "effective_spend_at", "spend_model", "elastic", "PulpView", "HighsView",
           "to_highs", "INF"]

INF = float("inf")


@dataclass
class LinearProgram:
    """Columns and rows of a linear (or mixed-integer) program in plain arrays.

    Rows are ``lo <= sum_k val[k] * col[idx[k]] <= hi`` (``-inf``/``inf`` for one-sided
    rows); the objective is ``sum cost * col``, maximised unless ``maximize`` is False.
    """

    maximize: bool = True
    names: list = field(default_factory=list)
    lb: list = field(default_factory=list)
    ub: list = field(default_factory=list)
    cost: list = field(default_factory=list)
    integer: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # (name, lo, hi, idx, val)

    @property
    def n_cols(self):
        return len(self.names)

    def add_cols(self, names, lb=0.0, ub=INF, cost=0.0, integer=False):
        """Append columns; returns their indices (ndarray of int)."""
        k = len(names)
        start = self.n_cols
        self.names += list(names)
        for target, value in ((self.lb, lb), (self.ub, ub), (self.cost, cost)):
            target += [float(v) for v in np.broadcast_to(np.asarray(value, float), (k,))]
        self.integer += [bool(integer)] * k
        return np.arange(start, start + k)

    def add_row(self, name, lo, hi, idx, val):
        """Append ``lo <= val . cols[idx] <= hi``; returns the row's position."""
        self.rows.append((name, float(lo), float(hi), np.asarray(idx, dtype=np.int32),
                          np.asarray(val, dtype=float)))
        return len(self.rows) - 1

    def le(self, name, idx, val, rhs):
        """Append ``val . cols[idx] <= rhs``."""
        return self.add_row(name, -INF, rhs, idx, val)


@dataclass
class AllocationLP:
    """The allocation LP and the column indices of its variables.

    Attributes
    ----------
    prog : LinearProgram
    inp : ModelInputs
        Model arrays over the U effect years.
    effect : ndarray, shape (L, U, P)
        Effective spend in year u per unit of ``x[i, t]`` ($M per $M).
    money : float
        $M per unit of the spend columns (keeps them O(1) for the solver).
    x : ndarray of int, shape (L, P)
    z : ndarray of int, shape (L, U)
    v_all, v_dem, w, q : ndarray of int, shape (U,), or None
        Outcome epigraphs (all levers; demand levers), complementarity and balloon cap.
    funded : dict
        Lever index -> binary column (MILP).
    """

    prog: LinearProgram
    inp: ModelInputs
    effect: np.ndarray
    money: float
    x: np.ndarray
    z: np.ndarray
    v_all: np.ndarray
    v_dem: np.ndarray | None = None
    w: np.ndarray | None = None
    q: np.ndarray | None = None
    funded: dict = field(default_factory=dict)
    n_cuts: int = 0
    time_limited: bool = False  # set by the solve: a MILP stopped at its time limit
    view: object = None  # the solver-side copy (a PulpView or a highspy model)
    _tag: int = 0

    def name(self, prefix):
        self._tag += 1
        return f"{prefix}_{self._tag}"

    def effective(self, i, u):
        """Lever i's effective spend in year u as (column indices, coefficients), in
        units of ``money`` (with complementarity, the boosted lever gains ``gamma w``)."""
        idx, val = _plain(self, i, u)
        comp = self.inp.complementarity
        if comp is not None and i == comp[0]:
            idx, val = np.append(idx, self.w[u]), np.append(val, float(comp[2]))
        return idx, val


def create_model(inp: ModelInputs, lower, upper, effect, money):
    """Spend and effect columns, no rows yet.

    Parameters
    ----------
    inp : ModelInputs
        Over the U effect years.
    lower, upper : array_like, shape (L,)
        Spend bounds per lever and plan year, $M per year.
    effect : ndarray, shape (L, U, P)
        See `AllocationLP`; P = 1 for a flat allocation.
    money : float
        $M per unit of the spend columns.

    Notes
    -----
    A flat plan's effective spend is never negative, so its responses, outcomes and
    complementarity are too (lower bounds 0); a plan that stops a programme can push
    effective spend below zero (adaptation), so those columns are free below.
    """
    L, U, P = effect.shape
    prog = LinearProgram()
    names = [f"x_{i}" for i in range(L)] if P == 1 else \
        [f"x_{i}_{t}" for i in range(L) for t in range(P)]
    lo = np.repeat(np.asarray(lower, float) / money, P)
    hi = np.repeat(np.asarray(upper, float) / money, P)
    x = prog.add_cols(names, lo, hi).reshape(L, P)
    floor = 0.0 if P == 1 else -INF
    # a flat plan leaves a saturating curve's cap to its tangent cuts (a bound changes
    # the solver's path and so the certified bounds reported since v0.1); plans that
    # vary by year state it as a bound
    cap = np.where((inp.form == rsp.SATURATING) & (inp.cap > 0) & (P == 1), INF,
                   np.maximum(inp.cap, 0.0))
    z = prog.add_cols([f"z_{i}_{u}" for i in range(L) for u in range(U)], floor,
                      np.repeat(cap, U)).reshape(L, U)
    v_all = prog.add_cols([f"va_{u}" for u in range(U)], floor, 1.0)
    v_dem = prog.add_cols([f"vd_{u}" for u in range(U)], floor, 1.0) \
        if inp.demand.any() else None
    return AllocationLP(prog, inp, np.asarray(effect, float), float(money), x, z, v_all,
                        v_dem)


def define_interactions(lp: AllocationLP):
    """Complementarity ``w_u <= E_by(u), w_u <= E_boosted(u)`` (the boosted lever's
    effective spend gains ``gamma w_u``) and the balloon cap ``q_u <= c_a z_a + c_b z_b,
    q_u <= cap`` (``q_u`` replaces the two levers in the year's log reduction)."""
    inp, prog = lp.inp, lp.prog
    U = lp.z.shape[1]
    floor = 0.0 if lp.effect.shape[2] == 1 else -INF
    if inp.complementarity is not None:
        b, by, _ = inp.complementarity
        lp.w = prog.add_cols([f"w_{u}" for u in range(U)], floor, INF)
        for u in range(U):
            for tag, i in (("wby", by), ("wb", b)):
                idx, val = _plain(lp, i, u)
                prog.le(f"{tag}_{u}", np.append(lp.w[u], idx), np.append(1.0, -val), 0.0)
    if inp.balloon is not None:
        a, b2, cap = inp.balloon
        lp.q = prog.add_cols([f"q_{u}" for u in range(U)], -INF, float(cap))
        w = inp.weight
        for u in range(U):
            prog.le(f"q_{u}", [lp.q[u], lp.z[a, u], lp.z[b2, u]],
                    [1.0, -float(w[a]), -float(w[b2])], 0.0)


def _plain(lp, i, u):
    # lever i's effective spend in year u without the complementarity term
    coef = lp.effect[i, u]
    if len(coef) == 1:  # a flat plan
        return (lp.x[i], coef) if coef[0] != 0.0 else (lp.x[i, :0], coef[:0])
    nz = np.flatnonzero(coef)
    return lp.x[i, nz], coef[nz]


def define_binaries(lp: AllocationLP, lower, upper, min_size, startup):
    """``y_i`` in {0, 1}: ``min_size_i y_i <= x_i <= upper_i y_i`` for levers with a
    minimum size or a start-up cost (flat plans)."""
    m = np.asarray(min_size, dtype=float)
    c = np.asarray(startup, dtype=float)
    for i in np.flatnonzero((m > 0) | (c > 0)):
        y = int(lp.prog.add_cols([f"y_{i}"], 0.0, 1.0, integer=True)[0])
        xi = int(lp.x[i, 0])
        lp.prog.le(f"on_{i}", [xi, y], [1.0, -float(upper[i]) / lp.money], 0.0)
        lp.prog.add_row(f"min_{i}", 0.0, INF, [xi, y],
                        [1.0, -float(max(m[i], lower[i])) / lp.money])
        lp.funded[int(i)] = y


def define_budget(lp: AllocationLP, budget, startup=None):
    """Total flat spend (plus amortised start-up costs of funded levers) at most the
    budget ($M per year)."""
    idx, val = list(lp.x[:, 0]), [1.0] * lp.x.shape[0]
    if startup is not None:
        for i, y in lp.funded.items():
            idx.append(y)
            val.append(float(startup[i]) / lp.money)
    lp.prog.le("budget", idx, val, float(budget) / lp.money)


def define_yearly_limits(lp: AllocationLP, yearly, envelope, year_min, year_max):
    """Each plan year's total within the yearly budget (or ``year_min``..``year_max``),
    and the whole plan within the envelope ($M)."""
    L, P = lp.x.shape
    for t in range(P):
        if yearly is not None:
            lp.prog.le(f"budget_{t}", lp.x[:, t], np.ones(L), yearly / lp.money)
        else:
            if year_min > 0:
                lp.prog.add_row(f"ymin_{t}", year_min / lp.money, INF, lp.x[:, t], np.ones(L))
            lp.prog.le(f"budget_{t}", lp.x[:, t], np.ones(L), year_max / lp.money)
    if envelope is not None:
        lp.prog.le("envelope", lp.x.ravel(), np.ones(L * P), envelope / lp.money)


def define_rows(lp: AllocationLP, rows, horizon=None):
    """Extra linear rows on spend in $M per year (custom constraints, the Mexico cap):
    each holds in every plan year, except the Mexico cap, which holds over the horizon
    (``horizon`` years of a plan that varies by year)."""
    L, P = lp.x.shape
    for name, coeffs, sense, rhs in rows:
        lo, hi = {"<=": (-INF, rhs), ">=": (rhs, INF), "==": (rhs, rhs)}[sense]
        coeffs = np.asarray(coeffs, dtype=float)
        if P == 1:
            nz = np.flatnonzero(coeffs)
            lp.prog.add_row(name, lo, hi, lp.x[nz, 0], coeffs[nz] * lp.money)
        elif name == "mexico":
            val = np.repeat(coeffs / horizon * lp.money, P)
            lp.prog.add_row(name, lo, hi, lp.x.ravel(), val)
        else:
            nz = np.flatnonzero(coeffs)
            for t in range(P):
                lp.prog.add_row(f"{name}_{t}", lo, hi, lp.x[nz, t], coeffs[nz] * lp.money)


def define_linear_caps(lp: AllocationLP):
    """``linear_cap`` curves are piecewise linear already: ``z <= slope0 E`` is exact
    (the cap is the column's upper bound)."""
    inp = lp.inp
    for i in np.flatnonzero(inp.form == rsp.LINEAR_CAP):
        if inp.cap[i] <= 0:
            continue
        for u in range(lp.z.shape[1]):
            idx, val = lp.effective(i, u)
            lp.prog.le(f"lin_{i}_{u}", np.append(lp.z[i, u], idx),
                       np.append(1.0, -float(inp.slope0[i] * lp.money) * val), 0.0)


def define_objective(lp: AllocationLP, eps):
    """Maximise the (discounted) outcome averted over the U years (deaths, or what
    ``inp.outcome`` counts: the weights ``(1 - phi, phi)`` become ``(v_s - phi v_sub,
    phi v_sub)``), less ``eps`` per $M and, for a net benefit, the discounted spend:
    a flat plan's spend costs ``sum_u w_u`` per $M a year, plan year t's ``w_t``."""
    inp, cost = lp.inp, lp.prog.cost
    scale = inp.baseline * inp.discount
    w_all, w_dem = inp.outcome_weights
    for u, col in enumerate(lp.v_all):
        cost[col] = float(scale[u] * w_all)
    if lp.v_dem is not None:
        for u, col in enumerate(lp.v_dem):
            cost[col] = float(scale[u] * w_dem)
    L, P = lp.x.shape
    per_musd = inp.outcome.per_musd
    spend = np.zeros(P) if not per_musd else \
        per_musd * (inp.discount[:P] if P > 1 else np.array([inp.discount.sum()]))
    for t in range(P):
        for col in lp.x[:, t]:
            cost[col] = -float((eps + spend[t]) * lp.money)


def spend_model(lower, upper, budget, rows=(), money=1.0):
    """Only the spend columns, the budget and the linear rows: the feasible set of a
    flat allocation (for linear objectives, infeasibility explanations and Kelley's
    cutting planes, which add their own columns)."""
    prog = LinearProgram()
    L = len(lower)
    x = prog.add_cols([f"x_{i}" for i in range(L)], np.asarray(lower, float) / money,
                      np.asarray(upper, float) / money)
    empty = np.zeros((L, 0), dtype=int)
    lp = AllocationLP(prog, None, np.zeros((L, 0, 1)), float(money), x[:, None], empty,
                      empty[0])
    define_budget(lp, budget)
    define_rows(lp, rows)
    return lp


def elastic(prog: LinearProgram):
    """Phase 1: relax every row by non-negative slack columns (one per side it can be
    violated on), minimise their sum. Returns [(slack column, row name)]."""
    prog.maximize = False
    prog.cost = [0.0] * prog.n_cols
    out = []
    for k, (name, lo, hi, idx, val) in enumerate(prog.rows):
        sides = [d for d, bound in ((-1.0, hi), (1.0, lo)) if abs(bound) < INF]
        cols = prog.add_cols([f"slack_{k}_{j}" for j in range(len(sides))], 0.0, INF, 1.0)
        prog.rows[k] = (name, lo, hi, np.append(idx, cols).astype(np.int32),
                        np.append(val, sides))
        out += [(int(c), name) for c in cols]
    return out


def effective_spend_at(lp: AllocationLP, spend):
    """Effective spend (L, U) of flat spend ``spend`` (L,) or a plan (P, L), $M per year,
    with complementarity applied (where the response cuts of that spend touch)."""
    spend = np.asarray(spend, dtype=float)
    plan = spend[None, :] if spend.ndim == 1 else spend
    eff = np.einsum("lut,tl->lu", lp.effect, plan)
    return boosted(eff, lp.inp)


def define_response_cut(lp: AllocationLP, i, u, e0):
    """One tangent cut on lever i's saturating response in year u at effective spend
    ``e0`` ($M per year): ``z[i, u] <= f(e0) + f'(e0) (E[i, u] - e0)``."""
    define_tangents(lp, [i], [u], [e0])


def define_tangents(lp: AllocationLP, levers, years, points):
    """Tangent cuts (`define_response_cut`) for each (lever, year, effective spend),
    the curve evaluated for all of them at once."""
    inp = lp.inp
    i = np.asarray(levers, dtype=int)
    e0 = np.asarray(points, dtype=float)
    val = rsp.response(e0, rsp.SATURATING, inp.cap[i], inp.slope0[i])
    slope = rsp.response_slope(e0, rsp.SATURATING, inp.cap[i], inp.slope0[i])
    rhs = val - slope * e0
    rows = lp.prog.rows  # appended directly: this is the optimiser's hottest loop
    for k, u in enumerate(years):
        idx, coef = lp.effective(i[k], u)
        rows.append((lp.name("rc"), -INF, float(rhs[k]),
                     np.concatenate(([lp.z[i[k], u]], idx)).astype(np.int32),
                     np.concatenate(([1.0], -(slope[k] * lp.money) * coef))))
    lp.n_cuts += len(i)


def saturating(inp):
    """Levers whose response is a smooth saturating curve (the ones that need cuts)."""
    return np.flatnonzero((inp.form == rsp.SATURATING) & (inp.cap > 0))


def define_response_cuts(lp: AllocationLP, eff):
    """Tangent cuts on the saturating responses at effective spends ``eff`` (L, U), $M
    per year (one row per lever and year)."""
    levers = saturating(lp.inp)
    U = lp.z.shape[1]
    define_tangents(lp, np.repeat(levers, U), np.tile(np.arange(U), len(levers)),
                    np.asarray(eff, dtype=float)[levers].ravel())


def define_outcome_cuts(lp: AllocationLP, y_all, y_dem=None):
    """Tangent cuts on ``a(y) = 1 - exp(-y)`` for each year: all the all-lever cuts,
    then the demand-only ones.

    Parameters
    ----------
    y_all : array_like, shape (U, K)
        Points (log units) at which to cut the all-lever term of each year.
    y_dem : array_like, shape (U, K), optional
        Points for the demand-only term (needed when there are demand levers).
    """
    y_all = np.atleast_2d(np.asarray(y_all, dtype=float))
    for u in range(lp.z.shape[1]):
        for y0 in np.unique(y_all[u]):
            define_outcome_cut(lp, u, float(y0), None)
    if lp.v_dem is not None and y_dem is not None:
        y_dem = np.atleast_2d(np.asarray(y_dem, dtype=float))
        for u in range(lp.z.shape[1]):
            for y0 in np.unique(y_dem[u]):
                define_outcome_cut(lp, u, None, float(y0))


def define_outcome_cut(lp: AllocationLP, u, y0_all, y0_dem):
    """Year u's tangent cuts at ``y0_all`` (all levers) and ``y0_dem`` (demand levers),
    log units; None skips one."""
    inp = lp.inp
    w = inp.weight
    if y0_all is not None:
        skip = set() if inp.balloon is None else {inp.balloon[0], inp.balloon[1]}
        keep = [i for i in range(len(w)) if i not in skip]
        idx = list(lp.z[keep, u]) + ([lp.q[u]] if lp.q is not None else [])
        coef = np.array([float(w[i]) for i in keep] + ([1.0] if lp.q is not None else []))
        _outcome_cut(lp, "oa", lp.v_all[u], idx, coef, y0_all)
    if y0_dem is not None and lp.v_dem is not None:
        dem = np.flatnonzero(inp.demand)
        _outcome_cut(lp, "od", lp.v_dem[u], lp.z[dem, u], np.ones(len(dem)), y0_dem)


def _outcome_cut(lp, tag, v, idx, coef, y0):
    # v <= a(y0) + a'(y0) (y - y0) with a(y) = 1 - exp(-y)
    slope = float(np.exp(-y0))
    lp.prog.le(lp.name(tag), np.append(v, idx), np.append(1.0, -slope * coef),
               float(-np.expm1(-y0) - slope * y0))
    lp.n_cuts += 1


# -- backends ---------------------------------------------------------------------------
class PulpView:
    """A PuLP problem kept in step with a `LinearProgram`: rows appended to the program
    since the last `sync` are added to the problem (columns are created once, with the
    program's names, bounds and objective)."""

    def __init__(self, prog: LinearProgram, name="allocation"):
        self.prog = prog
        sense = pulp.LpMaximize if prog.maximize else pulp.LpMinimize
        self.problem = pulp.LpProblem(name, sense)
        self.vars = [pulp.LpVariable(n, None if lb == -INF else lb, None if ub == INF else ub,
                                     cat=pulp.LpBinary if integer else pulp.LpContinuous)
                     for n, lb, ub, integer in zip(prog.names, prog.lb, prog.ub,
                                                   prog.integer)]
        self._synced = 0

    def sync(self):
        """Add the program's new rows and (re)set the objective; returns the problem."""
        prog, v = self.prog, self.vars
        for name, lo, hi, idx, val in prog.rows[self._synced:]:
            expr = pulp.LpAffineExpression([(v[k], float(a)) for k, a in zip(idx, val)])
            if lo == hi:
                self.problem += expr == hi, name
            elif lo == -INF:
                self.problem += expr <= hi, name
            else:
                self.problem += expr >= lo, name
        self._synced = len(prog.rows)
        self.problem.setObjective(pulp.LpAffineExpression(
            [(v[k], c) for k, c in enumerate(prog.cost) if c != 0.0]))
        return self.problem

    def values(self, cols):
        """Solution values of columns ``cols`` (0 where the solver gave none)."""
        cols = np.asarray(cols)
        return np.array([self.vars[k].varValue or 0.0 for k in cols.ravel()]).reshape(
            cols.shape)


class HighsView:
    """A highspy model kept in step with a `LinearProgram` (rows appended since the
    last `sync` are added), reusable across programs of one shape: `load` passes a new
    program and restarts from the previous program's first optimal basis when the
    shapes match (a warm start)."""

    def __init__(self):
        from .solvers import new_highs

        self.h = new_highs()
        self.prog, self._synced, self._basis, self._fresh = None, 0, None, False

    def load(self, prog: LinearProgram):
        to_highs(prog, self.h)
        if self._basis is not None and len(self._basis.col_status) == prog.n_cols \
                and len(self._basis.row_status) == len(prog.rows):
            self.h.setBasis(self._basis)
        self.prog, self._synced, self._fresh = prog, len(prog.rows), True

    def sync(self):
        """Add the program's new rows to the model."""
        for _, lo, hi, idx, val in self.prog.rows[self._synced:]:
            self.h.addRow(max(lo, -self.h.inf), min(hi, self.h.inf), len(idx), idx, val)
        self._synced = len(self.prog.rows)

    def run(self):
        """Solve; returns (status text, column values, objective)."""
        self.sync()
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        if status == "Optimal" and self._fresh:
            self._basis, self._fresh = self.h.getBasis(), False
        return (status, np.array(self.h.getSolution().col_value),
                self.h.getInfo().objective_function_value)


def to_highs(prog: LinearProgram, h=None):
    """Pass ``prog`` to a highspy model (a new silent one unless ``h`` is given; a
    model passed in keeps its options, and its basis can be set again for a warm start).
    """
    import highspy

    from .solvers import new_highs

    h = new_highs() if h is None else h
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n = prog.n_cols
    lp.num_col_, lp.num_row_ = n, len(prog.rows)
    lp.col_cost_ = np.asarray(prog.cost, dtype=float)
    lp.col_lower_ = np.maximum(np.asarray(prog.lb, dtype=float), -inf)
    lp.col_upper_ = np.minimum(np.asarray(prog.ub, dtype=float), inf)
    lp.row_lower_ = np.array([max(r[1], -inf) for r in prog.rows], dtype=float)
    lp.row_upper_ = np.array([min(r[2], inf) for r in prog.rows], dtype=float)
    lp.sense_ = highspy.ObjSense.kMaximize if prog.maximize else highspy.ObjSense.kMinimize
    starts = np.cumsum([0] + [len(r[3]) for r in prog.rows])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate([r[3] for r in prog.rows] or [[]]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([r[4] for r in prog.rows] or [[]]).astype(float)
    if any(prog.integer):
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else
                           highspy.HighsVarType.kContinuous for i in prog.integer]
    h.passModel(lp)
    return h
