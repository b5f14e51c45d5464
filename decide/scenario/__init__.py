"""Scenarios: load, validate and change the assumptions (`core`), and the grammar of
custom linear constraints (`constraints`)."""

from .constraints import ConstraintSyntaxError, LinearConstraint, parse_constraint
from .core import (
    MAX_FILE_BYTES,
    PARAM_SPECS,
    Lever,
    Param,
    Scenario,
    load_scenario,
    parse_scenario,
    suggest,
)

__all__ = ["Scenario", "Lever", "Param", "load_scenario", "parse_scenario", "suggest",
           "MAX_FILE_BYTES", "PARAM_SPECS", "ConstraintSyntaxError", "LinearConstraint",
           "parse_constraint"]
