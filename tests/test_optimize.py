"""The optimiser: oracles, reconciliation, shadow prices, the certified gap,
infeasibility, and both solvers."""

import numpy as np
import pytest

import decide
from decide import InfeasibleError

from .conftest import DATA, ROOT

# Ratios of RAND MR-331 Table S.1 costs per 1% of consumption to treatment's (783, 366, 246
# over 34; figures unconfirmed against the primary table, docs/model.md section 6).
RAND_RATIOS = {"source_country": 23.0, "interdiction": 10.8, "domestic_enforcement": 7.2}


def _tol(res):
    return max(1e-4 * res.deaths_averted, 0.01)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_baseline_reconciles(baseline, solver):
    res = decide.optimize(baseline, solver=solver)
    assert res.deaths == decide.evaluate(baseline, res.spend)
    assert res.deaths == pytest.approx(res.deaths_by_year["plan"].sum(), rel=1e-12)
    assert res.deaths == decide.evaluate(baseline, res.plan)
    assert res.baseline_deaths - res.deaths == pytest.approx(res.deaths_averted)
    assert res.baseline_deaths == pytest.approx(10 * 48000)
    assert 0 <= res.gap <= _tol(res)
    assert res.spend.sum() <= baseline.budget + 1e-9
    assert list(res.deaths_by_year.columns[:3]) == ["year", "baseline", "plan"]
    assert res.table["deaths_averted"].sum() == pytest.approx(res.deaths_averted)
    assert (res.plan.to_numpy() == res.spend.to_numpy()).all()


def test_golden_baseline_allocation(baseline):
    """Regression: the baseline allocation and headline figures (update deliberately).

    Issue 11's evidence review moved ``market.pass_through`` 0.05 -> 0.01 (its own
    arithmetic; deaths averted 1396.60 -> 1373.83) and the precursor cost per 1% 300 ->
    400 (parity with treatment at the first dollar; -> 1073.16, budget price 0.11635 ->
    0.10610); the allocation did not move (docs/model.md 3.5).
    """
    res = decide.optimize(baseline)
    np.testing.assert_allclose(res.spend.to_numpy(), [300, 400, 0, 300], atol=1e-6)
    assert res.deaths_averted == pytest.approx(1073.16, abs=0.01)
    assert res.shadow_prices["budget"] == pytest.approx(0.10610, rel=1e-3)


def test_solvers_agree(two_lever):
    a = decide.optimize(two_lever, solver="cbc")
    b = decide.optimize(two_lever, solver="highs")
    assert abs(a.deaths - b.deaths) <= a.gap + b.gap + 1e-9
    assert a.shadow_prices["budget"] == pytest.approx(b.shadow_prices["budget"], rel=1e-3)


def test_dominant_lever_takes_budget_up_to_its_ceiling(baseline):
    sc = baseline.with_overrides({"levers.precursor.ceiling": 700, "budget": 500})
    res = decide.optimize(sc)
    assert res.spend["precursor"] == pytest.approx(500)
    sc = baseline.with_overrides({"levers.precursor.ceiling": 300, "budget": 500})
    res = decide.optimize(sc)
    assert res.spend["precursor"] == pytest.approx(300)


def test_zero_budget_gives_baseline_deaths(baseline):
    res = decide.optimize(baseline.with_overrides({"budget": 0}))
    assert res.deaths == res.baseline_deaths and res.deaths_averted == 0
    assert (res.spend == 0).all()


def test_lock_fixes_a_lever(baseline):
    res = decide.optimize(baseline.with_overrides({"levers.gun_flow.lock": 123.0}))
    assert res.spend["gun_flow"] == pytest.approx(123.0, abs=1e-9)
    assert "lock.gun_flow" in res.shadow_prices.index
    # the lock costs deaths: its price is negative (money better spent elsewhere)
    assert res.shadow_prices["lock.gun_flow"] < 0


def test_floor_and_ceiling_hold_and_are_priced(baseline):
    sc = baseline.with_overrides({"levers.gun_flow.floor": 50})
    res = decide.optimize(sc)
    assert res.spend["gun_flow"] == pytest.approx(50)
    assert res.shadow_prices["floor.gun_flow"] < 0
    assert res.shadow_prices["ceiling.precursor"] > 0


