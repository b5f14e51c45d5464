"""Cached calls into `decide` for the app (caching lives here, never in the library)."""

from __future__ import annotations

from pathlib import Path
from threading import Lock

import streamlit as st

import decide

__all__ = ["ROOT", "INPUTS", "DEFAULT", "LANDING_DRAWS", "LANDING_SEED", "scenario_files",
           "load_file", "parse", "memo", "chart_spec", "toml_of", "parameter_table",
           "result_chart", "solve",
           "outlook", "fan_specs", "fan_spec", "proposal_outlook", "decision_basis", "docs_text",
           "observed_data", "EXPERTS", "expert_panel", "discovery", "expert_panel_result"]

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
#: The scenario file a fresh page opens.
DEFAULT = "baseline.toml"
#: Plausible worlds behind the landing page's range (and its seed: the page is
#: reproducible; `decide.outlook(sc, n=LANDING_DRAWS, seed=LANDING_SEED)` repeats it).
LANDING_DRAWS = 5_000
LANDING_SEED = 0
#: The shipped panel of (illustrative) experts (`decide.analyses.load_panel`).
EXPERTS = INPUTS / "experts"


def scenario_files():
    """Names of the bundled scenario files (``inputs/*.toml``), sorted."""
    return sorted(p.name for p in INPUTS.glob("*.toml"))


@st.cache_data(show_spinner=False, max_entries=32)
def load_file(name: str) -> str:
    """The text of the bundled scenario file ``name``."""
    return (INPUTS / name).read_text(encoding="utf-8")


@st.cache_resource(show_spinner=False, max_entries=32)
def parse(data: bytes, source: str, kind: str = "toml"):
    """`decide.parse_scenario` of a file's bytes, once per content (the Scenario is
    frozen, so every session shares it; a rerun re-uses the same object)."""
    return decide.parse_scenario(data, source=source, kind=kind)


def _by_identity(fn, size=64):
    """Memoise ``fn(obj)`` by the identity of ``obj`` (Scenarios and results are frozen
    and, coming from the caches above, the same object on every rerun): the per-rerun
    cost of TOML text, parameter tables and chart specifications is paid once."""
    memo, lock = {}, Lock()

    def wrapper(obj):
        hit = memo.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = fn(obj)
        with lock:
            if len(memo) >= size:
                memo.pop(next(iter(memo)))
            memo[id(obj)] = (obj, value)  # holding obj keeps its id from being reused
        return value

    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


_CALLS, _CALLS_LOCK = {}, Lock()
_SCALARS = (int, float, str, bool, type(None))


def _token(value):
    """A key part: scalars by value (a rerun makes new float objects), tuples of scalars
    by value, anything else by identity."""
    if isinstance(value, _SCALARS):
        return (type(value), value)
    if isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value):
        return (tuple, value)
    return ("id", id(value))


def memo(fn, *args, size=256, **kwargs):
    """``fn(*args, **kwargs)``, computed once per arguments: scalars compared by value,
    other arguments (a stored analysis result, a cached Scenario or Allocation: the same
    object on every rerun) by identity. For a tab's chart specifications and display
    tables, which cost tens of ms to build and do not change between reruns. ``fn``
    must be a module-level function; the result is shared, so read-only."""
    key = (fn, tuple(_token(a) for a in args),
           tuple((k, _token(v)) for k, v in sorted(kwargs.items())))
    hit = _CALLS.get(key)
    if hit is not None:
        return hit[1]
    value = fn(*args, **kwargs)
    with _CALLS_LOCK:
        if len(_CALLS) >= size:
            _CALLS.pop(next(iter(_CALLS)))
        # holding the arguments keeps their ids from being reused by new objects
        _CALLS[key] = ((args, kwargs), value)
    return value


def chart_spec(build, *args, **kwargs):
    """The Vega-Lite specification of ``build(*args, **kwargs)`` (an Altair chart from
    `decide.reporting.charts`), built and validated once per arguments (`memo`): show it
    with ``st.vega_lite_chart(spec=...)``."""
    return memo(_spec_of, build, *args, **kwargs)


def _spec_of(build, *args, **kwargs):
    return build(*args, **kwargs).to_dict()


@_by_identity
def toml_of(sc):
    """``sc.to_toml()``, computed once per Scenario object (the caches' key)."""
    return sc.to_toml()


@_by_identity
def parameter_table(sc):
    """``sc.parameters()`` indexed by name (read-only: shared by every rerun)."""
    return sc.parameters().set_index("name", drop=False)


def result_chart(res, kind):
    """The Vega-Lite specification of result ``res``'s ``kind`` chart ("allocation" or
    "deaths", `decide.reporting.charts`), built and validated once per result."""
    return (_allocation_spec if kind == "allocation" else _deaths_spec)(res)


@_by_identity
def _allocation_spec(res):
    from decide.reporting import charts

    return charts.allocation_chart(res).to_dict()


@_by_identity
def _deaths_spec(res):
    from decide.reporting import charts

    return charts.deaths_chart(res).to_dict()


