"""When effects arrive and how much of them lasts: onset lag and adaptation decay.

A programme funded at a constant rate from the start of year 1 delivers, at time ``t``
years after its money starts (less the market-to-deaths lag ``L``), a share

    m(t) = (1 - exp(-t / tau_on)) * (rho + (1 - rho) * exp(-t / tau_ad))

of its full effect: it builds up with time constant ``tau_on`` and then erodes, as
traffickers adapt, towards the share ``rho`` retained for good. The weight of year ``u``
(``u = 1..T``) is the average of ``m`` over that year, in closed form:

    M_u = integral_{u-1}^{u} m(t - L) dt.

A plan whose spend varies by year acts through the *effective spend*

    E(u) = sum_{t <= u} k(u - t) x(t),   k(0) = M_1,  k(s) = M_{s+1} - M_s,

a linear convolution of past spending whose kernel ``k`` is the profile's yearly
increments, so a flat plan ``x`` gives ``E(u) = M_u x`` exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["year_profile", "kernel", "effective_spend"]


def _expint(s, tau):
    # tau * exp(-s / tau), with tau = 0 (instantaneous) giving 0 for s >= 0.
    tau = np.asarray(tau, dtype=float)
    safe = np.where(tau > 0, tau, 1.0)
    return np.where(tau > 0, tau * np.exp(-s / safe), 0.0)


def _antiderivative(s, onset, adaptation_time, retained):
    # Integral from 0 to s of m(t) dt for s >= 0 (see module docstring).
    a, b, rho = onset, adaptation_time, retained
    both = np.where(a > 0, 1.0 / (1.0 / np.where(a > 0, a, 1.0) + 1.0 / b), 0.0)

    def prim(v):
        return (
            rho * v
            - (1 - rho) * _expint(v, b)
            + rho * _expint(v, a)
            + (1 - rho) * _expint(v, both)
        )

    return prim(s) - prim(np.zeros_like(s))


def year_profile(horizon, onset, adaptation_time, retained, market_lag=0.0):
    """Yearly effect weights of a programme funded at a constant rate.

    Parameters
    ----------
    horizon : int
        Number of years ``T``.
    onset : array_like, shape (..., L)
        Onset time constant ``tau_on``, years (0 = immediate).
    adaptation_time : array_like, shape (..., L)
        Adaptation time constant ``tau_ad``, years (> 0).
    retained : array_like, shape (..., L)
        Share of the effect retained after adaptation, ``rho`` in [0, 1].
    market_lag : array_like, shape (...)
        Market-to-deaths lag ``L``, years.

    Returns
    -------
    ndarray, shape (..., L, T)
        ``M_u`` for ``u = 1..T``, each in [0, 1] (dimensionless).
    """
    onset = np.asarray(onset, dtype=float)[..., None]
    adapt = np.asarray(adaptation_time, dtype=float)[..., None]
    rho = np.asarray(retained, dtype=float)[..., None]
    lag = np.asarray(market_lag, dtype=float)[..., None, None]
    years = np.arange(1, horizon + 1, dtype=float)
    hi = np.maximum(years - lag, 0.0)
    lo = np.maximum(years - 1.0 - lag, 0.0)
    return _antiderivative(hi, onset, adapt, rho) - _antiderivative(lo, onset, adapt, rho)


def kernel(profile):
    """Convolution kernel ``k`` whose running sum is the flat-plan profile.

    Parameters
    ----------
    profile : ndarray, shape (..., L, T)
        Output of `year_profile`.

    Returns
    -------
    ndarray, shape (..., L, T)
        ``k[..., s]`` weights spend made ``s`` years earlier (may be negative while
        adaptation erodes an effect).
    """
    return np.diff(profile, axis=-1, prepend=0.0)


def effective_spend(plan, profile):
    """Effective spend of a plan that may vary by year.

    Parameters
    ----------
    plan : array_like, shape (T, L)
        Spend by year (rows) and lever (columns), $M per year.
    profile : ndarray, shape (L, T)
        Output of `year_profile`.

    Returns
    -------
    ndarray, shape (L, T)
        ``E[i, u]`` in $M per year.
    """
    plan = np.asarray(plan, dtype=float)
    k = kernel(profile)
    n_years = plan.shape[0]
    out = np.zeros((plan.shape[1], n_years))
    for u in range(n_years):
        # spend of year t (index t <= u) weighted by k(u - t)
        out[:, u] = np.einsum("tl,lt->l", plan[: u + 1], k[:, u::-1][:, : u + 1])
    return out
