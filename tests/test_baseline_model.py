"""The projected baseline (``[baseline] model = "flat" | "trend" | "dynamic"``,
docs/model.md section 11): flat reproduces the golden results, trend and dynamic give
their projections at zero spend, the optimiser's properties hold under the dynamic
baseline, Monte Carlo runs on the fast engine, and the survivor feedback the
multiplicative kernel omits is measured by simulating the full population model."""

import copy
import math
import tomllib

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import decide
from decide.optimization import spend_bounds
from decide.scenario import scenario_schema
from decide.scenario.core import BASELINE_SPECS, _to_toml
from models import deaths as mdl
from models import population as pop

from .conftest import DATA, ROOT
from .test_properties import variant

TABLES = tomllib.loads((DATA / "baselines" / "tables.toml").read_text())
BASE = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
HUGE = 10**400

#: The survivor feedback at the dynamic baseline's optimum (inputs/baseline.toml with the
#: dynamic table, base values), in % of the deaths averted as the optimiser counts them:
#: measured by `test_survivor_feedback_at_the_baseline_optimum`, written in docs/model.md
#: section 11.3. Not a target: a change of model or inputs that moves it updates both.
FEEDBACK_PCT = 3.21


def with_baseline(sc, model, **changes):
    """``sc`` with the ``[baseline]`` table of ``model`` (tests/data/baselines), its
    parameters' base values changed by ``changes``."""
    raw = sc.to_dict()
    table = copy.deepcopy(TABLES[model]) if model != "flat" else {"model": "flat"}
    for k, v in changes.items():
        table[k].update(base=v, low=min(v, table[k]["low"]), high=max(v, table[k]["high"]))
    raw["baseline"] = table
    return decide.Scenario.from_dict(raw, source=f"{sc.source}+{model}")


DYNAMIC = with_baseline(BASE, "dynamic")
TREND = with_baseline(BASE, "trend")


# -- flat: today's results, bit for bit ---------------------------------------------------
def test_flat_reproduces_the_golden_results(monkeypatch):
    """Every golden result (tests/data/golden.json) with ``[baseline] model = "flat"``
    added to each scenario, to the golden file's tolerance."""
    from .data import make_golden
    from .test_golden import GOLD, _compare

    scenarios = make_golden.scenarios()
    flat = {name: with_baseline(s, "flat") for name, s in scenarios.items()}
    assert all(s.baseline_model == "flat" and s.baseline is not None for s in flat.values())
    monkeypatch.setattr(make_golden, "scenarios", lambda: flat)
    current = make_golden.generate()
    diffs = [d for section in GOLD for d in _compare(GOLD[section], current[section], section)]
    assert not diffs, diffs[:5]


def test_flat_table_is_bit_for_bit_the_same_as_no_table():
    from .data import make_golden

    for name, sc in make_golden.scenarios().items():
        flat = with_baseline(sc, "flat")
        assert np.array_equal(flat.model_inputs().baseline, sc.model_inputs().baseline)
        assert flat.model_inputs().baseline_model is None
        a, b = decide.optimize(sc), decide.optimize(flat)
        assert make_golden._allocation(a) == make_golden._allocation(b), name  # exactly


# -- trend and dynamic at zero spend: the projection --------------------------------------
def _ode_deaths(people, initiation, cessation, trend, d0, eta, horizon, steps=4000):
    """The population model by classical Runge-Kutta (not the closed form): deaths per
    year, with the start of year 1 found by bisection so that year 1 has ``people``
    person-years."""
    h1 = d0 / people
    inflow = initiation * (cessation + h1) * people
    hazard = h1 * (1 + trend) ** (eta * np.arange(horizon))

    def run(n0, years):
        n, out, dt = n0, [], 1.0 / steps
        for u in range(years):
            k = cessation + hazard[u]

            def f(y, k=k):
                return np.array([inflow - k * y[0], y[0]])  # N and person-years

            y = np.array([n, 0.0])
            for _ in range(steps):
                a = f(y)
                b = f(y + dt / 2 * a)
                c = f(y + dt / 2 * b)
                e = f(y + dt * c)
                y = y + dt / 6 * (a + 2 * b + 2 * c + e)
            n = y[0]
            out.append(hazard[u] * y[1])
        return np.array(out)

    lo, hi = 0.0, 3 * people
    for _ in range(60):  # person-years of year 1 increase with its start
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if run(mid, 1)[0] < d0 else (lo, mid)
    return run((lo + hi) / 2, horizon)


