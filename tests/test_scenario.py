"""Scenario files: loading, parameters, overrides, round trips and invalid input."""

import copy
import json
import math
import re
import tomllib

import pytest

import decide
from decide import ScenarioError
from decide.scenario import MAX_FILE_BYTES, PARAM_SPECS

from .conftest import ROOT


def _raw():
    return tomllib.loads((ROOT / "inputs" / "baseline.toml").read_text())


def test_baseline_has_the_four_levers_and_defaults(baseline):
    assert baseline.lever_names == ["counter_network", "financial", "gun_flow", "precursor"]
    assert baseline.budget == 1000 and baseline.horizon == 10
    assert baseline.dollar_year == 2024


def test_parameters_table(baseline):
    df = baseline.parameters()
    assert list(df.columns) == ["name", "base", "low", "high", "unit", "source",
                                "confidence", "distribution"]
    assert "levers.precursor.max_effect" in set(df["name"])
    assert (df["low"] <= df["base"]).all() and (df["base"] <= df["high"]).all()
    assert set(df["confidence"]) <= {"measured", "derived", "judgement"}
    assert df["source"].str.len().min() > 10
    assert len(df) == 7 + 4 * 6 + 3 + 3  # market, levers, mexico, outcomes


@pytest.mark.parametrize("path", sorted((ROOT / "inputs").glob("*.toml")))
def test_every_bundled_scenario_loads_and_sources_every_number(path):
    sc = decide.load_scenario(path)
    df = sc.parameters()
    assert df["source"].map(lambda s: len(s.strip()) > 10).all()
    assert path.read_text().startswith("#")  # explained in a header comment


def test_with_overrides_returns_new_validated_scenario(baseline):
    sc2 = baseline.with_overrides({"budget": 2000, "levers.precursor.max_effect": 0.3,
                                   "levers.gun_flow.ceiling": 0})
    assert sc2.budget == 2000 and baseline.budget == 1000
    assert sc2.lever("precursor").params["max_effect"].base == 0.3
    assert sc2.lever("gun_flow").ceiling == 0
    assert sc2 != baseline and hash(sc2) != hash(baseline)
    with pytest.raises(ScenarioError, match="must lie in low..high"):
        baseline.with_overrides({"levers.precursor.max_effect": 0.5})
    sc3 = baseline.with_overrides({"levers.precursor.max_effect.high": 0.6,
                                   "levers.precursor.max_effect": 0.5})
    assert sc3.lever("precursor").params["max_effect"].high == 0.6
    assert baseline.with_overrides({"levers.financial.lock": 100}).lever("financial").lock \
        == 100
    assert baseline.with_overrides({"levers.financial.ceiling": None}).lever(
        "financial").ceiling is None


def test_unknown_override_suggests(baseline):
    with pytest.raises(ScenarioError, match="did you mean 'levers.precursor.max_effect'"):
        baseline.with_overrides({"levers.precursr.max_effect": 0.2})


def test_toml_and_json_round_trips(baseline, tmp_path):
    path = tmp_path / "copy.toml"
    path.write_text(baseline.to_toml())
    again = decide.load_scenario(path)
    assert again == baseline and again.sha256() == baseline.sha256()
    jpath = tmp_path / "copy.json"
    jpath.write_text(json.dumps({"scenario": baseline.to_dict(), "provenance": {}}))
    assert decide.load_scenario(jpath) == baseline


def test_file_errors(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ScenarioError, match="big.toml.*1 MB"):
        decide.load_scenario(big)
    bad = tmp_path / "bad.toml"
    bad.write_text("budget = [1,\n")
    with pytest.raises(ScenarioError, match="bad.toml.*malformed TOML"):
        decide.load_scenario(bad)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00budget")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        decide.load_scenario(binary)
    nanjson = tmp_path / "nan.json"
    nanjson.write_text('{"budget": NaN}')
    with pytest.raises(ScenarioError, match="NaN is not allowed"):
        decide.load_scenario(nanjson)
    with pytest.raises(ScenarioError, match="file not found"):
        decide.load_scenario(tmp_path / "missing.toml")


