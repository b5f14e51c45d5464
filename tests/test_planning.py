"""Phasing, minimum programme sizes, least cost, custom constraints and the Mexico trade-off."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import decide
from decide.optimization.phased import phased_objective
from decide.scenario import ConstraintSyntaxError, parse_constraint

from .conftest import DATA

LEVERS = ["counter_network", "financial", "gun_flow", "precursor"]


def _no_lags(sc):
    ov = {"market.market_lag": 0.0, "market.market_lag.low": 0.0}
    for lv in sc.levers:
        ov[f"levers.{lv.name}.onset.low"] = 0.0
        ov[f"levers.{lv.name}.onset"] = 0.0
        ov[f"levers.{lv.name}.retained.high"] = 1.0
        ov[f"levers.{lv.name}.retained"] = 1.0
    return sc.with_overrides(ov)


def test_no_lags_phased_equals_flat(two_lever):
    sc = _no_lags(two_lever)
    flat = decide.optimize(sc)
    phased = decide.optimize(sc, phasing=True)
    assert phased.deaths == pytest.approx(flat.deaths, abs=flat.gap + phased.gap + 1e-6)
    assert phased.deaths == decide.evaluate(sc, phased.plan)


def _slow_fast(two_lever):
    return two_lever.with_overrides({
        "horizon": 3, "budget": 400.0,
        "levers.a.onset.high": 4.0, "levers.a.onset": 3.0, "levers.a.retained.high": 1.0,
        "levers.a.retained": 1.0, "levers.b.onset": 0.1, "levers.b.retained.high": 1.0,
        "levers.b.retained": 1.0, "levers.a.cost_per_pct": 100.0})


def test_slow_lever_is_front_loaded_and_phasing_beats_flat_and_brute_force(two_lever):
    sc = _slow_fast(two_lever)
    phased = decide.optimize(sc, phasing=True)
    flat = decide.optimize(sc)
    plan = phased.plan
    assert plan["a"].iloc[0] > plan["a"].iloc[-1] + 1.0  # front-loaded
    flat_plan = np.tile(flat.spend.to_numpy(), (3, 1))
    best_phased = phased_objective(sc, plan.to_numpy())
    assert best_phased <= phased_objective(sc, flat_plan) + 1e-6
    # brute force over 2 levers x 3 years with the yearly budget spent: a coarse grid,
    # then a fine one around its best point

    def obj(split):
        return phased_objective(sc, np.array([[a, sc.budget - a] for a in split]))

    coarse = np.linspace(0, sc.budget, 21)
    start = min(itertools.product(coarse, repeat=3), key=obj)
    step = coarse[1]
    fine = [np.clip(np.linspace(c - step, c + step, 21), 0, sc.budget) for c in start]
    brute = min(obj(split) for split in itertools.product(*fine))
    assert best_phased <= brute + phased.gap + 1e-6  # as good as brute force
    assert best_phased >= brute - 0.05 * abs(brute - obj([0, 0, 0])) - 1.0
    assert phased.deaths == decide.evaluate(sc, plan)
    assert phased.deaths == pytest.approx(phased.deaths_by_year["plan"].sum(), rel=1e-12)


def test_envelope_and_yearly_limits(baseline):
    raw = baseline.to_dict()
    raw["phasing"] = {"envelope": 8000, "year_min": 500, "year_max": 1200}
    sc = decide.Scenario.from_dict(raw)
    res = decide.optimize(sc, phasing=True)
    yearly = res.plan.sum(axis=1)
    assert yearly.sum() <= 8000 + 1e-4
    assert (yearly >= 500 - 1e-4).all() and (yearly <= 1200 + 1e-4).all()
    raw["phasing"] = {"envelope": 1000, "year_min": 500}
    with pytest.raises(decide.InfeasibleError, match="envelope"):
        decide.optimize(decide.Scenario.from_dict(raw), phasing=True)


def test_minimum_programme_size_matches_enumeration(baseline):
    sc = baseline.with_overrides({
        "levers.gun_flow.min_size": 200.0, "levers.gun_flow.startup_cost": 300.0,
        "levers.financial.min_size": 450.0, "levers.financial.ceiling": 800.0,
        "levers.counter_network.min_size": 250.0})
    res = decide.optimize(sc)
    for lv in sc.levers:
        x = res.spend[lv.name]
        assert x <= 1e-6 or lv.min_size is None or x >= lv.min_size - 1e-6
    best = np.inf
    with_min = [lv.name for lv in sc.levers if lv.min_size]
    for pattern in itertools.product([False, True], repeat=len(with_min)):
        ov = {}
        for name, on in zip(with_min, pattern):
            lv = sc.lever(name)
            if on:
                ov[f"levers.{name}.floor"] = lv.min_size
            else:
                ov[f"levers.{name}.ceiling"] = 0.0
            ov[f"levers.{name}.min_size"] = None
            ov[f"levers.{name}.startup_cost"] = 0.0
        startup = sum(sc.lever(n).startup_cost / sc.horizon
                      for n, on in zip(with_min, pattern) if on)
        ov["budget"] = sc.budget - startup
        try:
            best = min(best, decide.optimize(sc.with_overrides(ov)).deaths)
        except decide.InfeasibleError:
            continue
    assert res.deaths <= best + res.gap + 1e-6
    assert res.deaths >= best - res.gap - 1e-6


def test_least_cost_reaches_optimize_deaths_at_optimize_cost(baseline):
    sc = baseline.with_overrides({"budget": 600.0, "levers.precursor.ceiling": 200.0})
    opt = decide.optimize(sc)
    lc = decide.least_cost(sc, deaths_averted=opt.deaths_averted - opt.gap)
    assert lc.deaths_averted >= opt.deaths_averted - opt.gap
    assert lc.spend.sum() == pytest.approx(opt.spend.sum(), abs=lc.cost_gap + 1.0)
    cheaper = decide.least_cost(sc, deaths_averted=0.5 * opt.deaths_averted)
    assert cheaper.spend.sum() < opt.spend.sum()
    with pytest.raises(decide.InfeasibleError, match="at most"):
        decide.least_cost(sc, deaths_averted=10 * opt.deaths_averted)


def test_pareto_is_non_dominated_and_monotone(baseline):
    p = decide.pareto(baseline, n=7)
    assert (np.diff(p["mexico_homicides"]) >= -1e-6).all()
    assert (np.diff(p["deaths"]) <= 1e-6 + p["gap"].max()).all()
    for i, a in p.iterrows():
        for j, b in p.iterrows():
            if i != j:
                dominated = (b["deaths"] < a["deaths"] - 1e-3
                             and b["mexico_homicides"] < a["mexico_homicides"] - 1e-3)
                assert not dominated
    slack = 1e-6 * p["max_mexico_homicides"].abs().clip(lower=1) + 1e-3
    assert (p["mexico_homicides"] <= p["max_mexico_homicides"] + slack).all()


def test_custom_constraints_hold_and_are_priced(baseline):
    raw = baseline.to_dict()
    raw["constraints"] = ["financial >= 0.5 * counter_network + 10",
                          "gun_flow + financial <= 300"]
    sc = decide.Scenario.from_dict(raw)
    res = decide.optimize(sc)
    x = res.spend
    assert x["financial"] >= 0.5 * x["counter_network"] + 10 - 1e-6
    assert x["gun_flow"] + x["financial"] <= 300 + 1e-6
    assert any("gun_flow + financial" in k for k in res.shadow_prices.index)
    phased = decide.optimize(sc, phasing=True)
    assert (phased.plan["gun_flow"] + phased.plan["financial"] <= 300 + 1e-4).all()
    raw["constraints"] = ["financial >= 2 * counter_network", "financial <= 100",
                          "counter_network >= 100"]
    with pytest.raises(decide.InfeasibleError, match="must be relaxed by"):
        decide.optimize(decide.Scenario.from_dict(raw))


def test_mexico_homicides_reported_and_capped(baseline):
    res = decide.optimize(baseline)
    assert res.mexico_homicides == pytest.approx(10 * 17 * 0.02 * 300)
    capped = decide.optimize(baseline.with_overrides({"max_mexico_homicides": 0.0}))
    assert capped.mexico_homicides <= 1e-3
    assert capped.deaths >= res.deaths - res.gap


@pytest.mark.parametrize("text,col,match", [
    ("financial >= 0.5 * counter_netwrk", 20, "did you mean 'counter_network'"),
    ("financial > 3", 11, "instead of '>'"),
    ("financial * gun_flow <= 3", 13, "not linear"),
    ("financial <=", 13, "end of text"),
    ("3 <= 4", 1, "names no lever"),
    ("financial <= 1e99", 14, "out of range"),
    ("financial <= $3", 14, "unexpected character"),
])
def test_constraint_grammar_errors_point_at_the_text(text, col, match):
    with pytest.raises(ConstraintSyntaxError, match=match) as err:
        parse_constraint(text, LEVERS)
    assert err.value.column == col


def test_constraint_errors_in_scenario_name_file_key_and_column(baseline):
    raw = baseline.to_dict()
    raw["constraints"] = ["gun_flow + finacial <= 600"]
    with pytest.raises(decide.ScenarioError,
                       match=r"x.toml: constraints\[0\] = .*column 12.*>>>finacial"):
        decide.Scenario.from_dict(raw, source="x.toml")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.+-*<>= _abcdefghijklmnopqrstuvwxyz$", max_size=60))
def test_constraint_parser_fuzz(text):
    try:
        c = parse_constraint(text, LEVERS)
    except ConstraintSyntaxError as exc:
        assert 1 <= exc.column <= len(text) + 1
        return
    assert c.sense in ("<=", ">=", "==") and c.coeffs
    assert all(name in LEVERS for name, _ in c.coeffs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LEVERS), st.integers(-5, 5)), min_size=1,
                max_size=4), st.sampled_from(["<=", ">=", "=="]), st.integers(-100, 100))
def test_constraint_parser_round_trip(terms, sense, rhs):
    text = " + ".join(f"{a} * {name}" for name, a in terms) + f" {sense} {rhs}"
    expected = {}
    for name, a in terms:
        expected[name] = expected.get(name, 0) + a
    expected = {k: v for k, v in expected.items() if v}
    if not expected:
        with pytest.raises(ConstraintSyntaxError):
            parse_constraint(text, LEVERS)
        return
    c = parse_constraint(text, LEVERS)
    assert dict(c.coeffs) == expected and c.rhs == rhs and c.sense == sense
    spend = {n: 1.0 for n in LEVERS}
    assert c.lhs(spend) == pytest.approx(sum(expected.values()))


def test_phased_plan_through_cli_and_app_keys(tmp_path):
    from decide.cli import main

    out = tmp_path / "plan.csv"
    assert main(["solve", str(DATA / "two_lever.toml"), "--phasing", "--format", "csv",
                 "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 2


def _judgement(base, low, high, unit="fraction"):
    return {"base": base, "low": low, "high": high, "unit": unit, "source": "Test fixture",
            "confidence": "judgement"}


@pytest.mark.parametrize("kind", ["complementarity", "balloon", "both"])
def test_interactions_match_brute_force(two_lever, kind):
    raw = two_lever.to_dict()
    raw["interactions"] = {}
    if kind in ("complementarity", "both"):
        raw["interactions"]["complementarity"] = {"boosted": "a", "by": "b",
                                                  "gamma": _judgement(0.8, 0, 1)}
    if kind in ("balloon", "both"):
        raw["interactions"]["balloon"] = {"levers": ["a", "b"],
                                          "cap": _judgement(0.15, 0.05, 0.5, "log units")}
    sc = decide.Scenario.from_dict(raw)
    res = decide.optimize(sc)
    assert res.deaths == decide.evaluate(sc, res.spend)
    grid = np.linspace(0, sc.budget, 2001)
    best = min(decide.evaluate(sc, {"a": a, "b": sc.budget - a}) for a in grid)
    assert res.deaths <= best + res.gap + 1e-6
    assert res.deaths >= best - res.gap - 0.5  # grid step $0.4M
    plain = decide.optimize(two_lever)
    if kind == "complementarity":
        assert res.deaths_averted >= plain.deaths_averted - plain.gap
    if kind == "balloon":
        assert res.deaths_averted <= plain.deaths_averted + res.gap
    phased = decide.optimize(sc, phasing=True)  # yearly budget: at least the flat optimum
    assert phased.deaths == decide.evaluate(sc, phased.plan)
    flat_plan = np.tile(res.spend.to_numpy(), (sc.horizon, 1))
    assert phased_objective(sc, phased.plan.to_numpy()) <= phased_objective(
        sc, flat_plan) + phased.gap + 1e-6


def test_interaction_schema_errors(two_lever):
    raw = two_lever.to_dict()
    raw["interactions"] = {"balloon": {"levers": ["a", "c"], "cap": _judgement(0.1, 0, 1)}}
    with pytest.raises(decide.ScenarioError, match="interactions.balloon.levers"):
        decide.Scenario.from_dict(raw, source="i.toml")
    raw["interactions"] = {"complementarity": {"boosted": "a", "by": "a",
                                               "gamma": _judgement(0.1, 0, 1)}}
    with pytest.raises(decide.ScenarioError, match="must differ"):
        decide.Scenario.from_dict(raw, source="i.toml")


def test_constraint_option_on_the_cli(capsys):
    from decide.cli import main

    from .conftest import ROOT

    assert main(["solve", str(ROOT / "inputs" / "baseline.toml"), "--constraint",
                 "gun_flow >= 100", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out)).set_index("lever")
    assert table.loc["gun_flow", "spend"] >= 100 - 1e-6
    assert main(["solve", str(ROOT / "inputs" / "baseline.toml"), "--constraint",
                 "gun_flow >= finacial"]) == 2
    assert "did you mean 'financial'" in capsys.readouterr().err


def test_time_limited_milp_returns_best_with_gap_and_warning(baseline, monkeypatch):
    from decide.optimization import lp as lpmod

    real = lpmod.solve_lp

    def limited(lp, solver="cbc", time_limit=None):
        out = real(lp, solver, time_limit)
        lp.time_limited = True  # as if CBC had stopped at its time limit
        return out
    monkeypatch.setattr(lpmod, "solve_lp", limited)
    sc = baseline.with_overrides({"levers.gun_flow.min_size": 200.0})
    res = decide.optimize(sc, time_limit=5)
    assert res.status is decide.Status.TIME_LIMIT and res.status == "time_limit"
    assert res.warnings and "time limit" in res.warnings[0]
    assert res.gap >= 0 and np.isfinite(res.gap)
    assert res.deaths == decide.evaluate(sc, res.spend)
    monkeypatch.undo()
    assert decide.optimize(sc).status is decide.Status.OPTIMAL  # the real solve
