"""The "Where it breaks" (scenario discovery) and "Experts" tabs: AppTest runs, and unit
tests of their sentences (`decide.reporting.sentences`)."""

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import decide
from decide.analyses.discovery import Discovery, Failure
from decide.reporting.sentences import (
    FAILURE_CHOICES,
    box_sentences,
    cross_regret_sentence,
    expert_allocation_sentence,
    experts_sentences,
    failure_phrase,
    restriction_phrase,
)

from .conftest import ROOT

APP = str(ROOT / "app.py")


def _raw(text):
    """The first internal key in ``text`` (snake_case or a dotted parameter path)."""
    hit = re.search(r"\b[a-z]+_[a-z_]+\b|\blevers\.|\bmarket\.|\bmexico\.|\bengine:", text)
    return hit.group(0) if hit else None


def _tab(at, label):
    return next(t for t in at.tabs if t.label == label)


def _text(tab):
    return "\n".join([m.value for m in tab.markdown] + [c.value for c in tab.caption]
                     + [e.value for e in tab.info] + [w.value for w in tab.warning])


def _headings(frame):
    config = json.loads(frame.proto.columns or "{}")
    order = list(frame.proto.column_order) or list(frame.value.columns)
    return [config.get(c, {}).get("label", c) for c in order]


def _app(tab):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["tab"] = tab  # only the open tab runs
    return at.run()


# -- the app ---------------------------------------------------------------------------------
def test_tabs_follow_value_of_information():
    labels = [label for label, _ in __import__("ui.tabs", fromlist=["TABS"]).TABS]
    i = labels.index("Value of information")
    assert labels[i + 1:i + 3] == ["Where it breaks", "Experts"]


def test_where_it_breaks_tab_runs_and_speaks_in_words():
    at = _app("Where it breaks")
    assert not at.exception and not at.error
    tab = _tab(at, "Where it breaks")
    assert at.selectbox(key="di_n").options == ["2,000", "10,000"]
    labels = at.selectbox(key="di_failure").options
    assert labels == list(FAILURE_CHOICES.values())
    assert "Press Find where it breaks." in _text(tab)
    at.selectbox(key="di_failure").select("top_lever")
    at.button(key="di_run").click().run()
    assert not at.exception and not at.error
    tab = _tab(at, "Where it breaks")
    text = _text(tab)
    assert "puts the most money on another lever" in text
    assert "Across 2,000 worlds" in text
    assert ("No box worth keeping" in text and "of worlds overall" in text) or (
        "of the failures; within it the decision fails in" in text)
    assert _raw(text) is None, _raw(text)
    assert [h for f in tab.dataframe for h in _headings(f) if _raw(h)] == []
    assert any(b.label == "Download discovery_draws (CSV)" for b in at.get("download_button"))
    # a lever's share: the lever select appears, with labels
    at.selectbox(key="di_failure").select("share").run()
    lever = at.selectbox(key="di_lever")
    assert "Precursor diplomacy" in lever.options
    lever.select("precursor")
    at.button(key="di_run").click().run()
    assert not at.exception and not at.error
    text = _text(_tab(at, "Where it breaks"))
    assert "moves Precursor diplomacy's share of the budget by more than 10" in text
    assert _raw(text) is None, _raw(text)


def test_experts_tab_runs_and_speaks_in_words():
    at = _app("Experts")
    assert not at.exception and not at.error
    assert "Press Run the expert panel." in _text(_tab(at, "Experts"))
    at.selectbox(key="ex_n").select(500)
    at.button(key="ex_run").click().run()
    assert not at.exception and not at.error
    tab = _tab(at, "Experts")
    text = _text(tab)
    assert "Supply-control optimist (illustrative)" in text
    assert "illustrative" in text and "not elicited" in text
    assert "would fund" in text and "a year" in text
    assert "The pooled allocation funds" in text and "The robust allocation funds" in text
    assert "How to read the cross-regret table" in text
    assert "Weights used in the pool" in text and "equal weights" in text
    assert _raw(text) is None, _raw(text)
    headings = [h for f in tab.dataframe for h in _headings(f)]
    assert "Precursor diplomacy ($M per year)" in headings
    assert any(h.startswith("Extra deaths under ") for h in headings)
    assert [h for h in headings if _raw(h)] == []
    panel = next(f.value for f in tab.dataframe if "Affiliation" in f.value.columns)
    assert set(panel["Illustrative (constructed, not elicited)"]) == {"yes"}
    alloc = next(f.value for f in tab.dataframe if "Allocation" in f.value.columns)
    assert alloc["Allocation"].iloc[-1].startswith("Robust")


