"""RAND 1994 as a check on the MODEL (docs/model.md section 6).

Rydell & Everingham (RAND MR-331, 1994), Table S.1 as reprinted second-hand (the primary
table was not found in any stored source): the extra yearly spending, in 1992 $M, that
cuts annual US cocaine consumption by 1%. `tests/data/rand1994.toml` holds these figures
converted to the model's units (cost per 1% of each lever's own quantity, consumption
figure x channel weight c). Here the model, not the optimiser, is asked to give them
back: one programme at a time, a flat baseline, immediate and lasting effects, no
substitution, so that the model reduces to RAND's static comparison, and the outcome
stands for consumption (consumption proportional to deaths).

The optimiser check on the same fixture (the LP returns its inputs' ratios) is
`tests/test_optimize.py::test_rand_1994_optimizer_returns_its_inputs_ratios`.
"""

import math

import pytest
from scipy.optimize import brentq

import decide
from models.deaths import channel_weight

from .conftest import DATA

#: RAND's cost of a 1% cut in annual cocaine consumption, $M (1992) a year: the oracle.
#: Unconfirmed against the primary Table S.1 (docs/model.md section 6, docs/sources.md).
RAND_COST_PER_PCT_CONSUMPTION = {"source_country": 783.0, "interdiction": 366.0,
                                 "domestic_enforcement": 246.0, "treatment": 34.0}
SUPPLY = ("source_country", "interdiction", "domestic_enforcement")
TOL = 0.01  # "within 1%"


@pytest.fixture(scope="module")
def rand():
    return decide.load_scenario(DATA / "rand1994.toml")


def _alone(sc, lever, spend):
    """Outcome (deaths, standing for consumption) with `spend` on `lever` only."""
    return decide.evaluate(sc, {n: (spend if n == lever else 0.0) for n in sc.lever_names})


def spend_for_one_percent(sc, lever):
    """Yearly spend on `lever` alone that cuts the outcome by exactly 1% (root of the
    model's deaths, not a formula)."""
    base = _alone(sc, lever, 0.0)
    hi = 1.0
    while 1.0 - _alone(sc, lever, hi) / base < 0.01:
        hi *= 2.0
    return brentq(lambda x: 1.0 - _alone(sc, lever, x) / base - 0.01, 0.0, hi,
                  xtol=1e-9, rtol=1e-12)


def marginal_cost_per_pct(sc, lever, step=0.01):
    """RAND's constant-marginal-cost reading: spend per 1% implied by the outcome's cut
    at a small spend `step` ($M a year)."""
    cut = 1.0 - _alone(sc, lever, step) / _alone(sc, lever, 0.0)
    return step * 0.01 / cut


def _weights(sc):
    return dict(zip(sc.lever_names, sc.model_inputs().weight))


def _point(name, value):
    return {name: value, f"{name}.low": value, f"{name}.high": value}


def test_fixture_is_the_static_rand_comparison(rand):
    inp = rand.model_inputs()
    assert rand.horizon == 1 and inp.substitution == 0 and inp.baseline_trend == 0
    assert inp.market_lag == 0
    assert (inp.onset == 0).all() and (inp.retained == 1).all()
    # RAND's supply programmes act through the price only; treatment acts on consumption
    c = _weights(rand)
    assert [lv.channel == "demand" for lv in rand.levers] == [False, False, False, True]
    for lever in SUPPLY:
        assert c[lever] == pytest.approx(channel_weight(0.0, inp.supply_elasticity,
                                                        inp.price_elasticity,
                                                        inp.pass_through))
        assert c[lever] == pytest.approx(0.5)
    assert c["treatment"] == 1.0


@pytest.mark.parametrize("lever", list(RAND_COST_PER_PCT_CONSUMPTION))
def test_model_reproduces_rand_cost_per_pct_of_consumption(rand, lever):
    target = RAND_COST_PER_PCT_CONSUMPTION[lever]
    # the spend that cuts consumption (deaths) by 1%, found on the model's own output
    assert spend_for_one_percent(rand, lever) == pytest.approx(target, rel=TOL)
    # and the consumption cut per $ at a small spend, RAND's constant marginal cost
    assert marginal_cost_per_pct(rand, lever) == pytest.approx(target, rel=TOL)


