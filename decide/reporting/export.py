"""Exports of an `Allocation`: CSV, JSON and XLSX, written atomically with provenance;
Parquet for large tables of draws; readable column headers (with units) for people.

CSV, JSON and Parquet keep the machine column names (``spend``,
``marginal_deaths_averted_per_musd``, ...: scripts depend on them); XLSX workbooks, read by
people, use `column_label`'s headers (`decide.reporting.labels`) and store numbers as
numbers."""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pandas as pd

from .. import files

__all__ = ["FORMATS", "to_csv_bytes", "to_json_bytes", "to_xlsx_bytes", "export_bytes",
           "write_atomic", "atomic_file", "provenance", "EXTRA_COLUMN_LABELS", "column_label",
           "SUMMARY_LABELS", "summary_label", "summary_frame", "xlsx_bytes", "parquet_bytes",
           "parquet_writer", "parquet_metadata", "PARQUET_KEY"]

FORMATS = ("csv", "json", "xlsx")


def provenance(res, timestamp=None):
    """Toolkit version, scenario hash, solver, objective, gap (in the objective's units:
    ``gap_deaths``, ``gap_life_years`` or ``gap_musd``) and a UTC timestamp."""
    from .. import __version__
    from ..optimization.result import unit_key

    stamp = timestamp or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return {"toolkit": "decide", "version": __version__,
            "scenario_sha256": res.scenario.sha256(), "solver": res.solver,
            "objective": res.objective,
            f"gap_{unit_key(res.objective_unit)}": float(res.gap),
            "iterations": res.iterations, "timestamp": stamp}


def to_csv_bytes(res):
    """The allocation table as CSV (UTF-8): with an ``[outcomes]`` table, its
    life-years, benefit, cost, net benefit and benefit-cost ratio columns too."""
    return res.table.to_csv(index=False).encode()


