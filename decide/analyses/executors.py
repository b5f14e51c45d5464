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
    tasks = ((text, {k: v[a:a + chunk] for k, v in values.items()}, 1)
             for a in range(0, n, chunk))
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


def _window(client):
    """Tasks in flight on a Dask cluster: twice its threads (each worker has the next
    task ready while one runs), at least 2."""
    try:
        threads = sum(client.nthreads().values())
    except Exception:  # noqa: BLE001 - an executor-like object without nthreads
        threads = 1
    return max(2, 2 * threads)


def _in_order(submit, tasks, window, release=None):
    """Results of ``submit(task)`` in task order, with at most ``window`` tasks submitted
    and not yet yielded: memory stays flat in the number of tasks. Each result is dropped
    (``release``: freed on the cluster) before it is yielded; the tasks not yet yielded
    are cancelled if the consumer stops early."""
    from collections import deque

    tasks = iter(tasks)
    pending = deque()
    try:
        for task in tasks:
            pending.append(submit(task))
            if len(pending) >= window:
                break
        while pending:
            future = pending.popleft()
            result = future.result()
            if release is not None:
                release(future)
            del future
            for task in tasks:  # refill before yielding: workers stay busy meanwhile
                pending.append(submit(task))
                break
            yield result
    finally:
        for future in pending:
            future.cancel()


def run_tasks(fn, tasks, executor=None):
    """Run ``fn(*task)`` for each task and yield the results in task order.

    Memory is bounded on every executor: tasks are taken from ``tasks`` (any iterable,
    e.g. a generator) as they are needed, with at most twice as many in flight as there
    are workers, and each result is released once yielded.

    Parameters
    ----------
    fn : callable
        Takes only plain values (it may run in another process).
    tasks : iterable of tuple
        The arguments of each call.
    executor : None, "processes", a `dask.distributed.Client`, or a scheduler address
        ``None`` runs here; ``"processes"`` uses one local process per CPU; a Dask client
        (or an address to connect to) sends each task to the cluster's workers.

    Yields
    ------
    object
        ``fn(*task)`` for each task, in order.

    Examples
    --------
    >>> list(run_tasks(divmod, [(7, 2), (9, 4)]))
    [(3, 1), (2, 1)]
    """
    check_executor(executor, where="executor")
    if executor is None:
        for task in tasks:
            yield fn(*task)
        return
    if executor == "processes":
        from concurrent.futures import ProcessPoolExecutor

        workers = os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from _in_order(lambda task: pool.submit(fn, *task), tasks, 2 * workers)
        return
    client, own = executor, False
    if isinstance(executor, str):
        from distributed import Client

        client, own = Client(executor), True
    try:
        if not hasattr(client, "nthreads"):  # an executor-like object with submit()
            yield from _in_order(lambda task: client.submit(fn, *task), tasks, 2)
            return
        yield from _in_order(lambda task: client.submit(fn, *task, pure=False), tasks,
                             _window(client), release=lambda future: future.release())
    finally:
        if own:  # a client made here from an address is closed here
            client.close()
