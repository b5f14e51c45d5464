"""The JSON Schema of the scenario file format, generated from the loader's own tables.

Every key, range, unit, default and limit below is read from `decide.scenario.core`
(`PARAM_SPECS`, `NUMBER_SPECS`, `LIMITS`, the key lists, `CONFIDENCE`,
`DISTRIBUTIONS` and the response forms), so the schema cannot drift from what
`load_scenario` accepts. Editors use it to check TOML files as they are typed, e.g. the
Even Better TOML extension (taplo) with a ``#:schema ./scenario.schema.json`` first line
or an association in ``.taplo.toml``; ``decide schema --out scenario.schema.json``
writes it.

The schema checks structure, types, ranges and names of keys. The loader checks more,
and stays the authority: ``low <= base <= high``, lever names used by correlations,
constraints, ``[mexico]`` and ``[interactions]`` exist, the correlation matrix is
positive definite, the constraint grammar, ``year_min <= year_max``, and the
``[outcomes]`` rules (years lost of both kinds or neither, the convexity condition, which
money value a net benefit uses) and the ``[baseline]`` hazard rule (``people_at_risk.low``
at least ``market.baseline_deaths.high``), and the ``[posterior]`` table's column names,
row lengths and each draw's range.
"""

from __future__ import annotations

import math

from models import response as rsp

from . import core
from .constraints import MAX_TEXT

__all__ = ["scenario_schema", "SCHEMA_DIALECT"]

#: JSON Schema draft used (draft-07: the newest that editors' TOML tools all read).
SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"


def _number(spec, title=None):
    out = {"type": "integer" if spec.integer else "number", "description":
           f"{title + ': ' if title else ''}{spec.describe()}"}
    if spec.low > -math.inf:
        out["exclusiveMinimum" if spec.low_open else "minimum"] = spec.low
    if spec.high < math.inf:
        out["exclusiveMaximum" if spec.high_open else "maximum"] = spec.high
    if spec.default is not None:
        out["default"] = spec.default
    return out


def _text(required=True, max_length=None):
    out = {"type": "string", "maxLength": max_length or core.LIMITS["text"]}
    if required:
        out["pattern"] = r"\S"  # not empty or blank
    return out


def _table(properties, required=(), **extra):
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False, **extra}


def _param(spec, name):
    props = {k: _number(spec, f"{name}.{k}") for k in ("base", "low", "high")}
    props.update(
        unit={**_text(), "description": "the unit of base, low and high, in words"},
        source={**_text(), "description": "the citation: publication, year, table (or "
                                          "why it is judgement)"},
        confidence={"enum": list(core.CONFIDENCE),
                    "description": "measured (read from a source), derived (computed from "
                                   "sourced numbers) or judgement"},
        note={**_text(required=False), "description": "any further remark"},
        distribution={"enum": list(core.DISTRIBUTIONS), "default": "pert",
                      "description": "how the sampling analyses draw it between low and "
                                     "high (lognormal: median base, low and high the 5th "
                                     "and 95th percentiles)"})
    return _table(props, core._PARAM_KEYS[:6], description=f"{name}: an uncertain parameter, "
                  f"{spec.describe()} (base within low..high)")


def _lever():
    specs = core.PARAM_SPECS["lever"]
    props = {"label": {**_text(), "description": "the lever's name in words"},
             "description": {**_text(required=False),
                             "description": "what the lever funds, in words"},
             "form": {"enum": list(rsp.FORMS), "default": "saturating",
                      "description": "the response curve of effect against spend"},
             "channel": {"enum": ["supply", "demand"], "default": "supply",
                         "description": "supply: acts through the market (price, "
                                        "purity); demand: acts on deaths directly"}}
    props.update({k: _number(s, k) for k, s in core.NUMBER_SPECS["lever"].items()})
    props.update({k: _param(s, k) for k, s in specs.items()})
    supply_only = [k for k in specs if k not in core._DEMAND_PARAMS]
    return _table(props, description="A lever: spend bounds ($M per year) and its "
                                     "response parameters",
                  **{"if": {"properties": {"channel": {"const": "demand"}},
                            "required": ["channel"]},
                     "then": {"required": list(core._DEMAND_PARAMS),
                              "properties": dict.fromkeys(supply_only, False)},
                     "else": {"required": list(specs)}})


def _baseline():
    specs = core.BASELINE_SPECS
    props = {"model": {"enum": list(core.BASELINE_MODELS), "default": "flat",
                       "description": "flat: market.baseline_trend; trend: log-linear; "
                                      "dynamic: the population model"}}
    for model in specs.values():
        props.update({k: _param(s, f"baseline.{k}") for k, s in model.items()})
    every = {k for model in specs.values() for k in model}
    cases = [{"if": {"properties": {"model": {"const": name}},
                     **({"required": ["model"]} if name != "flat" else {})},
              "then": {"required": list(model),
                       "properties": dict.fromkeys(sorted(every - set(model)), False)}}
             for name, model in specs.items()]
    return _table(props, description="The projected baseline (deaths with no new "
                                     "spending): model and its parameters", allOf=cases)


def _params_table(specs, prefix, extra=None, required=None, description=None):
    props = dict(extra or {})
    props.update({k: _param(s, f"{prefix}.{k}") for k, s in specs.items()})
    return _table(props, list(specs) if required is None else required,
                  **({"description": description} if description else {}))