def test_nan_in_toml_file_names_file_key_and_value(tmp_path):
    text = (ROOT / "inputs" / "baseline.toml").read_text().replace(
        "budget = 1000 ", "budget = nan ")
    path = tmp_path / "nanbudget.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        decide.load_scenario(path)
    msg = str(err.value)
    assert "nanbudget.toml" in msg and "budget = nan" in msg and "finite" in msg


# -- every field, every kind of bad value -----------------------------------------------
def _param_paths():
    for k in PARAM_SPECS["market"]:
        yield ("market", k), PARAM_SPECS["market"][k]
    for lever in ("counter_network", "precursor"):
        for k in PARAM_SPECS["lever"]:
            yield ("levers", lever, k), PARAM_SPECS["lever"][k]


def _cases():
    for path, spec in _param_paths():
        dotted = ".".join(path)
        for field in ("base", "low", "high"):
            yield f"{dotted}.{field}", path + (field,), "abc", "must be a number"
            yield f"{dotted}.{field}", path + (field,), math.nan, "finite"
            yield f"{dotted}.{field}", path + (field,), math.inf, "finite"
            yield f"{dotted}.{field}", path + (field,), True, "must be a number"
            yield f"{dotted}.{field}", path + (field,), spec.high * 10 + 10, "out of range"
            if spec.low >= 0:
                yield f"{dotted}.{field}", path + (field,), -1.0, "out of range"
        yield f"{dotted}.low", path + ("low",), "LOW>HIGH", "must not exceed high"
        yield f"{dotted}.base", path + ("base",), "OUTSIDE", "must lie in low..high"
        yield f"{dotted}.confidence", path + ("confidence",), "sure", "must be one of"
        yield f"{dotted}.unit", path + ("unit",), 3, "must be a string"
        yield f"{dotted}.colour", path + ("colour",), "x", "unknown key"
    for key, value, match in [("budget", -5, "out of range"), ("budget", "1000", "number"),
                              ("budget", math.inf, "finite"), ("horizon", 2.5, "whole"),
                              ("horizon", 0, "out of range"), ("horizon", 51, "out of range"),
                              ("discount_rate", math.nan, "finite"),
                              ("dollar_year", "2024", "number"), ("budgte", 5, "did you mean")]:
        yield key, (key,), value, match
    for key, value, match in [("floor", -1, "out of range"), ("ceiling", math.nan, "finite"),
                              ("lock", "all", "number"), ("form", "sigmoid", "one of"),
                              ("channel", "both", "one of"), ("ceilng", 5, "did you mean")]:
        yield f"levers.financial.{key}", ("levers", "financial", key), value, match


CASES = list(_cases())


@pytest.mark.parametrize("key,path,value,match", CASES, ids=[f"{c[0]}={c[2]!r}" for c in CASES])
def test_every_bad_value_is_one_clear_error(key, path, value, match):
    raw = copy.deepcopy(_raw())
    node = raw
    for p in path[:-1]:
        node = node[p]
    if value == "LOW>HIGH":
        if node["low"] == node["high"]:
            pytest.skip("a point range cannot be inverted")
        value, node["high"] = node["high"], node["low"]  # swap: low > high
    elif value == "OUTSIDE":
        value = node["high"] + (node["high"] - node["low"] or 1)
        spec = dict(_param_paths())[path[:-1]]
        if value > spec.high:
            pytest.skip("no legal value outside the range")
    node[path[-1]] = value
    with pytest.raises(ScenarioError) as err:
        decide.Scenario.from_dict(raw, source="bad.toml")
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert msg.startswith("bad.toml: ")
    assert key in msg, msg
    assert match in msg, msg
    assert "\n" not in msg


def test_missing_required_keys_are_named():
    raw = _raw()
    del raw["market"]["substitution"]
    with pytest.raises(ScenarioError, match=r"market.substitution: required key is missing"):
        decide.Scenario.from_dict(raw, source="x.toml")
    raw = _raw()
    del raw["levers"]["precursor"]["cost_per_pct"]["source"]
    with pytest.raises(ScenarioError, match=r"levers.precursor.cost_per_pct.source"):
        decide.Scenario.from_dict(raw, source="x.toml")


def test_fraction_written_as_percentage_is_caught():
    raw = _raw()
    raw["levers"]["precursor"]["max_effect"].update(base=15, low=0, high=40)
    with pytest.raises(ScenarioError, match="write 15% as 0.15"):
        decide.Scenario.from_dict(raw, source="pct.toml")


