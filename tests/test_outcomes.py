"""Outcomes beyond deaths: life-years and net benefit as objectives of `decide.optimize`.

(a) a hand-derived scenario in which life-years and deaths fund different levers;
(b) net benefit leaves money unspent when the value of a statistical life is low, spends
    it all when high, and at an interior optimum a funded lever's marginal benefit equals
    its cost (KKT);
(c) reconciliation: the result's objective value equals re-evaluating the allocation, by
    the yearly deaths and by the weighted kernel; the certified gap is >= 0, within
    tolerance, and no allocation on a grid beats the optimum by more than the gap; the
    Newton engine, the LP alone and the phased LP agree;
(d) a scenario without ``[outcomes]`` is today's (tests/test_golden.py; here: the
    ``objective`` argument's default and "deaths" give equal results);
plus the scenario table's validation, the CLI, the exports and the briefing.
The kernel's life-years form against a scalar reference is in tests/test_kernel.py.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

import decide
from decide.cli import main
from decide.errors import ScenarioError
from decide.optimization import newton
from decide.optimization.certificate import GAP_ABS, GAP_REL, tolerance
from decide.optimization.evaluation import objective_value
from decide.reporting import briefing_html, export
from models import deaths as mdl

from .conftest import DATA

HAND = DATA / "outcomes_hand.toml"


def _param(base, low, high, unit="x"):
    return {"base": base, "low": low, "high": high, "unit": unit, "source": "Test fixture",
            "confidence": "judgement"}


def _with_outcomes(sc, **outcomes):
    raw = sc.to_dict()
    raw["outcomes"] = outcomes
    return decide.Scenario.from_dict(raw, source="outcomes.toml")


@pytest.fixture(scope="module")
def hand():
    return decide.load_scenario(HAND)


@pytest.fixture(scope="module")
def two(two_lever):
    """two_lever.toml (saturating, in the Newton engine's scope) with an [outcomes] table."""
    return _with_outcomes(two_lever, years_lost_synthetic=_param(38, 35, 40),
                          years_lost_substitution=_param(30, 20, 38),
                          value_of_statistical_life=_param(13.2, 7.3, 18.3))


def _vsl(sc, value):
    return sc.with_overrides({"outcomes.value_of_statistical_life.low": min(value, 7.3),
                              "outcomes.value_of_statistical_life": value})


# -- (a) the hand-derived case ------------------------------------------------------------
def test_life_years_and_deaths_fund_different_levers_as_derived_by_hand(hand):
    """One year, no lags, linear responses below their caps, so with ``B = 10,000``,
    ``s_i = -ln(0.99) / cost_i`` (treatment 30, supply 20: ``s_S / s_D = r = 1.5``),
    ``c = 1`` for the supply lever, ``phi = 0.5``, ``L_s = 40`` and ``L_sub = 8``:

    deaths ``F = B [(1 - phi)(1 - e^{-(z_S + z_D)}) + phi (1 - e^{-z_D})]``. At the corner
    "all on treatment" (``z_S = 0``), ``dF/dx_D = B s_D e^{-z_D}`` and
    ``dF/dx_S = B s_S (1 - phi) e^{-z_D}``: their ratio ``r (1 - phi) = 0.75 < 1`` holds
    along the whole edge, so the corner meets the KKT conditions of a concave problem:
    deaths fund treatment only, averting ``B (1 - e^{-100 s_D})``.

    life-years ``G = B [(L_s - phi L_sub)(1 - e^{-(z_S + z_D)}) + phi L_sub (1 - e^{-z_D})]``.
    At "all on supply" (``y = 100 s_S``, ``z_D = 0``), ``dG/dx_S = B s_S (L_s - phi L_sub)
    e^{-y}`` and ``dG/dx_D = B s_D [(L_s - phi L_sub) e^{-y} + phi L_sub]``; supply stays
    preferred while ``(r - 1)(L_s - phi L_sub) e^{-y} > phi L_sub``: ``0.5 x 36 x 0.951 =
    17.1 > 4``. Life-years fund supply only, saving ``B (L_s - phi L_sub)(1 - e^{-y})``:
    the supply lever's averted deaths come back as substitution deaths that cost 8 years
    each, not 40, so per life-year it beats treatment though it averts fewer deaths.
    """
    B, phi, ls, lsub = 10_000.0, 0.5, 40.0, 8.0
    s_d, s_s = -math.log(0.99) / 30.0, -math.log(0.99) / 20.0
    r = s_s / s_d
    assert r * (1 - phi) < 1  # deaths: treatment
    y = 100 * s_s
    assert (r - 1) * (ls - phi * lsub) * math.exp(-y) > phi * lsub  # life-years: supply

    deaths = decide.optimize(hand)
    assert deaths.spend["treatment"] == pytest.approx(100, abs=1e-6)
    assert deaths.spend["supply"] == pytest.approx(0, abs=1e-6)
    assert deaths.objective == "deaths" and deaths.objective_unit == "deaths"
    assert deaths.deaths_averted == pytest.approx(B * (1 - math.exp(-100 * s_d)), rel=1e-12)

    ly = decide.optimize(hand, objective="life_years")
    assert ly.spend["supply"] == pytest.approx(100, abs=1e-6)
    assert ly.spend["treatment"] == pytest.approx(0, abs=1e-6)
    assert ly.objective == "life_years" and ly.objective_unit == "life-years"
    expected = B * (ls - phi * lsub) * (1 - math.exp(-y))
    assert ly.objective_value == pytest.approx(expected, rel=1e-12)
    assert ly.life_years_averted == pytest.approx(expected, rel=1e-12)
    # deaths still reported: fewer than under the deaths objective (that is the trade-off)
    assert ly.deaths_averted == pytest.approx(B * (1 - phi) * (1 - math.exp(-y)), rel=1e-12)
    assert ly.deaths_averted < deaths.deaths_averted
    assert ly.life_years_averted > deaths.life_years_averted


def test_the_flip_comes_from_the_life_years_of_substitution_deaths(hand):
    """With substitution deaths as costly as synthetic ones (``L_sub = L_s``) the
    life-years objective is deaths times 40: it funds treatment again."""
    same = hand.with_overrides({"outcomes.years_lost_substitution.high": 40.0,
                                "outcomes.years_lost_substitution": 40.0})
    res = decide.optimize(same, objective="life_years")
    assert res.spend["treatment"] == pytest.approx(100, abs=1e-6)
    assert res.objective_value == pytest.approx(40 * decide.optimize(same).deaths_averted,
                                                rel=1e-9)


# -- (b) net benefit ----------------------------------------------------------------------
def test_net_benefit_leaves_money_unspent_when_lives_are_valued_low(two):
    res = decide.optimize(_vsl(two, 0.05), objective="net_benefit")
    assert res.spend.sum() == pytest.approx(0, abs=1e-6)
    assert res.unspent == pytest.approx(two.budget)
    assert "returns less than it costs" in res.unspent_reason
    assert "$0.05M" in res.unspent_reason and "statistical life" in res.unspent_reason
    assert res.objective_value == pytest.approx(0.0, abs=1e-9)
    assert res.gap >= 0 and res.objective_unit == "$M"
    assert res.shadow_prices["budget"] == 0.0


def test_net_benefit_spends_everything_when_lives_are_valued_high(two):
    res = decide.optimize(two, objective="net_benefit")  # $13.2M: far above cost
    assert res.unspent == 0.0 and res.unspent_reason == ""
    assert res.spend.sum() == pytest.approx(two.budget, rel=1e-9)
    # the budget binds: the next $1M a year is worth more than it costs
    assert res.shadow_prices["budget"] > 0
    assert res.benefit_cost_ratio > 1 and res.net_benefit_musd > 0
    # with every dollar spent the allocation is the deaths optimum (same levers, scaled
    # objective, spend fixed)
    deaths = decide.optimize(two)
    np.testing.assert_allclose(res.spend, deaths.spend, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("rate", [0.0, 0.03])
def test_net_benefit_kkt_at_an_interior_optimum(two, rate):
    """At $0.7M per death the optimum funds lever a partly and leaves money unspent: the
    value of the deaths its next $1M a year averts (discounted, by central differences of
    `evaluate`'s yearly deaths) equals that $1M's discounted cost; lever b's is below it."""
    sc = _vsl(two, 0.7).with_overrides({"discount_rate": rate})
    res = decide.optimize(sc, objective="net_benefit")
    x = res.spend.to_numpy()
    assert 1 < x[0] < sc.budget - 1 and x[1] == pytest.approx(0, abs=1e-6)
    assert res.unspent > 1 and "returns less than it costs" in res.unspent_reason
    w = (1 + rate) ** -np.arange(sc.horizon)
    cost = w.sum()  # $M of discounted spend per $1M a year

    def value(spend):
        yd = decide.deaths_by_year(sc, dict(zip(sc.lever_names, spend)))
        return 0.7 * float(((yd["baseline"] - yd["plan"]) * w).sum())

    h = 1e-3
    for i in range(2):
        up, dn = x.copy(), x.copy()
        up[i] += h
        dn[i] = max(dn[i] - h, 0.0)
        marginal = (value(up) - value(dn)) / (up[i] - dn[i])
        if i == 0:
            assert marginal == pytest.approx(cost, rel=1e-5)  # funded: benefit = cost
        else:
            assert marginal < cost  # unfunded: its first $1M returns less than it costs
    # the result's own marginal column is net of cost: 0 for the funded lever
    assert res.table["marginal_objective_per_musd"][0] == pytest.approx(0, abs=1e-5 * cost)
    assert res.table["reduced_cost"][1] < 0


def test_net_benefit_by_life_year_values_years_not_deaths(two):
    raw = two.to_dict()
    raw["outcomes"]["value_per_life_year"] = _param(0.015, 0.01, 0.05)
    raw["outcomes"]["value_basis"] = "life_year"
    sc = decide.Scenario.from_dict(raw)
    res = decide.optimize(sc, objective="net_benefit")
    assert sc.value_basis == "life_year" and "year of life" in res.unspent_reason
    assert res.benefit_musd == pytest.approx(
        0.015 * objective_value(sc, res.spend.to_dict(), "life_years"), rel=1e-12)


# -- (c) reconciliation -------------------------------------------------------------------
@pytest.mark.parametrize("objective", ["deaths", "life_years", "net_benefit"])
@pytest.mark.parametrize("name", ["hand", "two", "two_interior", "comparator"])
def test_objective_value_reconciles_and_the_gap_is_certified(request, objective, name):
    sc = _scenario(request, name)
    res = decide.optimize(sc, objective=objective)
    x = res.spend.to_numpy()
    again = objective_value(sc, res.spend.to_dict(), objective)
    assert res.objective_value == pytest.approx(again, rel=1e-12, abs=1e-9)
    # the same number through the weighted kernel (the optimiser's own path)
    inp = sc.model_inputs(objective=objective)
    kernel = mdl.flat_averted(x[None], inp.draws, inp.discount)[0][0] - inp.spend_cost * x.sum()
    assert res.objective_value == pytest.approx(kernel, rel=1e-9, abs=1e-6)
    assert 0 <= res.gap <= tolerance(res.objective_value, 0.0, x, inp.spend_cost)
    assert res.gap <= max(GAP_REL * (res.objective_value + inp.spend_cost * x.sum()),
                          GAP_ABS)
    # deaths and Mexican homicides are reported whatever the objective
    assert res.deaths == pytest.approx(decide.evaluate(sc, res.spend.to_dict()), rel=1e-12)
    assert (res.mexico_homicides is None) == (sc.mexico is None)


def _scenario(request, name):
    if name == "hand":
        return request.getfixturevalue("hand")
    if name == "two":
        return request.getfixturevalue("two")
    if name == "two_interior":
        return _vsl(request.getfixturevalue("two"), 0.7)
    sc = decide.load_scenario("inputs/treatment_comparator.toml")
    if sc.outcomes is None:
        sc = _with_outcomes(sc, years_lost_synthetic=_param(38, 35, 40),
                            years_lost_substitution=_param(30, 20, 38),
                            value_of_statistical_life=_param(13.2, 7.3, 18.3))
    return sc.with_overrides({"outcomes.value_of_statistical_life.low": 0.05,
                              "outcomes.value_of_statistical_life": 0.05})


@pytest.mark.parametrize("objective", ["life_years", "net_benefit"])
def test_no_allocation_on_a_grid_beats_the_optimum_by_more_than_the_gap(two, objective):
    sc = _vsl(two, 0.7)
    res = decide.optimize(sc, objective=objective)
    best = -np.inf
    for a in np.linspace(0, sc.budget, 41):
        for b in np.linspace(0, sc.budget - a, 21):
            best = max(best, objective_value(sc, {"a": a, "b": b}, objective))
    assert best <= res.objective_value + res.gap + 1e-9 * abs(res.objective_value)
    assert best >= res.objective_value - 0.05 * abs(res.objective_value)  # grid is close


@pytest.mark.parametrize("objective", ["life_years", "net_benefit"])
def test_newton_engine_lp_and_phased_agree(two, objective):
    sc = _vsl(two, 0.7)
    res = decide.optimize(sc, objective=objective)
    # the Newton engine alone, certified
    b = newton.batch_inputs(sc, {}, 1, objective)
    x, certified = newton.solve_batch(b)
    assert certified[0]
    assert objective_value(sc, dict(zip(sc.lever_names, x[0])), objective) == pytest.approx(
        res.objective_value, rel=1e-9, abs=1e-6)
    # the LP alone (a slack custom constraint takes the Newton seed out of the loop)
    raw = sc.to_dict()
    raw["constraints"] = ["a + b <= 100000"]
    lp = decide.optimize(decide.Scenario.from_dict(raw), objective=objective, solver="highs")
    assert abs(lp.objective_value - res.objective_value) <= lp.gap + res.gap + 1e-9
    assert lp.gap >= 0
    # a one-year phased plan with no tail is the flat problem
    one = sc.with_overrides({"horizon": 1})
    raw = one.to_dict()
    raw["phasing"] = {"tail_years": 0}
    one = decide.Scenario.from_dict(raw)
    flat, phased = (decide.optimize(one, objective=objective, phasing=p) for p in (False, True))
    assert abs(phased.objective_value - flat.objective_value) <= phased.gap + flat.gap + 1e-6
    assert phased.objective == objective


def test_phased_net_benefit_leaves_money_unspent_and_says_so(two):
    res = decide.optimize(_vsl(two, 0.05), objective="net_benefit", phasing=True)
    assert res.plan.to_numpy().sum() == pytest.approx(0, abs=1e-6)
    assert res.unspent == pytest.approx(two.budget) and "less than it costs" in \
        res.unspent_reason


# -- (d) deaths: today's behaviour ------------------------------------------------------
def test_deaths_objective_is_the_default(two):
    assert decide.optimize(two) == decide.optimize(two, objective="deaths")


def test_a_scenario_without_outcomes_supports_deaths_only(two_lever):
    assert two_lever.outcomes is None and two_lever.objectives() == ("deaths",)
    assert "outcomes" not in two_lever.to_dict()
    res = decide.optimize(two_lever)
    assert res.life_years_averted is None and res.benefit_musd is None
    assert "life_years_averted" not in res.table and "benefit_cost_ratio" not in res.table
    for objective, key in (("life_years", "outcomes.years_lost_synthetic"),
                           ("net_benefit", "outcomes.value_of_statistical_life")):
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
            decide.optimize(two_lever, objective=objective)
    with pytest.raises(ScenarioError, match="life_years"):
        decide.optimize(two_lever, objective="life_year")  # did you mean


# -- reporting: table columns, summary, exports, briefing, CLI --------------------------
def test_result_carries_life_years_and_money_per_lever_and_in_total(two):
    res = decide.optimize(_vsl(two, 0.7), objective="net_benefit")
    t = res.table
    assert {"life_years_averted", "benefit_musd", "cost_musd", "net_benefit_musd",
            "benefit_cost_ratio", "marginal_objective_per_musd"} <= set(t)
    assert t["life_years_averted"].sum() == pytest.approx(res.life_years_averted, rel=1e-9)
    assert t["benefit_musd"].sum() == pytest.approx(res.benefit_musd, rel=1e-9)
    assert t["cost_musd"].sum() == pytest.approx(res.cost_musd, rel=1e-12)
    assert res.net_benefit_musd == pytest.approx(res.objective_value, rel=1e-9)
    funded = t[t["spend"] > 1]
    assert (funded["benefit_cost_ratio"] > 1).all()  # an average above the marginal 1
    assert np.isnan(t.loc[t["spend"] < 1e-9, "benefit_cost_ratio"]).all()
    s = res.summary()
    assert s["objective"] == "net_benefit" and "gap_musd" in s and "gap_deaths" not in s
    assert s["benefit_cost_ratio"] == pytest.approx(res.benefit_musd / res.cost_musd)


def test_exports_and_briefing_show_life_years_and_net_benefit(two):
    res = decide.optimize(two, objective="life_years")
    doc = json.loads(export.to_json_bytes(res, timestamp="t"))
    assert doc["summary"]["objective"] == "life_years"
    assert doc["provenance"]["gap_life_years"] == res.gap
    assert "net_benefit_musd" in doc["summary"] and "life_years_averted" in doc["table"][0]
    assert "benefit_cost_ratio" in export.to_csv_bytes(res).decode().splitlines()[0]
    page = briefing_html(res, timestamp="t")
    for text in ("Years of life saved", "Net benefit", "Benefit-cost ratio",
                 "maximise years of life saved", "life-years of the objective"):
        assert text in page
    assert "What the decision rests on" not in page  # that is the deaths objective's


def test_cli_objective_option(tmp_path, capsys):
    assert main(["solve", str(HAND), "--objective", "life_years"]) == 0
    out = capsys.readouterr().out
    assert "Objective: maximise years of life saved" in out
    assert "Certified gap" in out and "life-years" in out and "Life-years saved" in out
    assert "Net benefit" in out and "BCR" in out
    assert main(["solve", str(DATA / "two_lever.toml"), "--objective", "net_benefit"]) == 2
    err = capsys.readouterr().err
    assert "outcomes.value_of_statistical_life" in err and "needs a money value" in err
    assert main(["solve", str(HAND), "--objective", "lives"]) == 2


def test_cli_objectives_are_the_library_objectives():
    from decide import cli
    from decide.scenario import OBJECTIVES

    assert cli._OBJECTIVES == OBJECTIVES


# -- the [outcomes] table is validated --------------------------------------------------
def _raw(hand):
    return copy.deepcopy(hand.to_dict())


@pytest.mark.parametrize("change, key, text", [
    (lambda o: o.pop("years_lost_substitution"), "outcomes.years_lost_substitution",
     "required with outcomes.years_lost_synthetic"),
    (lambda o: o["years_lost_synthetic"].update(low=3.0, base=3.0),
     "outcomes.years_lost_synthetic.low", "not be convex"),
    (lambda o: o.update(value_per_life_year=_param(0.02, 0.01, 0.05)), "outcomes.value_basis",
     "say which one"),
    (lambda o: o.update(value_basis="life_year"), "outcomes.value_per_life_year",
     "required by"),
    (lambda o: o.update(value_basis="lives"), "outcomes.value_basis", "must be one of"),
    (lambda o: o.update(years_lost=_param(1, 1, 1)), "outcomes.years_lost", "unknown key"),
    (lambda o: o["value_of_statistical_life"].update(low=0.0), "value_of_statistical_life.low",
     "out of range"),
])
def test_invalid_outcomes_tables_name_the_key(hand, change, key, text):
    raw = _raw(hand)
    change(raw["outcomes"])
    with pytest.raises(ScenarioError) as err:
        decide.Scenario.from_dict(raw, source="bad.toml")
    msg = str(err.value)
    assert msg.startswith("bad.toml: ") and key in msg and text in msg, msg


def test_the_convexity_rule_uses_the_ranges_and_substitution(hand):
    # L_s low 40 >= phi high 0.5 x L_sub high 8: fine; raising phi's and L_sub's highs
    # until phi L_sub > L_s fails, naming the product
    with pytest.raises(ScenarioError, match=r"0\.9 x 50 = 45"):
        hand.with_overrides({"market.substitution.high": 0.9,
                             "outcomes.years_lost_substitution.high": 50.0})
    with pytest.raises(ValueError, match="non-negative"):
        mdl.Outcome("life_years", "life-years", 10.0, 30.0).weights(0.5)


def test_outcomes_round_trip_and_validate_against_the_schema(hand):
    jsonschema = pytest.importorskip("jsonschema")
    from decide.scenario import scenario_schema

    again = decide.parse_scenario(hand.to_toml().encode(), source="again.toml")
    assert again == hand and again.sha256() == hand.sha256()
    jsonschema.validate(hand.to_dict(), scenario_schema())
    names = set(hand.parameters()["name"])
    assert {"outcomes.years_lost_synthetic", "outcomes.value_of_statistical_life"} <= names
    # analyses of deaths leave the outcome values alone
    from decide.analyses.common import uncertain

    assert not any(n.startswith("outcomes.") for n in uncertain(hand).index)


def test_shipped_outcome_values_are_sourced():
    """Every shipped [outcomes] parameter names its source, and a 'measured' one quotes a
    figure within 10% of its base (the rule tests/test_sources.py applies elsewhere)."""
    import re
    import tomllib

    from .conftest import ROOT

    seen = 0
    for path in sorted((ROOT / "inputs").glob("*.toml")):
        table = tomllib.loads(path.read_text()).get("outcomes", {})
        for name, p in table.items():
            if not isinstance(p, dict):
                continue
            seen += 1
            text = f"{p['source']} {p.get('note', '')}"
            assert len(p["source"]) > 20, (path.name, name)
            if p["confidence"] == "measured":
                numbers = [float(m.replace(",", "")) for m in
                           re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", text)]
                assert any(abs(v - p["base"]) <= 0.1 * p["base"] for v in numbers), name
            if p["confidence"] == "judgement":
                assert "judgement" in text.lower(), (path.name, name)
    assert seen >= 3


def test_the_app_offers_the_objectives_and_shows_the_outcomes():
    from streamlit.testing.v1 import AppTest

    from .conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    choice = at.selectbox(key="objective")
    assert choice.options == ["Deaths averted", "Years of life saved", "Net benefit ($M)"]
    metrics = {m.label: m.value for m in at.metric}
    assert {"Years of life saved", "Net benefit ($M)", "Benefit-cost ratio"} <= set(metrics)
    at.selectbox(key="objective").set_value("net_benefit").run()
    assert not at.exception and not at.error
    sc = at.session_state["solved_scenario"]
    res = decide.optimize(sc, objective="net_benefit")
    metrics = {m.label: m.value for m in at.metric}
    assert any(f"at most {res.gap:,.4f} more $M than this allocation" in md.value
               for md in at.markdown)  # the certified gap, in the details line
    assert metrics["Net benefit ($M)"] == f"{res.net_benefit_musd:,.1f}"
    assert any("Objective: **Net benefit ($M)**" in i.value for i in at.info)
    assert "Additional homicides in Mexico" in metrics  # beside every objective


def test_net_benefit_refuses_start_up_costs_it_does_not_count(two):
    sc = two.with_overrides({"levers.a.startup_cost": 50.0})
    with pytest.raises(ScenarioError, match=r"levers\.a\.startup_cost.*start-up costs"):
        decide.optimize(sc, objective="net_benefit")
    assert decide.optimize(sc, objective="life_years").objective == "life_years"