def scenario_schema():
    """JSON Schema (draft-07) of a scenario file, as a dict ready for `json.dumps`.

    Returns
    -------
    dict
        Generated from the loader's specifications (see the module docstring); a file
        that `load_scenario` accepts validates against it.

    Examples
    --------
    >>> schema = scenario_schema()
    >>> schema["properties"]["budget"]["maximum"], schema["required"]
    (1000000000.0, ['market', 'levers'])
    """
    top = core.NUMBER_SPECS["top"]
    props = {"name": {**_text(), "description": "the scenario's name (shown on the "
                                                  "page, in outputs and file names)"},
             "description": {**_text(required=False),
                             "description": "what the scenario is for, in words"}}
    props.update({k: _number(s, k) for k, s in top.items() if k != "max_mexico_homicides"})
    props["correlations"] = {
        "type": "array", "maxItems": core.LIMITS["correlations"],
        "description": "rank correlations between parameters (dotted names)",
        "items": _table({"a": {**_text(), "description": "a parameter (dotted name)"},
                         "b": {**_text(), "description": "another parameter"},
                         "rho": _number(core.NUMBER_SPECS["correlation"]["rho"], "rho")},
                        ("a", "b", "rho"))}
    props["constraints"] = {
        "type": "array", "maxItems": core.LIMITS["constraints"],
        "description": "linear constraints on spends ($M per year), e.g. "
                       "\"financial >= 0.5 * counter_network\"",
        "items": {"type": "string", "maxLength": MAX_TEXT, "pattern": r"(<=|>=|==)"}}
    props["max_mexico_homicides"] = _number(top["max_mexico_homicides"],
                                            "max_mexico_homicides")
    props["phasing"] = _table({k: _number(s, f"phasing.{k}")
                               for k, s in core.NUMBER_SPECS["phasing"].items()},
                              description="Year-by-year plans (`optimize(phasing=True)`): "
                                          "an envelope of money over the horizon in place "
                                          "of the yearly budget, with optional yearly "
                                          "limits, and the tail window after the horizon "
                                          "in which earlier spending still acts")
    props["mexico"] = _params_table(
        core.PARAM_SPECS["mexico"], "mexico",
        {"removal_lever": {"type": "string", "default": "counter_network",
                           "description": "the lever whose spending removes cartel "
                                          "leaders (raising homicides)"},
         "gun_lever": {"type": "string", "default": "gun_flow",
                       "description": "the lever whose spending cuts gun flows (lowering "
                                      "homicides)"}},
        description="Additional homicides in Mexico over the horizon: homicides per "
                    "leadership removal times removals per $M a year of the removal lever, "
                    "less homicides averted per $M a year of the gun lever; reported with "
                    "every result and capped by max_mexico_homicides")
    props["outcomes"] = _params_table(
        core.PARAM_SPECS["outcomes"], "outcomes",
        {"value_basis": {"enum": list(core.VALUE_BASES),
                         "description": "what a net benefit values (needed only when "
                                        "both money values are given)"}}, required=[],
        description="Outcomes beyond deaths: years of life lost per death of each kind "
                    "and money values, for the life_years and net_benefit objectives; "
                    "without it deaths are the only objective")
    inter = core.PARAM_SPECS["interactions"]
    props["interactions"] = _table({
        "complementarity": _table(
            {"boosted": {**_text(), "description": "the lever whose effect is boosted"},
             "by": {**_text(), "description": "the lever that boosts it"},
             "gamma": _param(inter["gamma"], "interactions.complementarity.gamma")},
            ("boosted", "by", "gamma"),
            description="The boosted lever's effective spend gains gamma * min(effective "
                        "spend of by, of boosted) each year"),
        "balloon": _table(
            {"levers": {"type": "array", "items": _text(), "minItems": 2, "maxItems": 2,
                        "uniqueItems": True,
                        "description": "two supply levers that hit the same node"},
             "cap": _param(inter["cap"], "interactions.balloon.cap")},
            ("levers", "cap"),
            description="Two supply levers together cut the year's log supply by at most "
                        "cap (suppliers route around what both target)")},
        description="Optional interactions between levers (concave, so the LP stays "
                    "exact)")
    props["baseline"] = _baseline()
    props["posterior"] = _table(
        {"columns": {"type": "array", "minItems": 1, "uniqueItems": True,
                     "items": _text(),
                     "description": "parameter names (dotted) the draws give values of"},
         "draws": {"type": "array", "minItems": 1,
                   "maxItems": core.LIMITS["posterior_rows"],
                   "items": {"type": "array", "minItems": 1,
                             "items": {"type": "number"}},
                   "description": "joint draws, one row per draw and one value per "
                                  "column, each within the parameter's [low, high]"}},
        ("columns", "draws"),
        description="Joint draws of some parameters (e.g. a calibrated posterior): the "
                    "sampling analyses resample whole rows, keeping correlations")
    props["market"] = _params_table(
        core.PARAM_SPECS["market"], "market",
        description="The drug market every lever acts through: baseline deaths and "
                    "trend, supply and price elasticities, pass-through, substitution and "
                    "market lag")
    props["levers"] = {"type": "object", "minProperties": 1,
                       "description": "The policy levers the budget is spread across, one "
                                      "table each (the table's name is the lever's key)",
                       "maxProperties": core.LIMITS["levers"],
                       "propertyNames": {"pattern": core.LEVER_NAME},
                       "additionalProperties": _lever()}
    return {"$schema": SCHEMA_DIALECT, "title": "decide scenario",
            "description": "A scenario for decide (TOML). Checked here: keys, types, "
                           "ranges. Checked by the loader as well: low <= base <= high, "
                           "names referring to levers and parameters, the constraint "
                           "grammar, positive-definite correlations.",
            **_table(props, ("market", "levers"))}
