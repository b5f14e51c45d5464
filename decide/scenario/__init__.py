"""Scenarios: load, validate and change the assumptions (`core`), the grammar of
custom linear constraints (`constraints`), and the JSON Schema of the file format
(`schema`)."""

from .constraints import ConstraintSyntaxError, LinearConstraint, parse_constraint
from .core import (
    MAX_FILE_BYTES,
    NUMBER_SPECS,
    OBJECTIVES,
    PARAM_SPECS,
    Lever,
    Param,
    Scenario,
    load_scenario,
    parse_scenario,
    suggest,
)
from .data import load_observed, observed_series
from .overrides import apply_overrides, parse_override, parse_overrides, parse_value
from .schema import scenario_schema

__all__ = ["Scenario", "Lever", "Param", "load_scenario", "parse_scenario", "suggest",
           "load_observed", "observed_series",
           "MAX_FILE_BYTES", "PARAM_SPECS", "ConstraintSyntaxError", "LinearConstraint",
           "parse_constraint", "apply_overrides", "parse_override", "parse_overrides",
           "parse_value", "NUMBER_SPECS", "scenario_schema", "OBJECTIVES"]
