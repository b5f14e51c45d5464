"""The Evidence tab's logic without streamlit (`ui.evidence`)."""

import doctest

import pandas as pd
import pytest

import decide
from decide.analyses.calibration import calibrated_parameters
from decide.scenario import load_observed
from ui import evidence

from .conftest import ROOT


def _validation(**row):
    base = {"year": 2024, "status": "provisional", "observed": 48422.0,
            "predicted": 77000.0, "low": 40000.0, "high": 83000.0, "inside": True,
            "error_pct": 59.0}
    base.update(row)
    return pd.DataFrame({k: [v] for k, v in base.items()})


def test_doctests():
    assert doctest.testmod(evidence).failed == 0


def test_observed_deaths_keeps_final_and_provisional_apart():
    data = load_observed()
    obs = evidence.observed_deaths(data)
    assert set(obs["Status"]) == {"final", "provisional"}
    assert list(obs.columns) == ["Year", "Status", "Deaths", "Period", "Preferred", "Source"]
    assert obs["Source"].str.len().gt(0).all()
    assert obs["Year"].is_monotonic_increasing
    final = obs[obs["Status"] == "final"].set_index("Year")["Deaths"]
    assert final[2019] == 36359  # checked in decide.scenario.data's doctest
    # one preferred count per (year, status), the first in file order
    pref = evidence.preferred_deaths(data)
    assert not pref.duplicated(["year", "status"]).any()
    assert len(pref) == obs["Preferred"].sum()
    prov = data[(data["series"] == "synthetic_opioid_deaths")
                & (data["status"] == "provisional")].drop_duplicates("year")
    got = pref[pref["status"] == "provisional"].set_index("year")["deaths"]
    assert got.to_dict() == dict(zip(prov["year"], prov["value"]))


def test_sentence_states_error_and_interval():
    s = evidence.validation_sentence(_validation(), 2023)
    assert s.startswith("Trained through 2023, the model predicted 77,000 deaths for 2024 "
                        "against 48,422 observed (provisional)")
    assert "59.0% error (too high)" in s and "inside its 90% interval (40,000 to 83,000)" in s
    s = evidence.validation_sentence(_validation(predicted=45000.0, low=50000.0,
                                                 high=60000.0), 2023)
    assert "7.1% error (too low)" in s and "outside its 90% interval" in s


def test_sentence_uses_the_first_held_out_year_and_handles_none():
    two = pd.concat([_validation(year=2025, observed=1.0), _validation()], ignore_index=True)
    assert "for 2024 against 48,422" in evidence.validation_sentence(two, 2023)
    empty = _validation().iloc[:0]
    assert "nothing to test out of sample" in evidence.validation_sentence(empty, 2024)


def test_tables_from_a_real_calibration():
    sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
    cal = decide.calibrate(sc, draws=200, seed=3)
    val = decide.validate(sc, draws=200, seed=3)
    table = evidence.prior_posterior_table(cal.summary(), {"market.baseline_trend": "trend"})
    assert list(table["Parameter"])[-2:] == ["calibration.level", "calibration.noise"]
    assert set(table["Parameter"]) >= set(calibrated_parameters(sc))
    row = table.set_index("Parameter").loc["market.baseline_trend"]
    assert row["Description"] == "trend"
    assert row["Posterior 5%"] <= row["Posterior median"] <= row["Posterior 95%"]
    assert row["Interval width vs prior"] > 0
    vt = evidence.validation_table(val)
    assert list(vt.columns) == ["Year", "Status", "Observed", "Predicted", "90% low",
                                "90% high", "Inside", "Error %"]
    assert vt["Year"].min() > 2023 and len(vt) == len(val)
    frame = evidence.fit_frame(cal.fit, val)
    assert set(frame["kind"]) == {"fitted", "held out"}
    assert (frame["low"] <= frame["high"]).all()
    assert len(evidence.fit_frame(cal.fit)) == len(cal.fit)
    s = evidence.validation_sentence(val, 2023)
    first = val.iloc[0]
    assert f"{first['observed']:,.0f} observed" in s
    assert f"{abs(first['error_pct']):.1f}% error" in s
    assert ("inside" if first["inside"] else "outside") + " its 90% interval" in s


@pytest.mark.parametrize("name", sorted(evidence.NUISANCE))
def test_nuisance_parameters_are_labelled(name):
    summary = pd.DataFrame({"name": [name], "posterior_low": [1.0], "posterior_median": [2.0],
                            "posterior_high": [3.0], "prior_low": [0.0],
                            "prior_median": [2.0], "prior_high": [4.0]})
    table = evidence.prior_posterior_table(summary)
    assert "nuisance" in table.loc[0, "Description"]
    assert table.loc[0, "Interval width vs prior"] == pytest.approx(0.5)


def test_fit_frame_adds_the_projection_as_its_own_kind():
    import pandas as pd

    from ui.evidence import fit_frame

    fit = pd.DataFrame({"year": [2021, 2022], "median": [1.0, 2.0], "low": [0.5, 1.5],
                        "high": [1.5, 2.5]})
    proj = pd.DataFrame({"year": [2024, 2025], "median": [3.0, 4.0], "low": [2.0, 3.0],
                         "high": [4.0, 5.0]})
    frame = fit_frame(fit, None, proj)
    assert frame["kind"].tolist() == ["fitted", "fitted", "projected", "projected"]
    assert frame.loc[frame["kind"] == "projected", "median"].tolist() == [3.0, 4.0]
