"""Hypothesis properties of the optimiser on random scenarios and constraints."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import decide
from decide.optimization import check_feasible, spend_bounds

from .conftest import ROOT

BASE = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
PARAMS = BASE.parameters()
NAMES = BASE.lever_names
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def variant(draw, base, budgets=(0.0, 1.0, 250.0, 1000.0, 3000.0, 8000.0),
            kinds=("none", "none", "floor", "ceiling", "lock", "open")):
    """A random, feasible variant of ``base``: every parameter anywhere in its range,
    a random budget and random floors, ceilings, locks or open ceilings."""
    ov = {}
    for _, row in base.parameters().iterrows():
        u = draw(st.floats(0, 1))
        ov[row["name"]] = float(np.clip(row["low"] + u * (row["high"] - row["low"]),
                                        row["low"], row["high"]))
    ov["budget"] = draw(st.sampled_from(list(budgets)))
    names = base.lever_names
    for n in names:
        kind = draw(st.sampled_from(list(kinds)))
        if kind == "open":
            ov[f"levers.{n}.ceiling"] = None
        elif kind == "ceiling":
            ov[f"levers.{n}.ceiling"] = draw(st.sampled_from([0.0, 100.0, 600.0]))
        elif kind == "floor":
            ov[f"levers.{n}.floor"] = draw(st.sampled_from([0.0, 20.0, 150.0]))
        elif kind == "lock":
            ov[f"levers.{n}.lock"] = draw(st.sampled_from([0.0, 30.0, 250.0]))
    sc = base.with_overrides(ov)
    try:
        check_feasible(sc)
    except decide.InfeasibleError:
        sc = sc.with_overrides({f"levers.{n}.{k}": (0.0 if k == "floor" else None)
                                for n in names for k in ("floor", "lock")})
    return sc


@st.composite
def scenarios(draw):
    return variant(draw, BASE)


def _random_feasible(sc, rng, n):
    lower, upper = spend_bounds(sc)
    out = []
    for _ in range(n):
        x = rng.uniform(lower, upper)
        excess = x.sum() - sc.budget
        if excess > 0:
            room = x - lower
            x = x - room * (excess / room.sum())
        out.append(dict(zip(NAMES, np.maximum(x, lower))))
    return out


@SETTINGS
@given(sc=scenarios())
def test_feasible_reconciled_and_beats_random(sc):
    res = decide.optimize(sc, solver="highs")
    lower, upper = spend_bounds(sc)
    x = res.spend.to_numpy()
    assert (x >= -1e-9).all()
    assert x.sum() <= sc.budget + 1e-6
    assert (x >= lower - 1e-6).all() and (x <= upper + 1e-6).all()
    for lv, xi in zip(sc.levers, x):
        if lv.lock is not None:
            assert xi == pytest.approx(lv.lock, abs=1e-6)
    assert res.deaths == decide.evaluate(sc, res.spend)
    assert res.deaths == pytest.approx(res.deaths_by_year["plan"].sum(), rel=1e-12)
    assert 0 <= res.gap <= max(1e-4 * res.deaths_averted, 0.01)
    undefined_at_zero_spend = ["cost_per_death_averted", "benefit_cost_ratio"]
    assert np.isfinite(res.table.drop(columns=["label", "lever"] + undefined_at_zero_spend,
                                      errors="ignore").to_numpy()).all()
    rng = np.random.default_rng(0)
    for alloc in _random_feasible(sc, rng, 200):
        assert res.deaths <= decide.evaluate(sc, alloc) + res.gap + 1e-6


@SETTINGS
@given(sc=scenarios())
def test_no_one_million_transfer_improves_beyond_gap(sc):
    res = decide.optimize(sc, solver="highs")
    lower, upper = spend_bounds(sc)
    x = res.spend.to_numpy()
    for i in range(len(x)):
        for j in range(len(x)):
            if i == j:
                continue
            step = min(1.0, x[i] - lower[i], upper[j] - x[j])
            if step <= 1e-9:
                continue
            y = x.copy()
            y[i] -= step
            y[j] += step
            assert decide.evaluate(sc, dict(zip(NAMES, y))) >= res.deaths - res.gap - 1e-6
    # spending unspent money where allowed never helps beyond the gap either
    if res.unspent > 0:
        for j in range(len(x)):
            room = min(1.0, upper[j] - x[j], res.unspent)
            if room > 0:
                y = x.copy()
                y[j] += room
                assert decide.evaluate(sc, dict(zip(NAMES, y))) >= res.deaths - res.gap - 1e-6


@SETTINGS
@given(sc=scenarios(), extra=st.sampled_from([10.0, 200.0, 1500.0]))
def test_deaths_never_rise_with_budget(sc, extra):
    small = decide.optimize(sc, solver="highs")
    large = decide.optimize(sc.with_overrides({"budget": sc.budget + extra}), solver="highs")
    assert large.deaths <= small.deaths + large.gap + 1e-6


# -- any number in any numeric field: a scenario or one clear error, nothing else -------
_ANY_NUMBER = st.one_of(st.integers(), st.integers(-10**400, 10**400), st.floats(),
                        st.booleans(), st.decimals(allow_nan=False).map(float))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_number_in_any_field_loads_or_is_one_clear_error(data):
    import copy

    from .test_scenario import FULL, NUMERIC, _dotted

    path = data.draw(st.sampled_from(NUMERIC))
    value = data.draw(_ANY_NUMBER)
    raw = copy.deepcopy(FULL)
    node = raw
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    try:
        sc = decide.Scenario.from_dict(raw, source="prop.toml")
    except decide.ScenarioError as exc:
        msg = str(exc)
        assert msg.startswith("prop.toml: ") and "\n" not in msg and len(msg) < 500
        assert _dotted(path[:-1] if len(path) > 1 else path) in msg  # names the field
        return
    again = decide.Scenario.from_dict(sc.to_dict(), source="again.toml")
    assert again == sc  # what loads is in range, finite, and round-trips
