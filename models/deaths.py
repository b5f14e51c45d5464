"""The one definition of projected deaths.

For year ``u = 1..T`` with baseline deaths ``B_u`` (``D0 (1 + g)^(u-1)``, or a projection
from `models.population`):

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

Outcomes other than deaths value the two kinds of death (`Outcome`): with ``v_s`` per
synthetic-opioid death and ``v_sub`` per substitution death (years of life lost, or $M),

    outcome_u = v_s synthetic_u + v_sub substitution_u
              = B_u [(v_s - phi v_sub) exp(-(Zs_u + Zd_u)) + phi v_sub exp(-Zd_u)]

the same kernel with the outcome weights ``(1 - phi, phi)`` replaced by
``(v_s - phi v_sub, phi v_sub)`` (deaths are ``v_s = v_sub = 1``). It stays convex in
the plan while both weights are non-negative: ``v_s >= phi v_sub``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import response as rsp
from . import timing

__all__ = [
    "Outcome",
    "DEATHS",
    "outcome_weights",
    "ModelInputs",
    "channel_weight",
    "baseline_by_year",
    "discount_weights",
    "YearlyDeaths",
    "Draws",
    "deaths",
    "log_reduction",
    "averted_parts",
    "averted_terms",
    "flat_averted",
    "flat_deaths",
    "yearly_deaths",
    "yearly_deaths_flat",
    "averted_gradient_flat",
    "deaths_ratio_after_supply_cut",
    "boosted",
    "combined_reduction",
]


@dataclass(frozen=True)
class Outcome:
    """What the objective counts: a value per synthetic-opioid death, per substitution
    death, and per $M spent (see the module docstring).

    The objective maximised is ``sum_u w_u [v_s synthetic averted + v_sub substitution
    averted]_u - per_musd * sum_u w_u spend_u`` with ``w_u`` the discount weights.

    Attributes
    ----------
    name : str
        ``deaths``, ``life_years`` or ``net_benefit``.
    unit : str
        Units of the objective: ``deaths``, ``life-years`` or ``$M``.
    per_synthetic, per_substitution : float or ndarray, shape (N,)
        ``v_s`` and ``v_sub``: objective units per synthetic-opioid death and per
        substitution death (1 and 1 for deaths; years of life lost per death; $M per
        death for a net benefit).
    per_musd : float
        Objective units per $M spent (1 for a net benefit in $M, else 0).
    """

    name: str = "deaths"
    unit: str = "deaths"
    per_synthetic: float | np.ndarray = 1.0
    per_substitution: float | np.ndarray = 1.0
    per_musd: float = 0.0

    @property
    def is_deaths(self):
        """True when the objective counts deaths (each death weighs 1, spend is free)."""
        return (self.per_musd == 0.0 and np.all(np.asarray(self.per_synthetic) == 1.0)
                and np.all(np.asarray(self.per_substitution) == 1.0))

    @property
    def scale(self):
        """Objective units per death, the larger of the two values (for tolerances)."""
        return float(np.max(np.maximum(self.per_synthetic, self.per_substitution)))

    def weights(self, phi):
        """Outcome weights ``(v_s - phi v_sub, phi v_sub)`` of the all-lever and the
        demand-only terms (``(1 - phi, phi)`` for deaths).

        Raises
        ------
        ValueError
            A negative weight: ``v_s < phi v_sub`` would make the objective non-convex
            (the scenario loader refuses such values first, naming them).
        """
        phi = np.asarray(phi, dtype=float)
        if self.is_deaths:
            return outcome_weights(phi)
        w_all, w_dem = outcome_weights(phi, (np.asarray(self.per_synthetic, dtype=float),
                                             np.asarray(self.per_substitution, dtype=float)))
        if np.any(w_all < 0) or np.any(w_dem < 0):
            raise ValueError("outcome weights must be non-negative: the value per "
                             "synthetic-opioid death must be at least phi times the value "
                             "per substitution death")
        return w_all, w_dem


#: The default objective: deaths.
DEATHS = Outcome()


def outcome_weights(phi, value=None):
    """The weights of the all-lever and demand-only terms of the kernel.

    Parameters
    ----------
    phi : ndarray
        Substitution share.
    value : tuple of ndarray, optional
        ``(v_s, v_sub)``, objective units per synthetic-opioid and per substitution
        death; None counts deaths.

    Returns
    -------
    w_all, w_dem : ndarray
        ``(v_s - phi v_sub, phi v_sub)``, or ``(1 - phi, phi)`` for deaths.
    """
    if value is None:
        return 1 - phi, phi
    v_s, v_sub = value
    return v_s - phi * v_sub, phi * v_sub


@dataclass(frozen=True)
class ModelInputs:
    """Numeric inputs of the model for L levers (arrays of shape (L,)), or for N draws
    at once (market fields of shape (N,), lever fields (N, L); see `draws`).

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
    outcome : Outcome
        What the objective counts (deaths by default); `deaths` and `yearly_deaths`
        always give deaths.
    baseline_model : models.population.Trend or Population, optional
        The projected baseline; None keeps ``D0 (1 + g)^(u - 1)`` (see `baseline`).
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
    outcome: Outcome = DEATHS
    # None: the flat model D0 (1 + g)^(u - 1); else a projection with
    # project(deaths0, supply_elasticity, horizon) (`models.population`)
    baseline_model: object = None

    @property
    def interactions(self):
        """True when levers interact (complementarity or a shared balloon cap)."""
        return self.complementarity is not None or self.balloon is not None

    @property
    def outcome_weights(self):
        """The objective's weights ``(v_s - phi v_sub, phi v_sub)`` (`Outcome.weights`)."""
        return self.outcome.weights(self.substitution)

    @property
    def spend_cost(self):
        """Objective units per $M per year of flat spend over the horizon:
        ``per_musd * sum_u w_u`` (0 unless the objective is a net benefit)."""
        return float(self.outcome.per_musd * self.discount.sum()) \
            if self.outcome.per_musd else 0.0

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
                self.alpha, *(np.asarray(v)[..., None] for v in (
                    self.supply_elasticity, self.price_elasticity, self.pass_through))
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
        """Baseline deaths per year ``B_u``, shape (T,) (or (N, T) for N draws): the flat
        model ``D0 (1 + g)^(u - 1)``, or the projection of ``baseline_model``
        (`models.population`: a log-linear trend or the population model)."""
        if self.baseline_model is None:
            return baseline_by_year(np.asarray(self.baseline_deaths)[..., None],
                                    np.asarray(self.baseline_trend)[..., None], self.horizon)
        return self.baseline_model.project(self.baseline_deaths, self.supply_elasticity,
                                           self.horizon)

    @cached_property
    def draws(self):
        """These inputs as the kernel's `Draws`: N draws when the fields carry a draw
        axis (market fields (N,), lever fields (N, L)), else one."""
        phi = np.atleast_1d(np.asarray(self.substitution, dtype=float))
        n = len(phi)
        value = None
        if not self.outcome.is_deaths:
            self.outcome.weights(phi)  # refuse negative weights here, once
            value = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in
                              (self.outcome.per_synthetic, self.outcome.per_substitution)],
                             axis=1)
        return Draws(profile=np.broadcast_to(self.profile, (n, *self.profile.shape[-2:])),
                     weight=np.broadcast_to(self.weight, (n, len(self.form))),
                     cap=np.broadcast_to(self.cap, (n, len(self.form))),
                     slope0=np.broadcast_to(self.slope0, (n, len(self.form))),
                     baseline=np.broadcast_to(self.baseline, (n, self.horizon)), phi=phi,
                     demand=self.demand, form=self.form,
                     complementarity=self.complementarity, balloon=self.balloon,
                     value=value)

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

    def valued(self, outcome: Outcome):
        """These deaths valued by ``outcome``: synthetic-opioid deaths (and the
        baseline, all synthetic-opioid) times ``v_s``, substitution deaths times
        ``v_sub`` (objective units per year; ``self`` for deaths)."""
        if outcome.is_deaths:
            return self
        v_s, v_sub = outcome.per_synthetic, outcome.per_substitution
        return YearlyDeaths(self.baseline * v_s, self.synthetic * v_s,
                            self.substitution * v_sub)