@st.cache_resource(show_spinner=False, max_entries=64)
def solve(toml_text: str, phasing: bool = False, objective: str = "deaths"):
    """`decide.optimize` of a scenario given as TOML text (the cache key)."""
    return decide.optimize(decide.parse_scenario(toml_text.encode(), source="app settings"),
                           phasing=phasing, objective=objective)


@st.cache_resource(show_spinner=False, max_entries=64)
def outlook(toml_text: str, phasing: bool = False, objective: str = "deaths"):
    """`decide.outlook` of the solved allocation: `LANDING_DRAWS` worlds, `LANDING_SEED`.

    Cached by scenario text (shared by every session: results are read-only). Outside
    the fast engine's scope each world's optimum would need an LP (about 10 ms a draw),
    so the allocation is scored without them there (no P(best), no P(funded)).
    """
    from decide.optimization.newton import in_scope

    res = solve(toml_text, phasing, objective)
    return decide.outlook(res.scenario, res, n=LANDING_DRAWS, seed=LANDING_SEED,
                          reoptimise=in_scope(res.scenario))


@st.cache_resource(show_spinner=False, max_entries=64)
def fan_specs(toml_text: str, phasing: bool = False, objective: str = "deaths"):
    """The landing page's two fan charts as Vega-Lite specifications (once per scenario,
    not on every rerun; see `fan_spec`)."""
    out = outlook(toml_text, phasing, objective)
    return (fan_spec(out.fan),
            fan_spec(out.averted_fan, title="Deaths averted by year (median and 90% range)",
                     y_title="Deaths averted per year"))


_FAN_TEMPLATES, _FAN_LOCK = {}, Lock()


def fan_spec(fan, **titles):
    """``charts.fan_chart(fan, **titles).to_dict()``, fast: the chart is built and
    validated once per layout (years, series and titles) and a new fan only replaces the
    template's data rows. Building and validating it with altair took ~28 ms, about a
    third of the script's time after a budget change; a swap takes ~4 ms."""
    import altair as alt

    from decide.reporting import charts

    df = fan[["year", "series", "p05", "p50", "p95"]].copy()
    df["year"] = df["year"].astype(int)
    key = (tuple(sorted(df["year"].unique().tolist())), tuple(df["series"].unique()),
           tuple(sorted(titles.items())))
    template = _FAN_TEMPLATES.get(key)
    if template is None:
        template = charts.fan_chart(fan, **titles).to_dict()
        with _FAN_LOCK:
            if len(_FAN_TEMPLATES) >= 32:
                _FAN_TEMPLATES.pop(next(iter(_FAN_TEMPLATES)))
            _FAN_TEMPLATES[key] = template
        return template
    name = template["data"]["name"]
    return {**template, "datasets": {name: alt.utils.data.to_values(df)["values"]}}


@st.cache_resource(show_spinner=False, max_entries=32)
def proposal_outlook(toml_text: str, spend: tuple):
    """`decide.outlook` of a proposed flat allocation (``spend``: $M per year per lever,
    in the scenario's lever order), over the landing page's worlds."""
    from decide.optimization.newton import in_scope

    sc = decide.parse_scenario(toml_text.encode(), source="app settings")
    return decide.outlook(sc, dict(zip(sc.lever_names, spend, strict=True)),
                          n=LANDING_DRAWS, seed=LANDING_SEED, reoptimise=in_scope(sc))


@st.cache_resource(show_spinner=False, max_entries=32)
def decision_basis(toml_text: str, phasing: bool = False) -> tuple:
    """What the decision rests on, as sentences (`decide.reporting.sentences`; a tuple:
    shared by every session)."""
    from decide.reporting.sentences import decision_sentences

    return tuple(decision_sentences(solve(toml_text, phasing)))


@st.cache_data(show_spinner=False, max_entries=8)
def docs_text() -> str:
    """``docs/model.md``, or a line saying it is missing."""
    path = ROOT / "docs" / "model.md"
    return path.read_text(encoding="utf-8") if path.exists() else "docs/model.md is missing."


@st.cache_data(show_spinner=False, max_entries=2)
def observed_data():
    """The shipped observed data (`decide.scenario.load_observed`)."""
    from decide.scenario import load_observed

    return load_observed()


@st.cache_resource(show_spinner=False, max_entries=2)
def expert_panel():
    """The shipped expert panel (`EXPERTS`), read once."""
    from decide.analyses import load_panel

    return load_panel(EXPERTS)


@st.cache_resource(show_spinner=False, max_entries=16)
def discovery(toml_text: str, n: int, seed: int, failure: str):
    """`decide.discover` of a scenario given as TOML text, against its base-case
    optimum (`solve`)."""
    sc = decide.parse_scenario(toml_text.encode(), source="app settings")
    return decide.discover(sc, n=n, seed=seed, failure=failure,
                           allocation=solve(toml_text).spend)


@st.cache_resource(show_spinner=False, max_entries=8)
def expert_panel_result(toml_text: str, n: int, seed: int):
    """`decide.experts` of a scenario given as TOML text and the shipped panel."""
    sc = decide.parse_scenario(toml_text.encode(), source="app settings")
    return decide.experts(sc, expert_panel(), n=n, seed=seed)
