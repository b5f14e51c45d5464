"""Benchmark: peak memory of Monte Carlo on executors, chunks submitted all at once (the
strategy before issue 17) against a bounded window of chunks in flight (`run_tasks`).

Run with ``python bench/bench_memory.py [--n 1000000] [--small 250000] [--chunk 20000]
[--quick]``. Each measurement runs in a fresh process (so that peaks do not carry over)
that starts its own executor: a two-worker Dask ``LocalCluster`` (one thread per worker
process) or ``"processes"``. A thread samples, every 50 ms, the resident memory (RSS) of
the process and of every process below it (Dask's worker processes, or the pool's); the
table prints the sum of the workers' peaks, the client's peak (for Dask the scheduler and
the nannies run in the client's process) and their total, in MB: whole-process peaks as
``top`` shows them, imports included (a worker with ``decide`` imported holds ~280 MB
before its first chunk). Seconds are wall time, noisy on a shared machine.

Workloads:

* ``monte_carlo``: ``decide.monte_carlo(sc, n, executor=...)`` returns the whole table,
  so the client holds every row whatever the strategy; the workers should not.
* ``stream``: ``decide.monte_carlo_chunks`` consumed chunk by chunk (as ``decide
  monte-carlo --out x.parquet`` does): client and workers should both stay flat in ``n``.

"All at once" is the old `run_tasks` body, copied below and patched in; nothing else
differs between the two rows of a pair.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "inputs" / "baseline.toml"


def _old_run_tasks(fn, tasks, executor=None):
    """`decide.analyses.executors.run_tasks` before issue 17: every task submitted at
    once, every future referenced until the last result is yielded."""
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
    futures = [executor.submit(fn, *task, pure=False) for task in tasks]
    for f in futures:
        yield f.result()


class _Sampler(threading.Thread):
    """Peak RSS of this process and, separately, of every process below it."""

    def __init__(self, period=0.05):
        super().__init__(daemon=True)
        import psutil

        self.me = psutil.Process()
        self.period = period
        self.client = 0
        self.workers = {}  # pid -> peak RSS (bytes)
        self.halt = threading.Event()

    def run(self):
        import psutil

        while not self.halt.is_set():
            try:
                self.client = max(self.client, self.me.memory_info().rss)
                for child in self.me.children(recursive=True):
                    try:
                        rss = child.memory_info().rss
                    except psutil.Error:
                        continue
                    self.workers[child.pid] = max(self.workers.get(child.pid, 0), rss)
            except psutil.Error:
                pass
            self.halt.wait(self.period)

    def stop(self):
        self.halt.set()
        self.join()


def _child(executor_kind, workload, strategy, n, chunk):
    """One measurement (in its own process); prints a JSON line."""
    import decide
    from decide.analyses import montecarlo

    if strategy == "all-at-once":
        montecarlo.run_tasks = _old_run_tasks
    sc = decide.load_scenario(BASELINE)
    sampler = _Sampler()
    cluster = client = None
    if executor_kind == "dask":
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           memory_limit=0)  # no spilling or pausing
        client = distributed.Client(cluster)
        executor = client
    else:
        executor = "processes"
    sampler.start()
    t = time.perf_counter()
    rows = 0
    if workload == "monte_carlo":
        rows = len(decide.monte_carlo(sc, n=n, seed=1, chunk=chunk, executor=executor))
    else:
        for frame in decide.monte_carlo_chunks(sc, n=n, seed=1, chunk=chunk,
                                               executor=executor):
            rows += len(frame)
    seconds = time.perf_counter() - t
    sampler.stop()
    if client is not None:
        client.close()
        cluster.close()
    workers = sorted(sampler.workers.values(), reverse=True)
    if executor_kind == "dask":
        workers = workers[:2]  # the two worker processes (the nannies are small)
    print(json.dumps({"rows": rows, "seconds": seconds, "client": sampler.client,
                      "workers": sum(workers), "per_worker": workers}))


def _measure(executor_kind, workload, strategy, n, chunk):
    out = subprocess.run([sys.executable, __file__, "--child", executor_kind, workload,
                          strategy, "--n", str(n), "--chunk", str(chunk)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="draws (default 1e6)")
    parser.add_argument("--small", type=int, default=250_000,
                        help="a smaller n for the stream workload, to show flatness in n")
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true",
                        help="Dask only, monte_carlo and stream at --n (4 runs)")
    parser.add_argument("--child", nargs=3, metavar=("EXECUTOR", "WORKLOAD", "STRATEGY"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child, args.n, args.chunk)
        return
    plan = [("dask", "monte_carlo", args.n), ("dask", "stream", args.n)]
    if not args.quick:
        plan += [("dask", "stream", args.small), ("processes", "stream", args.n),
                 ("processes", "stream", args.small)]
    mb = 1e6
    print(f"Peak RSS (MB), baseline scenario, chunk {args.chunk:,} draws, "
          f"{os.cpu_count()} CPUs")
    print(f"{'executor':<10} {'workload':<12} {'draws':>10} {'strategy':<12} "
          f"{'workers':>8} {'client':>8} {'total':>8} {'seconds':>8}")
    for executor_kind, workload, n in plan:
        for strategy in ("all-at-once", "window"):
            r = _measure(executor_kind, workload, strategy, n, args.chunk)
            assert r["rows"] == n
            print(f"{executor_kind:<10} {workload:<12} {n:>10,} {strategy:<12} "
                  f"{r['workers'] / mb:>8,.0f} {r['client'] / mb:>8,.0f} "
                  f"{(r['workers'] + r['client']) / mb:>8,.0f} {r['seconds']:>8.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
