"""The deaths kernel (`models.deaths`) against a scalar, loop-by-loop reading of the
equations in docs/model.md, and its derivatives against finite differences, on random
scenarios of every shape: supply and demand levers, both response forms, substitution,
complementarity and the balloon cap, flat allocations and year-varying plans, one draw
and many; and the same kernel with the life-years outcome weights (years of life lost
per synthetic-opioid and per substitution death)."""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import deaths as mdl
from models import response as rsp
from models import timing


def random_inputs(seed, *, interactions=None, saturating_only=False, n=None):
    """A random `ModelInputs` (n draws when ``n`` is given)."""
    rng = np.random.default_rng(seed)
    n_lev = int(rng.integers(2, 6))
    shape = (n_lev,) if n is None else (n, n_lev)
    market = (lambda lo, hi: float(rng.uniform(lo, hi))) if n is None else \
        (lambda lo, hi: rng.uniform(lo, hi, n))
    demand = rng.random(n_lev) < 0.35
    form = np.zeros(n_lev, int) if saturating_only else rng.integers(0, 2, n_lev)
    with_comp = interactions in ("complementarity", "both")
    with_balloon = interactions in ("balloon", "both")
    supply = np.flatnonzero(~demand)
    if (with_comp or with_balloon) and len(supply) < 2:
        demand[:] = False
        demand[-1] = n_lev > 2
        supply = np.flatnonzero(~demand)
    return mdl.ModelInputs(
        horizon=int(rng.integers(1, 9)), baseline_deaths=market(1e3, 8e4),
        baseline_trend=market(-0.1, 0.1), supply_elasticity=market(0.2, 1.5),
        price_elasticity=market(0.2, 1.5), pass_through=market(0.0, 0.3),
        substitution=market(0.0, 0.6), market_lag=market(0.0, 1.5), discount_rate=0.03,
        form=form, demand=demand, max_effect=rng.uniform(0.05, 0.6, shape),
        cost_per_pct=rng.uniform(1.0, 80.0, shape), onset=rng.uniform(0.0, 2.0, shape),
        adaptation_time=rng.uniform(0.5, 5.0, shape), retained=rng.uniform(0.2, 1.0, shape),
        alpha=rng.uniform(0.0, 1.0, shape),
        complementarity=(int(supply[0]), int(supply[1]), 0.7) if with_comp else None,
        balloon=(int(supply[0]), int(supply[1]), 0.12) if with_balloon else None)


def reference_yearly(plan, inp, parts=False):
    """docs/model.md section 2, one year and one lever at a time (math, no numpy):
    deaths per year, or with ``parts`` the (synthetic, substitution) deaths per year."""
    T, L = plan.shape
    k = timing.kernel(inp.profile)
    out = []
    for u in range(T):
        eff = [sum(plan[t, i] * k[i, u - t] for t in range(u + 1)) for i in range(L)]
        if inp.complementarity is not None:
            b, by, gamma = inp.complementarity
            eff[b] = eff[b] + gamma * min(eff[by], eff[b])
        wz = []
        for i in range(L):
            cap = -math.log(1 - inp.max_effect[i])
            slope0 = -math.log(0.99) / inp.cost_per_pct[i]
            if inp.form[i] == rsp.SATURATING:
                z = cap * (1 - math.exp(-slope0 * eff[i] / cap))
            else:
                z = min(slope0 * eff[i], cap)
            c = 1.0 if inp.demand[i] else (
                inp.alpha[i] * inp.supply_elasticity
                + (1 - inp.alpha[i]) * inp.price_elasticity * inp.pass_through)
            wz.append(c * z)
        z_dem = sum(w for w, dem in zip(wz, inp.demand) if dem)
        if inp.balloon is not None:
            a, b, cap = inp.balloon
            z_all = sum(w for i, w in enumerate(wz) if i not in (a, b)) \
                + min(wz[a] + wz[b], cap)
        else:
            z_all = sum(wz)
        base = inp.baseline_deaths * (1 + inp.baseline_trend) ** u
        phi = inp.substitution
        if parts:
            out.append((base * math.exp(-z_all),
                        phi * base * (math.exp(-z_dem) - math.exp(-z_all))))
        else:
            out.append(base * (phi * math.exp(-z_dem) + (1 - phi) * math.exp(-z_all)))
    return np.array(out)