def _clean(obj):
    # JSON has no NaN/inf: write them as null.
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def to_json_bytes(res, timestamp=None):
    """Allocation, yearly deaths, summary (with the objective, and life-years, net
    benefit and benefit-cost ratio when the scenario has them), the resolved scenario
    and provenance.

    The ``scenario`` member loads back with `decide.load_scenario` (as a ``.json`` file)
    and reproduces the allocation.
    """
    doc = {
        "allocation": {k: float(v) for k, v in res.spend.items()},
        "plan": {str(year): {k: float(v) for k, v in row.items()}
                 for year, row in res.plan.iterrows()} if res.phased else None,
        "table": res.table.to_dict(orient="records"),
        "deaths_by_year": res.deaths_by_year.to_dict(orient="records"),
        "shadow_prices": res.shadow_price_bounds.reset_index().to_dict(orient="records"),
        "summary": res.summary(),
        "scenario": res.scenario.to_dict(),
        "provenance": provenance(res, timestamp),
    }
    return (json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n").encode()


#: Headers of columns that `decide.reporting.labels` does not name (its labels come
#: first, so that one table of labels serves the app, the charts and the files).
EXTRA_COLUMN_LABELS = {
    "lever_key": "Lever key (in scenario files)",
    "baseline": "Deaths with no new spending (per year)",
    "plan": "Deaths with this allocation (per year)",
    "synthetic": "Of which synthetic-opioid deaths (per year)",
    "substitution": "Of which deaths with other drugs, by substitution (per year)",
    "name": "Parameter", "base": "Base value", "low": "Low", "high": "High",
    "unit": "Unit", "source": "Source", "confidence": "Confidence",
    "distribution": "Distribution",
    "S1": "First-order Sobol index (share of variance)",
    "S1_conf": "First-order index: 95% half-width",
    "ST": "Total Sobol index (share of variance)",
    "ST_conf": "Total index: 95% half-width",
}


#: Readable names and units of `Allocation.summary` and `provenance` items.
SUMMARY_LABELS = {
    "scenario": ("Scenario", ""),
    "budget_musd_per_year": ("Budget", "$M per year"),
    "horizon_years": ("Horizon", "years"),
    "dollar_year": ("Dollar year", ""),
    "objective": ("Objective", ""),
    "objective_unit": ("Unit of the objective", ""),
    "objective_value": ("Value of the objective", ""),
    "baseline_deaths": ("Deaths with no new spending", "deaths over the horizon"),
    "projected_deaths": ("Projected deaths", "deaths over the horizon"),
    "deaths_averted": ("Deaths averted", "deaths over the horizon"),
    "gap_deaths": ("Certified gap: the optimum averts at most this much more", "deaths"),
    "gap_life_years": ("Certified gap: the optimum saves at most this much more",
                       "life-years"),
    "gap_musd": ("Certified gap: the optimum gains at most this much more", "$M"),
    "baseline_life_years": ("Life-years lost with no new spending",
                            "life-years, undiscounted"),
    "life_years_lost": ("Life-years lost with this allocation", "life-years, undiscounted"),
    "life_years_averted": ("Life-years saved", "life-years, undiscounted"),
    "value_basis": ("Money value per", ""),
    "benefit_musd": ("Benefit (value of what is averted)", "$M, discounted"),
    "cost_musd": ("Cost (spend over the horizon)", "$M, discounted"),
    "net_benefit_musd": ("Net benefit", "$M, discounted"),
    "benefit_cost_ratio": ("Benefit-cost ratio", "ratio"),
    "cost_per_death_averted_musd": ("Cost per death averted", "$M per death"),
    "budget_shadow_price_deaths_per_musd": (
        "Deaths averted by an extra $1M a year of budget",
        "deaths over the horizon per $1M a year"),
    "budget_shadow_price_life_years_per_musd": (
        "Life-years saved by an extra $1M a year of budget",
        "life-years over the horizon per $1M a year"),
    "budget_shadow_price_musd_per_musd": (
        "Net benefit of an extra $1M a year of budget", "$M per $1M a year"),
    "unspent_musd_per_year": ("Budget left unspent", "$M per year"),
    "unspent_reason": ("Why it is unspent", ""),
    "mexico_homicides": ("Additional homicides in Mexico", "homicides over the horizon"),
    "warnings": ("Warnings", ""),
    "status": ("Solver status", ""),
    "solver": ("Solver", ""),
    "iterations": ("Linear programs solved", "count"),
    "toolkit": ("Toolkit", ""),
    "version": ("Toolkit version", ""),
    "scenario_sha256": ("Scenario fingerprint (SHA-256)", ""),
    "timestamp": ("Created (UTC)", ""),
    "seed": ("Random seed (repeats the run)", ""),
    "command": ("Command", ""),
    "draws": ("Draws", "count"),
    "inner": ("Inner draws per outer draw", "count"),
    "output": ("Output explained", ""),
    "value_deaths": ("Value of the objective", "deaths over the horizon"),
    "alpha": ("CVaR level (alpha: the worst 1 - alpha of draws count)", "fraction"),
    "table": ("Table", ""),
    "baseline_model": ("Baseline model", ""),
    "train_until": ("Trained on observed years up to", "year"),
    "diagnostics": ("Sampler diagnostics", ""),
}


def column_label(name, sc=None):
    """A readable header, with its unit, for a machine column name.

    Parameters
    ----------
    name : str
        A column of a result or analysis table (``spend``, ``deaths_averted``,
        ``spend.<lever>``, ``S1``, ...).
    sc : Scenario, optional
        For lever labels (``spend.<lever>``) and parameter units.

    Returns
    -------
    str
        `decide.reporting.labels.column_label`'s header, or `EXTRA_COLUMN_LABELS`'.
    """
    from . import labels

    name = str(name)
    return (labels.COLUMN_LABELS.get(name) or EXTRA_COLUMN_LABELS.get(name)
            or labels.column_label(sc, name))


def summary_label(key):
    """(readable name, unit) of an `Allocation.summary` or `provenance` item."""
    return SUMMARY_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))


