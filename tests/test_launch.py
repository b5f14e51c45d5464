"""The warm start (`ui.launch`) and the per-rerun memos that keep a no-op rerun cheap."""

import tomllib

from streamlit.testing.v1 import AppTest

from decide.reporting import answer

from .conftest import ROOT

APP = str(ROOT / "app.py")


def test_warm_fills_the_caches_the_first_page_reads():
    from ui import library
    from ui.launch import warm

    text = warm()
    out = library.outlook(text)
    assert library.outlook(text) is out  # a hit: the same object, not a recomputation
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    headline = at.markdown[0].value if at.markdown[0].value.startswith("#### ") else next(
        m.value for m in at.markdown if m.value.startswith("#### "))
    assert headline == "#### " + answer.headline(library.solve(text), out)
    # the page solved the default scenario: the warmed entry is the one it read
    assert library.toml_of(at.session_state["solved_scenario"]) == text


def test_a_rerun_that_changes_nothing_reuses_the_scenario_and_a_change_does_not():
    at = AppTest.from_file(APP, default_timeout=60).run()
    first = at.session_state["solved_scenario"]
    at.run()
    assert at.session_state["solved_scenario"] is first
    at.number_input(key="w:budget").set_value(1100).run()
    changed = at.session_state["solved_scenario"]
    assert changed is not first and changed.budget == 1100
    at.number_input(key="w:budget").set_value(1000).run()
    assert at.session_state["solved_scenario"].budget == 1000


def test_the_server_skips_the_full_garbage_collection_after_every_run():
    # Streamlit's default gc.collect(2) after each run was most of a no-op rerun's time
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_closed_sidebar_sections_keep_their_values_and_draw_nothing():
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["open:levers.gun_flow"] = True
    at.run()
    assert at.number_input(key="w:levers.gun_flow.floor")  # drawn: its section is open
    assert not [w for w in at.slider if w.key.startswith("w:levers.precursor.")]
    at.number_input(key="w:levers.gun_flow.floor").set_value(25.0).run()
    at.session_state["open:levers.gun_flow"] = False  # closing it, as a click does
    at.run()
    assert not [w for w in at.number_input if w.key.startswith("w:levers.gun_flow.")]
    for _ in range(2):  # the value outlives the widgets over more than one rerun
        at.run()
        assert at.session_state["solved_scenario"].lever("gun_flow").floor == 25
    at.session_state["open:levers.gun_flow"] = True
    at.run()
    assert at.number_input(key="w:levers.gun_flow.floor").value == 25


def test_memo_keys_scalars_by_value_and_objects_by_identity():
    from ui.library import memo

    calls = []

    def build(obj, k, label=None):
        calls.append((obj, k, label))
        return [id(obj), k, label]

    a, b = [1], [1]  # equal but distinct: different results
    first = memo(build, a, 2.5, label="x")
    assert memo(build, a, float("2.5"), label="x") is first  # new float, same value: a hit
    assert memo(build, b, 2.5, label="x") is not first
    assert memo(build, a, 3.0, label="x") is not first
    assert memo(build, a, 2.5, label="y") is not first
    assert len(calls) == 4


def test_a_memo_entry_goes_when_its_argument_is_freed():
    # a session replacing its Monte Carlo result must not leave the old draws alive in
    # the chart memo (nor let a new object with the freed id find the old chart)
    import gc
    import weakref

    import pandas as pd

    from ui import library

    def rows(df):
        return len(df)

    def entries():
        return [key for key in library._CALLS if key[0] is rows]

    draws = pd.DataFrame({"x": range(10)})
    alive = weakref.ref(draws)
    assert library.memo(rows, draws) == 10 and len(entries()) == 1
    del draws
    gc.collect()
    assert alive() is None and entries() == []


def test_a_rerun_that_changes_nothing_rebuilds_no_analysis_chart(monkeypatch):
    # each tab's chart took 20-50 ms of altair validation on every rerun (the tornado tab's
    # no-op rerun was 143 ms of script); now built once per stored result
    from decide.reporting import charts

    built = {}
    for name in ("tornado_chart", "frontier_chart", "funded_chart", "averted_histogram",
                 "pareto_chart"):
        original = getattr(charts, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            built[_name] = built.get(_name, 0) + 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(charts, name, counting)
    at = AppTest.from_file(APP, default_timeout=120).run()
    for tab, key in (("Frontier", "fr_run"), ("Tornado", "to_run"),
                     ("Monte Carlo", "mc_run"), ("Mexico trade-off", "pa_run")):
        at.session_state["tab"] = tab
        at.run()
        at.button(key).click().run()
        assert not at.exception, at.exception
        after_run = dict(built)
        at.run()
        at.run()
        assert built == after_run, tab
    assert set(built) == {"tornado_chart", "frontier_chart", "funded_chart",
                          "averted_histogram", "pareto_chart"}


def test_a_fan_spec_from_the_template_equals_a_fresh_altair_build(baseline):
    import decide
    from decide.reporting import charts
    from ui.library import fan_spec

    def same(spec, chart):  # equal up to the dataset's (content-hash) name
        full = chart.to_dict()
        (rows,), (want,) = spec["datasets"].values(), full["datasets"].values()
        strip = {k: v for k, v in spec.items() if k not in ("data", "datasets")}
        return rows == want and strip == {k: v for k, v in full.items()
                                          if k not in ("data", "datasets")}

    titles = {"title": "Deaths averted by year", "y_title": "Deaths averted per year"}
    for budget in (1000, 700, 1300):  # the first builds the template, the others swap
        sc = baseline.with_overrides({"budget": budget})
        out = decide.outlook(sc, decide.optimize(sc), n=200, seed=3)
        assert same(fan_spec(out.fan), charts.fan_chart(out.fan))
        assert same(fan_spec(out.averted_fan, **titles),
                    charts.fan_chart(out.averted_fan, **titles))
    short = baseline.with_overrides({"horizon": 5})  # other years: another template
    out = decide.outlook(short, decide.optimize(short), n=200, seed=3)
    assert same(fan_spec(out.fan), charts.fan_chart(out.fan))
    assert fan_spec(out.fan)["layer"][0]["encoding"]["x"]["axis"]["values"] == [1, 2, 3, 4, 5]