def test_rand_1994_optimizer_returns_its_inputs_ratios():
    """An OPTIMISER check, not a model check. Below the caps each lever's marginal value
    is proportional to 1 / (its cost per 1% of consumption) by construction of the
    fixture, so the LP funds only treatment and returns its inputs' ratios; that the
    model turns RAND's programmes into RAND's consumption cuts is tests/test_rand.py."""
    sc = decide.load_scenario(DATA / "rand1994.toml")
    res = decide.optimize(sc)
    assert res.spend["treatment"] == pytest.approx(sc.budget)
    assert res.spend.drop("treatment").abs().max() < 1e-9
    price = res.shadow_prices["budget"]
    table = res.table.set_index("lever")
    for lever, ratio in RAND_RATIOS.items():
        marginal = table.loc[lever, "marginal_deaths_averted_per_musd"]
        # shadow price over the programme's marginal value = its cost ratio to treatment
        assert price / marginal == pytest.approx(ratio, abs=0.05)
        # reduced cost: what moving $1M onto the programme loses
        assert table.loc[lever, "reduced_cost"] == pytest.approx(marginal - price)
        assert 1 - table.loc[lever, "reduced_cost"] / -price == pytest.approx(
            1 / ratio, abs=0.005)


def _averted(sc, budget):
    return decide.optimize(sc.with_overrides({"budget": budget})).deaths_averted


@pytest.mark.parametrize("fixture,budget", [("baseline", 1000), ("two_lever", 800),
                                            ("two_lever", 2000)])
def test_budget_shadow_price_matches_central_difference(fixture, budget, request):
    sc = request.getfixturevalue(fixture).with_overrides({"budget": budget})
    res = decide.optimize(sc)
    step = 0.05 * budget
    central = (_averted(sc, budget + step) - _averted(sc, budget - step)) / (2 * step)
    assert res.shadow_prices["budget"] == pytest.approx(central, rel=0.05)


def test_left_and_right_prices_at_a_breakpoint(baseline):
    # every lever at its ceiling or at zero, budget exactly used: a kink in the value
    sc = baseline.with_overrides({"levers.counter_network.ceiling": 300})
    res = decide.optimize(sc)
    left, right = res.shadow_price_bounds.loc["budget", ["left", "right"]]
    assert left > right
    down = (res.deaths_averted - _averted(sc, 990)) / 10
    up = (_averted(sc, 1010) - res.deaths_averted) / 10
    assert left == pytest.approx(down, rel=0.05)
    assert right == pytest.approx(up, rel=0.05)


def test_certified_gap_holds_against_brute_force_grid(two_lever):
    for budget in (150.0, 800.0, 2500.0):
        sc = two_lever.with_overrides({"budget": budget})
        res = decide.optimize(sc)
        grid = np.linspace(0, budget, 4001)
        best = min(decide.evaluate(sc, {"a": a, "b": budget - a}) for a in grid)
        assert res.deaths <= best + res.gap + 1e-6  # within the gap of the grid
        assert best >= res.deaths - res.gap - 1e-6  # the gap bounds the distance
        assert res.gap <= _tol(res)


def test_budget_above_ceilings_reports_unspent(baseline):
    res = decide.optimize(baseline.with_overrides({"budget": 5000}))
    assert res.unspent == pytest.approx(5000 - 2700)
    assert "ceiling" in res.unspent_reason
    assert res.shadow_prices["budget"] == 0


def test_no_effect_lever_gets_nothing(baseline):
    sc = baseline.with_overrides({f"levers.{n}.max_effect": 0.0 for n in baseline.lever_names})
    res = decide.optimize(sc)
    assert (res.spend == 0).all() and res.unspent == pytest.approx(1000)
    assert "fewer than" in res.unspent_reason


def test_infeasible_floors_name_the_conflict(baseline):
    sc = baseline.with_overrides({"levers.counter_network.floor": 900,
                                  "levers.financial.floor": 400})
    with pytest.raises(InfeasibleError) as err:
        decide.optimize(sc)
    assert "floors total $1,300M" in str(err.value)
    assert "exceeding the $1,000M budget by $300M" in str(err.value)


def test_infeasible_lock_above_ceiling(baseline):
    with pytest.raises(InfeasibleError, match=r"lock \$600M exceeds its ceiling \$500M by "
                                              r"\$100M"):
        decide.optimize(baseline.with_overrides({"levers.gun_flow.lock": 600}))
    with pytest.raises(InfeasibleError, match=r"floor \$450M exceeds its ceiling \$400M"):
        decide.optimize(baseline.with_overrides({"levers.financial.floor": 450}))


