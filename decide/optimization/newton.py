"""A vectorised exact solver for many draws of the flat-allocation problem.

Scope: flat allocations with a budget and per-lever floors, ceilings and locks, every
lever with a ``saturating`` response (smooth and strictly concave, so each draw has one
optimum). For N draws at once it maximises (discounted) deaths averted ``F(x)`` (or the
outcome the batch's `models.deaths.Outcome` counts, less a net benefit's spend cost
``c sum x``: the same objective as the LP and the certificate):

1. each draw starts at the vertex the linear model at its floors prefers (the budget
   poured into the levers in order of their first-dollar value); where the gradient
   there still prefers that vertex (certificate exactly 0) it meets the KKT conditions
   and is the optimum, with no second derivative computed;
2. the others take sequential quadratic programming steps (`_sqp`): Newton steps on
   the exact second-order model over the feasible set, a small QP per draw solved by a
   primal active-set method, with Armijo backtracking, until a full step moves no lever
   by more than 1e-10 of the draw's scale;
3. a draw SQP leaves unconverged or uncertified falls back to a primal barrier method
   (damped Newton steps on ``F + mu * sum log(slacks)`` with ``mu`` driven to 1e-13 of
   the problem's scale), then Newton steps on the KKT system of the free levers.

Every draw is certified: concavity gives
``max F <= F(x) + max_{x' feasible} grad F(x) . (x' - x)``, computed in closed form; a
draw whose certificate exceeds 1e-10 of its deaths is re-solved by the certified LP
(`decide.optimization.draws`).
All model values and derivatives come from the deaths kernel
(`models.deaths.flat_averted`; `evaluate` reads the same kernel).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from models import deaths as mdl

from .bounds import spend_bounds
from .certificate import greedy_fill

__all__ = ["Batch", "MeanBatch", "batch_inputs", "in_scope", "solve_batch", "batch_deaths",
           "certificate", "averted_and_gradient"]

_CERT_REL = 1e-10
#: SQP iterations before a draw is left to the barrier (the baseline's draws need 1-7).
_SQP_STEPS = 30
#: Active-set changes per quadratic model (at most about two per lever in practice).
_QP_STEPS = 20
#: SQP is converged when a full step moves no lever by more than this, in units of the
#: draw's scale X: the next step would be of order its square.
_STEP_TOL = 1e-10
#: The barrier (fallback): mu's end value, and the (mu start, Newton decrement below
#: which mu shrinks 10x, below which it shrinks 1000x) schedules: an aggressive one
#: first, a cautious one for draws it leaves uncertified. Tuned on 10,000 baseline draws
#: when the barrier was the only method: 0.65 s against 1.4-1.7 s for the others tried.
_MU_END = 1e-13
_SCHEDULES = ((1e-3, 1e-1, 1e-3), (1e-1, 1e-2, 1e-5))


@dataclass(kw_only=True, eq=False)
class Batch(mdl.Draws):
    """The model's `models.deaths.Draws` for N draws of one scenario, with each draw's
    feasible set and the objective's yearly weights."""

    lower: np.ndarray  # (N, L) $M per year
    upper: np.ndarray  # (N, L)
    budget: np.ndarray  # (N,)
    discount: np.ndarray  # (T,) objective weight per year
    cost: np.ndarray | None = None  # (N,) objective units per $M a year (net benefit)
    unit: float = 1.0  # objective units per death (scales the certificate's tolerance)

    SHARED = (*mdl.Draws.SHARED, "discount", "unit")

    @property
    def scale(self):
        """Baseline times discount weight per year, (N, T): the objective's weights."""
        return self.baseline * self.discount[None, :]


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


def batch_inputs(sc, values, n, objective="deaths"):
    """Build a `Batch` from per-draw parameter values.

    Parameters
    ----------
    sc : Scenario
    values : Mapping[str, ndarray]
        Arrays of length ``n`` keyed by parameter name (as in ``sc.parameters()``);
        missing parameters take their base value. ``"budget"`` may be given too.
    n : int
    objective : {"deaths", "life_years", "net_benefit"}
        What the batch maximises (`decide.scenario.Scenario.outcome`).
    """
    inp = sc.model_inputs(values=values, n=n, objective=objective)
    draws = inp.draws
    lower, upper = spend_bounds(sc)
    budget = values.get("budget")
    budget = np.full(n, float(sc.budget)) if budget is None else np.asarray(budget, float)
    no_ceiling = np.array([lv.ceiling is None and lv.lock is None for lv in sc.levers])
    upper = np.where(no_ceiling[None, :], budget[:, None], upper[None, :])
    discount = mdl.discount_weights(sc.horizon, sc.discount_rate)
    out = inp.outcome
    return Batch(**{k: v for k, v in vars(draws).items() if not k.startswith("_")},
                 lower=np.broadcast_to(lower, (n, len(lower))).copy(), upper=upper,
                 budget=budget, discount=discount,
                 cost=np.full(n, out.per_musd * discount.sum()) if out.per_musd else None,
                 unit=out.scale)


