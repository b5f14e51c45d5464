"""What the command line writes and prints for people: offline charts (HTML, SVG, PNG),
XLSX with numbers and readable headers, Parquet with the seed, wrapped parameter
listings, and tables with labels, units and explained blanks instead of raw keys."""

import dataclasses
import io
import json
import os
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

import decide
from decide.cli import main
from decide.reporting import charts, export, render
from decide.reporting.labels import lever_labels

from .conftest import DATA, ROOT
from .serve import CHROMIUM, CHROMIUM_ARGS

BASELINE = str(ROOT / "inputs" / "baseline.toml")
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc\s*=", re.I)
#: Keys that must not reach a person's eyes in a table header or a message.
RAW = ("counter_network", "gun_flow", "marginal_deaths_averted_per_musd", "reduced_cost",
       "cost_per_death_averted", "cvar_regret", "spend.", "Kelley", "concavity bound",
       "engine", "infeasible constraints")
NAN = re.compile(r"\b(nan|NaN|None)\b")


@pytest.fixture(scope="module")
def allocation():
    return decide.optimize(decide.load_scenario(BASELINE))


# -- charts that work offline ---------------------------------------------------------
def test_chart_html_inlines_vega_and_needs_no_network(allocation):
    page = render.chart_html(charts.allocation_chart(allocation), title="Spend <by> lever")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not SCRIPT_SRC.search(page)  # nothing loaded from a CDN
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
    assert "window.vegaEmbed=" in page and "vegaEmbed(\"#chart\"" in page  # inlined
    assert "<title>Spend &lt;by&gt; lever</title>" in page
    assert "Counter-network targeting" in page  # the data travel with the page


def test_chart_html_data_cannot_close_the_script(allocation):
    spec = charts.allocation_chart(allocation).to_dict()
    spec["datasets"] = {k: [{**row, "label": "</script><b>x"} for row in rows]
                        for k, rows in spec["datasets"].items()}
    page = render.chart_html(spec)
    body = page.split('<div id="chart">', 1)[1]  # the chart's own script
    assert "</script><b>" not in body and body.count("</script>") == 1
    assert "<\\/script><b>x" in body


def test_chart_svg_is_static_markup(allocation):
    svg = render.chart_svg(charts.allocation_chart(allocation))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg and "Spend ($M per year)" in svg
    assert re.match(r'<svg [^>]*width="\d+"', svg)  # a fixed width, not the container's
    # a concatenated chart with "container" widths renders too
    mc = decide.monte_carlo(allocation.scenario, n=50, seed=1)
    both = render.chart_svg(charts.funded_chart(mc, {}) & charts.averted_histogram(mc))
    assert both.startswith("<svg") and "Number of draws" in both


def test_save_chart_by_suffix(allocation, tmp_path):
    chart = charts.deaths_chart(allocation)
    for name in ("c.html", "c.svg", "c.png", "C.PNG"):
        render.save_chart(chart, tmp_path / name, title="Deaths")
    assert not SCRIPT_SRC.search((tmp_path / "c.html").read_text())
    assert (tmp_path / "c.svg").read_text().startswith("<svg")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"must end in \.html, \.svg or \.png, got 'c\.gif'"):
        render.save_chart(chart, tmp_path / "c.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["C.PNG", "c.html", "c.png",
                                                         "c.svg"]