def _cell(value):
    """A value for a spreadsheet cell: numbers stay numbers, NaN/None stay empty, lists
    are joined, anything else is text."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple) and all(
            isinstance(v, str | int | float) for v in value):
        return "; ".join(str(v) for v in value)
    return json.dumps(_clean(value), default=str)  # tables and nested settings


#: Excel number formats by machine column name (others: General).
_XLSX_FORMATS = {"spend": "#,##0.0", "budget": "#,##0.0", "share": "0.0%",
                 "deaths_averted": "#,##0.0", "deaths": "#,##0.0",
                 "marginal_deaths_averted_per_musd": "0.0000",
                 "cost_per_death_averted": "#,##0.00", "reduced_cost": "+0.0000;-0.0000",
                 "life_years_averted": "#,##0", "benefit_musd": "#,##0.0",
                 "cost_musd": "#,##0.0", "net_benefit_musd": "#,##0.0",
                 "benefit_cost_ratio": "0.00", "baseline": "#,##0.0", "plan": "#,##0.0"}


def _sheet(xl, name, df, sc=None):
    """``df`` as sheet ``name``: readable headers, numbers as numbers, fitted widths."""
    from openpyxl.utils import get_column_letter

    out = df.rename(columns=lambda c: c if c in ("Item", "Value", "Unit")
                    else column_label(c, sc))
    out.to_excel(xl, sheet_name=name, index=False)
    ws = xl.sheets[name]
    for j, col in enumerate(df.columns, start=1):
        letter = get_column_letter(j)
        fmt = _XLSX_FORMATS.get(col, "#,##0.0" if str(col).startswith("spend.") else None)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        header = len(str(out.columns[j - 1]))
        body = max((len(str(v)) for v in df[col].head(200)), default=0)
        ws.column_dimensions[letter].width = min(max(header * 0.8, body, 8) + 2, 60)


def summary_frame(items, units=None):
    """Items of a summary as rows ``Item``, ``Value``, ``Unit`` for a spreadsheet.

    Parameters
    ----------
    items : dict
        Machine key -> value (`Allocation.summary`, `provenance`, an analysis's
        settings); names and units from `summary_label`.
    units : dict, optional
        Machine key -> unit, overriding `summary_label`'s.

    Returns
    -------
    pandas.DataFrame
        Values as numbers where they are numbers (empty for None and NaN).
    """
    units = units or {}
    rows = [(summary_label(k)[0], _cell(v), units.get(k, summary_label(k)[1]))
            for k, v in items.items()]
    return pd.DataFrame({"Item": [r[0] for r in rows],
                         "Value": pd.Series([r[1] for r in rows], dtype=object),
                         "Unit": [r[2] for r in rows]})


def xlsx_bytes(sheets, sc=None):
    """A workbook of tables, one sheet each, for people: readable headers with units
    (`column_label`), numbers stored as numbers.

    Parameters
    ----------
    sheets : dict
        Sheet name -> pandas.DataFrame with machine column names.
    sc : Scenario, optional
        For lever labels (``spend.<lever>`` columns) and parameter units.

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, table in sheets.items():
            _sheet(xl, name, table, sc)
    return buf.getvalue()


def to_xlsx_bytes(res, timestamp=None):
    """Workbook with sheets ``allocation``, ``deaths_by_year``, ``assumptions``,
    ``summary`` (and ``plan``, $M per year per lever, for a year-by-year plan).

    Headers are readable with units ("Spend ($M per year)"), each lever's key follows
    the table, and every number is a numeric cell (the summary too: one row per item
    with its value and unit).
    """
    from .outcomes import OBJECTIVE_TEXT

    summary = {**res.summary(), **provenance(res, timestamp)}
    summary["objective"] = OBJECTIVE_TEXT.get(summary["objective"], summary["objective"])
    if "value_basis" in summary:
        summary["value_basis"] = str(summary["value_basis"]).replace("_", " ")
    table = res.table.drop(columns="lever").assign(lever_key=res.table["lever"])
    sheets = {"allocation": table,
              "deaths_by_year": res.deaths_by_year,
              "assumptions": res.scenario.parameters(),
              "summary": summary_frame(summary, {"objective_value": res.objective_unit})}
    if res.phased:
        sheets["plan"] = res.plan.rename(columns=lambda c: f"spend.{c}").reset_index()
    return xlsx_bytes(sheets, res.scenario)


