"""Observed data (inputs/data/*.csv): the files parse, every row is sourced, the
synthetic-opioid and all-drug series carry the figures the research notes mark as checked,
final and provisional counts stay apart, fiscal years stay fiscal, and the loader names
the file, row, column and value of every error it finds.
"""

import re

import pandas as pd
import pytest

from decide.errors import ScenarioError
from decide.scenario import load_observed, observed_series
from decide.scenario.data import COLUMNS, DATA_DIR, PERIODS, STATUSES

from .conftest import ROOT

SYN, ALL = "synthetic_opioid_deaths", "all_drug_overdose_deaths"

# Figures tagged "checked" in the research notes (shared/research/domain.md, section 1),
# as (series, year, status) -> deaths. 2020, 2022 and final 2023 synthetic-opioid counts
# are tagged unverified or secondary there and are deliberately not in this table.
CHECKED = {
    (SYN, 2019, "final"): 36_359,
    (SYN, 2021, "final"): 70_601,
    (SYN, 2023, "provisional"): 76_282,
    (SYN, 2024, "provisional"): 48_422,
    (ALL, 2019, "final"): 70_630,
    (ALL, 2020, "final"): 91_799,
    (ALL, 2021, "final"): 106_699,
    (ALL, 2022, "final"): 107_941,
    (ALL, 2023, "final"): 105_007,
    (ALL, 2024, "provisional"): 80_391,
}
# 2024 final all-drug deaths: two secondaries disagree (domain.md); both must be kept.
ALL_2024_FINAL = {79_384, 79_385}
ADDRESS = re.compile(r"\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(gov|org|com|net|app|info|eu)\b/?")
HEADER = "year,series,value,unit,period,status,source,note\n"
GOOD = '2019,synthetic_opioid_deaths,36359,deaths,calendar,final,"CDC, seen at cdc.gov",\n'


@pytest.fixture(scope="module")
def observed():
    return load_observed()


def test_shipped_files_parse(observed):
    files = sorted(p.name for p in DATA_DIR.glob("*.csv"))
    assert DATA_DIR == ROOT / "inputs" / "data"
    assert {"deaths.csv", "supply.csv"} <= set(files)
    assert list(observed.columns) == list(COLUMNS)
    assert observed["year"].dtype == "int64" and observed["value"].dtype == "float64"
    per_file = sum(len(load_observed(DATA_DIR / f)) for f in files)
    assert len(observed) == per_file > 0
    assert {SYN, ALL, "dea_fentanyl_powder_purity", "dea_pills_lethal_dose_share",
            "cbp_fentanyl_seizures"} <= set(observed["series"])


def test_every_row_has_a_source_with_an_address_and_a_valid_status(observed):
    assert set(observed["status"]) <= set(STATUSES)
    assert set(observed["period"]) <= set(PERIODS)
    for row in observed.itertuples():
        assert row.source.strip(), row
        assert ADDRESS.search(row.source), f"no page address in source: {row.source}"
        assert "seen at" in row.source, row.source


def test_synthetic_opioid_series_matches_the_checked_figures(observed):
    for (series, year, status), expected in CHECKED.items():
        rows = observed[(observed["series"] == series) & (observed["year"] == year)
                        & (observed["status"] == status)]
        assert expected in set(rows["value"]), (series, year, status, list(rows["value"]))
        # and it is the preferred (first) row for that year
        assert observed_series(series, status=status, data=observed)[year] == expected
    final_2024 = observed[(observed["series"] == ALL) & (observed["year"] == 2024)
                          & (observed["status"] == "final")]
    assert set(final_2024["value"]) == ALL_2024_FINAL
    assert final_2024["source"].nunique() == 2


def test_synthetic_opioid_series_runs_from_2013_to_the_latest_published_year(observed):
    final = observed_series(SYN, status="final", data=observed)
    assert list(final.index) == list(range(2013, 2024))
    assert final.is_monotonic_increasing is False  # 2023 fell: a real series, not a ramp
    assert (final > 0).all()
    provisional = observed_series(SYN, status="provisional", data=observed)
    assert provisional.index.max() == 2024
    assert set(observed.loc[observed["series"] == SYN, "unit"]) == {"deaths"}


def test_final_and_provisional_are_kept_apart(observed):
    syn = observed[observed["series"] == SYN]
    assert set(syn.loc[syn["status"] == "final", "period"]) == {"calendar"}
    assert set(syn.loc[syn["status"] == "provisional", "period"]) == {
        "12-month-ending-december"}
    final = observed_series(SYN, status="final", data=observed)
    provisional = observed_series(SYN, status="provisional", data=observed)
    # 2023: provisional 76,282 against final 72,776, about 3,500 apart (domain.md)
    assert 3_000 < provisional[2023] - final[2023] < 4_000
    # a final series never borrows a provisional year, and vice versa
    assert 2024 not in final.index
    for year in final.index.intersection(provisional.index):
        assert final[year] != provisional[year]
    with pytest.raises(ScenarioError, match="status = 'Final'"):
        observed_series(SYN, status="Final", data=observed)


def test_fiscal_years_stay_fiscal(observed):
    cbp = observed[observed["series"].str.startswith("cbp_")]
    assert not cbp.empty and set(cbp["period"]) == {"fiscal"}
    purity = observed[observed["series"] == "dea_fentanyl_powder_purity"]
    fiscal = purity[purity["period"] == "fiscal"].set_index("year")["value"]
    assert fiscal.to_dict() == {2023: 19.5, 2025: 10.3}  # DEA press release, 3 Dec 2025
    with pytest.raises(ScenarioError, match="mix periods"):
        observed_series("dea_fentanyl_powder_purity", data=observed)
    report = observed_series("dea_fentanyl_powder_purity", period="report", data=observed)
    assert report.to_dict() == {2024: 19.2, 2025: 11.36}


