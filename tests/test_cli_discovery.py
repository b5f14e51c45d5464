"""`decide discover` and `decide experts`: the printed findings match the library called
with the same arguments, --out round trips, --plot is offline HTML, bad input exits 2."""

import json
import re

import openpyxl
import pandas as pd
import pytest

import decide
from decide import analyses
from decide.cli import main
from decide.reporting import export
from decide.reporting.labels import format_number, lever_labels, param_label

from .conftest import ROOT
from .test_discovery import FLIP

BASELINE = str(ROOT / "inputs" / "baseline.toml")
PANEL = str(ROOT / "inputs" / "experts")
FLIP_ARGS = ["--n", "2000", "--seed", "3", "--failure", "top_lever"]


@pytest.fixture(scope="module")
def flip_file(tmp_path_factory):
    """The two-lever scenario of tests/test_discovery.py whose top lever flips at one value
    of one parameter, as a file (PRIM finds one box in 2,000 draws)."""
    path = tmp_path_factory.mktemp("flip") / "flip.toml"
    path.write_text(decide.Scenario.from_dict(FLIP, source="<flip>").to_toml())
    return str(path)


@pytest.fixture(scope="module")
def flip_discovery(flip_file):
    return decide.discover(decide.load_scenario(flip_file), n=2000, seed=3,
                           failure="top_lever")


@pytest.fixture
def stub(monkeypatch, flip_discovery):
    """`analyses.discover` returning the library's result for FLIP_ARGS (the CLI's
    writers and charts without solving the draws again); checks the arguments."""
    def fake(sc, **kw):
        assert kw == {"n": 2000, "seed": 3, "failure": "top_lever", "min_density": 0.5,
                      "max_boxes": 3, "executor": None}
        return flip_discovery
    monkeypatch.setattr(analyses, "discover", fake)


def test_discover_prints_the_box_in_words(flip_file, flip_discovery, capsys):
    assert main(["discover", flip_file, *FLIP_ARGS]) == 0
    out = " ".join(capsys.readouterr().out.split())  # undo the wrapping
    d, sc = flip_discovery, decide.load_scenario(flip_file)
    assert len(d.boxes) >= 1
    box, r = d.boxes.iloc[0], d.restrictions.iloc[0]
    assert r["parameter"] == "levers.a.max_effect" and r["side"] == "below"
    assert f"({d.base_rate:.0%} of 2,000 draws fail)" in out
    assert (f"Box 1: {param_label(sc, r['parameter'])} below "
            f"{format_number(r['high'], 4)} fixture units (range 0.05 to 0.3)") in out
    assert "A: largest effect below" in out  # a readable label, not the key
    assert (f"It holds {box['mass']:.0%} of the draws; on the held-out draws "
            f"{box['density']:.0%} of those in it fail and it covers "
            f"{box['coverage']:.0%} of all failures") in out
    assert f"Search stopped: {d.note}" in out
    assert "Reference allocation ($M per year): A " in out
    assert "2,000 draws, seed 3 (--seed 3 repeats this run)" in out