def test_cli_plots_are_offline_html_and_svg(tmp_path, capsys):
    page, svg = tmp_path / "t.html", tmp_path / "f.svg"
    assert main(["tornado", BASELINE, "--parameter", "market.supply_elasticity",
                 "--plot", str(page), "--quiet"]) == 0
    assert main(["frontier", BASELINE, "--max-budget", "1000", "--points", "3",
                 "--plot", str(svg), "--quiet"]) == 0
    html = page.read_text()
    assert not SCRIPT_SRC.search(html) and "window.vegaEmbed=" in html
    assert svg.read_text().startswith("<svg")
    capsys.readouterr()
    # a wrong ending is refused before any work: no table is written either
    out = tmp_path / "f.csv"
    assert main(["frontier", BASELINE, "--out", str(out), "--plot", "x.gif", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--plot must end in .html, .svg or .png" in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="needs Debian's chromium (make test installs it)")
def test_chart_html_renders_in_a_browser_without_network(allocation, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "chart.html"
    render.save_chart(charts.allocation_chart(allocation), path, title="Allocation")
    blocked, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def route(r):  # the network is off: only the file itself may load
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()
            page.route("**/*", route)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path.as_uri())
            page.wait_for_selector("#chart svg.marks", timeout=15_000)
            text = page.locator("#chart svg.marks").text_content()
        finally:
            browser.close()
    assert blocked == [] and errors == []
    assert "Precursor diplomacy" in text and "Spend ($M per year)" in text


# -- XLSX: numbers as numbers, readable headers ---------------------------------------
def test_xlsx_summary_is_numeric_with_readable_headers(allocation):
    wb = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(allocation, timestamp="T")))
    assert wb.sheetnames == ["allocation", "deaths_by_year", "assumptions", "summary"]
    summary = wb["summary"]
    assert [c.value for c in summary[1]] == ["Item", "Value", "Unit"]
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    budget = rows["Budget"]
    assert budget[1].data_type == "n" and budget[1].value == 1000 and \
        budget[2].value == "$M per year"
    averted = rows["Deaths averted"][1]
    assert averted.data_type == "n" and isinstance(averted.value, float)
    assert averted.value == pytest.approx(allocation.deaths_averted, rel=1e-12)
    assert rows["Horizon"][1].value == 10 and rows["Solver"][1].value == "cbc"
    numeric = [r[1] for r in rows.values() if isinstance(r[1].value, int | float)]
    assert len(numeric) >= 15 and all(c.data_type == "n" for c in numeric)
    headers = [c.value for c in wb["allocation"][1]]
    assert headers[:2] == ["Lever", "Spend ($M per year)"]
    for sheet in ("allocation", "deaths_by_year", "summary"):
        for row in wb[sheet].iter_rows(max_row=1 if sheet != "summary" else None,
                                       max_col=1 if sheet == "summary" else None):
            for cell in row:
                assert "_" not in str(cell.value), (sheet, cell.value)
    lever = [r for r in wb["allocation"].iter_rows(min_row=2, values_only=True)
             if r[0] == "Precursor diplomacy"][0]
    assert lever[1] == 300 and lever[-1] == "precursor"  # the key last, for scripts


def test_xlsx_of_a_phased_plan_has_the_plan(two_lever):
    res = decide.optimize(two_lever, phasing=True)
    wb = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(res)))
    assert wb.sheetnames[-1] == "plan"
    labels = lever_labels(two_lever)
    assert [c.value for c in wb["plan"][1]][1:] == [f"{labels[lv]} ($M per year)"
                                                    for lv in two_lever.lever_names]


def test_csv_and_json_keep_the_machine_columns(allocation):
    head = export.to_csv_bytes(allocation).decode().splitlines()[0].split(",")
    assert head[:3] == ["lever", "label", "spend"] and \
        "marginal_deaths_averted_per_musd" in head
    doc = json.loads(export.to_json_bytes(allocation, timestamp="T"))
    assert "marginal_deaths_averted_per_musd" in doc["table"][0]


def test_analysis_xlsx_has_readable_headers_and_numeric_about(tmp_path, capsys):
    path = tmp_path / "e.xlsx"
    assert main(["evpi", BASELINE, "--n", "100", "--seed", "3", "--out", str(path),
                 "--quiet"]) == 0
    wb = openpyxl.load_workbook(path)
    headers = [c.value for c in wb["result"][1]]
    assert all("_" not in h for h in headers), headers
    about = {r[0].value: r[1] for r in wb["about"].iter_rows(min_row=2)}
    seed = about["Random seed (repeats the run)"]
    assert seed.value == 3 and seed.data_type == "n"


