"""The outlook of one allocation across plausible worlds: what funding it would avert,
how often it is (close to) the best choice, and deaths by year with their spread.

The draws are those of `monte_carlo` with the same seed (draw ``k`` of the seed), so an
outlook and a Monte Carlo run read the same worlds, and outlooks of two allocations with
one seed are paired draw by draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models import deaths as mdl
from models import timing

from ..arguments import check_executor, check_int, check_real, check_seed
from ..optimization import check_feasible, newton
from ..optimization.certificate import FUNDED
from ..optimization.evaluation import as_plan
from .common import deaths_at
from .executors import solve_draws_on
from .sampling import root_seed, sample_parameters

__all__ = ["Outlook", "outlook", "NEAR_BEST"]

#: An allocation counts as the best choice in a world when its regret there is at most
#: this share of the deaths the world's own optimum averts (solver noise aside, "best").
NEAR_BEST = 0.01


@dataclass(frozen=True, eq=False)
class Outlook:
    """One allocation scored across draws of every assumption.

    Attributes
    ----------
    allocation : pandas.DataFrame
        The plan scored: index year (1..T), columns levers, $M per year.
    draws : pandas.DataFrame
        One row per draw: ``draw``; ``baseline_deaths`` (no new spending) and
        ``deaths_averted`` by the allocation, over the horizon (undiscounted);
        and, when re-optimised (`reoptimised`), ``optimal_deaths_averted`` by that
        draw's own optimal flat allocation;
        ``regret`` (deaths, in the optimiser's objective: discounted when the scenario
        discounts); ``near_best`` (regret at most ``tolerance`` of the draw's optimum);
        and ``spend.<lever>`` of the draw's optimum ($M per year).
    fan : pandas.DataFrame
        Deaths per year: ``year`` (1..T), ``series`` ("No new spending" or "With the
        allocation"), ``p05``, ``p50``, ``p95``.
    averted_fan : pandas.DataFrame
        Deaths averted per year by the allocation, same columns (``series`` "Deaths
        averted").
    tolerance : float
        `NEAR_BEST` or the value given.
    seed_entropy : int
        Repeats the draws (``seed=seed_entropy``).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> out = decide.outlook(sc, n=200, seed=0)  # the optimum in 200 plausible worlds
    >>> [round(v) for v in out.interval()]  # deaths averted over the horizon: 5%, 50%, 95%
    [309, 703, 2200]
    >>> [round(100 * v, 2) for v in out.share_of_baseline()]  # % of baseline deaths
    [0.07, 0.42]
    >>> out.p_best, out.p_funded.round(2).to_dict()
    (0.775, {'counter_network': 0.84, 'financial': 0.84, 'gun_flow': 0.2, 'precursor': 1.0})
    >>> guns = {"counter_network": 0, "financial": 400, "gun_flow": 300, "precursor": 300}
    >>> decide.outlook(sc, guns, n=200, seed=0).p_best  # same worlds, another allocation
    0.3
    """

    allocation: pd.DataFrame
    draws: pd.DataFrame
    fan: pd.DataFrame
    averted_fan: pd.DataFrame
    tolerance: float
    seed_entropy: int

    @property
    def n(self):
        """Number of draws."""
        return len(self.draws)

    def interval(self, column="deaths_averted", level=0.9):
        """``(low, median, high)`` of a column of `draws` over the central ``level``."""
        q = self.draws[column].quantile([(1 - level) / 2, 0.5, (1 + level) / 2])
        return tuple(float(v) for v in q)

    def share_of_baseline(self, level=0.9):
        """``(low, high)`` of deaths averted as a share of baseline deaths, per draw."""
        share = self.draws["deaths_averted"] / self.draws["baseline_deaths"]
        q = share.quantile([(1 - level) / 2, (1 + level) / 2])
        return float(q.iloc[0]), float(q.iloc[1])

    @property
    def reoptimised(self):
        """Whether each draw's own optimum was found (`p_best`, `p_funded`, regret)."""
        return "regret" in self.draws

    @property
    def p_best(self):
        """Share of draws where the allocation is (within the tolerance) the best, or
        None when the draws were not re-optimised."""
        return float(self.draws["near_best"].mean()) if self.reoptimised else None

    @property
    def p_funded(self):
        """Share of draws whose own optimum funds each lever (pandas.Series by lever),
        or None when the draws were not re-optimised."""
        if not self.reoptimised:
            return None
        cols = [c for c in self.draws.columns if c.startswith("spend.")]
        return pd.Series({c[6:]: float((self.draws[c] > FUNDED).mean()) for c in cols},
                         name="p_funded")


def _plan(sc, allocation):
    """The plan (T, L) of an Allocation, a mapping/Series of spend or a plan frame."""
    if allocation is None:
        from ..optimization import optimize

        allocation = optimize(sc)
    if hasattr(allocation, "plan") and hasattr(allocation, "scenario"):
        return allocation.plan[sc.lever_names].to_numpy(dtype=float)
    return as_plan(sc, allocation)


def _yearly(plan, b):
    """Deaths by year (N, T) per draw for a plan (T, L) on batch ``b``."""
    if (plan == plan[0]).all():
        return mdl.deaths(b.profile * plan[0][None, :, None], b)
    # a plan that varies by year: each draw has its own timing profile
    return mdl.deaths(timing.effective_spend(plan, b.profile), b)


def _regret_deaths(plan, b, optimal_deaths):
    """Regret in the optimiser's deaths (discounted when the scenario discounts)."""
    if (plan == plan[0]).all():
        return deaths_at(b, plan[0]) - optimal_deaths
    yd = _yearly(plan, b)
    return (yd.total * b.discount[None, :]).sum(axis=1) - optimal_deaths


def _fan(series_values, horizon):
    rows = []
    for series, values in series_values:
        q = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
        rows.append(pd.DataFrame({"year": np.arange(1, horizon + 1), "series": series,
                                  "p05": q[0], "p50": q[1], "p95": q[2]}))
    return pd.concat(rows, ignore_index=True)


def outlook(sc, allocation=None, *, n=10_000, seed=0, tolerance=NEAR_BEST, reoptimise=True,
            executor=None):
    """Score one allocation in ``n`` plausible worlds, against each world's optimum.

    Parameters
    ----------
    sc : Scenario
    allocation : Allocation, Mapping[str, float], pandas.Series or pandas.DataFrame, optional
        $M per year per lever (flat), a plan (one row per year), or a result of
        `decide.optimize` (its plan). Default: ``decide.optimize(sc)``.
    n : int
        Draws (those of ``monte_carlo(sc, n=n, seed=seed)``).
    seed : int or None
        ``None`` draws fresh entropy (recorded in ``seed_entropy``).
    tolerance : float
        Regret, as a share of the deaths a world's optimum averts, up to which the
        allocation counts as that world's best (default `NEAR_BEST`, 1%).
    reoptimise : bool
        Find each draw's own optimum (for regret, `Outlook.p_best` and
        `Outlook.p_funded`). Outside the fast engine's scope (custom constraints,
        interactions, minimum sizes) that costs an LP per draw (about 10 ms); False
        scores the allocation alone, in the same draws.
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-draw optimisations run (identical results everywhere).

    Returns
    -------
    Outlook

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> out = decide.outlook(sc, n=200, seed=0)
    >>> low, median, high = out.interval()
    >>> low < median < high and 0 < out.p_best <= 1
    True
    """
    n = check_int("n", n, 2, 10**7, where="outlook")
    seed = check_seed(seed, where="outlook")
    tolerance = check_real("tolerance", tolerance, 0, 1, where="outlook")
    check_executor(executor, where="outlook")
    check_feasible(sc)
    plan = _plan(sc, allocation)
    root = root_seed(seed)
    values = sample_parameters(sc.parameters(), 0, n, root, sc.correlations, sc.posterior)
    if reoptimise:
        spend_star, _, b, *_ = solve_draws_on(sc, values, n, executor)
    else:
        b = newton.batch_inputs(sc, values, n)
    yd = _yearly(plan, b)
    base_total = yd.baseline.sum(axis=1)
    frame = {"draw": np.arange(n), "baseline_deaths": base_total,
             "deaths_averted": base_total - yd.total.sum(axis=1)}
    if reoptimise:
        optimal = deaths_at(b, spend_star)  # the optimiser's objective, per draw
        frame["optimal_deaths_averted"] = base_total - mdl.deaths(
            b.profile * spend_star[:, :, None], b).total.sum(axis=1)
        regret = np.maximum(_regret_deaths(plan, b, optimal), 0.0)
        frame["regret"] = regret
        best = b.scale.sum(axis=1) - optimal  # discounted deaths the optimum averts
        frame["near_best"] = regret <= tolerance * np.maximum(best, 1e-9)
        for i, lever in enumerate(sc.lever_names):
            frame[f"spend.{lever}"] = spend_star[:, i]
    plan_frame = pd.DataFrame(plan, columns=sc.lever_names,
                              index=pd.RangeIndex(1, sc.horizon + 1, name="year"))
    return Outlook(allocation=plan_frame, draws=pd.DataFrame(frame),
                   fan=_fan((("No new spending", yd.baseline),
                             ("With the allocation", yd.total)), sc.horizon),
                   averted_fan=_fan((("Deaths averted", yd.baseline - yd.total),),
                                    sc.horizon),
                   tolerance=float(tolerance),
                   seed_entropy=root.entropy)
