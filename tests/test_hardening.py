"""Hardening: hostile files, solver faults, numerical extremes, determinism, the app."""

import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import decide
from decide.cli import main

from .conftest import ROOT

BAD = ROOT / "tests" / "data" / "bad"
CORPUS = sorted(p for p in BAD.iterdir() if p.suffix in (".toml", ".json"))
BASELINE = ROOT / "inputs" / "baseline.toml"
RAW = tomllib.loads(BASELINE.read_text())


def test_corpus_covers_every_category():
    names = {p.name for p in CORPUS}
    for prefix in ("malformed", "type_", "nan", "inf", "negative", "low_gt_high", "base_",
                   "unknown", "missing", "huge", "binary", "latin1", "deep", "duplicate",
                   "bad_constraint"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert len(CORPUS) >= 50


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_bad_file_is_one_clear_error(path):
    with pytest.raises(decide.ScenarioError) as err:
        decide.load_scenario(path)
    msg = str(err.value)
    assert path.name in msg and "\n" not in msg and len(msg) < 2000


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_bad_file_through_the_cli_exits_2_and_writes_nothing(path, tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["solve", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and path.name in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_oversized_file(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_bytes(BASELINE.read_bytes() + b"#" * 1_000_000)
    with pytest.raises(decide.ScenarioError, match="big.toml.*1 MB"):
        decide.load_scenario(big)
    assert main(["solve", str(big)]) == 2


def test_bad_files_through_the_app_upload():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    for path in CORPUS + [None]:
        if path is None:
            name, data = "big.toml", b"#" * 1_000_001
        else:
            name, data = path.name, path.read_bytes()
        at.file_uploader(key="upload").set_value((name, data, "text/plain")).run()
        assert not at.exception, name
        assert any(name in e.value for e in at.error), name
        # the page still shows the bundled scenario's result
        assert {m.label: m.value for m in at.metric}["Baseline deaths"] == "480,000"


def test_upload_is_parsed_without_code_execution(tmp_path):
    from streamlit.testing.v1 import AppTest

    marker = tmp_path / "pwned"
    text = BASELINE.read_text().replace(
        'name = "Baseline"', f'name = "__import__(\'os\').system(\'touch {marker}\')"')
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.file_uploader(key="upload").set_value(("evil.toml", text.encode(), "text/plain")).run()
    assert not marker.exists()
    assert "__import__" in at.session_state["solved_scenario"].name  # just a string
    sources = [p.read_text() for p in (ROOT / "decide").glob("*.py")] + [
        (ROOT / "app.py").read_text()]
    for src in sources:
        assert "pickle" not in src and "eval(" not in src and "exec(" not in src


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "etc_passwd"), ("a b\nc", "a_b_c"), ("", "scenario"),
    ("\u00e9t\u00e9 2025", "t_2025"), ("x" * 200, "x" * 60), ("CON.", "CON")])
def test_download_names_are_sanitised(name, expected):
    from ui.runs import safe_name

    assert safe_name(name) == expected


# -- fuzzing ----------------------------------------------------------------------------
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                    st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))


PATHS = list(_paths(RAW))