def random_case(seed, interactions, low):
    """Random inputs and a flat spend in [low, 400] $M per year per lever."""
    inp = random_inputs(seed, interactions=interactions)
    return inp, np.random.default_rng(seed + 1).uniform(low, 400, len(inp.form))


SHAPES = st.sampled_from([None, "complementarity", "balloon", "both"])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), interactions=SHAPES)
def test_flat_deaths_match_the_equations(seed, interactions):
    inp, x = random_case(seed, interactions, low=0.0)
    expected = reference_yearly(np.tile(x, (inp.horizon, 1)), inp)
    got = mdl.yearly_deaths_flat(x, inp)
    np.testing.assert_allclose(got.total, expected, rtol=1e-12)
    assert mdl.flat_deaths(x[None], inp.draws)[0] == pytest.approx(expected.sum(), rel=1e-12)
    f, _, _ = mdl.flat_averted(x[None], inp.draws)
    assert f[0] == pytest.approx((inp.baseline - expected).sum(), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), interactions=SHAPES)
def test_phased_deaths_match_the_equations(seed, interactions):
    inp = random_inputs(seed, interactions=interactions)
    rng = np.random.default_rng(seed + 2)
    plan = rng.uniform(0, 400, (inp.horizon, len(inp.form)))
    np.testing.assert_allclose(mdl.yearly_deaths(plan, inp).total,
                               reference_yearly(plan, inp), rtol=1e-12)


def _fd_gradient(x, inp, weights, h):
    g = np.empty_like(x)
    for i in range(len(x)):
        up, dn = x.copy(), x.copy()
        up[i] += h
        dn[i] -= h
        g[i] = (mdl.flat_averted(up[None], inp.draws, weights)[0][0]
                - mdl.flat_averted(dn[None], inp.draws, weights)[0][0]) / (2 * h)
    return g


def _away_from_kinks(x, inp, margin=0.02):
    """True when no linear_cap curve and no interaction min() is within ``margin``
    (relative) of its kink at ``x``: central differences are then exact to O(h^2)."""
    eff = inp.profile * x[:, None]
    boosted = mdl.boosted(eff[None], inp.draws)[0]
    slope0, cap = inp.slope0[:, None], inp.cap[:, None]
    lin = (inp.form == rsp.LINEAR_CAP)[:, None]
    if (lin & (np.abs(slope0 * boosted - cap) < margin * cap)).any():
        return False
    if inp.complementarity is not None:
        b, by, _ = inp.complementarity
        if (np.abs(eff[b] - eff[by]) < margin * np.maximum(eff[b], eff[by])).any():
            return False
    if inp.balloon is not None:
        a, b, cap = inp.balloon
        wz = inp.weight[:, None] * rsp.response(boosted, inp.form[:, None], inp.cap[:, None],
                                                inp.slope0[:, None])
        if (np.abs(wz[a] + wz[b] - cap) < margin * cap).any():
            return False
    return True


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), interactions=SHAPES)
def test_gradient_matches_finite_differences(seed, interactions):
    inp, x = random_case(seed, interactions, low=1.0)
    if not _away_from_kinks(x, inp):
        return
    g = mdl.flat_averted(x[None], inp.draws, inp.discount, order=1)[1][0]
    fd = _fd_gradient(x, inp, inp.discount, 1e-4)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7 * inp.baseline.sum() / 400)
    # the scalar entry point is the same kernel
    np.testing.assert_array_equal(mdl.averted_gradient_flat(x, inp, inp.discount), g)


