"""Random draws of a scenario's parameters, reproducible by seed and independent of how
the draws are chunked.

Draw ``k`` always comes from block ``k // BLOCK``, whose generator is spawned from
``SeedSequence(seed)`` by block index, so the same seed gives the same rows whether the
draws are made at once, in chunks of any size, or on other processes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLOCK", "pert", "sample_parameters", "root_seed"]

#: Draws per random block.
BLOCK = 4096


def pert(rng, low, mode, high, size):
    """PERT(low, mode, high) draws: ``low + (high - low) Beta(a, b)`` with
    ``a = 1 + 4 (mode - low) / (high - low)``, ``b = 1 + 4 (high - mode) / (high - low)``;
    ``low == high`` is a point mass."""
    width = high - low
    if width <= 0:
        return np.full(size, float(mode))
    a = 1 + 4 * (mode - low) / width
    b = 1 + 4 * (high - mode) / width
    return low + width * rng.beta(a, b, size)


def root_seed(seed):
    """The `numpy.random.SeedSequence` behind a study (``None`` = fresh entropy; 0 is a
    seed like any other)."""
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def sample_parameters(params, start, stop, seed):
    """Draws ``start..stop-1`` of every parameter, PERT(low, base, high).

    Parameters
    ----------
    params : pandas.DataFrame
        ``Scenario.parameters()``.
    start, stop : int
        Draw indices (the same indices always give the same values for one seed).
    seed : int, SeedSequence or None

    Returns
    -------
    dict[str, ndarray]
        One array of ``stop - start`` values per parameter name.
    """
    root = root_seed(seed)
    first, last = start // BLOCK, (stop - 1) // BLOCK
    # the child for block k, built directly (SeedSequence.spawn is stateful)
    children = [np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (k,),
                                       pool_size=root.pool_size)
                for k in range(first, last + 1)] if stop > start else []
    names = list(params["name"])
    out = {n: [] for n in names}
    for offset, child in enumerate(children):
        block = first + offset
        rng = np.random.default_rng(child)
        lo, hi = max(start - block * BLOCK, 0), min(stop - block * BLOCK, BLOCK)
        for row in params.itertuples(index=False):
            values = pert(rng, row.low, row.base, row.high, BLOCK)
            out[row.name].append(values[lo:hi])
    return {n: (np.concatenate(v) if v else np.empty(0)) for n, v in out.items()}
