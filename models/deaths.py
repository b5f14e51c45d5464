"""The one definition of projected deaths.

For year ``u = 1..T`` with baseline deaths ``B_u = D0 (1 + g)^(u-1)``:

    z[i, u]  = response_i(E[i, u])                 lever effect, log units
    Zs_u     = sum over supply levers  c_i z[i, u]  c_i = alpha_i eta + (1 - alpha_i) e_p theta
    Zd_u     = sum over demand levers      z[i, u]  (acts on deaths directly)
    synthetic_u    = B_u exp(-(Zs_u + Zd_u))                      synthetic-opioid deaths
    substitution_u = phi B_u (exp(-Zd_u) - exp(-(Zs_u + Zd_u)))   reappearing with other drugs
    deaths_u       = synthetic_u + substitution_u
                   = B_u [phi exp(-Zd_u) + (1 - phi) exp(-(Zs_u + Zd_u))]

Total projected deaths are ``sum_u deaths_u``: the yearly series is the definition and
the total is its sum, for flat allocations and year-varying plans alike. Each term is the
exponential of a concave function of spend, so deaths are convex in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import response as rsp
from . import timing

__all__ = [
    "ModelInputs",
    "channel_weight",
    "baseline_by_year",
    "discount_weights",
    "YearlyDeaths",
    "yearly_deaths",
    "yearly_deaths_flat",
    "averted_gradient_flat",
    "deaths_ratio_after_supply_cut",
    "boosted",
    "combined_reduction",
]


@dataclass(frozen=True)
class ModelInputs:
    """Numeric inputs of the model for L levers (arrays of shape (L,)).

    Attributes
    ----------
    horizon : int
        Years ``T``.
    baseline_deaths : float
        ``D0``, synthetic-opioid deaths in year 1 with no new spending (deaths per year).
    baseline_trend : float
        ``g``, yearly change of baseline deaths (fraction per year).
    supply_elasticity : float
        ``eta``, elasticity of deaths to effective pure supply (magnitude).
    price_elasticity : float
        ``e_p``, price elasticity of demand (magnitude).
    pass_through : float
        ``theta``, share of an upstream cost shock passed to the retail price.
    substitution : float
        ``phi``, share of supply-averted deaths reappearing with other drugs.
    market_lag : float
        Market-to-deaths lag, years.
    discount_rate : float
        Yearly discount rate applied to deaths in the objective (0 = none).
    form : ndarray of int
        Response form per lever (`models.response.SATURATING` or ``LINEAR_CAP``).
    demand : ndarray of bool
        True for a demand-side lever (acts on deaths, not supply).
    max_effect : ndarray
        Largest sustained cut (fraction of supply, or of deaths for demand levers).
    cost_per_pct : ndarray
        Cost of the first 1% cut, $M per year.
    onset, adaptation_time : ndarray
        Time constants, years.
    retained : ndarray
        Share of the effect retained after adaptation.
    alpha : ndarray
        Share of a supply lever's effect acting through quantity/potency (the rest acts
        through cost and price); ignored for demand levers.
    """

    horizon: int
    baseline_deaths: float
    baseline_trend: float
    supply_elasticity: float
    price_elasticity: float
    pass_through: float
    substitution: float
    market_lag: float
    discount_rate: float
    form: np.ndarray
    demand: np.ndarray
    max_effect: np.ndarray
    cost_per_pct: np.ndarray
    onset: np.ndarray
    adaptation_time: np.ndarray
    retained: np.ndarray
    alpha: np.ndarray
    complementarity: tuple | None = None  # (boosted index, by index, gamma)
    balloon: tuple | None = None  # (index a, index b, cap in log units)

    @property
    def interactions(self):
        """True when levers interact (complementarity or a shared balloon cap)."""
        return self.complementarity is not None or self.balloon is not None

    # Derived arrays are computed once per (frozen) instance: the optimiser reads them
    # in every refinement round.
    @cached_property
    def cap(self):
        """Largest cut per lever, log units."""
        return rsp.log_cap(self.max_effect)

    @cached_property
    def slope0(self):
        """Initial response slope per lever, log units per $M."""
        return rsp.initial_slope(self.cost_per_pct)

    @cached_property
    def weight(self):
        """Channel weight ``c_i`` per lever (1 for demand levers)."""
        return np.where(
            self.demand,
            1.0,
            channel_weight(
                self.alpha, self.supply_elasticity, self.price_elasticity, self.pass_through
            ),
        )

    @cached_property
    def profile(self):
        """Flat-plan yearly effect weights ``M[i, u]``, shape (L, T)."""
        return timing.year_profile(
            self.horizon, self.onset, self.adaptation_time, self.retained, self.market_lag
        )

    @cached_property
    def baseline(self):
        """Baseline deaths per year, shape (T,)."""
        return baseline_by_year(self.baseline_deaths, self.baseline_trend, self.horizon)

    @cached_property
    def discount(self):
        """Objective weight per year, shape (T,)."""
        return discount_weights(self.horizon, self.discount_rate)


def channel_weight(alpha, supply_elasticity, price_elasticity, pass_through):
    """Deaths elasticity of a supply lever's log-supply cut.

    ``c = alpha * eta + (1 - alpha) * e_p * theta``: the share ``alpha`` of the cut
    removes pure quantity (deaths respond with elasticity ``eta``); the rest raises
    traffickers' costs, of which ``theta`` reaches the retail price, to which demand
    responds with elasticity ``e_p``.

    Returns
    -------
    ndarray
        Dimensionless weight, log-deaths per log-supply.
    """
    alpha = np.asarray(alpha, dtype=float)
    return alpha * supply_elasticity + (1.0 - alpha) * price_elasticity * pass_through


def baseline_by_year(baseline_deaths, trend, horizon):
    """Baseline deaths ``B_u = D0 (1 + g)^(u - 1)`` for ``u = 1..T`` (deaths per year)."""
    years = np.arange(horizon, dtype=float)
    return baseline_deaths * (1.0 + trend) ** years


def discount_weights(horizon, rate):
    """Objective weights ``(1 + r)^-(u - 1)`` for ``u = 1..T`` (1 when ``r = 0``)."""
    return (1.0 + rate) ** -np.arange(horizon, dtype=float)


@dataclass(frozen=True)
class YearlyDeaths:
    """Yearly projected deaths (arrays of shape (T,), deaths per year)."""

    baseline: np.ndarray
    synthetic: np.ndarray
    substitution: np.ndarray

    @property
    def total(self):
        """Projected deaths per year: synthetic-opioid plus substitution deaths."""
        return self.synthetic + self.substitution

    @property
    def averted(self):
        """Baseline minus projected deaths, per year."""
        return self.baseline - self.total


def boosted(eff, inp: ModelInputs):
    """Effective spends with complementarity applied.

    Financial intelligence makes network targeting more effective: the boosted lever's
    effective spend gains ``gamma * min(E_by, E_boosted)`` in each year (concave, so
    deaths stay convex).
    """
    if inp.complementarity is None:
        return eff
    b, by, gamma = inp.complementarity
    out = np.array(eff, dtype=float, copy=True)
    out[b] = eff[b] + gamma * np.minimum(eff[by], eff[b])
    return out


def combined_reduction(weighted, inp: ModelInputs):
    """All levers' log reduction per year, with the balloon cap applied.

    Two levers hitting the same node of the supply chain share a cap: their combined
    contribution is ``min(c_a z_a + c_b z_b, cap)`` (concave).
    """
    if inp.balloon is None:
        return weighted.sum(axis=0)
    a, b, cap = inp.balloon
    others = np.delete(weighted, [a, b], axis=0).sum(axis=0)
    return others + np.minimum(weighted[a] + weighted[b], cap)


def _from_effective(eff, inp: ModelInputs) -> YearlyDeaths:
    eff = boosted(eff, inp)
    z = rsp.response(eff, inp.form[:, None], inp.cap[:, None], inp.slope0[:, None])
    weighted = inp.weight[:, None] * z
    z_demand = weighted[inp.demand].sum(axis=0)
    z_all = combined_reduction(weighted, inp)
    base = inp.baseline
    synthetic = base * np.exp(-z_all)
    substitution = inp.substitution * base * (np.exp(-z_demand) - np.exp(-z_all))
    return YearlyDeaths(base, synthetic, substitution)


def yearly_deaths(plan, inp: ModelInputs) -> YearlyDeaths:
    """Projected deaths by year for a plan that may vary by year.

    Parameters
    ----------
    plan : array_like, shape (T, L)
        Spend by year and lever, $M per year.
    inp : ModelInputs

    Returns
    -------
    YearlyDeaths
    """
    return _from_effective(timing.effective_spend(plan, inp.profile), inp)


def yearly_deaths_flat(spend, inp: ModelInputs) -> YearlyDeaths:
    """Projected deaths by year for a flat allocation (same spend every year).

    Identical to ``yearly_deaths(np.tile(spend, (T, 1)), inp)``, computed directly.

    Parameters
    ----------
    spend : array_like, shape (L,)
        $M per year per lever.
    """
    spend = np.asarray(spend, dtype=float)
    return _from_effective(inp.profile * spend[:, None], inp)


def averted_gradient_flat(spend, inp: ModelInputs, weights=None):
    """Gradient of (weighted) deaths averted over the horizon for a flat allocation.

    Parameters
    ----------
    spend : array_like, shape (L,)
        $M per year.
    inp : ModelInputs
    weights : array_like, shape (T,), optional
        Weight per year (for example `discount_weights`); 1 by default.

    Returns
    -------
    ndarray, shape (L,)
        Deaths averted over the horizon per extra $1M a year on each lever (right
        derivative at the kink of a ``linear_cap`` curve).
    """
    spend = np.asarray(spend, dtype=float)
    if inp.interactions:
        # right derivatives by a forward difference of the model (kinks of min())
        w = np.ones(inp.horizon) if weights is None else np.asarray(weights)
        base = (yearly_deaths_flat(spend, inp).averted * w).sum()
        grad = np.empty_like(spend)
        for i in range(len(spend)):
            h = 1e-6 * max(1.0, spend[i])
            up = spend.copy()
            up[i] += h
            grad[i] = ((yearly_deaths_flat(up, inp).averted * w).sum() - base) / h
        return grad
    prof = inp.profile
    eff = prof * spend[:, None]
    z = rsp.response(eff, inp.form[:, None], inp.cap[:, None], inp.slope0[:, None])
    dz = rsp.response_slope(eff, inp.form[:, None], inp.cap[:, None], inp.slope0[:, None])
    w = inp.weight[:, None]
    z_demand = (w * z)[inp.demand].sum(axis=0)
    z_all = (w * z).sum(axis=0)
    base = inp.baseline * (1.0 if weights is None else np.asarray(weights))
    phi = inp.substitution
    # d averted_u / d Z: all levers through the (1 - phi) term, demand levers also phi's
    d_all = base * (1.0 - phi) * np.exp(-z_all)
    d_dem = base * phi * np.exp(-z_demand)
    per_year = d_all[None, :] + np.where(inp.demand[:, None], d_dem[None, :], 0.0)
    return (per_year * w * dz * prof).sum(axis=1)


def deaths_ratio_after_supply_cut(cut, supply_elasticity, price_elasticity, pass_through,
                                  alpha=1.0):
    """Ratio of synthetic-opioid deaths after an immediate, lasting supply cut.

    The backcast check: a purity drop is a cut in pure quantity (``alpha = 1``).

    Parameters
    ----------
    cut : float
        Fractional cut in effective pure supply, in [0, 1).

    Returns
    -------
    float
        ``exp(-c * -ln(1 - cut)) = (1 - cut)^c`` with ``c`` from `channel_weight`.
    """
    c = channel_weight(alpha, supply_elasticity, price_elasticity, pass_through)
    return float(np.exp(-c * rsp.log_cap(cut)))
