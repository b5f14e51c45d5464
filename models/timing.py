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

#: Draws per block in `year_profile` (temporaries of about 1 MB).
_BLOCK = 2048


def _expint(s, tau):
    # tau * exp(-s / tau), with tau = 0 (instantaneous) giving 0 for s >= 0. Computed in
    # one buffer: year_profile's cost is these (..., L, T + 1) arrays.
    tau = np.asarray(tau, dtype=float)
    pos = tau > 0
    out = np.divide(-s, np.where(pos, tau, 1.0))
    np.multiply(tau, np.exp(out, out=out), out=out)
    return out if pos.all() else np.where(pos, out, 0.0)


def _antiderivative(s, onset, adaptation_time, retained):
    # Integral from 0 to s of m(t) dt for s >= 0 (see module docstring).
    a, b, rho = onset, adaptation_time, retained
    both = np.where(a > 0, 1.0 / (1.0 / np.where(a > 0, a, 1.0) + 1.0 / b), 0.0)

    def prim(v):
        # rho v - (1 - rho) E(b) + rho E(a) + (1 - rho) E(both), summed in that order
        out = np.empty(np.broadcast_shapes(np.shape(v), np.shape(a), np.shape(b),
                                           np.shape(rho)))
        np.multiply(rho, v, out=out)
        out -= np.multiply(1 - rho, _expint(v, b))
        out += np.multiply(rho, _expint(v, a))
        out += np.multiply(1 - rho, _expint(v, both))
        return out

    # prim(0) is the same for every s: evaluate it once per lever, not once per year
    out = prim(s)
    out -= prim(np.zeros(np.shape(s)[:-1] + (1,)))
    return out


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
    # M_u = A(max(u - L, 0)) - A(max(u - 1 - L, 0)): one antiderivative at the T + 1
    # year ends 0..T serves both ends of every year (the exponentials cost the time)
    ends = np.maximum(np.arange(horizon + 1, dtype=float) - lag, 0.0)
    args = [np.atleast_2d(v) for v in (ends, onset, adapt, rho)]
    lead = np.broadcast_shapes(*(v.shape[:-2] for v in args))
    if not lead or lead[0] <= _BLOCK:
        a = _antiderivative(ends, onset, adapt, rho)
        return a[..., 1:] - a[..., :-1]
    # many draws: blocks of them, whose temporaries the allocator reuses (fresh
    # multi-MB arrays cost more in page faults than the arithmetic); values per draw
    # are the same either way
    args = [np.broadcast_to(v, lead + v.shape[-2:]) for v in args]
    out = None
    for k in range(0, lead[0], _BLOCK):
        a = _antiderivative(*(v[k:k + _BLOCK] for v in args))
        if out is None:
            out = np.empty(lead + a.shape[len(lead):-1] + (horizon,))
        np.subtract(a[..., 1:], a[..., :-1], out=out[k:k + _BLOCK])
    return out


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
    profile : ndarray, shape (..., L, T)
        Output of `year_profile` (leading dimensions: draws, each with its own timing).

    Returns
    -------
    ndarray, shape (..., L, T)
        ``E[..., i, u]`` in $M per year.
    """
    plan = np.asarray(plan, dtype=float)
    k = kernel(profile)
    n_years = plan.shape[0]
    out = np.zeros(k.shape[:-1] + (n_years,))
    for u in range(n_years):
        # spend of year t (index t <= u) weighted by k(u - t)
        out[..., u] = np.einsum("tl,...lt->...l", plan[: u + 1],
                                k[..., u::-1][..., : u + 1])
    return out
