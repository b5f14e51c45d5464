"""Readable labels (decide.reporting.labels), the sentences built on them and the charts
that show them (issue 13): no internal key reaches a reader, every number has its unit."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import decide
from decide.analyses.robustness import RobustResult
from decide.reporting import charts, labels
from decide.reporting.labels import (
    column_label,
    format_number,
    format_quantity,
    lever_label,
    objective_label,
    param_label,
    param_unit,
)
from decide.reporting.sentences import (
    moves_phrase,
    robust_sentences,
    same_allocation,
    switch_sentence,
    switch_sentences,
    tradeoff_sentence,
    value_of_information_sentence,
)
from decide.scenario.core import BASELINE_SPECS, PARAM_SPECS

from .conftest import DATA, ROOT

INPUTS = sorted((ROOT / "inputs").glob("*.toml"))
#: A dotted path or a snake_case key: what a reader must never see.
RAW = re.compile(r"[A-Za-z]\.[A-Za-z]|_")


def _readable(text):
    return not RAW.search(text)


@pytest.fixture(scope="module")
def tornado_run(baseline):
    return decide.tornado(baseline), decide.optimize(baseline)


# -- labels ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", INPUTS + [DATA / "two_lever.toml", DATA / "rand1994.toml",
                                           DATA / "outcomes_hand.toml"],
                         ids=lambda p: p.name)
def test_every_parameter_of_every_scenario_has_a_readable_label_and_unit(path):
    sc = decide.load_scenario(path)
    params = sc.parameters()
    assert len(params)
    for name in params["name"]:
        label, unit = param_label(sc, name), param_unit(sc, name)
        assert _readable(label), (name, label)
        assert label != name and ":" in label, (name, label)
        assert unit, name
        assert _readable(column_label(sc, name).replace(unit, "")), name


def test_parameter_labels_use_the_lever_label_and_readable_names(baseline):
    assert param_label(baseline, "levers.precursor.max_effect") == \
        "Precursor diplomacy: largest effect"
    assert param_label(baseline, "market.supply_elasticity").startswith(
        "Market: supply elasticity")
    assert param_label(baseline, "budget") == "Budget"
    assert param_label(baseline, "levers.gun_flow.ceiling") == "Gun-flow enforcement: ceiling"
    assert param_unit(baseline, "levers.precursor.cost_per_pct").startswith("$M per year")
    assert param_unit(baseline, "budget") == "$M per year"
    assert param_unit(baseline, "market.supply_elasticity") == "elasticity, magnitude"


def test_unknown_keys_fall_back_to_readable_text():
    for key in ("levers.new_lever.new_param", "market.new_thing", "something_else",
                "a.b.c_d", "interactions.balloon.cap", "interactions.complementarity.gamma"):
        assert _readable(param_label(None, key)), key
    assert lever_label(None, "counter_network") == "Counter network"
    assert param_label(None, "levers.new_lever.new_param") == "New lever: new param"


def test_every_section_of_the_format_has_labels_and_units():
    keys = [f"{section}.{k}" for section, specs in PARAM_SPECS.items()
            if section not in ("lever", "interactions") for k in specs]
    keys += [f"levers.x.{k}" for k in PARAM_SPECS["lever"]]
    keys += [f"baseline.{k}" for model in BASELINE_SPECS.values() for k in model]
    keys += ["interactions.complementarity.gamma", "interactions.balloon.cap"]
    for key in keys:
        assert _readable(param_label(None, key)), key
        assert param_unit(None, key), key
        section, _, rest = key.partition(".")
        if section != "levers":  # every parameter has a written name, not a fallback
            assert rest in labels.PARAM_NAMES[section], key


def _columns(sc):
    """Every column of every table the analyses return, on a small run."""
    res = decide.optimize(sc)
    mc = decide.monte_carlo(sc, n=50, seed=1)
    r = decide.analyses.robust(sc, n=20, seed=1, objective="regret")
    tables = [res.table, mc, decide.summarize(mc), decide.tornado(sc),
              decide.frontier(sc, budgets=[0, 1000]), r.draws, r.out_of_sample,
              decide.evpi(sc, n=50, seed=1),
              decide.analyses.evppi(sc, "levers.precursor.max_effect", n=4, inner=5, seed=1),
              decide.pareto(sc, n=3)]
    return {c: t[c] for t in tables for c in t.columns}


def test_every_column_of_every_table_has_a_readable_label_with_units(baseline):
    for column, values in _columns(baseline).items():
        label = column_label(baseline, column)
        assert label != column, column
        assert _readable(re.sub(r"\(.*?\)", "", label)), (column, label)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            assert "(" in label and label.endswith(")"), (column, label)  # its unit
    assert column_label(baseline, "spend.precursor") == "Precursor diplomacy ($M per year)"
    assert column_label(baseline, "precursor") == "Precursor diplomacy ($M per year)"
    assert "marginal" not in column_label(baseline, "marginal_deaths_averted_per_musd")


def test_objective_and_engine_labels():
    assert set(labels.OBJECTIVE_LABELS) == {"expected", "regret", "cvar", "cvar_regret"}
    assert labels.OBJECTIVE_LABELS["expected"] == "Expected deaths"
    assert labels.OBJECTIVE_LABELS["regret"] == "Worst-case regret"
    for text in labels.OBJECTIVE_LABELS.values():
        assert _readable(text)
    assert objective_label("cvar", 0.9) == \
        "Average deaths in the worst 10% of draws (CVaR at 90%)"
    assert "regret" in objective_label("cvar_regret", 0.95) and "5%" in objective_label(
        "cvar_regret", 0.95)
    for engine in ("fast", "lp"):
        text = labels.engine_label(engine)
        assert text and engine not in text.split()
    assert labels.engine_label("unknown") == ""


@pytest.mark.parametrize(("value", "text"), [
    (0.0008645, "0.000865"), (0.0012, "0.0012"), (3086.656097, "3,087"), (0.15, "0.15"),
    (300.0, "300"), (447.683291, "448"), (67.71, "67.7"), (-2500.0, "-2,500"), (0, "0"),
    (1e-7, "0.0000001"), (math.nan, "n/a")])
def test_format_number_keeps_three_significant_digits(value, text):
    assert format_number(value) == text


def test_format_quantity_puts_the_unit_in_place():
    assert format_quantity(3086.66, "$M per year per 1% cut") == "$3,087M per year per 1% cut"
    assert format_quantity(-12, "$M") == "-$12M"
    assert format_quantity(0.15, "fraction of supply") == "0.15 (fraction of supply)"
    assert format_quantity(2, "years") == "2 years"


# -- tornado ---------------------------------------------------------------------------------
def _tornado_frame():
    """Twenty parameters by decreasing swing; the two smallest change the decision."""
    rows = []
    for k in range(20):
        for side, value in (("low", 1.0), ("high", 3.0)):
            changed = k >= 18 and side == "high"
            rows.append({"parameter": f"market.p{k}", "side": side, "value": value,
                         "deaths": 100.0, "deaths_averted": 50.0 + (20 - k) * (
                             1 if side == "high" else -1),
                         "spend.a": 0.0 if changed else 100.0,
                         "spend.b": 100.0 if changed else 0.0, "swing": 2.0 * (20 - k),
                         "allocation_changed": changed,
                         "switching_value": 2.5 if changed else np.nan, "regret": 0.0})
    return pd.DataFrame(rows)


def test_tornado_shows_the_top_swings_and_every_decision_changing_assumption():
    t = _tornado_frame()
    shown = charts.tornado_selection(t, top=15)
    assert shown == [f"market.p{k}" for k in range(15)] + ["market.p18", "market.p19"]
    spec = charts.tornado_chart(t, 15).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert {d["parameter"] for d in data} == set(shown)


def test_tornado_chart_labels_assumptions_and_draws_the_base_case(baseline, tornado_run):
    t, res = tornado_run
    chart = charts.tornado_chart(t, sc=baseline, base_averted=res.deaths_averted)
    spec = chart.to_dict()
    layers = spec["layer"]
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in layers]
    assert marks == ["bar", "rule", "text"]
    bars = layers[0]["encoding"]
    assert bars["x2"]["field"] == "base" and bars["y"]["field"] == "label"
    datasets = list(spec["datasets"].values())
    rule = [d for d in datasets if len(d) == 1][0][0]
    assert rule["base"] == pytest.approx(res.deaths_averted)
    assert "Base case" in rule["text"]
    names = bars["y"]["sort"]
    for changed in set(t.loc[t["allocation_changed"], "parameter"]):
        assert param_label(baseline, changed) + charts.SWITCH_MARK in names
    assert all(_readable(n.rstrip(" *")) for n in names)
    assert "Dashed line" in json.dumps(spec["title"])


def test_tornado_chart_without_a_scenario_still_draws(tornado_run):
    t, _ = tornado_run
    spec = charts.tornado_chart(t).to_dict()  # the CLI's call
    assert spec["layer"][0]["encoding"]["y"]["field"] == "label"


def test_switch_sentence_says_where_and_to_what():
    text = switch_sentence("Precursor diplomacy: largest effect", "fraction of supply", "low",
                           0.0006875123, 0.15, 0.0,
                           {"counter_network": 300, "financial": 400, "precursor": 300},
                           {"counter_network": 600, "financial": 400, "precursor": 0},
                           {"counter_network": "Counter-network targeting",
                            "financial": "Financial disruption",
                            "precursor": "Precursor diplomacy"})
    assert "below 0.000688 fraction of supply (base 0.15)" in text
    assert ("moves $300M a year from Precursor diplomacy to Counter-network targeting"
            in text)
    assert "low end of its range (0 fraction of supply)" in text
    assert "0.0006875123" not in text


def test_switch_sentences_for_the_baseline_tornado(baseline, tornado_run):
    t, res = tornado_run
    lines = switch_sentences(t, baseline, res.spend)
    assert len(lines) == int(t["allocation_changed"].sum()) > 0
    for line in lines:
        assert _readable(line.replace("1% supply cut", "")), line
        assert re.search(r"(moves|adds|cuts) \$[\d,.]+M a year", line), line
        assert re.search(r"(below|above) .+ \(base ", line), line
    first = lines[0]
    assert first.startswith("Precursor diplomacy: largest effect")
    assert "from Precursor diplomacy to Counter-network targeting" in first


def test_moves_phrase_forms():
    names = {"a": "A", "b": "B", "c": "C"}
    assert moves_phrase({"a": 1, "b": 2}, {"a": 1, "b": 2}, names) == ""
    assert moves_phrase({"a": 300, "b": 0, "c": 0}, {"a": 0, "b": 100, "c": 200}, names) == \
        "moves $300M a year from A ($300M) to B ($100M) and C ($200M)"
    assert moves_phrase({"a": 0}, {"a": 50}, names) == "adds $50M a year: to A ($50M)"
    assert moves_phrase({"a": 50}, {"a": 0}, names) == "cuts $50M a year: from A ($50M)"


# -- value of information --------------------------------------------------------------------
def test_value_of_information_sentence_explains_deaths_dollars_and_use():
    text = value_of_information_sentence(7.9, 0.41, 67.7, 10)
    assert "would avert about 7.9 deaths" in text and "over 10 years" in text
    assert "every assumption" in text
    # the conversion, stated: deaths per extra $1M a year is the budget's shadow price
    assert "an extra $1M a year of budget averts 0.117 deaths over 10 years" in text
    assert "shadow price" in text
    assert "$67.7M a year for 10 years ($677M in all)" in text
    assert "worth funding only if it costs less than that" in text
    part = value_of_information_sentence(2.0, 0.1, 20.0, 10, "Market: price elasticity")
    assert "Knowing Market: price elasticity exactly" in part
    assert "would not change" in value_of_information_sentence(0.0, 0.0, 0.0, 10)
    assert "no dollar equivalent" in value_of_information_sentence(3.0, 0.1, math.nan, 10)


# -- robust ----------------------------------------------------------------------------------
def _robust(spend, objective="expected", alpha=0.9):
    draws = pd.DataFrame({"draw": [0, 1], "deaths": [1.0, 2.0], "optimal_deaths": [1.0, 1.5],
                          "regret": [0.0, 0.5]})
    return RobustResult(spend=pd.Series(spend, name="spend"), objective=objective,
                        value=123.456, gap=0.001, method="test", draws=draws,
                        out_of_sample=pd.DataFrame(), alpha=alpha)


def test_robust_sentences_say_when_the_base_case_optimum_comes_back(baseline):
    base = {"counter_network": 300.0, "financial": 400.0, "gun_flow": 0.0, "precursor": 300.0}
    same = {k: v + 0.3 for k, v in base.items()}
    lines = robust_sentences(_robust(same), baseline, base)
    assert lines[0].startswith("Expected deaths over 2 draws: 123.5 deaths over 10 years")
    assert "is the base-case optimum (every lever within $0.5M a year of it)" in lines[1]
    assert "keep the order they have with every assumption at its base value" in lines[1]
    assert "Precursor diplomacy at its ceiling" in lines[1]
    moved = dict(base, counter_network=350.0, financial=350.0)
    lines = robust_sentences(_robust(moved, "cvar", 0.9), baseline, base)
    assert lines[0].startswith("Average deaths in the worst 10% of draws (CVaR at 90%)")
    assert "moves $50M a year from Financial disruption to Counter-network targeting" in \
        lines[1]
    assert same_allocation(base, same) and not same_allocation(base, moved)


def test_expected_robust_allocation_on_the_baseline_is_named_the_base_case(baseline):
    res = decide.optimize(baseline)
    r = decide.analyses.robust(baseline, n=50, seed=1, objective="expected")
    assert same_allocation(r.spend, res.spend)
    assert "base-case optimum" in robust_sentences(r, baseline, res.spend)[1]


# -- Mexico trade-off ------------------------------------------------------------------------
def test_tradeoff_sentence_states_the_exchange_rate():
    p = pd.DataFrame({"mexico_homicides": [200.0, 0.0, 100.0],
                      "deaths_averted": [15.0, 0.0, 10.0]})
    text = tradeoff_sentence(p, 10, current=(200.0, 15.0))
    assert "15 more US overdose deaths are averted for 200 more homicides" in text
    assert "about 0.075 US deaths averted per additional homicide" in text
    assert "(13.3 homicides per US death averted)" in text
    assert "from 0.05 to 0.1 US deaths averted per additional homicide" in text
    assert "current allocation: 200 additional homicides" in text
    flat = pd.DataFrame({"mexico_homicides": [5.0, 5.0], "deaths_averted": [1.0, 1.0]})
    assert tradeoff_sentence(flat, 10).startswith("No trade-off")


def test_pareto_chart_from_zero_short_title_and_the_current_allocation(baseline):
    p = decide.pareto(baseline, n=5)
    res = decide.optimize(baseline)
    spec = charts.pareto_chart(p, (res.mexico_homicides, res.deaths_averted),
                               decide.reporting.labels.lever_labels(baseline)).to_dict()
    line, point, text = spec["layer"]
    assert line["encoding"]["y"]["field"] == "deaths_averted"
    assert line["encoding"]["y"]["scale"]["zero"] is True
    assert line["encoding"]["x"]["scale"]["zero"] is True
    assert len(spec["title"]["text"]) <= 50 and spec["title"]["subtitle"]
    assert point["mark"]["shape"] == "diamond"
    here = [d for d in spec["datasets"].values() if len(d) == 1][0][0]
    assert here["what"] == "Current allocation"
    assert here["mexico_homicides"] == pytest.approx(res.mexico_homicides)
    titles = [t["title"] for t in line["encoding"]["tooltip"]]
    assert "Precursor diplomacy ($M per year)" in titles
    assert all(_readable(x.replace("$M", "")) for x in titles)


# -- fan chart and frontier ------------------------------------------------------------------
def test_fan_chart_bands_and_medians_from_zero():
    fan = pd.DataFrame({"year": [1, 2, 1, 2], "series": ["No new spending"] * 2 + [
        "With the allocation"] * 2, "p05": [40e3, 41e3, 39e3, 39.5e3],
        "p50": [48e3, 49e3, 47e3, 47.5e3], "p95": [60e3, 62e3, 58e3, 59e3]})
    spec = charts.fan_chart(fan).to_dict()
    assert spec["title"]["text"] == "Projected deaths by year (median and 90% range)"
    band, median = spec["layer"]
    assert band["mark"]["type"] == "area" and band["mark"]["opacity"] < 1
    assert band["encoding"]["y"]["field"] == "p05" and band["encoding"]["y2"]["field"] == "p95"
    assert band["encoding"]["y"]["scale"]["zero"] is True
    assert median["mark"]["type"] == "line" and median["encoding"]["y"]["field"] == "p50"
    for layer in (band, median):
        assert layer["encoding"]["color"]["field"] == "series"
        assert layer["encoding"]["color"]["legend"]["orient"] == "bottom"
        assert layer["encoding"]["x"]["field"] == "year"
    assert band["encoding"]["y"]["title"] == "Projected deaths per year"
    # the reference grey, the allocation in colour (both were pale blues, hard to tell)
    scale = band["encoding"]["color"]["scale"]
    assert scale["domain"] == ["No new spending", "With the allocation"]
    assert scale["range"] == list(charts.FAN_COLOURS[:2]) and len(set(scale["range"])) == 2
    one = charts.fan_chart(fan[fan["series"] == "No new spending"]).to_dict()
    assert one["layer"][0]["encoding"]["color"]["scale"]["range"] == [charts.FAN_COLOURS[1]]


def test_frontier_chart_legend_uses_lever_labels(baseline):
    f = decide.frontier(baseline, budgets=[0, 1000])
    spec = charts.frontier_chart(f, decide.reporting.labels.lever_labels(baseline)).to_dict()
    area = spec["layer"][0]
    assert area["encoding"]["color"]["field"] == "label"
    data = next(iter(spec["datasets"].values()))
    assert {d["label"] for d in data} == {lv.label for lv in baseline.levers}
    tips = [t.get("title", "") for layer in spec["layer"] for t in layer["encoding"]["tooltip"]]
    assert all(t and _readable(t.replace("$1M", "")) for t in tips)


def test_fan_chart_ticks_whole_years():
    fan = pd.DataFrame({"year": [1, 2, 3], "series": ["A"] * 3, "p05": [1.0] * 3,
                        "p50": [2.0] * 3, "p95": [3.0] * 3})
    x = charts.fan_chart(fan).to_dict()["layer"][0]["encoding"]["x"]
    assert x["axis"]["values"] == [1, 2, 3] and x["axis"]["format"] == "d"


def test_two_way_heatmap_titles_in_words(baseline):
    tw = decide.analyses.two_way(baseline, "levers.precursor.max_effect",
                                 "market.substitution", n=2)
    spec = charts.two_way_heatmap(tw, "levers.precursor.max_effect", "market.substitution",
                                  baseline).to_dict()
    enc = spec["encoding"]
    assert enc["x"]["title"] == "Precursor diplomacy: largest effect (fraction of supply)"
    assert enc["y"]["title"].startswith("Market: share of averted deaths")
    assert "." not in enc["x"]["field"] and "." not in enc["y"]["field"]


def test_averted_histogram_takes_any_number_of_draws_and_sends_only_its_bins():
    # altair refused more than 5,000 rows (MaxRowsError outside Streamlit, e.g. notebooks)
    import numpy as np
    import pandas as pd

    from decide.reporting import charts, render

    rng = np.random.default_rng(0)
    mc = pd.DataFrame({"deaths_averted": rng.gamma(2.0, 400.0, size=20_000)})
    chart = charts.averted_histogram(mc)
    assert len(chart.data) == 40 and chart.data["draws"].sum() == 20_000
    assert chart.data["low"].iloc[0] == mc["deaths_averted"].min()
    assert chart.data["high"].iloc[-1] == mc["deaths_averted"].max()
    assert "<svg" in render.chart_svg(chart)  # renders (the spec is valid Vega-Lite)
