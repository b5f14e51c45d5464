"""Sensitivity and uncertainty analyses. Each re-optimises the allocation (the decision),
not just the output, and returns a tidy DataFrame (or a `RobustResult`).

One signature shape: ``analysis(sc, *, ..., seed=None)`` with keyword-only options. The
draw-based analyses take ``executor`` (None, ``"processes"``, a ``dask.distributed.Client``
or a scheduler address): their per-draw optimisations then run in chunks there, with the
same results as locally.
Deaths are over the scenario's horizon; money in $M per year unless a column says
otherwise. When the scenario discounts deaths, the robust and value-of-information
analyses work on discounted deaths (the optimiser's objective).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import fast
from .errors import ScenarioError
from .montecarlo import solve_draws_on
from .optimize import evaluate, optimize
from .sampling import root_seed, sample_parameters

__all__ = ["frontier", "tornado", "two_way", "robust", "RobustResult", "evpi", "evppi",
           "sobol"]


def _progress(callback, done, total):
    if callback is not None:
        callback(done, total)


def _uncertain(sc, parameters=None):
    table = sc.parameters().set_index("name", drop=False)
    if parameters is None:
        return table[table["low"] < table["high"]]
    names = [parameters] if isinstance(parameters, str) else list(parameters)
    for name in names:
        if name not in table.index:
            from .scenario import _suggest

            raise ScenarioError("not a parameter of this scenario"
                                + _suggest(name, list(table.index)),
                                file="<analysis>", key="parameters", value=name)
    return table.loc[names]


# -- frontier -------------------------------------------------------------------------
def frontier(sc, *, budgets=None, progress=None):
    """Optimal allocation and deaths across a range of budgets.

    Parameters
    ----------
    budgets : array_like, optional
        $M per year; default 21 points from 0 to 5 times the scenario's budget. Budgets
        below the total of floors and locks are infeasible and left out
        (``attrs["infeasible_budgets"]`` lists them).

    Returns
    -------
    pandas.DataFrame
        One row per budget and lever: ``budget`` ($M per year), ``lever``, ``spend``
        ($M per year), ``deaths`` and ``deaths_averted`` (over the horizon, the same on
        every lever's row), ``marginal_deaths_averted_per_musd`` (the budget's shadow
        price: deaths averted by the next $1M a year).
    """
    from .errors import InfeasibleError

    if budgets is None:
        budgets = np.linspace(0.0, 5.0 * sc.budget, 21)
    budgets = np.asarray(budgets, dtype=float)
    if budgets.ndim != 1 or not np.isfinite(budgets).all() or (budgets < 0).any():
        raise ScenarioError("must be finite budgets >= 0 ($M per year)", file="<frontier>",
                            key="budgets", value=budgets.tolist()[:5])
    rows, skipped = [], []
    for k, budget in enumerate(budgets):
        try:
            res = optimize(sc.with_overrides({"budget": float(budget)}))
        except InfeasibleError:
            skipped.append(float(budget))
            continue
        price = float(res.shadow_prices["budget"])
        for lever, spend in res.spend.items():
            rows.append({"budget": float(budget), "lever": lever, "spend": float(spend),
                         "deaths": res.deaths, "deaths_averted": res.deaths_averted,
                         "marginal_deaths_averted_per_musd": price})
        _progress(progress, k + 1, len(budgets))
    out = pd.DataFrame(rows, columns=["budget", "lever", "spend", "deaths", "deaths_averted",
                                      "marginal_deaths_averted_per_musd"])
    out.attrs["infeasible_budgets"] = skipped
    return out


# -- tornado ----------------------------------------------------------------------------
def _changed(spend, reference, budget, tol=1e-3):
    """Does ``spend`` fund other levers than ``reference``, or move > 10% of the budget?"""
    a, b = np.asarray(spend, dtype=float), np.asarray(reference, dtype=float)
    if ((a > tol) != (b > tol)).any():
        return True
    return 0.5 * np.abs(a - b).sum() > 0.1 * max(budget, 1e-9)


def _switching_value(sc, name, base, side_value, reference, iterations=30):
    """Value between base and the side at which the decision first changes (bisection)."""
    inside, outside = base, side_value
    for _ in range(iterations):
        mid = 0.5 * (inside + outside)
        spend = optimize(sc.with_overrides({name: mid})).spend.to_numpy()
        if _changed(spend, reference, sc.budget):
            outside = mid
        else:
            inside = mid
        if abs(outside - inside) <= 1e-6 * max(abs(side_value - base), 1e-12):
            break
    return outside


def tornado(sc, *, parameters=None, reoptimize=True, progress=None):
    """Each parameter at its low and its high value, everything else at base.

    Parameters
    ----------
    parameters : list of str, optional
        Parameter names (default: every parameter with low < high).
    reoptimize : bool
        True re-optimises the allocation at each value; False keeps the base allocation.

    Returns
    -------
    pandas.DataFrame
        Two rows per parameter, sorted by ``swing`` (largest first): ``parameter``,
        ``side`` (``low``/``high``), ``value``, ``deaths``, ``deaths_averted`` (over the
        horizon), ``spend.<lever>`` ($M per year), ``swing`` (|deaths averted at high - at
        low|), ``allocation_changed`` (the optimum funds other levers or moves more than
        10% of the budget against the base optimum), ``switching_value`` (the value
        between base and this side where that first happens; NaN when it does not) and
        ``regret`` (deaths lost by keeping the base allocation at this value).

    Within the fast engine's scope every value (and every bisection step) is one
    certified batch; otherwise each is a certified LP.
    """
    table = _uncertain(sc, parameters)
    base = optimize(sc)
    if fast.in_scope(sc):
        rows = _tornado_fast(sc, table, base, reoptimize, progress)
    else:
        rows = _tornado_lp(sc, table, base, reoptimize, progress)
    out = pd.DataFrame(rows)
    swing = out.groupby("parameter")["deaths_averted"].agg(lambda d: float(d.max() - d.min()))
    out["swing"] = out["parameter"].map(swing)
    order = swing.sort_values(ascending=False, kind="stable").index
    out["parameter"] = pd.Categorical(out["parameter"], categories=list(order), ordered=True)
    out = out.sort_values(["parameter", "side"], kind="stable").reset_index(drop=True)
    out["parameter"] = out["parameter"].astype(str)
    cols = ["parameter", "side", "value", "deaths", "deaths_averted"] + [
        f"spend.{n}" for n in sc.lever_names] + ["swing", "allocation_changed",
                                                "switching_value", "regret"]
    return out[cols]


def _entry(sc, name, side, value, deaths, baseline, spend, changed, switch, regret):
    entry = {"parameter": name, "side": side, "value": float(value), "deaths": deaths,
             "deaths_averted": baseline - deaths, "allocation_changed": bool(changed),
             "switching_value": switch, "regret": max(regret, 0.0)}
    entry.update({f"spend.{n}": float(v) for n, v in zip(sc.lever_names, spend)})
    return entry


def _tornado_lp(sc, table, base, reoptimize, progress):
    """One certified LP per value (and per bisection step)."""
    reference = base.spend.to_numpy()
    rows = []
    for k, row in enumerate(table.itertuples(index=False)):
        for side, value in (("low", row.low), ("high", row.high)):
            variant = sc.with_overrides({row.name: float(value)})
            best = optimize(variant)
            kept = evaluate(variant, base.spend)
            changed = reoptimize and _changed(best.spend.to_numpy(), reference, sc.budget)
            switch = (_switching_value(sc, row.name, row.base, float(value), reference)
                      if changed and value != row.base else np.nan)
            rows.append(_entry(sc, row.name, side, value,
                               best.deaths if reoptimize else kept, best.baseline_deaths,
                               best.spend.to_numpy() if reoptimize else reference, changed,
                               switch, kept - best.deaths))
        _progress(progress, k + 1, len(table))
    return rows


def _variant_values(sc, names, values):
    """Per-row parameter values: row r sets ``names[r]`` to ``values[r]``, others base."""
    bases = sc.parameters().set_index("name")["base"]
    out = {n: np.full(len(names), float(bases[n])) for n in bases.index}
    for r, (n, v) in enumerate(zip(names, values)):
        out[n][r] = v
    return out


def _tornado_fast(sc, table, base, reoptimize, progress):
    """Every low and high value in one certified fast-engine batch; switching values by
    a bisection run on all switching parameters at once (30 halvings)."""
    reference = base.spend.to_numpy()
    names = [n for n in table["name"] for _ in (0, 1)]
    sides = ["low", "high"] * len(table)
    values = np.array([v for lo, hi in zip(table["low"], table["high"]) for v in (lo, hi)])
    spend, deaths, b, *_ = solve_draws_on(sc, _variant_values(sc, names, values),
                                          len(names))
    kept = fast.batch_deaths(b, np.repeat(reference[None], len(names), axis=0))
    baseline = b.baseline.sum(axis=1)
    changed = np.array([reoptimize and _changed(x, reference, sc.budget) for x in spend])
    switch = np.full(len(names), np.nan)
    bases = table.set_index("name")["base"]
    todo = np.flatnonzero(changed & (values != bases.loc[names].to_numpy()))
    inside = bases.loc[[names[r] for r in todo]].to_numpy(dtype=float)
    outside = values[todo].astype(float)
    for _ in range(30):
        if todo.size == 0:
            break
        mid = 0.5 * (inside + outside)
        x, *_ = solve_draws_on(sc, _variant_values(sc, [names[r] for r in todo], mid),
                               todo.size)
        moved = np.array([_changed(xi, reference, sc.budget) for xi in x])
        outside = np.where(moved, mid, outside)
        inside = np.where(moved, inside, mid)
    if todo.size:
        switch[todo] = outside
    _progress(progress, len(table), len(table))
    return [_entry(sc, names[r], sides[r], values[r],
                   deaths[r] if reoptimize else kept[r], baseline[r],
                   spend[r] if reoptimize else reference, changed[r], switch[r],
                   kept[r] - deaths[r]) for r in range(len(names))]


# -- two-way ----------------------------------------------------------------------------
def two_way(sc, x, y, *, n=11, executor=None):
    """Optimal deaths and spend on an ``n`` by ``n`` grid of two parameters (low..high).

    Returns
    -------
    pandas.DataFrame
        One row per grid point: the two parameters' values (columns named after them),
        ``deaths``, ``deaths_averted`` (over the horizon) and ``spend.<lever>``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 201:
        raise ScenarioError("must be a whole number in [2, 201]", file="<two_way>", key="n",
                            value=n)
    if x == y:
        raise ScenarioError("the two parameters must differ", file="<two_way>", key="y",
                            value=y)
    table = _uncertain(sc, [x, y])
    gx = np.linspace(table.loc[x, "low"], table.loc[x, "high"], n)
    gy = np.linspace(table.loc[y, "low"], table.loc[y, "high"], n)
    xx, yy = np.meshgrid(gx, gy, indexing="ij")
    values = {x: xx.ravel(), y: yy.ravel()}
    spend, deaths, b, *_ = solve_draws_on(sc, values, n * n, executor)
    out = pd.DataFrame({x: values[x], y: values[y], "deaths": deaths,
                        "deaths_averted": b.baseline.sum(axis=1) - deaths})
    for i, lever in enumerate(sc.lever_names):
        out[f"spend.{lever}"] = spend[:, i]
    return out


