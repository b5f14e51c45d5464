"""A vectorised exact solver for many draws of the flat-allocation problem.

Scope: flat allocations with a budget and per-lever floors, ceilings and locks, every
lever with a ``saturating`` response (smooth and strictly concave). For N draws at once it
maximises (discounted) deaths averted ``F(x)`` by a primal barrier method (damped Newton
steps on ``F + mu * sum log(slacks)`` with ``mu`` driven to 1e-13 of the problem's scale),
then identifies the active bounds and polishes with Newton steps on the KKT system of
the free levers. Every draw is certified: concavity gives
``max F <= F(x) + max_{x' feasible} grad F(x) . (x' - x)``, computed in closed form; a
draw whose certificate exceeds 1e-10 of its deaths is re-solved by the LP (`optimize`).
All model values come from `models` (the functions `evaluate` uses).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from models import deaths as mdl
from models import response as rsp
from models import timing

from .bounds import spend_bounds
from .certificate import greedy_fill

__all__ = ["Batch", "MeanBatch", "batch_inputs", "in_scope", "solve_batch", "batch_deaths",
           "certificate", "averted_and_gradient"]

_MU_END = 1e-13
#: (mu start, Newton decrement below which mu shrinks 10x, below which it shrinks
#: 1000x): an aggressive schedule first, a cautious one for draws it leaves uncertified.
#: Tuned on 10,000 baseline draws (bench/bench_fast.py): 0.65 s against 1.4-1.7 s for
#: the other schedules tried.
_SCHEDULES = ((1e-3, 1e-1, 1e-3), (1e-1, 1e-2, 1e-5))
_CERT_REL = 1e-10


@dataclass
class Batch:
    """Model data for N draws of one scenario's structure (L levers, T years)."""

    profile: np.ndarray  # (N, L, T) flat-plan yearly weights
    weight: np.ndarray  # (N, L) channel weights c_i
    cap: np.ndarray  # (N, L) log caps
    slope0: np.ndarray  # (N, L) initial slopes, log units per $M
    baseline: np.ndarray  # (N, T) baseline deaths per year
    scale: np.ndarray  # (N, T) baseline times discount weight (the objective's weights)
    phi: np.ndarray  # (N,) substitution share
    demand: np.ndarray  # (L,) demand levers
    lower: np.ndarray  # (N, L) $M per year
    upper: np.ndarray  # (N, L)
    budget: np.ndarray  # (N,)
    form: np.ndarray | None = None  # (L,) response forms (saturating when None)

    def __len__(self):
        return self.weight.shape[0]

    def statics(self):
        """Per-draw constants of the saturating curves (cached): with
        ``ex = exp(-rate_t * x)``, ``c z = wcap (1 - ex)``, ``c dz/dx = wslope ex`` and
        ``c d2z/dx2 = -wcurv ex`` (`models.response.response` and ``response_slope``
        for the saturating form, differentiated through ``E = M x``; tests check the
        batch against `evaluate`)."""
        if not hasattr(self, "_statics"):
            rate = rsp.saturating_rate(self.cap, self.slope0)[:, :, None]
            c = self.weight[:, :, None]
            s0 = self.slope0[:, :, None]
            self._statics = (rate * self.profile, c * self.cap[:, :, None] + 0 * self.profile,
                             c * s0 * self.profile, c * s0 * rate * self.profile ** 2)
        return self._statics

    def take(self, idx):
        """The sub-batch of draws ``idx``."""
        sub = Batch(**{k: (v if k in ("demand", "form") else v[idx])
                       for k, v in vars(self).items() if not k.startswith("_")})
        if hasattr(self, "_statics"):
            sub._statics = tuple(a[idx] for a in self._statics)
        return sub


class MeanBatch:
    """The expected-value problem over a batch of draws, posed as a one-row batch: one
    allocation whose objective is the mean of the draws' objectives (robust "expected"
    allocations and value of information). `solve_batch` solves and certifies it like
    any row: the mean of concave functions is concave."""

    def __init__(self, draws: Batch):
        self.draws = draws
        self.lower, self.upper = draws.lower[:1], draws.upper[:1]
        self.budget = draws.budget[:1]
        # "potent" checks in solve_batch: a lever counts if it acts in any draw
        self.cap = draws.cap.max(axis=0)[None]
        self.weight = draws.weight.max(axis=0)[None]
        self.profile = draws.profile.max(axis=0)[None]

    def __len__(self):
        return 1

    def take(self, idx):
        return self


