"""The fast engine against the LP, and Monte Carlo reproducibility."""

import numpy as np
import pandas as pd
import pytest

import decide
from decide.analyses.sampling import BLOCK, pert, sample_parameters
from decide.optimization import newton as fast

from .conftest import DATA, ROOT


def _random_scenarios(base, count, seed):
    """Random parameters, budgets (zero, ordinary, above the ceilings) and bounds."""
    rng = np.random.default_rng(seed)
    params = base.parameters()
    out = []
    for _ in range(count):
        ov = {r.name: float(np.clip(r.low + rng.uniform() * (r.high - r.low), r.low, r.high))
              for r in params.itertuples()}
        ov["budget"] = float(rng.choice([0.0, 5.0, 300.0, 1000.0, 2500.0, 1e5]))
        for lv in base.levers:
            kind = rng.choice(["none", "floor", "ceiling", "lock", "open"])
            key = f"levers.{lv.name}"
            if kind == "floor":
                ov[f"{key}.floor"] = float(rng.choice([10.0, 100.0]))
            elif kind == "ceiling":
                ov[f"{key}.ceiling"] = float(rng.choice([0.0, 50.0, 700.0]))
            elif kind == "lock":
                ov[f"{key}.lock"] = float(rng.choice([0.0, 40.0]))
            elif kind == "open":
                ov[f"{key}.ceiling"] = None
        sc = base.with_overrides(ov)
        lower = sum(lv.lock if lv.lock is not None else lv.floor for lv in sc.levers)
        if lower > sc.budget:
            sc = sc.with_overrides({"budget": lower + float(rng.choice([0.0, 100.0]))})
        out.append(sc)
    return out


@pytest.mark.parametrize("path,count,seed", [
    (ROOT / "inputs" / "baseline.toml", 150, 1),
    (ROOT / "inputs" / "treatment_comparator.toml", 100, 2),
    (DATA / "two_lever.toml", 100, 3)])
def test_fast_engine_matches_lp_within_its_gap(path, count, seed):
    base = decide.load_scenario(path)
    for sc in _random_scenarios(base, count, seed):
        res = decide.optimize(sc, solver="highs")
        b = fast.batch_inputs(sc, {}, 1)
        x, certified = fast.solve_batch(b)
        d_fast = fast.batch_deaths(b, x)[0]
        assert certified[0]
        assert d_fast <= res.deaths * (1 + 1e-9) + 1e-9, (sc.to_dict(), d_fast, res.deaths)
        assert d_fast >= res.deaths - res.gap - 1e-6
        assert x.sum() <= sc.budget + 1e-6
        for lv, xi in zip(sc.levers, x[0]):
            if lv.lock is not None:
                assert xi == pytest.approx(lv.lock, abs=1e-9)
            else:
                assert xi >= lv.floor - 1e-9
                assert lv.ceiling is None or xi <= lv.ceiling + 1e-9


def test_batch_deaths_is_evaluate(baseline):
    values = sample_parameters(baseline.parameters(), 0, 25, 7)
    b = fast.batch_inputs(baseline, values, 25)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 400, (25, 4))
    d = fast.batch_deaths(b, x)
    for k in range(25):
        sc = baseline.with_overrides({n: float(v[k]) for n, v in values.items()})
        assert d[k] == pytest.approx(decide.evaluate(sc, dict(zip(sc.lever_names, x[k]))),
                                     rel=1e-13)


def test_monte_carlo_columns_engine_and_reproducibility(baseline):
    mc = decide.monte_carlo(baseline, n=300, seed=42)
    assert mc.attrs["engine"] == "fast" and mc.attrs["lp_fallback_draws"] == 0
    names = list(baseline.parameters()["name"])
    assert list(mc.columns) == (["draw"] + names + [f"spend.{n}" for n in baseline.lever_names]
                                + ["deaths", "deaths_averted"])
    again = decide.monte_carlo(baseline, n=300, seed=42)
    pd.testing.assert_frame_equal(mc, again)
    other = decide.monte_carlo(baseline, n=300, seed=43)
    assert not mc[names].equals(other[names])
    zero = decide.monte_carlo(baseline, n=5, seed=0)
    assert zero.equals(decide.monte_carlo(baseline, n=5, seed=0))
    fresh = decide.monte_carlo(baseline, n=5)
    assert fresh.attrs["seed_entropy"] is not None
    spend = mc[[f"spend.{n}" for n in baseline.lever_names]]
    assert (spend.sum(axis=1) <= baseline.budget + 1e-6).all()
    assert (mc["deaths_averted"] >= 0).all()
    for name in names:
        row = baseline.parameters().set_index("name").loc[name]
        assert mc[name].between(row["low"], row["high"]).all()


