"""Cached calls into `decide` for the app (caching lives here, never in the library)."""

from __future__ import annotations

import weakref
from pathlib import Path
from threading import Lock

import pandas as pd
import streamlit as st

import decide

__all__ = ["ROOT", "INPUTS", "DEFAULT", "LANDING_DRAWS", "LANDING_SEED", "scenario_files",
           "load_file", "parse", "memo", "MEMO_SIZE", "chart_spec", "toml_of", "parameter_table",
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


_CALLS, _CALLS_LOCK = {}, Lock()
#: Entries kept at most (an entry also goes as soon as one of its arguments is freed).
MEMO_SIZE = 256
_SCALARS = (int, float, str, bool, type(None))


def _token(value):
    """A key part: scalars by value (a rerun makes new float objects), tuples of scalars
    by value, anything else by identity."""
    if isinstance(value, _SCALARS):
        return (type(value), value)
    if isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value):
        return (tuple, value)
    return ("id", id(value))


def memo(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, computed once per arguments: scalars compared by value,
    other arguments (a Scenario or Allocation from the caches above, a stored analysis
    result: the same object on every rerun) by identity. For TOML text, parameter tables,
    chart specifications and display tables, which cost up to tens of ms and do not
    change between reruns. ``fn`` must be a module-level function; the result is shared,
    so read-only.

    An entry lives as long as its arguments: when one is freed (a session replaced its
    result) the entry goes with it, so a new object given the freed one's id never finds
    it and a large result is not kept alive by its chart. Arguments that cannot be
    weakly referenced are held instead, and at most `MEMO_SIZE` entries are kept.
    """
    key = (fn, tuple(_token(a) for a in args),
           tuple((k, _token(v)) for k, v in sorted(kwargs.items())))
    hit = _CALLS.get(key)
    if hit is not None:
        return hit[1]
    value = fn(*args, **kwargs)
    held = []
    for arg in (*args, *kwargs.values()):
        if _token(arg)[0] == "id":
            try:
                weakref.finalize(arg, _CALLS.pop, key, None)
            except TypeError:  # not weakly referenceable: keep it (and so its id)
                held.append(arg)
    with _CALLS_LOCK:
        if len(_CALLS) >= MEMO_SIZE:
            _CALLS.pop(next(iter(_CALLS)), None)
        _CALLS[key] = (held, value)
    return value


def chart_spec(build, *args, **kwargs):
    """The Vega-Lite specification of ``build(*args, **kwargs)`` (an Altair chart from
    `decide.reporting.charts`), built and validated once per arguments (`memo`): show it
    with ``st.vega_lite_chart(spec=...)``."""
    return memo(_spec_of, build, *args, **kwargs)


def _spec_of(build, *args, **kwargs):
    return build(*args, **kwargs).to_dict()


def toml_of(sc):
    """``sc.to_toml()``, computed once per Scenario object (the caches' key)."""
    return memo(_toml, sc)


def _toml(sc):
    return sc.to_toml()


def parameter_table(sc):
    """``sc.parameters()`` indexed by name (read-only: shared by every rerun)."""
    return memo(_parameter_table, sc)


def _parameter_table(sc):
    return sc.parameters().set_index("name", drop=False)


def result_chart(res, kind):
    """The Vega-Lite specification of result ``res``'s ``kind`` chart ("allocation" or
    "deaths", `decide.reporting.charts`), built and validated once per result."""
    from decide.reporting import charts

    return chart_spec(charts.allocation_chart if kind == "allocation"
                      else charts.deaths_chart, res)


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


def fan_spec(fan, **titles):
    """``charts.fan_chart(fan, **titles).to_dict()``, fast: the chart is built and
    validated once per layout (years, series and titles; `memo`) and each fan only puts
    its data rows into that template. Building and validating it with altair took ~28 ms,
    about a third of the script's time after a budget change; the rows take ~4 ms."""
    import altair as alt

    df = fan[["year", "series", "p05", "p50", "p95"]].copy()
    df["year"] = df["year"].astype(int)
    template = memo(_fan_template, tuple(sorted(df["year"].unique().tolist())),
                    tuple(df["series"].unique().tolist()), **titles)
    name = template["data"]["name"]
    return {**template, "datasets": {name: alt.utils.data.to_values(df)["values"]}}


def _fan_template(years, series, **titles):
    """A fan chart's specification for these years and series (its data rows zeros: the
    specification depends on the layout only; `fan_spec` replaces them)."""
    from decide.reporting import charts

    layout = pd.DataFrame([(y, name) for name in series for y in years],
                          columns=["year", "series"]).assign(p05=0.0, p50=0.0, p95=0.0)
    return charts.fan_chart(layout, **titles).to_dict()


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
