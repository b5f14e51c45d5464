"""Benchmark: the fast engine against PuLP, measured side by side in one run.

Run with ``make bench`` (or ``python bench/bench_fast.py [--draws-memory N]``). Prints:

1. ``optimize`` on the baseline with CBC and with HiGHS, and the fast engine on the
   same single scenario (medians of 20 runs);
2. ``monte_carlo`` of 10,000 draws (median of 3 runs) against re-optimising each draw
   with PuLP + CBC (200 draws timed, scaled to 10,000), per draw and as a ratio;
3. peak memory (max RSS of a fresh process) streaming 1,000,000 draws to CSV.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import decide
from decide.analyses.sampling import sample_parameters
from decide.optimization import newton as fast

ROOT = Path(__file__).resolve().parents[1]


def _solve(sc, solver):
    """A real solve (nothing is cached unless a cache is passed)."""
    return decide.optimize(sc, solver=solver)
BASELINE = ROOT / "inputs" / "baseline.toml"


def _median_s(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _peak_memory_mb(draws):
    code = (
        "import resource, decide\n"
        f"sc = decide.load_scenario({str(BASELINE)!r})\n"
        "rows = 0\n"
        f"for frame in decide.monte_carlo_chunks(sc, n={draws}, seed=1):\n"
        "    frame.to_csv('/dev/null', index=False)\n"
        "    rows += len(frame)\n"
        "print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n")
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), float(out[1]), time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws-memory", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    sc = decide.load_scenario(BASELINE)

    b1 = fast.batch_inputs(sc, {}, 1)
    t_cbc = _median_s(lambda: _solve(sc, "cbc"), 20)
    t_highs = _median_s(lambda: _solve(sc, "highs"), 20)
    t_fast1 = _median_s(lambda: fast.solve_batch(fast.batch_inputs(sc, {}, 1)), 20)
    assert fast.solve_batch(b1)[1].all()
    print("1. One scenario (baseline), median of 20 runs")
    print(f"   optimize, PuLP + CBC    {t_cbc * 1e3:8.1f} ms   (certified gap included)")
    print(f"   optimize, PuLP + HiGHS  {t_highs * 1e3:8.1f} ms   ({t_cbc / t_highs:.1f}x CBC)")
    print(f"   fast engine, 1 draw     {t_fast1 * 1e3:8.1f} ms   ({t_cbc / t_fast1:.1f}x CBC)")

    n = 10_000
    t_mc = _median_s(lambda: decide.monte_carlo(sc, n=n, seed=1), 3)
    params = sc.parameters()
    values = sample_parameters(params, 0, 200, 1)
    draws = [sc.with_overrides({k: float(v[i]) for k, v in values.items()}) for i in range(200)]
    t = time.perf_counter()
    for d in draws:
        _solve(d, "cbc")
    per_cbc = (time.perf_counter() - t) / 200
    per_fast = t_mc / n
    print(f"\n2. monte_carlo, {n:,} draws with re-optimisation")
    print(f"   fast engine (end to end)     {t_mc:8.3f} s    {per_fast * 1e6:8.1f} us/draw")
    print(f"   PuLP + CBC per draw (200, x50) {per_cbc * n:6.1f} s    "
          f"{per_cbc * 1e6:8.1f} us/draw")
    print(f"   ratio per draw                 {per_cbc / per_fast:8.0f}x")

    rows, peak, secs = _peak_memory_mb(args.draws_memory)
    print(f"\n3. monte_carlo_chunks, {rows:,} draws streamed to CSV in a fresh process")
    print(f"   peak memory (max RSS)  {peak:8.0f} MiB   wall time {secs:6.1f} s")


if __name__ == "__main__":
    main()
