"""One LP definition (`decide.optimization.formulation`): the flat LP, the phased LP with
one plan year, and the persistent HiGHS model are built by the same functions and reach
the same optimum."""

import re

import numpy as np
import pytest

import decide
from decide.optimization import formulation as fm
from decide.optimization import lp as lpmod
from decide.optimization.persistent import PersistentFlatLP
from decide.optimization.phased import phased_lp

from .conftest import DATA


def _one_year(sc):
    raw = sc.to_dict()
    raw["horizon"] = 1
    raw["phasing"] = {"tail_years": 0}
    raw["constraints"] = ["a >= 10", "a + b <= 700"] if "a" in sc.lever_names else []
    return decide.Scenario.from_dict(raw)


def _structure(prog, plan_years):
    """Columns (name, bounds, cost) and the rows that are not cuts, by name; a one-year
    plan's spend columns ``x_i_0`` and yearly rows ``budget_0`` renamed as a flat LP's."""
    def col(name):
        return re.sub(r"^x_(\d+)_0$", r"x_\1", name) if plan_years else name

    def row(name):
        return re.sub(r"^(budget|user_\d+)_0$", r"\1", name) if plan_years else name

    cols = {col(n): (lb, ub, c) for n, lb, ub, c in zip(prog.names, prog.lb, prog.ub,
                                                        prog.cost)}
    rows = {}
    for name, lo, hi, idx, val in prog.rows:
        if name.split("_")[0] in ("rc", "oa", "od"):
            continue
        rows[row(name)] = (lo, hi, sorted((col(prog.names[k]), v) for k, v in zip(idx, val)))
    return cols, rows


@pytest.mark.parametrize("path", ["two_lever.toml", "rand1994.toml"])
def test_flat_lp_and_one_year_phased_lp_have_the_same_rows_and_optimum(path):
    sc = _one_year(decide.load_scenario(DATA / path))
    inp = sc.model_inputs()
    lower, upper = decide.optimization.spend_bounds(sc)
    flat = lpmod.create_flat_lp(inp, lower, upper, sc.budget, rows=decide.optimization.
                                bounds.extra_rows(sc))
    phased, _ = phased_lp(sc)
    f_cols, f_rows = _structure(flat.prog, False)
    p_cols, p_rows = _structure(phased.prog, True)
    assert f_cols.keys() == p_cols.keys()
    for name in f_cols:  # bounds equal; costs differ only by the (tiny) eps on spend
        assert f_cols[name][:2] == pytest.approx(p_cols[name][:2])
        if not name.startswith("x_"):
            assert f_cols[name][2] == pytest.approx(p_cols[name][2], rel=1e-12)
    assert f_rows.keys() == p_rows.keys() and len(f_rows) >= 3
    for name, (lo, hi, terms) in f_rows.items():
        assert (lo, hi) == pytest.approx(p_rows[name][:2])
        assert [t[0] for t in terms] == [t[0] for t in p_rows[name][2]]
        assert [t[1] for t in terms] == pytest.approx([t[1] for t in p_rows[name][2]])
    a = decide.optimize(sc)
    b = decide.optimize(sc, phasing=True)
    assert abs(a.deaths - b.deaths) <= a.gap + b.gap + 1e-9
    np.testing.assert_allclose(a.spend.to_numpy(), b.plan.to_numpy()[0],
                               atol=1e-3 * sc.budget)


def test_persistent_model_solves_the_rows_optimize_builds(monkeypatch):
    sc = decide.load_scenario(DATA / "rand1994.toml")
    raw = sc.to_dict()
    raw["constraints"] = [f"{sc.lever_names[0]} >= 5"]
    sc = decide.Scenario.from_dict(raw)
    first = []
    real_pulp, real_highs = fm.PulpView.sync, fm.HighsView.load

    def record_pulp(self):
        if not first or first[-1][0] != "pulp":
            first.append(("pulp", [r[:3] + (r[3].tolist(), r[4].tolist())
                                   for r in self.prog.rows]))
        return real_pulp(self)

    def record_highs(self, prog):
        first.append(("highs", [r[:3] + (r[3].tolist(), r[4].tolist()) for r in prog.rows]))
        return real_highs(self, prog)

    monkeypatch.setattr(fm.PulpView, "sync", record_pulp)
    monkeypatch.setattr(fm.HighsView, "load", record_highs)
    res = decide.optimize(sc, solver="highs")
    x, deaths, gap = PersistentFlatLP(sc).solve({})
    (k1, rows1), (k2, rows2) = first[0], first[-1]
    assert (k1, k2) == ("pulp", "highs") and rows1 == rows2  # the same first LP, row by row
    assert abs(deaths - res.deaths) <= gap + res.gap + 1e-9
    np.testing.assert_allclose(x, res.spend.to_numpy(), atol=1e-3 * sc.budget)


def test_linear_program_round_trips_through_both_backends():
    prog = fm.LinearProgram()
    x = prog.add_cols(["x0", "x1"], 0.0, [3.0, 4.0], cost=[1.0, 2.0])
    prog.le("cap", x, [1.0, 1.0], 5.0)
    prog.add_row("least", 1.0, fm.INF, [x[0]], [1.0])
    view = fm.PulpView(prog)
    view.sync().solve(decide.optimization.solvers.make_solver("highs"))
    assert view.values(x).tolist() == pytest.approx([1.0, 4.0])
    status, sol, value = (lambda v: (v.load(prog), v.run())[1])(fm.HighsView())
    assert status == "Optimal" and sol.tolist() == pytest.approx([1.0, 4.0]) and value == 9.0