# -- robust allocations -------------------------------------------------------------------
@dataclass(frozen=True)
class RobustResult:
    """One allocation for all draws.

    Attributes
    ----------
    spend : pandas.Series
        $M per year by lever.
    objective : str
        ``expected``, ``regret``, ``cvar`` (of deaths) or ``cvar_regret``.
    value : float
        The objective at ``spend`` over the in-sample draws (deaths).
    gap : float
        Certified bound on how much better (lower) the objective could be.
    method : str
        How it was solved and certified.
    draws : pandas.DataFrame
        Per in-sample draw: ``draw``, ``deaths`` (at the robust allocation),
        ``optimal_deaths`` (the draw's own optimum) and ``regret`` (their difference).
    out_of_sample : pandas.DataFrame
        The robust and the base-case allocations on fresh draws: ``allocation``,
        ``mean_deaths``, ``mean_regret``, ``max_regret``, ``cvar_deaths``,
        ``cvar_regret``.
    alpha : float
    """

    spend: pd.Series
    objective: str
    value: float
    gap: float
    method: str
    draws: pd.DataFrame
    out_of_sample: pd.DataFrame
    alpha: float


def _deaths_at(b, spend):
    """The objective's deaths per draw (discounted if the scenario discounts) for one
    allocation (shape (L,), shared by every draw) or one per draw (shape (N, L))."""
    spend = np.broadcast_to(np.asarray(spend, dtype=float), b.lower.shape)
    return b.scale.sum(axis=1) - fast.averted_and_gradient(b, spend)[0]