def _objective(b: Batch, x, order=0):
    """The objective G = F - c sum x (N,), and its gradient (N, L) and Hessian
    (N, L, L): F the weighted outcome averted (`models.deaths.flat_averted`), ``c`` a
    net benefit's spend cost (none otherwise); for a `MeanBatch`, the mean over its
    draws."""
    if isinstance(b, MeanBatch):
        n = len(b.draws)
        f, g, h = _objective(b.draws, np.repeat(x, n, axis=0), order)
        mean = [None if a is None else a.mean(axis=0)[None] for a in (g, h)]
        return (f.mean(keepdims=True), *mean)
    f, g, h = mdl.flat_averted(x, b, b.discount, order=order)
    if b.cost is not None:
        f = f - b.cost * x.sum(axis=1)
        g = None if g is None else g - b.cost[:, None]
    return f, g, h


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
        _, g, h = _objective(cur, x, order=2)
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


def _qp_step(q, g, dlo, dhi, fixed, can_bind, room):
    """Maximise the quadratic model ``g.d - d'q d / 2`` over the feasible steps.

    Steps ``dlo <= d <= dhi`` (``d = 0`` where ``fixed``; ``dlo <= 0 <= dhi``) and
    ``sum d <= room`` where ``can_bind``, by the primal active-set method (Nocedal &
    Wright, Numerical Optimization, algorithm 16.3), started at ``d = 0`` with the
    bounds that hold there as equalities: each iteration solves the model with its
    working set as equalities, then either stops at the first bound in the way (and
    adds it) or, at the working set's optimum, releases the bound whose multiplier has
    the wrong sign. One change per iteration: it cannot cycle (non-degenerate cases).

    Returns
    -------
    d : ndarray, shape (N, L)
    ok : ndarray of bool, shape (N,)
        False where the working set did not settle (the draw goes to the barrier).
    """
    n, n_lev = g.shape
    eye = np.eye(n_lev)
    lev = np.arange(n_lev)
    # bounds that hold at d = 0 (to rounding: a lever filled to its ceiling)
    at_lo = ~fixed & (dlo >= -1e-12)
    at_hi = ~fixed & ~at_lo & (dhi <= 1e-12)
    bud = can_bind & (room <= 1e-12)
    d = np.zeros_like(g)
    ok = np.zeros(n, bool)
    k = np.zeros((n, n_lev + 1, n_lev + 1))
    rhs = np.zeros((n, n_lev + 1, 1))
    run = np.arange(n)
    for _ in range(_QP_STEPS):
        fx, lo, hi = fixed[run], at_lo[run], at_hi[run]
        mov = ~fx & ~lo & ~hi
        # every lever at a bound on a binding budget (a degenerate vertex): the bounds fix
        # d, and the budget's price is set below, not by the linear system
        vertex = bud[run] & ~mov.any(axis=1)
        bd = bud[run] & ~vertex
        kk, rr = k[:len(run)], rhs[:len(run)]
        kk[:, :n_lev, :n_lev] = np.where(mov[:, :, None], q[run], eye)
        kk[:, :n_lev, n_lev] = mov
        kk[:, n_lev, :n_lev] = bd[:, None]
        kk[:, n_lev, n_lev] = ~bd
        dl, dh, gr, rm = dlo[run], dhi[run], g[run], room[run]
        rr[:, :n_lev, 0] = np.where(mov, gr, np.where(lo, dl, np.where(hi, dh, 0.0)))
        rr[:, n_lev, 0] = np.where(bd, rm, 0.0)
        sol = np.linalg.solve(kk, rr)[:, :, 0]
        # levers in the working set sit exactly on their bounds (pivoting may round them)
        dstar = np.where(mov, sol[:, :n_lev], rr[:, :n_lev, 0])
        nu = sol[:, n_lev]
        dc = d[run]
        p = dstar - dc
        # ratio test: the largest step towards dstar that stays feasible
        with np.errstate(divide="ignore", invalid="ignore"):
            a_lev = np.where(mov & (p < 0), (dl - dc) / p,
                             np.where(mov & (p > 0), (dh - dc) / p, np.inf))
            sp = p.sum(axis=1)
            a_bud = np.where(can_bind[run] & ~bud[run] & (sp > 0),
                             (rm - dc.sum(axis=1)) / sp, np.inf)
        a_lev = np.maximum(a_lev, 0.0)
        a_bud = np.maximum(a_bud, 0.0)
        block = np.argmin(a_lev, axis=1)
        a_min = np.minimum(a_lev[np.arange(len(run)), block], a_bud)
        blocked = a_min < 1.0
        by_bud = blocked & (a_bud <= a_lev[np.arange(len(run)), block])
        # all the way to dstar, or to the first bound in the way, which joins the set
        step = np.where(blocked, a_min, 1.0)[:, None]
        dn = np.where(blocked[:, None] & mov, dc + step * p, dstar)
        hit = (blocked & ~by_bud)[:, None] & (lev[None] == block[:, None])
        hit_lo = hit & (p < 0)
        hit_hi = hit & (p > 0)
        dn = np.where(hit_lo, dl, np.where(hit_hi, dh, dn))
        d[run] = dn
        at_lo[run] = lo | hit_lo
        at_hi[run] = hi | hit_hi
        bud[run] = bud[run] | by_bud
        # unblocked rows sit at their working set's optimum: check the multipliers
        r = gr - np.einsum("nij,nj->ni", q[run], dstar) - nu[:, None]
        # at a vertex the lowest budget price that keeps every lever at its floor there
        nu_v = np.maximum(np.where(lo, r, 0.0).max(axis=1), 0.0)
        r = np.where(vertex[:, None], r - nu_v[:, None], r)
        tol = 1e-13 * np.abs(gr).max(axis=1)
        wrong = np.where(lo, r, np.where(hi, -r, -np.inf))
        worst = np.argmax(wrong, axis=1)
        w_lev = wrong[np.arange(len(run)), worst]
        w_bud = np.where(bd, -nu, -np.inf)
        settled = ~blocked & (np.maximum(w_lev, w_bud) <= tol)
        release = ~blocked & ~settled
        rel_bud = release & (w_bud >= w_lev)
        rel = (release & ~rel_bud)[:, None] & (lev[None] == worst[:, None])
        at_lo[run] &= ~rel
        at_hi[run] &= ~rel
        bud[run] &= ~rel_bud
        ok[run] = settled
        run = run[~settled]
        if run.size == 0:
            break
    return d, ok


