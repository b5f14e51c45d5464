"""Benchmark: `decide.optimize` on the bundled scenarios, CBC against HiGHS, side by side.

Run with ``make bench``. Prints medians over 20 runs of the whole call (model
coefficients, LP build, refinement solves, certificate, result tables) and their ratio,
all measured in this one run.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import decide

ROOT = Path(__file__).resolve().parents[1]


def _solve(sc, solver):
    """A real solve (nothing is cached unless a cache is passed)."""
    return decide.optimize(sc, solver=solver)
RUNS = 20


def _median_ms(fn, runs=RUNS):
    fn()  # warm-up: imports, solver start-up caches
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    rows = []
    for path in sorted((ROOT / "inputs").glob("*.toml")) + [ROOT / "tests/data/two_lever.toml"]:
        sc = decide.load_scenario(path)
        res = decide.optimize(sc)
        cbc = _median_ms(lambda sc=sc: _solve(sc, "cbc"))
        highs = _median_ms(lambda sc=sc: _solve(sc, "highs"))
        cached = _median_ms(lambda sc=sc: decide.optimize(sc, solver="cbc"))
        rows.append((path.stem, res.iterations, res.gap, cbc, highs, cbc / highs, cached))
    head = (f"{'scenario':<22}{'LP solves':>10}{'gap (deaths)':>14}{'CBC ms':>10}"
            f"{'HiGHS ms':>10}{'CBC/HiGHS':>11}{'cached ms':>11}")
    print(f"decide.optimize, median of {RUNS} runs each (Python {sys.version.split()[0]})")
    print(head)
    print("-" * len(head))
    for name, its, gap, cbc, highs, ratio, cached in rows:
        print(f"{name:<22}{its:>10}{gap:>14.4f}{cbc:>10.1f}{highs:>10.1f}{ratio:>11.2f}"
              f"{cached:>11.2f}")


if __name__ == "__main__":
    main()
