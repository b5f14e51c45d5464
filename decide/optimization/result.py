"""Results: `Allocation` (what `optimize` returns), its status, shadow prices from the
KKT conditions, per-lever attribution, and the table that reconciles them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

from models import deaths as mdl

from ..scenario import Scenario
from .bounds import money_text, row_label, spend_bounds
from .certificate import GAP_ABS
from .evaluation import deaths_by_year, mexico_homicides, outcome_totals

__all__ = ["Allocation", "Status", "build_allocation", "safe_div", "price_name",
           "outcome_columns", "unit_key", "value_text"]


class Status(enum.StrEnum):
    """How an optimisation ended.

    ``OPTIMAL``: certified within the gap tolerance. ``TIME_LIMIT``: a MILP stopped by its
    time limit; the best allocation found is reported and ``gap`` bounds how far it may
    be from the optimum.

    Examples
    --------
    >>> import decide
    >>> res = decide.optimize(decide.load_scenario("inputs/baseline.toml"))
    >>> res.status is Status.OPTIMAL, str(res.status), [str(s) for s in Status]
    (True, 'optimal', ['optimal', 'time_limit'])
    """

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"

    def __str__(self):
        return self.value


_FRAMES = ("spend", "plan", "deaths_by_year", "shadow_prices", "shadow_price_bounds", "table")


@dataclass(frozen=True, eq=False)
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
        Certified bound on how much more of the objective the true optimum could reach,
        in the objective's units (``objective_unit``): deaths averted (discounted deaths
        when the scenario discounts), life-years, or $M of net benefit.
    shadow_prices : pandas.Series
        The objective over the horizon per extra $1M a year (deaths averted unless the
        objective is another): ``budget`` (the next $1M) and ``floor.<lever>`` /
        ``ceiling.<lever>`` / ``lock.<lever>`` for binding ones. A phased plan's prices
        count the horizon and the tail window (the optimiser's objective), so they differ
        from a flat allocation's for the same spending: ``budget`` and ``budget year t``
        (`decide.optimization.phased.plan_prices`).
    shadow_price_bounds : pandas.DataFrame
        Left and right values of each shadow price (they differ at a breakpoint).
    table : pandas.DataFrame
        One row per lever: ``lever``, ``label``, ``spend`` ($M/yr), ``share`` (of the
        budget), ``deaths_averted`` (attributed, over the horizon),
        ``marginal_deaths_averted_per_musd`` (per extra $1M a year),
        ``cost_per_death_averted`` ($M over the horizon per death averted),
        ``reduced_cost`` (the objective's marginal minus the budget's shadow price:
        deaths averted gained, if positive, or lost, if negative, per $1M a year moved
        onto the lever; in the objective's units: discounted deaths when the scenario
        discounts, ``marginal_objective_per_musd`` when the objective is not deaths).
        For a phased plan the marginal is per extra $1M a year on the lever in every
        plan year, over the horizon and the tail window
        (undiscounted), and the reduced cost is that direction's derivative of the
        objective minus the budget's price (see
        `decide.optimization.phased.optimize_phased`); ``cost_per_death_averted`` is NaN
        (shown as "-") for an unfunded lever. With an ``[outcomes]`` table, also
        ``life_years_averted`` (attributed, undiscounted) and, with a money value,
        ``benefit_musd`` (discounted value of what the lever averts), ``cost_musd``
        (its discounted spend over the horizon), ``net_benefit_musd`` and
        ``benefit_cost_ratio``; under another objective than deaths,
        ``marginal_objective_per_musd`` (the objective per extra $1M a year, net of a
        net benefit's spend cost).
    unspent : float
        Budget left unspent, $M per year; ``unspent_reason`` says why (under a net
        benefit: where the next $1M returns less than it costs).
    mexico_homicides : float or None
        Additional homicides in Mexico over the horizon (None without a [mexico] table).
    warnings : tuple of str
        E.g. a MILP stopped by its time limit (the gap then says how far it may be).
    tail_deaths_averted : float or None
        Phased plans: deaths averted (undiscounted) in the tail window after the horizon,
        where the plan spends nothing; counted by the optimiser, not in ``deaths``. Often
        negative: the rebound after programmes stop (docs/model.md, caveat 7).
    tail_note : str
        Phased plans: ``tail_deaths_averted`` and why it has its sign, one short
        paragraph of plain language for display (`decide.optimization.phased.tail_note`);
        empty for a flat allocation.
    phased : bool
        True for a plan that varies by year (``optimize(sc, phasing=True)``).
    solver : str
    iterations : int
        LP solves used to reach the gap.
    objective : str
        What was optimised: ``deaths``, ``life_years`` or ``net_benefit``.
    objective_unit : str
        ``deaths``, ``life-years`` or ``$M``: the units of ``objective_value``,
        ``gap`` and ``shadow_prices``.
    objective_value : float or None
        The optimiser's objective at this allocation: the discounted outcome averted
        over the horizon (plus the tail window for a phased plan), less a net benefit's
        discounted spend (`decide.optimization.evaluation.objective_value`).
    baseline_life_years, life_years_averted : float or None
        Years of life lost over the horizon with no new spending, and the years this
        allocation saves (undiscounted; None without ``[outcomes]`` years lost).
    benefit_musd, cost_musd : float or None
        The discounted value of the outcomes averted and the discounted spend over the
        horizon, $M (None without an ``[outcomes]`` money value).
    solve_seconds : float
        Wall-clock seconds the solve took (not compared by ``==``).
    status : Status
        ``optimal``, or ``time_limit`` for a MILP stopped by its time limit.
    cost_gap : float or None
        `decide.least_cost` only: $M per year by which the true least cost could be
        cheaper.

    Examples
    --------
    >>> import decide
    >>> res = decide.optimize(decide.load_scenario("inputs/baseline.toml"))
    >>> res.spend  # $M per year
    lever
    counter_network    300.0
    financial          400.0
    gun_flow             0.0
    precursor          300.0
    Name: spend, dtype: float64
    >>> round(res.baseline_deaths), round(res.deaths_averted), res.gap  # over 10 years
    (480000, 1073, 0.0)
    >>> res.table[["lever", "spend", "deaths_averted"]].round(1)
                 lever  spend  deaths_averted
    0  counter_network  300.0            32.1
    1        financial  400.0           123.8
    2         gun_flow    0.0             0.0
    3        precursor  300.0           917.2
    >>> res.shadow_prices.round(3)  # deaths averted per extra $1M a year
    constraint
    budget               0.106
    ceiling.financial    0.172
    ceiling.precursor    2.913
    Name: deaths_averted_per_musd, dtype: float64
    >>> round(res.summary()["cost_per_death_averted_musd"], 2)  # $M per death averted
    9.32
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
    status: Status = Status.OPTIMAL
    mexico_homicides: float | None = None
    warnings: tuple = ()
    cost_gap: float | None = None  # least_cost only: $M per year
    tail_deaths_averted: float | None = None  # phased plans: deaths averted in the tail
    phased: bool = False
    tail_note: str = ""  # phased plans: the tail's deaths averted and their sign, in words
    objective: str = "deaths"
    objective_unit: str = "deaths"
    objective_value: float | None = None
    baseline_life_years: float | None = None
    life_years_averted: float | None = None
    benefit_musd: float | None = None
    cost_musd: float | None = None

    @property
    def net_benefit_musd(self):
        """Discounted value of the outcomes averted minus the discounted spend, $M
        (None without a money value)."""
        return None if self.benefit_musd is None else self.benefit_musd - self.cost_musd

    @property
    def benefit_cost_ratio(self):
        """Discounted benefit per discounted $ spent (NaN when nothing is spent; None
        without a money value)."""
        return None if self.benefit_musd is None else safe_div(self.benefit_musd,
                                                               self.cost_musd)

    def equals(self, other) -> bool:
        """Value equality: same scenario content, numbers and tables (``solve_seconds``
        aside). ``==`` means the same."""
        if not isinstance(other, Allocation):
            return False
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "solve_seconds":
                continue
            if f.name == "scenario":
                if a.sha256() != b.sha256():
                    return False
            elif f.name in _FRAMES:
                if not a.equals(b):
                    return False
            elif not (a == b or (isinstance(a, float) and isinstance(b, float)
                                 and np.isnan(a) and np.isnan(b))):
                return False
        return True

    __eq__ = equals
    __hash__ = None

    def copy(self) -> Allocation:
        """A copy whose tables can be changed without touching this result."""
        return replace(self, **{f: getattr(self, f).copy() for f in _FRAMES})

    def summary(self):
        """Headline figures as a plain dict (for exports and the CLI): the objective,
        deaths, the gap in the objective's units (``gap_deaths``, ``gap_life_years`` or
        ``gap_musd``), life-years and money when the scenario has them."""
        extra = {}
        if self.life_years_averted is not None:
            extra.update(baseline_life_years=self.baseline_life_years,
                         life_years_lost=self.baseline_life_years - self.life_years_averted,
                         life_years_averted=self.life_years_averted)
        if self.benefit_musd is not None:
            extra.update(value_basis=self.scenario.value_basis,
                         benefit_musd=self.benefit_musd, cost_musd=self.cost_musd,
                         net_benefit_musd=self.net_benefit_musd,
                         benefit_cost_ratio=self.benefit_cost_ratio)
        return {
            "scenario": self.scenario.name,
            "budget_musd_per_year": self.scenario.budget,
            "horizon_years": self.scenario.horizon,
            "dollar_year": self.scenario.dollar_year,
            "objective": self.objective,
            "objective_unit": self.objective_unit,
            "objective_value": self.objective_value,
            "baseline_deaths": self.baseline_deaths,
            "projected_deaths": self.deaths,
            "deaths_averted": self.deaths_averted,
            f"gap_{unit_key(self.objective_unit)}": self.gap,
            **extra,
            "cost_per_death_averted_musd": safe_div(
                float(self.spend.sum()) * self.scenario.horizon, self.deaths_averted),
            f"budget_shadow_price_{unit_key(self.objective_unit)}_per_musd":
                float(self.shadow_prices["budget"]),
            "unspent_musd_per_year": self.unspent,
            "unspent_reason": self.unspent_reason,
            "mexico_homicides": self.mexico_homicides,
            "warnings": list(self.warnings),
            "status": self.status.value,
            "solver": self.solver,
            "iterations": self.iterations,
        }


def safe_div(a, b):
    # undefined (NaN, shown as "-") when (almost) nothing is averted
    return float(a / b) if b > 1e-9 else float("nan")


#: Key fragment of each objective unit (``gap_deaths``, ``gap_life_years``, ``gap_musd``).
_UNIT_KEYS = {"deaths": "deaths", "life-years": "life_years", "$M": "musd"}


def unit_key(unit):
    """The key fragment of an objective unit: ``deaths``, ``life_years`` or ``musd``."""
    return _UNIT_KEYS[unit]


def price_name(objective):
    """Name of the shadow-price series of an objective (objective units per $1M/yr)."""
    return {"deaths": "deaths_averted_per_musd", "life_years": "life_years_averted_per_musd",
            "net_benefit": "net_benefit_musd_per_musd"}[objective]


def _kkt_prices(sc, x, inp, lower, upper):
    """Budget and bound shadow prices (the objective over the horizon per extra $1M a
    year: deaths averted, life-years, or $M of net benefit, net of the spend's cost).

    ``upper`` holds explicit ceilings and locks only (inf where a lever is bounded by
    the budget alone, so that extra budget can still reach it).
    """
    g = mdl.averted_gradient_flat(x, inp, inp.discount)
    if inp.spend_cost:
        g = g - inp.spend_cost
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
    prices = bounds["right"].rename(price_name(inp.outcome.name))
    return prices, bounds, g


def _attribution(x, inp, weights=None):
    """The outcome averted over the horizon attributed to each lever (deaths unless
    ``inp.outcome`` counts another; undiscounted unless ``weights`` gives a weight per
    year). Sums to the total; with interactions, each lever's removal effect instead,
    which need not sum to it.

    Each year's averted outcome is split in proportion to each lever's share of the
    log-unit reduction it causes (its ``c_i z_i``), separately for the demand-only term.
    """
    per_year = np.ones(inp.horizon) if weights is None else np.asarray(weights)
    if inp.interactions:
        def averted(spend):
            yd = mdl.yearly_deaths_flat(spend, inp).valued(inp.outcome)
            return yd.averted.sum() if weights is None else (yd.averted * per_year).sum()

        total = averted(x)
        out = np.empty(len(x))
        for i in range(len(x)):
            alt = x.copy()
            alt[i] = 0.0
            out[i] = total - averted(alt)
        return out
    d = inp.draws
    wz, z_all, z_dem = mdl.log_reduction((inp.profile * x[:, None])[None], d)
    wz, z_all, z_dem = wz[0], z_all[0], z_dem[0]
    scale = d.baseline if weights is None else d.baseline * per_year
    term_all, term_dem = (t[0] for t in mdl.averted_parts(z_all[None], z_dem[None],
                                                           scale, d.outcome_weights()))
    share_all = np.divide(wz, z_all, out=np.zeros_like(wz), where=z_all > 0)
    share_dem = np.divide(wz, z_dem, out=np.zeros_like(wz), where=z_dem > 0)
    share_dem[~inp.demand] = 0.0
    return (share_all * term_all + share_dem * term_dem).sum(axis=1)


def outcome_columns(sc, x):
    """Per-lever columns beyond deaths, when the scenario's ``[outcomes]`` table has
    them: ``life_years_averted`` (attributed, undiscounted) and, with a money value,
    ``benefit_musd`` (discounted value averted, attributed), ``cost_musd`` (discounted
    spend over the horizon), ``net_benefit_musd`` and ``benefit_cost_ratio``."""
    objectives = sc.objectives()
    cols = {}
    if "life_years" in objectives:
        cols["life_years_averted"] = _attribution(x, sc.model_inputs(objective="life_years"))
    if "net_benefit" in objectives:
        inp = sc.model_inputs(objective="net_benefit")
        benefit = _attribution(x, inp, inp.discount)
        cost = x * inp.spend_cost
        cols.update(benefit_musd=benefit, cost_musd=cost, net_benefit_musd=benefit - cost,
                    benefit_cost_ratio=[safe_div(b, c) for b, c in zip(benefit, cost)])
    return cols


def value_text(sc):
    """How the net benefit values outcomes, in words (e.g. "each death averted valued
    at $13.2M, a statistical life")."""
    out = sc.outcomes
    if sc.value_basis == "life_year":
        return f"each year of life valued at ${out['value_per_life_year'].base:g}M"
    return (f"each death averted valued at ${out['value_of_statistical_life'].base:g}M, "
            "a statistical life")


def _unspent_reason(sc, x, upper, g, inp, objective):
    """Why money is left unspent, in words."""
    names = sc.lever_names
    capped = [n for n, xi, ui in zip(names, x, upper) if xi >= ui - 1e-6]
    open_ = [i for i in range(len(x)) if x[i] < upper[i] - 1e-6]
    if upper.sum() <= sc.budget + 1e-9 or not open_:
        return ("every lever is at its ceiling or lock (ceilings total "
                f"{money_text(upper.sum())})")
    if objective == "net_benefit":
        best = max(open_, key=lambda i: g[i])
        cost = inp.spend_cost
        return (f"under the net-benefit objective ({value_text(sc)}) the next $1M a year "
                f"returns less than it costs on every lever: the best, {names[best]}, "
                f"returns ${g[best] + cost:,.2f}M of value for ${cost:,.2f}M of spending "
                f"over the horizon (discounted), a marginal benefit-cost ratio of "
                f"{(g[best] + cost) / cost:.2f} (levers at their ceilings: "
                f"{', '.join(capped) or 'none'})")
    unit = "deaths" if objective == "deaths" else "life-years"
    return (f"the remaining levers avert fewer than "
            f"{1e-3 * GAP_ABS / max(sc.budget, 1):.1e} {unit} per extra $1M "
            f"(levers at their ceilings: {', '.join(capped) or 'none'})")


def build_allocation(sc, x, gap, solver, iterations, seconds, duals=None, funded=None,
                     warnings=(), status=Status.OPTIMAL, objective="deaths"):
    """The `Allocation` for a certified flat spend ``x`` ($M per year), optimised for
    ``objective``."""
    inp = sc.model_inputs()
    obj = inp if objective == "deaths" else sc.model_inputs(objective=objective)
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
    prices, bounds, g = _kkt_prices(sc, x, obj, lower, explicit)
    if duals:  # linear rows couple the levers: their LP duals price budget and rows
        rows = {"budget": duals.get("budget", prices["budget"])}
        for name, value in duals.items():
            if name != "budget" and value > 1e-9:
                rows[row_label(sc, name)] = value
        bounds = pd.DataFrame({"left": rows, "right": rows})
        bounds.index.name = "constraint"
        prices = bounds["right"].rename(price_name(objective))
    marginal = mdl.averted_gradient_flat(x, inp)
    attributed = _attribution(x, inp)
    table = pd.DataFrame({
        "lever": names,
        "label": [lv.label for lv in sc.levers],
        "spend": x,
        "share": x / sc.budget if sc.budget > 0 else np.zeros_like(x),
        "deaths_averted": attributed,
        "marginal_deaths_averted_per_musd": marginal,
        "cost_per_death_averted": [safe_div(s * sc.horizon, a)
                                   for s, a in zip(x, attributed)],
        # both in the objective's units (discounted when the scenario discounts)
        "reduced_cost": g - prices["budget"],
    })
    if objective != "deaths":
        table.insert(table.columns.get_loc("reduced_cost"), "marginal_objective_per_musd", g)
    for name, col in outcome_columns(sc, x).items():
        table[name] = col
    unspent = max(sc.budget - float(x.sum()), 0.0)
    reason = ""
    if unspent > 1e-6 * max(sc.budget, 1.0):
        reason = _unspent_reason(sc, x, upper, g, obj, objective)
    else:
        unspent = 0.0
    totals = outcome_totals(sc, spend.to_dict(), objective, by_year=by_year)
    return Allocation(
        scenario=sc, spend=spend, plan=plan, deaths=deaths,
        deaths_by_year=by_year[["year", "baseline", "plan", "synthetic", "substitution"]],
        baseline_deaths=baseline, deaths_averted=baseline - deaths, gap=gap,
        shadow_prices=prices, shadow_price_bounds=bounds, table=table, unspent=unspent,
        unspent_reason=reason, solver=solver, iterations=iterations, solve_seconds=seconds,
        mexico_homicides=mexico_homicides(sc, spend.to_dict()), warnings=tuple(warnings),
        status=status, **totals)