@pytest.mark.parametrize("changes", [{}, {"supply_trend": -0.27, "initiation": 0.9},
                                     {"supply_trend": 0.1, "cessation": 0.22,
                                      "people_at_risk": 2.1e6}])
def test_dynamic_projection_solves_the_population_equations(changes):
    sc = with_baseline(BASE.with_overrides({"horizon": 6}), "dynamic", **changes)
    inp = sc.model_inputs()
    b = {k: p.base for k, p in sc.baseline.items() if k != "model"}
    ode = _ode_deaths(b["people_at_risk"], b["initiation"], b["cessation"],
                      b["supply_trend"], inp.baseline_deaths, inp.supply_elasticity, 6,
                      steps=400)
    np.testing.assert_allclose(inp.baseline, ode, rtol=1e-8)
    assert inp.baseline[0] == pytest.approx(inp.baseline_deaths, rel=1e-13)  # anchor


@pytest.mark.parametrize("sc", [TREND, DYNAMIC], ids=["trend", "dynamic"])
def test_zero_budget_gives_the_projected_baseline(sc):
    inp = sc.model_inputs()
    if sc.baseline_model == "trend":
        rate = sc.baseline["rate"].base
        projection = [48000 * math.exp(rate * u) for u in range(sc.horizon)]
    else:
        projection = inp.baseline_model.project(48000.0, 0.8, sc.horizon)
    assert sum(projection) == pytest.approx(inp.baseline.sum(), rel=1e-13)
    zero = dict.fromkeys(sc.lever_names, 0.0)
    assert decide.evaluate(sc, zero) == pytest.approx(sum(projection), rel=1e-13)
    res = decide.optimize(sc.with_overrides({"budget": 0.0}))
    assert res.deaths == res.baseline_deaths
    assert res.baseline_deaths == pytest.approx(sum(projection), rel=1e-13)
    np.testing.assert_allclose(res.deaths_by_year["baseline"], projection, rtol=1e-13)
    assert not np.allclose(projection, 48000)  # a projection, not the flat baseline


def test_a_balanced_population_with_steady_supply_is_flat():
    sc = with_baseline(BASE, "dynamic", initiation=1.0, supply_trend=0.0)
    np.testing.assert_allclose(sc.model_inputs().baseline, 48000.0, rtol=1e-12)
    assert decide.optimize(sc).deaths == pytest.approx(decide.optimize(BASE).deaths,
                                                       rel=1e-12)


def test_draws_of_the_projection_equal_each_draw_alone():
    rng = np.random.default_rng(3)
    n = 5
    values = {f"baseline.{k}": rng.uniform(p.low, p.high, n)
              for k, p in DYNAMIC.baseline.items() if k != "model"}
    values["market.supply_elasticity"] = rng.uniform(0.3, 1.2, n)
    values["market.baseline_deaths"] = rng.uniform(35000, 75000, n)
    many = DYNAMIC.model_inputs(values=values, n=n).baseline
    assert many.shape == (n, DYNAMIC.horizon)
    for j in range(n):
        one = DYNAMIC.model_inputs(values={k: float(v[j]) for k, v in values.items()})
        np.testing.assert_allclose(many[j], one.baseline, rtol=1e-14)


# -- the optimiser under the dynamic baseline ---------------------------------------------
def test_dynamic_baseline_reconciles_with_evaluate():
    for solver in ("cbc", "highs"):
        res = decide.optimize(DYNAMIC, solver=solver)
        assert res.deaths == decide.evaluate(DYNAMIC, res.spend)
        assert res.deaths == decide.evaluate(DYNAMIC, res.plan)
        assert res.deaths == pytest.approx(res.deaths_by_year["plan"].sum(), rel=1e-12)
        assert res.baseline_deaths == pytest.approx(DYNAMIC.model_inputs().baseline.sum())
        assert res.table["deaths_averted"].sum() == pytest.approx(res.deaths_averted)
        assert 0 <= res.gap <= max(1e-4 * res.deaths_averted, 0.01)


