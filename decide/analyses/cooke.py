"""Cooke's classical model of structured expert judgement: calibration and information
scores, performance weights, and the weighted decision maker's quantiles.

Each expert gives quantiles (by default the 5%, 50% and 95%) for seed questions whose
true values (realizations) the analyst knows. Scores, as published by Cooke (Experts in
Uncertainty, Oxford University Press, 1991) and taught in TU Delft's course "Decision
Making Under Uncertainty: Introduction to Structured Expert Judgment" (OpenCourseWare,
readings 2.3.4, 2.6.4 and 3.7.3):

- **calibration** (statistical accuracy): with ``p`` the probabilities of the inter-quantile
  bins (0.05, 0.45, 0.45, 0.05) and ``s`` the share of the ``N`` realizations that fall in
  each bin, ``C = 1 - F(2 N I(s, p))``, ``I(s, p) = sum s_i ln(s_i / p_i)`` and ``F`` the
  chi-square distribution function with (number of quantiles) degrees of freedom;
- **information**: per question, the relative information of the expert's minimum-information
  density (uniform between consecutive quantiles on the *intrinsic range* ``[L*, U*]``)
  with respect to the uniform density on that range, averaged over the questions.
  ``[L, U]`` is the smallest interval holding every expert's quantiles and the realization;
  ``L* = L - k (U - L)``, ``U* = U + k (U - L)``, overshoot ``k = 0.1``;
- **weights**: proportional to calibration x information, zero for experts whose
  calibration is below a cutoff ``alpha`` (default 0: every expert keeps a weight).

The decision maker (DM) is the linear pool: its distribution function is the weighted sum
of the experts' piecewise-linear distribution functions on the intrinsic range.

This module is pure numpy/scipy: it knows nothing of scenarios (`decide.analyses.elicitation`
reads the panel's files and calls it).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..arguments import check_real
from ..errors import ScenarioError

__all__ = ["PROBS", "calibration", "information", "intrinsic_range", "cooke_weights",
           "pool_quantiles"]

#: The quantiles elicited by default (5%, 50%, 95%).
PROBS = (0.05, 0.5, 0.95)


def _check(quantiles, realizations=None, probs=None, where="cooke"):
    """The arguments as float arrays, checked: quantiles (E, Q, K) increasing along K,
    realizations (Q,), probs (K,) increasing in (0, 1)."""
    q = np.asarray(quantiles, dtype=float)
    k = q.shape[-1] if q.ndim == 3 else 0
    if q.ndim != 3 or q.shape[0] < 1 or q.shape[1] < 1 or k < 1 or (
            probs is not None and k != len(probs)):
        raise ScenarioError(f"must have shape (experts, questions, "
                            f"{len(probs) if probs is not None else 'quantiles'})",
                            file=f"<{where}>", key="quantiles", value=list(q.shape))
    if not np.isfinite(q).all():
        raise ScenarioError("must be finite numbers", file=f"<{where}>", key="quantiles",
                            has_value=False)
    bad = np.argwhere(np.diff(q, axis=2) <= 0)
    if bad.size:
        e, j, _ = bad[0]
        raise ScenarioError("must increase strictly across the quantiles",
                            file=f"<{where}>", key=f"quantiles[{e}][{j}]",
                            value=q[e, j].tolist())
    p = None if probs is None else np.asarray(probs, dtype=float)
    if p is not None and not (np.all(np.diff(p) > 0) and p[0] > 0 and p[-1] < 1):
        raise ScenarioError("must increase strictly within (0, 1)", file=f"<{where}>",
                            key="probs", value=list(probs))
    if realizations is None:
        return q, None, p
    r = np.asarray(realizations, dtype=float)
    if r.shape != (q.shape[1],) or not np.isfinite(r).all():
        raise ScenarioError(f"must be {q.shape[1]} finite numbers, one per question",
                            file=f"<{where}>", key="realizations", has_value=False)
    return q, r, p


def _bin_probabilities(p):
    """Probabilities of the inter-quantile bins: (p1, p2 - p1, ..., 1 - pK)."""
    return np.diff(np.concatenate([[0.0], p, [1.0]]))


def calibration(quantiles, realizations, probs=PROBS):
    """Calibration (statistical accuracy) score of each expert.

    Parameters
    ----------
    quantiles : array_like, shape (E, Q, K)
        Expert ``e``'s quantiles of seed question ``q`` at levels ``probs``, increasing.
    realizations : array_like, shape (Q,)
        The true values.
    probs : sequence of float
        The quantile levels (default 5%, 50%, 95%).

    Returns
    -------
    numpy.ndarray, shape (E,)
        ``1 - F(2 Q I(s, p))``: the p-value at which the hypothesis "the expert's
        quantiles are statistically accurate" would be rejected (1 is best).

    Examples
    --------
    One expert whose 10 realizations fall in the bins 1, 2, 5 and 2 times (TU Delft
    OpenCourseWare, reading 2.3.4: calibration 0.19):

    >>> import numpy as np
    >>> q = np.tile([1.0, 2.0, 3.0], (1, 10, 1))
    >>> r = np.array([0.5] + [1.5] * 2 + [2.5] * 5 + [3.5] * 2)
    >>> round(float(calibration(q, r)[0]), 2)
    0.19
    """
    q, r, p = _check(quantiles, realizations, probs)
    bins = (r[None, :, None] > q).sum(axis=2)  # 0: r <= q1; 1: q1 < r <= q2; ...
    counts = np.stack([(bins == b).sum(axis=1) for b in range(len(p) + 1)], axis=1)
    s = counts / q.shape[1]
    bp = _bin_probabilities(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(s > 0, s * np.log(s / bp), 0.0).sum(axis=1)
    return stats.chi2.sf(2 * q.shape[1] * rel, len(p))


def intrinsic_range(quantiles, realizations=None, overshoot=0.1):
    """The intrinsic range ``[L*, U*]`` of each question.

    Returns
    -------
    low, high : numpy.ndarray, shape (Q,)
        ``L - k (U - L)`` and ``U + k (U - L)``, where ``[L, U]`` holds every expert's
        quantiles (and the realization, if given).

    Examples
    --------
    >>> lo, hi = intrinsic_range([[[10, 40, 60]]], [25])
    >>> float(lo[0]), float(hi[0])
    (5.0, 65.0)
    """
    q, r, _ = _check(quantiles, realizations)
    k = check_real("overshoot", overshoot, 0, 10, where="cooke")
    lo, hi = q.min(axis=(0, 2)), q.max(axis=(0, 2))
    if r is not None:
        lo, hi = np.minimum(lo, r), np.maximum(hi, r)
    width = hi - lo
    return lo - k * width, hi + k * width


def information(quantiles, realizations=None, probs=PROBS, overshoot=0.1):
    """Information score of each expert: mean relative information over the questions.

    Parameters
    ----------
    quantiles : array_like, shape (E, Q, K)
    realizations : array_like, shape (Q,), optional
        Widen each question's intrinsic range to hold its realization (seed questions).
    probs : sequence of float
    overshoot : float
        ``k`` of the intrinsic range (default 10%).

    Returns
    -------
    numpy.ndarray, shape (E,)
        ``mean_q [ln(U* - L*) + sum_i p_i ln p_i - sum_i p_i ln(q_i - q_(i-1))]`` with
        ``q_0 = L*`` and ``q_(K+1) = U*`` (0 for an expert as vague as the background).

    Examples
    --------
    Question 2 of expert E in TU Delft's MORE lecture notes ("Information score"):
    quantiles 0.002, 0.02 and 0.05, realization 0.0011, one expert: 0.055.

    >>> information([[[0.002, 0.02, 0.05]]], [0.0011]).round(3).tolist()
    [0.055]
    """
    q, r, p = _check(quantiles, realizations, probs)
    lo, hi = intrinsic_range(q, r, overshoot)
    edges = np.concatenate([np.broadcast_to(lo[None, :, None], q.shape[:2] + (1,)), q,
                            np.broadcast_to(hi[None, :, None], q.shape[:2] + (1,))], axis=2)
    bp = _bin_probabilities(p)
    per_question = (np.log(hi - lo)[None, :] + (bp * np.log(bp)).sum()
                    - (bp * np.log(np.diff(edges, axis=2))).sum(axis=2))
    return per_question.mean(axis=1)


def cooke_weights(quantiles, realizations, probs=PROBS, overshoot=0.1, cutoff=0.0):
    """Performance weights of the classical model (global weights).

    Parameters
    ----------
    quantiles : array_like, shape (E, Q, K)
        Answers to the seed questions.
    realizations : array_like, shape (Q,)
    cutoff : float
        Calibration below which an expert gets no weight (``alpha``; 0 keeps everyone).

    Returns
    -------
    weights, calibration, information : numpy.ndarray, shape (E,)
        ``weights`` sum to 1; proportional to calibration x information (over the seed
        questions) for experts at or above the cutoff.

    Raises
    ------
    ScenarioError
        When no expert reaches the cutoff.

    Examples
    --------
    TU Delft OpenCourseWare, reading 3.7.3 ("Intelligence and other life aspects"):
    three experts, five seed questions.

    >>> import numpy as np
    >>> q = np.array([[[2, 5, 7], [12, 13, 15], [87, 89, 92], [2, 5, 8], [48, 50, 52]],
    ...               [[20, 23, 34], [8, 10, 11], [60, 70, 90], [20, 35, 45], [30, 35, 40]],
    ...               [[20, 25, 28], [10, 13, 15], [65, 67, 70], [42, 44, 46], [32, 33, 35]]])
    >>> w, cal, inf = cooke_weights(q, [24, 11, 68, 47, 31])
    >>> cal.round(3).tolist(), inf.round(3).tolist(), w.round(3).tolist()
    ([0.0, 0.608, 0.327], [1.418, 0.558, 1.354], [0.0, 0.434, 0.566])
    """
    cutoff = check_real("cutoff", cutoff, 0, 1, high_open=True, where="cooke")
    cal = calibration(quantiles, realizations, probs)
    inf = information(quantiles, realizations, probs, overshoot)
    raw = cal * inf * (cal >= cutoff)
    if not raw.sum() > 0:
        raise ScenarioError(f"no expert has a calibration score of at least {cutoff:g}",
                            file="<cooke>", key="cutoff", value=cutoff)
    return raw / raw.sum(), cal, inf


def pool_quantiles(quantiles, weights, realizations=None, probs=PROBS, overshoot=0.1,
                   levels=None):
    """Quantiles of the decision maker (the weighted linear pool) per question.

    Each expert's distribution is the minimum-information one: its distribution function
    is linear between consecutive quantiles on the intrinsic range. The pool's
    distribution function is their weighted sum, piecewise linear too, and is inverted
    exactly.

    Parameters
    ----------
    quantiles : array_like, shape (E, Q, K)
    weights : array_like, shape (E,)
        Non-negative, summing to 1 (equal weights: ``1 / E`` each).
    realizations : array_like, shape (Q,), optional
        Widen the intrinsic ranges to hold them (as the scores do).
    levels : sequence of float, optional
        The pool's quantile levels (default ``probs``).

    Returns
    -------
    numpy.ndarray, shape (Q, len(levels))

    Examples
    --------
    Question 1 of TU Delft OpenCourseWare reading 3.7.3, equal weights: the equal-weight
    DM's 5%, 50% and 95% quantiles are 2.55, 21.77 and 32.39.

    >>> import numpy as np
    >>> q = np.array([[[2, 5, 7]], [[20, 23, 34]], [[20, 25, 28]]], dtype=float)
    >>> pool_quantiles(q, [1 / 3] * 3, [24]).round(2).tolist()
    [[2.55, 21.77, 32.39]]
    """
    q, r, p = _check(quantiles, realizations, probs)
    w = np.asarray(weights, dtype=float)
    if w.shape != (q.shape[0],) or (w < 0).any() or not np.isclose(w.sum(), 1.0):
        raise ScenarioError("must be one non-negative weight per expert, summing to 1",
                            file="<cooke>", key="weights", value=w.tolist())
    levels = np.asarray(p if levels is None else levels, dtype=float)
    lo, hi = intrinsic_range(q, r, overshoot)
    grid_p = np.concatenate([[0.0], p, [1.0]])
    out = np.empty((q.shape[1], len(levels)))
    for j in range(q.shape[1]):
        knots = np.concatenate([[lo[j]], q[:, j].ravel(), [hi[j]]])
        knots = np.unique(knots)
        cdf = np.zeros_like(knots)
        for e in range(q.shape[0]):
            xs = np.concatenate([[lo[j]], q[e, j], [hi[j]]])
            cdf += w[e] * np.interp(knots, xs, grid_p)
        out[j] = np.interp(levels, cdf, knots)
    return out
