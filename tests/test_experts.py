"""Pooled expert judgement (`decide.experts`) and Cooke's classical model: worked examples
from the literature, the cross-regret matrix's properties, the pool, the loader's errors
and the shipped illustrative panel."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

import decide
from decide.analyses import cooke
from decide.analyses.elicitation import (
    _pool_sizes,
    load_expert,
    load_panel,
    load_seed_questions,
)

from .conftest import ROOT

PANEL = ROOT / "inputs" / "experts"

# TU Delft OpenCourseWare, "Decision Making Under Uncertainty: Introduction to Structured
# Expert Judgment", reading 3.7.3 "The calibration score of the DM (2)" ("Intelligence and
# other life aspects"): three experts' 5%, 50% and 95% quantiles for five seed questions.
TUD_Q = np.array([
    [[2, 5, 7], [12, 13, 15], [87, 89, 92], [2, 5, 8], [48, 50, 52]],           # A
    [[20, 23, 34], [8, 10, 11], [60, 70, 90], [20, 35, 45], [30, 35, 40]],      # B
    [[20, 25, 28], [10, 13, 15], [65, 67, 70], [42, 44, 46], [32, 33, 35]],     # C
], dtype=float)
TUD_R = np.array([24, 11, 68, 47, 31], dtype=float)


# -- Cooke's classical model against published worked examples ---------------------------------
def test_cooke_scores_and_weights_reproduce_tu_delft_worked_example():
    w, cal, inf = cooke.cooke_weights(TUD_Q, TUD_R)
    # published "up to the third decimal": calibration 3.621E-005, 0.608, 0.327;
    # information 1.418, 0.558, 1.354
    assert cal[0] == pytest.approx(3.621e-5, rel=1e-3)
    np.testing.assert_allclose(cal[1:], [0.608, 0.327], atol=5e-4)
    np.testing.assert_allclose(inf, [1.418, 0.558, 1.354], atol=5e-4)
    # published weights 0.00006565341, 0.4338007, 0.5661336 were computed from the rounded
    # scores: the rounded scores give them exactly, ours agree to the rounding
    rounded = np.array([3.621e-5 * 1.418, 0.608 * 0.558, 0.327 * 1.354])
    np.testing.assert_allclose(rounded / rounded.sum(), [6.565341e-5, 0.4338007, 0.5661336],
                               rtol=1e-6)
    np.testing.assert_allclose(w, [6.565341e-5, 0.4338007, 0.5661336], atol=2e-4)


def test_cooke_weights_without_expert_a_reproduce_the_follow_up_reading():
    # reading 3.8.2 "Expert selection": without A the intrinsic ranges shrink; B keeps
    # calibration 0.608 with information 0.220, C 0.327 with 0.971; weights 0.3 and 0.7
    w, cal, inf = cooke.cooke_weights(TUD_Q[1:], TUD_R)
    np.testing.assert_allclose(cal, [0.608, 0.327], atol=5e-4)
    np.testing.assert_allclose(inf, [0.220, 0.971], atol=1e-3)
    np.testing.assert_allclose(w, [0.3, 0.7], atol=5e-3)


def test_pooled_decision_maker_quantiles_reproduce_the_worked_example():
    # reading 3.8.2, questions 1-4 (the table's last entry is cut short in the source)
    ewdm = cooke.pool_quantiles(TUD_Q, [1 / 3] * 3, TUD_R)
    np.testing.assert_allclose(ewdm[:3], [[2.55, 21.77, 32.39], [8.31, 12.23, 14.91],
                                          [61.43, 71.08, 91.61]], atol=0.006)
    np.testing.assert_allclose(ewdm[3, :2], [2.55, 34.28], atol=0.006)
    w, _, _ = cooke.cooke_weights(TUD_Q, TUD_R)
    pwdm = cooke.pool_quantiles(TUD_Q, w, TUD_R)
    np.testing.assert_allclose(pwdm[:4], [[19.97, 24.48, 33.11], [8.19, 10.91, 14.86],
                                          [60.75, 67.56, 87.94], [21.02, 42.8, 45.97]],
                               atol=0.006)
    w2, _, _ = cooke.cooke_weights(TUD_Q[1:], TUD_R)
    np.testing.assert_allclose(cooke.pool_quantiles(TUD_Q[1:], w2, TUD_R),
                               [[20, 24.68, 32.31], [8.33, 11.71, 14.92],
                                [61.24, 67.34, 86.28], [23.03, 43.3, 45.98],
                                [30.61, 33.29, 39.1]], atol=0.006)


def test_information_per_question_reproduces_the_lecture_notes():
    # TU Delft MORE lecture notes, "Information score": expert E alone, 8 seed questions;
    # published I_2..I_8 = 0.055, 0.278, 0.323, 0.171, 0.124, 0.214, 0.205
    q = np.array([[10, 40, 60], [0.002, 0.02, 0.05], [5, 80, 150], [30000, 60000, 200000],
                  [5, 13, 30], [2, 15, 50], [30, 45, 60], [3, 8, 12]], dtype=float)
    r = [25, 0.0011, 214, 10840, 1, 6, 20, 0.23]
    per_q = [cooke.information(q[None, [j]], [r[j]])[0] for j in range(8)]
    np.testing.assert_allclose(per_q[1:], [0.055, 0.278, 0.323, 0.171, 0.124, 0.214, 0.205],
                               atol=5e-4)
    assert cooke.information(q[None], r)[0] == pytest.approx(np.mean(per_q))


def test_calibration_reproduces_the_course_example():
    # reading 2.3.4: s = (1/10, 2/10, 5/10, 2/10); I(s, p) = 0.2370678; calibration 0.19
    q = np.tile([1.0, 2.0, 3.0], (1, 10, 1))
    r = np.array([0.5] + [1.5] * 2 + [2.5] * 5 + [3.5] * 2)
    s = np.array([0.1, 0.2, 0.5, 0.2])
    assert (s * np.log(s / [0.05, 0.45, 0.45, 0.05])).sum() == pytest.approx(0.2370678,
                                                                              abs=1e-7)
    assert cooke.calibration(q, r)[0] == pytest.approx(0.19, abs=0.005)
    # a perfectly calibrated set of 20 answers scores 1 - F(0) = 1
    q20 = np.tile([1.0, 2.0, 3.0], (1, 20, 1))
    r20 = np.array([0.5] + [1.5] * 9 + [2.5] * 9 + [3.5])
    assert cooke.calibration(q20, r20)[0] == pytest.approx(1.0)


def test_cooke_cutoff_and_bad_inputs():
    w, cal, _ = cooke.cooke_weights(TUD_Q, TUD_R, cutoff=0.05)
    assert w[0] == 0 and w.sum() == pytest.approx(1)
    with pytest.raises(decide.ScenarioError, match="no expert"):
        cooke.cooke_weights(TUD_Q, TUD_R, cutoff=0.9)
    bad = TUD_Q.copy()
    bad[1, 2] = [70, 60, 90]
    with pytest.raises(decide.ScenarioError) as err:
        cooke.calibration(bad, TUD_R)
    assert err.value.key == "quantiles[1][2]"
    with pytest.raises(decide.ScenarioError):
        cooke.calibration(TUD_Q, TUD_R[:4])
    with pytest.raises(decide.ScenarioError):
        cooke.pool_quantiles(TUD_Q, [0.5, 0.5, 0.5], TUD_R)


def test_pool_sizes_by_largest_remainder():
    assert _pool_sizes([0.5, 0.3, 0.2], 10).tolist() == [15, 9, 6]
    assert _pool_sizes([1 / 3] * 3, 7).tolist() == [7, 7, 7]
    sizes = _pool_sizes([0.4449, 0.4449, 0.1102], 101)
    assert sizes.sum() == 303


# -- the analysis ------------------------------------------------------------------------------
def _expert(path, name, params="", seeds=""):
    text = (f'[expert]\nname = "{name}"\naffiliation = "anonymous"\n\n[parameters]\n{params}'
            + (f"\n[seeds]\n{seeds}" if seeds else ""))
    path.write_text(text, encoding="utf-8")
    return path


PRECURSOR = ('"levers.precursor.max_effect" = { base = 0.3, low = 0.1, high = 0.4, '
             'unit = "fraction of supply", source = "Test", confidence = "judgement" }\n')


@pytest.fixture(scope="module")
def shipped(baseline):
    return decide.experts(baseline, PANEL, n=400, seed=1)


def test_two_identical_experts_pool_to_either_with_zero_cross_regret(baseline, tmp_path):
    files = [_expert(tmp_path / f"{k}.toml", f"Twin {k}", PRECURSOR) for k in "ab"]
    r = decide.experts(baseline, files, n=300, seed=2)
    assert (r.cross_regret.loc[["Twin a", "Twin b"]].to_numpy() == 0).all()
    levers = baseline.lever_names
    a, b = r.allocations.loc["Twin a", levers], r.allocations.loc["Twin b", levers]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(r.allocations.loc["pooled", levers], a,
                               atol=1e-6 * baseline.budget)
    assert r.cross_regret.loc["pooled"].abs().max() <= 1e-6
    np.testing.assert_array_equal(r.expected_regret.loc["Twin a"],
                                  r.expected_regret.loc["Twin b"])
    assert r.weights_method == "equal" and r.pool_sizes.tolist() == [300, 300]
    # the twin's beliefs differ from the baseline: the overlay was applied
    assert r.scenarios["Twin a"].lever("precursor").params["max_effect"].base == 0.3


def test_cross_regret_zero_diagonal_and_nonnegative_within_gaps(shipped):
    r = shipped
    names = list(r.experts.index)
    cr = r.cross_regret.loc[names, names].to_numpy()
    assert (np.diag(cr) == 0).all()
    gaps = r.allocations.loc[names, "gap"].to_numpy()
    assert (cr >= -gaps[None, :] - 1e-9).all()
    # every allocation, pooled and robust included, is no better for expert j than j's own
    assert (r.cross_regret.to_numpy() >= -gaps[None, :] - 1e-9).all()
    # cross-regret = expected regret minus that expert's own expected regret
    er = r.expected_regret
    own = np.array([er.loc[n, n] for n in names])
    np.testing.assert_allclose(r.cross_regret.to_numpy(), er.to_numpy() - own[None, :],
                               atol=1e-6)
    assert (er.to_numpy() >= -1e-6).all()  # no allocation beats each world's optimum
    # the panel disagrees: someone's allocation costs someone else at least a death
    assert cr.max() > 1


def test_each_expert_allocation_is_the_robust_expected_optimum_of_its_beliefs(baseline,
                                                                               shipped):
    levers = baseline.lever_names
    for name, sc in shipped.scenarios.items():
        ref = decide.robust(sc, n=400, seed=1, objective="expected", out_of_sample=1)
        np.testing.assert_allclose(shipped.allocations.loc[name, levers], ref.spend,
                                   atol=1e-6 * baseline.budget)
    alloc = shipped.allocations[levers]
    assert (alloc.sum(axis=1) <= baseline.budget + 1e-6).all()
    assert (alloc >= -1e-9).all().all()


def test_robust_allocation_is_minimax_regret_across_the_experts(baseline, shipped):
    # rebuild each expert's worlds (draws 0..n-1 of the seed) independently, then check
    # the minimax against every other allocation and 300 random feasible ones
    from decide.analyses.common import deaths_at
    from decide.analyses.sampling import sample_parameters
    from decide.optimization import newton

    r = shipped
    levers = baseline.lever_names
    batches = []
    for name, sc in r.scenarios.items():
        values = sample_parameters(sc.parameters(), 0, r.n, 1, sc.correlations)
        b = newton.batch_inputs(sc, values, r.n)
        own = float(deaths_at(b, r.allocations.loc[name, levers].to_numpy()).mean())
        batches.append((b, own))

    def worst(x):
        return max(float(deaths_at(b, x).mean()) - own for b, own in batches)

    robust = r.allocations.loc["robust", levers].to_numpy()
    gap = r.allocations.loc["robust", "gap"]
    assert worst(robust) == pytest.approx(r.robust_value, rel=1e-9, abs=1e-9)
    assert r.cross_regret.loc["robust"].max() == pytest.approx(r.robust_value, abs=1e-9)
    for k in r.allocations.index:
        assert r.cross_regret.loc[k].max() >= r.robust_value - gap - 1e-9, k
    rng = np.random.default_rng(0)
    lower = np.array([lv.floor for lv in baseline.levers], dtype=float)
    upper = np.array([lv.ceiling for lv in baseline.levers], dtype=float)
    for _ in range(300):
        x = lower + rng.random(len(levers)) * (upper - lower)
        x = lower + (x - lower) * min(1.0, (baseline.budget - lower.sum())
                                      / (x - lower).sum())
        assert worst(x) >= r.robust_value - gap - 1e-9
    ranked = r.worst_case()
    assert ranked.index[0] == "robust" or ranked.iloc[0] >= r.robust_value - gap
    assert ranked.is_monotonic_increasing and set(ranked.index) == set(r.allocations.index)


def test_minimax_matches_brute_force_on_two_levers(two_lever, tmp_path):
    # two levers, budget binding: every allocation is x_a in [0, 800]; scan it finely
    from decide.analyses.common import deaths_at
    from decide.analyses.sampling import sample_parameters
    from decide.optimization import newton

    lever_a = ('"levers.a.max_effect" = {{ base = {b}, low = {lo}, high = {hi}, '
               'unit = "fraction", source = "Test", confidence = "judgement" }}\n')
    files = [_expert(tmp_path / "p.toml", "Pessimist", lever_a.format(b=0.1, lo=0.05, hi=0.2)),
             _expert(tmp_path / "o.toml", "Optimist", lever_a.format(b=0.45, lo=0.3, hi=0.5))]
    r = decide.experts(two_lever, files, n=150, seed=3)
    budget = two_lever.budget
    assert r.allocations.loc[["Pessimist", "Optimist"], ["a", "b"]].sum(axis=1).tolist() \
        == pytest.approx([budget, budget])
    experts = []
    for name, sc in r.scenarios.items():
        values = sample_parameters(sc.parameters(), 0, r.n, 3, sc.correlations)
        b = newton.batch_inputs(sc, values, r.n)
        experts.append((b, deaths_at(b, r.allocations.loc[name, ["a", "b"]].to_numpy())
                        .mean()))

    def worst(xa):  # convex in xa: a maximum of convex functions
        return max(deaths_at(b, np.array([xa, budget - xa])).mean() - own
                   for b, own in experts)

    grid = np.linspace(0, budget, 401)
    k = int(np.argmin([worst(v) for v in grid]))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    for _ in range(80):  # ternary search on the bracket around the grid's minimum
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (lo, m2) if worst(m1) <= worst(m2) else (m1, hi)
    brute = worst((lo + hi) / 2)
    gap = r.allocations.loc["robust", "gap"]
    # an allocation's value cannot beat the minimum; the certificate bounds the excess
    assert brute - 1e-6 <= r.robust_value <= brute + gap + 1e-6
    assert r.robust_value > 1  # the experts disagree: the minimax is a compromise
    xa = r.allocations.loc["robust", "a"]
    assert r.allocations.loc["Pessimist", "a"] < xa < r.allocations.loc["Optimist", "a"]


def test_cooke_weights_drive_the_pool_when_seed_questions_are_answered(baseline, tmp_path):
    questions = "\n".join(
        f'[questions.q{j}]\nquestion = "Q{j}"\nunit = "u"\nrealization = {TUD_R[j]:g}\n'
        f'source = "TU Delft OCW 3.7.3"\n' for j in range(5))
    (tmp_path / "seed_questions.toml").write_text(questions, encoding="utf-8")
    for e, name in enumerate("ABC"):
        seeds = "".join(f"q{j} = [{', '.join(f'{v:g}' for v in TUD_Q[e, j])}]\n"
                        for j in range(5))
        base = 0.1 + 0.1 * e
        params = (f'"levers.precursor.max_effect" = {{ base = {base:g}, low = 0.05, '
                  f'high = 0.4, unit = "fraction of supply", source = "Test", '
                  f'confidence = "judgement" }}\n')
        _expert(tmp_path / f"{name}.toml", f"Expert {name}", params, seeds)
    r = decide.experts(baseline, tmp_path, n=200, seed=0)
    assert r.weights_method == "cooke"
    w, cal, inf = cooke.cooke_weights(TUD_Q, TUD_R)
    np.testing.assert_allclose(r.experts["weight"], w)
    np.testing.assert_allclose(r.experts["calibration"], cal)
    np.testing.assert_allclose(r.experts["information"], inf)
    assert r.pool_sizes.tolist() == _pool_sizes(w, 200).tolist()
    assert r.pool_sizes["Expert A"] == 0  # a weight of 7e-5 buys no draw of 600
    eq = decide.experts(baseline, tmp_path, n=200, seed=0, weights="equal")
    assert eq.weights_method == "equal" and eq.pool_sizes.tolist() == [200] * 3


def test_shipped_panel_is_illustrative_sourced_and_loads(baseline, shipped):
    panel = load_panel(PANEL)
    assert len(panel.experts) >= 3
    for e in panel.experts:
        text = Path(e.source).read_text(encoding="utf-8")
        assert text.startswith("# ILLUSTRATIVE EXPERT")
        assert e.illustrative and "(illustrative)" in e.name and e.affiliation
        raw = tomllib.loads(text)["parameters"]
        for spec in raw.values():
            assert {"base", "low", "high", "unit", "source", "confidence"} <= set(spec)
            assert spec["confidence"] == "judgement"
            assert spec["source"].startswith("Illustrative judgement")
        panel.scenario(baseline, e)  # every overlay fits the baseline
    qs = load_seed_questions(PANEL / "seed_questions.toml")
    assert len(qs) >= 5 and all(q.source for q in qs.values())
    assert shipped.weights_method == "equal"  # nobody answered the seed questions
    assert "no expert answered" in shipped.note
    assert len(shipped.describe()) == 1 + len(shipped.allocations)


def test_the_template_lists_every_parameter_and_question_and_loads_when_filled(baseline,
                                                                             tmp_path):
    text = (PANEL / "TEMPLATE.toml.example").read_text(encoding="utf-8")
    params = baseline.parameters()
    for row in params.itertuples(index=False):
        if row.low < row.high and not row.name.startswith("outcomes."):
            assert f'# "{row.name}" = {{ base = , low = , high = , unit = "{row.unit}"' in text
    questions = load_seed_questions(PANEL / "seed_questions.toml")
    for qid in questions:
        assert f"# {qid} = [ , , ]" in text
    filled = text.replace('# "levers.precursor.alpha" = { base = , low = , high = ,',
                          '"levers.precursor.alpha" = { base = 0.7, low = 0.5, high = 0.9,')
    filled = filled.replace('confidence = "judgement", source = "" }\n[seeds]',
                            'confidence = "judgement", source = "Interview" }\n[seeds]')
    filled = filled.replace(
        '"levers.precursor.alpha" = { base = 0.7, low = 0.5, high = 0.9, unit = "fraction", '
        'confidence = "judgement", source = "" }',
        '"levers.precursor.alpha" = { base = 0.7, low = 0.5, high = 0.9, unit = "fraction", '
        'confidence = "judgement", source = "Interview" }')
    for qid in questions:
        filled = filled.replace(f"# {qid} = [ , , ]", f"{qid} = [1, 2, 3]")
    path = tmp_path / "filled.toml"
    path.write_text(filled, encoding="utf-8")
    e = load_expert(path)
    assert list(e.parameters) == ["levers.precursor.alpha"] and set(e.seeds) == set(questions)
    other = _expert(tmp_path / "other.toml", "Other", PRECURSOR)
    panel = load_panel([path, other, PANEL / "seed_questions.toml"])
    assert panel.scenario(baseline, e).lever("precursor").params["alpha"].base == 0.7


# -- files and arguments --------------------------------------------------------------------
@pytest.mark.parametrize("params, key, message", [
    ('"levers.precursor.max_efect" = { base = 0.3, low = 0.1, high = 0.4, unit = "fraction '
     'of supply", source = "T", confidence = "judgement" }\n',
     "parameters.levers.precursor.max_efect", "did you mean"),
    ('"levers.precursor.max_effect" = { base = 0.3, low = 0.1, high = 0.4, unit = "percent",'
     ' source = "T", confidence = "judgement" }\n',
     "parameters.levers.precursor.max_effect.unit", "scenario's unit"),
    ('"levers.precursor.max_effect" = { base = 0.5, low = 0.1, high = 0.4, unit = "fraction '
     'of supply", source = "T", confidence = "judgement" }\n',
     "parameters.levers.precursor.max_effect.base", "low..high"),
    ('"levers.precursor.max_effect" = { base = 1.5, low = 0.1, high = 2, unit = "fraction '
     'of supply", source = "T", confidence = "judgement" }\n',
     "parameters.levers.precursor.max_effect.base", "out of range"),
    ('"levers.precursor.max_effect" = { base = 0.3, low = 0.1, high = 0.4, unit = "fraction '
     'of supply", source = "T", confidence = "hunch" }\n',
     "parameters.levers.precursor.max_effect.confidence", "must be one of"),
])
def test_bad_overlay_values_name_the_expert_file_and_key(baseline, tmp_path, params, key,
                                                         message):
    bad = _expert(tmp_path / "bad.toml", "Bad", params)
    good = _expert(tmp_path / "good.toml", "Good", PRECURSOR)
    with pytest.raises(decide.ScenarioError, match=message) as err:
        decide.experts(baseline, [bad, good], n=50, seed=0)
    assert err.value.file == str(bad) and err.value.key == key


@pytest.mark.parametrize("text, key", [
    ('[expert]\nname = "X"\n', "expert.affiliation"),
    ('[expert]\nname = "X"\naffiliation = "a"\ncolour = "red"\n', "expert.colour"),
    ('[expert]\nname = "X"\naffiliation = "a"\n', "parameters"),
    ('[expert]\nname = "X"\naffiliation = "a"\nillustrative = "yes"\n', "expert.illustrative"),
    ('[expert]\nname = ""\naffiliation = "a"\n[parameters]\n' + PRECURSOR, "expert.name"),
    ('[expert]\nname = "X"\naffiliation = "a"\n[parameters]\n"market.substitution" = '
     '{ base = 0.1, low = 0, high = 0.2, unit = "fraction" }\n',
     "parameters.market.substitution.source"),
    ('[expert]\nname = "X"\naffiliation = "a"\n[seeds]\nq = [3, 2, 1]\n', "seeds.q"),
    ('[expert]\nname = "X"\naffiliation = "a"\n[seeds]\nq = [1, 2]\n', "seeds.q"),
    ('[expert]\nname = "X"\naffiliation = "a"\n[seeds]\nq = [1, "2", 3]\n', "seeds.q[1]"),
    ('[expert]\nname = "X"\naffiliation = "a"\n[parameters]\n"market.substitution" = '
     '{ base = nan, low = 0, high = 0.2, unit = "fraction", source = "s", '
     'confidence = "judgement" }\n', "parameters.market.substitution.base"),
    ('expert = 3\n', "expert"),
    ('[expert\n', None),
])
def test_malformed_expert_files_are_one_clear_error(tmp_path, text, key):
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(decide.ScenarioError) as err:
        load_expert(path)
    assert err.value.file == str(path)
    if key is not None:
        assert err.value.key == key


def test_panel_level_errors(baseline, tmp_path):
    a = _expert(tmp_path / "a.toml", "Same", PRECURSOR)
    b = _expert(tmp_path / "b.toml", "Same", PRECURSOR)
    with pytest.raises(decide.ScenarioError, match="two experts"):
        load_panel([a, b])
    with pytest.raises(decide.ScenarioError, match="at least two"):
        load_panel([a])
    c = _expert(tmp_path / "c.toml", "Other", PRECURSOR, "nope = [1, 2, 3]\n")
    with pytest.raises(decide.ScenarioError, match="not a seed question") as err:
        load_panel([a, c])
    assert err.value.key == "seeds.nope"
    with pytest.raises(decide.ScenarioError, match="directory"):
        load_panel(tmp_path / "missing")
    with pytest.raises(decide.ScenarioError, match="Cooke weights need"):
        decide.experts(baseline, PANEL, n=50, weights="cooke")


@pytest.mark.parametrize("kwargs, key", [
    ({"n": 5}, "n"), ({"n": 100.0}, "n"), ({"seed": -2}, "seed"),
    ({"weights": "cook"}, "weights"), ({"cutoff": 1}, "cutoff"), ({"executor": 0}, "executor"),
])
def test_bad_arguments_name_the_key(baseline, kwargs, key):
    with pytest.raises(decide.ScenarioError) as err:
        decide.experts(baseline, PANEL, **({"n": 50} | kwargs))
    assert err.value.key == key
