"""Exports of an `Allocation`: CSV, JSON and XLSX, written atomically with provenance."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["FORMATS", "to_csv_bytes", "to_json_bytes", "to_xlsx_bytes", "export_bytes",
           "write_atomic", "atomic_file", "provenance"]

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


def to_xlsx_bytes(res, timestamp=None):
    """Workbook with sheets ``allocation``, ``deaths_by_year``, ``assumptions``,
    ``summary``."""
    buf = io.BytesIO()
    summary = {**res.summary(), **provenance(res, timestamp)}
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        res.table.to_excel(xl, sheet_name="allocation", index=False)
        res.deaths_by_year.to_excel(xl, sheet_name="deaths_by_year", index=False)
        res.scenario.parameters().to_excel(xl, sheet_name="assumptions", index=False)
        pd.DataFrame({"item": list(summary), "value": [str(v) for v in summary.values()]}
                     ).to_excel(xl, sheet_name="summary", index=False)
    return buf.getvalue()


def export_bytes(res, fmt, timestamp=None):
    """Bytes of an export in ``fmt`` (one of `FORMATS`)."""
    if fmt == "csv":
        return to_csv_bytes(res)
    if fmt == "json":
        return to_json_bytes(res, timestamp)
    if fmt == "xlsx":
        return to_xlsx_bytes(res, timestamp)
    raise ValueError(f"unknown format '{fmt}': choose one of {', '.join(FORMATS)}")


@contextlib.contextmanager
def atomic_file(path, mode="wb"):
    """A file to write ``path`` through: a temporary file in the same folder, renamed
    over ``path`` only if the block completes (a failed run leaves no file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"newline": ""})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path, data: bytes):
    """Write ``data`` to ``path`` via a temporary file and a rename: all or nothing."""
    with atomic_file(path) as fh:
        fh.write(data)