def _cvar(values, alpha):
    values = np.asarray(values, dtype=float)
    eta = np.quantile(values, alpha, method="inverted_cdf")
    return float(eta + np.maximum(values - eta, 0.0).mean() / (1 - alpha))


def _robust_value(deaths, optimal, objective, alpha):
    regret = deaths - optimal
    if objective == "expected":
        return float(deaths.mean())
    if objective == "regret":
        return float(regret.max())
    if objective == "cvar":
        return _cvar(deaths, alpha)
    return _cvar(regret, alpha)


def _kelley(b, totals, optimal, objective, alpha, tol, max_iterations, rows=()):
    """Cutting planes (Kelley 1960) with one epigraph variable per draw, on HiGHS.

    Each draw's averted deaths ``A_s`` are concave in the allocation, so supporting
    hyperplanes ``A_s(x_k) + g_s(x_k).(x - x_k)`` over-estimate them: the LP is a
    relaxation, its optimum a lower bound on the objective (deaths); the objective
    evaluated at the LP's allocation is an upper bound.
    """
    import highspy

    from .lp import new_highs, row_bounds

    n, n_lev = b.lower.shape
    lower, upper, budget = b.lower[0], b.upper[0], float(b.budget[0])
    money = float(max(min(budget, upper.sum()), 1.0))
    h = new_highs()
    inf = highspy.kHighsInf
    # columns: x (L), a_s (N) = epigraph of averted deaths, then t | eta + v (N)
    ub_a = b.scale.sum(axis=1)
    h.addVars(n_lev, lower / money, upper / money)
    h.addVars(n, np.zeros(n), ub_a)
    ia = n_lev + np.arange(n)
    cost = np.zeros(n_lev + n)
    if objective == "expected":
        cost[ia] = -1.0 / n
    elif objective == "regret":
        it = h.getNumCol()
        h.addVars(1, np.array([-inf]), np.array([inf]))
        cost = np.append(cost, 1.0)
        for s in range(n):  # t >= A*_s - a_s
            h.addRow(-inf, -float(totals[s] - optimal[s]), 2,
                     np.array([it, ia[s]], np.int32), np.array([-1.0, -1.0]))
    else:
        ie = h.getNumCol()
        h.addVars(1, np.array([-inf]), np.array([inf]))
        h.addVars(n, np.zeros(n), np.full(n, inf))
        iv = ie + 1 + np.arange(n)
        cost = np.concatenate([cost, [1.0], np.full(n, 1.0 / ((1 - alpha) * n))])
        # v_s >= D_s - eta (cvar) or v_s >= D_s - D*_s - eta (cvar_regret), D_s = T_s - a_s
        rhs = -(totals if objective == "cvar" else totals - optimal)
        for s in range(n):
            h.addRow(-inf, float(rhs[s]), 3, np.array([iv[s], ia[s], ie], np.int32),
                     np.array([-1.0, -1.0, -1.0]))
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.addRow(-inf, budget / money, n_lev, np.arange(n_lev, dtype=np.int32),
             np.ones(n_lev))
    for _, coeffs, sense, rhs in rows:  # custom constraints and the Mexico cap
        h.addRow(*row_bounds(sense, rhs), n_lev, np.arange(n_lev, dtype=np.int32),
                 np.asarray(coeffs, dtype=float) * money)
    best_x, best_val, lower_bound = None, np.inf, -np.inf

    def add_cuts(x):
        f, g = fast.averted_and_gradient(b, np.repeat(x[None], n, axis=0))
        for s in range(n):
            idx = np.concatenate([[ia[s]], np.arange(n_lev)]).astype(np.int32)
            h.addRow(-inf, float(f[s] - g[s] @ x), n_lev + 1, idx,
                     np.concatenate([[1.0], -g[s] * money]))
        deaths = totals - f
        return _robust_value(deaths, optimal, objective, alpha)

    # first cuts at the lower corner and a proportional fill of the budget (cuts are
    # valid anywhere; only allocations the LP returns are candidates when rows exist)
    for x0 in (lower.copy(), np.minimum(upper, lower + (budget - lower.sum())
                                        * (upper - lower) / max((upper - lower).sum(), 1e-9))):
        val = add_cuts(x0)
        if val < best_val and not rows:
            best_x, best_val = x0, val
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported below
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        if status != "Optimal":
            from .errors import SolverError

            raise SolverError(f"HiGHS returned status '{status}' in the robust LP",
                              solver="highs", status=status)
        lp_value = h.getInfo().objective_function_value
        if objective == "expected":
            lp_value = totals.mean() + lp_value  # min mean(T_s - a_s) = mean T + min(-a)
        lower_bound = max(lower_bound, lp_value - 1e-7 * abs(lp_value))
        x = np.array(h.getSolution().col_value[:n_lev]) * money
        x = np.clip(x, lower, upper)
        if x.sum() > budget:
            x = lower + (x - lower) * (budget - lower.sum()) / max((x - lower).sum(), 1e-300)
        val = add_cuts(x)
        if val < best_val:
            best_x, best_val = x, val
        if best_val - lower_bound <= tol:
            break
    return best_x, best_val, max(best_val - lower_bound, 0.0), iteration