# --- the loader's errors name file, row, column and value ---------------------------

def _write(tmp_path, body, header=HEADER, name="obs.csv"):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, column, value", [
    (GOOD + '2020,synthetic_opioid_deaths,56516,deaths,calendar,Final,"x, seen at a.gov",\n',
     "status", "'Final'"),
    (GOOD + '2020,synthetic_opioid_deaths,56516,deaths,calendar,final,"  ",\n',
     "source", "'  '"),
    (GOOD + '20x0,synthetic_opioid_deaths,56516,deaths,calendar,final,"s, a.gov",\n',
     "year", "'20x0'"),
    (GOOD + '2020,synthetic_opioid_deaths,lots,deaths,calendar,final,"s, a.gov",\n',
     "value", "'lots'"),
    (GOOD + '2020,synthetic_opioid_deaths,-5,deaths,calendar,final,"s, a.gov",\n',
     "value", "'-5'"),
    (GOOD + '2020,synthetic_opioid_deaths,nan,deaths,calendar,final,"s, a.gov",\n',
     "value", "'nan'"),
    (GOOD + '2020,synthetic_opioid_deaths,56516,deaths,FY,final,"s, a.gov",\n',
     "period", "'FY'"),
    (GOOD + '2020,Synthetic Opioids,56516,deaths,calendar,final,"s, a.gov",\n',
     "series", "'Synthetic Opioids'"),
    (GOOD + '2020,synthetic_opioid_deaths,56516,,calendar,final,"s, a.gov",\n',
     "unit", "''"),
    (GOOD + '2020,synthetic_opioid_deaths,56516,persons,calendar,final,"s, a.gov",\n',
     "unit", "'persons'"),
])
def test_loader_errors_name_file_row_column_and_value(tmp_path, body, column, value):
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        load_observed(path)
    msg = str(err.value)
    assert str(path) in msg and "row 2 (line 3)" in msg, msg
    assert f"column {column}" in msg and value in msg, msg
    assert err.value.file == str(path)


def test_loader_rejects_a_repeated_series_year_status_source(tmp_path):
    path = _write(tmp_path, GOOD + '2020,synthetic_opioid_deaths,1,deaths,calendar,final,s,\n'
                  + GOOD.replace("36359", "36000"))
    with pytest.raises(ScenarioError) as err:
        load_observed(path)
    msg = str(err.value)
    assert "row 3 (line 4), column source" in msg and "first at" in msg and "row 1" in msg
    # the same year from a second source is fine (both rows kept), as is a second status
    ok = _write(tmp_path, GOOD + GOOD.replace("cdc.gov", "nih.gov")
                + GOOD.replace("final", "provisional"), name="ok.csv")
    assert len(load_observed(ok)) == 3


def test_loader_rejects_duplicates_across_files(tmp_path):
    _write(tmp_path, GOOD, name="a.csv")
    second = _write(tmp_path, GOOD, name="b.csv")
    with pytest.raises(ScenarioError, match=re.escape(f"{second}: row 1 (line 2)")):
        load_observed(tmp_path)


@pytest.mark.parametrize("header, match", [
    ("year,series,value,unit,status\n", "missing column(s) source"),
    ("year,series,value,unit,period,status,source,colour\n", "column 'colour'"),
    ("year,series,value,unit,status,source,source\n", "column 'source'"),
])
def test_loader_checks_columns(tmp_path, header, match):
    row = ",".join(["2019", "synthetic_opioid_deaths", "1", "deaths", "final", "s", "x",
                    "x"][: header.count(",") + 1]) + "\n"
    path = _write(tmp_path, row, header=header)
    with pytest.raises(ScenarioError, match=re.escape(match)) as err:
        load_observed(path)
    assert str(path) in str(err.value)


def test_loader_optional_columns_default(tmp_path):
    path = _write(tmp_path, '2019,synthetic_opioid_deaths,36359,deaths,final,"s, a.gov"\n',
                  header="year,series,value,unit,status,source\n")
    df = load_observed(path)
    assert df.loc[0, "period"] == "calendar" and df.loc[0, "note"] == ""
    assert list(df.columns) == list(COLUMNS)


def test_loader_missing_or_empty_inputs(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_observed(tmp_path / "nope.csv")
    with pytest.raises(ScenarioError, match=r"no \*\.csv files"):
        load_observed(tmp_path)
    empty = _write(tmp_path, "")
    with pytest.raises(ScenarioError, match=re.escape(f"{empty}: no data rows")):
        load_observed(empty)
    blank = tmp_path / "blank.csv"
    blank.write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not a readable CSV"):
        load_observed(blank)
    short = _write(tmp_path, GOOD + "2020,synthetic_opioid_deaths,1\n", name="short.csv")
    with pytest.raises(ScenarioError, match=re.escape(
            f"{short}: row 2 (line 3): has 3 fields, the header has 8")):
        load_observed(short)


def test_observed_series_names_unknown_series(observed):
    with pytest.raises(ScenarioError, match="unknown series; known: "):
        observed_series("fentanyl", data=observed)
    series = observed_series(SYN, data=observed)
    assert isinstance(series, pd.Series) and series.name == SYN
    assert series.index.name == "year"