def _sqp(b: Batch, x0, free, active, X, fs):
    """Sequential quadratic programming: Newton steps on the exact local model.

    From ``x0`` (feasible), each iteration maximises the second-order model of ``F``
    over the feasible set (`_qp_step`, which also finds the binding bounds and budget)
    and moves towards its maximiser with Armijo backtracking. Work is in the barrier's
    units: steps over ``X`` and ``F`` over its first-order scale ``fs``. A draw is done
    when a full step moves no lever by more than ``_STEP_TOL * X`` (quadratic
    convergence leaves it at the optimum to rounding); each draw's iterations depend on
    that draw alone, so answers do not depend on the batch.

    Returns
    -------
    x : ndarray, shape (N, L)
    converged : ndarray of bool, shape (N,)
        False where the quadratic model's active set did not settle, backtracking found
        no ascent, or ``_SQP_STEPS`` ran out.
    """
    n, n_lev = x0.shape
    out = x0.copy()
    converged = np.zeros(n, bool)
    idx = np.arange(n)  # rows of the original batch still iterating
    cur, x, fr, act, xs, fsc = b, x0.copy(), free, active, X, fs
    for _ in range(_SQP_STEPS):
        f_cur, g, h = _objective(cur, x, order=2)
        gs = g * (xs / fsc)[:, None]
        # -H in these units; the tiny ridge keeps the system regular where a curve is
        # flat to rounding (it changes steps, never the fixed point d = 0)
        q = -h * (xs * xs / fsc)[:, None, None] + 1e-12 * np.eye(n_lev)
        dlo = (cur.lower - x) / xs[:, None]
        dhi = (cur.upper - x) / xs[:, None]
        room = (cur.budget - x.sum(axis=1)) / xs
        d, ok = _qp_step(q, gs, dlo, dhi, ~fr, act, room)
        slope = np.einsum("nl,nl->n", gs, d) * fsc  # dF along the full step
        full = np.where(d == dlo, cur.lower, np.where(d == dhi, cur.upper,
                                                      x + d * xs[:, None]))
        # a step below tolerance changes F by less than its rounding: take it unchecked
        tiny = np.abs(d).max(axis=1) <= _STEP_TOL
        x[tiny] = full[tiny]
        t = np.ones(len(x))
        rows, trial = np.flatnonzero(~tiny), full[~tiny]
        for _ in range(40):  # Armijo; after the first trial only the rejected rows
            if rows.size == 0:
                break
            f_trial = _objective(_rows(cur, rows), trial)[0]
            good = f_trial >= f_cur[rows] + 1e-4 * t[rows] * slope[rows] - 1e-14 * np.abs(
                f_cur[rows])
            x[rows[good]] = trial[good]
            rows = rows[~good]
            t[rows] /= 2
            trial = x[rows] + t[rows, None] * d[rows] * xs[rows, None]
        ok[rows] = False  # no ascent found along the step: leave it to the barrier
        done = ok & tiny
        stop = done | ~ok
        out[idx[done]] = x[done]
        converged[idx[done]] = True
        if stop.all():
            break
        if stop.any():
            keep = ~stop
            idx, cur = idx[keep], cur.take(np.flatnonzero(keep))
            x, fr, act, xs, fsc = x[keep], fr[keep], act[keep], xs[keep], fsc[keep]
    return out, converged


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
        _, g, h = _objective(b, x, order=2)
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