def test_discover_says_when_no_box_is_worth_keeping(capsys):
    assert main(["discover", BASELINE, "--n", "2000", "--seed", "0"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    d = decide.discover(decide.load_scenario(BASELINE), n=2000, seed=0)
    assert d.boxes.empty
    assert f"No box worth keeping: {d.note}" in out and "Box 1" not in out
    assert (f"the allocation forgoes more than 5% of the deaths the world's own optimum "
            f"averts ({d.base_rate:.0%} of 2,000 draws fail)") in out


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
def test_discover_out_round_trips(tmp_path, flip_file, flip_discovery, stub, fmt, capsys):
    path = tmp_path / f"boxes.{fmt}"
    assert main(["discover", flip_file, *FLIP_ARGS, "--out", str(path)]) == 0
    assert capsys.readouterr().out == ""  # the table goes to the file
    d = flip_discovery
    want = d.restrictions.reset_index(drop=True)
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["restrictions", "boxes", "trajectory", "about"]
        sheets = pd.read_excel(path, sheet_name=None)
        assert len(sheets["boxes"]) == len(d.boxes)
        assert len(sheets["trajectory"]) == len(d.trajectory)
        got = sheets["restrictions"]
        assert list(got["Assumption"]) == list(want["parameter"])
        assert list(got["Parameter label"]) == ["A: largest effect"]
        pd.testing.assert_series_equal(got["High"], want["high"].astype(float),
                                       check_names=False)
        about = dict(zip(sheets["about"]["Item"], sheets["about"]["Value"]))
        assert "top_lever" in about.values()
        return
    if fmt == "csv":
        got = pd.read_csv(path)
    elif fmt == "parquet":
        got = pd.read_parquet(path)
        meta = export.parquet_metadata(path)
        assert meta["seed"] == 3 and meta["failure"] == "top_lever"
        assert len(meta["boxes"]) == len(d.boxes)
    else:
        doc = json.loads(path.read_text())
        got = pd.DataFrame(doc["rows"])
        assert doc["seed"] == 3 and doc["draws"] == 2000 and doc["failure"] == "top_lever"
        assert doc["base_rate"] == pytest.approx(d.base_rate)
        assert len(doc["trajectory"]) == len(d.trajectory)
        assert doc["boxes"][0]["density"] == pytest.approx(d.boxes.iloc[0]["density"])
    assert list(got["parameter"]) == list(want["parameter"])
    assert list(got["side"]) == list(want["side"])
    assert got["low"].to_numpy() == pytest.approx(want["low"].astype(float).to_numpy())
    assert got["high"].to_numpy() == pytest.approx(want["high"].astype(float).to_numpy())
    assert list(got["box"]) == list(want["box"])


def test_discover_plot_is_offline_html(tmp_path, flip_file, stub, capsys):
    path = tmp_path / "trade.html"
    assert main(["discover", flip_file, *FLIP_ARGS, "--plot", str(path)]) == 0
    html = path.read_text()
    assert "<script src" not in html and "vegaEmbed" in html
    assert "Restricted parameters" in html and "Coverage" in html
    assert "Box 1:" in capsys.readouterr().out  # the words are still printed


@pytest.mark.parametrize("argv,text", [
    (["--failure", "regret>x"], "failure = 'regret>x'"),
    (["--failure", "share:precursr>10"], "did you mean 'precursor'"),
    (["--min-density", "0"], "min_density = 0"),
    (["--max-boxes", "0"], "max_boxes = 0"),
    (["--n", "5"], "n = 5"),
    (["--out", "boxes.txt"], "--out must end in"),
    (["--plot", "trade.gif"], "--plot must end in"),
])
def test_discover_bad_arguments_exit_2_with_one_line(argv, text, capsys):
    assert main(["discover", BASELINE, *argv]) == 2
    captured = capsys.readouterr()
    assert text in captured.err and captured.err.count("\n") == 1  # no seed line either
    assert captured.out == "" and "Traceback" not in captured.err


@pytest.fixture(scope="module")
def panel_result():
    return decide.experts(decide.load_scenario(BASELINE), PANEL, n=100, seed=0)


def _one(v):
    """One decimal, without the minus sign of a zero ("-0.0")."""
    text = f"{v:,.1f}"
    return text.lstrip("-") if not re.search("[1-9]", text) else text


def _cells(line):
    return re.split(r"\s{2,}", line.strip())


def test_experts_prints_allocations_cross_regret_and_weights(panel_result, capsys):
    assert main(["experts", BASELINE, "--panel", PANEL, "--n", "100", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    r, sc = panel_result, decide.load_scenario(BASELINE)
    labels = lever_labels(sc)
    lines = out.splitlines()
    assert "equal weights (no expert answered seed questions)" in " ".join(out.split())
    for label in labels.values():  # lever labels head the allocation table
        assert all(word in out for word in label.split())
    start = next(i for i, x in enumerate(lines) if x.startswith("Each expert's allocation"))
    cross = next(i for i, x in enumerate(lines) if x.startswith("Cross-regret"))
    rows = {"pooled": "Pooled", "robust": "Robust"}
    for name, row in r.allocations.iterrows():
        head = rows.get(name, name)
        alloc = next(x for x in lines[start:cross] if x.startswith(head))
        want = [f"{row[lv]:,.1f}" for lv in labels] + [f"{row['gap']:.3f}"]
        assert _cells(alloc)[1:] == want, alloc
        line = next(x for x in lines[cross:] if x.startswith(head))
        want = [_one(v) for v in r.cross_regret.loc[name]] + [_one(r.worst_case()[name])]
        assert _cells(line)[1:] == want, line
    assert f"largest cross-regret is {r.robust_value:,.1f} deaths" in " ".join(out.split())
    for name in r.experts.index:
        line = next(x for x in lines if x.startswith(name) and "0.333" in x)
        assert _cells(line)[1] == "0.333"
    assert "--seed 0 repeats this run" in out


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
def test_experts_out_round_trips(tmp_path, panel_result, fmt, capsys):
    path = tmp_path / f"panel.{fmt}"
    assert main(["experts", BASELINE, "--panel", PANEL, "--n", "100", "--out",
                 str(path)]) == 0
    r = panel_result
    levers = [c for c in r.allocations.columns if c != "gap"]
    if fmt == "xlsx":
        sheets = pd.read_excel(path, sheet_name=None)
        assert list(sheets) == ["allocations", "cross_regret", "expected_regret",
                                "deaths_averted", "p_funded", "experts", "about"]
        cross = sheets["cross_regret"].set_index("Allocation")
        assert cross.to_numpy() == pytest.approx(r.cross_regret.to_numpy(), abs=1e-9)
        assert list(sheets["experts"]["Weight"]) == pytest.approx(list(r.experts["weight"]))
        return
    if fmt == "csv":
        got = pd.read_csv(path)
    elif fmt == "parquet":
        got = pd.read_parquet(path)
        meta = export.parquet_metadata(path)
        assert meta["seed"] == 0 and meta["weights"] == "equal"
        assert len(meta["cross_regret"]) == len(r.cross_regret)
    else:
        doc = json.loads(path.read_text())
        got = pd.DataFrame(doc["rows"])
        assert doc["weights"] == "equal" and doc["draws"] == 100
        cross = pd.DataFrame(doc["cross_regret"]).set_index("allocation")
        assert cross.to_numpy() == pytest.approx(r.cross_regret.to_numpy(), abs=1e-9)
        assert [e["weight"] for e in doc["experts"]] == pytest.approx([1 / 3] * 3)
    got = got.set_index("allocation")
    assert list(got.index) == list(r.allocations.index)
    assert got[levers].to_numpy() == pytest.approx(r.allocations[levers].to_numpy())
    assert got["max_cross_regret"].to_numpy() == pytest.approx(
        r.worst_case().reindex(got.index).to_numpy())


@pytest.mark.parametrize("argv,text", [
    (["--weights", "cooke"], "Cooke weights need every expert"),
    (["--weights", "best"], "invalid choice"),
    (["--panel", "no/such/dir"], "must be a directory of expert files"),
    (["--n", "1"], "n = 1"),
])
def test_experts_bad_arguments_exit_2_with_one_line(argv, text, capsys):
    assert main(["experts", BASELINE, "--panel", PANEL, *argv]) == 2
    captured = capsys.readouterr()
    assert text in captured.err and captured.err.count("\n") == 1
    assert captured.out == "" and "Traceback" not in captured.err
