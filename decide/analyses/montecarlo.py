"""Monte Carlo with re-optimisation: every draw of the parameters gets its own optimal
allocation (the decision), not just its own deaths. Chunks of draws run locally, on local
processes or on a Dask cluster, with identical results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..arguments import check_executor, check_int, check_seed
from ..optimization import check_feasible, solve_draws
from ..optimization.certificate import FUNDED
from ..scenario import parse_scenario
from .executors import run_tasks, worker_name
from .sampling import root_seed, sample_parameters

__all__ = ["monte_carlo", "monte_carlo_chunks", "summarize"]

#: Draws per chunk by default (about 10 MB of rows for four levers).
CHUNK = 20_000


def _check(n, chunk, seed, executor):
    """The arguments of `monte_carlo` and `monte_carlo_chunks`, as Python ints."""
    n = check_int("n", n, 1, 10**9, where="monte_carlo")
    chunk = check_int("chunk", chunk, 1, 10**9, where="monte_carlo")
    return n, chunk, check_seed(seed, where="monte_carlo"), check_executor(
        executor, where="monte_carlo")


def _chunk_task(toml_text, start, stop, entropy, spawn_key, threads):
    """One chunk of draws; takes only plain values, so it runs in any process (run here,
    it may be given the scenario itself: `to_toml` loads back to an equal scenario, and
    a ``[posterior]`` table makes the text long to write and parse)."""
    sc = (parse_scenario(toml_text.encode(), source="<task>") if isinstance(toml_text, str)
          else toml_text)
    seed = np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key))
    values = sample_parameters(sc.parameters(), start, stop, seed, sc.correlations,
                               sc.posterior)
    spend, deaths, b, engine, fallback = solve_draws(sc, values, stop - start, threads)
    frame = {"draw": np.arange(start, stop)}
    frame.update(values)
    for i, lever in enumerate(sc.lever_names):
        frame[f"spend.{lever}"] = spend[:, i]
    frame["deaths"] = deaths
    frame["deaths_averted"] = b.baseline.sum(axis=1) - deaths
    out = pd.DataFrame(frame)
    out.attrs.update(engine=engine, lp_fallback_draws=fallback, worker=worker_name())
    return out


def monte_carlo_chunks(sc, *, n, seed=None, chunk=CHUNK, executor=None):
    """Stream `monte_carlo` rows in chunks of at most ``chunk`` draws.

    The rows are identical to `monte_carlo`'s for the same seed, whatever ``chunk`` and
    ``executor`` are (draw ``k``'s values depend only on the seed and ``k``, and each
    draw is solved independently). Memory stays bounded by one chunk (local) or by the
    chunks in flight (executors: twice the workers, each released once yielded; see
    `run_tasks`), so a million draws stream in well under 1 GiB.

    Parameters
    ----------
    sc : Scenario
    n : int
        Number of draws.
    seed : int or None
        ``None`` draws fresh entropy (recorded in ``attrs["seed_entropy"]``); 0 is a seed.
    chunk : int
        Most draws per chunk.
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where chunks run; results are identical on every executor.

    Yields
    ------
    pandas.DataFrame
        Rows as documented in `monte_carlo`, with ``attrs["engine"]``,
        ``attrs["seed_entropy"]`` and ``attrs["worker"]`` (where the chunk ran).

    Examples
    --------
    >>> import pandas as pd
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> chunks = list(monte_carlo_chunks(sc, n=250, seed=0, chunk=100))
    >>> [len(c) for c in chunks], int(chunks[-1]["draw"].iloc[-1])
    ([100, 100, 50], 249)
    >>> whole = decide.monte_carlo(sc, n=250, seed=0)
    >>> pd.concat(chunks, ignore_index=True).equals(whole)  # the same rows
    True
    """
    n, chunk, seed, executor = _check(n, chunk, seed, executor)
    check_feasible(sc)
    root = root_seed(seed)
    text = sc if executor is None else sc.to_toml()
    threads = None if executor is None else 1  # one thread per worker process
    # a generator: with a billion draws the tasks themselves would not fit in memory
    tasks = ((text, a, min(a + chunk, n), root.entropy, tuple(root.spawn_key), threads)
             for a in range(0, n, chunk))
    for frame in run_tasks(_chunk_task, tasks, executor):
        frame.attrs["seed_entropy"] = root.entropy
        yield frame


def monte_carlo(sc, *, n, seed=None, chunk=CHUNK, executor=None):
    """Sample every parameter and re-optimise the allocation for each draw.

    Each parameter is drawn from its declared distribution (PERT(low, base, high) unless
    the scenario file says ``triangular``, ``uniform`` or ``lognormal``; a point mass when
    ``low == high``), with the scenario's rank correlations imposed (Iman-Conover).
    Scenarios in the fast engine's scope (flat allocations of ``saturating`` levers with
    budget, floors, ceilings and locks) use the vectorised exact engine
    (`decide.optimization.newton`),
    every draw certified within 1e-10 of its deaths or re-solved by the LP; others solve
    each draw with a persistent, warm-started HiGHS model of the certified LP.

    Parameters
    ----------
    sc : Scenario
    n : int
        Number of draws.
    seed : int or None
        ``None`` draws fresh entropy (recorded in ``attrs["seed_entropy"]``); 0 is a seed.
    chunk : int
        Draws per task (memory/speed trade-off; the rows do not depend on it).
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where chunks run (see `run_tasks`); results are identical on every executor.

    Returns
    -------
    pandas.DataFrame
        One row per draw: ``draw`` (index), one column per sampled parameter (named as
        in ``sc.parameters()``), ``spend.<lever>`` ($M per year), ``deaths`` (projected
        deaths over the horizon at that draw's optimum) and ``deaths_averted``.
        ``attrs["engine"]`` is ``"fast"`` or ``"lp"``; ``attrs["lp_fallback_draws"]``
        counts draws the LP re-solved; ``attrs["workers"]`` lists where chunks ran.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> mc = decide.monte_carlo(sc, n=100, seed=0)
    >>> mc.attrs["engine"], len(mc)
    ('fast', 100)
    """
    frames = list(monte_carlo_chunks(sc, n=n, seed=seed, chunk=chunk, executor=executor))
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs = {"engine": frames[0].attrs["engine"],
                 "seed_entropy": frames[0].attrs["seed_entropy"],
                 "lp_fallback_draws": sum(f.attrs["lp_fallback_draws"] for f in frames),
                 "workers": sorted({f.attrs["worker"] for f in frames})}
    return out


def summarize(mc, *, percentiles=(5, 25, 50, 75, 95)):
    """Summarise `monte_carlo` output.

    Parameters
    ----------
    mc : pandas.DataFrame
        The output of `monte_carlo` (or any frame with ``spend.<lever>`` and
        ``deaths_averted`` columns).
    percentiles : sequence of float
        Percentiles to report, in [0, 100].

    Returns
    -------
    pandas.DataFrame
        One row per lever (``quantity`` = ``spend.<lever>``, $M per year) with
        ``p_funded`` (share of draws spending more than $0.001M a year), ``mean`` and the
        percentiles ``p5``..``p95``; then a row ``deaths_averted`` (deaths over the
        horizon; ``p_funded`` empty).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> mc = decide.monte_carlo(sc, n=200, seed=0)
    >>> summarize(mc, percentiles=(5, 50, 95)).round(2)
                    quantity  p_funded    mean      p5     p50      p95
    0  spend.counter_network      0.84  316.95    0.00  300.00   700.00
    1        spend.financial      0.84  322.25    0.00  400.00   400.00
    2         spend.gun_flow      0.20   60.80    0.00    0.00   300.00
    3        spend.precursor      1.00  300.00  300.00  300.00   300.00
    4         deaths_averted       NaN  899.13  309.12  713.16  2224.82
    """
    rows = []
    for col in [c for c in mc.columns if c.startswith("spend.")] + ["deaths_averted"]:
        values = mc[col].to_numpy()
        row = {"quantity": col,
               "p_funded": float((values > FUNDED).mean()) if col != "deaths_averted"
               else np.nan,
               "mean": float(values.mean())}
        row.update({f"p{q}": float(np.percentile(values, q)) for q in percentiles})
        rows.append(row)
    return pd.DataFrame(rows)
