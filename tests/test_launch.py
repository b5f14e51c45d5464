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
