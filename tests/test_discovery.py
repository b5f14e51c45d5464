"""Scenario discovery (`decide.discover`, PRIM): a decision that provably flips at a
known threshold, noise that must give no box, the failure definitions, bad arguments."""

import numpy as np
import pandas as pd
import pytest

import decide
from decide.analyses.discovery import Failure, find_boxes


def _p(base, low=None, high=None, uniform=False):
    """A parameter table: fixed at ``base`` unless a range is given."""
    out = {"base": base, "low": base if low is None else low,
           "high": base if high is None else high, "unit": "fixture units",
           "source": "Test fixture", "confidence": "judgement"}
    return out | ({"distribution": "uniform"} if uniform else {})


def _lever(max_effect, cost):
    return {"max_effect": max_effect, "cost_per_pct": _p(cost), "onset": _p(0.5),
            "adaptation_time": _p(2.0), "retained": _p(0.4), "alpha": _p(0.8)}


# Two levers that differ only in lever a's potency (max_effect) and b's cost. The
# parameters that vary besides a's potency - baseline deaths and substitution - scale
# every draw's deaths averted by a constant, so they cannot move the allocation: the
# decision's top lever flips exactly where spend on a equals spend on b.
FLIP = {
    "name": "Flip at a known threshold", "budget": 800, "horizon": 5,
    "market": {"baseline_deaths": _p(50000, 30000, 70000, uniform=True),
               "baseline_trend": _p(0.0), "supply_elasticity": _p(0.8),
               "price_elasticity": _p(0.5), "pass_through": _p(0.05),
               "substitution": _p(0.15, 0.0, 0.5, uniform=True), "market_lag": _p(0.1)},
    "levers": {"a": _lever(_p(0.2, 0.05, 0.3, uniform=True), 100),
               "b": _lever(_p(0.25), 110)},
}
KEY = "levers.a.max_effect"


@pytest.fixture(scope="module")
def flip():
    return decide.Scenario.from_dict(FLIP, source="<flip>")


@pytest.fixture(scope="module")
def threshold(flip):
    """Where the optimum's spend on a equals its spend on b: bisection with optimize."""
    def lead(v):
        spend = decide.optimize(flip.with_overrides({KEY: v})).spend
        return spend["a"] - spend["b"]

    lo, hi = 0.05, 0.3
    assert lead(lo) < 0 < lead(hi)  # b leads at the low end, a at the high end
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if lead(mid) < 0 else (lo, mid)
    return (lo + hi) / 2


@pytest.fixture(scope="module")
def flip_discovery(flip):
    return decide.discover(flip, n=4000, seed=3, failure="top_lever")


def test_the_decision_flips_exactly_at_the_threshold_in_every_draw(flip_discovery,
                                                                   threshold):
    d = flip_discovery
    assert 0.1 < threshold < 0.15  # inside the range, and b's lead at the base (0.2) is a's
    below = d.draws[KEY] < threshold
    np.testing.assert_array_equal(d.draws["failed"], below)
    assert 0.2 < d.base_rate < 0.4


def test_prim_first_box_restricts_the_flip_parameter_on_the_right_side(flip_discovery,
                                                                      threshold):
    d = flip_discovery
    first = d.boxes.iloc[0]
    rows = d.restrictions[d.restrictions["box"] == first["box"]]
    assert list(rows["parameter"]) == [KEY]  # the noise parameters are not restricted
    r = rows.iloc[0]
    assert r["side"] == "below"
    assert abs(r["high"] - threshold) <= 0.1 * threshold
    assert r["low"] == pytest.approx(0.05)  # the unrestricted side: the parameter's low
    assert first["coverage"] > 0.8 and first["density"] > 0.8  # held-out draws
    assert first["coverage_in_sample"] > 0.8 and first["density_in_sample"] > 0.8
    assert r["qp_high"] < 1e-6 and np.isnan(r["qp_low"])
    # every draw in box 1 is marked, and the box holds the failures
    in_box = d.draws["box"] == 1
    assert d.draws.loc[in_box, "failed"].mean() > 0.8
    sentence = d.describe()[1]
    assert KEY in sentence and "below" in sentence


def test_trajectory_records_coverage_density_and_restricted_dimensions(flip_discovery):
    t = flip_discovery.trajectory
    first = t[t["box"] == 1]
    assert first["step"].tolist() == list(range(len(first)))
    assert first.iloc[0]["coverage"] == pytest.approx(1.0)
    assert first.iloc[0]["res_dim"] == 0
    assert first["selected"].sum() == 1 and first["kept"].all()
    assert ((first["coverage"] >= 0) & (first["coverage"] <= 1)).all()
    assert first["mass"].is_monotonic_decreasing


