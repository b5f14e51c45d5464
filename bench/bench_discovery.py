"""Time scenario discovery and the expert panel on the baseline, and print what they find.

Run with ``python bench/bench_discovery.py`` (targets: `decide.discover` with 10,000 draws
in at most 10 s, the PRIM library's first import included; `decide.experts` for the
shipped 3-expert panel with 2,000 draws each in at most 15 s).
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

import decide
from decide.analyses import discovery

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"discover": 10.0, "experts": 15.0}


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
    _, t_import = timed(discovery._prim_module)  # the first discover pays this import
    runs = {}
    for failure in (discovery.DEFAULT_FAILURE, "regret>1%", "top_lever",
                    "share:counter_network>10"):
        runs[failure] = timed(lambda f=failure: decide.discover(sc, n=10_000, seed=1,
                                                                failure=f))
    panel, t_experts = timed(lambda: decide.experts(sc, ROOT / "inputs" / "experts",
                                                    n=2000, seed=0))

    print("Scenario discovery on the baseline (10,000 draws, seed 1)")
    for failure, (d, secs) in runs.items():
        print(f"\n[{failure}]  {secs:.2f} s")
        for line in d.describe():
            print("  " + line)
    print("\nExpert panel (inputs/experts, 2,000 draws each, seed 0):", panel.note)
    short = {n: n.split(" (")[0] for n in panel.experts.index}
    with pd.option_context("display.width", 160, "display.max_columns", 10):
        print("\nAllocations ($M a year; gap in deaths):")
        print(panel.allocations.rename(index=short).round(1).to_string())
        print("\nCross-regret (rows: allocation; columns: whose beliefs; extra deaths over "
              "the horizon):")
        print(panel.cross_regret.rename(index=short, columns=short).round(1).to_string())
        print("\nExpected regret against each draw's own optimum:")
        print(panel.expected_regret.rename(index=short, columns=short).round(1).to_string())
    print(f"\nRobust (minimax regret across the experts): largest cross-regret "
          f"{panel.robust_value:.2f} deaths (gap {panel.allocations.loc['robust', 'gap']:.2g})")

    first = runs[discovery.DEFAULT_FAILURE][1]
    print("\nTimes:")
    rows = [("import ema_workbench.analysis.prim (first use)", t_import, None),
            ("discover, 10,000 draws, default failure, import included", t_import + first,
             TARGETS["discover"])]
    rows += [(f"discover, 10,000 draws, {f}", s, TARGETS["discover"])
             for f, (_, s) in runs.items()]
    rows.append(("experts, 3 experts x 2,000 draws", t_experts, TARGETS["experts"]))
    for label, secs, target in rows:
        mark = "" if target is None else (" ok" if secs <= target else
                                          f" OVER the {target:g} s target")
        print(f"  {label:<58} {secs:6.2f} s{mark}")


if __name__ == "__main__":
    main()
