"""Monte Carlo with re-optimisation: every draw of the parameters gets its own optimal
allocation (the decision), not just its own deaths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fast
from .errors import ScenarioError
from .sampling import root_seed, sample_parameters

__all__ = ["monte_carlo", "monte_carlo_chunks"]

#: Draws per chunk by default (about 10 MB of rows for four levers).
CHUNK = 20_000


def _check(n, chunk):
    for key, value in (("n", n), ("chunk", chunk)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1 \
                or value > 10**9:
            raise ScenarioError("must be a whole number in [1, 1e9]", file="<monte_carlo>",
                                key=key, value=value)


def _lp_draws(sc, values, rows):
    """Re-solve draws ``rows`` with the certified LP: one persistent, warm-started HiGHS
    model whose coefficients change from draw to draw."""
    from .persistent import PersistentFlatLP

    model = PersistentFlatLP(sc)
    spend = np.zeros((len(rows), len(sc.levers)))
    deaths = np.zeros(len(rows))
    for k, r in enumerate(rows):
        spend[k], deaths[k], _ = model.solve({n: v[r] for n, v in values.items()})
    return spend, deaths


def _chunk_frame(sc, params, start, stop, seed, engine):
    values = sample_parameters(params, start, stop, seed, sc.correlations)
    n = stop - start
    b = fast.batch_inputs(sc, values, n)
    if engine == "fast":
        spend, certified = fast.solve_batch(b)
        deaths = fast.batch_deaths(b, spend)
        fallback = np.flatnonzero(~certified)
        if fallback.size:
            lp_spend, lp_deaths = _lp_draws(sc, values, fallback)
            better = lp_deaths < deaths[fallback]
            spend[fallback[better]] = lp_spend[better]
            deaths[fallback[better]] = lp_deaths[better]
    else:
        spend, deaths = _lp_draws(sc, values, np.arange(n))
        fallback = np.arange(n)
    baseline = b.baseline.sum(axis=1)
    frame = {"draw": np.arange(start, stop)}
    frame.update(values)
    for i, lever in enumerate(sc.lever_names):
        frame[f"spend.{lever}"] = spend[:, i]
    frame["deaths"] = deaths
    frame["deaths_averted"] = baseline - deaths
    return pd.DataFrame(frame), int(fallback.size)


def monte_carlo_chunks(sc, *, n, seed=None, chunk=CHUNK):
    """Stream `monte_carlo` rows in chunks of at most ``chunk`` draws.

    The rows are identical to `monte_carlo`'s for the same seed, whatever ``chunk`` is
    (draw ``k``'s values depend only on the seed and ``k``). Memory stays bounded by one
    chunk, so a million draws stream in well under 1 GiB.

    Yields
    ------
    pandas.DataFrame
        Rows as documented in `monte_carlo`, with ``attrs["engine"]`` and
        ``attrs["seed_entropy"]``.
    """
    from .optimize import check_feasible

    _check(n, chunk)
    check_feasible(sc)
    root = root_seed(seed)
    params = sc.parameters()
    engine = "fast" if fast.in_scope(sc) else "lp"
    for start in range(0, n, chunk):
        frame, fallback = _chunk_frame(sc, params, start, min(start + chunk, n), root, engine)
        frame.attrs.update(engine=engine, seed_entropy=root.entropy, lp_fallback_draws=fallback)
        yield frame


def monte_carlo(sc, *, n, seed=None, chunk=CHUNK):
    """Sample every parameter and re-optimise the allocation for each draw.

    Each parameter is drawn independently from PERT(low, base, high) (a point mass when
    ``low == high``). Scenarios in the fast engine's scope (flat allocations of
    ``saturating`` levers with budget, floors, ceilings and locks) use the vectorised
    exact engine (`decide.fast`), every draw certified within 1e-10 of its deaths or
    re-solved by the LP; others solve each draw with the certified LP (HiGHS).

    Parameters
    ----------
    sc : Scenario
    n : int
        Number of draws.
    seed : int or None
        ``None`` draws fresh entropy (recorded in ``attrs["seed_entropy"]``); 0 is a seed.
    chunk : int
        Draws solved at once (memory/speed trade-off; the rows do not depend on it).

    Returns
    -------
    pandas.DataFrame
        One row per draw: ``draw`` (index), one column per sampled parameter (named as
        in ``sc.parameters()``), ``spend.<lever>`` ($M per year), ``deaths`` (projected
        deaths over the horizon at that draw's optimum) and ``deaths_averted``.
        ``attrs["engine"]`` is ``"fast"`` or ``"lp"``; ``attrs["lp_fallback_draws"]``
        counts draws the LP re-solved.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> mc = decide.monte_carlo(sc, n=100, seed=0)
    >>> mc.attrs["engine"], len(mc)
    ('fast', 100)
    """
    frames = list(monte_carlo_chunks(sc, n=n, seed=seed, chunk=chunk))
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs.update(frames[0].attrs)
    out.attrs["lp_fallback_draws"] = sum(f.attrs["lp_fallback_draws"] for f in frames)
    return out
