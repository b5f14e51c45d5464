"""Regenerate tests/data/golden.json: the results the refactors must not change.

    .venv/bin/python tests/data/make_golden.py        # writes tests/data/golden.json

Run it only when a change of results is intended, and say why in the commit message;
`tests/test_golden.py` compares every number here with the current code to 1e-9 relative.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "golden.json"


def _flat(x):
    """Plain JSON numbers (NaN as None) from numpy, pandas or Python values."""
    if hasattr(x, "to_dict"):
        x = x.to_dict()
    if isinstance(x, dict):
        return {str(k): _flat(v) for k, v in x.items()}
    if isinstance(x, list | tuple | np.ndarray):
        return [_flat(v) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | float | np.integer | np.floating):
        v = float(x)
        return None if np.isnan(v) else v
    return x


def _allocation(res):
    return {
        "spend": _flat(res.spend),
        "plan": _flat(res.plan.to_numpy()),
        "deaths": res.deaths,
        "baseline_deaths": res.baseline_deaths,
        "gap": res.gap,
        "shadow_prices": _flat(res.shadow_prices),
        "shadow_price_bounds": _flat(res.shadow_price_bounds),
        "table": _flat(res.table.drop(columns=["label"]).set_index("lever")),
        "deaths_by_year": _flat(res.deaths_by_year.drop(columns="year").to_numpy()),
        "mexico_homicides": res.mexico_homicides,
    }


def scenarios():
    """The scenarios the golden file covers, by name: frozen copies of the v0.1 shipped
    files (tests/data/golden/), so that revising the evidence in inputs/ does not move
    the regression's reference."""
    import decide

    frozen = ROOT / "tests" / "data" / "golden"
    out = {p.stem: decide.load_scenario(p) for p in sorted(frozen.glob("*.toml"))}
    data = ROOT / "tests" / "data"
    out["two_lever"] = decide.load_scenario(data / "two_lever.toml")
    base = out["baseline"]
    raw = base.to_dict()
    raw["constraints"] = ["financial >= 0.5 * counter_network + 10",
                          "gun_flow + financial <= 300"]
    out["constrained"] = decide.Scenario.from_dict(raw)
    out["mexico_cap"] = base.with_overrides({"max_mexico_homicides": 500.0})
    out["milp"] = base.with_overrides({
        "levers.gun_flow.min_size": 200.0, "levers.gun_flow.startup_cost": 300.0,
        "levers.financial.min_size": 450.0, "levers.financial.ceiling": 800.0,
        "levers.counter_network.min_size": 250.0})
    raw = out["two_lever"].to_dict()
    raw["interactions"] = {
        "complementarity": {"boosted": "a", "by": "b", "gamma": {
            "base": 0.8, "low": 0.0, "high": 1.0, "unit": "share", "source": "test",
            "confidence": "judgement"}},
        "balloon": {"levers": ["a", "b"], "cap": {
            "base": 0.15, "low": 0.05, "high": 0.5, "unit": "log units", "source": "test",
            "confidence": "judgement"}}}
    out["interactions"] = decide.Scenario.from_dict(raw)
    out["discounted"] = base.with_overrides({"discount_rate": 0.03, "budget": 1500.0})
    return out


def generate():
    import decide

    sc = scenarios()
    base = sc["baseline"]
    gold = {"optimize": {}, "optimize_highs": {}, "phased": {}}
    for name, s in sc.items():
        gold["optimize"][name] = _allocation(decide.optimize(s))
    for name in ("baseline", "two_lever", "constrained"):
        gold["optimize_highs"][name] = _allocation(decide.optimize(sc[name], solver="highs"))
    for name in ("two_lever", "constrained", "interactions"):
        gold["phased"][name] = _allocation(decide.optimize(sc[name], phasing=True))
    gold["phased"]["two_lever"]["tail"] = decide.optimize(
        sc["two_lever"], phasing=True).tail_deaths_averted
    mc = decide.monte_carlo(base, n=2000, seed=7)
    gold["monte_carlo"] = {c: _flat(mc[c].to_numpy()) for c in mc.columns
                           if c.startswith("spend.") or c.startswith("deaths")}
    mc = decide.monte_carlo(sc["treatment_comparator"], n=500, seed=3)
    gold["monte_carlo_demand"] = {c: _flat(mc[c].to_numpy()) for c in mc.columns
                                  if c.startswith("spend.") or c.startswith("deaths")}
    mc = decide.monte_carlo(sc["constrained"], n=30, seed=2)
    gold["monte_carlo_lp"] = {c: _flat(mc[c].to_numpy()) for c in mc.columns
                              if c.startswith("spend.") or c.startswith("deaths")}
    gold["evpi"] = _flat(decide.evpi(base, n=2000, seed=7).iloc[0])
    gold["evppi"] = _flat(decide.evppi(base, ["market.supply_elasticity"], n=20, inner=50,
                                       seed=4).drop(columns="parameters").iloc[0])
    rob = {}
    for objective in ("expected", "regret", "cvar_regret"):
        r = decide.robust(base, n=100, seed=11, objective=objective, out_of_sample=100)
        rob[objective] = {"spend": _flat(r.spend), "value": r.value, "gap": r.gap,
                          "oos": _flat(r.out_of_sample.drop(columns="allocation")
                                       .to_numpy())}
    gold["robust"] = rob
    t = decide.tornado(base)
    gold["tornado"] = {c: _flat(t[c].to_numpy()) for c in t.columns
                       if c not in ("parameter", "side")}
    gold["tornado"]["parameter"] = list(t["parameter"])
    f = decide.frontier(base, budgets=[0.0, 250.0, 1000.0, 3000.0])
    gold["frontier"] = {c: _flat(f[c].to_numpy()) for c in f.columns if c != "lever"}
    alloc = {"counter_network": 100.0, "financial": 50.0, "gun_flow": 20.0,
             "precursor": 300.0}
    gold["evaluate"] = {name: decide.evaluate(sc[name], alloc)
                        for name in ("baseline", "kingpin_strategy", "discounted")}
    gold["least_cost"] = _allocation(decide.least_cost(base, deaths_averted=500.0))
    p = decide.pareto(base, n=4)
    gold["pareto"] = {c: _flat(p[c].to_numpy()) for c in p.columns}
    return gold


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import os

    os.chdir(ROOT)
    OUT.write_text(json.dumps(generate(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