@pytest.mark.parametrize("changes", [{}, {"supply_trend": -0.27}],
                         ids=["base", "falling_supply"])
def test_certified_gap_holds_against_brute_force_on_two_levers(two_lever, changes):
    sc0 = with_baseline(two_lever, "dynamic", **changes)
    for budget in (150.0, 800.0, 2500.0):
        sc = sc0.with_overrides({"budget": budget})
        res = decide.optimize(sc)
        grid = np.linspace(0, budget, 1001)
        best = min(decide.evaluate(sc, {"a": a, "b": budget - a}) for a in grid)
        assert res.deaths <= best + res.gap + 1e-6
        assert best >= res.deaths - res.gap - 1e-6
        assert 0 <= res.gap <= max(1e-4 * res.deaths_averted, 0.01)


_PARAMS = DYNAMIC.parameters()
_NAMES = DYNAMIC.lever_names


@st.composite
def dynamic_scenarios(draw):
    """Random dynamic scenarios: every parameter (the population model's included)
    anywhere in its range, random budgets and bounds (tests/test_properties.py)."""
    return variant(draw, DYNAMIC, budgets=(0.0, 250.0, 1000.0, 3000.0),
                   kinds=("none", "none", "floor", "ceiling", "open"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=dynamic_scenarios())
def test_dynamic_optimum_is_feasible_reconciled_and_beats_transfers_and_random(sc):
    res = decide.optimize(sc, solver="highs")
    lower, upper = spend_bounds(sc)
    x = res.spend.to_numpy()
    assert x.sum() <= sc.budget + 1e-6
    assert (x >= lower - 1e-6).all() and (x <= upper + 1e-6).all()
    assert res.deaths == decide.evaluate(sc, res.spend)
    assert res.deaths == pytest.approx(res.deaths_by_year["plan"].sum(), rel=1e-12)
    assert 0 <= res.gap <= max(1e-4 * res.deaths_averted, 0.01)
    rng = np.random.default_rng(0)
    for _ in range(60):
        y = rng.uniform(lower, upper)
        excess = y.sum() - sc.budget
        if excess > 0:
            y = y - (y - lower) * (excess / (y - lower).sum())
        assert res.deaths <= decide.evaluate(sc, dict(zip(_NAMES, y))) + res.gap + 1e-6
    for i in range(len(x)):
        for j in range(len(x)):
            step = min(1.0, x[i] - lower[i], upper[j] - x[j])
            if i == j or step <= 1e-9:
                continue
            y = x.copy()
            y[i] -= step
            y[j] += step
            assert decide.evaluate(sc, dict(zip(_NAMES, y))) >= res.deaths - res.gap - 1e-6


def test_monte_carlo_runs_on_the_fast_engine_with_projected_baselines():
    mc = decide.monte_carlo(DYNAMIC, n=200, seed=1)
    assert mc.attrs["engine"] == "fast" and mc.attrs["lp_fallback_draws"] == 0
    assert {f"baseline.{k}" for k in BASELINE_SPECS["dynamic"]} <= set(mc.columns)
    # draws of the other parameters keep their random stream (baseline ones come last)
    flat = decide.monte_carlo(BASE, n=200, seed=1)
    for name in BASE.parameters()["name"]:
        assert (mc[name] == flat[name]).all()
    for r in (0, 57, 199):  # each draw's deaths are evaluate's at that draw's optimum
        row = mc.iloc[r]
        sc = DYNAMIC.with_overrides({k: float(row[k]) for k in DYNAMIC.parameters()["name"]})
        spend = {n: float(row[f"spend.{n}"]) for n in _NAMES}
        assert decide.evaluate(sc, spend) == pytest.approx(row["deaths"], rel=1e-12)
        assert decide.optimize(sc).deaths == pytest.approx(row["deaths"], rel=1e-9)
    assert mc["deaths_averted"].std() > 0


# -- the survivor feedback ------------------------------------------------------------------
def _multiplier(sc, spend):
    by = decide.deaths_by_year(sc, spend)
    return (by["plan"] / by["baseline"]).to_numpy()


def test_survivor_feedback_at_the_baseline_optimum():
    """Deaths averted at the dynamic baseline's optimum, simulated with the full
    population model (the people saved stay at risk), against the multiplicative kernel:
    the measured share is `FEEDBACK_PCT`, within the analytic bound."""
    res = decide.optimize(DYNAMIC)
    inp = DYNAMIC.model_inputs()
    fb = pop.feedback(inp.baseline_model, inp.baseline_deaths, inp.supply_elasticity,
                      _multiplier(DYNAMIC, res.spend))
    assert fb.multiplicative == pytest.approx(res.deaths_averted, rel=1e-10)
    assert 0 < fb.share <= fb.share_bound < 0.1
    assert round(100 * fb.share, 2) == FEEDBACK_PCT
    assert f"**{FEEDBACK_PCT}%**" in (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    # the full simulation is the population model with the hazard times m_u
    m = _multiplier(DYNAMIC, res.spend)
    b = {k: p.base for k, p in DYNAMIC.baseline.items() if k != "model"}
    h = inp.baseline_model.hazard(48000.0, 0.8, DYNAMIC.horizon)
    direct = pop.simulate(inp.baseline_model.start(48000.0), inp.baseline_model.inflow(48000.0),
                          b["cessation"], h * m).deaths
    assert fb.full == pytest.approx(inp.baseline.sum() - direct.sum(), rel=1e-12)
    # the multiplicative optimum stays optimal in the full model against $10M transfers
    full = _full_averted(DYNAMIC, res.spend.to_numpy())
    lower, upper = spend_bounds(DYNAMIC)
    x = res.spend.to_numpy()
    for i in range(len(x)):
        for j in range(len(x)):
            step = min(10.0, x[i] - lower[i], upper[j] - x[j])
            if i != j and step > 1e-9:
                y = x.copy()
                y[i] -= step
                y[j] += step
                assert _full_averted(DYNAMIC, y) <= full + 1e-9


def _full_averted(sc, x):
    inp = sc.model_inputs()
    yd = mdl.yearly_deaths_flat(x, inp)
    return float(pop.feedback(inp.baseline_model, inp.baseline_deaths, inp.supply_elasticity,
                              yd.total / yd.baseline).full)


def test_survivor_feedback_is_within_its_bound_in_every_draw():
    mc = decide.monte_carlo(DYNAMIC, n=200, seed=1)
    names = list(DYNAMIC.parameters()["name"])
    inp = DYNAMIC.model_inputs(values={k: mc[k].to_numpy() for k in names}, n=len(mc))
    d = inp.draws
    x = mc[[f"spend.{n}" for n in _NAMES]].to_numpy()
    yd = mdl.deaths(d.profile * x[:, :, None], d)
    fb = pop.feedback(inp.baseline_model, inp.baseline_deaths, inp.supply_elasticity,
                      yd.total / yd.baseline)
    np.testing.assert_allclose(fb.multiplicative, mc["deaths_averted"], rtol=1e-9)
    funded = fb.multiplicative > 1e-6
    assert (fb.share[funded] >= 0).all()
    assert (fb.share[funded] <= fb.share_bound[funded] + 1e-12).all()


def test_feedback_vanishes_without_deaths_and_is_bounded_by_the_hazard():
    m = np.full((1, 10), 0.9)
    none = pop.Population(5.7e6, 1.0, 0.09, 0.0)
    fb = pop.feedback(none, np.array([1e-9]), np.array([0.8]), m)
    assert abs(fb.share[0]) < 1e-12
    fb = pop.feedback(none, np.array([48000.0]), np.array([0.8]), m)
    h = 48000 / 5.7e6
    assert 0 < fb.share[0] <= fb.share_bound[0] <= 10 * h


# -- the file format --------------------------------------------------------------------------
def test_tables_round_trip_and_list_their_parameters():
    for sc in (TREND, DYNAMIC):
        again = decide.parse_scenario(sc.to_toml().encode(), source="again.toml")
        assert again == sc and again.baseline_model == sc.baseline_model
        names = list(sc.parameters()["name"])
        own = [f"baseline.{k}" for k in BASELINE_SPECS[sc.baseline_model]]
        assert names[-len(own):] == own  # last: the others keep their random streams
        key = own[0]
        changed = sc.with_overrides({key: sc.parameters().set_index("name").loc[key, "low"]})
        assert changed.model_inputs().baseline.sum() != sc.model_inputs().baseline.sum()
    raw = DYNAMIC.to_dict()
    raw["correlations"] = [{"a": "baseline.cessation", "b": "market.supply_elasticity",
                            "rho": 0.3}]
    assert decide.Scenario.from_dict(raw).correlations[0][0] == "baseline.cessation"
    assert BASE.baseline is None and BASE.baseline_model == "flat"


@pytest.mark.parametrize("change, key, message", [
    (lambda t: t.update(model="dynamc"), "baseline.model", "did you mean 'dynamic'"),
    (lambda t: t.pop("cessation"), "baseline.cessation", "required key is missing"),
    (lambda t: t.update(rate=TABLES["trend"]["rate"]), "baseline.rate",
     "not a parameter of the 'dynamic' baseline"),
    (lambda t: t.update(speed=1), "baseline.speed", "unknown key"),
    (lambda t: t["people_at_risk"].update(low=50000.0), "baseline.people_at_risk.low",
     "market.baseline_deaths.high"),
    (lambda t: t["initiation"].update(base=2.0), "baseline.initiation.base",
     "must lie in low..high"),
    (lambda t: t["cessation"].update(high=1.5), "baseline.cessation.high", "out of range"),
])
def test_bad_tables_fail_the_loader_and_the_schema(change, key, message):
    raw = BASE.to_dict()
    raw["baseline"] = copy.deepcopy(TABLES["dynamic"])
    change(raw["baseline"])
    with pytest.raises(decide.ScenarioError) as err:
        decide.Scenario.from_dict(raw, source="bad.toml")
    assert str(err.value).startswith(f"bad.toml: {key}") and message in str(err.value)
    schema_catches = key not in ("baseline.people_at_risk.low", "baseline.initiation.base")
    valid = jsonschema.Draft7Validator(scenario_schema()).is_valid(raw)
    assert valid is not schema_catches  # cross-field rules are the loader's


def test_flat_table_takes_no_parameters():
    raw = BASE.to_dict()
    raw["baseline"] = {"model": "flat", "rate": TABLES["trend"]["rate"]}
    with pytest.raises(decide.ScenarioError, match="uses market.baseline_trend"):
        decide.Scenario.from_dict(raw, source="bad.toml")
    assert not jsonschema.Draft7Validator(scenario_schema()).is_valid(raw)


def test_good_tables_validate_against_the_schema():
    validator = jsonschema.Draft7Validator(scenario_schema())
    for model in ("trend", "dynamic"):
        raw = BASE.to_dict()
        raw["baseline"] = TABLES[model]
        assert list(validator.iter_errors(raw)) == []
        raw["baseline"] = {k: v for k, v in TABLES[model].items() if k != "model"}
        assert not validator.is_valid(raw)  # parameters without their model


@pytest.mark.parametrize("model", ["trend", "dynamic"])
def test_every_baseline_number_refuses_huge_and_non_finite_values(model):
    for name in BASELINE_SPECS[model]:
        for field in ("base", "low", "high"):
            for value, match in ((HUGE, "out of range"), (-HUGE, "out of range"),
                                 (math.inf, "finite"), (math.nan, "finite")):
                raw = BASE.to_dict()
                raw["baseline"] = copy.deepcopy(TABLES[model])
                raw["baseline"][name][field] = value
                with pytest.raises(decide.ScenarioError) as err:
                    decide.parse_scenario(_to_toml(raw).encode(), source="b.toml")
                msg = str(err.value)
                assert msg.startswith(f"b.toml: baseline.{name}.{field} = "), msg
                assert match in msg
        key = f"baseline.{name}"
        sc = TREND if model == "trend" else DYNAMIC
        for value in (HUGE, math.inf, math.nan):
            with pytest.raises(decide.ScenarioError, match=f"^<overrides>: {key}"):
                sc.with_overrides({key: value})
