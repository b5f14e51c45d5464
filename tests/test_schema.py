"""The JSON Schema of scenario files (`decide schema`): generated from the loader's own
tables, valid, and in agreement with the loader on the shipped and the broken files."""

import json
import tomllib

import jsonschema
import pytest

import decide
from decide.cli import main
from decide.scenario import NUMBER_SPECS, PARAM_SPECS, scenario_schema
from decide.scenario import core as sc_core

from .conftest import DATA, ROOT

SCHEMA = scenario_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def test_schema_is_a_valid_draft7_schema_and_plain_json():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert json.loads(json.dumps(SCHEMA, allow_nan=False)) == SCHEMA


@pytest.mark.parametrize("path", sorted((ROOT / "inputs").glob("*.toml"))
                         + sorted(DATA.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    raw = tomllib.loads(path.read_text())
    errors = [e.message for e in VALIDATOR.iter_errors(raw)]
    assert errors == []


def test_the_canonical_form_of_every_shipped_scenario_validates():
    for path in sorted((ROOT / "inputs").glob("*.toml")):
        assert VALIDATOR.is_valid(decide.load_scenario(path).to_dict()), path


def _raw():
    return tomllib.loads((ROOT / "inputs" / "baseline.toml").read_text())


@pytest.mark.parametrize("change,where", [
    (lambda r: r.update(budgte=5), ""),  # unknown key
    (lambda r: r.update(budget=2e9), "budget"),
    (lambda r: r.update(horizon=2.5), "horizon"),
    (lambda r: r.update(budget="1000"), "budget"),
    (lambda r: r.update(budget=10**400), "budget"),
    (lambda r: r.pop("market"), ""),
    (lambda r: r["market"]["pass_through"].update(high=1.5), "market/pass_through/high"),
    (lambda r: r["market"]["pass_through"].update(confidence="sure"),
     "market/pass_through/confidence"),
    (lambda r: r["market"]["pass_through"].pop("source"), "market/pass_through"),
    (lambda r: r["levers"]["financial"].update(flor=1), "levers/financial"),
    (lambda r: r["levers"]["financial"].update(form="sigmoid"), "levers/financial/form"),
    (lambda r: r["levers"]["financial"]["cost_per_pct"].update(low=0), "levers/financial"),
    (lambda r: r["levers"]["financial"].update(channel="demand"), "levers/financial"),
    (lambda r: r["levers"].update({"bad name": r["levers"]["financial"]}), "levers"),
    (lambda r: r["levers"]["financial"].pop("alpha"), "levers/financial"),
    (lambda r: r.update(constraints=["gun_flow >> 3"]), "constraints/0"),
    (lambda r: r.update(phasing={"tail_years": 1.5}), "phasing/tail_years"),
    (lambda r: r.update(correlations=[{"a": "x", "b": "y", "rho": 1.0}]),
     "correlations/0/rho"),
])
def test_a_bad_file_fails_the_schema_and_the_loader(change, where):
    raw = _raw()
    change(raw)
    errors = list(VALIDATOR.iter_errors(raw))
    assert errors, "the schema accepted a bad file"
    assert any("/".join(map(str, e.absolute_path)).startswith(where) for e in errors), \
        [(list(e.absolute_path), e.message) for e in errors]
    with pytest.raises(decide.ScenarioError):
        decide.Scenario.from_dict(raw, source="bad.toml")


def test_the_schema_is_generated_from_the_loader_tables():
    props = SCHEMA["properties"]
    assert set(props) == set(sc_core._TOP_KEYS)
    assert SCHEMA["additionalProperties"] is False
    lever = props["levers"]["additionalProperties"]
    assert set(lever["properties"]) == set(sc_core._LEVER_KEYS) | set(PARAM_SPECS["lever"])
    assert set(props["phasing"]["properties"]) == set(NUMBER_SPECS["phasing"])
    assert set(props["market"]["properties"]) == set(PARAM_SPECS["market"])
    param = props["market"]["properties"]["baseline_deaths"]
    assert set(param["properties"]) == set(sc_core._PARAM_KEYS)
    for key, spec in NUMBER_SPECS["top"].items():
        assert props[key]["maximum"] == spec.high and props[key]["minimum"] == spec.low
        assert props[key].get("default") == spec.default
    cost = lever["properties"]["cost_per_pct"]["properties"]["base"]
    assert cost["exclusiveMinimum"] == 0 and "minimum" not in cost
    assert props["horizon"]["type"] == "integer" and props["budget"]["type"] == "number"


def test_cli_prints_and_writes_the_schema(capsys, tmp_path):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == SCHEMA


def test_every_key_of_the_schema_is_described():
    # the generated scenario reference (docs) shows each key's description: none blank
    from decide.scenario.schema import scenario_schema

    missing = []

    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            if "description" not in sub or not str(sub["description"]).strip():
                missing.append(f"{path}{key}")
            walk(sub, f"{path}{key}.")
        for child, suffix in ((node.get("additionalProperties"), "<lever>."),
                              (node.get("items"), "[]")):
            if isinstance(child, dict):
                walk(child, f"{path}{suffix}")

    walk(scenario_schema(), "")
    assert missing == []