@st.composite
def mutated(draw):
    raw = json.loads(json.dumps(RAW))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        node = raw
        try:
            for p in path[:-1]:
                node = node[p]
        except (KeyError, TypeError):
            continue
        if not isinstance(node, dict):
            continue
        action = draw(st.sampled_from(["delete", "replace", "rename"]))
        if action == "delete":
            node.pop(path[-1], None)
        elif action == "replace":
            node[path[-1]] = draw(_VALUES)
        else:
            node[path[-1] + draw(st.sampled_from(["x", "_", "s"]))] = node.pop(path[-1], 0)
    return raw


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_structured_scenarios(raw):
    try:
        sc = decide.Scenario.from_dict(raw, source="fuzz.toml")
    except decide.ScenarioError as exc:
        assert str(exc).startswith("fuzz.toml") and "\n" not in str(exc)
        return
    try:
        res = decide.optimize(sc, solver="highs")
    except decide.InfeasibleError:
        return
    assert math.isfinite(res.deaths) and math.isfinite(res.gap)
    assert res.spend.sum() <= sc.budget + 1e-6


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["toml", "json"]))
def test_fuzz_raw_bytes(data, kind):
    try:
        decide.parse_scenario(data, source="fuzz", kind=kind)
    except decide.ScenarioError as exc:
        assert str(exc).startswith("fuzz") and "\n" not in str(exc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(raw=mutated(), kind=st.sampled_from(["toml", "json"]))
def test_fuzz_through_the_cli(raw, kind, tmp_path_factory):
    from decide.scenario.core import _to_toml

    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"fuzz.{kind}"
    try:
        text = json.dumps({"scenario": raw, "provenance": {}}) if kind == "json" \
            else _to_toml({**raw, "levers": raw.get("levers", {})}) \
            if isinstance(raw.get("levers", {}), dict) else None
    except (TypeError, ValueError, AttributeError, KeyError):
        text = None
    if text is None:
        return
    path.write_text(text)
    out = folder / "out.csv"
    proc = subprocess.run([str(Path(sys.executable).parent / "decide"), "solve", str(path),
                           "--out", str(out), "--solver", "highs"], capture_output=True,
                          text=True)
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert proc.stderr.count("\n") == 1 and not out.exists()
    else:
        assert out.exists()


# -- solver faults ------------------------------------------------------------------------
def test_missing_solver_binary_exits_3(monkeypatch, capsys):
    import pulp

    from decide.optimization import lp

    monkeypatch.setattr(lp, "make_solver", lambda name, t=None: pulp.COIN_CMD(
        path="/nonexistent/cbc", msg=False))
    assert main(["solve", str(BASELINE)]) == 3
    err = capsys.readouterr().err
    assert "solver 'cbc'" in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("status", [0, -1, -2, -3])
def test_non_optimal_status_exits_3_naming_it(monkeypatch, capsys, status):
    import pulp

    monkeypatch.setattr(pulp.LpProblem, "solve", lambda self, solver=None: status)
    assert main(["solve", str(BASELINE), "--solver", "highs"]) == 3
    err = capsys.readouterr().err
    assert pulp.LpStatus[status] in err and "highs" in err
    with pytest.raises(decide.SolverError) as exc:
        decide.optimize(decide.load_scenario(BASELINE), solver="highs")
    assert exc.value.status == pulp.LpStatus[status]


def test_time_limit_option(capsys):
    assert main(["solve", str(BASELINE), "--time-limit", "10"]) == 0
    assert main(["solve", str(BASELINE), "--time-limit", "abc"]) == 2


# -- numerical extremes --------------------------------------------------------------------
def _set_all(sc, key, which):
    ov = {}
    for lv in sc.levers:
        row = sc.parameters().set_index("name").loc[f"levers.{lv.name}.{key}"]
        ov[f"levers.{lv.name}.{key}"] = row[which]
    return sc.with_overrides(ov)


EXTREMES = {
    "budget 0": lambda sc: sc.with_overrides({"budget": 0}),
    "budget 1e9": lambda sc: sc.with_overrides({"budget": 1e9}),
    "budget 1e9 no ceilings": lambda sc: sc.with_overrides(
        {"budget": 1e9, **{f"levers.{n}.ceiling": None for n in sc.lever_names}}),
    "effects 0": lambda sc: _set_all(sc, "max_effect", "low"),
    "effects at maximum": lambda sc: _set_all(sc, "max_effect", "high"),
    "elasticities 0": lambda sc: sc.with_overrides({
        "market.supply_elasticity.low": 0.0, "market.supply_elasticity": 0.0,
        "market.price_elasticity.low": 0.0, "market.price_elasticity": 0.0}),
    "horizon 1": lambda sc: sc.with_overrides({"horizon": 1}),
    "horizon 50": lambda sc: sc.with_overrides({"horizon": 50}),
    "costs tiny": lambda sc: sc.with_overrides({
        f"levers.{n}.cost_per_pct.low": 1e-6 for n in sc.lever_names} | {
        f"levers.{n}.cost_per_pct": 1e-6 for n in sc.lever_names}),
}


def _finite(frame, allow=("cost_per_death_averted", "benefit_cost_ratio")):  # 0 spend: NaN
    numeric = frame.drop(columns=[c for c in allow if c in frame.columns]).select_dtypes(
        "number")
    return np.isfinite(numeric.to_numpy()).all()


@pytest.mark.parametrize("case", list(EXTREMES))
def test_numerical_extremes(baseline, case):
    from decide import analyses
    from decide.reporting import export

    sc = EXTREMES[case](baseline)
    res = decide.optimize(sc)
    assert math.isfinite(res.deaths) and math.isfinite(res.gap) and res.gap >= 0
    assert _finite(res.table) and _finite(res.deaths_by_year)
    assert np.isfinite(res.shadow_prices.to_numpy()).all()
    json.loads(export.to_json_bytes(res))  # strict JSON: no NaN or inf
    assert res.deaths == decide.evaluate(sc, res.spend)
    mc = decide.monte_carlo(sc, n=40, seed=1)
    assert np.isfinite(mc.select_dtypes("number").to_numpy()).all()
    f = analyses.frontier(sc, budgets=[0.0, sc.budget / 2, sc.budget])
    assert _finite(f)
    if sc.horizon <= 10:
        try:
            phased = decide.optimize(sc, phasing=True)
        except decide.SolverError as exc:  # an explicit error is acceptable at extremes
            assert "did not close" in str(exc) and case == "costs tiny"
        else:
            assert math.isfinite(phased.deaths) and math.isfinite(phased.gap)


# -- determinism ---------------------------------------------------------------------------
def _without_timestamp(data):
    doc = json.loads(data)
    doc["provenance"].pop("timestamp")
    return doc


def test_byte_identical_exports(tmp_path):
    for k in range(2):
        assert main(["solve", str(BASELINE), "--out", str(tmp_path / f"r{k}.csv")]) == 0
        assert main(["solve", str(BASELINE), "--out", str(tmp_path / f"r{k}.json")]) == 0
        assert main(["monte-carlo", str(BASELINE), "--n", "500", "--seed", "3", "--quiet",
                     "--out", str(tmp_path / f"m{k}.csv")]) == 0
    assert (tmp_path / "r0.csv").read_bytes() == (tmp_path / "r1.csv").read_bytes()
    assert (tmp_path / "m0.csv").read_bytes() == (tmp_path / "m1.csv").read_bytes()
    assert _without_timestamp((tmp_path / "r0.json").read_bytes()) == _without_timestamp(
        (tmp_path / "r1.json").read_bytes())
    raw0 = (tmp_path / "r0.json").read_text().split('"timestamp"')[0]
    raw1 = (tmp_path / "r1.json").read_text().split('"timestamp"')[0]
    assert raw0 == raw1


def test_processes_executor_byte_identical_csv(tmp_path):
    assert main(["monte-carlo", str(BASELINE), "--n", "3000", "--seed", "4", "--chunk",
                 "1000", "--quiet", "--out", str(tmp_path / "a.csv")]) == 0
    assert main(["monte-carlo", str(BASELINE), "--n", "3000", "--seed", "4", "--chunk",
                 "1000", "--quiet", "--executor", "processes",
                 "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert len(pd.read_csv(tmp_path / "a.csv")) == 3000
