"""Where chunks of draws run: here, on local processes, or on a Dask cluster, with
identical results."""

from __future__ import annotations

import os
import sys

import numpy as np

from ..arguments import check_executor
from ..optimization import newton, solve_draws
from ..scenario import parse_scenario

__all__ = ["run_tasks", "solve_draws_on", "worker_name"]

def _values_task(toml_text, values, threads):
    """Solve given draws (plain arrays) in any process: (spend, deaths, worker)."""
    sc = parse_scenario(toml_text.encode(), source="<task>")
    n = len(next(iter(values.values()))) if values else 0
    spend, deaths, _, engine, fallback = solve_draws(sc, values, n, threads)
    return spend, deaths, engine, fallback, worker_name()


def solve_draws_on(sc, values, n, executor=None, chunk=5000):
    """`solve_draws` for many draws, in chunks on ``executor`` (see `run_tasks`).

    Returns ``(spend, deaths, batch, engine, fallback, workers)``; identical results on
    every executor.
    """
    if executor is None or n <= chunk:
        spend, deaths, b, engine, fallback = solve_draws(sc, values, n)
        return spend, deaths, b, engine, fallback, [worker_name()]
    text = sc.to_toml()
    tasks = [(text, {k: v[a:a + chunk] for k, v in values.items()}, 1)
             for a in range(0, n, chunk)]
    parts = list(run_tasks(_values_task, tasks, executor))
    spend = np.concatenate([p[0] for p in parts])
    deaths = np.concatenate([p[1] for p in parts])
    return (spend, deaths, newton.batch_inputs(sc, values, n), parts[0][2],
            sum(p[3] for p in parts), sorted({p[4] for p in parts}))


def worker_name():
    # only ask Dask when it is already loaded: importing it costs most of a second
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        try:
            return distributed.get_worker().address
        except ValueError:  # not inside a Dask worker
            pass
    return f"pid:{os.getpid()}"


def run_tasks(fn, tasks, executor=None):
    """Run ``fn(*task)`` for each task and yield the results in task order.

    Parameters
    ----------
    executor : None, "processes", a `dask.distributed.Client`, or a scheduler address
        ``None`` runs here; ``"processes"`` uses one local process per CPU; a Dask client
        (or an address to connect to) sends each task to the cluster's workers.
    """
    check_executor(executor, where="executor")
    if executor is None:
        for task in tasks:
            yield fn(*task)
        return
    if executor == "processes":
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            futures = [pool.submit(fn, *task) for task in tasks]
            for f in futures:
                yield f.result()
        return
    client = executor
    if isinstance(executor, str):
        from distributed import Client

        client = Client(executor)
    futures = [client.submit(fn, *task, pure=False) for task in tasks]
    for f in futures:
        yield f.result()