def test_chunks_give_the_same_rows_whatever_their_size(baseline):
    n = BLOCK + 300
    whole = decide.monte_carlo(baseline, n=n, seed=5)
    for chunk in (777, BLOCK, n):
        parts = list(decide.monte_carlo_chunks(baseline, n=n, seed=5, chunk=chunk))
        assert max(len(p) for p in parts) <= chunk
        pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_monte_carlo_draws_match_lp_optimum(baseline):
    mc = decide.monte_carlo(baseline, n=12, seed=3)
    names = list(baseline.parameters()["name"])
    for row in mc.itertuples(index=False):
        values = dict(zip(mc.columns, row))
        sc = baseline.with_overrides({n: float(values[n]) for n in names})
        res = decide.optimize(sc, solver="highs")
        assert values["deaths"] <= res.deaths * (1 + 1e-9)
        assert values["deaths"] >= res.deaths - res.gap - 1e-6


def test_out_of_scope_scenarios_use_the_lp():
    sc = decide.load_scenario(DATA / "rand1994.toml")
    assert not fast.in_scope(sc)
    mc = decide.monte_carlo(sc, n=3, seed=1)
    assert mc.attrs["engine"] == "lp"
    assert np.allclose(mc["spend.treatment"], sc.budget)


def test_in_scope_scenarios_use_the_fast_engine(monkeypatch, baseline):
    import decide.optimization.draws as mcmod

    def boom(*a, **k):
        raise AssertionError("the LP must not run for an in-scope scenario")
    monkeypatch.setattr(mcmod, "_lp_draws", boom)
    assert decide.monte_carlo(baseline, n=50, seed=1).attrs["engine"] == "fast"


def test_pert_moments_and_point_mass():
    rng = np.random.default_rng(0)
    draws = pert(rng, 0.0, 0.2, 1.0, 200_000)
    # PERT mean = (low + 4 mode + high) / 6
    assert draws.mean() == pytest.approx((0 + 0.8 + 1) / 6, abs=2e-3)
    assert (pert(rng, 3.0, 3.0, 3.0, 5) == 3.0).all()


def test_bad_monte_carlo_arguments(baseline):
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(decide.ScenarioError, match="n"):
            decide.monte_carlo(baseline, n=bad)


def test_persistent_highs_model_matches_optimize_per_draw():
    from decide.optimization.persistent import PersistentFlatLP

    for path in (DATA / "rand1994.toml", ROOT / "inputs" / "treatment_comparator.toml"):
        sc = decide.load_scenario(path)
        model = PersistentFlatLP(sc)
        values = sample_parameters(sc.parameters(), 0, 15, 11)
        for k in range(15):
            draw = {n: float(v[k]) for n, v in values.items()}
            x, deaths, gap = model.solve(draw)
            res = decide.optimize(sc.with_overrides(draw), solver="highs")
            assert deaths <= res.deaths + gap + 1e-6  # within its own certified gap
            assert res.deaths <= deaths + res.gap + 1e-6
            assert deaths == pytest.approx(decide.evaluate(sc.with_overrides(draw),
                                                           dict(zip(sc.lever_names, x))))


def test_monte_carlo_respects_constraints_and_mexico_cap(baseline):
    raw = baseline.to_dict()
    raw["constraints"] = ["gun_flow >= 50"]
    raw["max_mexico_homicides"] = 500.0
    sc = decide.Scenario.from_dict(raw)
    assert not fast.in_scope(sc)
    mc = decide.monte_carlo(sc, n=8, seed=2)
    assert mc.attrs["engine"] == "lp"
    assert (mc["spend.gun_flow"] >= 50 - 1e-6).all()
    names = list(sc.parameters()["name"])
    for row in mc.itertuples(index=False):
        values = dict(zip(mc.columns, row))
        draw = sc.with_overrides({n: float(values[n]) for n in names})
        spend = {lv: values[f"spend.{lv}"] for lv in sc.lever_names}
        assert decide.mexico_homicides(draw, spend) <= 500 + 1e-3
        res = decide.optimize(draw, solver="highs")
        assert values["deaths"] <= res.deaths + 1e-6 + res.gap + 0.05
        assert values["deaths"] >= res.deaths - res.gap - 1e-6
    sized = baseline.with_overrides({"levers.gun_flow.min_size": 100.0})
    mc = decide.monte_carlo(sized, n=3, seed=2)
    assert ((mc["spend.gun_flow"] < 1e-6) | (mc["spend.gun_flow"] >= 100 - 1e-6)).all()