def in_scope(sc):
    """True when the fast engine solves ``sc`` exactly: every lever saturating, and only
    budget, floors, ceilings and locks (no custom constraints, Mexico cap or minimum
    programme sizes)."""
    return (all(lv.form == "saturating" and not lv.min_size and not lv.startup_cost
                for lv in sc.levers)
            and not sc.constraints and sc.max_mexico_homicides is None
            and not sc.interactions)


def batch_inputs(sc, values, n):
    """Build a `Batch` from per-draw parameter values.

    Parameters
    ----------
    sc : Scenario
    values : Mapping[str, ndarray]
        Arrays of length ``n`` keyed by parameter name (as in ``sc.parameters()``);
        missing parameters take their base value. ``"budget"`` may be given too.
    n : int
    """
    def get(name, default):
        v = values.get(name)
        return np.full(n, float(default)) if v is None else np.asarray(v, dtype=float)

    market = {k: get(f"market.{k}", p.base) for k, p in sc.market.items()}

    def lever_col(key, default):
        return np.stack([get(f"levers.{lv.name}.{key}",
                             lv.params[key].base if key in lv.params else default)
                         for lv in sc.levers], axis=1)

    demand = np.array([lv.is_demand for lv in sc.levers])
    alpha = lever_col("alpha", 1.0)
    weight = np.where(demand[None, :], 1.0, mdl.channel_weight(
        alpha, market["supply_elasticity"][:, None], market["price_elasticity"][:, None],
        market["pass_through"][:, None]))
    profile = timing.year_profile(sc.horizon, lever_col("onset", 0.0),
                                  lever_col("adaptation_time", 1.0),
                                  lever_col("retained", 0.0), market["market_lag"])
    baseline = mdl.baseline_by_year(market["baseline_deaths"][:, None],
                                    market["baseline_trend"][:, None], sc.horizon)
    lower, upper = spend_bounds(sc)
    budget = get("budget", sc.budget)
    no_ceiling = np.array([lv.ceiling is None and lv.lock is None for lv in sc.levers])
    upper = np.where(no_ceiling[None, :], budget[:, None], upper[None, :])
    return Batch(
        profile=profile, weight=weight, cap=rsp.log_cap(lever_col("max_effect", 0.0)),
        slope0=rsp.initial_slope(lever_col("cost_per_pct", 1.0)), baseline=baseline,
        scale=baseline * mdl.discount_weights(sc.horizon, sc.discount_rate)[None, :],
        phi=market["substitution"], demand=demand,
        lower=np.broadcast_to(lower, (n, len(lower))).copy(), upper=upper, budget=budget,
        form=np.array([rsp.FORMS[lv.form] for lv in sc.levers]))


def _objective(b: Batch, x, order=0):
    """Weighted deaths averted F (N,), and its gradient (N, L) and Hessian (N, L, L)."""
    if isinstance(b, MeanBatch):
        n = len(b.draws)
        f, g, h = _objective(b.draws, np.repeat(x, n, axis=0), order)
        if order == 0:
            return f.mean(keepdims=True), None, None
        return f.mean(keepdims=True), g.mean(axis=0)[None], h.mean(axis=0)[None]
    rate_t, wcap, wslope, wcurv = b.statics()
    ex = np.exp(-rate_t * x[:, :, None])
    z_all = (wcap * (1.0 - ex)).sum(axis=1)
    phi = b.phi[:, None]
    has_demand = b.demand.any()
    f = (b.scale * (1 - phi) * -np.expm1(-z_all)).sum(axis=1)
    if has_demand:
        z_dem = (wcap[:, b.demand] * (1.0 - ex[:, b.demand])).sum(axis=1)
        f += (b.scale * phi * -np.expm1(-z_dem)).sum(axis=1)
    if order == 0:
        return f, None, None
    e_all = (b.scale * (1 - phi) * np.exp(-z_all))[:, :, None]  # dF/dZall_u, (N, T, 1)
    jac = wslope * ex  # dZ_u/dx_i, (N, L, T)
    grad = (jac @ e_all)[:, :, 0]
    hess = -(jac @ (e_all * jac.transpose(0, 2, 1)))
    diag = -((wcurv * ex) @ e_all)[:, :, 0]
    if has_demand:
        e_dem = (b.scale * phi * np.exp(-z_dem))[:, :, None]
        jd = jac * b.demand[None, :, None]
        grad += (jd @ e_dem)[:, :, 0]
        hess -= jd @ (e_dem * jd.transpose(0, 2, 1))
        diag -= ((wcurv * ex * b.demand[None, :, None]) @ e_dem)[:, :, 0]
    idx = np.arange(x.shape[1])
    hess[:, idx, idx] += diag
    return f, grad, hess