def robust(sc, *, n=1000, seed=None, objective="expected", alpha=0.9, out_of_sample=None,
           tol=None, max_iterations=300, executor=None):
    """One allocation for all draws: expected deaths, minimax regret, or CVaR.

    Parameters
    ----------
    n : int
        In-sample draws (sampled as in `monte_carlo`: draws ``0..n-1`` of the seed).
    objective : {"expected", "regret", "cvar", "cvar_regret"}
        Minimise mean deaths; the largest regret (deaths above each draw's own optimum);
        CVaR_alpha of deaths (the mean of the worst ``1 - alpha`` share of draws); or
        CVaR_alpha of regret.
    alpha : float
        CVaR level in (0, 1).
    out_of_sample : int, optional
        Fresh draws (``n..n+m-1`` of the same seed) to test the allocation on; default n.
    tol : float, optional
        Gap tolerance in deaths; default max(1e-4 x mean deaths averted at the draws'
        optima, 0.01).

    Returns
    -------
    RobustResult
        ``method`` says how it was solved: the expected objective of a scenario within
        the fast engine's scope is solved by the barrier/Newton engine on the mean of the
        draws' objectives and certified by the concavity bound; every other case by LP
        cutting planes (Kelley) with per-draw epigraphs on HiGHS, certified by the LP's
        lower bound.
    """
    if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
        raise ScenarioError("robust allocations do not yet support interactions or minimum "
                            "programme sizes", file=sc.source, key="robust",
                            has_value=False)
    objectives = ("expected", "regret", "cvar", "cvar_regret")
    if objective not in objectives:
        raise ScenarioError(f"must be one of {', '.join(objectives)}", file="<robust>",
                            key="objective", value=objective)
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ScenarioError("must be in (0, 1)", file="<robust>", key="alpha", value=alpha)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 200_000:
        raise ScenarioError("must be a whole number in [2, 200000]", file="<robust>",
                            key="n", value=n)
    root = root_seed(seed)
    params = sc.parameters()
    values = sample_parameters(params, 0, n, root, sc.correlations)
    spend_star, _, b, *_ = solve_draws_on(sc, values, n, executor)
    totals = b.scale.sum(axis=1)
    optimal = _deaths_at(b, spend_star)
    tol = tol if tol is not None else max(1e-4 * float((totals - optimal).mean()), 0.01)
    from .optimize import extra_rows

    rows = extra_rows(sc)
    if objective == "expected" and fast.in_scope(sc):
        x, certified = fast.solve_batch(fast.MeanBatch(b))
        x = x[0]
        value = float(_deaths_at(b, x).mean())
        gap = float(fast.certificate(fast.MeanBatch(b), x[None])[0])
        method = ("expected deaths solved by the barrier/Newton engine on the mean of "
                  "the draws' objectives; certified by the concavity bound")
        if not certified[0] or gap > tol:
            x, value, gap, _ = _kelley(b, totals, optimal, objective, alpha, tol,
                                       max_iterations, rows)
            method = "LP cutting planes (Kelley) with per-draw epigraphs, HiGHS"
    else:
        x, value, gap, its = _kelley(b, totals, optimal, objective, alpha, tol,
                                     max_iterations, rows)
        method = (f"LP cutting planes (Kelley) with per-draw epigraphs, HiGHS; {its} "
                  "rounds; certified by the LP's lower bound")
    deaths = _deaths_at(b, x)
    draws = pd.DataFrame({"draw": np.arange(n), "deaths": deaths, "optimal_deaths": optimal,
                          "regret": deaths - optimal})
    oos = _out_of_sample(sc, x, root, n, out_of_sample or n, alpha, executor)
    return RobustResult(spend=pd.Series(x, index=pd.Index(sc.lever_names, name="lever"),
                                        name="spend"),
                        objective=objective, value=value, gap=gap, method=method,
                        draws=draws, out_of_sample=oos, alpha=alpha)