def test_every_parameter_name_is_an_override(baseline):
    for _, row in baseline.parameters().iterrows():
        sc = baseline.with_overrides({row["name"]: row["low"]})
        assert sc.parameters().set_index("name").loc[row["name"], "base"] == row["low"]


@pytest.mark.parametrize("key,value", [("name", 3), ("description", ["x"]),
                                       ("levers.financial.label", 7),
                                       ("levers.financial.description", 1.5)])
def test_text_fields_must_be_strings(key, value):
    raw = _raw()
    node = raw
    parts = key.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = value
    with pytest.raises(ScenarioError, match=rf"bad.toml: {key} = .*must be a string"):
        decide.Scenario.from_dict(raw, source="bad.toml")


def test_bad_lever_names_and_duplicates():
    raw = _raw()
    raw["levers"]["bad name"] = raw["levers"]["financial"]
    with pytest.raises(ScenarioError, match="simple identifier"):
        decide.Scenario.from_dict(raw, source="bad.toml")
    text = (ROOT / "inputs" / "baseline.toml").read_text() + "\n[levers.financial]\nfloor = 1\n"
    with pytest.raises(ScenarioError, match="malformed TOML"):
        decide.parse_scenario(text.encode(), source="dup.toml")


def test_layering_and_public_api():
    import ast

    for path in (ROOT / "models").glob("*.py"):
        mods = {n.names[0].name.split(".")[0] if isinstance(n, ast.Import) else
                (n.module or "").split(".")[0]
                for n in ast.walk(ast.parse(path.read_text()))
                if isinstance(n, ast.Import | ast.ImportFrom)}
        assert not mods & {"pulp", "streamlit", "pandas", "decide"}, path
    for path in (ROOT / "decide").rglob("*.py"):
        assert "streamlit" not in path.read_text(), path
    for name in decide.__all__:
        assert hasattr(decide, name)


# -- every numeric field: a huge integer, inf and NaN are one clear error -------------
HUGE = 10**400  # beyond the largest float: once an OverflowError


def _judgement(base, low, high, unit="fraction"):
    return {"base": base, "low": low, "high": high, "unit": unit, "source": "Test fixture",
            "confidence": "judgement"}


def _full_featured():
    """Every optional part of the format at once: a demand lever, every lever bound,
    correlations, constraints, the homicide cap, phasing, both interactions and every
    [outcomes] value."""
    raw = decide.load_scenario(ROOT / "inputs" / "treatment_comparator.toml").to_dict()
    raw["correlations"] = [{"a": "market.supply_elasticity", "b": "market.price_elasticity",
                            "rho": 0.3}]
    raw["constraints"] = ["financial >= 0.5 * counter_network", "gun_flow + financial <= 600"]
    raw["max_mexico_homicides"] = 5000.0
    raw["phasing"] = {"envelope": 9000.0, "year_min": 100.0, "year_max": 2000.0,
                      "tail_years": 4}
    raw["interactions"] = {
        "complementarity": {"boosted": "financial", "by": "counter_network",
                            "gamma": _judgement(0.5, 0.0, 1.0)},
        "balloon": {"levers": ["precursor", "gun_flow"],
                    "cap": _judgement(0.2, 0.1, 0.5, "log units")}}
    raw["outcomes"] = {
        "years_lost_synthetic": _judgement(38.0, 35.0, 40.0, "years"),
        "years_lost_substitution": _judgement(30.0, 20.0, 38.0, "years"),
        "value_of_statistical_life": _judgement(13.2, 7.3, 18.3, "$M"),
        "value_per_life_year": _judgement(0.5, 0.2, 1.0, "$M"),
        "value_basis": "statistical_life"}
    raw["levers"]["financial"].update(ceiling=800.0, min_size=20.0, startup_cost=15.0)
    raw["levers"]["gun_flow"]["lock"] = 50.0
    # through the loader and back: the canonical form writes every field it keeps
    return decide.Scenario.from_dict(raw, source="full.toml").to_dict()


FULL = _full_featured()


