"""Robust allocations: one allocation for all draws (expected deaths, minimax regret,
CVaR), certified, and tested out of sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..arguments import (
    check_choice,
    check_executor,
    check_int,
    check_real,
    check_seed,
)
from ..errors import ScenarioError
from ..optimization import newton, optimize
from ..optimization.bounds import extra_rows
from ..optimization.cutting_planes import cvar, kelley
from .common import deaths_at
from .executors import solve_draws_on
from .sampling import root_seed, sample_parameters

__all__ = ["robust", "RobustResult", "cvar"]

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
        ``cvar_regret`` (deaths over the horizon), ``draws``.
    alpha : float
        The CVaR level used.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> r = decide.robust(sc, n=100, seed=1)  # minimise expected deaths
    >>> r.objective, r.spend.tolist()  # $M per year, by lever
    ('expected', [300.0, 400.0, 0.0, 300.0])
    >>> round(r.value), r.gap  # mean deaths over the horizon across the 100 draws
    (455760, 0.0)
    >>> r.draws.head(3).round(1)
       draw    deaths  optimal_deaths  regret
    0     0  445391.4        445391.4     0.0
    1     1  382127.6        382127.6     0.0
    2     2  338599.4        338599.4     0.0
    """

    spend: pd.Series
    objective: str
    value: float
    gap: float
    method: str
    draws: pd.DataFrame
    out_of_sample: pd.DataFrame
    alpha: float


def robust(sc, *, n=1000, seed=None, objective="expected", alpha=0.9, out_of_sample=None,
           tol=None, max_iterations=300, executor=None):
    """One allocation for all draws: expected deaths, minimax regret, or CVaR.

    Parameters
    ----------
    sc : Scenario
        Flat allocations without interactions or minimum programme sizes.
    n : int
        In-sample draws (sampled as in `monte_carlo`: draws ``0..n-1`` of the seed).
    seed : int or None
        ``None`` draws fresh entropy; 0 is a seed.
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
    max_iterations : int
        Cutting-plane rounds before giving up.
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-draw optimisations run (identical results everywhere).

    Returns
    -------
    RobustResult
        ``method`` says how it was solved: the expected objective of a scenario within
        the fast engine's scope is solved by the barrier/Newton engine on the mean of the
        draws' objectives and certified by the concavity bound; every other case by LP
        cutting planes (Kelley) with per-draw epigraphs on HiGHS, certified by the LP's
        lower bound.

    Raises
    ------
    ScenarioError
        Interactions or minimum programme sizes, or an invalid option.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> r = robust(sc, n=100, seed=1, objective="regret")  # minimax regret
    >>> r.spend.round(1).to_dict()  # $M per year
    {'counter_network': 346.5, 'financial': 353.5, 'gun_flow': 0.0, 'precursor': 300.0}
    >>> round(r.value, 1)  # the largest regret over the 100 draws, deaths
    52.7
    >>> r.out_of_sample[["allocation", "mean_regret", "max_regret"]].round(1)
      allocation  mean_regret  max_regret
    0     robust         14.3       115.4
    1  base case          8.3       131.1

    On 100 fresh draws the robust allocation's worst regret is lower than the base
    case's, at the price of a higher mean regret.
    """
    if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
        raise ScenarioError("robust allocations do not yet support interactions or minimum "
                            "programme sizes", file=sc.source, key="robust",
                            has_value=False)
    check_choice("objective", objective, ("expected", "regret", "cvar", "cvar_regret"),
                 where="robust")
    alpha = check_real("alpha", alpha, 0, 1, low_open=True, high_open=True, where="robust")
    n = check_int("n", n, 2, 200_000, where="robust")
    if out_of_sample is not None:
        out_of_sample = check_int("out_of_sample", out_of_sample, 1, 200_000, where="robust")
    if tol is not None:
        tol = check_real("tol", tol, 0, low_open=True, what="deaths", where="robust")
    max_iterations = check_int("max_iterations", max_iterations, 1, 100_000, where="robust")
    seed = check_seed(seed, where="robust")
    check_executor(executor, where="robust")
    root = root_seed(seed)
    params = sc.parameters()
    values = sample_parameters(params, 0, n, root, sc.correlations,
                               sc.posterior)
    spend_star, _, b, *_ = solve_draws_on(sc, values, n, executor)
    totals = b.scale.sum(axis=1)
    optimal = deaths_at(b, spend_star)
    tol = tol if tol is not None else max(1e-4 * float((totals - optimal).mean()), 0.01)
    rows = extra_rows(sc)
    if objective == "expected" and newton.in_scope(sc):
        x, certified = newton.solve_batch(newton.MeanBatch(b))
        x = x[0]
        value = float(deaths_at(b, x).mean())
        gap = float(newton.certificate(newton.MeanBatch(b), x[None])[0])
        method = ("expected deaths solved by the barrier/Newton engine on the mean of "
                  "the draws' objectives; certified by the concavity bound")
        if not certified[0] or gap > tol:
            x, value, gap, _ = kelley(b, totals, optimal, objective, alpha, tol,
                                       max_iterations, rows)
            method = "LP cutting planes (Kelley) with per-draw epigraphs, HiGHS"
    else:
        x, value, gap, its = kelley(b, totals, optimal, objective, alpha, tol,
                                     max_iterations, rows)
        method = (f"LP cutting planes (Kelley) with per-draw epigraphs, HiGHS; {its} "
                  "rounds; certified by the LP's lower bound")
    deaths = deaths_at(b, x)
    draws = pd.DataFrame({"draw": np.arange(n), "deaths": deaths, "optimal_deaths": optimal,
                          "regret": deaths - optimal})
    oos = _out_of_sample(sc, x, root, n, out_of_sample or n, alpha, executor)
    return RobustResult(spend=pd.Series(x, index=pd.Index(sc.lever_names, name="lever"),
                                        name="spend"),
                        objective=objective, value=value, gap=gap, method=method,
                        draws=draws, out_of_sample=oos, alpha=alpha)


def _out_of_sample(sc, x, root, start, m, alpha, executor=None):
    values = sample_parameters(sc.parameters(), start, start + m, root, sc.correlations,
                               sc.posterior)
    spend_star, _, b, *_ = solve_draws_on(sc, values, m, executor)
    optimal = deaths_at(b, spend_star)
    rows = []
    base = optimize(sc).spend.to_numpy()
    for label, alloc in (("robust", x), ("base case", base)):
        deaths = deaths_at(b, alloc)
        regret = deaths - optimal
        rows.append({"allocation": label, "mean_deaths": float(deaths.mean()),
                     "mean_regret": float(regret.mean()), "max_regret": float(regret.max()),
                     "cvar_deaths": cvar(deaths, alpha), "cvar_regret": cvar(regret, alpha),
                     "draws": m})
    return pd.DataFrame(rows)