@pytest.mark.parametrize("lever", SUPPLY)
def test_unconverted_costs_miss_rand_by_one_over_c(rand, lever):
    # RAND's figure read as a cost per 1% of SUPPLY (the old fixture's reading) needs
    # 1 / c times the money for a 1% cut in consumption: the conversion is not cosmetic
    target = RAND_COST_PER_PCT_CONSUMPTION[lever]
    c = _weights(rand)[lever]
    raw = rand.with_overrides(_point(f"levers.{lever}.cost_per_pct", target))
    spend = spend_for_one_percent(raw, lever)
    assert spend == pytest.approx(target / c, rel=1e-6)
    assert abs(spend / target - 1) > 10 * TOL


# market settings -> channel weight c = alpha eta + (1 - alpha) e_p theta
MARKETS = {
    "rand_price_only": (0.0, 1.0, 0.5, 1.0),  # the fixture: c = 0.5
    "quantity_only": (1.0, 0.8, 0.5, 1.0),  # c = eta = 0.8
    "baseline_precursor_like": (0.8, 0.8, 0.5, 0.05),  # c = 0.645 (docs/model.md 2.4)
    "baseline_counter_network_like": (0.2, 0.8, 0.5, 0.05),  # c = 0.18
    "elastic_demand": (0.0, 1.0, 2.5, 1.0),  # c = 2.5
}


@pytest.mark.parametrize("market", list(MARKETS))
def test_conversion_holds_for_any_channel_weight(rand, market):
    """cost per 1% of the lever's quantity = cost per 1% of consumption x c, whatever c
    is: converted this way, the model gives RAND's figure back."""
    alpha, eta, e_p, theta = MARKETS[market]
    c = float(channel_weight(alpha, eta, e_p, theta))
    over = {}
    for name, value in (("supply_elasticity", eta), ("price_elasticity", e_p),
                        ("pass_through", theta)):
        over.update(_point(f"market.{name}", value))
    for lever in SUPPLY:
        over.update(_point(f"levers.{lever}.alpha", alpha))
        over.update(_point(f"levers.{lever}.cost_per_pct",
                           RAND_COST_PER_PCT_CONSUMPTION[lever] * c))
    sc = rand.with_overrides(over)
    assert all(_weights(sc)[lever] == pytest.approx(c) for lever in SUPPLY)
    for lever, target in RAND_COST_PER_PCT_CONSUMPTION.items():
        assert spend_for_one_percent(sc, lever) == pytest.approx(target, rel=TOL)
        assert marginal_cost_per_pct(sc, lever) == pytest.approx(target, rel=TOL)


def test_linearisation_error_beyond_small_cuts(rand):
    """RAND's curves are linear in percentage points; the model's are linear in log
    units. They agree at 1% (exactly, by the conversion) and drift apart with the size of
    the cut: a k% cut costs k x RAND's figure in RAND, ln(1 - k%) / ln(0.99) x it here."""
    lever = "treatment"
    target = RAND_COST_PER_PCT_CONSUMPTION[lever]
    base = _alone(rand, lever, 0.0)
    for k in (1, 5, 10, 20):
        spend = brentq(lambda x, k=k: 1.0 - _alone(rand, lever, x) / base - k / 100, 0.0,
                       100 * target, xtol=1e-9, rtol=1e-12)
        assert spend == pytest.approx(target * math.log(1 - k / 100) / math.log(0.99),
                                      rel=1e-9)
    # within 1% of RAND's linear reading up to a cut of about 2%; about 5% off at 10%
    assert target * math.log(0.98) / math.log(0.99) / (2 * target) - 1 < TOL
    assert target * math.log(0.90) / math.log(0.99) / (10 * target) - 1 > 0.04