def solve_batch(b: Batch, threads=None, *, with_deaths=False):
    """Optimal flat spend for every draw.

    Each draw starts at the vertex the linear model at its floors prefers (the budget
    poured into the levers in order of their first-dollar value) and is solved by
    sequential quadratic programming (`_sqp`); a draw it leaves unconverged or
    uncertified is re-solved by the barrier method (`_barrier`, `_polish`).

    Parameters
    ----------
    b : Batch
    threads : int, optional
        Large batches are split across this many threads (default: the CPU count, at
        most 4; numpy releases the GIL in the array work); each draw's answer is the
        same whatever the split.
    with_deaths : bool
        Also return each draw's projected deaths at ``x`` (`batch_deaths`), computed
        once for the certificate anyway.

    Returns
    -------
    x : ndarray, shape (N, L)
        $M per year.
    certified : ndarray of bool, shape (N,)
        True where the closed-form certificate is within 1e-10 of the draw's deaths
        (times ``b.unit``, the objective's units per death) (the others must be
        re-solved by the LP).
    deaths : ndarray, shape (N,)
        Only with ``with_deaths``.
    """
    n_threads = min(os.cpu_count() or 1, 4) if threads is None else threads
    if n_threads > 1 and len(b) >= 2000:
        parts = np.array_split(np.arange(len(b)), n_threads)
        with ThreadPoolExecutor(n_threads) as pool:
            done = list(pool.map(lambda p: _solve(b.take(p)), parts))
        out = tuple(np.concatenate([d[k] for d in done]) for k in range(3))
    else:
        out = _solve(b)
    return out if with_deaths else out[:2]