# -- the sentences ---------------------------------------------------------------------------
def _discovery(boxes, restrictions, base_rate=0.19, n=2000, failure="top_lever",
               note="found 3 boxes (the most asked for)"):
    return Discovery(failure=Failure.parse(failure), allocation=pd.Series(dtype=float),
                     draws=pd.DataFrame({"draw": range(n)}), trajectory=pd.DataFrame(),
                     boxes=pd.DataFrame(boxes), restrictions=pd.DataFrame(restrictions),
                     base_rate=base_rate, note=note, seed_entropy=1)


def test_failure_phrase_uses_labels(baseline):
    assert "5% of the deaths" in failure_phrase("regret>5%")
    assert "more than 100 deaths" in failure_phrase("regret>100")
    assert (failure_phrase("share:counter_network>10", baseline) ==
            "the world's optimum moves Counter-network targeting's share of the "
            "budget by more than 10 percentage points")
    assert set(FAILURE_CHOICES) == {"regret>5%", "regret>1%", "top_lever", "share"}


def test_restriction_phrase_has_labels_and_units(baseline):
    unit = "$M per year per 1% supply cut"
    assert (restriction_phrase(baseline, "levers.counter_network.cost_per_pct", "below",
                               500, 1721, unit)
            == "Counter-network targeting: cost of the first 1% cut below $1,721M per year "
               "per 1% supply cut")
    assert restriction_phrase(baseline, "levers.financial.cost_per_pct", "above", 1241,
                              5000, unit).endswith("above $1,241M per year per 1% supply cut")
    between = restriction_phrase(baseline, "levers.counter_network.alpha", "between", 0.15,
                                 0.3, "fraction")
    assert "between 0.15 (fraction) and 0.3 (fraction)" in between


def test_box_sentences_one_per_box(baseline):
    d = _discovery(
        [{"box": 1, "coverage": 0.58, "density": 0.53, "mass": 0.21, "p_value": 1e-9}],
        [{"box": 1, "parameter": "levers.counter_network.cost_per_pct", "low": 500.0,
          "high": 1721.0, "side": "below", "unit": "$M per year per 1% supply cut"},
         {"box": 1, "parameter": "levers.financial.cost_per_pct", "low": 1241.0,
          "high": 5000.0, "side": "above", "unit": "$M per year per 1% supply cut"}])
    lines = box_sentences(d, baseline)
    assert len(lines) == 2
    assert "fails in 19% of them" in lines[0] and "2,000 worlds" in lines[0]
    assert lines[1].startswith("Box 1: when Counter-network targeting")
    assert "below $1,721M per year per 1% supply cut and Financial disruption" in lines[1]
    assert ("holds 58% of the failures; within it the decision fails in 53% of worlds"
            in lines[1])
    assert all(_raw(line) is None for line in lines), lines


def test_box_sentences_without_a_box(baseline):
    d = _discovery([], [], base_rate=0.063, failure="regret>5%",
                   note="candidate box 1 fails on the held-out draws")
    lines = box_sentences(d, baseline)
    assert lines[1].startswith("No box worth keeping")
    assert "fails in 6% of worlds overall" in lines[1]
    assert "candidate box 1 fails on the held-out draws" in lines[1]


@pytest.fixture(scope="module")
def panel_result(baseline):
    return decide.experts(baseline, "inputs/experts", n=200, seed=0)


def test_expert_sentences(baseline, panel_result):
    r = panel_result
    lines = experts_sentences(r, baseline)
    assert lines[0].startswith("3 experts (all illustrative")
    assert "200 draws" in lines[0] and "equal weights" in lines[0]
    assert len(lines) == 1 + len(r.allocations) + 1
    name = r.experts.index[0]
    line = expert_allocation_sentence(r, baseline, name)
    assert line.startswith(f"{name} would fund ") and line.endswith(" a year.")
    assert expert_allocation_sentence(r, baseline, "robust").startswith(
        "The robust allocation funds ")
    assert all(_raw(x) is None for x in lines), lines


def test_cross_regret_sentence(baseline, panel_result):
    r = panel_result
    text = cross_regret_sentence(r, baseline)
    names = list(r.experts.index)
    cr = r.cross_regret.loc[names, names].stack()
    row, col = cr.idxmax()
    assert f"following {row}'s allocation costs" in text and f"under {col}'s beliefs" in text
    assert "over 10 years" in text and "The robust allocation keeps" in text
    assert _raw(text) is None, _raw(text)
