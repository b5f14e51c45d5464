"""Value of information: EVPI and EVPPI, in deaths and in $M."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..arguments import check_executor, check_int, check_seed
from ..errors import ScenarioError
from ..optimization import newton, optimize
from ..optimization.bounds import extra_rows
from ..optimization.cutting_planes import kelley
from .common import deaths_at, uncertain
from .executors import solve_draws_on
from .sampling import root_seed, sample_parameters

__all__ = ["evpi", "evppi"]

# -- value of information -----------------------------------------------------------------
def _death_price(sc):
    """$M per year that avert one death over the horizon (1 / budget shadow price)."""
    price = float(optimize(sc).shadow_prices["budget"])
    return 1.0 / price if price > 0 else np.nan


def _expected_optimum(sc, b):
    """Allocation minimising mean deaths over batch ``b`` (certified), as (L,)."""
    totals = b.scale.sum(axis=1)
    if newton.in_scope(sc):
        x, certified = newton.solve_batch(newton.MeanBatch(b))
        if certified[0]:
            return x[0]
    if sc.interactions or any(lv.min_size or lv.startup_cost for lv in sc.levers):
        raise ScenarioError("value of information does not yet support interactions or "
                            "minimum programme sizes", file=sc.source, key="evpi",
                            has_value=False)
    zeros = np.zeros(len(b))
    x, _, _, _ = kelley(b, totals, zeros, "expected", 0.5,
                         max(1e-6 * float(totals.mean()), 0.01), 300, extra_rows(sc))
    return x


def evpi(sc, *, n, seed=None, executor=None):
    """Expected value of perfect information: EVPI = min_x E[D] - E[min_x D].

    Estimated from one sample of ``n`` draws (as in `monte_carlo`):
    ``mean_s D_s(x_E) - mean_s D_s(x_s*)`` with ``x_E`` the expected-deaths optimum over
    the sample and ``x_s*`` each draw's own optimum. In-sample ``x_E`` makes the estimate
    slightly low.

    Parameters
    ----------
    sc : Scenario
    n : int
        Draws (as in `monte_carlo`: draws ``0..n-1`` of the seed), at least 2.
    seed : int or None
        ``None`` draws fresh entropy; 0 is a seed.
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-draw optimisations run (identical results everywhere).

    Returns
    -------
    pandas.DataFrame
        One row: ``evpi_deaths``, ``se_deaths`` (Monte Carlo standard error),
        ``evpi_musd_per_year`` and ``se_musd_per_year`` (the budget increase, $M per year
        for the horizon, that would avert as many deaths at the budget's marginal cost),
        ``expected_deaths`` (at ``x_E``), ``mean_optimal_deaths``, ``n``; the allocation
        ``x_E`` in ``attrs["spend"]`` ($M per year by lever).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> e = evpi(sc, n=200, seed=1)
    >>> e[["evpi_deaths", "se_deaths", "evpi_musd_per_year"]].round(1)
       evpi_deaths  se_deaths  evpi_musd_per_year
    0          6.4        1.2                60.4

    Knowing every assumption exactly would avert about 6 more deaths over the horizon,
    worth about $60M a year of extra budget at the margin.
    """
    n = check_int("n", n, 2, 1_000_000, where="evpi")
    seed = check_seed(seed, where="evpi")
    check_executor(executor, where="evpi")
    root = root_seed(seed)
    values = sample_parameters(sc.parameters(), 0, n, root, sc.correlations,
                               sc.posterior)
    spend_star, _, b, *_ = solve_draws_on(sc, values, n, executor)
    x_e = _expected_optimum(sc, b)
    at_e, at_own = deaths_at(b, x_e), deaths_at(b, spend_star)
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
    Correlations between ``theta`` and the other parameters are not kept inside a group;
    nor, with a ``[posterior]`` table, is the dependence of posterior columns outside
    ``theta`` on those inside (they vary over all rows).

    Parameters
    ----------
    sc : Scenario
    parameters : str or list of str
        The parameters ``theta`` learnt together (names as in ``sc.parameters()``).
    n : int
        Outer draws of ``theta``.
    seed : int or None
        ``None`` draws fresh entropy; 0 is a seed.
    inner : int
        Draws of the other parameters per outer draw (``n * inner`` optimisations).
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-draw optimisations run (identical results everywhere).

    Returns
    -------
    pandas.DataFrame
        One row: ``parameters`` (joined by ``+``), ``evppi_deaths``, ``se_deaths``,
        ``evppi_musd_per_year``, ``se_musd_per_year``, ``evpi_deaths`` and
        ``evpi_se_deaths`` on the same sample, ``n``, ``inner``. Deaths over the
        horizon; $M per year as in `evpi`.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> e = evppi(sc, ["levers.counter_network.cost_per_pct"], n=10, inner=20, seed=1)
    >>> e[["evppi_deaths", "se_deaths", "evpi_deaths"]].round(2)
       evppi_deaths  se_deaths  evpi_deaths
    0          0.54       0.47         8.44
    >>> float(evppi(sc, ["levers.precursor.max_effect"], n=10, inner=20,
    ...                 seed=1)["evppi_deaths"].iloc[0])  # learning it changes no decision
    0.0
    """
    names = list(uncertain(sc, parameters)["name"])
    n = check_int("n", n, 2, 100_000, where="evppi")
    inner = check_int("inner", inner, 2, 100_000, where="evppi")
    seed = check_seed(seed, where="evppi")
    check_executor(executor, where="evppi")
    root = root_seed(seed)
    total = n * inner
    values = sample_parameters(sc.parameters(), 0, total, root, sc.correlations,
                               sc.posterior)
    for name in names:  # theta constant within each group
        values[name] = np.repeat(values[name][::inner], inner)
    spend_star, _, b, *_ = solve_draws_on(sc, values, total, executor)
    x_e = _expected_optimum(sc, b)
    d_e = deaths_at(b, x_e)
    gains = np.empty(n)
    for j in range(n):
        group = b.take(np.arange(j * inner, (j + 1) * inner))
        x_j = _expected_optimum(sc, group)
        gains[j] = d_e[j * inner:(j + 1) * inner].mean() - deaths_at(group, x_j).mean()
    gains = np.maximum(gains, 0.0)
    perfect = np.maximum(d_e - deaths_at(b, spend_star), 0.0)
    per = _death_price(sc)
    value, se = float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(n))
    return pd.DataFrame([{"parameters": "+".join(names), "evppi_deaths": value,
                          "se_deaths": se, "evppi_musd_per_year": value * per,
                          "se_musd_per_year": se * per, "evpi_deaths": float(perfect.mean()),
                          "evpi_se_deaths": float(perfect.std(ddof=1) / np.sqrt(total)),
                          "n": n, "inner": inner}])