def test_only_noise_varies_no_box(flip):
    noise = flip.with_overrides({f"{KEY}.low": 0.2, f"{KEY}.high": 0.2})
    for failure in ("top_lever", "regret>0.01", "share:a>1"):
        d = decide.discover(noise, n=1000, seed=3, failure=failure)
        assert d.base_rate == 0.0
        assert d.boxes.empty and d.restrictions.empty
        assert "No box worth keeping" in d.describe()[1]


@pytest.mark.parametrize("rate", [0.3, 0.6])
def test_random_failures_give_no_box_although_prim_peels_one(rate):
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.random((4000, 8)), columns=[f"p{i}" for i in range(8)])
    failed = rng.random(4000) < rate
    boxes, restrictions, trajectory, note = find_boxes(x, failed)
    assert boxes.empty and restrictions.empty
    # PRIM itself did peel: a box was there to be (wrongly) reported
    assert not trajectory.empty and trajectory["res_dim"].max() > 0
    assert any(why in note for why in ("held-out", "reaches a density", "significant"))


def test_a_planted_two_parameter_box_is_found():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.random((6000, 6)), columns=list("abcdef"))
    failed = ((x["a"] > 0.6) & (x["b"] < 0.5)).to_numpy() ^ (rng.random(6000) < 0.03)
    boxes, restrictions, _, _ = find_boxes(x, failed)
    first = restrictions[restrictions["box"] == 1].set_index("parameter")
    assert set(first.index) == {"a", "b"}
    assert first.at["a", "side"] == "above" and abs(first.at["a", "low"] - 0.6) < 0.05
    assert first.at["b", "side"] == "below" and abs(first.at["b", "high"] - 0.5) < 0.05
    assert boxes.iloc[0]["density"] > 0.8 and boxes.iloc[0]["coverage"] > 0.8


def test_failure_definitions_on_hand_made_draws():
    x0 = np.array([100.0, 300.0, 0.0])
    spend = np.array([[100.0, 300.0, 0.0], [300.0, 100.0, 0.0], [300.0, 300.0, 0.0],
                      [0.0, 300.0, 100.0]])
    regret = np.array([0.0, 30.0, 5.0, 9.0])
    best = np.array([100.0, 100.0, 100.0, 1000.0])
    levers = ["a", "b", "c"]
    ev = lambda f: Failure.parse(f).evaluate(x0, spend, regret, best, 1000, levers).tolist()  # noqa: E731
    assert ev("regret>5%") == [False, True, False, False]  # 5/100 is not above 5%
    assert ev("regret>8") == [False, True, False, True]
    assert ev("share:a>10") == [False, True, True, False]  # 0, 20, 20, exactly 10 points
    assert ev("share:c>10") == [False, False, False, False]  # exactly 10 points: no
    assert ev("top_lever") == [False, True, False, False]  # a tie with b is no change


def test_failure_text_round_trips_and_bad_text_is_one_clear_error(flip):
    for text in ("regret>5%", "regret>100", "share:a>10", "top_lever"):
        assert str(Failure.parse(text)) == text
    assert Failure.parse(" regret > 2.5 % ") == Failure.regret(percent=2.5)
    assert Failure.parse("top-lever") == Failure.top_lever()
    for bad in ("regret>0%", "regret>150%", "regret>-3", "share:a>0", "median", "regret>x",
                "", 5):
        with pytest.raises(decide.ScenarioError) as err:
            Failure.parse(bad)
        assert err.value.key == "failure"
    with pytest.raises(decide.ScenarioError, match="did you mean 'a'"):
        decide.discover(flip, n=200, seed=0, failure="share:aa>10")


@pytest.mark.parametrize("kwargs, key", [
    ({"n": 50}, "n"), ({"n": 200.0}, "n"), ({"seed": -1}, "seed"),
    ({"min_density": 0}, "min_density"), ({"min_density": 1.5}, "min_density"),
    ({"max_boxes": 0}, "max_boxes"), ({"executor": 3}, "executor"),
    ({"allocation": {"a": 100}}, "b"), ({"allocation": {"a": 100, "b": -1}}, "b"),
])
def test_bad_arguments_name_the_key(flip, kwargs, key):
    args = {"n": 200, "seed": 0, "failure": "regret>1e9"} | kwargs
    with pytest.raises(decide.ScenarioError) as err:
        decide.discover(flip, **args)
    assert err.value.key == key


def test_regret_agrees_with_the_outlook_of_the_same_worlds(baseline):
    # no failures at this threshold: PRIM does not run, the draws are still scored
    d = decide.discover(baseline, n=300, seed=4, failure="regret>1e9")
    out = decide.outlook(baseline, n=300, seed=4)
    np.testing.assert_allclose(d.draws["regret"], out.draws["regret"], rtol=1e-9,
                               atol=1e-9)
    assert d.boxes.empty and "only 0" in d.note
    spend = [c for c in d.draws.columns if c.startswith("spend.")]
    np.testing.assert_allclose(d.draws[spend], out.draws[spend], atol=1e-9)
