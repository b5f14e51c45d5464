"""The command line and the exports: exit codes, formats, atomic writes, round trips."""

import json
import os
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

import decide
from decide.cli import main
from decide.reporting import export

from .conftest import ROOT

BASELINE = str(ROOT / "inputs" / "baseline.toml")


def test_solve_prints_table(capsys):
    assert main(["solve", BASELINE]) == 0
    out = capsys.readouterr().out
    assert "Precursor diplomacy" in out and "Deaths averted" in out and "Certified gap" in out
    assert "An extra $100M a year for 10 years would avert about" in out
    assert "Status              optimal" in out and "Not proven optimal" not in out


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_solve_json_stdout_is_clean_json(capfd, solver):
    assert main(["solve", BASELINE, "--format", "json", "--solver", solver]) == 0
    doc = json.loads(capfd.readouterr().out)  # no solver banner on stdout
    assert set(doc) >= {"allocation", "deaths_by_year", "summary", "scenario", "provenance"}
    prov = doc["provenance"]
    assert prov["solver"] == solver and len(prov["scenario_sha256"]) == 64
    assert prov["version"] == decide.__version__ and prov["timestamp"]


def test_set_overrides_reach_the_solve(capsys):
    assert main(["solve", BASELINE, "--set", "budget=2000", "--set",
                 "levers.gun_flow.ceiling=0", "--format", "csv"]) == 0
    df = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert df.set_index("lever").loc["gun_flow", "spend"] == 0
    assert df["spend"].sum() == pytest.approx(2000)


@pytest.mark.parametrize("argv,code,text", [
    (["solve", BASELINE, "--set", "budget=-5"], 2, "budget = -5"),
    (["solve", BASELINE, "--set", "budget"], 2, "KEY=VALUE"),
    (["solve", BASELINE, "--set", "levers.precursr.max_effect=0.2"], 2, "did you mean"),
    (["solve", BASELINE, "--set", "levers.counter_network.floor=900",
      "--set", "levers.financial.floor=400"], 2, "exceeding the $1,000M budget by $300M"),
    (["solve", "nope.toml"], 2, "nope.toml: file not found"),
    (["solve", BASELINE, "--format", "xlsx"], 2, "needs --out"),
])
def test_errors_are_one_line_with_exit_code(capsys, argv, code, text):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert text in err and err.count("\n") == 1 and "Traceback" not in err


def test_solver_failure_exits_3(capsys, monkeypatch):
    from decide.optimization import lp

    def broken(*a, **k):
        raise decide.SolverError("solver 'cbc' returned status 'Not Solved'", solver="cbc",
                                 status="Not Solved")
    monkeypatch.setattr(lp, "solve_lp", broken)
    assert main(["solve", BASELINE]) == 3
    assert "Not Solved" in capsys.readouterr().err


