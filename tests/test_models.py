"""The model in isolation: closed forms against quadrature, flat plans against plans,
gradients against finite differences, and the 2023->24 in-sample consistency check."""

import numpy as np
import pytest

from models import deaths as mdl
from models import response as rsp
from models import timing


def _profile_by_quadrature(horizon, onset, adapt, rho, lag, n=20001):
    out = []
    for u in range(1, horizon + 1):
        t = np.linspace(u - 1, u, n) - lag
        s = np.maximum(t, 0)
        on = 1 - np.exp(-s / onset) if onset > 0 else np.ones_like(s)
        m = np.where(t > 0, on * (rho + (1 - rho) * np.exp(-s / adapt)), 0.0)
        out.append(np.trapezoid(m, t))
    return np.array(out)


@pytest.mark.parametrize("onset,adapt,rho,lag", [
    (0.5, 1.0, 0.2, 0.1), (3.0, 2.0, 0.5, 0.0), (0.0, 1.0, 0.3, 0.25), (1.0, 5.0, 1.0, 0.0),
    (0.25, 0.5, 0.0, 0.2)])
def test_year_profile_matches_quadrature(onset, adapt, rho, lag):
    closed = timing.year_profile(12, [onset], [adapt], [rho], lag)[0]
    np.testing.assert_allclose(closed, _profile_by_quadrature(12, onset, adapt, rho, lag),
                               atol=3e-5)  # trapezoid error at the onset step
    assert (closed >= 0).all() and (closed <= 1).all()


def test_flat_plan_through_the_kernel_equals_profile_times_spend(baseline):
    inp = baseline.model_inputs()
    spend = np.array([120.0, 0.0, 55.0, 300.0])
    plan = np.tile(spend, (inp.horizon, 1))
    np.testing.assert_allclose(timing.effective_spend(plan, inp.profile),
                               inp.profile * spend[:, None], rtol=1e-12, atol=1e-12)
    flat = mdl.yearly_deaths_flat(spend, inp)
    general = mdl.yearly_deaths(plan, inp)
    np.testing.assert_allclose(flat.total, general.total, rtol=1e-12)


def test_one_definition_total_is_sum_of_years_not_exp_of_average(baseline):
    inp = baseline.model_inputs()
    spend = np.array([300.0, 400.0, 0.0, 300.0])
    yd = mdl.yearly_deaths_flat(spend, inp)
    # Jensen: exp of the average log reduction understates the yearly sum's curvature
    z_all = -np.log(yd.synthetic / yd.baseline)
    assert not np.allclose(z_all, z_all.mean())
    assert yd.total.sum() == pytest.approx((yd.synthetic + yd.substitution).sum())


def test_response_forms():
    e = np.array([0.0, 10.0, 1e3, 1e7])
    cap, s0 = rsp.log_cap(0.2), rsp.initial_slope(100.0)
    sat = rsp.response(e, rsp.SATURATING, cap, s0)
    lin = rsp.response(e, rsp.LINEAR_CAP, cap, s0)
    assert sat[0] == 0 and lin[0] == 0
    assert sat[-1] == pytest.approx(cap) and lin[-1] == pytest.approx(cap)
    # initial slope: the first 1% costs cost_per_pct
    assert rsp.response(1e-6, rsp.SATURATING, cap, s0) / 1e-6 == pytest.approx(
        -np.log(0.99) / 100, rel=1e-6)
    assert (np.diff(sat) >= 0).all() and (sat <= lin + 1e-15).all()
    # "no effect" is a zero cap, never an infinite cost
    assert (rsp.response(e, rsp.SATURATING, 0.0, s0) == 0).all()
    assert (rsp.response_slope(e, rsp.SATURATING, 0.0, s0) == 0).all()


def test_gradient_matches_finite_differences(baseline):
    inp = baseline.model_inputs()
    x = np.array([250.0, 150.0, 80.0, 120.0])
    g = mdl.averted_gradient_flat(x, inp)
    for i in range(len(x)):
        h = np.zeros_like(x)
        h[i] = 1e-3
        fd = (mdl.yearly_deaths_flat(x + h, inp).averted.sum()
              - mdl.yearly_deaths_flat(x - h, inp).averted.sum()) / 2e-3
        assert g[i] == pytest.approx(fd, rel=1e-6)


def test_deaths_are_convex_along_random_segments(baseline):
    inp = baseline.model_inputs()
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = rng.uniform(0, 2000, (2, 4))
        t = rng.uniform()
        mid = mdl.yearly_deaths_flat(t * a + (1 - t) * b, inp).total.sum()
        ends = (t * mdl.yearly_deaths_flat(a, inp).total.sum()
                + (1 - t) * mdl.yearly_deaths_flat(b, inp).total.sum())
        assert mid <= ends + 1e-6


def test_in_sample_consistency_2023_2024(baseline):
    """An in-sample consistency check, not a validation (docs/model.md section 5): the
    base market.supply_elasticity (0.8) is the rounded fit to this very episode, so
    agreement confirms the arithmetic and units, not the model's predictive power (the
    out-of-sample test is decide.validate, section 12.5).

    DEA powder purity 19.2% -> 11.36% (both NDTA editions, one series) as a cut in pure
    supply; CDC provisional synthetic-opioid deaths 76,282 -> 48,422 (-36.5%). Carried by
    market.supply_elasticity alone (substitution does not enter synthetic-opioid deaths;
    alpha = 1 for a purity shock)."""
    m = {k: p.base for k, p in baseline.market.items()}
    cut = 1 - 11.36 / 19.2  # not 19.5, DEA's FY2023 figure: another source and period
    ratio = mdl.deaths_ratio_after_supply_cut(cut, m["supply_elasticity"],
                                              m["price_elasticity"], m["pass_through"])
    observed = 48422 / 76282 - 1
    modelled = ratio - 1
    assert modelled == pytest.approx(-0.343, abs=0.001)
    assert abs(modelled - observed) <= 0.10 * abs(observed)