def boosted(eff, inp):
    """Effective spends with complementarity applied.

    Financial intelligence makes network targeting more effective: the boosted lever's
    effective spend gains ``gamma * min(E_by, E_boosted)`` in each year (concave, so
    deaths stay convex).

    Parameters
    ----------
    eff : ndarray, shape (..., L, T)
        Effective spend, $M per year.
    inp : ModelInputs or Draws
    """
    if inp.complementarity is None:
        return eff
    b, by, gamma = inp.complementarity
    out = np.array(eff, dtype=float, copy=True)
    out[..., b, :] = eff[..., b, :] + gamma * np.minimum(eff[..., by, :], eff[..., b, :])
    return out


def combined_reduction(weighted, inp):
    """All levers' log reduction per year, with the balloon cap applied.

    Two levers hitting the same node of the supply chain share a cap: their combined
    contribution is ``min(c_a z_a + c_b z_b, cap)`` (concave).

    Parameters
    ----------
    weighted : ndarray, shape (..., L, T)
        ``c_i z_i`` per lever and year, log units.
    """
    if inp.balloon is None:
        return weighted.sum(axis=-2)
    a, b, cap = inp.balloon
    others = np.delete(weighted, [a, b], axis=-2).sum(axis=-2)
    return others + np.minimum(weighted[..., a, :] + weighted[..., b, :], cap)