# -- decide params fits the terminal ----------------------------------------------------
@pytest.mark.parametrize("columns", [80, 120])
def test_params_wraps_to_the_terminal(monkeypatch, capsys, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["params", BASELINE]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert len([line for line in lines if line.startswith("    Source: ")]) == 37
    words = " ".join(out.split())
    sc = decide.load_scenario(BASELINE)
    for source in sc.parameters()["source"]:  # every source in full, only re-wrapped
        assert " ".join(source.split()) in words
    assert "market.supply_elasticity\n    0.8 elasticity (magnitude) (range 0.3 to 1.2)" \
        in out


# -- Parquet, and the seed in every output ----------------------------------------------
def test_monte_carlo_parquet_round_trip_with_the_seed(tmp_path, capsys):
    pq_path, csv_path = tmp_path / "draws.parquet", tmp_path / "draws.csv"
    common = ["monte-carlo", BASELINE, "--n", "300", "--chunk", "128", "--quiet"]
    assert main([*common, "--seed", "7", "--out", str(pq_path)]) == 0
    assert main([*common, "--seed", "7", "--out", str(csv_path)]) == 0
    capsys.readouterr()
    got = pd.read_parquet(pq_path)
    want = pd.read_csv(csv_path, float_precision="round_trip")
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(got) == 300 and got["draw"].tolist() == list(range(300))
    meta = export.parquet_metadata(pq_path)
    assert meta["seed"] == 7 and meta["draws"] == 300 and meta["command"] == "monte-carlo"
    assert meta["version"] == decide.__version__ and len(meta["scenario_sha256"]) == 64
    assert list(csv_path.read_text().splitlines()[0].split(",")) == list(got.columns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draws.csv", "draws.parquet"]


def test_unseeded_parquet_records_the_seed_that_repeats_it(tmp_path, capsys):
    first, again = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert main(["monte-carlo", BASELINE, "--n", "40", "--quiet", "--out", str(first)]) == 0
    printed = re.search(r"seed (\d+) \(--seed", capsys.readouterr().out).group(1)
    seed = export.parquet_metadata(first)["seed"]
    assert str(seed) == printed
    assert main(["monte-carlo", BASELINE, "--n", "40", "--quiet", "--seed", printed,
                 "--out", str(again)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(first), pd.read_parquet(again))


def test_monte_carlo_out_must_be_csv_or_parquet(tmp_path, capsys):
    out = tmp_path / "draws.txt"
    assert main(["monte-carlo", BASELINE, "--n", "10", "--out", str(out)]) == 2
    assert "--out must end in .csv or .parquet" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_large_file_warning_estimates_parquet(tmp_path, capsys, monkeypatch):
    from decide import cli

    monkeypatch.setattr(cli._warn_size, "__defaults__", (1e3,))
    out = tmp_path / "draws.parquet"
    assert main(["monte-carlo", BASELINE, "--n", "60", "--seed", "1", "--quiet",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"will be written to {out} (60 rows)" in err and "as Parquet" not in err
    data = out.read_bytes()
    assert data[:4] == b"PAR1" == data[-4:]  # a Parquet file, not CSV under its name


@pytest.mark.parametrize("command", [
    ["evpi", "--n", "60"], ["robust", "--n", "20"], ["sobol", "--n", "8"]])
def test_analyses_record_the_seed_they_used(tmp_path, capsys, command):
    path = tmp_path / "r.json"
    assert main([command[0], BASELINE, *command[1:], "--out", str(path), "--quiet"]) == 0
    err = capsys.readouterr().err
    doc = json.loads(path.read_text())
    seed = doc["seed"]
    assert isinstance(seed, int) and f"--seed {seed} repeats this run" in err
    again = tmp_path / "again.json"
    assert main([command[0], BASELINE, *command[1:], "--seed", str(seed), "--out",
                 str(again), "--quiet"]) == 0
    assert json.loads(again.read_text())["rows"] == doc["rows"]
    parquet = tmp_path / "r.parquet"
    assert main([command[0], BASELINE, *command[1:], "--seed", str(seed), "--out",
                 str(parquet), "--quiet"]) == 0
    assert export.parquet_metadata(parquet)["seed"] == seed
    pd.testing.assert_frame_equal(pd.read_parquet(parquet),
                                  pd.DataFrame(doc["rows"]), check_dtype=False)


# -- tables for people: labels, units, explained blanks ---------------------------------
def _table_part(out):
    """The solve table's lines, up to the headline figures."""
    return out.split("Baseline deaths")[0]


def test_solve_table_has_labels_and_explains_unfunded(capsys):
    assert main(["solve", BASELINE]) == 0
    out = capsys.readouterr().out
    table = _table_part(out)
    for word in RAW:
        assert word not in table, word
    assert not NAN.search(out)
    gun = next(line for line in table.splitlines() if line.startswith("Gun-flow enforcement"))
    assert " - " in gun + " "
    assert "-: not funded" in table and "Spend $M/yr" in table


def test_phased_table_prints_no_nan_with_a_footnote(two_lever, tmp_path, capsys):
    path = tmp_path / "two.toml"
    path.write_text(two_lever.to_toml())
    assert main(["solve", str(path), "--phasing"]) == 0
    out = capsys.readouterr().out
    table = _table_part(out)
    assert not NAN.search(out)
    res = decide.optimize(two_lever, phasing=True)
    if res.table["marginal_deaths_averted_per_musd"].isna().any():
        assert "n/a" in table and "n/a: not computed for a year-by-year plan" in table
    assert "Plan ($M per year):" in out


def test_phased_table_shows_marginals_once_they_are_numbers(two_lever):
    from decide.cli import _allocation_tables

    res = decide.optimize(two_lever, phasing=True)
    table = res.table.copy()
    table["marginal_deaths_averted_per_musd"] = [0.25, 0.125]
    table["reduced_cost"] = [0.0, -0.125]
    text = _allocation_tables(dataclasses.replace(res, table=table))
    assert "0.2500" in text and "-0.1250" in text and "n/a" not in text
    blank = table.assign(marginal_deaths_averted_per_musd=np.nan, reduced_cost=np.nan)
    text = _allocation_tables(dataclasses.replace(res, table=blank))
    assert "n/a" in text and not NAN.search(text)


def test_messages_have_no_jargon(capsys, tmp_path):
    assert main(["solve", BASELINE, "--set", "levers.counter_network.floor=900",
                 "--set", "levers.financial.floor=400"]) == 2
    err = capsys.readouterr().err
    assert "infeasible constraints" not in err and "cannot all hold" in err
    assert "exceeding the $1,000M budget by $300M" in err and err.count("\n") == 1
    assert main(["robust", BASELINE, "--n", "20", "--seed", "1",
                 "--objective", "cvar_regret"]) == 0
    cap = capsys.readouterr()
    for word in ("Kelley", "concavity", "cvar_regret", "epigraph", "HiGHS"):
        assert word not in cap.err and word not in cap.out, word
    assert "worst 10% of draws" in cap.err and "Precursor diplomacy" in cap.out
    assert main(["monte-carlo", BASELINE, "--n", "50", "--seed", "1"]) == 0
    cap = capsys.readouterr()
    assert "engine" not in cap.err and "counter_network" not in cap.out
    assert main(["frontier", BASELINE, "--max-budget", "500", "--points", "2",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    for word in ("marginal_deaths_averted_per_musd", "counter_network", "deaths_averted"):
        assert word not in out, word
    assert not NAN.search(out)
    assert "Budget ($M" in out and "Lever" in out


def test_tornado_table_explains_missing_switching_values(capsys):
    assert main(["tornado", BASELINE, "--parameter", "market.supply_elasticity",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert not NAN.search(out) and "switching_value" not in out
    assert "-: the allocation does not change" in out


def test_phased_csv_keeps_its_columns(tmp_path, capsys):
    out = tmp_path / "plan.csv"
    assert main(["solve", str(DATA / "two_lever.toml"), "--phasing", "--out", str(out)]) == 0
    assert list(pd.read_csv(out).columns)[:3] == ["lever", "label", "spend"]
