"""Time each analysis on the baseline and print the figures a resolving note needs.

Run with ``make bench`` (or ``python bench/bench_analyses.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

import decide
from decide import analyses as A

ROOT = Path(__file__).resolve().parents[1]


def timed(label, fn, times):
    t = time.perf_counter()
    out = fn()
    times.append((label, time.perf_counter() - t))
    return out


def main():
    sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
    times = []
    f = timed("frontier (21 budgets)", lambda: A.frontier(sc), times)
    t = timed(f"tornado ({int((sc.parameters().low < sc.parameters().high).sum())} "
              "parameters, re-optimised)", lambda: A.tornado(sc), times)
    timed("two_way (11 x 11)", lambda: A.two_way(
        sc, "levers.precursor.max_effect", "levers.counter_network.cost_per_pct"), times)
    mc = timed("monte_carlo (10,000 draws)", lambda: decide.monte_carlo(sc, n=10_000, seed=1),
               times)
    robust = {}
    for objective in ("expected", "regret", "cvar", "cvar_regret"):
        robust[objective] = timed(f"robust {objective} (1,000 draws)", lambda o=objective:
                                  A.robust(sc, n=1000, seed=1, objective=o), times)
    e = timed("evpi (10,000 draws)", lambda: A.evpi(sc, n=10_000, seed=1), times)
    p = timed("evppi counter_network.cost_per_pct (100 x 200)", lambda: A.evppi(
        sc, "levers.counter_network.cost_per_pct", n=100, inner=200, seed=1), times)
    s = timed("sobol deaths_averted (n=512)", lambda: A.sobol(sc, n=512, seed=1), times)

    print("Baseline scenario")
    top = t.drop_duplicates("parameter").head(3)
    print("\nLargest swings in deaths averted (tornado, re-optimised):")
    for r in top.itertuples():
        print(f"  {r.parameter:<40} swing {r.swing:9.1f} deaths")
    switches = t[t["allocation_changed"]]
    print("\nAssumptions whose low or high value changes the decision:")
    for r in switches.itertuples():
        print(f"  {r.parameter:<40} {r.side:<4} (value {r.value:g}): switches at "
              f"{r.switching_value:.4g}")
    if switches.empty:
        print("  none")
    print("\nProbability each lever is funded (10,000 draws):")
    summary = decide.summarize(mc)
    for r in summary.itertuples():
        if r.quantity.startswith("spend."):
            print(f"  {r.quantity[6:]:<20} {r.p_funded:6.1%}  median {r.p50:7.1f} $M/yr")
    print(f"\nEVPI {e.loc[0, 'evpi_deaths']:.2f} +- {e.loc[0, 'se_deaths']:.2f} deaths; "
          f"${e.loc[0, 'evpi_musd_per_year']:.1f}M a year at the marginal cost per death")
    print(f"EVPPI counter_network.cost_per_pct {p.loc[0, 'evppi_deaths']:.2f} +- "
          f"{p.loc[0, 'se_deaths']:.2f} deaths")
    print("\nRobust allocations (in-sample value, gap, spend):")
    for objective, r in robust.items():
        print(f"  {objective:<12} {r.value:12,.2f} gap {r.gap:7.4f}  "
              + " ".join(f"{v:6.1f}" for v in r.spend))
    print("\nSobol top 3 (ST): " + ", ".join(
        f"{r.parameter} {r.ST:.2f}" for r in s.head(3).itertuples()))
    print(f"Frontier: deaths averted at 5x budget {f['deaths_averted'].max():,.1f}")
    print("\nTimes:")
    for label, secs in times:
        print(f"  {label:<48} {secs:7.2f} s")


if __name__ == "__main__":
    main()