def check_hessian(draws, x):
    """The Hessian at flat spend ``x`` against central differences of the gradient;
    symmetric and negative semidefinite (the objective is concave: deaths are convex)."""
    _, _, h = mdl.flat_averted(x[None], draws, order=2)
    fd = np.empty_like(h[0])
    for i in range(len(x)):
        up, dn = x.copy(), x.copy()
        up[i] += 1e-3
        dn[i] -= 1e-3
        fd[:, i] = (mdl.flat_averted(up[None], draws, order=1)[1][0]
                    - mdl.flat_averted(dn[None], draws, order=1)[1][0]) / 2e-3
    scale = np.abs(h[0]).max()
    g = np.abs(mdl.flat_averted(x[None], draws, order=1)[1][0]).max()
    # FD rounding: relative to the Hessian, and eps |g| / step for a gradient whose
    # curvature is negligible (saturated levers: H ~ 1e-19 while g ~ 1e-9)
    np.testing.assert_allclose(h[0], fd, rtol=1e-5, atol=1e-6 * scale + 1e-10 * g)
    assert np.allclose(h[0], h[0].T)
    assert np.linalg.eigvalsh(h[0]).max() <= 1e-9 * scale


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_hessian_matches_finite_differences_of_the_gradient(seed):
    inp = random_inputs(seed, saturating_only=True)
    rng = np.random.default_rng(seed + 4)
    x = rng.uniform(1, 400, len(inp.form))
    check_hessian(inp.draws, x)


def test_saturating_closed_form_equals_the_generic_path():
    inp = random_inputs(5, saturating_only=True, n=200)
    d = inp.draws
    x = np.random.default_rng(0).uniform(0, 300, (len(d), len(d.form)))
    f1, g1, _ = mdl.flat_averted(x, d, order=1)
    generic = d.take(np.arange(len(d)))
    f2, g2, _ = mdl._flat_generic(x, generic, generic.baseline, 1)
    np.testing.assert_allclose(f1, f2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10)


def test_many_draws_equal_each_draw_alone():
    n = 30
    inp = random_inputs(11, n=n)
    d = inp.draws
    x = np.random.default_rng(1).uniform(0, 300, (n, len(d.form)))
    f, g, _ = mdl.flat_averted(x, d, order=1)
    totals = mdl.flat_deaths(x, d)
    for k in (0, 7, n - 1):
        one = d.take([k])
        fk, gk, _ = mdl.flat_averted(x[[k]], one, order=1)
        assert fk[0] == f[k] and np.array_equal(gk[0], g[k])
        assert mdl.flat_deaths(x[[k]], one)[0] == totals[k]


def test_baseline_is_an_input_array():
    inp = random_inputs(3)
    d = inp.draws
    x = np.full((1, len(d.form)), 50.0)
    before = mdl.flat_deaths(x, d)[0]
    d2 = d.take([0])
    d2.baseline = 2.0 * d2.baseline
    assert mdl.flat_deaths(x, d2)[0] == pytest.approx(2 * before, rel=1e-14)


def test_a_lever_with_no_effect_has_no_gradient():
    inp = random_inputs(8, saturating_only=True, n=5)
    d = inp.draws
    d.cap = d.cap.copy()
    d.cap[:, 0] = 0.0  # max_effect 0: no effect at any spend
    x = np.full((5, len(d.form)), 100.0)
    f, g, h = mdl.flat_averted(x, d, order=2)
    assert np.all(g[:, 0] == 0) and np.all(h[:, 0, :] == 0)
    generic = mdl._flat_generic(x, d, d.baseline, 1)
    np.testing.assert_allclose(g, generic[1], rtol=1e-10)


# -- the life-years outcome: the same kernel with weights (L_s - phi L_sub, phi L_sub) -----
def with_life_years(inp, seed):
    """``inp`` valuing deaths by years of life lost: ``L_s`` in [30, 45], ``L_sub`` in
    [5, 40] (``phi <= 0.6`` keeps ``L_s >= phi L_sub``); per draw when ``inp`` has draws."""
    rng = np.random.default_rng(seed + 7)
    n = np.shape(inp.substitution)
    ls, lsub = rng.uniform(30, 45, n), rng.uniform(5, 40, n)
    if not n:
        ls, lsub = float(ls), float(lsub)
    return replace(inp, outcome=mdl.Outcome("life_years", "life-years", ls, lsub))