def test_internal_error_exits_1_without_traceback(capsys, monkeypatch):
    import importlib

    opt = importlib.import_module("decide.optimization.flat")
    monkeypatch.setattr(opt, "check_feasible", lambda sc: 1 / 0)
    assert main(["solve", BASELINE]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


def test_console_script_exit_codes():
    exe = os.path.join(os.path.dirname(sys.executable), "decide")
    ok = subprocess.run([exe, "solve", BASELINE], capture_output=True, text=True)
    assert ok.returncode == 0 and "Deaths averted" in ok.stdout
    bad = subprocess.run([exe, "solve", BASELINE, "--set", "horizon=0"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "horizon = 0" in bad.stderr and "Traceback" not in bad.stderr


def test_params_lists_sources(capsys):
    assert main(["params", BASELINE, "--format", "csv"]) == 0
    df = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert len(df) == 34 + 3 and set(df.columns) >= {"name", "source", "confidence"}  # + outcomes


def test_exports_and_json_round_trip(tmp_path, capsys):
    for fmt in ("csv", "json", "xlsx"):
        assert main(["solve", BASELINE, "--set", "budget=1500", "--out",
                     str(tmp_path / f"r.{fmt}")]) == 0
    res_csv = pd.read_csv(tmp_path / "r.csv")
    assert list(res_csv.columns)[:3] == ["lever", "label", "spend"]
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["allocation", "deaths_by_year", "assumptions", "summary"]
    again = decide.load_scenario(tmp_path / "r.json")
    assert again.budget == 1500
    res = decide.optimize(again)
    doc = json.loads((tmp_path / "r.json").read_text())
    for lever, spend in doc["allocation"].items():
        assert res.spend[lever] == pytest.approx(spend, abs=1e-9)
    assert doc["summary"]["projected_deaths"] == pytest.approx(res.deaths, rel=1e-12)
    # the CLI replays the export too
    assert main(["solve", str(tmp_path / "r.json"), "--format", "csv"]) == 0


def test_json_is_deterministic_apart_from_timestamp(baseline):
    res = decide.optimize(baseline)
    a = export.to_json_bytes(res, timestamp="T")
    b = export.to_json_bytes(decide.optimize(baseline), timestamp="T")
    assert a == b


def test_failed_run_leaves_no_file(tmp_path):
    out = tmp_path / "r.csv"
    assert main(["solve", BASELINE, "--set", "levers.financial.floor=2000",
                 "--set", "levers.financial.ceiling=None", "--out", str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_write_atomic_cleans_up_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "x.json"
    target.write_text("old")

    def boom(*a):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        export.write_atomic(target, b"new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_monte_carlo_cli_streams_csv(tmp_path, capsys):
    out = tmp_path / "mc.csv"
    assert main(["monte-carlo", BASELINE, "--n", "300", "--seed", "1", "--chunk", "128",
                 "--out", str(out), "--quiet"]) == 0
    df = pd.read_csv(out)
    assert len(df) == 300 and df["draw"].tolist() == list(range(300))
    same = decide.monte_carlo(decide.load_scenario(BASELINE), n=300, seed=1)
    np_cols = [c for c in same.columns if c.startswith("spend.")]
    pd.testing.assert_frame_equal(df[np_cols], same[np_cols], check_exact=False, rtol=1e-12)
    text = capsys.readouterr().out
    assert "Funded in" in text and "Deaths averted over the horizon: median" in text
    assert [p.name for p in tmp_path.iterdir()] == ["mc.csv"]  # no temporary left behind
    assert main(["monte-carlo", BASELINE, "--n", "0"]) == 2


@pytest.mark.parametrize("argv,out", [
    (["frontier", "--points", "4", "--plot", "{tmp}/f.png"], "f.csv"),
    (["tornado", "--parameter", "market.supply_elasticity", "--plot", "{tmp}/t.html"],
     "t.xlsx"),
    (["two-way", "market.substitution", "market.pass_through", "--n", "3"], "tw.json"),
    (["robust", "--n", "50", "--seed", "1", "--objective", "cvar"], "r.json"),
    (["evpi", "--n", "200", "--seed", "1"], "e.csv"),
    (["evppi", "--parameter", "market.substitution", "--n", "5", "--inner", "20",
      "--seed", "1"], "p.csv"),
    (["sobol", "--n", "16", "--seed", "1"], "s.csv"),
])
def test_analysis_subcommands_write_their_tables(tmp_path, argv, out, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    path = tmp_path / out
    assert main([argv[0], BASELINE, *argv[1:], "--out", str(path), "--quiet"]) == 0
    assert path.exists() and path.stat().st_size > 0
    for a in argv:
        if a.startswith(str(tmp_path)):
            assert os.path.getsize(a) > 0
    if out.endswith(".csv"):
        assert len(pd.read_csv(path)) > 0


def test_analysis_errors_exit_2(capsys):
    assert main(["tornado", BASELINE, "--parameter", "market.substitutoin"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["frontier", BASELINE, "--plot", "x.gif", "--quiet"]) == 2


# -- one status, one shadow-price sentence, one funded threshold ------------------------
def _time_limited(monkeypatch, gap=2.5):
    """Make every `optimize` report a MILP stopped by its time limit."""
    import dataclasses

    from decide import optimization

    real = optimization.optimize

    def stopped(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), status=decide.Status.TIME_LIMIT,
                                   gap=gap)
    monkeypatch.setattr(optimization, "optimize", stopped)


def test_solve_shows_a_status_that_is_not_optimal(monkeypatch, capsys):
    _time_limited(monkeypatch)
    assert main(["solve", BASELINE]) == 0
    cap = capsys.readouterr()
    assert "Status              time_limit" in cap.out
    assert "Not proven optimal" in cap.out and "at most 2.5000 more deaths" in cap.out
    assert "time_limit" in cap.err and "2.5000" in cap.err  # also with --format csv/json
    assert main(["solve", BASELINE, "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["summary"]["status"] == "time_limit"
    assert "Not proven optimal" in cap.err
    from decide import optimization
    from decide.reporting.brief import briefing_html

    sc = decide.load_scenario(BASELINE)
    stopped = briefing_html(optimization.optimize(sc))
    assert "Not proven optimal" in stopped and "at most 2.5000 more deaths" in stopped
    monkeypatch.undo()
    assert "Not proven optimal" not in briefing_html(optimization.optimize(sc))


def test_status_sentence():
    from decide.reporting.sentences import status_sentence

    assert status_sentence(decide.Status.OPTIMAL, 0.001) is None
    assert status_sentence("optimal", 0.001) is None
    text = status_sentence("time_limit", 1234.5)
    assert "time limit" in text and "1,234.5000" in text and "time_limit" in text
    with pytest.raises(ValueError):
        status_sentence("bogus", 1.0)


@pytest.mark.parametrize("left,right,breakpoint", [
    (0.5, 0.5, False), (0.5, 0.5 * (1 + 1e-12), False), (0.0, 1e-10, False),
    (1000.0, 1000.0 * (1 - 1e-10), False), (1000.0, 1000.0 * (1 - 1e-8), True),
    (0.5, 0.4, True), (0.0, 2e-9, True), (0.4, 0.5, True)])
def test_shadow_price_sentence_breakpoints(left, right, breakpoint):
    from decide.reporting.sentences import at_breakpoint, shadow_price_sentence

    text = shadow_price_sentence(left, right, 7)
    assert at_breakpoint(left, right) is breakpoint
    if breakpoint:
        assert text == (f"The budget sits at a breakpoint: the last $1M a year averts "
                        f"{left:.4f} deaths over 7 years and the next $1M a year would "
                        f"avert {right:.4f}.")
    else:
        assert text == (f"An extra $100M a year for 7 years would avert about "
                        f"{100 * right:,.1f} deaths ({right:.4f} per extra $1M a year).")
    assert "not available" in shadow_price_sentence(float("nan"), 0.5, 7)


def test_one_shadow_price_sentence_in_cli_and_briefing(baseline, tmp_path, capsys):
    import html

    from decide.reporting.brief import briefing_html
    from decide.reporting.sentences import shadow_price_sentence

    kink = baseline.with_overrides({"levers.counter_network.ceiling": 300})
    for sc, at_kink in ((baseline, False), (kink, True)):
        res = decide.optimize(sc)
        price = res.shadow_price_bounds.loc["budget"]
        sentence = shadow_price_sentence(price["left"], price["right"], sc.horizon)
        assert ("breakpoint" in sentence) is at_kink
        path = tmp_path / "sc.toml"
        path.write_text(sc.to_toml())
        assert main(["solve", str(path)]) == 0
        assert sentence in capsys.readouterr().out
        assert html.escape(sentence) in briefing_html(res)


def _mc_frame():
    """Four draws; gun_flow funded with $0.0005M a year (below FUNDED) in two of them."""
    frame = pd.DataFrame({
        "draw": range(4),
        "spend.counter_network": [500.0, 400.0, 0.0, 300.0],
        "spend.financial": [0.0, 0.0, 0.0, 1e-2],
        "spend.gun_flow": [5e-4, 5e-4, 2e-3, 0.0],
        "spend.precursor": [499.9995, 599.9995, 999.998, 699.99],
        "deaths": [1.0, 2.0, 3.0, 4.0],
        "deaths_averted": [10.0, 20.0, 30.0, 40.0]})
    frame.attrs.update(engine="fast", lp_fallback_draws=0, worker="local", seed_entropy=1)
    return frame


def test_funded_means_the_same_in_cli_briefing_chart_and_summarize(baseline, monkeypatch,
                                                                    capsys):
    from decide import analyses
    from decide.optimization.certificate import FUNDED
    from decide.reporting import charts
    from decide.reporting.brief import briefing_html

    mc = _mc_frame()
    assert 5e-4 < FUNDED < 2e-3
    expected = {"counter_network": 0.75, "financial": 0.25, "gun_flow": 0.25,
                "precursor": 1.0}
    summary = decide.summarize(mc).set_index("quantity")["p_funded"]
    assert {k: summary[f"spend.{k}"] for k in expected} == expected
    chart = charts.funded_chart(mc, {}).data.set_index("label")["funded"].to_dict()
    assert chart == expected
    html = briefing_html(decide.optimize(baseline), monte_carlo=mc)
    assert ("funded in: Counter-network targeting 75%, Financial disruption 25%, Gun-flow "
            "enforcement 25%, Precursor diplomacy 100%" in html)
    monkeypatch.setattr(analyses, "monte_carlo_chunks", lambda *a, **k: iter([mc]))
    assert main(["monte-carlo", BASELINE, "--n", "4", "--quiet"]) == 0
    out = capsys.readouterr().out
    labels = {lv.name: lv.label for lv in baseline.levers}
    for lever, share in expected.items():
        assert re.search(rf"^{labels[lever]}\s+{share:.1%}", out, re.M), (lever, out)


def test_monte_carlo_prints_the_seed_that_repeats_an_unseeded_run(capsys):
    assert main(["monte-carlo", BASELINE, "--n", "60", "--quiet"]) == 0
    first = capsys.readouterr().out
    header = first.splitlines()[0]
    assert "seed None" not in header and "repeats this run" in header
    seed = header.split("seed ")[1].split()[0]
    assert main(["monte-carlo", BASELINE, "--n", "60", "--quiet", "--seed", seed]) == 0
    assert capsys.readouterr().out == first


def test_monte_carlo_warns_before_writing_a_large_file(tmp_path, capsys, monkeypatch):
    from decide import cli

    monkeypatch.setattr(cli._warn_size, "__defaults__", (1e3,))  # 1 kB counts as large
    out = tmp_path / "draws.csv"
    assert main(["monte-carlo", BASELINE, "--n", "60", "--seed", "1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "will be written to" in err and str(out) in err
    assert "as Parquet it would be about" in err and "--out draws.parquet" in err