# -- the kernel: N draws x L levers x T years ------------------------------------------
@dataclass(kw_only=True, eq=False)
class Draws:
    """Model arrays for N draws of one scenario's structure (L levers, T years).

    `ModelInputs.draws` gives the one-draw case; the fast engine builds N draws at once.
    Every function below reads deaths from these arrays and nothing else.

    Attributes
    ----------
    profile : ndarray, shape (N, L, T)
        Flat-plan yearly effect weights ``M[i, u]`` (dimensionless).
    weight : ndarray, shape (N, L)
        Channel weights ``c_i`` (1 for demand levers).
    cap : ndarray, shape (N, L)
        Largest cut per lever, log units.
    slope0 : ndarray, shape (N, L)
        Initial response slope, log units per $M per year.
    baseline : ndarray, shape (N, T)
        Baseline deaths per year ``B_u`` (an input: a trend, or a projection).
    phi : ndarray, shape (N,)
        Substitution share.
    demand : ndarray of bool, shape (L,)
    form : ndarray of int, shape (L,)
        Response forms (`models.response.SATURATING` or ``LINEAR_CAP``).
    complementarity, balloon : tuple or None
        Lever interactions, as in `ModelInputs` (the same for every draw).
    value : ndarray, shape (N, 2), or None
        Objective units per synthetic-opioid death and per substitution death
        (`Outcome`); None counts deaths.
    """

    profile: np.ndarray
    weight: np.ndarray
    cap: np.ndarray
    slope0: np.ndarray
    baseline: np.ndarray
    phi: np.ndarray
    demand: np.ndarray
    form: np.ndarray
    complementarity: tuple | None = None
    balloon: tuple | None = None
    value: np.ndarray | None = None

    #: Fields shared by every draw (not sliced by `take`).
    SHARED = ("demand", "form", "complementarity", "balloon")

    def __len__(self):
        return self.weight.shape[0]

    @property
    def interactions(self):
        """True when levers interact (complementarity or a shared balloon cap)."""
        return self.complementarity is not None or self.balloon is not None

    def outcome_weights(self):
        """Weights of the all-lever and demand-only terms per draw, shape (N,) each:
        ``(1 - phi, phi)`` for deaths, ``(v_s - phi v_sub, phi v_sub)`` otherwise."""
        return outcome_weights(self.phi, None if self.value is None else
                               (self.value[:, 0], self.value[:, 1]))

    @property
    def saturating(self):
        """True when every lever's curve is ``saturating`` (smooth, strictly concave)."""
        return bool((self.form == rsp.SATURATING).all())

    def terms(self):
        """Per-draw constants of flat spend on saturating curves (cached): with
        ``ex = exp(-rate_t x)``, ``c z = wcap (1 - ex)``, ``c dz/dx = wslope ex`` and
        ``c d2z/dx2 = -wcurv ex`` (`models.response` for the saturating form,
        differentiated through ``E = M x``)."""
        if not hasattr(self, "_terms"):
            rate = rsp.saturating_rate(self.cap, self.slope0)[:, :, None]
            c = self.weight[:, :, None]
            # a zero cap ("no effect") has no slope either, as in `response_slope`
            s0 = np.where(self.cap > 0, self.slope0, 0.0)[:, :, None]
            self._terms = (rate * self.profile, c * self.cap[:, :, None] + 0 * self.profile,
                           c * s0 * self.profile, c * s0 * rate * self.profile ** 2)
        return self._terms

    def take(self, idx):
        """The draws ``idx`` (cached terms sliced, not recomputed)."""
        sub = type(self)(**{k: (v if k in self.SHARED or v is None else v[idx])
                            for k, v in vars(self).items() if not k.startswith("_")})
        if hasattr(self, "_terms"):
            sub._terms = tuple(a[idx] for a in self._terms)
        return sub


