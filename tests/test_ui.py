"""The app's logic without streamlit: the override parser, the link codec, the widget
diff (`Scenario.overrides_from`), Monte Carlo chunk assembly and the result store."""

import sys

import numpy as np
import pandas as pd
import pytest

import decide
from decide.cli import main
from decide.scenario import apply_overrides, parse_override, parse_overrides, parse_value
from ui import runs, url_state

from .conftest import ROOT

BASELINE = str(ROOT / "inputs" / "baseline.toml")
FILES = sorted((ROOT / "inputs").glob("*.toml"))


# -- one parser ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("2000", 2000), (" 2000 ", 2000), ("2,000", 2000), ("1_000", 1000), ("-5", -5),
    ("2000.0", 2000.0), ("0.25", 0.25), ("1e3", 1000.0), ("12,345.5", 12345.5),
    ("none", None), ("None", None), ("null", None), ("", None), ("  ", None)])
def test_parse_value_accepts(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text,reason", [
    ("abc", "must be a number"), ("1,5", "must be a number"), ("1,00", "must be a number"),
    ("1__0", "must be a number"), ("true", "must be a number"),
    ("nan", "must be a finite number"), ("inf", "must be a finite number"),
    ("-1e400", "must be a finite number"), ("9" * 400, "must be a finite number")])
def test_parse_value_rejects_naming_key_and_value(text, reason):
    with pytest.raises(decide.ScenarioError) as err:
        parse_value(text, key="budget", source="--set")
    assert err.value.key == "budget" and err.value.file == "--set"
    assert reason in str(err.value) and str(err.value).startswith("--set: budget = ")


def test_parse_override_splits_and_names_bad_items():
    assert parse_override(" levers.x.ceiling = none ") == ("levers.x.ceiling", None)
    assert parse_overrides(["budget=1", "budget=2", "horizon=5"]) == {"budget": 2, "horizon": 5}
    assert parse_overrides(None) == {}
    for bad in ("budget", "=5", " = 5"):
        with pytest.raises(decide.ScenarioError, match="expected KEY=VALUE"):
            parse_override(bad)
    with pytest.raises(decide.ScenarioError, match="horizon = 'x'"):
        parse_override("horizon=x")


@pytest.mark.parametrize("text", ["1,5", "nan", "abc"])
def test_cli_and_link_reject_the_same_text_the_same_way(text, capsys):
    assert main(["solve", BASELINE, "--set", f"budget={text}"]) == 2
    cli = capsys.readouterr().err
    link = url_state.decode_query({"budget": text}, decide.load_scenario(BASELINE))
    assert link.widgets == {} and len(link.errors) == 1
    reason = link.errors[0].split(": ", 2)[-1]
    assert reason in cli and f"budget = {text!r}" in cli and f"budget = {text!r}" in \
        link.errors[0]


def test_cli_and_link_read_the_same_numbers(baseline, capsys):
    for text in ("1,500", "1500", "1.5e3", "1_500"):
        link = url_state.decode_query({"budget": text}, baseline)
        sc, _ = url_state.scenario_from_widgets(baseline, link.widgets)
        assert main(["solve", BASELINE, "--set", f"budget={text}", "--format", "json"]) == 0
        doc = capsys.readouterr().out
        assert sc.budget == 1500 and '"budget": 1500.0' in doc


def test_none_only_clears_optional_values(baseline):
    sc = apply_overrides(baseline, {"levers.precursor.ceiling": None})
    assert sc.lever("precursor").ceiling is None
    for key in ("budget", "horizon", "discount_rate", "levers.precursor.floor"):
        with pytest.raises(decide.ScenarioError, match="needs a value"):
            apply_overrides(baseline, {key: None}, source="--set")
    with pytest.raises(decide.ScenarioError, match="did you mean"):
        apply_overrides(baseline, {"budgt": 5})


def test_cli_refuses_none_for_a_required_value(capsys):
    assert main(["solve", BASELINE, "--set", "budget=none"]) == 2
    assert "budget = None: needs a value" in capsys.readouterr().err