def reference_life_years(plan, inp):
    """Years of life lost per year, loop by loop: ``L_s synthetic + L_sub substitution``."""
    ls, lsub = inp.outcome.per_synthetic, inp.outcome.per_substitution
    return np.array([ls * syn + lsub * sub for syn, sub in reference_yearly(plan, inp, True)])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), interactions=SHAPES)
def test_life_years_match_the_equations(seed, interactions):
    inp, x = random_case(seed, interactions, low=0.0)
    ly = with_life_years(inp, seed)
    plan = np.tile(x, (inp.horizon, 1))
    lost = reference_life_years(plan, ly)
    baseline = ly.outcome.per_synthetic * inp.baseline  # every baseline death is synthetic
    f, _, _ = mdl.flat_averted(x[None], ly.draws)
    assert f[0] == pytest.approx((baseline - lost).sum(), rel=1e-9)
    # discounted, as the optimiser's objective
    f, _, _ = mdl.flat_averted(x[None], ly.draws, ly.discount)
    assert f[0] == pytest.approx(((baseline - lost) * ly.discount).sum(), rel=1e-9)
    # the yearly deaths valued by the outcome (evaluation's path) are the same numbers
    valued = mdl.yearly_deaths_flat(x, ly).valued(ly.outcome)
    np.testing.assert_allclose(valued.total, lost, rtol=1e-12)
    # a plan that varies by year
    plan = np.random.default_rng(seed + 2).uniform(0, 400, (inp.horizon, len(inp.form)))
    np.testing.assert_allclose(mdl.yearly_deaths(plan, ly).valued(ly.outcome).total,
                               reference_life_years(plan, ly), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), interactions=SHAPES)
def test_life_years_gradient_matches_finite_differences(seed, interactions):
    inp, x = random_case(seed, interactions, low=1.0)
    if not _away_from_kinks(x, inp):
        return
    ly = with_life_years(inp, seed)
    g = mdl.flat_averted(x[None], ly.draws, ly.discount, order=1)[1][0]
    fd = _fd_gradient(x, ly, ly.discount, 1e-4)
    scale = ly.outcome.per_synthetic * inp.baseline.sum()
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7 * scale / 400)
    # not the deaths gradient (years of life weigh 5-45 per death)
    gd = mdl.flat_averted(x[None], inp.draws, inp.discount, order=1)[1][0]
    assert (np.abs(gd).max() == 0) or not np.allclose(g, gd)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_life_years_hessian_is_symmetric_and_concave(seed):
    ly = with_life_years(random_inputs(seed, saturating_only=True), seed)
    x = np.random.default_rng(seed + 4).uniform(1, 400, len(ly.form))
    check_hessian(ly.draws, x)


def test_life_years_for_many_draws_equal_each_draw_alone():
    n = 30
    ly = with_life_years(random_inputs(11, n=n), 11)
    d = ly.draws
    assert d.value.shape == (n, 2)
    x = np.random.default_rng(1).uniform(0, 300, (n, len(d.form)))
    f, g, _ = mdl.flat_averted(x, d, order=1)
    for k in (0, 7, n - 1):
        one = d.take([k])
        fk, gk, _ = mdl.flat_averted(x[[k]], one, order=1)
        assert fk[0] == f[k] and np.array_equal(gk[0], g[k])


def test_deaths_are_the_unit_outcome():
    """Weights (1, 1) are deaths bit for bit; the default draws carry no values."""
    inp = random_inputs(2, n=20)
    ones = replace(inp, outcome=mdl.Outcome("x", "deaths", np.ones(20), np.ones(20), 0.0))
    assert ones.outcome.is_deaths and inp.draws.value is None
    x = np.random.default_rng(3).uniform(0, 300, (20, len(inp.form)))
    for order in (0, 1):
        a = mdl.flat_averted(x, inp.draws, order=order)
        b = mdl.flat_averted(x, ones.draws, order=order)
        assert all(np.array_equal(u, v) for u, v in zip(a, b) if u is not None)
    with pytest.raises(ValueError, match="non-negative"):
        _ = replace(inp, outcome=mdl.Outcome("y", "life-years", 1.0, 10.0)).draws
