"""Scenarios: load a file, validate every value, list parameters, derive variants.

A scenario file (TOML, or a JSON export of a result) holds the budget, the horizon,
the market parameters and the levers. Every uncertain number is a parameter table with
``base``, ``low``, ``high``, ``unit``, ``source`` and ``confidence``. Loading validates
everything and returns a frozen `Scenario`; `Scenario.with_overrides` returns a new,
re-validated one. Errors are `ScenarioError` naming the file, key, value and the range.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from models import response as rsp
from models.deaths import DEATHS, ModelInputs, Outcome
from models.population import Population, Trend

from ..arguments import Interval, check_number, suggest
from ..errors import FileError, ScenarioError
from ..files import read_input

__all__ = ["Param", "Lever", "Posterior", "Scenario", "load_scenario", "parse_scenario", "suggest",
           "MAX_FILE_BYTES", "PARAM_SPECS", "NUMBER_SPECS", "CONFIDENCE", "DISTRIBUTIONS",
           "LIMITS", "LEVER_NAME", "OBJECTIVES", "VALUE_BASES", "BASELINE_MODELS",
           "BASELINE_SPECS"]

#: Scenario files larger than this are refused (bytes; also the most read from a pipe).
#: 15 times the largest file the toolkit writes (a calibrated scenario with its
#: 2,000-row posterior: 68 kB).
MAX_FILE_BYTES = 1_000_000

CONFIDENCE = ("measured", "derived", "judgement")


_Spec = Interval  # the allowed range of one number (decide.arguments)

#: Allowed range of every parameter (what the model can represent, not a prior).
PARAM_SPECS = {
    "market": {
        "baseline_deaths": _Spec(0, 1e6, "deaths per year"),
        "baseline_trend": _Spec(-0.5, 0.5, "(fraction per year)"),
        "supply_elasticity": _Spec(0, 3, "(elasticity magnitude)"),
        "price_elasticity": _Spec(0, 5, "(elasticity magnitude)"),
        "pass_through": _Spec(0, 1, "(fraction)"),
        "substitution": _Spec(0, 1, "(fraction)"),
        "market_lag": _Spec(0, 5, "years"),
    },
    "lever": {
        "max_effect": _Spec(0, 0.99, "(fraction; write 15% as 0.15)"),
        "cost_per_pct": _Spec(0, 1e7, "$M per year per 1% cut", low_open=True),
        "onset": _Spec(0, 20, "years"),
        "adaptation_time": _Spec(0, 50, "years", low_open=True),
        "retained": _Spec(0, 1, "(fraction)"),
        "alpha": _Spec(0, 1, "(fraction)"),
    },
    "interactions": {
        "gamma": _Spec(0, 5, "(effective $M gained per $M of the smaller effective spend)"),
        "cap": _Spec(0, 5, "log units of supply"),
    },
    "mexico": {
        "homicides_per_removal": _Spec(0, 1000, "homicides per leadership removal"),
        "removals_per_musd": _Spec(0, 10, "removals per $M per year"),
        "gun_homicides_averted_per_musd": _Spec(0, 1000, "homicides averted per $M per year"),
    },
    "outcomes": {
        "years_lost_synthetic": _Spec(0, 120, "years of life lost per synthetic-opioid death"),
        "years_lost_substitution": _Spec(0, 120, "years of life lost per substitution death"),
        "value_of_statistical_life": _Spec(0, 1000, "$M per death", low_open=True),
        "value_per_life_year": _Spec(0, 100, "$M per year of life", low_open=True),
    },
}
#: Projected baselines (the optional ``[baseline]`` table, docs/model.md section 11):
#: ``flat`` is ``market.baseline_trend`` as before (the default, also when the table is
#: absent), ``trend`` a log-linear projection, ``dynamic`` the population model
#: (`models.population`).
BASELINE_MODELS = ("flat", "trend", "dynamic")
#: Allowed range of each ``[baseline]`` parameter, by model (``flat`` has none).
BASELINE_SPECS = {
    "flat": {},
    "trend": {"rate": _Spec(-1, 1, "(log change of deaths per year)")},
    "dynamic": {
        "people_at_risk": _Spec(0, 1e9, "people at risk (person-years in year 1)",
                                low_open=True),
        "initiation": _Spec(0, 3, "(people entering per year / year-1 exits)"),
        "cessation": _Spec(0, 1, "(fraction per year)"),
        "supply_trend": _Spec(-0.5, 0.5, "(fraction per year)"),
    },
}
#: What `decide.optimize` can maximise: deaths averted (the default), life-years
#: (needs the ``[outcomes]`` years lost) or the net benefit in $M (needs a money value).
OBJECTIVES = ("deaths", "life_years", "net_benefit")
#: What a net benefit values: each death at the value of a statistical life, or each
#: year of life at a value per life-year (``[outcomes] value_basis``).
VALUE_BASES = ("statistical_life", "life_year")
_YEARS = ("years_lost_synthetic", "years_lost_substitution")
_MONEY_PARAM = {"statistical_life": "value_of_statistical_life",
                "life_year": "value_per_life_year"}
_DEMAND_PARAMS = ("max_effect", "cost_per_pct", "onset", "adaptation_time", "retained")
_TOP_KEYS = ("name", "description", "budget", "horizon", "dollar_year", "discount_rate",
             "correlations", "constraints", "max_mexico_homicides", "phasing", "mexico",
             "interactions", "outcomes", "baseline", "posterior", "market", "levers")
#: Sampling distributions a parameter may declare (PERT by default).
DISTRIBUTIONS = ("pert", "triangular", "uniform", "lognormal")
_LEVER_KEYS = ("label", "description", "form", "channel", "floor", "ceiling", "lock",
               "min_size", "startup_cost")
_PHASING_KEYS = ("envelope", "year_min", "year_max", "tail_years")
_PARAM_KEYS = ("base", "low", "high", "unit", "source", "confidence", "note",
               "distribution")
_MONEY = _Spec(0, 1e9, "$M per year")
#: Allowed range (and default, if any) of every other number in a scenario file, by
#: where it sits: top-level keys, each ``[levers.<name>]`` table's bounds, the
#: ``[phasing]`` table, and each ``correlations`` entry.
NUMBER_SPECS = {
    "top": {
        "budget": _Spec(0, 1e9, "$M per year", default=1000.0),
        "horizon": _Spec(1, 50, "years", integer=True, default=10),
        "dollar_year": _Spec(1900, 2100, "(a year)", integer=True, default=2024),
        "discount_rate": _Spec(0, 0.2, "(fraction per year)", default=0.0),
        "max_mexico_homicides": _Spec(-1e9, 1e9, "homicides over the horizon"),
    },
    "lever": {
        "floor": _Spec(0, 1e9, "$M per year", default=0.0),
        "ceiling": _MONEY,
        "lock": _MONEY,
        "min_size": _MONEY,
        "startup_cost": _Spec(0, 1e9, "$M", default=0.0),
    },
    "phasing": {
        "envelope": _Spec(0, 1e11, "$M over the horizon"),
        "year_min": _MONEY,
        "year_max": _MONEY,
        "tail_years": _Spec(0, 20, "years", integer=True, default=3),
    },
    "correlation": {"rho": _Spec(-0.99, 0.99, "(rank correlation)")},
}
_SCALARS = ("budget", "horizon", "dollar_year", "discount_rate")
#: Limits on sizes: levers, constraints, correlation pairs, characters of a text.
LIMITS = {"levers": 50, "constraints": 100, "correlations": 500, "text": 10_000,
          "posterior_rows": 20_000}
#: A lever's name: a simple identifier.
LEVER_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class Param:
    """An uncertain parameter: a base value with a range and its provenance.

    Attributes
    ----------
    base, low, high : float
        The central value and the plausible range, in ``unit``.
    unit : str
        E.g. ``"deaths per year"``, ``"fraction of supply"``, ``"$M per year per 1%
        supply cut"``.
    source : str
        Where the numbers come from.
    confidence : {"measured", "derived", "judgement"}
    note : str
    distribution : {"pert", "triangular", "uniform", "lognormal"}
        How the sampling analyses draw it over ``[low, high]``.

    Examples
    --------
    >>> from decide import load_scenario
    >>> p = load_scenario("inputs/baseline.toml").market["baseline_deaths"]
    >>> p.base, p.low, p.high, p.unit, p.confidence, p.distribution
    (48000.0, 35000.0, 75000.0, 'deaths per year', 'measured', 'pert')
    """

    base: float
    low: float
    high: float
    unit: str
    source: str
    confidence: str
    note: str = ""
    distribution: str = "pert"

    def to_dict(self):
        out = {k: getattr(self, k) for k in ("base", "low", "high", "unit", "source",
                                             "confidence")}
        if self.note:
            out["note"] = self.note
        if self.distribution != "pert":
            out["distribution"] = self.distribution
        return out


@dataclass(frozen=True)
class Lever:
    """A lever: bounds on its spend ($M per year) and its response parameters.

    Attributes
    ----------
    name, label, description : str
        Identifier (as in ``levers.<name>.*`` keys), display name and description.
    form : {"saturating", "linear_cap"}
        Shape of the response to spending.
    channel : {"supply", "demand"}
        What it acts on.
    floor : float
        Least spend, $M per year.
    ceiling, lock : float or None
        Most spend, and a fixed spend, $M per year (None: none).
    params : Mapping[str, Param]
        The response parameters (``max_effect``, ``cost_per_pct``, ``onset``, ...).
    min_size : float or None
        Spend is 0 or at least this, $M per year.
    startup_cost : float
        $M, paid once if the lever is funded.

    Examples
    --------
    >>> from decide import load_scenario
    >>> lv = load_scenario("inputs/baseline.toml").lever("precursor")
    >>> lv.label, lv.channel, lv.floor, lv.ceiling, lv.lock  # spend in $M per year
    ('Precursor diplomacy', 'supply', 0.0, 300.0, None)
    >>> cost = lv.params["cost_per_pct"]
    >>> cost.base, cost.unit
    (400.0, '$M per year per 1% supply cut')
    """

    name: str
    label: str
    form: str
    channel: str
    floor: float
    ceiling: float | None
    lock: float | None
    params: MappingProxyType
    description: str = ""
    min_size: float | None = None  # spend is 0 or at least this ($M per year)
    startup_cost: float = 0.0  # $M, paid once if the lever is funded (see docs/model.md)

    @property
    def is_demand(self):
        return self.channel == "demand"

    def to_dict(self):
        out: dict[str, Any] = {"label": self.label}
        if self.description:
            out["description"] = self.description
        out.update(form=self.form, channel=self.channel, floor=self.floor)
        if self.ceiling is not None:
            out["ceiling"] = self.ceiling
        if self.lock is not None:
            out["lock"] = self.lock
        if self.min_size is not None:
            out["min_size"] = self.min_size
        if self.startup_cost:
            out["startup_cost"] = self.startup_cost
        for k, p in self.params.items():
            out[k] = p.to_dict()
        return out


@dataclass(frozen=True)
class Posterior:
    """The ``[posterior]`` table: joint draws of some parameters (e.g. from `calibrate`).

    Attributes
    ----------
    columns : tuple[str, ...]
        Parameter names of the scenario (as in `Scenario.parameters`), distinct.
    draws : tuple[tuple[float, ...], ...]
        One row per draw, one value per column, each within that parameter's
        ``[low, high]``. Sampling resamples whole rows, so correlations between the
        columns are kept (`decide.analyses.sampling`).
    """

    columns: tuple
    draws: tuple

    def array(self):
        """The draws as a float array of shape ``(rows, columns)``."""
        return np.array(self.draws, dtype=float).reshape(len(self.draws), len(self.columns))

    def to_dict(self):
        return {"columns": list(self.columns), "draws": [list(r) for r in self.draws]}


@dataclass(frozen=True)
class Scenario:
    """A validated, immutable scenario. Build it with `load_scenario` or `from_dict`.

    Attributes
    ----------
    name, description : str
    budget : float
        $M per year (dollars of ``dollar_year``).
    horizon : int
        Years.
    dollar_year : int
    discount_rate : float
        Yearly rate applied to deaths in the objective (0 = undiscounted).
    market : Mapping[str, Param]
    levers : tuple[Lever, ...]
    outcomes : Mapping or None
        The optional ``[outcomes]`` table: `Param` values by name (years of life lost
        per death, a money value per death or per life-year) and ``value_basis``.
    baseline : Mapping or None
        The optional ``[baseline]`` table: ``model`` (`BASELINE_MODELS`) and its `Param`
        values by name; None (no table) is the flat model.
    posterior : Posterior or None
        The optional ``[posterior]`` table: joint draws of some parameters, which the
        sampling analyses resample row by row instead of drawing those parameters from
        their distributions; None (no table) draws every parameter independently.
    source : str
        Where it came from (a path, "<dict>", ...), used in error messages.
    correlations : tuple
        ``(parameter a, parameter b, rank correlation)`` triples.
    constraints : tuple of LinearConstraint
        Custom linear constraints on the spends ($M per year).
    max_mexico_homicides : float or None
        Cap on additional homicides in Mexico over the horizon.
    phasing : Mapping
        The ``[phasing]`` table (``envelope``, ``year_min``, ``year_max``,
        ``tail_years``) for year-by-year plans.
    mexico : Mapping or None
        The ``[mexico]`` table: the violence outcome's parameters and levers.
    interactions : Mapping
        The ``[interactions]`` table (complementarity, balloon cap); empty for none.

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> sc.name, sc.budget, sc.horizon, sc.dollar_year  # $M per year, years
    ('Baseline', 1000.0, 10, 2024)
    >>> params = sc.parameters().set_index("name")  # every assumption, with its source
    >>> params.loc[["market.baseline_deaths", "levers.precursor.max_effect"],
    ...            ["base", "low", "high", "unit"]]  # doctest: +NORMALIZE_WHITESPACE
                                     base      low     high                unit
    name
    market.baseline_deaths       48000.00  35000.0  75000.0     deaths per year
    levers.precursor.max_effect      0.15      0.0      0.4  fraction of supply
    >>> sc2 = sc.with_overrides({"budget": 2000, "levers.gun_flow.ceiling": 0})
    >>> sc2.diff(sc)  # a new, validated scenario; sc is unchanged
                           key    this   other
    0                   budget  2000.0  1000.0
    1  levers.gun_flow.ceiling     0.0   500.0
    """

    name: str
    description: str
    budget: float
    horizon: int
    dollar_year: int
    discount_rate: float
    market: MappingProxyType
    levers: tuple
    correlations: tuple = ()  # (parameter a, parameter b, rank correlation)
    constraints: tuple = ()  # decide.scenario.constraints.LinearConstraint
    max_mexico_homicides: float | None = None  # over the horizon
    phasing: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    mexico: MappingProxyType | None = None  # parameters and levers of the violence outcome
    interactions: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    outcomes: MappingProxyType | None = None  # years of life lost, money values
    baseline: MappingProxyType | None = None  # the projected baseline ([baseline] table)
    posterior: Posterior | None = None  # joint draws of some parameters ([posterior] table)
    source: str = field(default="<dict>", compare=False)

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_dict(cls, raw, *, source="<dict>"):
        """Validate a raw mapping (as parsed from TOML/JSON) into a `Scenario`.

        Raises
        ------
        ScenarioError
            On the first invalid value, naming ``source``, the key and the range.
        """
        return _Validator(source).scenario(raw)

    def to_dict(self):
        """Plain, JSON/TOML-ready mapping that `from_dict` turns back into this scenario."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out.update(budget=self.budget, horizon=self.horizon, dollar_year=self.dollar_year,
                   discount_rate=self.discount_rate)
        out["market"] = {k: p.to_dict() for k, p in self.market.items()}
        if self.correlations:
            out["correlations"] = [{"a": a, "b": b, "rho": r} for a, b, r in self.correlations]
        if self.constraints:
            out["constraints"] = [c.text for c in self.constraints]
        if self.max_mexico_homicides is not None:
            out["max_mexico_homicides"] = self.max_mexico_homicides
        if self.phasing:
            out["phasing"] = dict(self.phasing)
        if self.mexico is not None:
            out["mexico"] = {k: (v.to_dict() if isinstance(v, Param) else v)
                             for k, v in self.mexico.items()}
        if self.interactions:
            out["interactions"] = {
                kind: {k: (v.to_dict() if isinstance(v, Param) else
                           list(v) if isinstance(v, tuple) else v) for k, v in spec.items()}
                for kind, spec in self.interactions.items()}
        if self.outcomes is not None:
            out["outcomes"] = {k: (v.to_dict() if isinstance(v, Param) else v)
                               for k, v in self.outcomes.items()}
        if self.baseline is not None:
            out["baseline"] = {k: (v.to_dict() if isinstance(v, Param) else v)
                               for k, v in self.baseline.items()}
        if self.posterior is not None:
            out["posterior"] = self.posterior.to_dict()
        out["levers"] = {lv.name: lv.to_dict() for lv in self.levers}
        return out

    def to_toml(self):
        """The scenario as TOML text (loads back to an equal scenario)."""
        return _to_toml(self.to_dict())

    def sha256(self):
        """SHA-256 of the canonical JSON of `to_dict` (provenance of a result)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def __hash__(self):
        return hash(self.sha256())

    # -- views ----------------------------------------------------------------------
    @property
    def lever_names(self):
        """Lever names in file order."""
        return [lv.name for lv in self.levers]

    def lever(self, name):
        """The `Lever` called ``name``."""
        for lv in self.levers:
            if lv.name == name:
                return lv
        raise ScenarioError(f"unknown lever{suggest(name, self.lever_names)}",
                            file=self.source, key="lever", value=name)

    def parameters(self):
        """One row per uncertain parameter.

        Returns
        -------
        pandas.DataFrame
            Columns ``name`` (dotted path, e.g. ``levers.precursor.max_effect``), ``base``,
            ``low``, ``high``, ``unit``, ``source``, ``confidence``, ``distribution``.
            A new frame on each call (the caller may change it).
        """
        return self._parameter_frame.copy()

    @cached_property
    def _parameter_frame(self):
        """`parameters`, built once per (frozen) scenario: the analyses and the app ask
        for it many times per run."""
        rows = [_param_row(f"market.{k}", p) for k, p in self.market.items()]
        if self.mexico is not None:
            rows += [_param_row(f"mexico.{k}", p) for k, p in self.mexico.items()
                     if isinstance(p, Param)]
        for kind, spec in self.interactions.items():
            rows += [_param_row(f"interactions.{kind}.{k}", p) for k, p in spec.items()
                     if isinstance(p, Param)]
        for lv in self.levers:
            rows += [_param_row(f"levers.{lv.name}.{k}", p) for k, p in lv.params.items()]
        if self.outcomes is not None:  # last: draws of the others keep their random stream
            rows += [_param_row(f"outcomes.{k}", p) for k, p in self.outcomes.items()
                     if isinstance(p, Param)]
        if self.baseline is not None:  # after them, for the same reason
            rows += [_param_row(f"baseline.{k}", p) for k, p in self.baseline.items()
                     if isinstance(p, Param)]
        return pd.DataFrame(rows, columns=["name", "base", "low", "high", "unit", "source",
                                           "confidence", "distribution"])

    def override_keys(self):
        """Every key `with_overrides` accepts."""
        keys = ["budget", "horizon", "discount_rate", "max_mexico_homicides", "constraints"]
        for name in self.parameters()["name"]:
            keys += [name, f"{name}.low", f"{name}.high"]
        for lv in self.levers:
            keys += [f"levers.{lv.name}.{k}" for k in ("floor", "ceiling", "lock", "min_size",
                                                         "startup_cost")]
        return keys

    def with_overrides(self, overrides, *, source="<overrides>"):
        """A new, re-validated scenario with some values replaced.

        Parameters
        ----------
        overrides : Mapping[str, object]
            Keys from `override_keys`: a parameter name sets its base (``.low`` /
            ``.high`` its range); ``budget``, ``horizon``, ``discount_rate``; and
            ``levers.<lever>.floor`` / ``.ceiling`` / ``.lock`` ($M per year; ``None``
            removes a ceiling or a lock).

        Raises
        ------
        ScenarioError
            Unknown key (with a suggestion) or invalid value.
        """
        raw = self.to_dict()
        allowed = set(self.override_keys())
        for key, value in dict(overrides).items():
            if not isinstance(key, str) or key not in allowed:
                raise ScenarioError(f"unknown key{suggest(str(key), sorted(allowed))}",
                                    file=source, key=str(key), has_value=False)
            parts = key.split(".")
            if len(parts) == 1:
                if value is None:
                    raw.pop(key, None)
                else:
                    raw[key] = value
                continue
            node = raw
            for p in parts[:-1]:
                node = node[p]
            leaf = parts[-1]
            if isinstance(node.get(leaf), dict):  # a parameter name: set its base
                node[leaf]["base"] = value
            elif value is None:
                node.pop(leaf, None)
            else:
                node[leaf] = value
        return _Validator(source).scenario(raw)

    def flat_values(self):
        """Every overridable value by override key (see `override_keys`)."""
        out = {"budget": self.budget, "horizon": self.horizon,
               "discount_rate": self.discount_rate,
               "max_mexico_homicides": self.max_mexico_homicides,
               "constraints": [c.text for c in self.constraints]}
        for row in self.parameters().itertuples(index=False):
            out[row.name] = row.base
            out[f"{row.name}.low"] = row.low
            out[f"{row.name}.high"] = row.high
        for lv in self.levers:
            out[f"levers.{lv.name}.floor"] = lv.floor
            out[f"levers.{lv.name}.ceiling"] = lv.ceiling
            out[f"levers.{lv.name}.lock"] = lv.lock
            out[f"levers.{lv.name}.min_size"] = lv.min_size
            out[f"levers.{lv.name}.startup_cost"] = lv.startup_cost
        return out

    def overrides_from(self, base):
        """The overrides that turn ``base`` into this scenario (same levers).

        ``base.with_overrides(self.overrides_from(base)) == self`` holds whenever the two
        share their structure (levers, units, sources). The app uses it to put the
        widgets' changes in the page's link (``ui.url_state.scenario_from_widgets``).

        Parameters
        ----------
        base : Scenario

        Returns
        -------
        dict
            Override key -> this scenario's value, for every key of `flat_values` whose
            value differs from ``base``'s (in `flat_values` order).

        Raises
        ------
        ScenarioError
            The two scenarios have different levers or parameters.
        """
        mine, theirs = self.flat_values(), base.flat_values()
        if set(mine) != set(theirs):
            raise ScenarioError("scenarios with different levers or parameters cannot be "
                                "expressed as overrides of each other", file=self.source)
        return {k: v for k, v in mine.items() if theirs[k] != v}

    def diff(self, other):
        """Values that differ from ``other``: a DataFrame with ``key``, ``this``, ``other``.

        Keys present in only one scenario show ``None`` on the other side.
        """
        mine, theirs = self.flat_values(), other.flat_values()
        rows = [(k, mine.get(k), theirs.get(k)) for k in list(mine) + [
            k for k in theirs if k not in mine] if mine.get(k) != theirs.get(k)]
        return pd.DataFrame(rows, columns=["key", "this", "other"])

    @property
    def value_basis(self):
        """What a net benefit values: ``statistical_life`` (each death at the value of
        a statistical life), ``life_year`` (each year of life lost), or None when the
        ``[outcomes]`` table gives no money value."""
        out = self.outcomes
        if out is None:
            return None
        if "value_basis" in out:
            return out["value_basis"]
        for basis, key in _MONEY_PARAM.items():
            if key in out:
                return basis
        return None

    @property
    def baseline_model(self):
        """The projected baseline's model: ``flat`` (also without a ``[baseline]``
        table), ``trend`` or ``dynamic`` (`BASELINE_MODELS`)."""
        return "flat" if self.baseline is None else self.baseline["model"]

    def objectives(self):
        """The objectives this scenario supports (`OBJECTIVES`): deaths always,
        ``life_years`` with the ``[outcomes]`` years of life lost, ``net_benefit`` with
        a money value."""
        out = self.outcomes or {}
        return tuple(o for o, ok in (("deaths", True), ("life_years", _YEARS[0] in out),
                                     ("net_benefit", self.value_basis is not None)) if ok)

    def outcome(self, objective="deaths", values=None):
        """What the objective counts, as `models.deaths.Outcome`.

        Parameters
        ----------
        objective : {"deaths", "life_years", "net_benefit"}
        values : Mapping[str, float or ndarray], optional
            Parameter values by name replacing the base values (draws).

        Raises
        ------
        ScenarioError
            An unknown objective, or one the ``[outcomes]`` table does not support
            (naming the missing key).
        """
        if objective not in OBJECTIVES:
            raise ScenarioError(f"must be one of {', '.join(OBJECTIVES)}"
                                + suggest(str(objective), OBJECTIVES), file=self.source,
                                key="objective", value=objective)
        if objective == "deaths":
            return DEATHS
        values = values or {}
        out = self.outcomes or {}

        def p(key):
            return values.get(f"outcomes.{key}", out[key].base)

        if objective == "life_years" or self.value_basis == "life_year":
            if _YEARS[0] not in out:
                raise ScenarioError(
                    f"objective '{objective}' needs years of life lost per death: an "
                    "[outcomes] table with years_lost_synthetic and years_lost_substitution",
                    file=self.source, key="outcomes.years_lost_synthetic", has_value=False)
            v_s, v_sub = p(_YEARS[0]), p(_YEARS[1])
            if objective == "life_years":
                return Outcome("life_years", "life-years", v_s, v_sub, 0.0)
            money = p("value_per_life_year")
            return Outcome("net_benefit", "$M", np.multiply(money, v_s),
                           np.multiply(money, v_sub), 1.0)
        if self.value_basis is None:
            raise ScenarioError(
                "objective 'net_benefit' needs a money value: [outcomes] "
                "value_of_statistical_life ($M per death) or value_per_life_year",
                file=self.source, key="outcomes.value_of_statistical_life", has_value=False)
        vsl = p("value_of_statistical_life")
        return Outcome("net_benefit", "$M", vsl, vsl, 1.0)

    def model_inputs(self, horizon=None, values=None, n=None, objective="deaths"):
        """Arrays for `models` (one source of truth for `evaluate` and the optimiser).

        Parameters
        ----------
        horizon : int, optional
            Years (default: the scenario's).
        values : Mapping[str, float or ndarray], optional
            Replaces base values by parameter name (Monte Carlo draws, already within
            range), without re-validating the whole scenario.
        n : int, optional
            Draws: ``values`` then holds arrays of length ``n`` and the result's market
            fields have shape (n,) and lever fields (n, L); its ``draws`` is the kernel's
            N-draw input.
        objective : {"deaths", "life_years", "net_benefit"}
            What the objective counts (`outcome`); deaths by default.
        """
        values = values or {}
        if n is None:
            def conv(v):
                return float(v)
        else:
            if self.interactions:
                raise ValueError("draws of a scenario with interactions are solved one "
                                 "at a time")

            def conv(v):
                v = np.asarray(v, dtype=float)
                return np.full(n, float(v)) if v.ndim == 0 else v

        m = {k: conv(values.get(f"market.{k}", p.base)) for k, p in self.market.items()}

        def col(key, default=0.0):
            cols = [conv(values.get(f"levers.{lv.name}.{key}", lv.params[key].base))
                    if key in lv.params else conv(default) for lv in self.levers]
            return np.array(cols, dtype=float) if n is None else np.stack(cols, axis=1)

        return ModelInputs(
            horizon=int(horizon or self.horizon),
            baseline_deaths=m["baseline_deaths"], baseline_trend=m["baseline_trend"],
            supply_elasticity=m["supply_elasticity"], price_elasticity=m["price_elasticity"],
            pass_through=m["pass_through"], substitution=m["substitution"],
            market_lag=m["market_lag"], discount_rate=self.discount_rate,
            form=np.array([rsp.FORMS[lv.form] for lv in self.levers]),
            demand=np.array([lv.is_demand for lv in self.levers]),
            max_effect=col("max_effect"), cost_per_pct=col("cost_per_pct", 1.0),
            onset=col("onset"), adaptation_time=col("adaptation_time", 1.0),
            retained=col("retained"), alpha=col("alpha", 1.0),
            **self._interaction_inputs(values),
            outcome=self._converted(self.outcome(objective, values), conv),
            baseline_model=self._baseline_inputs(values, conv),
        )

    def _baseline_inputs(self, values, conv):
        """The ``[baseline]`` model as `models.population` arrays, or None (flat: the
        kernel's ``D0 (1 + g)^(u - 1)``, bit for bit as without the table)."""
        model = self.baseline_model
        if model == "flat":
            return None
        p = {k: conv(values.get(f"baseline.{k}", self.baseline[k].base))
             for k in BASELINE_SPECS[model]}
        return Trend(**p) if model == "trend" else Population(**p)

    @staticmethod
    def _converted(outcome, conv):
        if outcome.is_deaths:
            return outcome
        return Outcome(outcome.name, outcome.unit, conv(outcome.per_synthetic),
                       conv(outcome.per_substitution), outcome.per_musd)

    def _interaction_inputs(self, values):
        names = self.lever_names
        out = {}
        comp = self.interactions.get("complementarity")
        if comp is not None:
            gamma = float(values.get("interactions.complementarity.gamma", comp["gamma"].base))
            out["complementarity"] = (names.index(comp["boosted"]), names.index(comp["by"]),
                                      gamma)
        balloon = self.interactions.get("balloon")
        if balloon is not None:
            a, b = balloon["levers"]
            cap = float(values.get("interactions.balloon.cap", balloon["cap"].base))
            out["balloon"] = (names.index(a), names.index(b), cap)
        return out


def _param_row(name, p):
    return {"name": name, "base": p.base, "low": p.low, "high": p.high, "unit": p.unit,
            "source": p.source, "confidence": p.confidence, "distribution": p.distribution}


class _Validator:
    """Walks a raw mapping, checking every key and value; raises on the first problem."""

    def __init__(self, source):
        self.source = str(source)

    def fail(self, key, value, message, has_value=True):
        raise ScenarioError(message, file=self.source, key=key, value=value,
                            has_value=has_value)

    def table(self, key, value):
        if not isinstance(value, dict):
            self.fail(key, value, f"must be a table, got {type(value).__name__}")
        return value

    def keys(self, prefix, raw, allowed, required=()):
        for k in raw:
            if k not in allowed:
                self.fail(f"{prefix}{k}", raw[k],
                          f"unknown key{suggest(str(k), allowed)}; allowed: "
                          + ", ".join(allowed))
        for k in required:
            if k not in raw:
                self.fail(f"{prefix}{k}", None, "required key is missing", has_value=False)

    def number(self, key, value, spec: _Spec):
        # every number of a file goes through the one conversion (no OverflowError)
        return check_number(value, spec, key=key, file=self.source)

    def numbers(self, prefix, raw, specs):
        """The numbers of one table by key: a missing key takes its spec's default; a
        key without a default may be missing (or null in JSON) and is then left out."""
        out = {}
        for k, spec in specs.items():
            value = raw.get(k, spec.default)
            if value is not None or spec.default is not None:
                out[k] = self.number(f"{prefix}{k}", value, spec)
        return out

    def text(self, key, value, required=True):
        if not isinstance(value, str):
            self.fail(key, value, f"must be a string, got {type(value).__name__}")
        if required and not value.strip():
            self.fail(key, value, "must not be empty")
        if len(value) > LIMITS["text"]:
            self.fail(key, value, f"must be at most {LIMITS['text']:,} characters")
        return value

    def choice(self, key, value, options):
        if value not in options:
            hint = suggest(str(value), options) if isinstance(value, str) else ""
            self.fail(key, value, f"must be one of {', '.join(options)}{hint}")
        return value

    def param(self, key, raw, spec: _Spec):
        raw = self.table(key, raw)
        self.keys(f"{key}.", raw, _PARAM_KEYS, required=_PARAM_KEYS[:6])
        vals = {k: self.number(f"{key}.{k}", raw[k], spec) for k in ("base", "low", "high")}
        if vals["low"] > vals["high"]:
            self.fail(f"{key}.low", vals["low"],
                      f"must not exceed high ({_fmt(vals['high'])})")
        if not vals["low"] <= vals["base"] <= vals["high"]:
            self.fail(f"{key}.base", vals["base"],
                      f"must lie in low..high [{_fmt(vals['low'])}, {_fmt(vals['high'])}]")
        return Param(
            **vals,
            unit=self.text(f"{key}.unit", raw["unit"]),
            source=self.text(f"{key}.source", raw["source"]),
            confidence=self.choice(f"{key}.confidence", raw["confidence"], CONFIDENCE),
            note=self.text(f"{key}.note", raw.get("note", ""), required=False),
            distribution=self._distribution(key, raw, vals),
        )

    def _distribution(self, key, raw, vals):
        dist = self.choice(f"{key}.distribution", raw.get("distribution", "pert"),
                           DISTRIBUTIONS)
        if dist == "lognormal" and vals["low"] <= 0:
            self.fail(f"{key}.low", vals["low"], "a lognormal parameter needs low > 0")
        return dist

    def correlations(self, raw, names):
        if not isinstance(raw, list):
            self.fail("correlations", raw, "must be a list of {a, b, rho} tables")
        if len(raw) > LIMITS["correlations"]:
            self.fail("correlations", len(raw), f"at most {LIMITS['correlations']} pairs")
        pairs = []
        seen = set()
        for k, item in enumerate(raw):
            key = f"correlations[{k}]"
            item = self.table(key, item)
            self.keys(f"{key}.", item, ("a", "b", "rho"), required=("a", "b", "rho"))
            a, b = (self.text(f"{key}.{x}", item[x]) for x in ("a", "b"))
            for x, name in (("a", a), ("b", b)):
                if name not in names:
                    self.fail(f"{key}.{x}", name, "not a parameter of this scenario"
                              + suggest(name, names))
            if a == b:
                self.fail(f"{key}.b", b, "a parameter cannot be correlated with itself")
            if frozenset((a, b)) in seen:
                self.fail(key, f"{a} ~ {b}", "this pair is declared twice")
            seen.add(frozenset((a, b)))
            rho = self.number(f"{key}.rho", item["rho"], NUMBER_SPECS["correlation"]["rho"])
            pairs.append((a, b, rho))
        if pairs:
            used = sorted({n for a, b, _ in pairs for n in (a, b)})
            idx = {n: i for i, n in enumerate(used)}
            corr = np.eye(len(used))
            for a, b, rho in pairs:
                corr[idx[a], idx[b]] = corr[idx[b], idx[a]] = rho
            if np.linalg.eigvalsh(corr).min() <= 1e-10:
                self.fail("correlations", [f"{a}~{b}={r:g}" for a, b, r in pairs],
                          "the correlation matrix is not positive definite: these rank "
                          "correlations cannot hold together; weaken some of them")
        return tuple(pairs)

    def lever(self, name, raw):
        prefix = f"levers.{name}"
        raw = self.table(prefix, raw)
        channel = self.choice(f"{prefix}.channel", raw.get("channel", "supply"),
                              ("supply", "demand"))
        names = _DEMAND_PARAMS if channel == "demand" else tuple(PARAM_SPECS["lever"])
        self.keys(f"{prefix}.", raw, _LEVER_KEYS + names, required=names)
        bounds = dict.fromkeys(NUMBER_SPECS["lever"]) | self.numbers(
            f"{prefix}.", raw, NUMBER_SPECS["lever"])
        return Lever(
            name=name,
            label=self.text(f"{prefix}.label", raw.get("label", name)),
            description=self.text(f"{prefix}.description", raw.get("description", ""),
                                  required=False),
            form=self.choice(f"{prefix}.form", raw.get("form", "saturating"),
                             tuple(rsp.FORMS)),
            channel=channel,
            **bounds,
            params=MappingProxyType({
                k: self.param(f"{prefix}.{k}", raw[k], PARAM_SPECS["lever"][k])
                for k in names}),
        )

    def scenario(self, raw):
        raw = self.table("(top level)", raw)
        self.keys("", raw, _TOP_KEYS, required=("market", "levers"))
        scalars = self.numbers("", raw, {k: NUMBER_SPECS["top"][k] for k in _SCALARS})
        market_raw = self.table("market", raw["market"])
        specs = PARAM_SPECS["market"]
        self.keys("market.", market_raw, tuple(specs), required=tuple(specs))
        market = {k: self.param(f"market.{k}", market_raw[k], specs[k]) for k in specs}
        levers_raw = self.table("levers", raw["levers"])
        if not levers_raw:
            self.fail("levers", levers_raw, "at least one lever is required")
        if len(levers_raw) > LIMITS["levers"]:
            self.fail("levers", len(levers_raw),
                      f"at most {LIMITS['levers']} levers are supported")
        for name in levers_raw:
            if not (isinstance(name, str) and re.fullmatch(LEVER_NAME, name)):
                self.fail("levers", name, "a lever name must be a simple identifier "
                                          "(letters, digits, underscores)")
        levers = tuple(self.lever(n, r) for n, r in levers_raw.items())
        names = [f"market.{k}" for k in market] + [f"levers.{lv.name}.{k}"
                                                   for lv in levers for k in lv.params]
        mexico = self.mexico(raw.get("mexico"), [lv.name for lv in levers])
        interactions = self.interactions(raw.get("interactions", {}), levers)
        names += [f"interactions.{kind}.{k}" for kind, spec in interactions.items()
                  for k, p in spec.items() if isinstance(p, Param)]
        if mexico is not None:
            names += [f"mexico.{k}" for k in PARAM_SPECS["mexico"]]
        outcomes = self.outcomes(raw.get("outcomes"), market)
        if outcomes is not None:
            names += [f"outcomes.{k}" for k, p in outcomes.items() if isinstance(p, Param)]
        baseline = self.baseline(raw.get("baseline"), market)
        if baseline is not None:
            names += [f"baseline.{k}" for k, p in baseline.items() if isinstance(p, Param)]
        correlations = self.correlations(raw.get("correlations", []), names)
        posterior = self.posterior(raw.get("posterior"), market, levers, mexico,
                                   interactions, outcomes, baseline, correlations)
        constraints = self.constraints(raw.get("constraints", []), [lv.name for lv in levers])
        max_mx = raw.get("max_mexico_homicides")
        if max_mx is not None:
            max_mx = self.number("max_mexico_homicides", max_mx,
                                 NUMBER_SPECS["top"]["max_mexico_homicides"])
            if mexico is None:
                self.fail("max_mexico_homicides", max_mx, "needs a [mexico] table that "
                          "defines the violence outcome")
        phasing = self.phasing(raw.get("phasing", {}), scalars)
        name = self.text("name", raw.get("name", Path(self.source).stem or "scenario"))
        return Scenario(
            name=name,
            description=self.text("description", raw.get("description", ""), required=False),
            market=MappingProxyType(market), levers=levers, correlations=correlations,
            constraints=constraints, max_mexico_homicides=max_mx,
            phasing=MappingProxyType(phasing), mexico=mexico,
            interactions=MappingProxyType(interactions), outcomes=outcomes,
            baseline=baseline, posterior=posterior, source=self.source, **scalars)

    def posterior(self, raw, market, levers, mexico, interactions, outcomes, baseline,
                  correlations):
        if raw is None:
            return None
        raw = self.table("posterior", raw)
        self.keys("posterior.", raw, ("columns", "draws"), required=("columns", "draws"))
        params = {f"market.{k}": p for k, p in market.items()}
        for kind, spec in interactions.items():
            params.update({f"interactions.{kind}.{k}": p for k, p in spec.items()
                           if isinstance(p, Param)})
        for lv in levers:
            params.update({f"levers.{lv.name}.{k}": p for k, p in lv.params.items()})
        for prefix, table in (("mexico", mexico), ("outcomes", outcomes),
                              ("baseline", baseline)):
            if table is not None:
                params.update({f"{prefix}.{k}": p for k, p in table.items()
                               if isinstance(p, Param)})
        columns = raw["columns"]
        if not isinstance(columns, list) or not columns:
            self.fail("posterior.columns", columns,
                      "must be a non-empty list of parameter names")
        for j, name in enumerate(columns):
            if not isinstance(name, str) or name not in params:
                hint = suggest(name, list(params)) if isinstance(name, str) else ""
                self.fail(f"posterior.columns[{j}]", name, f"unknown parameter{hint}")
            if columns.index(name) != j:
                self.fail(f"posterior.columns[{j}]", name, "is listed twice")
        correlated = {n for a, b, _ in correlations for n in (a, b)} & set(columns)
        if correlated:
            self.fail("posterior.columns", sorted(correlated),
                      "a parameter with posterior draws cannot also be in correlations "
                      "(the draws carry its dependence)")
        rows = raw["draws"]
        if not isinstance(rows, list) or not rows:
            self.fail("posterior.draws", rows, "must be a non-empty list of rows")
        if len(rows) > LIMITS["posterior_rows"]:
            self.fail("posterior.draws", len(rows),
                      f"at most {LIMITS['posterior_rows']:,} rows")
        ranges = [_Spec(params[n].low, params[n].high, f"({n} low..high)") for n in columns]
        good = next((i for i, row in enumerate(rows)
                     if not isinstance(row, list) or len(row) != len(columns)), len(rows))
        body = rows[:good]
        out = _posterior_fast(body, ranges)
        if out is None:  # some value fails (or is not a plain number): the full check
            out = [tuple(self.number(f"posterior.draws[{i}].{n}", v, spec)
                         for v, n, spec in zip(row, columns, ranges))
                   for i, row in enumerate(body)]
        if good < len(rows):
            self.fail(f"posterior.draws[{good}]", rows[good],
                      f"must be a list of {len(columns)} numbers (one per column)")
        return Posterior(columns=tuple(columns), draws=tuple(out))

    def interactions(self, raw, levers):
        raw = self.table("interactions", raw)
        self.keys("interactions.", raw, ("complementarity", "balloon"))
        names = [lv.name for lv in levers]
        supply = [lv.name for lv in levers if not lv.is_demand]
        out = {}
        if "complementarity" in raw:
            key = "interactions.complementarity"
            spec = self.table(key, raw["complementarity"])
            self.keys(f"{key}.", spec, ("boosted", "by", "gamma"),
                      required=("boosted", "by", "gamma"))
            for k in ("boosted", "by"):
                if spec[k] not in names:
                    self.fail(f"{key}.{k}", spec[k], "not a lever of this scenario"
                              + suggest(str(spec[k]), names))
            if spec["boosted"] == spec["by"]:
                self.fail(f"{key}.by", spec["by"], "must differ from boosted")
            out["complementarity"] = {
                "boosted": spec["boosted"], "by": spec["by"],
                "gamma": self.param(f"{key}.gamma", spec["gamma"],
                                    PARAM_SPECS["interactions"]["gamma"])}
        if "balloon" in raw:
            key = "interactions.balloon"
            spec = self.table(key, raw["balloon"])
            self.keys(f"{key}.", spec, ("levers", "cap"), required=("levers", "cap"))
            pair = spec["levers"]
            if not (isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]):
                self.fail(f"{key}.levers", pair, "must list two different supply levers")
            for name in pair:
                if name not in supply:
                    self.fail(f"{key}.levers", name, "not a supply lever of this scenario"
                              + suggest(str(name), supply))
            out["balloon"] = {"levers": tuple(pair),
                              "cap": self.param(f"{key}.cap", spec["cap"],
                                                PARAM_SPECS["interactions"]["cap"])}
        return out

    def constraints(self, raw, levers):
        from .constraints import ConstraintSyntaxError, parse_constraint

        if not isinstance(raw, list):
            self.fail("constraints", raw, "must be a list of strings such as "
                                          "\"financial >= 0.5 * counter_network\"")
        if len(raw) > LIMITS["constraints"]:
            self.fail("constraints", len(raw), f"at most {LIMITS['constraints']} constraints")
        out = []
        for k, text in enumerate(raw):
            try:
                out.append(parse_constraint(text, levers))
            except ConstraintSyntaxError as exc:
                pointer = ""
                if isinstance(text, str):  # up to 40 characters either side of the column
                    at = exc.column - 1
                    before = ("..." if at > 40 else "") + text[max(at - 40, 0):at]
                    after = text[at:at + 40] + ("..." if len(text) > at + 40 else "")
                    pointer = f" [{before}>>>{after}]"
                self.fail(f"constraints[{k}]", text, f"{exc} at column {exc.column}{pointer}")
        return tuple(out)

    def mexico(self, raw, levers):
        if raw is None:
            return None
        raw = self.table("mexico", raw)
        specs = PARAM_SPECS["mexico"]
        self.keys("mexico.", raw, ("removal_lever", "gun_lever") + tuple(specs),
                  required=tuple(specs))
        out = {}
        for key, default in (("removal_lever", "counter_network"), ("gun_lever", "gun_flow")):
            name = raw.get(key, default)
            if name is not None and name not in levers:
                self.fail(f"mexico.{key}", name, "not a lever of this scenario"
                          + suggest(str(name), levers))
            out[key] = name
        for k in specs:
            out[k] = self.param(f"mexico.{k}", raw[k], specs[k])
        return MappingProxyType(out)

    def outcomes(self, raw, market):
        """The optional ``[outcomes]`` table: years of life lost per death of each kind
        (both or neither), a money value per death or per life-year, ``value_basis``."""
        if raw is None:
            return None
        raw = self.table("outcomes", raw)
        specs = PARAM_SPECS["outcomes"]
        self.keys("outcomes.", raw, ("value_basis",) + tuple(specs))
        out = {k: self.param(f"outcomes.{k}", raw[k], specs[k]) for k in specs if k in raw}
        years = [k for k in _YEARS if k in out]
        if len(years) == 1:
            missing = _YEARS[1 - _YEARS.index(years[0])]
            self.fail(f"outcomes.{missing}", None, f"required with outcomes.{years[0]} "
                      "(years of life lost per death of each kind)", has_value=False)
        if years:
            ls, lsub, phi = out[_YEARS[0]], out[_YEARS[1]], market["substitution"]
            if ls.low < phi.high * lsub.high:  # the weight of synthetic deaths >= 0
                self.fail("outcomes.years_lost_synthetic.low", ls.low,
                          "must be at least market.substitution.high x "
                          "outcomes.years_lost_substitution.high = "
                          f"{phi.high:g} x {lsub.high:g} = {phi.high * lsub.high:g}: "
                          "otherwise a supply cut could lose more years of life to "
                          "substitution deaths than it saves, and the life-years "
                          "objective would not be convex")
        if "value_basis" in raw:
            basis = self.choice("outcomes.value_basis", raw["value_basis"], VALUE_BASES)
            if _MONEY_PARAM[basis] not in out:
                self.fail(f"outcomes.{_MONEY_PARAM[basis]}", None, "required by "
                          f"outcomes.value_basis = \"{basis}\"", has_value=False)
            out["value_basis"] = basis
        elif all(k in out for k in _MONEY_PARAM.values()):
            self.fail("outcomes.value_basis", None, "both value_of_statistical_life and "
                      "value_per_life_year are given: say which one values the net benefit "
                      "(\"statistical_life\" or \"life_year\")", has_value=False)
        if "value_per_life_year" in out and not years \
                and out.get("value_basis", "life_year") == "life_year":
            self.fail(f"outcomes.{_YEARS[0]}", None, "required by value_per_life_year "
                      "(years of life lost per death of each kind)", has_value=False)
        return MappingProxyType(out)

    def baseline(self, raw, market):
        """The optional ``[baseline]`` table: ``model`` and that model's parameters
        (`BASELINE_SPECS`), nothing else."""
        if raw is None:
            return None
        raw = self.table("baseline", raw)
        model = self.choice("baseline.model", raw.get("model", "flat"), BASELINE_MODELS)
        specs = BASELINE_SPECS[model]
        others = sorted({k for m in BASELINE_SPECS.values() for k in m} - set(specs))
        for k in raw:
            if k in others:
                self.fail(f"baseline.{k}", raw[k], f"not a parameter of the '{model}' "
                          "baseline; its parameters: "
                          + (", ".join(specs) or "none (it uses market.baseline_trend)"))
        self.keys("baseline.", raw, ("model",) + tuple(specs), required=tuple(specs))
        out = {"model": model}
        out.update({k: self.param(f"baseline.{k}", raw[k], s) for k, s in specs.items()})
        if model == "dynamic":
            deaths, people = market["baseline_deaths"], out["people_at_risk"]
            if people.low < deaths.high:  # the hazard D0 / P_1 stays below 1
                self.fail("baseline.people_at_risk.low", people.low,
                          f"must be at least market.baseline_deaths.high ({deaths.high:g}): "
                          "the death hazard D0 / people_at_risk would exceed one death "
                          "per person-year at risk")
        return MappingProxyType(out)

    def phasing(self, raw, scalars):
        raw = self.table("phasing", raw)
        self.keys("phasing.", raw, _PHASING_KEYS)
        out = self.numbers("phasing.", raw, NUMBER_SPECS["phasing"])
        if ("year_min" in out or "year_max" in out) and "envelope" not in out:
            self.fail("phasing.envelope", None, "year_min and year_max need an envelope "
                      "(the total $M over the horizon)", has_value=False)
        if out.get("year_min", 0) > out.get("year_max", np.inf):
            self.fail("phasing.year_min", out["year_min"],
                      f"must not exceed year_max ({out['year_max']:g})")
        return out


def load_scenario(path):
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A ``.toml`` scenario, or a ``.json`` result export (its resolved scenario is
        used, so the export reproduces its allocation).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Missing, unreadable, oversized (more than `MAX_FILE_BYTES`, 1 MB), non-UTF-8 or
        malformed file, a folder or a device, or any invalid value.

    Examples
    --------
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> sc.lever_names
    ['counter_network', 'financial', 'gun_flow', 'precursor']
    >>> load_scenario("inputs/nope.toml")
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: inputs/nope.toml: file not found
    """
    path = Path(path)
    source = str(path)
    try:  # bounded: a pipe or /dev/zero given as the file cannot fill the memory
        data = read_input(path, limit=MAX_FILE_BYTES)
    except FileError as exc:
        raise ScenarioError(exc.reason, file=source) from None
    return parse_scenario(data, source=source,
                          kind="json" if path.suffix.lower() == ".json" else "toml")


def parse_scenario(data: bytes, *, source="<upload>", kind="toml"):
    """Parse scenario bytes (TOML, or a JSON export) without executing anything.

    Parameters
    ----------
    data : bytes
        The file's content, UTF-8, at most `MAX_FILE_BYTES` (1 MB).
    source : str
        Named in error messages (e.g. an uploaded file's name).
    kind : {"toml", "json"}
        ``json``: a result exported by the tool (its resolved scenario is used) or a
        scenario as a JSON object.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Oversized, non-UTF-8 or malformed data, or any invalid value.

    Examples
    --------
    >>> from pathlib import Path
    >>> data = Path("inputs/baseline.toml").read_bytes()
    >>> parse_scenario(data, source="baseline.toml").budget  # $M per year
    1000.0
    >>> parse_scenario(b"budget = 1000", source="<upload>")
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: <upload>: market: required key is missing
    """
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"file is {len(data):,} bytes; scenario files are limited to "
                            f"{MAX_FILE_BYTES:,} bytes (1 MB)", file=source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", file=source) from None
    try:
        if kind == "json":
            raw = json.loads(text, parse_constant=_reject_constant,
                             object_pairs_hook=_no_duplicates)
            if isinstance(raw, dict) and "scenario" in raw and "provenance" in raw:
                raw = raw["scenario"]
        else:
            raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"malformed {kind.upper()}: {exc}", file=source) from None
    except RecursionError:
        raise ScenarioError(f"malformed {kind.upper()}: nested too deeply",
                            file=source) from None
    except ValueError as exc:
        raise ScenarioError(f"malformed {kind.upper()}: {exc}", file=source) from None
    return Scenario.from_dict(raw, source=source)


def _posterior_fast(rows, ranges):
    """The rows as tuples of floats when every value is a plain finite number within its
    column's closed range (what `check_number` would accept), else None (vectorised: a
    calibrated posterior has thousands of values)."""
    if not all(type(v) is float or type(v) is int for row in rows for v in row):
        return None
    try:
        arr = np.array(rows, dtype=float).reshape(len(rows), len(ranges))
    except (OverflowError, ValueError):
        return None
    lo = np.array([r.low for r in ranges])
    hi = np.array([r.high for r in ranges])
    if not (np.isfinite(arr).all() and (arr >= lo).all() and (arr <= hi).all()):
        return None
    return [tuple(row) for row in arr.tolist()]


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise ValueError(f"key '{k}' is declared twice")
    return dict(pairs)


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed")


# -- TOML writing (the structure is fixed and shallow, so a small emitter suffices) ----
def _toml_value(v):
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    return json.dumps(v, ensure_ascii=False)  # a valid TOML basic string


def _is_section(v):
    # parameter tables ({base, low, ...}) are written inline; other tables are sections
    return isinstance(v, dict) and "base" not in v


def _section(lines, path, table):
    lines += ["", f"[{path}]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if not _is_section(v)]
    for k, v in table.items():
        if _is_section(v):
            _section(lines, f"{path}.{k}", v)


def _to_toml(d):
    lines = [f"{k} = {_toml_value(v)}" for k, v in d.items() if not _is_section(v)]
    for k, v in d.items():
        if _is_section(v) and k != "levers":
            _section(lines, k, v)
    for name, lever in d["levers"].items():
        _section(lines, f"levers.{name}", lever)
    return "\n".join(lines) + "\n"