def log_reduction(eff, d: Draws):
    """Each lever's weighted log reduction and the yearly totals.

    Parameters
    ----------
    eff : ndarray, shape (N, L, T)
        Effective spend, $M per year.
    d : Draws

    Returns
    -------
    wz : ndarray, shape (N, L, T)
        ``c_i z_i(E'_i)`` with complementarity applied, log units.
    z_all, z_dem : ndarray, shape (N, T)
        All levers (balloon cap applied) and demand levers only, log units.
    """
    e = boosted(eff, d)
    z = rsp.response(e, d.form[None, :, None], d.cap[:, :, None], d.slope0[:, :, None])
    wz = d.weight[:, :, None] * z
    return wz, combined_reduction(wz, d), wz[:, d.demand].sum(axis=1)


def deaths(eff, d: Draws) -> YearlyDeaths:
    """Projected deaths by year for N draws: the definition (module docstring).

    Parameters
    ----------
    eff : ndarray, shape (N, L, T)
        Effective spend, $M per year (`models.timing.effective_spend` of a plan, or
        ``M x`` for a flat allocation).
    d : Draws

    Returns
    -------
    YearlyDeaths
        Arrays of shape (N, T), deaths per year.
    """
    _, z_all, z_dem = log_reduction(eff, d)
    base, phi = d.baseline, d.phi[:, None]
    synthetic = base * np.exp(-z_all)
    substitution = phi * base * (np.exp(-z_dem) - np.exp(-z_all))
    return YearlyDeaths(base, synthetic, substitution)


def averted_parts(z_all, z_dem, scale, weights):
    """Deaths (or another outcome) averted per year, split into the term every lever
    moves (weight ``1 - phi`` of the baseline for deaths) and the demand-only term
    (``phi``).

    Parameters
    ----------
    z_all, z_dem : ndarray, shape (N, T)
        Log reductions (`log_reduction`).
    scale : ndarray, shape (N, T)
        Baseline deaths per year, times any weight per year.
    weights : tuple of ndarray, shape (N,) each
        ``(w_all, w_dem)``: `Draws.outcome_weights` (``(1 - phi, phi)`` for deaths).

    Returns
    -------
    part_all, part_dem : ndarray, shape (N, T)
        ``s_u w_all (1 - exp(-Z_u))`` and ``s_u w_dem (1 - exp(-Zd_u))``, in the
        outcome's units (deaths, life-years or $M).
    """
    w_all, w_dem = (w[:, None] for w in weights)
    return scale * w_all * -np.expm1(-z_all), scale * w_dem * -np.expm1(-z_dem)