def test_unknown_solver_and_bad_allocations(baseline):
    # a misspelt solver is the caller's error (exit 2), not a solver failure (exit 3)
    with pytest.raises(decide.ScenarioError, match="solver = 'gurobi': must be one of cbc"):
        decide.optimize(baseline, solver="gurobi")
    with pytest.raises(decide.ScenarioError, match="did you mean 'highs'"):
        decide.optimize(baseline, solver="higs")
    with pytest.raises(decide.ScenarioError, match="<least_cost>: solver = 'gurobi'"):
        decide.least_cost(baseline, deaths_averted=100, solver="gurobi")
    with pytest.raises(decide.ScenarioError, match="<pareto>: solver = 'gurobi'"):
        decide.pareto(baseline, solver="gurobi")
    with pytest.raises(decide.ScenarioError, match="did you mean 'precursor'"):
        decide.evaluate(baseline, {"precursr": 1, "financial": 0, "gun_flow": 0,
                                   "counter_network": 0})
    with pytest.raises(decide.ScenarioError, match="every lever"):
        decide.evaluate(baseline, {"precursor": 1})
    with pytest.raises(decide.ScenarioError, match=">= 0"):
        decide.evaluate(baseline, {n: -1.0 for n in baseline.lever_names})


@pytest.mark.parametrize("name", ["follow_the_money", "kingpin_strategy",
                                  "treatment_comparator"])
def test_alternative_scenarios_move_at_least_ten_percent(baseline, name):
    base = decide.optimize(baseline).spend
    alt_sc = decide.load_scenario(ROOT / "inputs" / f"{name}.toml")
    alt = decide.optimize(alt_sc).spend
    common = base.index.intersection(alt.index)
    moved = (alt.reindex(base.index.union(alt.index), fill_value=0)
             - base.reindex(base.index.union(alt.index), fill_value=0)).abs().sum() / 2
    assert moved >= 0.10 * baseline.budget
    assert len(common) == 4


def test_comparator_has_a_demand_lever():
    sc = decide.load_scenario(ROOT / "inputs" / "treatment_comparator.toml")
    assert any(lv.channel == "demand" for lv in sc.levers)


def test_discounting_changes_objective_not_reported_deaths(two_lever):
    sc = two_lever.with_overrides({"discount_rate": 0.05})
    res = decide.optimize(sc)
    assert res.deaths == decide.evaluate(sc, res.spend)


HUGE = 10**400  # no float holds it: once an OverflowError or a TypeError


@pytest.mark.parametrize("value", [HUGE, -1, float("nan"), float("inf"), True, "100"])
def test_least_cost_target_is_validated(baseline, value):
    with pytest.raises(decide.ScenarioError) as err:
        decide.least_cost(baseline, deaths_averted=value)
    assert str(err.value).startswith("<least_cost>: deaths_averted = ")
    assert ">= 0 deaths" in str(err.value)


@pytest.mark.parametrize("value", [HUGE, 1, 202, 5.0, True])
def test_pareto_points_are_validated(baseline, value):
    with pytest.raises(decide.ScenarioError, match=r"<pareto>: n = .*whole number in \[2, 201\]"):
        decide.pareto(baseline, n=value)


def test_evaluate_refuses_huge_and_non_numeric_spends_by_lever(baseline):
    import pandas as pd

    names = baseline.lever_names
    for value, match in ((HUGE, "fit in a float"), (float("nan"), "finite"), ("1", "got str"),
                         (True, "got bool"), (-1.0, ">= 0")):
        with pytest.raises(decide.ScenarioError) as err:
            decide.evaluate(baseline, {**dict.fromkeys(names, 0.0), "gun_flow": value})
        msg = str(err.value)
        assert msg.startswith("<allocation>: gun_flow = ") and match in msg, msg
        plan = pd.DataFrame({n: [0.0] * baseline.horizon for n in names})
        plan["gun_flow"] = pd.Series([0.0] * 3 + [value] + [0.0] * (baseline.horizon - 4),
                                     dtype=object)
        with pytest.raises(decide.ScenarioError) as err:
            decide.evaluate(baseline, plan)
        assert str(err.value).startswith("<allocation>: gun_flow[3] = "), str(err.value)
    spend = {n: np.int64(100) for n in names}  # numpy numbers are numbers
    assert decide.evaluate(baseline, spend) == decide.evaluate(baseline, dict.fromkeys(
        names, 100.0))


@pytest.mark.parametrize("kwargs, key", [
    ({"time_limit": 10**400, "solver": "highs"}, "time_limit"), ({"time_limit": -1}, "time_limit"),
    ({"time_limit": float("nan")}, "time_limit"), ({"time_limit": "abc"}, "time_limit"),
    ({"max_iterations": 0}, "max_iterations"), ({"max_iterations": "x"}, "max_iterations"),
    ({"max_iterations": True}, "max_iterations")])
def test_optimize_arguments_are_checked(two_lever, kwargs, key):
    with pytest.raises(decide.ScenarioError, match=f"<optimize>: {key} = "):
        decide.optimize(two_lever, **kwargs)
