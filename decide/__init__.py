"""decide: allocate a counter-fentanyl budget across policy levers, exactly.

>>> import decide
>>> sc = decide.load_scenario("inputs/baseline.toml")
>>> res = decide.optimize(sc)
>>> sorted(res.spend.index) == sorted(sc.lever_names)
True
"""

from .analyses import (
    Calibration,
    Discovery,
    ExpertsResult,
    Outlook,
    RobustResult,
    calibrate,
    discover,
    evpi,
    evppi,
    experts,
    frontier,
    monte_carlo,
    monte_carlo_chunks,
    outlook,
    robust,
    sobol,
    summarize,
    tornado,
    two_way,
    validate,
)
from .errors import DecideError, FileError, InfeasibleError, ScenarioError, SolverError
from .optimization import (
    Allocation,
    ResultCache,
    Status,
    deaths_by_year,
    evaluate,
    least_cost,
    mexico_homicides,
    optimize,
    pareto,
)
from .scenario import Lever, Param, Scenario, load_scenario, parse_scenario

__version__ = "0.1.0"

__all__ = [
    "Allocation",
    "ResultCache",
    "Status",
    "RobustResult",
    "Calibration",
    "Outlook",
    "outlook",
    "Discovery",
    "discover",
    "ExpertsResult",
    "experts",
    "calibrate",
    "validate",
    "evpi",
    "evppi",
    "frontier",
    "robust",
    "sobol",
    "tornado",
    "two_way",
    "DecideError",
    "FileError",
    "InfeasibleError",
    "Lever",
    "Param",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "deaths_by_year",
    "evaluate",
    "least_cost",
    "load_scenario",
    "mexico_homicides",
    "pareto",
    "monte_carlo",
    "monte_carlo_chunks",
    "optimize",
    "parse_scenario",
    "summarize",
]