#: Key of the key-value metadata that Parquet files written by decide carry: a JSON
#: object (the seed actually used, the toolkit version, the scenario's hash, ...).
PARQUET_KEY = b"decide"


def _arrow_schema(frame, metadata):
    import pyarrow as pa

    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    extra = {PARQUET_KEY: json.dumps(_clean(metadata or {}), sort_keys=True).encode()}
    return schema.with_metadata({**(schema.metadata or {}), **extra})


def parquet_writer(fh, frame, metadata=None):
    """A Parquet writer for tables shaped like ``frame``, for streaming chunks.

    Parameters
    ----------
    fh : binary file
        Open for writing (e.g. from `atomic_file`); close the writer before it.
    frame : pandas.DataFrame
        The first chunk: its columns and types make the schema.
    metadata : dict, optional
        JSON-able provenance (the seed actually used, the version, the scenario's
        hash, ...), stored in the file's key-value metadata under `PARQUET_KEY`.

    Returns
    -------
    pyarrow.parquet.ParquetWriter
        Write each chunk with ``writer.write_table(pa.Table.from_pandas(chunk,
        schema=writer.schema, preserve_index=False))``.
    """
    import pyarrow.parquet as pq

    return pq.ParquetWriter(fh, _arrow_schema(frame, metadata), compression="zstd")


def parquet_bytes(df, metadata=None):
    """``df`` as a Parquet file, machine column names as in CSV.

    Parameters
    ----------
    df : pandas.DataFrame
    metadata : dict, optional
        As for `parquet_writer`.

    Returns
    -------
    bytes
    """
    import pyarrow as pa

    buf = io.BytesIO()
    writer = parquet_writer(buf, df, metadata)
    writer.write_table(pa.Table.from_pandas(df, schema=writer.schema, preserve_index=False))
    writer.close()
    return buf.getvalue()


def parquet_metadata(path):
    """The provenance a Parquet file written by decide carries.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    dict
        ``seed`` (the seed actually used, when the run drew at random), ``version``,
        ``command``, ``scenario_sha256``, ...; empty for a file without it.
    """
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[PARQUET_KEY]) if PARQUET_KEY in meta else {}


def export_bytes(res, fmt, timestamp=None):
    """Bytes of an export in ``fmt`` (one of `FORMATS`)."""
    if fmt == "csv":
        return to_csv_bytes(res)
    if fmt == "json":
        return to_json_bytes(res, timestamp)
    if fmt == "xlsx":
        return to_xlsx_bytes(res, timestamp)
    raise ValueError(f"unknown format '{fmt}': choose one of {', '.join(FORMATS)}")


def atomic_file(path, mode="wb", *, notice=None):
    """A file to write ``path`` through: `decide.files.open_output` (``"-"`` is standard
    output; symlinks, devices and FIFOs are honoured; a regular file is replaced only if
    the block completes, with the mode a plain ``open()`` would give)."""
    return files.open_output(path, mode, notice=notice)


def write_atomic(path, data: bytes, *, binary=None, notice=None):
    """Write ``data`` to ``path`` through `decide.files.write_output`: all or nothing for
    a regular file; ``"-"`` is standard output.

    Raises
    ------
    decide.errors.FileError
        One line naming the path and the cause (no such folder, disk full, ...).
    """
    files.write_output(path, data, binary=binary, notice=notice)
