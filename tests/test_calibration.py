"""Calibration of the projected baseline and its out-of-sample test (docs/model.md
section 12): a simulation-based check of the sampler and likelihood, a parameter the data
cannot inform keeps its prior, determinism under a seed, the validation table, and
argument checks. The 50+ replication version with timings is bench/bench_calibration.py."""

import numpy as np
import pytest
from scipy import stats

import decide
from decide.analyses.calibration import (
    LEVEL,
    NOISE,
    calibrated_parameters,
    prior_values,
    simulate_data,
)
from decide.scenario import load_observed

from .test_baseline_model import BASE, DYNAMIC, TREND

DATA = load_observed()


def coverage(sc, n, *, draws=320, seed=0):
    """Share of ``n`` replications whose 90% posterior interval covers the truth, per
    parameter: truths drawn from the prior, data simulated from the likelihood."""
    truth = prior_values(sc, n, seed=seed, data=DATA)
    hits = dict.fromkeys(truth, 0)
    for r in range(n):
        values = {k: v[r] for k, v in truth.items()}
        cal = decide.calibrate(sc, simulate_data(sc, values, seed=1000 + r, data=DATA),
                               draws=draws, seed=r)
        q = cal.posterior.quantile([0.05, 0.95])
        for k in hits:
            hits[k] += bool(q.loc[0.05, k] <= values[k] <= q.loc[0.95, k])
    return hits


def test_simulation_based_check_covers_the_truth_at_the_nominal_rate():
    n = 50  # the issue asks for at least 50 replications (the bench runs 100)
    hits = coverage(DYNAMIC, n)
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, 0.9)  # 99.9% two-sided band
    assert set(hits) == set(calibrated_parameters(DYNAMIC)) | {LEVEL, NOISE}
    for name, k in hits.items():
        assert lo <= k <= hi, (name, k, n)


def test_a_parameter_the_data_cannot_inform_keeps_its_prior():
    """``baseline.supply_trend`` is the status quo's future supply: the historical fit
    runs on the observed covariate, so its posterior must be its prior."""
    names = calibrated_parameters(DYNAMIC) + ["baseline.supply_trend"]
    cal = decide.calibrate(DYNAMIC, DATA, draws=2000, seed=3, parameters=names)
    s = cal.summary().set_index("name").loc["baseline.supply_trend"]
    prior_width = s.prior_high - s.prior_low
    assert abs((s.posterior_high - s.posterior_low) / prior_width - 1) < 0.15
    assert abs(s.posterior_median - s.prior_median) < 0.1 * prior_width
    # and the scenario keeps its base value
    assert cal.scenario.baseline["supply_trend"].base == DYNAMIC.baseline["supply_trend"].base


def test_calibration_outputs_and_determinism():
    a = decide.calibrate(DYNAMIC, DATA, draws=500, seed=7)
    b = decide.calibrate(DYNAMIC, DATA, draws=500, seed=7)
    assert a.posterior.equals(b.posterior) and a.fit.equals(b.fit)
    assert len(a.posterior) == 500
    names = set(DYNAMIC.parameters()["name"])
    assert [c for c in a.posterior if c not in (LEVEL, NOISE)] == \
        calibrated_parameters(DYNAMIC) and set(calibrated_parameters(DYNAMIC)) <= names
    assert list(a.fit.columns) == ["year", "status", "observed", "median", "low", "high",
                                   "train"]
    assert (a.fit["low"] <= a.fit["median"]).all() and (a.fit["median"] <= a.fit["high"]).all()
    d = a.diagnostics
    assert 0 < d["acceptance"] < 1 and d["ess"] > 0 and isinstance(d["warnings"], list)
    assert d["window"] == (2021, 2024)
    # the calibrated scenario: bases at posterior medians (elasticity, cessation), in range
    sc = a.scenario
    assert sc.market["supply_elasticity"].base == pytest.approx(
        a.posterior["market.supply_elasticity"].median())
    for name in calibrated_parameters(DYNAMIC):
        row = sc.parameters().set_index("name").loc[name]
        assert row.low <= row.base <= row.high
    c = decide.calibrate(DYNAMIC, DATA, draws=500, seed=8)
    assert not a.posterior.equals(c.posterior)


def test_trend_and_flat_calibrate_their_own_parameters():
    assert calibrated_parameters(TREND) == ["baseline.rate"]
    assert calibrated_parameters(BASE) == ["market.baseline_trend"]
    cal = decide.calibrate(TREND, DATA, draws=200, seed=1)
    assert list(cal.posterior.columns) == ["baseline.rate", LEVEL, NOISE]


def test_validate_reports_the_2024_prediction_as_measured():
    out = decide.validate(DYNAMIC, DATA, train_until=2023, draws=1000, seed=1)
    assert list(out.columns) == ["year", "status", "observed", "predicted", "low", "high",
                                 "inside", "error_pct"]
    row = out.set_index("year").loc[2024]
    assert row.observed == 48422 and row.status == "provisional"
    assert row.low <= row.predicted <= row.high
    assert row.inside == (row.low <= row.observed <= row.high)  # measured, not asserted
    assert np.isclose(row.error_pct, 100 * (row.predicted - 48422) / 48422)
    # nothing after the last observed year: an empty table
    assert decide.validate(DYNAMIC, DATA, train_until=2024, draws=100, seed=1).empty


@pytest.mark.parametrize("kwargs, key", [
    ({"draws": 10}, "draws"), ({"draws": 2.5}, "draws"), ({"draws": True}, "draws"),
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"train_until": "2023"}, "train_until"),
    ({"train_until": 2021}, "train_until"), ({"parameters": ["market.supply_elastcity"]},
                                             "parameters"),
])
def test_arguments_are_checked(kwargs, key):
    with pytest.raises(decide.ScenarioError) as err:
        decide.calibrate(DYNAMIC, DATA, **kwargs)
    assert key in str(err.value)


def test_validate_arguments_are_checked():
    with pytest.raises(decide.ScenarioError, match="train_until"):
        decide.validate(DYNAMIC, DATA, train_until=None)
    with pytest.raises(decide.ScenarioError, match="seed"):
        decide.validate(DYNAMIC, DATA, seed="x")


def test_projection_of_the_calibrated_baseline():
    from decide.analyses.calibration import projection

    cal = decide.calibrate(DYNAMIC, DATA, draws=400, seed=2)
    first = cal.diagnostics["window"][1]
    p = projection(cal.scenario, first)
    assert list(p.columns) == ["year", "median", "low", "high"]
    assert p["year"].tolist() == list(range(first, first + DYNAMIC.horizon))
    assert (p["low"] <= p["median"]).all() and (p["median"] <= p["high"]).all()
    # year 1 of a dynamic baseline is D0 in every draw; later years spread with the posterior
    d0 = cal.scenario.market["baseline_deaths"].base
    assert p.loc[0, ["low", "median", "high"]].tolist() == pytest.approx([d0] * 3)
    assert (p["high"] - p["low"]).iloc[-1] > 0
    flat = projection(BASE, 2024)  # no posterior: the base path, no band
    assert (flat["low"] == flat["high"]).all()
