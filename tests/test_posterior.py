"""The ``[posterior]`` table (joint draws of some parameters): loaded, validated and written
back; Monte Carlo resamples its whole rows (correlations kept, independent of chunking);
no table changes nothing; `calibrate` puts its posterior there (issue 12, item 3)."""

import numpy as np
import pandas as pd
import pytest

import decide
from decide.analyses.calibration import POSTERIOR_ROWS, calibrated_parameters
from decide.analyses.sampling import sample_parameters
from decide.errors import ScenarioError
from decide.scenario import load_observed, parse_scenario, scenario_schema

from .conftest import ROOT
from .test_baseline_model import DYNAMIC

BASE = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
COLS = ["market.supply_elasticity", "market.pass_through"]


def correlated_rows(n=400, rho=0.9, seed=0):
    """``n`` rows of the two `COLS` parameters with correlation about ``rho``, in range."""
    table = BASE.parameters().set_index("name")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) @ np.linalg.cholesky([[1, rho], [rho, 1]]).T
    u = 1 / (1 + np.exp(-z))  # in (0, 1), monotone: keeps the dependence
    lo, hi = table.loc[COLS, "low"].to_numpy(), table.loc[COLS, "high"].to_numpy()
    return lo + (hi - lo) * u


def with_posterior(rows, columns=COLS, sc=BASE):
    raw = sc.to_dict()
    raw["posterior"] = {"columns": list(columns), "draws": [list(map(float, r)) for r in rows]}
    return decide.Scenario.from_dict(raw, source="posterior.toml")


POST = with_posterior(correlated_rows())


def test_round_trip_through_toml_json_and_the_schema():
    text = POST.to_toml()
    assert "[posterior]" in text
    back = parse_scenario(text.encode(), source="back.toml")
    assert back == POST and back.sha256() == POST.sha256()
    assert back.posterior.columns == tuple(COLS) and len(back.posterior.draws) == 400
    assert np.array_equal(back.posterior.array(), POST.posterior.array())
    assert POST.sha256() != BASE.sha256() and "[posterior]" not in BASE.to_toml()
    import jsonschema

    jsonschema.Draft7Validator(scenario_schema()).validate(POST.to_dict())


def _raw():
    return POST.to_dict()


@pytest.mark.parametrize("change,key,value", [
    (lambda p: p.update(columns=["market.supply_elastisity", COLS[1]]),
     "posterior.columns[0]", "market.supply_elastisity"),
    (lambda p: p.update(columns=[COLS[0], COLS[0]]), "posterior.columns[1]", COLS[0]),
    (lambda p: p.update(columns=[]), "posterior.columns", []),
    (lambda p: p.update(draws=[]), "posterior.draws", []),
    (lambda p: p["draws"].__setitem__(3, [0.5]), "posterior.draws[3]", [0.5]),
    (lambda p: p["draws"].__setitem__(5, [99.0, 0.5]),
     "posterior.draws[5].market.supply_elasticity", 99.0),
    (lambda p: p["draws"].__setitem__(7, [0.5, float("nan")]),
     "posterior.draws[7].market.pass_through", None),
    (lambda p: p["draws"].__setitem__(8, [0.5, "0.5"]),
     "posterior.draws[8].market.pass_through", "0.5"),
    (lambda p: p.update(rows=1), "posterior.rows", 1),
    (lambda p: p.update(draws=[[0.5, 0.5]] * 20_001), "posterior.draws", 20_001),
])
def test_the_loader_names_file_key_row_and_value(change, key, value):
    raw = _raw()
    change(raw["posterior"])
    with pytest.raises(ScenarioError) as err:
        decide.Scenario.from_dict(raw, source="bad.toml")
    e = err.value
    assert e.file == "bad.toml" and e.key == key
    if value is not None:
        assert e.value == value
    assert "bad.toml" in str(e) and key in str(e)


def test_a_posterior_column_cannot_also_be_correlated():
    raw = _raw()
    raw["correlations"] = [{"a": COLS[0], "b": "market.price_elasticity", "rho": 0.3}]
    with pytest.raises(ScenarioError, match="correlations"):
        decide.Scenario.from_dict(raw, source="bad.toml")


def test_monte_carlo_draws_whole_rows_and_keeps_the_correlation():
    mc = decide.monte_carlo(POST, n=3000, seed=5)
    table = POST.posterior.array()
    drawn = mc[COLS].to_numpy()
    rows = {tuple(r) for r in table}
    assert all(tuple(r) in rows for r in drawn)  # joint: every drawn pair is a row
    assert len({tuple(r) for r in drawn}) > 300  # and the rows are resampled, not one
    want = np.corrcoef(table.T)[0, 1]
    assert want > 0.8
    assert np.corrcoef(drawn.T)[0, 1] == pytest.approx(want, abs=0.05)
    # the other parameters are drawn exactly as without the table
    plain = decide.monte_carlo(BASE, n=3000, seed=5)
    others = [c for c in BASE.parameters()["name"] if c not in COLS]
    pd.testing.assert_frame_equal(mc[others], plain[others])


def test_rows_do_not_depend_on_chunking():
    a = decide.monte_carlo(POST, n=450, seed=3)
    b = decide.monte_carlo(POST, n=450, seed=3, chunk=100)
    pd.testing.assert_frame_equal(a, b)
    whole = sample_parameters(POST.parameters(), 0, 9000, 4, posterior=POST.posterior)
    part = sample_parameters(POST.parameters(), 4000, 9000, 4, posterior=POST.posterior)
    for n in COLS:
        assert np.array_equal(whole[n][4000:], part[n])


def test_without_a_posterior_nothing_changes():
    a = sample_parameters(BASE.parameters(), 0, 500, 9, BASE.correlations)
    b = sample_parameters(BASE.parameters(), 0, 500, 9, BASE.correlations, None)
    assert all(np.array_equal(a[n], b[n]) for n in a)
    assert BASE.posterior is None and "posterior" not in BASE.to_dict()


def test_sobol_moves_the_posterior_block_jointly():
    out = decide.sobol(POST, n=16, seed=1)
    assert "posterior block" in out.attrs["note"]
    assert set(COLS) <= set(out["parameter"])


def test_calibrated_scenario_carries_the_joint_posterior():
    cal = decide.calibrate(DYNAMIC, load_observed(), draws=500, seed=7)
    sc = cal.scenario
    names = calibrated_parameters(DYNAMIC)
    assert sc.posterior is not None and list(sc.posterior.columns) == names
    table = sc.posterior.array()
    assert len(table) == 500 <= POSTERIOR_ROWS
    assert np.array_equal(table[:, 0], cal.posterior["market.supply_elasticity"]
                          .clip(*sc.parameters().set_index("name")
                                .loc["market.supply_elasticity", ["low", "high"]]))
    assert sc.market["supply_elasticity"].base == pytest.approx(np.median(table[:, 0]))
    mc = decide.monte_carlo(sc, n=600, seed=2)
    rows = {tuple(r) for r in table}
    assert all(tuple(r) in rows for r in mc[names].to_numpy())
    assert parse_scenario(sc.to_toml().encode()) == sc


def test_processes_carry_the_posterior_in_the_toml_they_ship():
    local = decide.monte_carlo(POST, n=300, seed=6, chunk=150)
    remote = decide.monte_carlo(POST, n=300, seed=6, chunk=150, executor="processes")
    pd.testing.assert_frame_equal(local, remote)
