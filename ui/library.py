"""Cached calls into `decide` for the app (caching lives here, never in the library)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import decide

__all__ = ["ROOT", "INPUTS", "DEFAULT", "scenario_files", "load_file", "solve",
           "decision_basis", "docs_text", "observed_data"]

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
#: The scenario file a fresh page opens.
DEFAULT = "baseline.toml"


def scenario_files():
    """Names of the bundled scenario files (``inputs/*.toml``), sorted."""
    return sorted(p.name for p in INPUTS.glob("*.toml"))


@st.cache_data(show_spinner=False, max_entries=32)
def load_file(name: str) -> str:
    """The text of the bundled scenario file ``name``."""
    return (INPUTS / name).read_text(encoding="utf-8")


@st.cache_resource(show_spinner=False, max_entries=64)
def solve(toml_text: str, phasing: bool = False, objective: str = "deaths"):
    """`decide.optimize` of a scenario given as TOML text (the cache key)."""
    return decide.optimize(decide.parse_scenario(toml_text.encode(), source="app settings"),
                           phasing=phasing, objective=objective)


@st.cache_data(show_spinner=False, max_entries=32)
def decision_basis(toml_text: str, phasing: bool = False) -> list:
    """What the decision rests on, as sentences (`decide.reporting.sentences`)."""
    from decide.reporting.sentences import decision_sentences

    return decision_sentences(solve(toml_text, phasing))


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