def _out_of_sample(sc, x, root, start, m, alpha, executor=None):
    values = sample_parameters(sc.parameters(), start, start + m, root, sc.correlations)
    spend_star, _, b, *_ = solve_draws_on(sc, values, m, executor)
    optimal = _deaths_at(b, spend_star)
    rows = []
    base = optimize(sc).spend.to_numpy()
    for label, alloc in (("robust", x), ("base case", base)):
        deaths = _deaths_at(b, alloc)
        regret = deaths - optimal
        rows.append({"allocation": label, "mean_deaths": float(deaths.mean()),
                     "mean_regret": float(regret.mean()), "max_regret": float(regret.max()),
                     "cvar_deaths": _cvar(deaths, alpha), "cvar_regret": _cvar(regret, alpha),
                     "draws": m})
    return pd.DataFrame(rows)


# -- value of information -----------------------------------------------------------------
def _death_price(sc):
    """$M per year that avert one death over the horizon (1 / budget shadow price)."""
    price = float(optimize(sc).shadow_prices["budget"])
    return 1.0 / price if price > 0 else np.nan


def _expected_optimum(sc, b):
    """Allocation minimising mean deaths over batch ``b`` (certified), as (L,)."""
    totals = b.scale.sum(axis=1)
    if fast.in_scope(sc):
        x, certified = fast.solve_batch(fast.MeanBatch(b))
        if certified[0]:
            return x[0]
    from .optimize import extra_rows

    if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
        raise ScenarioError("value of information does not yet support interactions or "
                            "minimum programme sizes", file=sc.source, key="evpi",
                            has_value=False)
    zeros = np.zeros(len(b))
    x, _, _, _ = _kelley(b, totals, zeros, "expected", 0.5,
                         max(1e-6 * float(totals.mean()), 0.01), 300, extra_rows(sc))
    return x