# -- the link codec -----------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.1, 1 / 3, 2000.0, 1e-7, 123456789.123, -0.5, 1e16,
                                   0.123456789012345, 5e-324, 1.7976931348623157e308])
def test_numbers_in_a_link_are_exact(value):
    text = url_state.encode_value(value)
    assert parse_value(text) == value  # no rounding (the old "%g" kept 6 digits)


def test_encode_value_forms():
    assert url_state.encode_value(2000.0) == "2000"
    assert url_state.encode_value(10) == "10"
    assert url_state.encode_value(None) == "none"
    assert url_state.encode_value(["a >= 1", "b <= 2"]) == '["a >= 1", "b <= 2"]'
    with pytest.raises(TypeError):
        url_state.encode_value(True)


def test_link_round_trip(baseline):
    widgets = {"budget": 1750.25, "horizon": 7, "levers.precursor.max_effect": 0.2,
               "levers.gun_flow.ceiling": 80.0, "levers.gun_flow.lock": None,
               "constraints": "gun_flow >= 5\n\n financial <= 300 "}
    sc, overrides = url_state.scenario_from_widgets(baseline, widgets)
    assert set(overrides) == {"budget", "horizon", "levers.precursor.max_effect",
                              "levers.gun_flow.ceiling", "constraints"}
    query = url_state.encode_query("baseline.toml", overrides, phasing=True)
    assert query["scenario"] == "baseline.toml" and query["phasing"] == "1"
    assert all(isinstance(v, str) for v in query.values())
    link = url_state.decode_query(query, baseline)
    assert link.errors == () and link.phasing is True
    assert link.widgets["constraints"] == "gun_flow >= 5\nfinancial <= 300"
    assert isinstance(link.widgets["horizon"], int)
    assert isinstance(link.widgets["budget"], float)
    again, again_overrides = url_state.scenario_from_widgets(baseline, link.widgets)
    assert again == sc and again_overrides == overrides
    assert url_state.decode_query({}, baseline).phasing is None


def test_link_entries_that_cannot_apply_are_named_and_left_out(baseline):
    link = url_state.decode_query({
        "budget": "abc", "horizon": "5.5", "levers.precursor.max_effect": "5",
        "levers.precursr.max_effect": "0.2", "discount_rate": "none",
        "levers.financial.floor": "25", "constraints": "gun_flow >= 5"}, baseline)
    assert link.widgets == {"levers.financial.floor": 25.0, "constraints": "gun_flow >= 5"}
    text = "\n".join(link.errors)
    assert len(link.errors) == 5
    for part in ("budget = 'abc'", "horizon = 5.5", "levers.precursor.max_effect",
                 "did you mean 'levers.precursor.max_effect'", "discount_rate = None"):
        assert part in text, part


# -- widgets -> overrides (Scenario.overrides_from) ------------------------------------
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_unchanged_widgets_mean_no_overrides(path):
    base = decide.load_scenario(path)
    widgets = {k: v for k, v in base.flat_values().items()}
    widgets["constraints"] = "\n".join(widgets["constraints"])  # the text box
    sc, overrides = url_state.scenario_from_widgets(base, widgets)
    assert overrides == {} and sc == base and sc.sha256() == base.sha256()


def test_overrides_are_only_the_changed_values(baseline):
    sc, overrides = url_state.scenario_from_widgets(
        baseline, {"budget": 1000.0, "levers.financial.max_effect": 0.03, "unknown": 1})
    assert overrides == {"levers.financial.max_effect": 0.03}
    assert sc.lever("financial").params["max_effect"].base == 0.03
    assert baseline.with_overrides(overrides) == sc
    with pytest.raises(decide.ScenarioError, match="budget = -1.0"):
        url_state.scenario_from_widgets(baseline, {"budget": -1.0})