def certificate(b: Batch, x):
    """Closed-form upper bound minus value: ``max g.(x' - x)`` over feasible ``x'``."""
    _, g, _ = _objective(b, x, order=1)
    room = b.budget - b.lower.sum(axis=1)
    best = b.lower + greedy_fill(g, b.upper - b.lower, room)
    return np.maximum(np.einsum("nl,nl->n", g, best - x), 0.0)


def _barrier(b: Batch, x0, free, active, X, fs, schedule):
    """Damped Newton on the barrier problem, in units y = (x - lower) / X.

    Maximises ``F(x) / fs + mu * (sum log y + sum log(w - y) + log(room - sum y))`` over
    the free levers, dividing ``mu`` by 10 whenever a Newton step is nearly full (the
    iterate is close to the central path), until ``mu`` is below 1e-13.
    """
    n_lev = x0.shape[1]
    eye = np.eye(n_lev)
    idx = np.arange(x0.shape[0])  # rows of the original batch still iterating
    out = x0.copy()
    cur, fr, act = b, free, active
    w = np.where(fr, (b.upper - b.lower) / X[:, None], 1.0)
    room = (b.budget - b.lower.sum(axis=1)) / X
    y = (x0 - b.lower) / X[:, None]
    xs, fsc = X.copy(), fs.copy()
    mu_start, shrink, fast = schedule
    mu = np.full(len(idx), mu_start)
    recorded = np.zeros(len(idx), bool)

    def logs(yy, rows=slice(None)):
        f_, w_, a_ = fr[rows], w[rows], act[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            lb = np.where(f_, np.log(np.where(f_, yy, 1.0)) + np.log(np.where(f_, w_ - yy, 1.0)),
                          0.0).sum(axis=1)
            slack = room[rows] - yy.sum(axis=1)
            lb = lb + np.where(a_, np.log(np.where(a_, slack, 1.0)), 0.0)
        return np.where(np.isnan(lb), -np.inf, lb)

    f_cur = _objective(cur, cur.lower + y * xs[:, None])[0] / fsc
    for _ in range(300):
        x = cur.lower + y * xs[:, None]
        _, g, h = _objective(cur, x, order=1)
        sc = xs / fsc
        g = g * sc[:, None]
        h = h * (sc * xs)[:, None, None]
        m = mu[:, None]
        ys = np.where(fr, y, 1.0)
        us = np.where(fr, w - y, 1.0)
        slack = np.where(act, room - y.sum(axis=1), 1.0)
        grad = np.where(fr, g + m / ys - m / us - (m * act[:, None]) / slack[:, None], 0.0)
        # Newton direction. The budget barrier adds c 11' with c = mu / slack^2, which
        # grows huge as the budget binds: apply it by Sherman-Morrison, not in the matrix.
        hess = h - (m / ys ** 2 + m / us ** 2)[:, :, None] * eye
        hess = np.where(fr[:, :, None] & fr[:, None, :], hess, -eye[None])
        ones = fr.astype(float)
        sol = np.linalg.solve(1e-12 * eye - hess, np.stack([grad, ones], axis=2))
        a_g, a_1 = sol[:, :, 0], sol[:, :, 1]
        c = mu * act / slack ** 2
        d = a_g - (c * (ones * a_g).sum(axis=1) / (1 + c * (ones * a_1).sum(axis=1)))[:, None] \
            * a_1
        d = np.where(fr, d, 0.0)
        dec = np.einsum("nl,nl->n", grad, d)  # Newton decrement squared
        with np.errstate(divide="ignore", invalid="ignore"):
            t_lo = np.where(d < 0, -y / d, np.inf).min(axis=1)
            t_hi = np.where(d > 0, (w - y) / d, np.inf).min(axis=1)
            sd = d.sum(axis=1)
            t_b = np.where(act & (sd > 0), slack / sd, np.inf)
        t = np.minimum(1.0, 0.99 * np.minimum(np.minimum(t_lo, t_hi), t_b))
        base = f_cur + mu * logs(y)
        # backtracking (Armijo); after the first trial only rejected rows are re-evaluated
        rows = np.arange(len(y))
        sub = cur
        for _ in range(40):
            trial = y[rows] + t[rows, None] * d[rows]
            f_trial = _objective(sub, sub.lower + trial * xs[rows, None])[0] / fsc[rows]
            ok = f_trial + mu[rows] * logs(trial, rows) >= (
                base[rows] + 1e-4 * t[rows] * dec[rows] - 1e-14 * np.abs(base[rows]))
            y[rows[ok]] = trial[ok]
            f_cur[rows[ok]] = f_trial[ok]
            if ok.all():
                break
            rows = rows[~ok]
            t[rows] /= 2
            sub = cur.take(rows)
        # shrink mu faster the closer the iterate is to the central path
        mu = np.where(dec < shrink, np.maximum(mu * np.where(dec < fast, 0.001, 0.1),
                                             0.5 * _MU_END), mu)
        # a finished row's answer is recorded once, so it never depends on which other
        # rows share its batch (results are identical however draws are chunked)
        done = (mu < _MU_END) & (dec < 1e-12)
        fresh = done & ~recorded
        out[idx[fresh]] = cur.lower[fresh] + y[fresh] * xs[fresh, None]
        recorded |= fresh
        if recorded.all():
            return out
        if recorded.sum() >= 0.25 * len(recorded):  # drop them when it repays the copy
            keep = ~recorded
            idx, cur = idx[keep], cur.take(np.flatnonzero(keep))
            fr, act, w, room, y = fr[keep], act[keep], w[keep], room[keep], y[keep]
            xs, fsc, mu, f_cur = xs[keep], fsc[keep], mu[keep], f_cur[keep]
            recorded = recorded[keep]
    out[idx[~recorded]] = cur.lower[~recorded] + y[~recorded] * xs[~recorded, None]
    return out


def _polish(b: Batch, x, free, active, X, fs, steps=6):
    """Identify active bounds, then Newton on the KKT system of the free levers."""
    n, n_lev = x.shape
    tol = 1e-6 * X[:, None]
    at_lo = free & (x - b.lower < tol)
    at_hi = free & (b.upper - x < tol)
    x = np.where(at_lo, b.lower, np.where(at_hi, b.upper, x))
    movable = free & ~at_lo & ~at_hi
    room = b.budget - x.sum(axis=1)
    bud = active & (room < 1e-6 * X)
    eye = np.eye(n_lev + 1)
    for _ in range(steps):
        _, g, h = _objective(b, x, order=1)
        k = np.zeros((n, n_lev + 1, n_lev + 1))
        k[:, :n_lev, :n_lev] = h
        k[:, :n_lev, n_lev] = 1.0
        k[:, n_lev, :n_lev] = 1.0
        keep = np.concatenate([movable, bud[:, None]], axis=1)
        mask = keep[:, :, None] & keep[:, None, :]
        k = np.where(mask, k, eye[None])
        rhs = np.concatenate([-g, (b.budget - x.sum(axis=1))[:, None]], axis=1)
        rhs = np.where(keep, rhs, 0.0)
        # Lagrangian stationarity: H d + nu 1 = -g  (nu = -lambda) and sum d = room
        try:
            step = np.linalg.solve(k, rhs[:, :, None])[:, :n_lev, 0]
        except np.linalg.LinAlgError:
            break
        step = np.where(movable, step, 0.0)
        x = np.clip(x + step, b.lower, b.upper)
    over = x.sum(axis=1) - b.budget
    if (over > 0).any():
        spare = np.where(movable, x - b.lower, 0.0)
        tot = spare.sum(axis=1)
        frac = np.divide(over, tot, out=np.zeros_like(over), where=tot > 0)
        x = np.where((over > 0)[:, None], x - spare * np.clip(frac, 0, 1)[:, None], x)
    return x


def solve_batch(b: Batch, threads=None):
    """Optimal flat spend for every draw.

    Returns
    -------
    x : ndarray, shape (N, L)
        $M per year.
    certified : ndarray of bool, shape (N,)
        True where the closed-form certificate is within 1e-10 of the draw's deaths
        (the others must be re-solved by the LP).

    Large batches are split across ``threads`` threads (default: the CPU count, at most
    4; numpy releases the GIL in the array work); each draw's answer is the same
    whatever the split.
    """
    n_threads = min(os.cpu_count() or 1, 4) if threads is None else threads
    if n_threads > 1 and len(b) >= 2000:
        parts = np.array_split(np.arange(len(b)), n_threads)
        with ThreadPoolExecutor(n_threads) as pool:
            done = list(pool.map(lambda p: solve_batch(b.take(p), threads=1), parts))
        return np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])
    n, n_lev = b.lower.shape
    x = b.lower.copy()
    potent = (b.cap > 0) & (b.weight > 0) & (b.profile.max(axis=2) > 0)
    free = (b.upper - b.lower > 1e-12 * np.maximum(b.budget, 1.0)[:, None]) & potent
    room = b.budget - b.lower.sum(axis=1)
    width = np.where(free, b.upper - b.lower, 0.0)
    work = (room > 1e-12 * np.maximum(b.budget, 1.0)) & free.any(axis=1)
    if work.any():
        idx = np.flatnonzero(work)
        sub = b.take(idx)
        fr = free[idx]
        wd, rm = width[idx], room[idx]
        active = rm < wd.sum(axis=1) * (1 - 1e-12)
        X = np.maximum(np.minimum(rm, wd.sum(axis=1)), 1e-9)
        _, g0, _ = _objective(sub, sub.lower, order=1)
        fs = np.einsum("nl,nl->n", np.where(fr, g0, 0.0), greedy_fill(
            np.where(fr, g0, 0.0), wd, rm))
        useful = fs > 0
        t = np.where(active, 0.5 * rm / np.maximum(wd.sum(axis=1), 1e-300), 0.5)
        x0 = sub.lower + wd * np.minimum(t, 0.5)[:, None]
        xs = sub.lower.copy()
        todo = np.flatnonzero(useful)
        for schedule in _SCHEDULES:
            if todo.size == 0:
                break
            s2 = sub.take(todo)
            xb = _barrier(s2, x0[todo], fr[todo], active[todo], X[todo], fs[todo], schedule)
            xs[todo] = _polish(s2, xb, fr[todo], active[todo], X[todo], fs[todo])
            todo = todo[~_certified(s2, xs[todo])]
        x[idx] = xs
    return x, _certified(b, x)


