"""Phased plans: the allocation table's marginal columns, the tail window's sign and its
explanation, and a budget shadow price that does not depend on the solver's path.

Each test reproduces a reported bug (it failed before the fix):

1. the phased table's ``marginal_deaths_averted_per_musd`` and ``reduced_cost`` were NaN;
2. "deaths averted in the tail window: -118.4" had no explanation (it is the rebound of
   caveat 7, not a sign or baseline error: ``res.tail_note`` now says so);
3. the budget's shadow price was the sum of LP duals, which depend on the cutting planes
   and, at a breakpoint, on the solver (0.0829 with CBC, 0.0620 with HiGHS for one plan),
   and left out an envelope's dual (a price of 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import decide
from decide.optimization import phased
from decide.optimization.phased import extend_plan, phased_objective
from models import deaths as mdl
from models import timing

from .conftest import ROOT


def _with_phasing(sc, **table):
    raw = sc.to_dict()
    raw["phasing"] = table
    return decide.Scenario.from_dict(raw)


@pytest.fixture(scope="module")
def res(baseline):
    return decide.optimize(baseline, phasing=True)


def _objective_slope(sc, plan, i, h=1e-2):
    """Deaths averted over the horizon and the tail window per extra $1M a year on lever
    ``i`` in every plan year: a central difference of the optimiser's objective (the
    scenarios here do not discount), one-sided at zero spend."""
    up = plan.copy()
    up[:, i] += h
    if (plan[:, i] >= h).all():
        down = plan.copy()
        down[:, i] -= h
        return (phased_objective(sc, down) - phased_objective(sc, up)) / (2 * h)
    return (phased_objective(sc, plan) - phased_objective(sc, up)) / h


# -- 1. the allocation table's marginal columns ------------------------------------------
def test_phased_table_has_numbers_where_it_had_nan(res):
    t = res.table.set_index("lever")
    assert np.isfinite(t["marginal_deaths_averted_per_musd"]).all()
    assert np.isfinite(t["reduced_cost"]).all()
    funded = t["spend"] > 1e-3
    assert np.isfinite(t.loc[funded, "cost_per_death_averted"]).all()
    assert t.loc[~funded, "cost_per_death_averted"].isna().all()  # shown as '-'
    assert not funded["gun_flow"]
    assert not np.signbit(t.loc["gun_flow", "deaths_averted"])  # 0.0, not -0.0


def test_phased_marginal_is_the_kernel_directional_derivative(baseline, res):
    plan = res.plan.to_numpy()
    t = res.table.set_index("lever")
    for i, lever in enumerate(baseline.lever_names):
        expected = _objective_slope(baseline, plan, i)
        assert t.loc[lever, "marginal_deaths_averted_per_musd"] == pytest.approx(
            expected, rel=1e-5, abs=1e-9), lever


def test_phased_reduced_cost_is_marginal_minus_budget_price(res):
    t = res.table.set_index("lever")
    price = res.shadow_prices["budget"]
    assert t["reduced_cost"].to_numpy() == pytest.approx(
        (t["marginal_deaths_averted_per_musd"] - price).to_numpy(), abs=1e-12)
    # counter-network is inside its bounds every year: it prices the budget
    assert t.loc["counter_network", "reduced_cost"] == pytest.approx(0, abs=1e-9)
    assert t.loc["financial", "reduced_cost"] > 0 and t.loc["precursor", "reduced_cost"] > 0
    assert t.loc["gun_flow", "reduced_cost"] < 0  # unfunded: below the budget's price


def test_phased_marginal_equals_flat_marginal_without_lags_or_tail(baseline):
    # no tail window and the plan equals the flat allocation (the ceilings bind): the
    # optimiser's objective is the flat one, and so are the marginal values and prices
    sc = _with_phasing(baseline, tail_years=0)
    flat = decide.optimize(sc)
    ph = decide.optimize(sc, phasing=True)
    assert np.allclose(ph.plan.to_numpy(), flat.plan.to_numpy(), atol=1e-6)
    for col in ("marginal_deaths_averted_per_musd", "reduced_cost"):
        assert ph.table[col].to_numpy() == pytest.approx(flat.table[col].to_numpy(),
                                                         rel=1e-6, abs=1e-9), col
    assert ph.shadow_prices["budget"] == pytest.approx(flat.shadow_prices["budget"],
                                                       rel=1e-6)


def test_phased_marginal_objective_column_for_other_objectives(baseline):
    ph = decide.optimize(baseline, phasing=True, objective="life_years")
    t = ph.table.set_index("lever")
    assert np.isfinite(t["marginal_objective_per_musd"]).all()
    assert t["reduced_cost"].to_numpy() == pytest.approx(
        (t["marginal_objective_per_musd"] - ph.shadow_prices["budget"]).to_numpy(),
        abs=1e-9)
    assert t.loc["counter_network", "reduced_cost"] == pytest.approx(0, abs=1e-6)


# -- 2. the tail window -------------------------------------------------------------------
def test_negative_tail_is_the_rebound_after_spending_stops(baseline, res):
    tail = int(baseline.phasing.get("tail_years", 3))
    assert res.tail_deaths_averted < 0
    inp = baseline.model_inputs(horizon=baseline.horizon + tail)
    ext = extend_plan(res.plan.to_numpy(), tail)
    yd = mdl.yearly_deaths(ext, inp)
    # the same baseline and deaths as the horizon's figures: no comparison mismatch
    assert yd.baseline[:baseline.horizon].sum() == pytest.approx(res.baseline_deaths)
    assert yd.total[:baseline.horizon].sum() == pytest.approx(res.deaths, rel=1e-12)
    assert res.tail_deaths_averted == pytest.approx(yd.averted[baseline.horizon:].sum())
    # undiscounted (the baseline does not discount anyway) and its sign is the model's:
    # effective spend turns negative after the programmes stop (adaptation outlasts
    # them, caveat 7), and with no adaptation the tail averts deaths
    eff = timing.effective_spend(ext, inp.profile)
    funded = res.spend.to_numpy() > 1e-3
    assert (eff[funded, baseline.horizon:].min(axis=1) < 0).all()
    keep = {f"levers.{lv.name}.{k}": 1.0 for lv in baseline.levers
            for k in ("retained.high", "retained")}
    steady = decide.optimize(baseline.with_overrides(keep), phasing=True)
    assert steady.tail_deaths_averted > 0


def test_tail_note_explains_a_negative_tail(res):
    note = res.tail_note
    assert f"{res.tail_deaths_averted:,.1f}" in note
    assert "rebound" in note and "caveat 7" in note
    assert "stops" in note or "stop" in note
    for label in ("counter-network targeting", "financial disruption",
                  "precursor diplomacy"):
        assert label in note.lower()
    assert "gun-flow" not in note.lower()  # unfunded: no part in the rebound
    assert len(note) < 600


def test_tail_note_for_a_positive_tail_and_for_flat_results(baseline):
    keep = {f"levers.{lv.name}.{k}": 1.0 for lv in baseline.levers
            for k in ("retained.high", "retained")}
    steady = decide.optimize(baseline.with_overrides(keep), phasing=True)
    assert "lagged" in steady.tail_note and "rebound" not in steady.tail_note
    assert f"{steady.tail_deaths_averted:,.1f}" in steady.tail_note
    assert decide.optimize(baseline).tail_note == ""
    none = decide.optimize(_with_phasing(baseline, tail_years=0), phasing=True)
    assert none.tail_deaths_averted == 0 and "no tail window" in none.tail_note


def test_tail_note_survives_copy_and_cache(baseline, res):
    cache = decide.ResultCache()
    a = decide.optimize(baseline, phasing=True, cache=cache)
    b = decide.optimize(baseline, phasing=True, cache=cache)
    assert a.tail_note == b.tail_note == res.tail_note == res.copy().tail_note


# -- 3. the budget's shadow price ---------------------------------------------------------
def _breakpoint(baseline):
    # every lever at a bound every year: the budget sits at a breakpoint
    return baseline.with_overrides({"levers.counter_network.ceiling": 300.0})


def _prices(r):
    b = r.shadow_price_bounds
    return np.concatenate([b["left"].to_numpy(), b["right"].to_numpy()])


def _case(baseline, case):
    if case == "baseline":
        return baseline
    if case == "breakpoint":
        return _breakpoint(baseline)
    if case == "envelope":  # counter-network pulsed: the plans differ by up to $22M
        return _with_phasing(baseline, envelope=10000.0, year_max=2000.0)
    # two levers inside their bounds every year (the plans differ by ~1e-5)
    return decide.load_scenario(ROOT / "inputs" / "treatment_comparator.toml")


@pytest.mark.parametrize("case", ["baseline", "breakpoint", "envelope", "treatment"])
def test_budget_price_does_not_depend_on_the_solver(baseline, case):
    sc = _case(baseline, case)
    cbc = decide.optimize(sc, phasing=True, solver="cbc")
    highs = decide.optimize(sc, phasing=True, solver="highs")
    if case in ("baseline", "breakpoint"):  # the same allocation
        assert np.allclose(cbc.plan.to_numpy(), highs.plan.to_numpy(), atol=1e-6)
    assert list(cbc.shadow_price_bounds.index) == list(highs.shadow_price_bounds.index)
    assert _prices(cbc) == pytest.approx(_prices(highs), rel=1e-6, abs=1e-12)


def test_budget_price_does_not_depend_on_the_first_cuts(baseline, monkeypatch):
    sc = _breakpoint(baseline)
    first = decide.optimize(sc, phasing=True)
    monkeypatch.setattr(phased, "TANGENT_GRID", np.array([0.0, 0.1, 0.25, 0.5, 1.0]))
    monkeypatch.setattr(phased, "_BEND", np.array([0.3, 1.0, 3.0]))
    other = decide.optimize(sc, phasing=True)
    assert other.iterations != first.iterations or other.gap != first.gap
    assert np.allclose(first.plan.to_numpy(), other.plan.to_numpy(), atol=1e-6)
    assert _prices(first) == pytest.approx(_prices(other), rel=1e-6, abs=1e-12)


def _resolved(sc, change):
    """The optimiser's objective (deaths averted, horizon and tail) re-solved with the
    scenario changed by ``change``, to a tighter gap than the default."""
    alt = sc.with_overrides(change) if "phasing" not in change else \
        _with_phasing(sc, **change["phasing"])
    r = phased.optimize_phased(alt, solver="highs", max_iterations=400)
    return -phased_objective(alt, r.plan.to_numpy()), r


@pytest.fixture
def tight(monkeypatch):
    monkeypatch.setattr(phased, "GAP_ABS", 5e-3)
    monkeypatch.setattr(phased, "GAP_REL", 1e-6)
    monkeypatch.setattr(phased, "LP_MARGIN", 0.0)


@pytest.mark.parametrize("case", ["baseline", "breakpoint", "treatment"])
def test_budget_price_matches_finite_differences_of_re_solves(baseline, case, tight):
    sc = _case(baseline, case)
    res = decide.optimize(sc, phasing=True)
    left, right = res.shadow_price_bounds.loc["budget", ["left", "right"]]
    # the re-solves' gaps are ~1e-3 deaths (~0.04 for the treatment scenario's 49,000
    # deaths averted): steps large enough for them, small against the curvature
    step = {"baseline": 1.0, "breakpoint": 10.0, "treatment": 20.0}[case]
    v0, r0 = _resolved(sc, {})
    up, ru = _resolved(sc, {"budget": sc.budget + step})
    down, rd = _resolved(sc, {"budget": sc.budget - step})
    tol = (r0.gap + max(ru.gap, rd.gap)) / step + 1e-3 * abs(left)
    assert (up - v0) / step == pytest.approx(right, abs=tol)
    assert (v0 - down) / step == pytest.approx(left, abs=tol)
    if case == "breakpoint":  # the last $1M buys more than the next
        assert left > right + 0.01
    else:
        assert left == right


def test_envelope_budget_price_is_the_envelope_value(baseline, tight):
    table = {"envelope": 10000.0, "year_max": 2000.0}
    sc = _with_phasing(baseline, **table)
    res = decide.optimize(sc, phasing=True)
    T = sc.horizon
    price = res.shadow_prices["budget"]
    assert price > 0.05  # was 0: the envelope's dual was left out
    step = 10.0  # $M a year: the envelope moves by T times this
    v0, _ = _resolved(sc, {"phasing": table})
    up, _ = _resolved(sc, {"phasing": {**table, "envelope": table["envelope"] + T * step}})
    down, _ = _resolved(sc, {"phasing": {**table, "envelope": table["envelope"] - T * step}})
    left, right = res.shadow_price_bounds.loc["budget", ["left", "right"]]
    assert (up - v0) / step == pytest.approx(right, rel=0.02)
    assert (v0 - down) / step == pytest.approx(left, rel=0.02)


def test_phased_and_flat_prices_differ_by_the_tail_only(baseline, res):
    # the same allocation: the flat price counts the horizon, the phased one the horizon
    # and the tail window, where an extra $1M a year raises deaths (the rebound)
    flat = decide.optimize(baseline)
    assert np.allclose(res.plan.to_numpy(), flat.plan.to_numpy(), atol=1e-6)
    assert res.shadow_prices["budget"] < flat.shadow_prices["budget"]
    no_tail = decide.optimize(_with_phasing(baseline, tail_years=0), phasing=True)
    assert no_tail.shadow_prices["budget"] == pytest.approx(flat.shadow_prices["budget"],
                                                            rel=1e-6)
    years = [f"budget year {t}" for t in range(1, baseline.horizon + 1)]
    assert res.shadow_prices[years].sum() == pytest.approx(res.shadow_prices["budget"],
                                                           rel=1e-12)


def test_price_is_a_function_of_the_plan(baseline, res):
    again = phased.plan_prices(baseline, res.plan.to_numpy())
    pd.testing.assert_frame_equal(again, res.shadow_price_bounds)


def test_kinked_models_keep_the_lp_duals_and_count_an_envelope(two_lever):
    # interactions put the plan on kinks, where a gradient does not hold the KKT
    # multipliers: the prices stay the LP's duals, with the envelope's counted
    raw = two_lever.to_dict()
    raw["interactions"] = {"balloon": {"levers": ["a", "b"], "cap": {
        "base": 0.15, "low": 0.05, "high": 0.5, "unit": "log units", "source": "test",
        "confidence": "judgement"}}}
    sc = decide.Scenario.from_dict(raw)
    assert not phased.smooth_model(sc) and phased.smooth_model(two_lever)
    plan = np.full((sc.horizon, 2), 400.0)
    with pytest.raises(ValueError, match="duals"):
        phased.plan_prices(sc, plan)
    duals = {f"budget_{t}": 0.5 + t for t in range(sc.horizon)}
    p = phased.plan_prices(sc, plan, duals=duals)
    assert p.loc["budget", "right"] == pytest.approx(sum(duals.values()))
    assert p.loc["budget year 2", "left"] == 1.5
    env = decide.Scenario.from_dict({**raw, "phasing": {"envelope": 4000.0,
                                                        "year_max": 1000.0}})
    p = phased.plan_prices(env, plan, duals={**duals, "envelope": 0.25})
    assert p.loc["budget", "right"] == pytest.approx(0.25 * sc.horizon)
    res = decide.optimize(env, phasing=True)
    assert res.shadow_prices["budget"] > 0
    assert np.isfinite(res.table["marginal_deaths_averted_per_musd"]).all()


def test_the_budget_sentence_of_a_plan_names_the_tail_window():
    import decide
    from decide.reporting.outcomes import budget_price_sentence

    sc = decide.load_scenario("inputs/baseline.toml")
    assert "3-year tail window" in budget_price_sentence(decide.optimize(sc, phasing=True))
    assert "tail" not in budget_price_sentence(decide.optimize(sc))
