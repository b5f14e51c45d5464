"""`decide calibrate` and `decide validate` (docs/model.md section 12) and the fit chart:
tables on stdout, --out (csv, json, xlsx), --plot, progress and warnings on stderr, the
same numbers as the library. Small --draws keep it quick."""

import json

import openpyxl
import pandas as pd
import pytest

import decide
from decide.cli import main
from decide.reporting import charts

from .test_baseline_model import DYNAMIC, TREND

DRAWS = ["--draws", "160", "--seed", "1"]


@pytest.fixture(scope="module")
def dynamic_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cal") / "dynamic.json"
    path.write_text(json.dumps(DYNAMIC.to_dict()))
    return str(path)


def test_calibrate_prints_posterior_against_prior_and_diagnostics(dynamic_file, capsys):
    assert main(["calibrate", dynamic_file, *DRAWS]) == 0
    cap = capsys.readouterr()
    out = cap.out
    assert "baseline model 'dynamic'" in out and "2021-2024" in out
    for name in ("market.supply_elasticity", "baseline.people_at_risk",
                 "baseline.initiation", "baseline.cessation", "calibration.level",
                 "calibration.noise"):
        assert name in out
    assert "prior 90%" in out and "posterior 90%" in out
    assert "Diagnostics: acceptance" in out and "48,422" in out  # the 2024 count
    # 160 draws are too few: the diagnostics say so, in the table and on stderr
    assert "Warning:" in out and "decide: warning:" in cap.err
    assert "calibrate: " in cap.err and "(100%)" in cap.err  # progress
    assert main(["calibrate", dynamic_file, *DRAWS, "--quiet"]) == 0
    assert "calibrate: " not in capsys.readouterr().err


def test_calibrate_out_matches_the_library(dynamic_file, tmp_path, capsys):
    post = tmp_path / "posterior.csv"
    assert main(["calibrate", dynamic_file, *DRAWS, "--out", str(post), "--quiet"]) == 0
    cal = decide.calibrate(DYNAMIC, draws=160, seed=1)
    pd.testing.assert_frame_equal(pd.read_csv(post), cal.posterior, rtol=1e-12)
    fit = tmp_path / "fit.json"
    plot = tmp_path / "fit.html"
    assert main(["calibrate", dynamic_file, *DRAWS, "--table", "fit", "--out", str(fit),
                 "--plot", str(plot), "--quiet"]) == 0
    doc = json.loads(fit.read_text())
    assert [r["year"] for r in doc["rows"]] == cal.fit["year"].tolist()
    assert doc["rows"][-1]["median"] == pytest.approx(cal.fit["median"].iloc[-1])
    assert doc["baseline_model"] == "dynamic" and doc["diagnostics"]["window"] == [2021, 2024]
    assert plot.stat().st_size > 0
    xlsx = tmp_path / "summary.xlsx"
    assert main(["calibrate", dynamic_file, *DRAWS, "--table", "summary", "--out", str(xlsx),
                 "--quiet"]) == 0
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["result", "about"]
    assert wb["result"].max_row == len(cal.summary()) + 1


def test_validate_table_matches_decide_validate(dynamic_file, tmp_path, capsys):
    assert main(["validate", dynamic_file, *DRAWS, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2024" in out and "inside" in out and "error_pct" in out
    path = tmp_path / "v.csv"
    plot = tmp_path / "v.png"
    assert main(["validate", dynamic_file, "--train-until", "2023", *DRAWS, "--out",
                 str(path), "--plot", str(plot)]) == 0
    err = capsys.readouterr().err
    assert "validate: " in err and f"wrote {plot}" in err
    got = pd.read_csv(path)
    want = decide.validate(DYNAMIC, train_until=2023, draws=160, seed=1)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_validate_after_the_last_year_warns_and_errors_exit_2(dynamic_file, capsys):
    assert main(["validate", dynamic_file, "--train-until", "2024", *DRAWS, "--quiet"]) == 0
    assert "no observed year after 2024" in capsys.readouterr().err
    assert main(["calibrate", dynamic_file, "--draws", "5"]) == 2
    assert "draws" in capsys.readouterr().err
    assert main(["validate", dynamic_file, "--train-until", "2021", *DRAWS]) == 2
    assert main(["calibrate", dynamic_file, *DRAWS, "--plot", "x.gif", "--quiet"]) == 2


def test_fit_chart_builds_with_units():
    cal = decide.calibrate(TREND, draws=160, seed=2)
    spec = charts.fit_chart(cal.fit).to_dict()
    text = json.dumps(spec)
    assert "Deaths involving synthetic opioids (T40.4) per year" in text
    assert "Year (calendar)" in text and "Fitted (year in the fit)" in text
    table = decide.validate(TREND, draws=160, seed=2)
    assert "Predicted (out of sample)" in json.dumps(charts.fit_chart(table).to_dict())
