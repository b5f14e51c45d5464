"""Scenario discovery: where does the decision break? Re-optimised Monte Carlo (the draws
of `monte_carlo`), a definition of failure per draw, and PRIM (the Patient Rule Induction
Method, Friedman & Fisher 1999, as implemented in the EMA Workbench) to find boxes of
assumptions - a few parameters each restricted to a range - where failures concentrate.

Failure is one of (`Failure`):

- ``regret>5%`` (the default): the reference allocation (by default the base-case optimum,
  `decide.optimize`) forgoes more than 5% of the deaths that draw's own optimum averts;
  ``regret>100``: more than 100 deaths over the horizon (the optimiser's objective:
  discounted when the scenario discounts);
- ``share:<lever>>10``: the draw's optimum gives ``<lever>`` a share of the budget more
  than 10 percentage points away from the reference allocation's;
- ``top_lever``: the lever with the largest spend in the draw's optimum is not the
  reference allocation's (ties within $1,000 a year count as no change).

PRIM peels on half of the draws (the even-numbered ones: the "learning" half) and every
box is checked on the other half (held out; PRIM is greedy and fits noise): a box is kept
only when its held-out density is at least ``min_density`` and significantly above the
held-out base rate (one-sided binomial test, p < 0.01). Restrictions whose quasi-p-value
(Bryant & Lempert 2010, as the EMA Workbench computes it: a one-sided binomial test of the
box against the box without that restriction) is not below 0.05 are dropped before that
check. When nothing passes, no box is reported, and `Discovery.note` says why.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..arguments import check_executor, check_int, check_real, check_seed
from ..errors import ScenarioError
from ..optimization import check_feasible, optimize
from ..optimization.evaluation import as_plan
from ..scenario import suggest
from .common import deaths_at, uncertain
from .executors import solve_draws_on
from .sampling import root_seed, sample_parameters

__all__ = ["Failure", "Discovery", "discover", "find_boxes", "DEFAULT_FAILURE"]

#: The failure `discover` looks for unless told otherwise.
DEFAULT_FAILURE = "regret>5%"
#: Quasi-p-value at or above which a restriction is dropped (Bryant & Lempert 2010).
QP_MAX = 0.05
#: Held-out binomial p-value below which a box is kept.
KEEP_P = 0.01
#: Trajectory steps whose coverage x density is at least this share of the best are
#: equally good candidates (see `_choose`).
PLATEAU = 0.95
#: Fewest failures in the learning half for PRIM to search at all.
MIN_FAILURES = 10
#: Spend ($M per year) within which two levers tie for the top.
_TIE = 1e-3

_GRAMMAR = re.compile(
    r"^\s*(?:(?P<regret>regret)\s*>\s*(?P<rvalue>[0-9.eE+-]+)\s*(?P<pct>%)?"
    r"|share\s*:\s*(?P<lever>[A-Za-z_][A-Za-z0-9_]*)\s*>\s*(?P<points>[0-9.eE+-]+)"
    r"|(?P<top>top[_-]lever))\s*$")


@dataclass(frozen=True)
class Failure:
    """What counts as the decision failing in a draw.

    Build one with `Failure.regret`, `Failure.share`, `Failure.top_lever` or
    `Failure.parse` (``"regret>5%"``, ``"regret>100"``, ``"share:precursor>10"``,
    ``"top_lever"``).

    Attributes
    ----------
    kind : {"regret", "share", "top_lever"}
    threshold : float or None
        Deaths (regret in deaths), percent (regret as a share of the draw's optimum's
        deaths averted) or percentage points of the budget (share).
    unit : {"deaths", "percent", "points", ""}
    lever : str or None
        The lever of a ``share`` failure.

    Examples
    --------
    >>> str(Failure.parse("regret > 5 %")), str(Failure.share("precursor", 10))
    ('regret>5%', 'share:precursor>10')
    >>> Failure.parse("regret>-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: <discover>: failure = 'regret>-1': ...
    """

    kind: str
    threshold: float | None = None
    unit: str = ""
    lever: str | None = None

    @classmethod
    def regret(cls, *, deaths=None, percent=None):
        """Regret of the reference allocation above ``deaths`` (over the horizon) or
        above ``percent`` % of the deaths the draw's own optimum averts."""
        if (deaths is None) == (percent is None):
            raise ScenarioError("give exactly one of deaths= or percent=",
                                file="<discover>", key="failure", has_value=False)
        if percent is not None:
            v = check_real("failure", percent, 0, 100, low_open=True, what="percent",
                           where="discover")
            return cls("regret", v, "percent")
        v = check_real("failure", deaths, 0, low_open=True, what="deaths",
                       where="discover")
        return cls("regret", v, "deaths")

    @classmethod
    def share(cls, lever, points):
        """The draw's optimum moves ``lever``'s share of the budget by more than
        ``points`` percentage points from the reference allocation's."""
        if not isinstance(lever, str) or not lever:
            raise ScenarioError("must be a lever name", file="<discover>",
                                key="failure.lever", value=lever)
        v = check_real("failure", points, 0, 100, low_open=True,
                       what="percentage points of the budget", where="discover")
        return cls("share", v, "points", lever)

    @classmethod
    def top_lever(cls):
        """The draw's optimum puts the most money on another lever."""
        return cls("top_lever")

    @classmethod
    def parse(cls, text):
        """A `Failure` from its text form (see the class docstring)."""
        if isinstance(text, Failure):
            return text
        m = _GRAMMAR.match(text) if isinstance(text, str) else None
        if m is None:
            raise ScenarioError("must be 'regret>X%' (percent of the optimum's deaths "
                                "averted), 'regret>X' (deaths), 'share:<lever>>X' "
                                "(percentage points) or 'top_lever'",
                                file="<discover>", key="failure", value=text)
        try:
            if m["regret"]:
                value = float(m["rvalue"])
                return (cls.regret(percent=value) if m["pct"] else
                        cls.regret(deaths=value))
            if m["lever"]:
                return cls.share(m["lever"], float(m["points"]))
        except (ScenarioError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, ScenarioError) else "not a number"
            raise ScenarioError(reason, file="<discover>", key="failure",
                                value=text) from None
        return cls.top_lever()

    def __str__(self):
        if self.kind == "regret":
            return f"regret>{self.threshold:g}{'%' if self.unit == 'percent' else ''}"
        if self.kind == "share":
            return f"share:{self.lever}>{self.threshold:g}"
        return "top_lever"

    def describe(self, lever_label=None):
        """The failure in words (the one wording: the app and the CLI use it too).

        Parameters
        ----------
        lever_label : str, optional
            The lever's label for a share failure (default: its name).
        """
        if self.kind == "regret" and self.unit == "percent":
            return (f"the allocation forgoes more than {self.threshold:g}% of the deaths "
                    "the world's own optimum averts")
        if self.kind == "regret":
            return (f"the allocation forgoes more than {self.threshold:g} deaths against "
                    "the world's own optimum")
        if self.kind == "share":
            return (f"the world's optimum moves {lever_label or self.lever}'s share of the "
                    f"budget by more than {self.threshold:g} percentage points")
        return "the world's optimum puts the most money on another lever"

    def _check_lever(self, sc):
        if self.kind == "share" and self.lever not in sc.lever_names:
            raise ScenarioError("not a lever of this scenario"
                                + suggest(self.lever, sc.lever_names),
                                file="<discover>", key="failure.lever", value=self.lever)

    def evaluate(self, x0, spend, regret, best, budget, levers):
        """Whether each draw fails.

        Parameters
        ----------
        x0 : ndarray, shape (L,)
            The reference allocation ($M per year).
        spend : ndarray, shape (N, L)
            Each draw's optimal allocation ($M per year).
        regret : ndarray, shape (N,)
            Deaths the reference allocation forgoes in each draw (objective).
        best : ndarray, shape (N,)
            Deaths each draw's optimum averts (objective).
        budget : float
            $M per year (shares are of the budget).
        levers : list of str
            Lever names, in the order of the columns of ``spend``.

        Returns
        -------
        numpy.ndarray of bool, shape (N,)
        """
        if self.kind == "regret" and self.unit == "percent":
            return regret > self.threshold / 100 * np.maximum(best, 1e-9)
        if self.kind == "regret":
            return regret > self.threshold
        if self.kind == "share":
            i = levers.index(self.lever)
            return np.abs(spend[:, i] - x0[i]) / max(float(budget), 1e-9) * 100 \
                > self.threshold
        top = int(np.argmax(x0))
        return spend.max(axis=1) > spend[:, top] + _TIE


@dataclass(frozen=True, eq=False)
class Discovery:
    """Where the decision breaks: PRIM boxes over re-optimised draws.

    Attributes
    ----------
    failure : Failure
    allocation : pandas.Series
        The reference allocation ($M per year by lever).
    draws : pandas.DataFrame
        One row per draw: ``draw``; one column per parameter given to PRIM (those that
        vary, without ``[outcomes]`` values, and without ``mexico.*`` unless the scenario
        caps Mexican homicides: they cannot move the allocation otherwise); ``spend.<lever>``
        of the draw's optimum ($M per year); ``regret`` (deaths the reference allocation
        forgoes over the horizon, in the optimiser's objective); ``regret_percent`` (of
        the deaths the draw's optimum averts); ``failed``; ``learning`` (in the half
        PRIM peeled on); ``box`` (the first kept box holding the draw, 0 for none).
    trajectory : pandas.DataFrame
        PRIM's peeling and pasting trajectory of every candidate box: ``box`` (1, 2, ...),
        ``step``, ``coverage`` and ``density`` (learning half), ``res_dim`` (restricted
        parameters), ``mass`` (share of the learning draws in the box),
        ``test_coverage`` and ``test_density`` (held-out half), ``selected`` (the step
        chosen) and ``kept`` (whether that candidate became a box).
    boxes : pandas.DataFrame
        One row per kept box: ``box``, ``coverage`` and ``density`` on the held-out
        draws (the figures to quote), ``coverage_in_sample``, ``density_in_sample``,
        ``mass`` (share of all draws in the box and in no earlier box), ``res_dim``,
        ``failures`` and ``draws`` (held-out counts in the box), ``p_value`` (held-out
        one-sided binomial test against the base rate). Coverage counts failures from
        all draws, density is among the draws not in earlier boxes.
    restrictions : pandas.DataFrame
        One row per restricted parameter of each kept box: ``box``, ``parameter``,
        ``low``, ``high`` (the box: the parameter's own low or high where that side is
        not restricted), ``side`` (``above``, ``below`` or ``between``), ``qp_low`` and
        ``qp_high`` (quasi-p-values of the lower and upper limits, NaN when that side is
        not restricted), ``unit``, ``range_low``, ``range_high`` (the parameter's range).
    base_rate : float
        Share of all draws that fail.
    note : str
        Why the search stopped (or why no box was kept).
    seed_entropy : int
        Repeats the draws (``seed=seed_entropy``).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> d = decide.discover(sc, n=200, seed=0, failure="top_lever")
    >>> str(d.failure), d.allocation.tolist()  # the reference allocation, $M per year
    ('top_lever', [300.0, 400.0, 0.0, 300.0])
    >>> int(d.draws["failed"].sum()), d.base_rate  # draws whose optimum leads elsewhere
    (46, 0.23)
    >>> for line in d.describe():
    ...     print(line)
    Failure: the world's optimum puts the most money on another lever (23% of 200 draws).
    No box worth keeping: candidate box 1: no restriction is significant (quasi-p < 0.05)
    """

    failure: Failure
    allocation: pd.Series
    draws: pd.DataFrame
    trajectory: pd.DataFrame
    boxes: pd.DataFrame
    restrictions: pd.DataFrame
    base_rate: float
    note: str
    seed_entropy: int

    def describe(self):
        """The boxes in words, one sentence each (or the reason there is none).

        Returns
        -------
        list of str
        """
        head = (f"Failure: {self.failure.describe()} ({self.base_rate:.0%} of "
                f"{len(self.draws):,} draws).")
        if self.boxes.empty:
            return [head, f"No box worth keeping: {self.note}"]
        out = [head]
        for box in self.boxes.itertuples(index=False):
            parts = []
            for r in self.restrictions[self.restrictions["box"] == box.box].itertuples(
                    index=False):
                unit = f" {r.unit}" if r.unit else ""
                if r.side == "above":
                    parts.append(f"{r.parameter} above {r.low:.4g}{unit}")
                elif r.side == "below":
                    parts.append(f"{r.parameter} below {r.high:.4g}{unit}")
                else:
                    parts.append(f"{r.parameter} between {r.low:.4g} and "
                                 f"{r.high:.4g}{unit}")
            out.append(f"Box {box.box}: " + "; ".join(parts)
                       + f". It holds {box.mass:.0%} of the draws; on the held-out draws "
                       f"{box.density:.0%} of those in it fail and it covers "
                       f"{box.coverage:.0%} of all failures (p = {box.p_value:.2g}).")
        return out


def _prim_module():
    """EMA Workbench's PRIM, imported on first use (it takes a second or two)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "ipyparallel not installed"
        from ema_workbench.analysis import prim
    return prim


def _limits(box_lim, box_init):
    """{parameter: (low or -inf, high or +inf)} of the restricted parameters."""
    out = {}
    for col in box_init.columns:
        lo, hi = float(box_lim.at[0, col]), float(box_lim.at[1, col])
        lo0, hi0 = float(box_init.at[0, col]), float(box_init.at[1, col])
        if lo != lo0 or hi != hi0:
            out[col] = (lo if lo != lo0 else -math.inf, hi if hi != hi0 else math.inf)
    return out


def _inside(x, limits):
    mask = np.ones(len(x), dtype=bool)
    for col, (lo, hi) in limits.items():
        v = x[col].to_numpy()
        mask &= (v >= lo) & (v <= hi)
    return mask


def _choose(traj, min_density):
    """The step of the trajectory to keep, from the learning half alone: among steps
    whose density reaches ``min_density``, those whose coverage x density is within
    `PLATEAU` of the largest; of these the one with the fewest restricted parameters,
    then the densest. (Coverage x density is flat over a long stretch of a typical
    trajectory; taking its bare maximum would pick a box at the edge of
    ``min_density``.)"""
    ok = traj[(traj["density"] >= min_density) & (traj["res_dim"] > 0)]
    if ok.empty:
        return None
    score = ok["coverage"] * ok["density"]
    plateau = ok[score >= PLATEAU * score.max()]
    return int(plateau.sort_values(["res_dim", "density", "coverage"],
                                   ascending=[True, False, False]).index[0])


def _prune(box, prim_obj, i):
    """Select step ``i`` and drop, one at a time, the least significant restricted side
    while its quasi-p-value is at least `QP_MAX`. Returns the final limits and quasi-p
    values by parameter."""
    box.select(i)
    lims = box.box_lims[i].copy()
    qp = box.qp[i]
    while True:
        worst, side, value = None, None, QP_MAX
        for col, (qlo, qhi) in qp.items():
            for s, q in ((0, qlo), (1, qhi)):
                if q is not None and q >= 0 and q >= value:
                    worst, side, value = col, s, q
        if worst is None:
            return lims, qp
        lims = lims.copy()
        lims.at[side, worst] = prim_obj.box_init.at[side, worst]
        x_rem = prim_obj.x.loc[prim_obj.yi_remaining]
        inside = _inside(x_rem, _limits(lims, prim_obj.box_init))
        box.update(lims, prim_obj.yi_remaining[inside])
        qp = box.qp[-1]


def find_boxes(x, failed, *, learning=None, min_density=0.5, max_boxes=3, peel_alpha=0.05,
               mass_min=0.05):
    """PRIM boxes where ``failed`` concentrates, each checked on held-out rows.

    Parameters
    ----------
    x : pandas.DataFrame
        One numeric column per parameter, one row per draw.
    failed : array_like of bool
        Per row.
    learning : array_like of bool, optional
        Rows PRIM peels on; the others test each box. Default: even-numbered rows.
    min_density : float
        Held-out share of failures a box needs (and the learning density a trajectory
        step needs to be chosen).
    max_boxes : int
        Boxes to look for, one after another (each on the draws outside earlier boxes).
    peel_alpha, mass_min : float
        PRIM's peeling fraction and the smallest box (share of the learning rows).

    Returns
    -------
    boxes, restrictions, trajectory : pandas.DataFrame
        As in `Discovery` (with ``mass`` the share of all rows in the box).
    note : str
        Why the search stopped.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    >>> boxes, restrictions, trajectory, note = find_boxes(x, x["b"] > 0.7)
    >>> r = restrictions.iloc[0]
    >>> r["parameter"], r["side"], bool(abs(r["low"] - 0.7) < 0.05)
    ('b', 'above', True)
    >>> find_boxes(x, rng.random(2000) < 0.3)[0].empty  # noise: no box
    True
    """
    failed = np.asarray(failed, dtype=bool)
    if failed.shape != (len(x),):
        raise ScenarioError("must be one boolean per row of x", file="<discover>",
                            key="failed", has_value=False)
    learning = (np.arange(len(x)) % 2 == 0) if learning is None else np.asarray(
        learning, dtype=bool)
    min_density = check_real("min_density", min_density, 0, 1, low_open=True,
                             where="discover")
    max_boxes = check_int("max_boxes", max_boxes, 1, 20, where="discover")
    x = x.loc[:, [c for c in x.columns if x[c].nunique() > 1]].reset_index(drop=True)
    x = x.astype(float)
    xl, yl = x[learning].reset_index(drop=True), failed[learning].astype(int)
    xt, yt = x[~learning].reset_index(drop=True), failed[~learning]
    empty = (pd.DataFrame(columns=["box", "coverage", "density", "coverage_in_sample",
                                   "density_in_sample", "mass", "res_dim", "failures",
                                   "draws", "p_value"]),
             pd.DataFrame(columns=["box", "parameter", "low", "high", "side", "qp_low",
                                   "qp_high"]),
             pd.DataFrame(columns=["box", "step", "coverage", "density", "res_dim", "mass",
                                   "test_coverage", "test_density", "selected", "kept"]))
    if x.shape[1] == 0:
        return (*empty, "no parameter varies")
    n_fail = int(yl.sum())
    if n_fail < MIN_FAILURES:
        return (*empty, f"only {n_fail} of the {len(yl):,} learning draws fail (PRIM "
                f"needs at least {MIN_FAILURES})")
    if n_fail == len(yl):
        return (*empty, "every draw fails: there is no region to single out")
    from scipy import stats

    prim = _prim_module()
    boxes, restrictions, trajectories = [], [], []
    test_left = np.ones(len(xt), dtype=bool)
    test_failures = max(int(yt.sum()), 1)
    with warnings.catch_warnings():
        # pandas' deprecation notices about the library's own calls are not ours to fix
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        alg = prim.Prim(xl, yl, threshold=1e-9, peel_alpha=peel_alpha,
                        paste_alpha=peel_alpha, mass_min=mass_min)
        note = f"found {max_boxes} boxes (the most asked for)"
        for b in range(1, max_boxes + 1):
            left = yl[alg.yi_remaining]
            if left.sum() < MIN_FAILURES or left.sum() == len(left):
                note = (f"after {b - 1} box(es), {int(left.sum())} failures remain in "
                        f"{len(left):,} learning draws: nothing left to single out")
                break
            box = alg.find_box()
            traj = box.peeling_trajectory.copy().reset_index(drop=True)
            steps = len(traj)
            test_cov, test_den = [], []
            for i in range(steps):
                inside = test_left & _inside(xt, _limits(box.box_lims[i], alg.box_init))
                k = int(yt[inside].sum())
                test_cov.append(k / test_failures)
                test_den.append(k / inside.sum() if inside.any() else np.nan)
            frame = pd.DataFrame({"box": b, "step": np.arange(steps),
                                  "coverage": traj["coverage"].astype(float),
                                  "density": traj["density"].astype(float),
                                  "res_dim": traj["res_dim"].astype(int),
                                  "mass": traj["mass"].astype(float),
                                  "test_coverage": test_cov, "test_density": test_den,
                                  "selected": False, "kept": False})
            trajectories.append(frame)
            i = _choose(frame, min_density)
            if i is None:
                note = (f"candidate box {b}: no step of PRIM's trajectory reaches a "
                        f"density of {min_density:.0%} on the learning draws (best "
                        f"{frame['density'].max():.0%})")
                break
            frame.loc[i, "selected"] = True
            lims, qp = _prune(box, alg, i)
            limits = _limits(lims, alg.box_init)
            if not limits:
                note = (f"candidate box {b}: no restriction is significant "
                        f"(quasi-p < {QP_MAX})")
                break
            inside_t = test_left & _inside(xt, limits)
            m, k = int(inside_t.sum()), int(yt[inside_t].sum())
            base = yt[test_left].mean()
            p_value = (stats.binomtest(k, m, base, alternative="greater").pvalue
                       if m and 0 < base < 1 else 1.0)
            density = k / m if m else 0.0
            if density < min_density or p_value >= KEEP_P:
                note = (f"candidate box {b} fails on the held-out draws: density "
                        f"{density:.0%} (needs {min_density:.0%}) against a base rate of "
                        f"{base:.0%}, binomial p = {p_value:.2g} (needs < {KEEP_P})")
                break
            frame["kept"] = True
            in_learn = alg.yi_remaining[_inside(alg.x.loc[alg.yi_remaining], limits)]
            boxes.append({"box": b, "coverage": k / test_failures, "density": density,
                          "coverage_in_sample": yl[in_learn].sum() / max(n_fail, 1),
                          "density_in_sample": (yl[in_learn].mean() if len(in_learn)
                                                else np.nan),
                          "mass": (len(in_learn) + m) / len(x),
                          "res_dim": len(limits), "failures": k, "draws": m,
                          "p_value": float(p_value)})
            for col, (lo, hi) in limits.items():
                qlo, qhi = qp.get(col, [-1, -1])
                side = ("between" if math.isfinite(lo) and math.isfinite(hi) else
                        "above" if math.isfinite(lo) else "below")
                restrictions.append({"box": b, "parameter": col, "low": lo, "high": hi,
                                     "side": side,
                                     "qp_low": qlo if qlo is not None and qlo >= 0
                                     else np.nan,
                                     "qp_high": qhi if qhi is not None and qhi >= 0
                                     else np.nan})
            test_left &= ~inside_t
    out_boxes = pd.DataFrame(boxes, columns=empty[0].columns)
    out_restr = pd.DataFrame(restrictions, columns=empty[1].columns)
    out_traj = (pd.concat(trajectories, ignore_index=True) if trajectories else empty[2])
    return out_boxes, out_restr, out_traj, note


def discover(sc, *, n, seed, failure=DEFAULT_FAILURE, allocation=None, min_density=0.5,
             max_boxes=3, executor=None):
    """Where the decision breaks: PRIM over re-optimised Monte Carlo draws.

    Parameters
    ----------
    sc : Scenario
    n : int
        Draws (those of ``monte_carlo(sc, n=n, seed=seed)``), at least 100.
    seed : int or None
        ``None`` draws fresh entropy (recorded in ``seed_entropy``); 0 is a seed.
    failure : str or Failure
        ``"regret>5%"`` (default), ``"regret>X"`` (deaths), ``"share:<lever>>X"``
        (percentage points of the budget) or ``"top_lever"``; see `Failure`.
    allocation : Allocation, Mapping[str, float] or pandas.Series, optional
        The reference (flat) allocation, $M per year. Default: ``decide.optimize(sc)``.
    min_density : float
        Held-out share of failing draws a box must reach (default 0.5).
    max_boxes : int
        Boxes to look for (default 3).
    executor : None, "processes", dask.distributed.Client or scheduler address
        Where the per-draw optimisations run (identical results everywhere).

    Returns
    -------
    Discovery

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> d = decide.discover(sc, n=2000, seed=0, failure="top_lever")
    >>> 0 < d.base_rate < 1, set(d.boxes.columns) >= {"coverage", "density"}
    (True, True)
    >>> decide.discover(sc, n=2000, seed=0, failure="share:precursr>10")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: <discover>: failure.lever = 'precursr': not a lever ...
    """
    n = check_int("n", n, 100, 10**7, where="discover")
    seed = check_seed(seed, where="discover")
    check_executor(executor, where="discover")
    failure = Failure.parse(failure)
    failure._check_lever(sc)
    check_feasible(sc)
    if allocation is None:
        allocation = optimize(sc)
    if hasattr(allocation, "spend") and hasattr(allocation, "scenario"):  # an Allocation
        allocation = allocation.spend
    if isinstance(allocation, pd.DataFrame):
        raise ScenarioError("discovery scores a flat allocation ($M per year by lever), "
                            "not a plan", file="<discover>", key="allocation",
                            has_value=False)
    x0 = as_plan(sc, allocation)[0]
    root = root_seed(seed)
    values = sample_parameters(sc.parameters(), 0, n, root, sc.correlations, sc.posterior)
    spend, _, b, *_ = solve_draws_on(sc, values, n, executor)
    optimal = deaths_at(b, spend)
    regret = np.maximum(deaths_at(b, x0) - optimal, 0.0)
    best = b.scale.sum(axis=1) - optimal
    failed = failure.evaluate(x0, spend, regret, best, sc.budget, sc.lever_names)
    params = uncertain(sc)
    # the Mexico parameters move only the homicides, not the deaths, unless they are capped
    names = [p for p in params.index if np.ptp(values[p]) > 0 and not (
        p.startswith("mexico.") and sc.max_mexico_homicides is None)]
    x = pd.DataFrame({p: values[p] for p in names})
    learning = np.arange(n) % 2 == 0
    boxes, restrictions, trajectory, note = find_boxes(
        x, failed, learning=learning, min_density=min_density, max_boxes=max_boxes)
    # the parameters' own ranges stand in for the unrestricted side of a limit
    if not restrictions.empty:
        rows = params.loc[restrictions["parameter"]]
        restrictions["low"] = np.where(np.isfinite(restrictions["low"].astype(float)),
                                       restrictions["low"], rows["low"].to_numpy())
        restrictions["high"] = np.where(np.isfinite(restrictions["high"].astype(float)),
                                        restrictions["high"], rows["high"].to_numpy())
        restrictions["unit"] = rows["unit"].to_numpy()
        restrictions["range_low"] = rows["low"].to_numpy()
        restrictions["range_high"] = rows["high"].to_numpy()
    else:
        restrictions = restrictions.assign(unit=[], range_low=[], range_high=[])
    in_box = np.zeros(n, dtype=int)
    for box in boxes["box"][::-1]:
        r = restrictions[restrictions["box"] == box]
        mask = _inside(x, {p: (lo, hi) for p, lo, hi in zip(r["parameter"], r["low"],
                                                             r["high"])})
        in_box[mask] = box
    frame = {"draw": np.arange(n)}
    frame.update({p: values[p] for p in names})
    for j, lever in enumerate(sc.lever_names):
        frame[f"spend.{lever}"] = spend[:, j]
    frame.update(regret=regret, regret_percent=100 * regret / np.maximum(best, 1e-9),
                 failed=failed, learning=learning, box=in_box)
    return Discovery(failure=failure,
                     allocation=pd.Series(x0, index=pd.Index(sc.lever_names, name="lever"),
                                          name="spend"),
                     draws=pd.DataFrame(frame), trajectory=trajectory, boxes=boxes,
                     restrictions=restrictions, base_rate=float(failed.mean()), note=note,
                     seed_entropy=root.entropy)
