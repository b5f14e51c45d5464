"""Random draws of a scenario's parameters, reproducible by seed and independent of how
the draws are chunked or where they run.

Each parameter is drawn from its declared distribution (PERT by default, triangular,
uniform, or lognormal with median ``base`` and ``low``/``high`` as its 5th and 95th
percentiles, truncated to ``low..high``); `ppf` gives the same distributions by inverse
CDF (Sobol designs map uniform samples through it). Declared rank correlations are imposed by
Iman & Conover (1982): each column is reordered to follow the ranks of correlated normal
scores. Draw ``k`` always comes from block ``k // BLOCK``, whose generator is derived from
``SeedSequence(seed)`` by block index, so the same seed gives the same rows whether the
draws are made at once, in chunks of any size, or on other processes or machines.

A scenario's ``[posterior]`` table (joint draws of some parameters, e.g. from
`decide.calibrate`) replaces those parameters' own distributions: each draw takes one whole
row of the table, its index uniform over the rows and drawn from the block's generator after
every other value of the block (so the other parameters get exactly the values they would
get without the table, and the rows too are independent of chunking). Resampling whole
rows keeps the posterior's correlations.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLOCK", "pert", "draw", "ppf", "sample_parameters", "root_seed", "block_seed",
           "correlation_matrix"]

#: Draws per random block (correlations are imposed within each block).
BLOCK = 4096
_Z95 = 1.6448536269514722


def pert(rng, low, mode, high, size):
    """PERT(low, mode, high) draws: ``low + (high - low) Beta(a, b)`` with
    ``a = 1 + 4 (mode - low) / (high - low)``, ``b = 1 + 4 (high - mode) / (high - low)``;
    ``low == high`` is a point mass."""
    return draw(rng, "pert", low, mode, high, size)


def draw(rng, distribution, low, base, high, size):
    """``size`` independent draws of one parameter (direct generators: fast)."""
    width = high - low
    if width <= 0:
        return np.full(size, float(base))
    if distribution == "uniform":
        return rng.uniform(low, high, size)
    if distribution == "triangular":
        return rng.triangular(low, base, high, size)
    if distribution == "lognormal":
        return ppf("lognormal", low, base, high, rng.random(size))
    a = 1 + 4 * (base - low) / width
    b = 1 + 4 * (high - base) / width
    return low + width * rng.beta(a, b, size)


def ppf(distribution, low, base, high, u):
    """Inverse CDF of a parameter's distribution at probabilities ``u`` (in [0, 1])."""
    from scipy import special, stats

    u = np.asarray(u, dtype=float)
    width = high - low
    if width <= 0:
        return np.full(u.shape, float(base))
    if distribution == "uniform":
        return low + width * u
    if distribution == "triangular":
        return stats.triang.ppf(u, (base - low) / width, loc=low, scale=width)
    if distribution == "lognormal":
        mu = np.log(base)
        sigma = max((np.log(high) - np.log(low)) / (2 * _Z95), 1e-12)
        lo, hi = special.ndtr((np.log(low) - mu) / sigma), special.ndtr((np.log(high) - mu)
                                                                         / sigma)
        x = np.exp(mu + sigma * special.ndtri(lo + u * (hi - lo)))
        return np.clip(x, low, high)
    a = 1 + 4 * (base - low) / width
    b = 1 + 4 * (high - base) / width
    return low + width * special.betaincinv(a, b, u)


def root_seed(seed):
    """The `numpy.random.SeedSequence` behind a study (``None`` = fresh entropy; 0 is a
    seed like any other)."""
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def block_seed(root, block):
    """The generator seed of block ``block`` (``SeedSequence.spawn`` is stateful, so the
    child is built directly from the root's entropy and spawn key)."""
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (block,),
                                  pool_size=root.pool_size)


def correlation_matrix(names, correlations):
    """Target rank-correlation matrix over ``names`` (identity where nothing is declared)."""
    idx = {n: i for i, n in enumerate(names)}
    corr = np.eye(len(names))
    for a, b, rho in correlations:
        corr[idx[a], idx[b]] = corr[idx[b], idx[a]] = rho
    return corr


def _iman_conover(columns, corr, rng):
    """Reorder each column to follow the ranks of normal scores with correlation ``corr``."""
    n, k = columns.shape
    scores = rng.standard_normal((n, k)) @ np.linalg.cholesky(corr).T
    ranks = np.argsort(np.argsort(scores, axis=0), axis=0)
    return np.take_along_axis(np.sort(columns, axis=0), ranks, axis=0)


def sample_parameters(params, start, stop, seed, correlations=(), posterior=None):
    """Draws ``start..stop-1`` of every parameter.

    Parameters
    ----------
    params : pandas.DataFrame
        ``Scenario.parameters()`` (uses ``name``, ``base``, ``low``, ``high`` and
        ``distribution``).
    start, stop : int
        Draw indices (the same indices always give the same values for one seed).
    seed : int, SeedSequence or None
    correlations : sequence of (name, name, rho)
        Rank correlations to impose (Iman-Conover, within each block of `BLOCK` draws).
    posterior : decide.scenario.core.Posterior or None
        ``Scenario.posterior``: its columns are drawn by resampling whole rows (uniform
        row indices from each block's generator), the other parameters as without it.

    Returns
    -------
    dict[str, ndarray]
        One array of ``stop - start`` values per parameter name.
    """
    root = root_seed(seed)
    names = list(params["name"])
    dists = (params["distribution"] if "distribution" in params else
             ["pert"] * len(names))
    correlated = sorted({n for a, b, _ in correlations for n in (a, b)})
    corr = correlation_matrix(correlated, correlations) if correlated else None
    out = {n: [] for n in names}
    table = None
    if posterior is not None:
        table = posterior.array()
        cols = [(j, n) for j, n in enumerate(posterior.columns) if n in out]
    if stop <= start:
        return {n: np.empty(0) for n in names}
    for block in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        rng = np.random.default_rng(block_seed(root, block))
        values = {row.name: draw(rng, dist, row.low, row.base, row.high, BLOCK)
                  for row, dist in zip(params.itertuples(index=False), dists)}
        if corr is not None:
            mixed = _iman_conover(np.column_stack([values[n] for n in correlated]), corr, rng)
            for j, n in enumerate(correlated):
                values[n] = mixed[:, j]
        if table is not None:  # last, so the draws above are as without a posterior
            rows = rng.integers(0, len(table), BLOCK)
            for j, n in cols:
                values[n] = table[rows, j]
        lo, hi = max(start - block * BLOCK, 0), min(stop - block * BLOCK, BLOCK)
        for n in names:
            out[n].append(values[n][lo:hi])
    return {n: np.concatenate(v) for n, v in out.items()}