def evpi(sc, *, n, seed=None, executor=None):
    """Expected value of perfect information: EVPI = min_x E[D] - E[min_x D].

    Estimated from one sample of ``n`` draws (as in `monte_carlo`):
    ``mean_s D_s(x_E) - mean_s D_s(x_s*)`` with ``x_E`` the expected-deaths optimum over
    the sample and ``x_s*`` each draw's own optimum. In-sample ``x_E`` makes the estimate
    slightly low.

    Returns
    -------
    pandas.DataFrame
        One row: ``evpi_deaths``, ``se_deaths`` (Monte Carlo standard error),
        ``evpi_musd_per_year`` and ``se_musd_per_year`` (the budget increase, $M per year
        for the horizon, that would avert as many deaths at the budget's marginal cost),
        ``expected_deaths`` (at ``x_E``), ``mean_optimal_deaths``, ``n``; the allocation
        ``x_E`` in ``attrs["spend"]``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 1_000_000:
        raise ScenarioError("must be a whole number in [2, 1e6]", file="<evpi>", key="n",
                            value=n)
    root = root_seed(seed)
    values = sample_parameters(sc.parameters(), 0, n, root, sc.correlations)
    spend_star, _, b, *_ = solve_draws_on(sc, values, n, executor)
    x_e = _expected_optimum(sc, b)
    at_e, at_own = _deaths_at(b, x_e), _deaths_at(b, spend_star)
    diff = np.maximum(at_e - at_own, 0.0)  # each draw's own optimum is at least as good
    value, se = float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(n))
    per = _death_price(sc)
    out = pd.DataFrame([{"evpi_deaths": value, "se_deaths": se,
                         "evpi_musd_per_year": value * per, "se_musd_per_year": se * per,
                         "expected_deaths": float(at_e.mean()),
                         "mean_optimal_deaths": float(at_own.mean()),
                         "n": n}])
    out.attrs["spend"] = dict(zip(sc.lever_names, x_e.tolist()))
    return out


def evppi(sc, parameters, *, n, seed=None, inner=200, executor=None):
    """Expected value of partial perfect information about ``parameters`` (jointly).

    ``EVPPI = min_x E[D] - E_theta[min_x E[D | theta]]``, by nested Monte Carlo on one
    partitioned sample: ``n`` outer draws of ``theta``, each with ``inner`` draws of the
    other parameters (``theta`` is held at the group's first draw). On the same sample
    ``0 <= EVPPI <= EVPI`` holds exactly; EVPI is reported alongside for comparison.
    Correlations between ``theta`` and the other parameters are not kept inside a group.

    Returns
    -------
    pandas.DataFrame
        One row: ``parameters`` (joined by ``+``), ``evppi_deaths``, ``se_deaths``,
        ``evppi_musd_per_year``, ``se_musd_per_year``, ``evpi_deaths`` and
        ``evpi_se_deaths`` on the same sample, ``n``, ``inner``.
    """
    names = list(_uncertain(sc, parameters)["name"])
    for key, value, hi in (("n", n, 100_000), ("inner", inner, 100_000)):
        if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= hi:
            raise ScenarioError(f"must be a whole number in [2, {hi}]", file="<evppi>",
                                key=key, value=value)
    root = root_seed(seed)
    total = n * inner
    values = sample_parameters(sc.parameters(), 0, total, root, sc.correlations)
    for name in names:  # theta constant within each group
        values[name] = np.repeat(values[name][::inner], inner)
    spend_star, _, b, *_ = solve_draws_on(sc, values, total, executor)
    x_e = _expected_optimum(sc, b)
    d_e = _deaths_at(b, x_e)
    gains = np.empty(n)
    for j in range(n):
        group = b.take(np.arange(j * inner, (j + 1) * inner))
        x_j = _expected_optimum(sc, group)
        gains[j] = d_e[j * inner:(j + 1) * inner].mean() - _deaths_at(group, x_j).mean()
    gains = np.maximum(gains, 0.0)
    perfect = np.maximum(d_e - _deaths_at(b, spend_star), 0.0)
    per = _death_price(sc)
    value, se = float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(n))
    return pd.DataFrame([{"parameters": "+".join(names), "evppi_deaths": value,
                          "se_deaths": se, "evppi_musd_per_year": value * per,
                          "se_musd_per_year": se * per, "evpi_deaths": float(perfect.mean()),
                          "evpi_se_deaths": float(perfect.std(ddof=1) / np.sqrt(total)),
                          "n": n, "inner": inner}])


# -- Sobol ------------------------------------------------------------------------------------
def sobol(sc, *, n, seed=None, output="deaths_averted", parameters=None, executor=None):
    """First-order and total Sobol indices of the optimal decision's outcome (SALib).

    Saltelli sampling of uniform variates in [0, 1], mapped through each parameter's
    distribution (inverse CDF), so the indices refer to the scenario's distributions;
    every design point re-optimises the allocation. Sobol indices assume independent
    inputs: declared correlations are ignored here (``attrs["note"]`` says so).

    Parameters
    ----------
    n : int
        Base sample size (a power of 2 is best); the model runs ``n * (D + 2)`` times.
    output : str
        ``"deaths_averted"`` or ``"share.<lever>"`` (that lever's share of the budget).

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (95% confidence
        half-widths), sorted by ``ST``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from .sampling import ppf

    table = _uncertain(sc, parameters)
    names = list(table["name"])
    if output != "deaths_averted" and not (
            output.startswith("share.") and output[6:] in sc.lever_names):
        raise ScenarioError("must be 'deaths_averted' or 'share.<lever>'", file="<sobol>",
                            key="output", value=output)
    if isinstance(n, bool) or not isinstance(n, int) or not 8 <= n <= 1_000_000:
        raise ScenarioError("must be a whole number in [8, 1e6]", file="<sobol>", key="n",
                            value=n)
    seed_int = int(root_seed(seed).generate_state(1)[0])
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when n is not a power of 2
        u = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed_int)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    values = {name: ppf(table.loc[name, "distribution"], table.loc[name, "low"],
                        table.loc[name, "base"], table.loc[name, "high"], u[:, j])
              for j, name in enumerate(names)}
    spend, deaths, b, *_ = solve_draws_on(sc, values, len(u), executor)
    if output == "deaths_averted":
        y = b.baseline.sum(axis=1) - deaths
    else:
        y = spend[:, sc.lever_names.index(output[6:])] / max(sc.budget, 1e-9)
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed_int,
                               print_to_console=False)
    out = pd.DataFrame({"parameter": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                        "ST": si["ST"], "ST_conf": si["ST_conf"]})
    out = out.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["runs"] = len(u)
    out.attrs["note"] = ("inputs treated as independent; the scenario's correlations are "
                         "ignored by Sobol indices" if sc.correlations else
                         "inputs independent")
    return out
