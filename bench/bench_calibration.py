"""Calibration: timings of `decide.calibrate` and `decide.validate` (issue 12 targets:
<= 30 s and <= 60 s) and the simulation-based check at 100 replications (coverage of the
90% intervals, per parameter, with the 99.9% binomial band).

    .venv/bin/python bench/bench_calibration.py [replications]
"""

import sys
import time
import tomllib
from pathlib import Path

from scipy import stats

import decide
from decide.analyses.calibration import prior_values, simulate_data
from decide.scenario import load_observed

ROOT = Path(__file__).resolve().parents[1]


def dynamic():
    raw = decide.load_scenario(ROOT / "inputs" / "baseline.toml").to_dict()
    tables = tomllib.loads((ROOT / "tests" / "data" / "baselines" / "tables.toml")
                           .read_text())
    raw["baseline"] = tables["dynamic"]
    return decide.Scenario.from_dict(raw, source="baseline+dynamic")


def main(n=100):
    sc, data = dynamic(), load_observed()
    t = time.perf_counter()
    cal = decide.calibrate(sc, data, seed=1)
    print(f"calibrate (2000 draws): {time.perf_counter() - t:.2f} s; "
          f"warnings: {cal.diagnostics['warnings']}")
    t = time.perf_counter()
    val = decide.validate(sc, data, train_until=2023, seed=1)
    print(f"validate (train_until=2023): {time.perf_counter() - t:.2f} s")
    print(val.to_string(index=False))
    # monte_carlo on the calibrated scenario against the shipped (flat, uncalibrated) one
    flat = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
    times = {}
    for name, s in (("uncalibrated baseline", flat), ("calibrated dynamic", cal.scenario)):
        decide.monte_carlo(s, n=500, seed=1)
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            decide.monte_carlo(s, n=10_000, seed=1)
            runs.append(time.perf_counter() - t)
        times[name] = sorted(runs)[2]
        print(f"monte_carlo 10,000 draws, {name}: {times[name]:.3f} s (median of 5)")
    ratio = times["calibrated dynamic"] / times["uncalibrated baseline"]
    print(f"  ratio {ratio:.2f}x (target <= 1.5x; the calibrated scenario's "
          f"{len(cal.scenario.posterior.draws)}-row joint posterior is resampled by "
          "monte_carlo)")
    if n <= 0:
        return
    truth = prior_values(sc, n, seed=0, data=data)
    hits = dict.fromkeys(truth, 0)
    t = time.perf_counter()
    for r in range(n):
        values = {k: v[r] for k, v in truth.items()}
        c = decide.calibrate(sc, simulate_data(sc, values, seed=1000 + r, data=data),
                             draws=1000, seed=r)
        q = c.posterior.quantile([0.05, 0.95])
        for k in hits:
            hits[k] += bool(q.loc[0.05, k] <= values[k] <= q.loc[0.95, k])
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, 0.9)
    print(f"simulation-based check: {n} replications, {time.perf_counter() - t:.1f} s; "
          f"99.9% band for 90% coverage: {lo:.0f}-{hi:.0f} of {n}")
    for k, h in hits.items():
        print(f"  {k:28s} {h:4d}/{n} = {h / n:.2f}  {'ok' if lo <= h <= hi else 'OUT'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
