"""What the decision rests on: switching values that really switch, bound prices that
match re-solving, and the sentences shown by the CLI, the briefing and the app."""

import numpy as np
import pytest

import decide
from decide.analyses.basis import decision_basis
from decide.analyses.one_way import _changed
from decide.cli import main
from decide.reporting.sentences import basis_sentences, decision_sentences

from .conftest import DATA

GOLDEN_BASELINE = DATA / "golden" / "baseline.toml"


@pytest.fixture(scope="module")
def frozen():
    return decide.load_scenario(GOLDEN_BASELINE)


@pytest.fixture(scope="module")
def basis(frozen):
    return decision_basis(frozen)


def test_switching_values_switch(frozen, basis):
    reference = decide.optimize(frozen).spend.to_numpy()
    checked = 0
    for row in basis[basis["parameter"] != ""].itertuples():
        before = row.base + 0.98 * (row.switching_value - row.base)
        after = row.base + 1.02 * (row.switching_value - row.base)
        p = frozen.parameters().set_index("name").loc[row.parameter]
        if not p["low"] <= after <= p["high"]:
            continue
        same = decide.optimize(frozen.with_overrides({row.parameter: before}))
        moved = decide.optimize(frozen.with_overrides({row.parameter: after}))
        assert not _changed(same.spend.to_numpy(), reference, frozen.budget), row.parameter
        assert _changed(moved.spend.to_numpy(), reference, frozen.budget), row.parameter
        checked += 1
    assert checked >= 2


def test_ceiling_price_matches_re_solving(frozen, basis):
    capped = basis[basis["bound"] == "ceiling"]
    assert len(capped)
    for row in capped.itertuples():
        base = decide.optimize(frozen)
        wider = decide.optimize(frozen.with_overrides(
            {f"levers.{row.lever}.ceiling": row.bound_value + 1.0}))
        gained = wider.deaths_averted - base.deaths_averted
        assert gained == pytest.approx(row.bound_price, rel=0.02, abs=base.gap + wider.gap)


def test_sentences_name_every_lever_with_funding_bound_and_switch(frozen, basis):
    from decide.reporting.labels import param_label

    lines = basis_sentences(basis, frozen.parameters(), frozen.horizon, sc=frozen)
    assert len(lines) == len(frozen.levers)
    for line, row in zip(lines, basis.itertuples()):
        assert line.startswith(row.label)
        assert ("funded at $" in line) == row.funded
        if row.bound == "ceiling":
            assert f"${row.bound_value:,.0f}M ceiling" in line
        if row.parameter:
            assert "the allocation changes if" in line
            assert param_label(frozen, row.parameter) in line  # a label, not a raw key
            assert row.parameter not in line


def test_out_of_scope_scenarios_say_so_instead_of_taking_minutes():
    sc = decide.load_scenario(DATA / "rand1994.toml")
    basis = decision_basis(sc)
    assert not basis["computed"].any() and basis["switching_value"].isna().all()
    assert all("not computed" in line for line in
               basis_sentences(basis, sc.parameters(), sc.horizon))


def test_cli_and_briefing_state_what_the_decision_rests_on(frozen, capsys, tmp_path):
    assert main(["solve", str(GOLDEN_BASELINE)]) == 0
    out = capsys.readouterr().out
    assert "What the decision rests on:" in out
    lines = decision_sentences(decide.optimize(frozen))
    assert all(line in out for line in lines)
    page = tmp_path / "b.html"
    assert main(["brief", str(GOLDEN_BASELINE), "--out", str(page)]) == 0
    html = page.read_text()
    assert "What the decision rests on" in html and html.count("the allocation changes if") \
        == sum("the allocation changes if" in line for line in lines)
    assert np.isfinite(decision_basis(frozen)["distance"].dropna()).all()


def test_phased_results_have_no_flat_switching_values(two_lever):
    assert decision_sentences(decide.optimize(two_lever, phasing=True)) == []


def test_briefing_states_the_baseline_model_and_its_validation(frozen, capsys):
    import pandas as pd

    from decide.reporting.sentences import baseline_sentence

    assert "the flat model" in baseline_sentence(frozen)
    assert "was not run" in baseline_sentence(frozen)
    check = pd.DataFrame({"year": [2024], "observed": [48422.0], "predicted": [77234.0],
                          "low": [68008.0], "high": [85089.0], "inside": [False]})
    text = baseline_sentence(frozen, check)
    assert "77,234" in text and "48,422" in text and "+59.5%" in text and "outside" in text
    html = decide.reporting.briefing_html(decide.optimize(frozen), validation=check)
    assert "the flat model" in html and "+59.5%" in html


def test_cli_brief_validate_adds_the_measured_error(tmp_path):
    page = tmp_path / "b.html"
    assert main(["brief", str(GOLDEN_BASELINE), "--validate", "--out", str(page)]) == 0
    html = page.read_text()
    assert "Trained on earlier years, it predicted" in html and "observed (" in html