def _certified(b: Batch, x):
    return certificate(b, x) <= _CERT_REL * np.maximum(batch_deaths(b, x), 1.0)


def _forms(b):
    return (np.full(b.weight.shape[1], rsp.SATURATING) if b.form is None else b.form)


def averted_and_gradient(b: Batch, x):
    """Weighted deaths averted per draw and its (right) gradient, for any response form.

    Parameters
    ----------
    b : Batch
    x : ndarray, shape (N, L)

    Returns
    -------
    f : ndarray, shape (N,)
        The objective (discounted deaths averted when the scenario discounts).
    g : ndarray, shape (N, L)
        A supergradient (right derivatives at ``linear_cap`` kinks), per $M per year.
    """
    form = _forms(b)[None, :, None]
    eff = b.profile * x[:, :, None]
    args = (form, b.cap[:, :, None], b.slope0[:, :, None])
    wz = b.weight[:, :, None] * rsp.response(eff, *args)
    jac = b.weight[:, :, None] * rsp.response_slope(eff, *args) * b.profile
    z_all = wz.sum(axis=1)
    z_dem = wz[:, b.demand].sum(axis=1)
    phi = b.phi[:, None]
    f = (b.scale * ((1 - phi) * -np.expm1(-z_all) + phi * -np.expm1(-z_dem))).sum(axis=1)
    e_all = b.scale * (1 - phi) * np.exp(-z_all)
    e_dem = b.scale * phi * np.exp(-z_dem)
    g = np.einsum("nt,nlt->nl", e_all, jac) + np.einsum(
        "nt,nlt->nl", e_dem, jac * b.demand[None, :, None])
    return f, g


def batch_deaths(b: Batch, x):
    """Projected (undiscounted) deaths over the horizon for each draw's flat spend
    (for a `MeanBatch`, the mean over its draws)."""
    if isinstance(b, MeanBatch):
        return batch_deaths(b.draws, np.repeat(x, len(b.draws), axis=0)).mean(keepdims=True)
    z = rsp.response(b.profile * x[:, :, None], _forms(b)[None, :, None], b.cap[:, :, None],
                     b.slope0[:, :, None])
    wz = b.weight[:, :, None] * z
    z_all = wz.sum(axis=1)
    z_dem = wz[:, b.demand].sum(axis=1)
    phi = b.phi[:, None]
    yearly = b.baseline * (phi * np.exp(-z_dem) + (1 - phi) * np.exp(-z_all))
    return yearly.sum(axis=1)
