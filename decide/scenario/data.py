"""Observed data: the shipped, sourced series in ``inputs/data/*.csv``.

Tidy CSV files, one observation a row, with the columns

``year, series, value, unit, period, status, source, note``

(``period`` and ``note`` are optional). ``status`` is ``final`` or ``provisional`` and
the two are never merged: a provisional 12-month-ending count and the final count of the
same year are different rows, and `observed_series` returns one status at a time.
``period`` says what ``year`` means: ``calendar``, ``fiscal`` (US federal fiscal year,
October to September), ``12-month-ending-december`` (provisional counts), ``report``
(``year`` is the edition of the report; the sampling year was not stated) or
``partial-year`` (a sample from part of ``year``). Where two sources disagree both rows
are kept; the row listed first in its file is the preferred one.

`load_observed` validates every row and raises `decide.errors.ScenarioError` naming the
file, the row (and its line in the file), the column and the offending value.

>>> df = load_observed()
>>> int(observed_series("synthetic_opioid_deaths", status="final", data=df)[2019])
36359
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd

from ..errors import ScenarioError
from ..files import explain

__all__ = ["DATA_DIR", "COLUMNS", "REQUIRED_COLUMNS", "STATUSES", "PERIODS",
           "load_observed", "observed_series"]

#: Where the shipped observed data live (``inputs/data`` in the repository).
DATA_DIR = Path(__file__).resolve().parents[2] / "inputs" / "data"

#: Every column a data file may have, in output order.
COLUMNS = ("year", "series", "value", "unit", "period", "status", "source", "note")
#: Columns every data file must have.
REQUIRED_COLUMNS = ("year", "series", "value", "unit", "status", "source")
#: Allowed ``status`` values.
STATUSES = ("final", "provisional")
#: Allowed ``period`` values (see the module docstring).
PERIODS = ("calendar", "fiscal", "12-month-ending-december", "report", "partial-year")

_SERIES = re.compile(r"^[a-z][a-z0-9_]*$")
_YEARS = (1900, 2100)
_KEY = ("series", "year", "status", "source")


def load_observed(path=None) -> pd.DataFrame:
    """Load and validate observed data.

    Parameters
    ----------
    path : str or Path, optional
        A CSV file, or a directory whose ``*.csv`` files are all read. Default: the
        shipped `DATA_DIR`.

    Returns
    -------
    pandas.DataFrame
        Columns `COLUMNS` (``period`` defaults to ``"calendar"`` and ``note`` to ``""``
        when a file lacks them); ``year`` int64, ``value`` float64; rows in file order
        (files in name order).

    Raises
    ------
    decide.errors.ScenarioError
        Missing file or column, unknown column, an empty file, a non-integer year, a
        value that is not a finite number >= 0, an unknown status or period, an empty
        source, series or unit, a series with two units, or two rows with the same
        (series, year, status, source). The message names the file, the row (line) and
        the column.

    Examples
    --------
    >>> df = load_observed("inputs/data/deaths.csv")  # deaths per year, final and provisional
    >>> sorted(df["series"].unique()), df.groupby("status").size().to_dict()
    (['all_drug_overdose_deaths', 'synthetic_opioid_deaths'], {'final': 24, 'provisional': 16})
    >>> load_observed("inputs/nope.csv")
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: inputs/nope.csv: file not found
    """
    root = Path(DATA_DIR if path is None else path)
    if root.is_dir():
        files = sorted(root.glob("*.csv"))
        if not files:
            raise ScenarioError("no *.csv files in this directory", file=str(root))
    elif root.is_file():
        files = [root]
    else:
        raise ScenarioError("file not found", file=str(root))
    frames = [_read_file(f) for f in files]
    df = pd.concat(frames, ignore_index=True)
    _check_across_rows(df)
    return df.drop(columns=["_file", "_row"])


def observed_series(series, *, status="final", period=None, data=None,
                    path=None) -> pd.Series:
    """One observed series by year, for one status (final and provisional never mix).

    Parameters
    ----------
    series : str
        Series name, e.g. ``"synthetic_opioid_deaths"``.
    status : {"final", "provisional"}
    period : str, optional
        Required when the selected rows mix periods (say fiscal and calendar years).
    data : pandas.DataFrame, optional
        The output of `load_observed`; loaded from ``path`` (default `DATA_DIR`) if absent.
    path : str or Path, optional

    Returns
    -------
    pandas.Series
        Values indexed by ``year`` (ascending), named after the series. Where several
        sources give a year, the first row in file order is used.

    Raises
    ------
    decide.errors.ScenarioError
        An unknown series, status or period, or rows that mix periods without
        ``period``.

    Examples
    --------
    >>> observed_series("synthetic_opioid_deaths", status="final").loc[2021:].to_dict()
    {2021: 70601.0, 2022: 73838.0, 2023: 72776.0}
    >>> observed_series("synthetic_opioid_deaths", status="provisional").loc[2023:].to_dict()
    {2023: 76282.0, 2024: 48422.0}
    >>> observed_series("dea_pills_lethal_dose_share", period="fiscal").to_dict()  # percent
    {2023: 76.0, 2025: 29.0}
    """
    if status not in STATUSES:
        raise ScenarioError(f"must be one of {', '.join(STATUSES)}", key="status",
                            value=status)
    if period is not None and period not in PERIODS:
        raise ScenarioError(f"must be one of {', '.join(PERIODS)}", key="period",
                            value=period)
    df = load_observed(path) if data is None else data
    known = sorted(set(df["series"]))
    if series not in known:
        raise ScenarioError(f"unknown series; known: {', '.join(known)}", key="series",
                            value=series)
    rows = df[(df["series"] == series) & (df["status"] == status)]
    if period is not None:
        rows = rows[rows["period"] == period]
    periods = sorted(set(rows["period"]))
    if len(periods) > 1:
        raise ScenarioError(f"rows of {series} ({status}) mix periods {', '.join(periods)}; "
                            "pass period= to choose one", key="period", value=None,
                            has_value=False)
    rows = rows.drop_duplicates(subset="year", keep="first").sort_values("year")
    return pd.Series(rows["value"].to_numpy(), index=pd.Index(rows["year"], name="year"),
                     name=series)


def _read_file(file: Path) -> pd.DataFrame:
    name = str(file)
    try:
        with open(file, newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
    except OSError as exc:  # the cause in words, not "[Errno 13] ..."
        raise ScenarioError(f"not a readable CSV file ({explain(exc, writing=False)})",
                            file=name) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(f"not a readable CSV file ({exc})", file=name) from exc
    if not lines:
        raise ScenarioError("not a readable CSV file (empty, no header)", file=name)
    header = [c.strip() for c in lines[0]]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ScenarioError(f"unknown column; allowed: {', '.join(COLUMNS)}", file=name,
                            key=f"column {unknown[0]!r}", has_value=False)
    dup = [c for c in header if header.count(c) > 1]
    if dup:
        raise ScenarioError("column appears more than once", file=name,
                            key=f"column {dup[0]!r}", has_value=False)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ScenarioError(f"missing column(s) {', '.join(missing)}; required: "
                            f"{', '.join(REQUIRED_COLUMNS)}", file=name)
    body = [(i, cells) for i, cells in enumerate(lines[1:], start=1) if any(
        c.strip() for c in cells)]
    if not body:
        raise ScenarioError("no data rows", file=name)
    out = {c: [] for c in COLUMNS}
    rows = []
    for row, cells in body:
        if len(cells) != len(header):
            raise ScenarioError(f"has {len(cells)} fields, the header has {len(header)}",
                                file=name, key=f"row {row} (line {row + 1})",
                                has_value=False)
        rec = dict(zip(header, cells))
        for col in COLUMNS:
            out[col].append(_check_cell(col, rec.get(col), name, row))
        rows.append(row)
    df = pd.DataFrame(out, columns=list(COLUMNS))
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    df["_file"] = name
    df["_row"] = rows
    return df


def _where(file, row, col):
    return {"file": file, "key": f"row {row} (line {row + 1}), column {col}"}


def _check_cell(col, text, file, row):
    """Validate one cell; return the parsed value."""
    if text is None:  # optional column absent from this file
        return "calendar" if col == "period" else ""
    raw = text
    text = text.strip()
    if col == "year":
        if not re.fullmatch(r"\d{4}", text):
            raise ScenarioError("must be a four-digit year", value=raw, **_where(file, row, col))
        year = int(text)
        if not _YEARS[0] <= year <= _YEARS[1]:
            raise ScenarioError(f"must be in [{_YEARS[0]}, {_YEARS[1]}]", value=raw,
                                **_where(file, row, col))
        return year
    if col == "value":
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise ScenarioError("must be a finite number >= 0", value=raw,
                                **_where(file, row, col))
        return value
    if col == "status":
        if text not in STATUSES:
            raise ScenarioError(f"must be one of {', '.join(STATUSES)}", value=raw,
                                **_where(file, row, col))
        return text
    if col == "period":
        if text not in PERIODS:
            raise ScenarioError(f"must be one of {', '.join(PERIODS)}", value=raw,
                                **_where(file, row, col))
        return text
    if col == "series":
        if not _SERIES.fullmatch(text):
            raise ScenarioError("must be a name of lower-case letters, digits and _",
                                value=raw, **_where(file, row, col))
        return text
    if col in ("unit", "source") and not text:
        raise ScenarioError("must not be empty", value=raw, **_where(file, row, col))
    return text


def _check_across_rows(df: pd.DataFrame) -> None:
    repeated = df.duplicated(subset=list(_KEY), keep="first")
    if repeated.any():
        second = df[repeated].iloc[0]
        same = (df[list(_KEY)] == second[list(_KEY)]).all(axis=1)
        first = df[same].iloc[0]
        raise ScenarioError(
            f"two rows for series {first['series']!r}, year {first['year']}, status "
            f"{first['status']!r} and the same source (first at {first['_file']} row "
            f"{first['_row']}); give each source once", value=second["source"],
            **_where(second["_file"], int(second["_row"]), "source"))
    for series, rows in df.groupby("series", sort=True):
        units = list(dict.fromkeys(rows["unit"]))
        if len(units) > 1:
            other = rows[rows["unit"] != units[0]].iloc[0]
            raise ScenarioError(f"series {series!r} already has unit {units[0]!r}",
                                value=other["unit"],
                                **_where(other["_file"], int(other["_row"]), "unit"))