def averted_terms(z_all, z_dem, scale, weights):
    """Weighted outcome averted per draw and its derivatives in the log reductions.

    ``F = sum_u s_u [w_all (1 - exp(-Z_u)) + w_dem (1 - exp(-Zd_u))]``
    (`averted_parts`).

    Returns
    -------
    f : ndarray, shape (N,)
    e_all, e_dem : ndarray, shape (N, T)
        ``dF/dZ_u`` and ``dF/dZd_u`` (outcome units per log unit).
    """
    part_all, part_dem = averted_parts(z_all, z_dem, scale, weights)
    w_all, w_dem = (w[:, None] for w in weights)
    return ((part_all + part_dem).sum(axis=1), scale * w_all * np.exp(-z_all),
            scale * w_dem * np.exp(-z_dem))


#: Relative distance within which the two sides of an interaction's min() count as
#: tied: the optimiser lands on such kinks only to its tolerance, and the next $1M
#: moves past them, so the right derivative there is the one a tie gives.
TIE = 1e-6


def _interaction_gradient(eff, d: Draws, e_all, e_dem):
    # dF/dE by the chain rule through min(): right derivatives (a tie earns nothing more)
    e = boosted(eff, d)
    args = (d.form[None, :, None], d.cap[:, :, None], d.slope0[:, :, None])
    wz = d.weight[:, :, None] * rsp.response(e, *args)
    slope = d.weight[:, :, None] * rsp.response_slope(e, *args)
    dz_all = np.ones_like(wz)  # dZ_all / d(c_j z_j)
    if d.balloon is not None:
        a, b, cap = d.balloon
        open_ = (wz[:, a] + wz[:, b] < cap * (1 - TIE)).astype(float)
        dz_all[:, a], dz_all[:, b] = open_, open_
    q = (e_all[:, None] * dz_all + e_dem[:, None] * d.demand[None, :, None]) * slope
    grad = q.copy()
    if d.complementarity is not None:
        b, by, gamma = d.complementarity
        tol = TIE * np.maximum(np.maximum(eff[:, b], eff[:, by]), 1.0)
        grad[:, b] = q[:, b] * (1.0 + gamma * (eff[:, b] < eff[:, by] - tol))
        grad[:, by] += q[:, b] * gamma * (eff[:, by] < eff[:, b] - tol)
    return grad


def flat_averted(x, d: Draws, weights=None, order=0):
    """Weighted deaths averted over the horizon for flat spend, with derivatives.

    Parameters
    ----------
    x : ndarray, shape (N, L)
        $M per year per lever (the same every year).
    d : Draws
    weights : array_like, shape (T,), optional
        Weight per year (e.g. `discount_weights`); 1 by default.
    order : {0, 1, 2}
        Derivatives wanted: 1 adds the gradient, 2 the Hessian (saturating curves and
        no interactions only: the other curves have kinks).

    Returns
    -------
    f : ndarray, shape (N,)
        ``sum_u w_u averted_u``, deaths.
    g : ndarray, shape (N, L) or None
        Deaths per extra $1M a year on each lever (right derivatives at kinks).
    h : ndarray, shape (N, L, L) or None
    """
    scale = d.baseline if weights is None else d.baseline * np.asarray(weights)
    if d.saturating and not d.interactions:
        return _flat_saturating(x, d, scale, order)
    if order > 1:
        raise ValueError("second derivatives need saturating curves without interactions")
    return _flat_generic(x, d, scale, order)


