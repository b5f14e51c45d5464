"""`optimize`: the one entry point to the certified optimisers (flat or phased), and an
explicit cache of its results for callers that ask the same question repeatedly."""

from __future__ import annotations

from collections import OrderedDict

from ..arguments import check_choice, check_int, check_real
from ..errors import ScenarioError
from ..scenario import OBJECTIVES, Scenario
from .flat import optimize_flat
from .phased import optimize_phased
from .result import Allocation
from .solvers import SOLVERS

__all__ = ["optimize", "ResultCache"]


class ResultCache:
    """A bounded LRU cache of `optimize` results, keyed on the scenario's content hash
    and the options. Pass one to `optimize` (``cache=``) to reuse results; nothing is
    cached unless a caller asks for it.

    Parameters
    ----------
    size : int
        Results kept (the least recently used is dropped first).

    Examples
    --------
    >>> from decide import load_scenario, optimize
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> cache = ResultCache(size=8)
    >>> first = optimize(sc, cache=cache)
    >>> again = optimize(sc, cache=cache)  # no solve: a copy of the cached result
    >>> len(cache), again == first, again is first
    (1, True, False)
    >>> round(again.deaths_averted)  # deaths over the horizon
    1073
    """

    def __init__(self, size=64):
        self.size = size
        self._items: OrderedDict = OrderedDict()

    def __len__(self):
        return len(self._items)

    def get(self, key):
        """The cached result for ``key`` (a copy), or None."""
        res = self._items.get(key)
        if res is None:
            return None
        self._items.move_to_end(key)
        return res.copy()

    def put(self, key, res: Allocation):
        """Keep a copy of ``res`` under ``key``."""
        self._items[key] = res.copy()
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def optimize(sc: Scenario, *, solver="cbc", time_limit=None, max_iterations=60,
             phasing=False, cache: ResultCache | None = None, objective="deaths"):
    """The allocation that minimises projected deaths (or maximises another objective),
    with a certified gap.

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
        Plan spend per lever per year (see `decide.optimization.phased`): yearly budgets
        or an envelope, effects convolved through onset lags and adaptation, a tail
        window. The table's marginal values and the shadow prices are then derivatives
        of the model at the plan over the horizon and the tail window (per extra $1M a
        year in every plan year), and ``tail_note`` explains ``tail_deaths_averted``.
    cache : ResultCache, optional
        Reuse a result already computed for the same scenario content and options.
    objective : {"deaths", "life_years", "net_benefit"}
        ``deaths``: deaths averted over the horizon (discounted when the scenario
        discounts). ``life_years``: years of life saved, valuing synthetic-opioid and
        substitution deaths by their years of life lost (the ``[outcomes]`` table).
        ``net_benefit``: the value of what is averted (a value of a statistical life, or
        per life-year) minus the spend, both discounted, in $M; money whose next $1M
        returns less than $1M is left unspent (``unspent_reason`` says so). The gap,
        shadow prices and ``objective_value`` are in the objective's units
        (``objective_unit``); deaths, life-years, money and Mexican homicides are
        reported whatever the objective.

    Returns
    -------
    Allocation
        ``status`` says whether the optimum is certified (``optimal``) or, for a MILP
        stopped by its time limit, the best allocation found with its certified gap.

    Raises
    ------
    InfeasibleError
        Floors, ceilings, locks, budget and constraints conflict (the message gives the
        amounts).
    ScenarioError
        An unknown solver or objective, or one the scenario's ``[outcomes]`` table does not
        support (naming the missing key); a net benefit with start-up costs.
    SolverError
        The solver failed, or the gap did not close.

    Examples
    --------
    >>> from decide import load_scenario
    >>> res = optimize(load_scenario("inputs/baseline.toml"))
    >>> res.gap <= max(1e-4 * res.deaths_averted, 0.01), res.status.value
    (True, 'optimal')
    """
    if time_limit is not None:
        time_limit = check_real("time_limit", time_limit, 0, 1e6, low_open=True,
                                what="seconds", where="optimize")
    max_iterations = check_int("max_iterations", max_iterations, 1, 10_000, where="optimize")
    solver = check_choice("solver", solver, SOLVERS, where="optimize")
    objective = check_choice("objective", objective, OBJECTIVES, where="optimize")
    sc.outcome(objective)  # the scenario supports it, or a ScenarioError naming the key
    for lv in sc.levers:
        if objective == "net_benefit" and lv.startup_cost:
            raise ScenarioError(
                "the net-benefit objective does not count start-up costs as spend yet: "
                "set the start-up cost to 0 (or fold it into the lever's cost) or optimise "
                "deaths or life-years", file=sc.source,
                key=f"levers.{lv.name}.startup_cost", value=lv.startup_cost)
    key = (sc.sha256(), solver, time_limit, max_iterations, bool(phasing), objective)
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    if phasing:
        res = optimize_phased(sc, solver=solver, time_limit=time_limit, objective=objective)
    else:
        res = optimize_flat(sc, solver=solver, time_limit=time_limit,
                            max_iterations=max_iterations, objective=objective)
    if cache is not None:
        cache.put(key, res)
    return res
