"""Projected baselines: the deaths each year with no new spending, ``B_u``, that the
levers act on (`models.deaths`).

Three models (``[baseline] model`` in a scenario file, docs/model.md section 11):

- **flat** (no ``[baseline]`` table): ``B_u = D0 (1 + g)^(u - 1)`` with
  ``g = market.baseline_trend`` (`models.deaths.baseline_by_year`), as before.
- **trend** (`Trend`): a log-linear projection ``B_u = D0 exp(r (u - 1))``.
- **dynamic** (`Population`): a small population model in the spirit of SOURCE (Lim et
  al., PNAS 2022) and Pitt, Humphreys & Brandeau (AJPH 2018): people at risk ``N(t)``
  enter at a constant rate ``I`` (initiation), leave by cessation at rate ``mu`` and by a
  synthetic-opioid death at hazard ``h_u``, driven by the supply (purity/potency) index
  ``S_u`` with the elasticity ``eta`` (``market.supply_elasticity``):

      dN/dt = I - (mu + h_u) N          within year u (rates constant in the year)
      h_u   = h_1 (S_u / S_1)^eta,      S_u / S_1 = (1 + s)^(u - 1) under the status quo
      B_u   = h_u P_u,                  P_u = integral of N over year u (person-years)

  Anchors: ``P_1`` = ``people_at_risk``, ``h_1 = D0 / P_1`` (so ``B_1 = D0`` exactly, as
  in the flat model) and ``I = initiation * (mu + h_1) * P_1`` (``initiation`` = 1: the
  year-1 inflow replaces the year-1 exits).

  Exact solution of a year with ``k = mu + h_u``, from ``N_u`` at its start:

      P_u     = q N_u + r I,            q = (1 - e^-k) / k,  r = (k - 1 + e^-k) / k^2
      N_u+1   = e^-k N_u + q I

  and the start of year 1 is ``N_1 = (P_1 - r_1 I) / q_1``.

The status-quo projection is the baseline. Levers act on it multiplicatively
(`models.deaths`): deaths ``m_u B_u`` with the yearly multiplier
``m_u = phi exp(-Zd_u) + (1 - phi) exp(-Zall_u)``. In the population model the same
multiplier applied to the hazard keeps the people it saves at risk, and some of them die
later (the survivor feedback), which the multiplicative kernel omits: `feedback` measures
it by simulating the population with hazard ``m_u h_u``, and gives a bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Trend", "Population", "Path", "Feedback", "simulate", "year_factors",
           "feedback"]

#: Below this total exit rate (per year) ``q`` and ``r`` use their Taylor series.
_SMALL = 1e-3


def year_factors(k):
    """``q = (1 - e^-k) / k`` and ``r = (k - 1 + e^-k) / k^2`` for exit rates ``k >= 0``
    (per year): the person-years of a year per person at its start, and per unit of
    yearly inflow (``q -> 1``, ``r -> 1/2`` as ``k -> 0``)."""
    k = np.asarray(k, dtype=float)
    small = k < _SMALL
    ks = np.where(small, 1.0, k)
    em1 = np.expm1(-ks)  # e^-k - 1
    q = np.where(small, 1 - k / 2 + k * k / 6, -em1 / ks)
    r = np.where(small, 0.5 - k / 6 + k * k / 24, (ks + em1) / (ks * ks))
    return q, r


@dataclass(frozen=True)
class Path:
    """A population's yearly path (arrays with years on the last axis).

    Attributes
    ----------
    deaths : ndarray, shape (..., T)
        Deaths per year, ``h_u P_u``.
    person_years : ndarray, shape (..., T)
        ``P_u``, person-years at risk in year u.
    at_risk : ndarray, shape (..., T + 1)
        People at risk at the start of each year (and at the end of the last).
    """

    deaths: np.ndarray
    person_years: np.ndarray
    at_risk: np.ndarray


def simulate(start, inflow, cessation, hazard):
    """The population model's exact yearly path for any hazard path.

    Parameters
    ----------
    start : float or ndarray, shape (...)
        People at risk at the start of year 1.
    inflow : float or ndarray, shape (...)
        ``I``, people entering per year.
    cessation : float or ndarray, shape (...)
        ``mu``, cessation rate per year.
    hazard : ndarray, shape (..., T)
        ``h_u``, deaths per person-year at risk in each year (an observed supply path
        gives ``h_1 (S_u / S_1)^eta``; levers multiply it by ``m_u``).

    Returns
    -------
    Path
    """
    hazard = np.asarray(hazard, dtype=float)
    shape = hazard.shape
    n = np.broadcast_to(np.asarray(start, dtype=float), shape[:-1]).copy()
    inflow = np.asarray(inflow, dtype=float)
    cessation = np.asarray(cessation, dtype=float)
    deaths = np.empty(shape)
    person_years = np.empty(shape)
    at_risk = np.empty((*shape[:-1], shape[-1] + 1))
    for u in range(shape[-1]):
        h = hazard[..., u]
        k = cessation + h
        q, r = year_factors(k)
        at_risk[..., u] = n
        person_years[..., u] = q * n + r * inflow
        deaths[..., u] = h * person_years[..., u]
        n = np.exp(-k) * n + q * inflow
    at_risk[..., -1] = n
    return Path(deaths, person_years, at_risk)


@dataclass(frozen=True)
class Trend:
    """Log-linear projection ``B_u = D0 exp(rate (u - 1))``.

    Attributes
    ----------
    rate : float or ndarray, shape (N,)
        Log change of deaths per year (-0.1 = about 9.5% fewer a year).
    """

    rate: float | np.ndarray

    name = "trend"

    def project(self, deaths0, supply_elasticity, horizon):
        """Baseline deaths per year, shape (T,) or (N, T) (the elasticity is unused)."""
        years = np.arange(horizon, dtype=float)
        return np.asarray(deaths0, dtype=float)[..., None] * np.exp(
            np.asarray(self.rate, dtype=float)[..., None] * years)


@dataclass(frozen=True)
class Population:
    """The dynamic baseline: people at risk, initiation, cessation and a supply-driven
    death hazard (module docstring). Fields are floats, or arrays of shape (N,) for N
    draws.

    Attributes
    ----------
    people_at_risk : float or ndarray
        ``P_1``, person-years at risk in year 1 (people at risk over the year).
    initiation : float or ndarray
        People entering per year as a multiple of year-1 exits ``(mu + h_1) P_1``
        (1 = a population in balance in year 1).
    cessation : float or ndarray
        ``mu``, share of people at risk who stop each year (rate per year).
    supply_trend : float or ndarray
        ``s``, yearly change of the supply (purity/potency) index under the status quo
        (fraction per year; 0 = supply stays at its year-1 level).
    """

    people_at_risk: float | np.ndarray
    initiation: float | np.ndarray
    cessation: float | np.ndarray
    supply_trend: float | np.ndarray

    name = "dynamic"

    def _arr(self, v):
        return np.asarray(v, dtype=float)

    def hazard(self, deaths0, supply_elasticity, horizon):
        """Status-quo hazard ``h_u = (D0 / P_1) (1 + s)^(eta (u - 1))``, deaths per
        person-year, shape (T,) or (N, T)."""
        h1 = self._arr(deaths0) / self._arr(self.people_at_risk)
        years = np.arange(horizon, dtype=float)
        growth = (1.0 + self._arr(self.supply_trend)[..., None]) ** (
            self._arr(supply_elasticity)[..., None] * years)
        return h1[..., None] * growth

    def inflow(self, deaths0):
        """``I = initiation (mu + h_1) P_1``, people per year."""
        p1 = self._arr(self.people_at_risk)
        return self._arr(self.initiation) * (self._arr(self.cessation) * p1
                                             + self._arr(deaths0))

    def start(self, deaths0):
        """``N_1 = (P_1 - r_1 I) / q_1``: people at risk at the start of year 1 such
        that year 1 has ``P_1`` person-years (0 if the inflow alone would exceed them,
        far outside any prior)."""
        h1 = self._arr(deaths0) / self._arr(self.people_at_risk)
        q, r = year_factors(self._arr(self.cessation) + h1)
        return np.maximum((self._arr(self.people_at_risk) - r * self.inflow(deaths0)) / q,
                          0.0)

    def path(self, deaths0, supply_elasticity, horizon, multiplier=None):
        """The population's path under the status quo, or with the hazard multiplied by
        ``multiplier`` (shape (..., T)) each year, from the same start."""
        hazard = self.hazard(deaths0, supply_elasticity, horizon)
        if multiplier is not None:
            hazard = hazard * np.asarray(multiplier, dtype=float)
        return simulate(self.start(deaths0), self.inflow(deaths0), self.cessation, hazard)

    def project(self, deaths0, supply_elasticity, horizon):
        """Baseline deaths per year under the status quo, shape (T,) or (N, T)."""
        return self.path(deaths0, supply_elasticity, horizon).deaths


@dataclass(frozen=True)
class Feedback:
    """Deaths averted by an allocation, as the optimiser counts them (multiplicative on
    the projected baseline) and in the full population model, with a bound on the
    difference (arrays of shape (...), deaths over the horizon).

    Attributes
    ----------
    multiplicative : ndarray
        ``sum_u (1 - m_u) B_u``: what `models.deaths` gives.
    full : ndarray
        ``sum_u (B_u - m_u h_u P'_u)`` with ``P'`` the person-years of the population
        simulated with hazard ``m_u h_u``: the people saved stay at risk.
    bound : ndarray
        ``sum_u m_u h_u C_u`` with ``C_u`` the deaths averted (multiplicatively) up to
        the end of year u: an upper bound on ``multiplicative - full``, since the extra
        people at risk at any time are at most the deaths averted so far.
    """

    multiplicative: np.ndarray
    full: np.ndarray
    bound: np.ndarray

    @property
    def share(self):
        """The survivor feedback: ``(multiplicative - full) / multiplicative``, the share
        of the optimiser's deaths averted that the full model takes back."""
        return (self.multiplicative - self.full) / self.multiplicative

    @property
    def share_bound(self):
        """``bound / multiplicative``."""
        return self.bound / self.multiplicative


def feedback(model: Population, deaths0, supply_elasticity, multiplier):
    """Measure the survivor feedback of an allocation by simulation.

    Parameters
    ----------
    model : Population
    deaths0, supply_elasticity : float or ndarray, shape (...)
        ``D0`` and ``eta``.
    multiplier : ndarray, shape (..., T)
        ``m_u``: projected deaths over baseline deaths per year for the allocation
        (``plan / baseline`` of `decide.deaths_by_year`), in (0, 1] for flat spend.

    Returns
    -------
    Feedback
    """
    m = np.asarray(multiplier, dtype=float)
    horizon = m.shape[-1]
    base = model.path(deaths0, supply_elasticity, horizon)
    full = model.path(deaths0, supply_elasticity, horizon, multiplier=m)
    averted = (1.0 - m) * base.deaths
    hazard = model.hazard(deaths0, supply_elasticity, horizon)
    bound = (m * hazard * np.cumsum(averted, axis=-1)).sum(axis=-1)
    return Feedback(averted.sum(axis=-1), (base.deaths - full.deaths).sum(axis=-1), bound)