def test_overrides_from(baseline):
    other = decide.load_scenario(ROOT / "inputs" / "kingpin_strategy.toml")
    changes = {"budget": 1234.0, "levers.gun_flow.lock": 50.0,
               "levers.precursor.max_effect.high": 0.39}
    sc = baseline.with_overrides(changes)
    assert sc.overrides_from(baseline) == changes
    assert baseline.overrides_from(baseline) == {}
    assert baseline.with_overrides(sc.overrides_from(baseline)) == sc
    back = sc.overrides_from(sc.with_overrides({"levers.gun_flow.lock": None}))
    assert back == {"levers.gun_flow.lock": 50.0}
    if set(other.flat_values()) != set(baseline.flat_values()):
        with pytest.raises(decide.ScenarioError, match="different levers"):
            other.overrides_from(baseline)
    treatment = decide.load_scenario(ROOT / "inputs" / "treatment_comparator.toml")
    with pytest.raises(decide.ScenarioError, match="different levers"):
        treatment.overrides_from(baseline)


# -- Monte Carlo chunks and the result store --------------------------------------------
def test_chunks_assemble_to_monte_carlo(baseline):
    seen = []
    mc = runs.collect_chunks(decide.monte_carlo_chunks(baseline, n=500, seed=3, chunk=128),
                             500, lambda done, n: seen.append((done, n)))
    same = decide.monte_carlo(baseline, n=500, seed=3)
    pd.testing.assert_frame_equal(mc, same)
    assert mc.attrs == same.attrs and mc.attrs["lp_fallback_draws"] == sum(
        f.attrs["lp_fallback_draws"]
        for f in decide.monte_carlo_chunks(baseline, n=500, seed=3, chunk=128))
    assert seen == [(128, 500), (256, 500), (384, 500), (500, 500)]
    assert list(mc.index) == list(range(500))


def test_assembly_sums_fallbacks_and_lists_workers():
    frames = []
    for k, (fallback, worker) in enumerate([(1, "b"), (2, "a"), (0, "b")]):
        f = pd.DataFrame({"draw": [k], "deaths_averted": [1.0]})
        f.attrs.update(engine="lp", seed_entropy=7, lp_fallback_draws=fallback, worker=worker)
        frames.append(f)
    mc = runs.assemble_chunks(frames)
    assert mc.attrs == {"engine": "lp", "seed_entropy": 7, "lp_fallback_draws": 3,
                        "workers": ["a", "b"]}
    np.testing.assert_array_equal(mc["draw"], [0, 1, 2])
    with pytest.raises(ValueError):
        runs.assemble_chunks([])


def test_one_stored_result_per_analysis(baseline):
    other = baseline.with_overrides({"budget": 500})
    store = {}
    runs.store(store, "frontier", baseline, 1)
    runs.store(store, "tornado", baseline, 2)
    assert runs.stored(store, "frontier", baseline) == 1
    runs.store(store, "frontier", other, 3)
    assert runs.stored(store, "frontier", baseline) is None
    assert runs.stored(store, "frontier", other) == 3 and len(store) == 2


def test_safe_name():
    assert runs.safe_name("My scenario: v2/final") == "My_scenario_v2_final"


def test_pure_modules_do_not_import_streamlit():
    import subprocess

    code = ("import sys, ui.url_state, ui.runs, decide.cli, decide.reporting; "
            "assert 'streamlit' not in sys.modules, 'streamlit imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_ui_modules_declare_all():
    import importlib
    import pkgutil

    import ui

    names = ["ui"] + [m.name for m in pkgutil.walk_packages(ui.__path__, "ui.")]
    assert "ui.tabs.allocation" in names
    for name in names:
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), name
        for public in module.__all__:
            assert hasattr(module, public), f"{name}.__all__ lists missing {public}"


def test_a_bad_constraint_in_a_link_is_named(baseline):
    link = url_state.decode_query({"constraints": '["gun_flow >= finacial"]'}, baseline)
    assert link.widgets == {} and "did you mean 'financial'" in link.errors[0]


def test_ui_never_evaluates_text():
    for path in (ROOT / "ui").rglob("*.py"):
        src = path.read_text()
        assert "pickle" not in src and "eval(" not in src and "exec(" not in src, path