def _numeric_paths(node, path=()):
    """Every number in a raw scenario, as a path of keys and list indices."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for k, v in items:
        if isinstance(v, int | float) and not isinstance(v, bool):
            yield path + (k,)
        else:
            yield from _numeric_paths(v, path + (k,))


def _dotted(path):
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


NUMERIC = list(_numeric_paths(FULL))
RANGE = re.compile(r"[\[(]-?[\d.e+]+, -?[\d.e+]+[\])]|[<>]=? -?[\d.]")


def test_the_full_featured_scenario_has_every_kind_of_number():
    from decide.scenario import NUMBER_SPECS

    keys = {p[-1] for p in NUMERIC} | {p[-2] for p in NUMERIC if len(p) > 1}
    for table in NUMBER_SPECS.values():
        assert set(table) <= keys, set(table) - keys
    for group in PARAM_SPECS.values():
        assert set(group) <= keys, set(group) - keys
    assert len(NUMERIC) >= 140  # 146 today: 5 levers x (5-6 parameters x 3 + bounds), ...


@pytest.mark.parametrize("path", NUMERIC, ids=[_dotted(p) for p in NUMERIC])
def test_every_numeric_field_refuses_huge_and_non_finite_values(path):
    from decide.scenario.core import _to_toml

    key = _dotted(path)
    for value, match in ((HUGE, "out of range"), (-HUGE, "out of range"),
                         (math.inf, "finite"), (-math.inf, "finite"), (math.nan, "finite")):
        raw = copy.deepcopy(FULL)
        node = raw
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
        text = _to_toml(raw)  # TOML writes 10**400 as digits, and inf, -inf, nan
        with pytest.raises(ScenarioError) as err:
            decide.parse_scenario(text.encode(), source="full.toml")
        msg = str(err.value)
        assert msg.startswith(f"full.toml: {key} = "), msg
        assert match in msg and RANGE.search(msg), msg  # names the allowed range
        assert len(msg) < 500 and "\n" not in msg


def test_full_featured_scenario_loads_and_round_trips():
    sc = decide.Scenario.from_dict(FULL, source="full.toml")
    assert decide.parse_scenario(sc.to_toml().encode(), source="again.toml") == sc


@pytest.mark.parametrize("k", range(len(FULL["constraints"])))
def test_huge_numbers_in_constraints(k):
    text = FULL["constraints"][k]
    for m in re.finditer(r"\d+(\.\d*)?", text):
        raw = copy.deepcopy(FULL)
        raw["constraints"][k] = text[:m.start()] + str(HUGE) + text[m.end():]
        with pytest.raises(ScenarioError) as err:
            decide.Scenario.from_dict(raw, source="c.toml")
        msg = str(err.value)
        assert msg.startswith(f"c.toml: constraints[{k}] = ") and "out of range" in msg
        assert "(|x| <= 1e12)" in msg and len(msg) < 500


def test_every_numeric_override_refuses_huge_and_non_finite_values():
    sc = decide.Scenario.from_dict(FULL, source="full.toml")
    keys = [k for k in sc.override_keys() if k != "constraints"]
    assert len(keys) > 100
    for key in keys:
        for value in (HUGE, -HUGE, math.inf, math.nan):
            with pytest.raises(ScenarioError) as err:
                sc.with_overrides({key: value})
            msg = str(err.value)
            assert msg.startswith(f"<overrides>: {key}"), msg


def test_integer_fields_accept_whole_floats_and_numpy_numbers(baseline):
    import numpy as np

    sc = baseline.with_overrides({"horizon": 12.0, "budget": np.int64(900),
                                  "levers.financial.floor": np.float32(10)})
    assert sc.horizon == 12 and isinstance(sc.horizon, int)
    assert sc.budget == 900.0 and isinstance(sc.budget, float)
    with pytest.raises(ScenarioError, match="horizon = 12.5: must be a whole number"):
        baseline.with_overrides({"horizon": 12.5})
    with pytest.raises(ScenarioError, match="budget = np.True_: must be a number"):
        baseline.with_overrides({"budget": np.True_})


def test_parameters_is_built_once_and_each_call_gets_its_own_frame(baseline):
    first = baseline.parameters()
    first.loc[0, "base"] = -1.0
    first.drop(columns="source", inplace=True)
    again = baseline.parameters()
    assert again.loc[0, "base"] != -1.0 and "source" in again.columns
    assert again is not baseline.parameters()
    assert again.equals(baseline.with_overrides({}).parameters())
