"""The command line and the exports: exit codes, formats, atomic writes, round trips."""

import json
import os
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
    assert "precursor" in out and "Deaths averted" in out and "Certified gap" in out
    assert "an extra $100M a year for 10 years would avert about" in out


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
    assert len(df) == 34 and set(df.columns) >= {"name", "source", "confidence"}


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
    assert "funded" in text and "deaths averted: median" in text
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
