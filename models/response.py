"""Lever response curves: spend -> reduction in log units, with diminishing returns.

A lever's effect is measured in log units so that several levers hitting one market
combine multiplicatively: a cut of ``s`` is ``z = -ln(1 - s)`` and supply (or deaths)
fall by the factor ``exp(-sum z)``.

Two forms, both concave and increasing in effective spend ``E`` ($M per year):

* ``saturating``: ``z(E) = cap * (1 - exp(-slope0 * E / cap))``
* ``linear_cap``: ``z(E) = min(slope0 * E, cap)``

``cap = -ln(1 - max_effect)`` is the largest sustained cut and ``slope0`` the initial
slope, set by the cost of the first 1% cut: ``slope0 = -ln(0.99) / cost_per_pct``.
A ``max_effect`` of 0 is "no effect" (the curve is flat at 0), never an infinite cost.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SATURATING",
    "LINEAR_CAP",
    "FORMS",
    "LOG_ONE_PERCENT",
    "log_cap",
    "initial_slope",
    "response",
    "response_slope",
    "saturating_rate",
]

SATURATING = 0
LINEAR_CAP = 1
FORMS = {"saturating": SATURATING, "linear_cap": LINEAR_CAP}

#: A 1% cut in log units, -ln(0.99).
LOG_ONE_PERCENT = -np.log(0.99)


def log_cap(max_effect):
    """Largest cut in log units.

    Parameters
    ----------
    max_effect : array_like
        Largest sustained cut as a fraction in [0, 1).

    Returns
    -------
    ndarray
        ``-ln(1 - max_effect)`` (dimensionless log units).
    """
    return -np.log1p(-np.asarray(max_effect, dtype=float))


def initial_slope(cost_per_pct):
    """Initial slope of a response curve.

    Parameters
    ----------
    cost_per_pct : array_like
        Cost of the first 1% cut, $M per year (> 0).

    Returns
    -------
    ndarray
        Log units per $M per year.
    """
    return LOG_ONE_PERCENT / np.asarray(cost_per_pct, dtype=float)


#: Largest saturation rate (per $M): a curve that saturates within a millionth of a
#: dollar is a step already, and capping keeps inf * 0 out of the arithmetic.
MAX_RATE = 1e12


def _ratio(slope0, cap):
    # slope0 / cap, with a zero cap ("no effect") giving 0 rather than inf.
    cap = np.asarray(cap, dtype=float)
    safe = np.where(cap > 0, cap, 1.0)
    with np.errstate(over="ignore", divide="ignore"):
        return np.where(cap > 0, np.minimum(slope0 / safe, MAX_RATE), 0.0)


def _scaled(slope0, cap, e):
    # (slope0 / cap) * E; a tiny cap may overflow to inf (the curve is then a step at
    # E = 0, which exp(-inf) = 0 represents), but E = 0 must give 0, never inf * 0.
    with np.errstate(over="ignore", invalid="ignore"):
        t = _ratio(slope0, cap) * e
    return np.where(e == 0, 0.0, t)


def response(effective_spend, form, cap, slope0):
    """Reduction in log units for an effective spend.

    Parameters
    ----------
    effective_spend : array_like
        Effective spend ``E``, $M per year (broadcast against the other arguments).
    form : array_like of int
        ``SATURATING`` or ``LINEAR_CAP``.
    cap : array_like
        Largest cut in log units (see `log_cap`).
    slope0 : array_like
        Initial slope, log units per $M (see `initial_slope`).

    Returns
    -------
    ndarray
        ``z(E)`` in log units; 0 at ``E = 0``; concave and non-decreasing in ``E``.
    """
    e = np.asarray(effective_spend, dtype=float)
    cap = np.asarray(cap, dtype=float)
    sat = cap * -np.expm1(-_scaled(slope0, cap, e))
    lin = np.minimum(slope0 * e, cap)
    return np.where(np.asarray(form) == SATURATING, sat, lin)


def response_slope(effective_spend, form, cap, slope0):
    """Derivative of `response` with respect to effective spend.

    At the kink of ``linear_cap`` this returns the right derivative (0), the value a
    further $1M earns.

    Returns
    -------
    ndarray
        Log units per $M per year.
    """
    e = np.asarray(effective_spend, dtype=float)
    cap = np.asarray(cap, dtype=float)
    slope0 = np.asarray(slope0, dtype=float)
    sat = np.where(cap > 0, slope0 * np.exp(-_scaled(slope0, cap, e)), 0.0)
    lin = np.where(slope0 * e < cap, slope0, 0.0)
    return np.where(np.asarray(form) == SATURATING, sat, lin)




def saturating_rate(cap, slope0):
    """``slope0 / cap``: the ``saturating`` curve is ``cap (1 - exp(-rate E))``
    (0 for a zero cap, "no effect").

    Returns
    -------
    ndarray
        Per $M per year.
    """
    return _ratio(np.asarray(slope0, dtype=float), cap)