def _flat_generic(x, d: Draws, scale, order):
    # any response form, interactions included; value and first derivatives
    eff = d.profile * x[:, :, None]
    if d.interactions:
        _, z_all, z_dem = log_reduction(eff, d)
        f, e_all, e_dem = averted_terms(z_all, z_dem, scale, d.outcome_weights())
        if order == 0:
            return f, None, None
        g = (_interaction_gradient(eff, d, e_all, e_dem) * d.profile).sum(axis=2)
        return f, g, None
    args = (d.form[None, :, None], d.cap[:, :, None], d.slope0[:, :, None])
    wz = d.weight[:, :, None] * rsp.response(eff, *args)
    z_all = wz.sum(axis=1)
    z_dem = wz[:, d.demand].sum(axis=1)
    f, e_all, e_dem = averted_terms(z_all, z_dem, scale, d.outcome_weights())
    if order == 0:
        return f, None, None
    jac = d.weight[:, :, None] * rsp.response_slope(eff, *args) * d.profile
    g = np.einsum("nt,nlt->nl", e_all, jac) + np.einsum(
        "nt,nlt->nl", e_dem, jac * d.demand[None, :, None])
    return f, g, None


def _flat_saturating(x, d: Draws, scale, order):
    # closed forms of the saturating curve (see Draws.terms), the fast engine's hot path
    rate_t, wcap, wslope, wcurv = d.terms()
    ex = np.exp(-rate_t * x[:, :, None])
    z_all = (wcap * (1.0 - ex)).sum(axis=1)
    w_all, w_dem = (w[:, None] for w in d.outcome_weights())
    has_demand = d.demand.any()
    f = (scale * w_all * -np.expm1(-z_all)).sum(axis=1)
    if has_demand:
        z_dem = (wcap[:, d.demand] * (1.0 - ex[:, d.demand])).sum(axis=1)
        f += (scale * w_dem * -np.expm1(-z_dem)).sum(axis=1)
    if order == 0:
        return f, None, None
    e_all = (scale * w_all * np.exp(-z_all))[:, :, None]  # dF/dZall_u, (N, T, 1)
    jac = wslope * ex  # dZ_u/dx_i, (N, L, T)
    grad = (jac @ e_all)[:, :, 0]
    if has_demand:
        e_dem = (scale * w_dem * np.exp(-z_dem))[:, :, None]
        jd = jac * d.demand[None, :, None]
        grad += (jd @ e_dem)[:, :, 0]
    if order == 1:
        return f, grad, None
    hess = -(jac @ (e_all * jac.transpose(0, 2, 1)))
    diag = -((wcurv * ex) @ e_all)[:, :, 0]
    if has_demand:
        hess -= jd @ (e_dem * jd.transpose(0, 2, 1))
        diag -= ((wcurv * ex * d.demand[None, :, None]) @ e_dem)[:, :, 0]
    idx = np.arange(x.shape[1])
    hess[:, idx, idx] += diag
    return f, grad, hess


def flat_deaths(x, d: Draws):
    """Projected (undiscounted) deaths over the horizon per draw for flat spend ``x``
    (shape (N, L), $M per year); shape (N,)."""
    return deaths(d.profile * x[:, :, None], d).total.sum(axis=1)


# -- one scenario (the N = 1 case) ------------------------------------------------------
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
        Arrays of shape (T,).
    """
    eff = timing.effective_spend(plan, inp.profile)
    return _first(deaths(eff[None], inp.draws))


def yearly_deaths_flat(spend, inp: ModelInputs) -> YearlyDeaths:
    """Projected deaths by year for a flat allocation (same spend every year).

    Identical to ``yearly_deaths(np.tile(spend, (T, 1)), inp)``, computed directly.

    Parameters
    ----------
    spend : array_like, shape (L,)
        $M per year per lever.
    """
    spend = np.asarray(spend, dtype=float)
    return _first(deaths((inp.profile * spend[:, None])[None], inp.draws))


def _first(yd):
    return YearlyDeaths(yd.baseline[0], yd.synthetic[0], yd.substitution[0])


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
        derivative at a kink: of a ``linear_cap`` curve, or of an interaction's min).
    """
    spend = np.asarray(spend, dtype=float)
    return flat_averted(spend[None], inp.draws, weights, order=1)[1][0]


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