def _solve(b: Batch):
    """`solve_batch` in this thread: ``(x, certified, deaths)``."""
    n, n_lev = b.lower.shape
    unit = getattr(b, "unit", 1.0)  # a MeanBatch counts deaths
    x = b.lower.copy()
    gap = np.zeros(n)
    deaths = np.zeros(n)
    potent = (b.cap > 0) & (b.weight > 0) & (b.profile.max(axis=2) > 0)
    free = (b.upper - b.lower > 1e-12 * np.maximum(b.budget, 1.0)[:, None]) & potent
    room = b.budget - b.lower.sum(axis=1)
    width = np.where(free, b.upper - b.lower, 0.0)
    work = (room > 1e-12 * np.maximum(b.budget, 1.0)) & free.any(axis=1)
    rest = np.flatnonzero(~work)  # nothing to choose: every draw stays at its floors
    if work.any():
        idx = np.flatnonzero(work)
        sub = _rows(b, idx)
        fr = free[idx]
        wd, rm = width[idx], room[idx]
        active = rm < wd.sum(axis=1) * (1 - 1e-12)
        X = np.maximum(np.minimum(rm, wd.sum(axis=1)), 1e-9)
        _, g0, _ = _objective(sub, sub.lower, order=1)
        fill = greedy_fill(np.where(fr, g0, 0.0), wd, rm)
        fs = np.einsum("nl,nl->n", np.where(fr, g0, 0.0), fill)
        useful = fs > 0
        rest = np.sort(np.concatenate([rest, idx[~useful]]))
        todo = np.flatnonzero(useful)
        # start at the vertex the first dollars prefer; where the gradient there still
        # prefers it (certificate exactly 0) it satisfies the KKT conditions: done
        start = _trim(sub, sub.lower + fill, fr)
        if todo.size:
            gap[idx[todo]], deaths[idx[todo]] = _certify(_rows(sub, todo), start[todo])
            x[idx[todo]] = start[todo]
            todo = todo[gap[idx[todo]] > 0]
        if todo.size:
            s2 = _rows(sub, todo)
            xq, conv = _sqp(s2, start[todo], fr[todo], active[todo], X[todo], fs[todo])
            xq = _trim(s2, xq, fr[todo])
            gq, dq = _certify(s2, xq)
            x[idx[todo]], gap[idx[todo]], deaths[idx[todo]] = xq, gq, dq
            todo = todo[~(conv & _within(gq, dq, unit))]
        # the barrier for what SQP left: an interior start, two schedules
        t = np.where(active, 0.5 * rm / np.maximum(wd.sum(axis=1), 1e-300), 0.5)
        x0 = sub.lower + wd * np.minimum(t, 0.5)[:, None]
        for schedule in _SCHEDULES:
            if todo.size == 0:
                break
            s2 = sub.take(todo)
            xb = _barrier(s2, x0[todo], fr[todo], active[todo], X[todo], fs[todo], schedule)
            xp = _polish(s2, xb, fr[todo], active[todo], X[todo], fs[todo])
            gp, dp = _certify(s2, xp)
            x[idx[todo]], gap[idx[todo]], deaths[idx[todo]] = xp, gp, dp
            todo = todo[~_within(gp, dp, unit)]
    if rest.size:
        gap[rest], deaths[rest] = _certify(_rows(b, rest), x[rest])
    return x, _within(gap, deaths, unit), deaths


def _trim(b: Batch, x, free):
    """``x`` with any spend over budget (a few ulps of rounding) taken off the free
    levers above their floors, in proportion (those inside their bounds first)."""
    over = x.sum(axis=1) - b.budget
    if not (over > 0).any():
        return x
    spare = np.where(free, x - b.lower, 0.0)
    inside = np.where(free & (x < b.upper), spare, 0.0)
    spare = np.where((inside.sum(axis=1) > 0)[:, None], inside, spare)
    tot = spare.sum(axis=1)
    frac = np.divide(over, tot, out=np.zeros_like(over), where=tot > 0)
    return np.where((over > 0)[:, None], x - spare * np.clip(frac, 0, 1)[:, None], x)


def _rows(b, idx):
    """``b.take(idx)`` for increasing row numbers ``idx``; ``b`` itself (no copy) when
    they are all the rows."""
    return b if len(idx) == len(b) else b.take(idx)


def _certify(b: Batch, x):
    """The certificate at ``x`` (`certificate`) and the deaths there (`batch_deaths`)."""
    return certificate(b, x), batch_deaths(b, x)


def _within(gap, deaths, unit=1.0):
    """Certified: the certificate within 1e-10 of the draw's deaths (converted to the
    objective's units by ``unit`` per death)."""
    return gap <= _CERT_REL * np.maximum(deaths * unit, 1.0)


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
    f, g, _ = mdl.flat_averted(x, b, b.discount, order=1)
    return f, g


def batch_deaths(b: Batch, x):
    """Projected (undiscounted) deaths over the horizon for each draw's flat spend
    (for a `MeanBatch`, the mean over its draws)."""
    if isinstance(b, MeanBatch):
        return batch_deaths(b.draws, np.repeat(x, len(b.draws), axis=0)).mean(keepdims=True)
    return mdl.flat_deaths(x, b)
