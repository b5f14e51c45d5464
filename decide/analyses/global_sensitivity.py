"""Sobol indices of the optimal decision's outcome (SALib)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..arguments import check_choice, check_executor, check_int, check_seed
from .common import uncertain
from .executors import solve_draws_on
from .sampling import ppf, root_seed

__all__ = ["sobol"]

# -- Sobol ------------------------------------------------------------------------------------
def sobol(sc, *, n, seed=None, output="deaths_averted", parameters=None, executor=None):
    """First-order and total Sobol indices of the optimal decision's outcome (SALib).

    Saltelli sampling of uniform variates in [0, 1], mapped through each parameter's
    distribution (inverse CDF), so the indices refer to the scenario's distributions;
    every design point re-optimises the allocation. Sobol indices assume independent
    inputs: declared correlations are ignored here (``attrs["note"]`` says so).

    A scenario's ``[posterior]`` table is drawn as one block: the uniform variate of the
    first posterior column among the analysed parameters picks a row,
    ``floor(u * rows)``, and every posterior column takes its value from that row, so the
    block moves jointly and keeps its correlations. That first column's indices are then
    those of the whole posterior block; the other posterior columns' own variates are
    unused, so their indices are zero up to sampling noise (``attrs["note"]`` says so).

    Parameters
    ----------
    sc : Scenario
    n : int
        Base sample size (a power of 2 is best); the model runs ``n * (D + 2)`` times.
    seed : int or None
        ``None`` draws fresh entropy; 0 is a seed.
    output : str
        ``"deaths_averted"`` (over the horizon) or ``"share.<lever>"`` (that lever's
        share of the budget).
    parameters : list of str, optional
        The ``D`` parameters analysed (default: every parameter with low < high); the
        others stay at base.
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-point optimisations run (identical results everywhere).

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (95% confidence
        half-widths), sorted by ``ST``; ``attrs["runs"]`` (optimisations) and
        ``attrs["note"]``.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> s = sobol(sc, n=64, seed=1, parameters=["levers.precursor.max_effect",
    ...                                         "levers.precursor.cost_per_pct",
    ...                                         "market.substitution"])
    >>> s[["parameter", "S1", "ST"]].round(2)
                           parameter    S1    ST
    0  levers.precursor.cost_per_pct  0.70  0.76
    1            market.substitution  0.03  0.03
    2    levers.precursor.max_effect  0.04  0.00
    >>> s.attrs["runs"]  # optimisations: n * (D + 2)
    320
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    table = uncertain(sc, parameters)
    names = list(table["name"])
    check_choice("output", output, ["deaths_averted"] + [f"share.{lv}"
                                                         for lv in sc.lever_names],
                 where="sobol")
    n = check_int("n", n, 8, 1_000_000, where="sobol")
    seed = check_seed(seed, where="sobol")
    check_executor(executor, where="sobol")
    seed_int = int(root_seed(seed).generate_state(1)[0])
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when n is not a power of 2
        u = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed_int)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    values = {name: ppf(table.loc[name, "distribution"], table.loc[name, "low"],
                        table.loc[name, "base"], table.loc[name, "high"], u[:, j])
              for j, name in enumerate(names)}
    block = _posterior_block(sc, names, u, values)
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
    if block:
        out.attrs["note"] += (f"; the posterior block ({', '.join(block)}) is drawn jointly "
                              f"by row through {block[0]}'s variate: {block[0]}'s indices "
                              "are the block's, the others' are zero")
    return out


def _posterior_block(sc, names, u, values):
    """Replace the posterior columns' values by whole rows of ``sc.posterior``, the row
    index ``floor(u * rows)`` from the first analysed posterior column's variate.
    Returns the posterior columns so drawn (empty without a posterior)."""
    if sc.posterior is None:
        return []
    block = [n for n in sc.posterior.columns if n in names]
    if not block:
        return []
    table = sc.posterior.array()
    first = u[:, names.index(block[0])]
    rows = np.minimum((first * len(table)).astype(np.int64), len(table) - 1)
    for n in block:
        values[n] = table[rows, sc.posterior.columns.index(n)]
    return block
