"""Benchmark: the fast engine against PuLP + CBC, measured side by side in one run.

Run with ``make bench`` (or ``python bench/bench_fast.py [--runs 5] [--cbc-draws 200]
[--draws-memory N]``). Prints one table, every number measured in this process:

* ``monte_carlo`` of 10,000 re-optimised draws of the baseline (median of ``--runs``,
  after one warm-up), and per draw;
* re-optimising draws of the same parameters one at a time with ``optimize`` and
  PuLP + CBC (``--cbc-draws`` of them, timed), per draw, and the ratio of the two;
* ``optimize`` on the baseline with CBC and with HiGHS, and the fast engine on that one
  scenario (medians of 20);
* ``optimize(baseline, phasing=True)``, the 10-year phased plan (median of 5);

each against the speed targets of issue 10. Then, unless ``--draws-memory 0``, the peak
memory (max RSS of a fresh process) streaming ``--draws-memory`` draws to CSV.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import decide
from decide.analyses.sampling import sample_parameters
from decide.optimization import newton

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "inputs" / "baseline.toml"
DRAWS = 10_000


def _median_s(fn, runs):
    """Median wall time of ``runs`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _per_draw_cbc(sc, count):
    """Seconds per draw to re-optimise ``count`` Monte Carlo draws with PuLP + CBC."""
    values = sample_parameters(sc.parameters(), 0, count, 1, sc.correlations, sc.posterior)
    draws = [sc.with_overrides({k: float(v[i]) for k, v in values.items()})
             for i in range(count)]
    t = time.perf_counter()
    for d in draws:
        decide.optimize(d, solver="cbc")  # no cache passed: a real solve every time
    return (time.perf_counter() - t) / count


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


def _row(name, value, unit, target=""):
    print(f"{name:<46}{value:>12}  {unit:<8}{target}".rstrip())


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5, help="Monte Carlo runs (median)")
    ap.add_argument("--cbc-draws", type=int, default=200, help="draws solved by CBC")
    ap.add_argument("--draws-memory", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    sc = decide.load_scenario(BASELINE)

    t_mc = _median_s(lambda: decide.monte_carlo(sc, n=DRAWS, seed=1), args.runs)
    assert decide.monte_carlo(sc, n=DRAWS, seed=1).attrs["lp_fallback_draws"] == 0
    per_cbc = _per_draw_cbc(sc, args.cbc_draws)
    per_fast = t_mc / DRAWS
    t_cbc = _median_s(lambda: decide.optimize(sc, solver="cbc"), 20)
    t_highs = _median_s(lambda: decide.optimize(sc, solver="highs"), 20)
    t_one = _median_s(lambda: newton.solve_batch(newton.batch_inputs(sc, {}, 1)), 20)
    t_phased = _median_s(lambda: decide.optimize(sc, phasing=True), 5)

    print(f"decide, baseline scenario ({sc.horizon} years, {len(sc.levers)} levers); "
          f"Python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs; all measured in this run")
    _row("quantity", "value", "unit", "target (issue 10)")
    print("-" * 88)
    _row(f"monte_carlo, {DRAWS:,} draws (median of {args.runs})", f"{t_mc:.3f}", "s",
         "<= 0.25 s")
    _row("  per draw", f"{per_fast * 1e6:.1f}", "us")
    _row(f"PuLP + CBC per draw ({args.cbc_draws} draws)", f"{per_cbc * 1e3:.1f}", "ms")
    _row("  ratio per draw (PuLP + CBC / monte_carlo)", f"{per_cbc / per_fast:,.0f}", "x",
         ">= 800x")
    _row("optimize(baseline), PuLP + CBC (median of 20)", f"{t_cbc * 1e3:.1f}", "ms",
         "<= 20 ms")
    _row("optimize(baseline), PuLP + HiGHS (median of 20)", f"{t_highs * 1e3:.1f}", "ms")
    _row("fast engine, the baseline alone (median of 20)", f"{t_one * 1e3:.2f}", "ms")
    _row(f"optimize(baseline, phasing=True), {sc.horizon} years", f"{t_phased * 1e3:.1f}",
         "ms", "<= 100 ms")

    if args.draws_memory:
        rows, peak, secs = _peak_memory_mb(args.draws_memory)
        print(f"\nmonte_carlo_chunks, {rows:,} draws streamed to CSV in a fresh process: "
              f"peak memory (max RSS) {peak:.0f} MiB, wall time {secs:.1f} s")


if __name__ == "__main__":
    main()
