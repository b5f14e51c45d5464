"""Every solver call in decide lives in this package.

Modules, one concept each: `bounds` (the feasible set), `certificate` (tolerances,
gaps, the greedy bound), `solvers` (CBC/HiGHS plumbing), `lp` (the one LP definition),
`flat` and `phased` (certified optimisers), `newton` (the vectorised engine for many
draws), `persistent` (a warm HiGHS model for draws outside Newton's scope), `draws`
(which of the two per draw), `kelley` (cutting planes over many draws), `result`
(`Allocation`, `Status`), `evaluate` (deaths for any allocation), `targets` (least cost,
Pareto) and `api` (`optimize`).
"""

from .api import ResultCache, optimize
from .bounds import check_feasible, spend_bounds
from .draws import solve_draws
from .evaluation import deaths_by_year, evaluate, mexico_homicides, objective_value
from .result import Allocation, Status
from .solvers import SOLVERS
from .targets import least_cost, pareto

__all__ = ["optimize", "ResultCache", "Allocation", "Status", "evaluate", "deaths_by_year",
           "mexico_homicides", "objective_value", "check_feasible", "spend_bounds",
           "solve_draws", "least_cost", "pareto", "SOLVERS"]
