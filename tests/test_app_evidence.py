"""AppTest of the Evidence tab: observed deaths, then calibration and validation on a
button."""

from streamlit.testing.v1 import AppTest

from .conftest import ROOT

APP = str(ROOT / "app.py")


def _df(at, column):
    """The first dataframe on the page with this column (st.dataframe has no test key)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


def test_evidence_tab_runs_calibration_and_validation():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["tab"] = "Evidence"  # only the open tab runs
    at.run()
    assert not at.exception and not at.error
    assert "Evidence" in [t.label for t in at.tabs]
    assert _df(at, "Preferred")["Status"].isin(["final", "provisional"]).all()
    at.selectbox(key="ev_draws").select(500)
    at.button(key="ev_run").click().run()
    assert not at.exception and not at.error
    sentence = [md.value for md in at.markdown if "Trained through 2023" in md.value]
    assert len(sentence) == 1
    assert "for 2024 against" in sentence[0] and "% error" in sentence[0]
    assert "its 90% interval" in sentence[0]
    table = _df(at, "Inside")
    assert {"Observed", "Predicted", "90% low", "90% high", "Inside"} <= set(table.columns)
    assert 2024 in set(table["Year"])
    posterior = _df(at, "Posterior median")
    assert "market.baseline_trend" in set(posterior["Parameter"])
    assert any(b.label == "Download validation (CSV)" for b in at.get("download_button"))
