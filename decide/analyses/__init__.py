"""Sensitivity and uncertainty analyses. Each re-optimises the allocation (the decision),
not just the output, and returns a tidy DataFrame (or a `RobustResult`).

One signature shape: ``analysis(sc, *, ..., seed=None, executor=None)`` with keyword-only
options; ``seed`` is taken by the analyses that draw (Monte Carlo, robust, EVPI, EVPPI,
Sobol) and ``executor`` by those that solve many draws (None, ``"processes"``, a
``dask.distributed.Client`` or a scheduler address): their per-draw optimisations then
run in chunks there, with the same results as locally.
Deaths are over the scenario's horizon; money in $M per year unless a column says
otherwise. When the scenario discounts deaths, the robust and value-of-information
analyses work on discounted deaths (the optimiser's objective).
"""

from .basis import decision_basis
from .budget_frontier import frontier
from .calibration import Calibration, calibrate, forecast, validate, validation_table
from .discovery import Discovery, Failure, discover
from .elicitation import ExpertsResult, Panel, experts, load_panel
from .global_sensitivity import sobol
from .grid import two_way
from .montecarlo import monte_carlo, monte_carlo_chunks, summarize
from .one_way import tornado
from .robustness import RobustResult, robust
from .voi import evpi, evppi
from .worlds import Outlook, outlook

__all__ = ["frontier", "tornado", "two_way", "robust", "RobustResult", "evpi", "evppi",
           "sobol", "monte_carlo", "monte_carlo_chunks", "summarize", "decision_basis",
           "calibrate", "validate", "validation_table", "forecast", "Calibration",
           "outlook", "Outlook", "discover", "Discovery", "Failure", "experts",
           "ExpertsResult", "Panel", "load_panel"]
