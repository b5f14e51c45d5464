"""`optimize` and `evaluate`: the exact allocation and the one way deaths are computed.

The optimiser refines an outer-approximation LP (`decide.lp`) until its certified gap,
the LP's upper bound on deaths averted minus the model's deaths averted at the LP's
allocation, is at most ``max(0.01% of deaths averted, 0.01 deaths)``. Shadow prices
come from the KKT conditions at the certified allocation (model gradients), never from
re-solving.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from models import deaths as mdl

from . import lp as lpmod
from .errors import InfeasibleError, ScenarioError
from .scenario import Scenario

__all__ = ["Allocation", "optimize", "evaluate", "deaths_by_year", "check_feasible",
           "spend_bounds", "clear_cache", "mexico_homicides", "homicide_coefficients",
           "least_cost", "pareto"]

#: Relative and absolute parts of the gap tolerance (deaths).
GAP_REL, GAP_ABS = 1e-4, 0.01
#: Relative allowance for solver tolerance on the LP's objective (see `_gap`).
LP_MARGIN = 1e-5
_INITIAL_GRID = np.array([0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0])


@dataclass(frozen=True)
class Allocation:
    """An optimal allocation and everything needed to read and reconcile it.

    Attributes
    ----------
    scenario : Scenario
    spend : pandas.Series
        $M per year, indexed by lever.
    plan : pandas.DataFrame
        Index year (1..T), columns levers, $M per year (a flat allocation repeats spend).
    deaths : float
        Projected deaths over the horizon under the allocation (the model's value).
    deaths_by_year : pandas.DataFrame
        Columns ``year``, ``baseline``, ``plan`` (deaths per year).
    baseline_deaths, deaths_averted : float
        Deaths over the horizon with no new spending, and the difference.
    gap : float
        Certified bound on how many more deaths the true optimum could avert
        (discounted deaths when the scenario discounts).
    shadow_prices : pandas.Series
        Deaths averted over the horizon per extra $1M a year: ``budget`` (the next $1M)
        and ``floor.<lever>`` / ``ceiling.<lever>`` / ``lock.<lever>`` for binding ones.
    shadow_price_bounds : pandas.DataFrame
        Left and right values of each shadow price (they differ at a breakpoint).
    table : pandas.DataFrame
        One row per lever: ``lever``, ``label``, ``spend`` ($M/yr), ``share`` (of the
        budget), ``deaths_averted`` (attributed, over the horizon),
        ``marginal_deaths_averted_per_musd`` (per extra $1M a year),
        ``cost_per_death_averted`` ($M over the horizon per death averted),
        ``reduced_cost`` (marginal minus the budget's shadow price: deaths averted
        gained, if positive, or lost, if negative, per $1M a year moved onto the lever).
    unspent : float
        Budget left unspent, $M per year; ``unspent_reason`` says why.
    mexico_homicides : float or None
        Additional homicides in Mexico over the horizon (None without a [mexico] table).
    warnings : tuple of str
        E.g. a MILP stopped by its time limit (the gap then says how far it may be).
    solver : str
    iterations : int
        LP solves used to reach the gap.
    """

    scenario: Scenario
    spend: pd.Series
    plan: pd.DataFrame
    deaths: float
    deaths_by_year: pd.DataFrame
    baseline_deaths: float
    deaths_averted: float
    gap: float
    shadow_prices: pd.Series
    shadow_price_bounds: pd.DataFrame
    table: pd.DataFrame
    unspent: float
    unspent_reason: str
    solver: str
    iterations: int
    solve_seconds: float = field(default=0.0, compare=False)
    status: str = "optimal"
    mexico_homicides: float | None = None
    warnings: tuple = ()
    cost_gap: float | None = None  # least_cost only: $M per year
    tail_deaths_averted: float | None = None  # phased plans: deaths averted in the tail
    phased: bool = False

    def summary(self):
        """Headline figures as a plain dict (for exports and the CLI)."""
        return {
            "scenario": self.scenario.name,
            "budget_musd_per_year": self.scenario.budget,
            "horizon_years": self.scenario.horizon,
            "dollar_year": self.scenario.dollar_year,
            "baseline_deaths": self.baseline_deaths,
            "projected_deaths": self.deaths,
            "deaths_averted": self.deaths_averted,
            "gap_deaths": self.gap,
            "cost_per_death_averted_musd": _safe_div(
                float(self.spend.sum()) * self.scenario.horizon, self.deaths_averted),
            "budget_shadow_price_deaths_per_musd": float(self.shadow_prices["budget"]),
            "unspent_musd_per_year": self.unspent,
            "unspent_reason": self.unspent_reason,
            "mexico_homicides": self.mexico_homicides,
            "warnings": list(self.warnings),
            "solver": self.solver,
            "iterations": self.iterations,
        }


def _safe_div(a, b):
    # undefined (NaN, shown as "-") when (almost) nothing is averted
    return float(a / b) if b > 1e-9 else float("nan")


# -- evaluation: the only way deaths are computed -----------------------------------
def _as_plan(sc: Scenario, allocation):
    names = sc.lever_names
    if isinstance(allocation, pd.DataFrame):
        unknown = [c for c in allocation.columns if c not in names]
        missing = [n for n in names if n not in allocation.columns]
        if unknown or missing:
            raise ScenarioError(f"plan columns must be the levers {names}",
                                file="<allocation>", key="columns",
                                value=list(allocation.columns))
        if len(allocation) != sc.horizon:
            raise ScenarioError(f"a plan needs one row per year (horizon {sc.horizon})",
                                file="<allocation>", key="rows", value=len(allocation))
        plan = allocation[names].to_numpy(dtype=float)
    else:
        spend = dict(allocation)
        unknown = [k for k in spend if k not in names]
        if unknown:
            from .scenario import _suggest
            raise ScenarioError(f"unknown lever{_suggest(str(unknown[0]), names)}",
                                file="<allocation>", key=str(unknown[0]),
                                value=spend[unknown[0]])
        missing = [n for n in names if n not in spend]
        if missing:
            raise ScenarioError("every lever needs a spend ($M per year)",
                                file="<allocation>", key=missing[0], has_value=False)
        plan = np.tile([_money(k, spend[k]) for k in names], (sc.horizon, 1))
    if not np.all(np.isfinite(plan)) or (plan < 0).any():
        raise ScenarioError("spend must be finite and >= 0 ($M per year)",
                            file="<allocation>", key="spend", value=plan.min())
    return plan


def _money(key, value):
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ScenarioError("spend must be a number >= 0 ($M per year)",
                            file="<allocation>", key=key, value=value)
    return float(value)


def _yearly(sc: Scenario, allocation) -> mdl.YearlyDeaths:
    plan = _as_plan(sc, allocation)
    inp = sc.model_inputs()
    if (plan == plan[0]).all():
        return mdl.yearly_deaths_flat(plan[0], inp)
    return mdl.yearly_deaths(plan, inp)


def evaluate(sc: Scenario, allocation) -> float:
    """Projected deaths over the horizon for any allocation, with the scenario's model.

    Parameters
    ----------
    sc : Scenario
    allocation : Mapping[str, float] or pandas.Series or pandas.DataFrame
        Spend per lever in $M per year (flat), or a plan with one row per year and one
        column per lever.

    Returns
    -------
    float
        Deaths over the horizon (the sum of the yearly deaths).

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> round(evaluate(sc, {"counter_network": 0, "financial": 0, "gun_flow": 0,
    ...                     "precursor": 0}))
    480000
    """
    return float(_yearly(sc, allocation).total.sum())


def deaths_by_year(sc: Scenario, allocation) -> pd.DataFrame:
    """Yearly deaths for an allocation: ``year``, ``baseline``, ``plan``, ``synthetic``,
    ``substitution`` (deaths per year; ``plan = synthetic + substitution``)."""
    yd = _yearly(sc, allocation)
    return pd.DataFrame({"year": np.arange(1, sc.horizon + 1), "baseline": yd.baseline,
                         "plan": yd.total, "synthetic": yd.synthetic,
                         "substitution": yd.substitution})


# -- constraints ----------------------------------------------------------------------
def spend_bounds(sc: Scenario):
    """Effective (lower, upper) spend per lever, $M per year; a lock fixes both."""
    lower = np.array([lv.floor if lv.lock is None else lv.lock for lv in sc.levers])
    upper = np.array([(sc.budget if lv.ceiling is None else lv.ceiling)
                      if lv.lock is None else lv.lock for lv in sc.levers])
    return lower.astype(float), upper.astype(float)


def _m(v):
    return f"${v:,.0f}M" if float(v).is_integer() else f"${v:,.2f}M"


def check_feasible(sc: Scenario):
    """Raise `InfeasibleError` naming each conflicting constraint and the amounts."""
    problems = []
    for lv in sc.levers:
        if lv.lock is not None:
            if lv.ceiling is not None and lv.lock > lv.ceiling:
                problems.append(f"{lv.name}: lock {_m(lv.lock)} exceeds its ceiling "
                                f"{_m(lv.ceiling)} by {_m(lv.lock - lv.ceiling)}")
            if lv.lock < lv.floor:
                problems.append(f"{lv.name}: lock {_m(lv.lock)} is below its floor "
                                f"{_m(lv.floor)} by {_m(lv.floor - lv.lock)}")
        elif lv.ceiling is not None and lv.floor > lv.ceiling:
            problems.append(f"{lv.name}: floor {_m(lv.floor)} exceeds its ceiling "
                            f"{_m(lv.ceiling)} by {_m(lv.floor - lv.ceiling)}")
        if lv.min_size is not None and lv.lock is not None and 0 < lv.lock < lv.min_size:
            problems.append(f"{lv.name}: lock {_m(lv.lock)} is below its minimum programme "
                            f"size {_m(lv.min_size)} by {_m(lv.min_size - lv.lock)}")
        if lv.min_size is not None and lv.ceiling is not None and lv.floor > 0 \
                and lv.min_size > lv.ceiling:
            problems.append(f"{lv.name}: minimum size {_m(lv.min_size)} exceeds its "
                            f"ceiling {_m(lv.ceiling)} while its floor forces funding")
    lower, upper = spend_bounds(sc)
    if lower.sum() > sc.budget + 1e-9:
        parts = ", ".join(f"{n} {_m(v)}" for n, v in zip(sc.lever_names, lower) if v > 0)
        what = "floors and locks" if any(lv.lock is not None for lv in sc.levers) \
            else "floors"
        problems.append(f"{what} total {_m(lower.sum())} ({parts}), exceeding "
                        f"the {_m(sc.budget)} budget by {_m(lower.sum() - sc.budget)}")
    if problems:
        raise InfeasibleError("infeasible constraints: " + "; ".join(problems))
    if sc.constraints or sc.max_mexico_homicides is not None:
        _explain_rows(sc, lower, np.maximum(upper, lower))


def homicide_coefficients(sc, values=None):
    """Homicides in Mexico per $M per year of each lever, per year (None without a
    [mexico] table)."""
    from models.violence import homicide_coefficients as coeffs

    if sc.mexico is None:
        return None
    values = values or {}
    names = sc.lever_names

    def p(key):
        return float(values.get(f"mexico.{key}", sc.mexico[key].base))

    rem, gun = sc.mexico["removal_lever"], sc.mexico["gun_lever"]
    return coeffs(len(names), names.index(rem) if rem else None,
                  names.index(gun) if gun else None, p("homicides_per_removal"),
                  p("removals_per_musd"), p("gun_homicides_averted_per_musd"))


def mexico_homicides(sc, allocation):
    """Additional homicides in Mexico over the horizon for any allocation (None when the
    scenario has no [mexico] table)."""
    from models.violence import mexico_homicides as homicides

    coeffs = homicide_coefficients(sc)
    return None if coeffs is None else homicides(_as_plan(sc, allocation), coeffs)


def extra_rows(sc):
    """The scenario's custom constraints and Mexico cap as (name, coeffs, sense, rhs)."""
    names = sc.lever_names
    rows = []
    for k, c in enumerate(sc.constraints):
        coeffs = np.zeros(len(names))
        for lever, a in c.coeffs:
            coeffs[names.index(lever)] = a
        rows.append((f"user_{k}", coeffs, c.sense, c.rhs))
    if sc.max_mexico_homicides is not None:
        rows.append(("mexico", sc.horizon * homicide_coefficients(sc), "<=",
                     sc.max_mexico_homicides))
    return rows


def _row_label(sc, name):
    if name == "budget":
        return "the budget"
    if name == "mexico":
        return f"max_mexico_homicides ({sc.max_mexico_homicides:,.0f})"
    return f"constraint '{sc.constraints[int(name[5:])].text}'"


def _explain_rows(sc, lower, upper):
    """Phase 1: the smallest relaxation of the budget and each linear row that admits a
    feasible allocation; raises `InfeasibleError` naming the rows and amounts."""
    import highspy

    from .lp import new_highs

    rows = [("budget", np.ones(len(lower)), "<=", sc.budget)] + extra_rows(sc)
    h = new_highs()
    inf = highspy.kHighsInf
    n = len(lower)
    h.addVars(n, lower, upper)
    slack_cols = []
    for name, coeffs, sense, rhs in rows:
        for direction in ((-1.0,) if sense == "<=" else (1.0,) if sense == ">=" else
                          (-1.0, 1.0)):
            col = h.getNumCol()
            h.addVars(1, np.array([0.0]), np.array([inf]))
            slack_cols.append((col, name))
            idx = np.concatenate([np.arange(n), [col]]).astype(np.int32)
            val = np.concatenate([coeffs, [direction]])
            lo, hi = (-inf, rhs) if direction < 0 else (rhs, inf)
            if sense == "==":
                lo = hi = rhs
            h.addRow(lo, hi, len(idx), idx, val)
    cost = np.zeros(h.getNumCol())
    cost[[c for c, _ in slack_cols]] = 1.0
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.run()
    sol = np.array(h.getSolution().col_value)
    needed = {}
    for col, name in slack_cols:
        if sol[col] > 1e-6:
            needed[name] = needed.get(name, 0.0) + sol[col]
    if needed:
        parts = [f"{_row_label(sc, name)} must be relaxed by "
                 + (f"{amount:,.1f} homicides" if name == "mexico" else _m(amount))
                 for name, amount in needed.items()]
        raise InfeasibleError("infeasible constraints: no allocation satisfies them all; "
                              "the smallest fix: " + "; ".join(parts))


# -- the optimiser ----------------------------------------------------------------------
def _objective(x, inp, eps):
    yd = mdl.yearly_deaths_flat(x, inp)
    return float((yd.averted * inp.discount).sum() - eps * x.sum())


def _linear_max(g, lower, upper, budget):
    """max g.x over lower <= x <= upper, sum x <= budget (the fast engine's greedy)."""
    from .fast import _linear_max as greedy

    fill = greedy(g[None], (upper - lower)[None], np.array([budget - lower.sum()]))
    return lower + fill[0]


def _project(x, lower, upper, budget):
    # Solver output carries ~1e-9 noise: clip to the box and trim any budget excess.
    x = np.clip(x, lower, upper)
    excess = x.sum() - budget
    if excess > 0:
        room = x - lower
        x = x - room * (excess / room.sum())
    return x


_CACHE: dict = {}
_CACHE_SIZE = 64


def clear_cache():
    """Forget cached `optimize` results."""
    _CACHE.clear()


def _copy(res: Allocation) -> Allocation:
    # results hold pandas objects: hand out copies so a caller cannot alter the cache
    return replace(res, **{f: getattr(res, f).copy() for f in (
        "spend", "plan", "deaths_by_year", "shadow_prices", "shadow_price_bounds", "table")})


def optimize(sc: Scenario, *, solver="cbc", time_limit=None, max_iterations=60,
             phasing=False):
    """The allocation that minimises projected deaths, with a certified gap.

    Parameters
    ----------
    sc : Scenario
    solver : {"cbc", "highs"}
        LP solver (CBC is bundled with PuLP; HiGHS runs through highspy).
    time_limit : float, optional
        Seconds per LP solve.
    max_iterations : int
        Refinement rounds before giving up with `SolverError`.
    phasing : bool
        Plan spend per lever per year (see `decide.phasing`): yearly budgets or an
        envelope, effects convolved through onset lags and adaptation, a tail window.

    Returns
    -------
    Allocation

    Raises
    ------
    InfeasibleError
        Floors, ceilings, locks and budget conflict (the message gives the amounts).
    SolverError
        The solver failed, or the gap did not close.

    Notes
    -----
    Results are cached by scenario content and options (see `clear_cache`): asking again
    for the same scenario costs a copy, not a solve.

    Examples
    --------
    >>> from decide import load_scenario
    >>> res = optimize(load_scenario("inputs/baseline.toml"))
    >>> res.gap <= max(1e-4 * res.deaths_averted, 0.01)
    True
    """
    key = (sc.sha256(), solver, time_limit, max_iterations, bool(phasing))
    if key in _CACHE:
        return _copy(_CACHE[key])
    if phasing:
        from .phasing import optimize_phased

        res = optimize_phased(sc, solver=solver, time_limit=time_limit)
    else:
        res = _optimize(sc, solver=solver, time_limit=time_limit,
                        max_iterations=max_iterations)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = res
    return _copy(res)


def _optimize(sc: Scenario, *, solver="cbc", time_limit=None, max_iterations=60):
    from .errors import SolverError

    started = time.perf_counter()
    check_feasible(sc)
    inp = sc.model_inputs()
    lower, upper = spend_bounds(sc)
    budget = sc.budget
    usable = min(budget, upper.sum())
    eps = 1e-3 * GAP_ABS / max(usable, 1.0)
    rows = extra_rows(sc)
    min_size = np.array([lv.min_size or 0.0 for lv in sc.levers])
    startup = np.array([lv.startup_cost / sc.horizon for lv in sc.levers])
    milp = bool((min_size > 0).any() or (startup > 0).any())
    lp = lpmod.create_flat_lp(inp, lower, upper, budget, eps, rows=rows,
                              min_size=min_size if milp else None,
                              startup=startup if milp else None)
    warnings = []
    grid = lower[:, None] + (upper - lower)[:, None] * _INITIAL_GRID[None, :]
    lpmod.add_response_cuts(lp, grid)
    # where wide ranges would put every grid point on the flat part: cut where each
    # curve bends (multiples of its saturation scale cap / slope0, in effective spend)
    scale = np.where(inp.cap > 0, inp.cap / np.maximum(inp.slope0, 1e-300), 0.0)
    for mult in (0.1, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0):
        eff = np.minimum(scale[:, None] * mult, inp.profile * upper[:, None])
        if (eff < 0.02 * inp.profile * upper[:, None]).any():
            lpmod.add_response_cuts_at(lp, eff)
    y_max = float((inp.weight * inp.cap).sum())
    y_grid = np.tile(y_max * _INITIAL_GRID, (inp.horizon, 1))
    lpmod.add_outcome_cuts(lp, y_grid, y_grid)

    for iteration in range(1, max_iterations + 1):  # noqa: B007 - read after the loop
        x_lp, upper_bound, y_all, y_dem = lpmod.solve_lp(lp, solver, time_limit)
        if lp.funded and lp.time_limited:
            # the incumbent is feasible; the bound comes from the LP relaxation
            upper_bound = _relaxed_bound(lp, solver)
            warnings.append(f"the MILP hit its time limit ({time_limit:g} s): the best "
                            "allocation found is reported with its certified gap")
        x = np.clip(x_lp, lower, upper) if (lp.funded or rows) else \
            _project(x_lp, lower, upper, budget)
        value = _objective(x, inp, eps)
        gap = _gap(x, value, upper_bound, inp, eps, lower, upper, budget, usable)
        if lp.funded and lp.time_limited:
            break
        if gap > _tolerance(value, eps, x) and iteration == 1 and not (rows or milp):
            # The fast engine's smooth optimum (when in scope) usually certifies at once
            # against this LP's bound or its own closed-form bound: no second LP.
            seed_x = _fast_seed(sc)
            if seed_x is not None:
                seed_value = _objective(seed_x, inp, eps)
                seed_gap = _gap(seed_x, seed_value, upper_bound, inp, eps, lower, upper,
                                budget, usable)
                if seed_gap < gap:
                    x, value, gap = seed_x, seed_value, seed_gap
        if gap <= _tolerance(value, eps, x):
            break
        yd = mdl.yearly_deaths_flat(x, inp)
        z_all = -np.log(yd.synthetic / yd.baseline)
        lpmod.add_response_cuts(lp, np.stack([x, x_lp], axis=1))
        lpmod.add_outcome_cuts(lp, np.stack([y_all, z_all], axis=1),
                               np.stack([y_dem, _demand_z(x, inp)], axis=1))
    else:
        raise SolverError(f"the certified gap ({gap:.4g} deaths) did not close to "
                          f"tolerance after {max_iterations} LP solves", solver=solver,
                          status="gap not closed")
    duals = lpmod.row_duals(lp, solver) if rows and not milp else {}
    funded = {i: bool(x[i] > 1e-9) for i in lp.funded}
    return _allocation(sc, x, float(gap), solver, iteration, time.perf_counter() - started,
                       duals=duals, funded=funded, warnings=tuple(warnings))


def _relaxed_bound(lp, solver):
    """Upper bound of a time-limited MILP: the same model with binaries relaxed."""
    import pulp

    relaxed = lp.prob.deepcopy()
    for v in relaxed.variables():
        if v.cat == pulp.LpInteger:
            v.cat = pulp.LpContinuous
    with lpmod._quiet_stdout():
        relaxed.solve(lpmod.make_solver(solver))
    return float(pulp.value(relaxed.objective))


def _gap(x, value, upper_bound, inp, eps, lower, upper, budget, usable):
    """Certified gap at ``x``: the smaller of the LP's bound and the concavity bound
    ``F(x) + max g.(x' - x)``, minus ``F(x)``, plus the eps term on unspent budget."""
    if inp.interactions:  # min() kinks: right derivatives need not be supergradients
        fw_bound = np.inf
    else:
        grad = mdl.averted_gradient_flat(x, inp, inp.discount) - eps
        fw_bound = value + float(grad @ (_linear_max(grad, lower, upper, budget) - x))
    # The LP's optimum is a bound only up to the solver's tolerances (~1e-7 relative,
    # seen up to ~2e-6 with HiGHS on 1e5-death objectives): widen it before use.
    lp_bound = upper_bound + LP_MARGIN * abs(upper_bound)
    return max(min(lp_bound, fw_bound) - value, 0.0) + eps * (usable - x.sum())


def _tolerance(value, eps, x):
    """max(0.01% of deaths averted, 0.01 deaths)."""
    return max(GAP_REL * (value + eps * x.sum()), GAP_ABS)


def _demand_z(x, inp):
    """Demand-only log reduction per year at a flat spend (the LP's ``v_dem`` argument)."""
    from models import response as rsp

    z = rsp.response(inp.profile * x[:, None], inp.form[:, None], inp.cap[:, None],
                     inp.slope0[:, None])
    return (inp.weight[:, None] * z)[inp.demand].sum(axis=0)


def _fast_seed(sc):
    """The fast engine's certified optimum for ``sc``, or None when out of its scope."""
    from . import fast

    if not fast.in_scope(sc):
        return None
    b = fast.batch_inputs(sc, {}, 1)
    x, certified = fast.solve_batch(b, threads=1)
    return x[0] if certified[0] else None


def _kkt_prices(sc, x, inp, lower, upper):
    """Budget and bound shadow prices (deaths over the horizon per extra $1M a year).

    ``upper`` holds explicit ceilings and locks only (inf where a lever is bounded by
    the budget alone, so that extra budget can still reach it).
    """
    g = mdl.averted_gradient_flat(x, inp, inp.discount)
    tol = 1e-6 * max(1.0, sc.budget)
    at_floor = x <= lower + tol
    at_ceil = x >= upper - tol
    binding = x.sum() >= sc.budget - tol
    interior = ~at_floor & ~at_ceil
    if not binding:
        left = right = 0.0
    elif interior.any():
        left = right = float(g[interior].mean())
    else:
        right = float(g[~at_ceil].max()) if (~at_ceil).any() else 0.0
        left = float(g[~at_floor].min()) if (~at_floor).any() else right
    rows = {"budget": (left, right)}
    for i, lv in enumerate(sc.levers):
        if lv.lock is not None:
            rows[f"lock.{lv.name}"] = (g[i] - right, g[i] - left)
        else:
            if at_floor[i] and lower[i] > 0:
                rows[f"floor.{lv.name}"] = (g[i] - left, g[i] - left)
            if at_ceil[i] and g[i] > right + 1e-12 and upper[i] < sc.budget:
                rows[f"ceiling.{lv.name}"] = (g[i] - right, g[i] - right)
    bounds = pd.DataFrame(rows, index=["left", "right"]).T
    bounds.index.name = "constraint"
    prices = bounds["right"].rename("deaths_averted_per_musd")
    return prices, bounds, g


def _attribution(x, inp):
    """Deaths averted over the horizon attributed to each lever (sums to the total; with
    interactions, each lever's removal effect instead, which need not sum to it).

    Each year's averted deaths are split in proportion to each lever's share of the
    log-unit reduction it causes (its ``c_i z_i``), separately for the demand-only term.
    """
    from models import response as rsp

    if inp.interactions:
        total = mdl.yearly_deaths_flat(x, inp).averted.sum()
        out = np.empty(len(x))
        for i in range(len(x)):
            alt = x.copy()
            alt[i] = 0.0
            out[i] = total - mdl.yearly_deaths_flat(alt, inp).averted.sum()
        return out
    eff = inp.profile * x[:, None]
    wz = inp.weight[:, None] * rsp.response(eff, inp.form[:, None], inp.cap[:, None],
                                            inp.slope0[:, None])
    base, phi = inp.baseline, inp.substitution
    z_all = wz.sum(axis=0)
    z_dem = wz[inp.demand].sum(axis=0)
    term_all = base * (1 - phi) * -np.expm1(-z_all)
    term_dem = base * phi * -np.expm1(-z_dem)
    share_all = np.divide(wz, z_all, out=np.zeros_like(wz), where=z_all > 0)
    share_dem = np.divide(wz, z_dem, out=np.zeros_like(wz), where=z_dem > 0)
    share_dem[~inp.demand] = 0.0
    return (share_all * term_all + share_dem * term_dem).sum(axis=1)


def _allocation(sc, x, gap, solver, iterations, seconds, duals=None, funded=None,
                warnings=()):
    inp = sc.model_inputs()
    lower, upper = spend_bounds(sc)
    for i, on in (funded or {}).items():  # prices hold for the chosen funded pattern
        lv = sc.levers[i]
        lower[i], upper[i] = (max(lower[i], lv.min_size or 0.0), upper[i]) if on else (0, 0)
    names = sc.lever_names
    spend = pd.Series(x, index=pd.Index(names, name="lever"), name="spend")
    plan = pd.DataFrame(np.tile(x, (sc.horizon, 1)), columns=names,
                        index=pd.RangeIndex(1, sc.horizon + 1, name="year"))
    by_year = deaths_by_year(sc, spend.to_dict())
    deaths = float(by_year["plan"].to_numpy().sum())  # = evaluate(sc, spend), computed once
    baseline = float(by_year["baseline"].sum())
    explicit = np.array([np.inf if lv.ceiling is None and lv.lock is None else u
                         for lv, u in zip(sc.levers, upper)])
    prices, bounds, _ = _kkt_prices(sc, x, inp, lower, explicit)
    if duals:  # linear rows couple the levers: their LP duals price budget and rows
        rows = {"budget": duals.get("budget", prices["budget"])}
        for name, value in duals.items():
            if name != "budget" and value > 1e-9:
                rows[_row_label(sc, name)] = value
        bounds = pd.DataFrame({"left": rows, "right": rows})
        bounds.index.name = "constraint"
        prices = bounds["right"].rename("deaths_averted_per_musd")
    marginal = mdl.averted_gradient_flat(x, inp)
    attributed = _attribution(x, inp)
    table = pd.DataFrame({
        "lever": names,
        "label": [lv.label for lv in sc.levers],
        "spend": x,
        "share": x / sc.budget if sc.budget > 0 else np.zeros_like(x),
        "deaths_averted": attributed,
        "marginal_deaths_averted_per_musd": marginal,
        "cost_per_death_averted": [_safe_div(s * sc.horizon, a)
                                   for s, a in zip(x, attributed)],
        "reduced_cost": marginal - prices["budget"],
    })
    unspent = max(sc.budget - float(x.sum()), 0.0)
    reason = ""
    if unspent > 1e-6 * max(sc.budget, 1.0):
        capped = [n for n, xi, ui in zip(names, x, upper) if xi >= ui - 1e-6]
        if upper.sum() <= sc.budget + 1e-9:
            reason = ("every lever is at its ceiling or lock (ceilings total "
                      f"{_m(upper.sum())})")
        else:
            reason = ("the remaining levers avert fewer than "
                      f"{1e-3 * GAP_ABS / max(sc.budget, 1):.1e} deaths per extra $1M "
                      f"(levers at their ceilings: {', '.join(capped) or 'none'})")
    else:
        unspent = 0.0
    return Allocation(
        scenario=sc, spend=spend, plan=plan, deaths=deaths,
        deaths_by_year=by_year[["year", "baseline", "plan", "synthetic", "substitution"]],
        baseline_deaths=baseline, deaths_averted=baseline - deaths, gap=gap,
        shadow_prices=prices, shadow_price_bounds=bounds, table=table, unspent=unspent,
        unspent_reason=reason, solver=solver, iterations=iterations, solve_seconds=seconds,
        mexico_homicides=mexico_homicides(sc, spend.to_dict()), warnings=tuple(warnings))


# -- least cost and the Mexico trade-off --------------------------------------------------
def least_cost(sc: Scenario, *, deaths_averted, solver="cbc"):
    """The cheapest allocation that averts at least ``deaths_averted`` deaths.

    Spending is capped by the scenario's budget, ceilings and constraints. The least
    budget is found by bisection on `optimize` (deaths averted never fall as the budget
    grows): a budget counts as enough only when its certified optimum reaches the target,
    and as too little only when even its certified bound falls short.

    Returns
    -------
    Allocation
        The optimum at the least sufficient budget found; ``cost_gap`` ($M per year)
        bounds how much cheaper the true least cost could be.

    Raises
    ------
    InfeasibleError
        The target exceeds what the budget can avert (the message gives that maximum).
    """
    if isinstance(deaths_averted, bool) or not isinstance(deaths_averted, int | float) \
            or not np.isfinite(deaths_averted) or deaths_averted < 0:
        raise ScenarioError("must be a finite number of deaths >= 0", file="<least_cost>",
                            key="deaths_averted", value=deaths_averted)
    best = optimize(sc, solver=solver)
    if best.deaths_averted < deaths_averted:
        raise InfeasibleError(
            f"the target of {deaths_averted:,.1f} deaths averted is out of reach: at most "
            f"{best.deaths_averted:,.1f} (certified within {best.gap:.3g}) can be averted "
            f"with the ${sc.budget:,.0f}M a year budget and the scenario's constraints")
    lower, _ = spend_bounds(sc)
    lo, hi = float(lower.sum()), float(sc.budget)
    cheapest = optimize(sc.with_overrides({"budget": lo}), solver=solver)
    if cheapest.deaths_averted >= deaths_averted:  # the floors alone reach it
        return replace(cheapest, cost_gap=0.0)
    tol = max(1e-4 * hi, 0.01)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        res = optimize(sc.with_overrides({"budget": mid}), solver=solver)
        if res.deaths_averted >= deaths_averted:
            best, hi = res, mid
        else:  # too little (or within the gap of enough: counted as too little)
            lo = mid
    return replace(best, cost_gap=max(hi - lo, 0.0))


def _linear_extreme(sc, coeffs):
    """min of coeffs . x over the scenario's linear feasible set ($M per year)."""
    from .lp import new_highs

    lower, upper = spend_bounds(sc)
    h = new_highs()
    n = len(lower)
    cols = np.arange(n, dtype=np.int32)
    h.addVars(n, lower, upper)
    for _, a, sense, rhs in [("budget", np.ones(n), "<=", sc.budget)] + extra_rows(sc):
        h.addRow(*lpmod.row_bounds(sense, rhs), n, cols, np.asarray(a, dtype=float))
    h.changeColsCost(n, cols, np.asarray(coeffs, dtype=float))
    h.run()
    x = np.array(h.getSolution().col_value[:n])
    return float(np.asarray(coeffs) @ x)


def pareto(sc: Scenario, *, n=11, solver="cbc"):
    """The frontier of US overdose deaths against additional homicides in Mexico.

    Minimises deaths subject to ``mexico_homicides <= cap`` for ``n`` caps from the
    fewest homicides any feasible allocation can cause to the homicides of the
    unconstrained optimum (the epsilon-constraint method).

    Returns
    -------
    pandas.DataFrame
        One row per point: ``point``, ``max_mexico_homicides`` (the cap),
        ``mexico_homicides`` and ``deaths`` (over the horizon), ``deaths_averted``,
        ``gap`` and ``spend.<lever>`` ($M per year).
    """
    if sc.mexico is None:
        raise ScenarioError("needs a [mexico] table defining the violence outcome",
                            file=sc.source, key="mexico", has_value=False)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 201:
        raise ScenarioError("must be a whole number in [2, 201]", file="<pareto>", key="n",
                            value=n)
    free = sc.with_overrides({"max_mexico_homicides": None})
    top = optimize(free, solver=solver)
    coeffs = sc.horizon * homicide_coefficients(sc)
    least = _linear_extreme(free, coeffs)
    rows = []
    for k, cap in enumerate(np.linspace(least, top.mexico_homicides, n)):
        res = top if k == n - 1 else optimize(
            sc.with_overrides({"max_mexico_homicides": float(cap) + 1e-6 * max(abs(cap), 1)}),
            solver=solver)
        row = {"point": k, "max_mexico_homicides": float(cap),
               "mexico_homicides": res.mexico_homicides, "deaths": res.deaths,
               "deaths_averted": res.deaths_averted, "gap": res.gap}
        row.update({f"spend.{lv}": float(v) for lv, v in res.spend.items()})
        rows.append(row)
    return pd.DataFrame(rows)
