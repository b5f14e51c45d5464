"""Forward predictions written down before their outcome is known (inputs/forecasts.csv,
docs/model.md section 12.7): the file parses, and re-running each prediction with its
recorded seed reproduces the recorded numbers (to the rounding of the file), so it can be
scored when NCHS publishes the count.

Regenerate rows (only for a *new* prediction, never to replace a recorded one):
``python -m tests.test_forecasts``."""

import math
from datetime import date

import pandas as pd
import pytest

from decide.analyses import forecast

from .conftest import ROOT
from .test_baseline_model import BASE, with_baseline

FORECASTS = ROOT / "inputs" / "forecasts.csv"
COLUMNS = ["year", "series", "status", "median", "low", "high", "covariate",
           "covariate_source", "scenario", "model", "draws", "seed", "made_on"]
#: The covariate for calendar 2025: no calendar-2025 figure is in inputs/data, so DEA's
#: fiscal-2025 figure stands for it (a judgement, stated in every row).
COVARIATE_2025 = 29.0
COVARIATE_SOURCE = (
    "dea_pills_lethal_dose_share FY2025 (Oct 2024-Sep 2025) = 29%, DEA press release of "
    "3 Dec 2025 (inputs/data/supply.csv), used for calendar 2025: a judgement, no "
    "calendar-2025 figure was in the data")
SCENARIO = "inputs/baseline.toml + tests/data/baselines/tables.toml [{model}]"


def predict(model, *, year=2025, covariate=COVARIATE_2025, draws=2000, seed=1):
    """One prediction row as recorded in inputs/forecasts.csv (numbers rounded to whole
    deaths)."""
    sc = BASE if model == "flat" else with_baseline(BASE, model)
    f = forecast(sc, year=year, covariate=covariate, draws=draws, seed=seed).iloc[0]
    return {"year": year, "series": f["series"], "status": f["status"],
            "median": round(f["median"]), "low": round(f["low"]), "high": round(f["high"]),
            "covariate": covariate, "covariate_source": COVARIATE_SOURCE,
            "scenario": SCENARIO.format(model=model) if model != "flat"
            else "inputs/baseline.toml", "model": model, "draws": draws, "seed": seed}


def test_the_forecasts_file_parses():
    df = pd.read_csv(FORECASTS)
    assert list(df.columns) == COLUMNS and len(df) >= 1
    assert df[["year", "median", "low", "high", "draws", "seed"]].notna().all().all()
    assert (df["low"] < df["median"]).all() and (df["median"] < df["high"]).all()
    assert set(df["series"]) == {"synthetic_opioid_deaths"}
    assert set(df["model"]) <= {"flat", "trend", "dynamic"}
    for made_on in df["made_on"]:
        date.fromisoformat(made_on)
    assert (df["covariate_source"].str.len() > 0).all()


@pytest.mark.parametrize("row", pd.read_csv(FORECASTS).to_dict(orient="records"),
                         ids=lambda r: f"{r['year']}-{r['model']}")
def test_rerunning_a_forecast_reproduces_the_recorded_numbers(row):
    got = predict(row["model"], year=int(row["year"]), covariate=float(row["covariate"]),
                  draws=int(row["draws"]), seed=int(row["seed"]))
    for k in ("median", "low", "high"):
        assert math.isclose(got[k], row[k], abs_tol=1), (k, got[k], row[k])


if __name__ == "__main__":
    rows = [dict(predict(m), made_on=date.today().isoformat())
            for m in ("dynamic", "trend", "flat")]
    print(pd.DataFrame(rows, columns=COLUMNS).to_csv(index=False), end="")
