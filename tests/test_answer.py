"""The answer in words and its uncertainty: `decide.outlook` and
`decide.reporting.answer` (the landing sentence, the reason per lever)."""

import numpy as np
import pandas as pd
import pytest

import decide
from decide.reporting import answer


def point_mass(sc):
    """``sc`` with every parameter's range collapsed onto its base value."""
    rows = sc.parameters()
    over = {}
    for r in rows.itertuples(index=False):
        over[f"{r.name}.low"] = r.base
        over[f"{r.name}.high"] = r.base
    return sc.with_overrides(over)


@pytest.fixture(scope="module")
def base_run(baseline):
    res = decide.optimize(baseline)
    return res, decide.outlook(baseline, res, n=2000, seed=3)


def test_point_mass_collapses_to_the_base_case(baseline):
    sc = point_mass(baseline)
    res = decide.optimize(sc)
    out = decide.outlook(sc, res, n=50, seed=0)
    low, median, high = out.interval()
    assert low == pytest.approx(res.deaths_averted, rel=1e-9)
    assert high == pytest.approx(res.deaths_averted, rel=1e-9)
    assert out.p_best == 1.0
    assert out.draws["regret"].max() < 1e-6
    fan = out.fan[out.fan.series == "With the allocation"]
    assert np.allclose(fan["p50"], res.deaths_by_year["plan"], rtol=1e-9)
    assert np.allclose(fan["p05"], fan["p95"], rtol=1e-9)


def test_draws_are_monte_carlo_draws(baseline, base_run):
    _, out = base_run
    mc = decide.monte_carlo(baseline, n=2000, seed=3)
    for lever in baseline.lever_names:
        assert np.allclose(out.draws[f"spend.{lever}"], mc[f"spend.{lever}"])
    assert np.allclose(out.draws["optimal_deaths_averted"], mc["deaths_averted"])
    assert out.p_funded["precursor"] == pytest.approx(
        (mc["spend.precursor"] > 1e-3).mean())


def test_outlook_reconciles_with_evaluate_in_a_drawn_world(baseline, base_run):
    """Draw k's deaths averted equal `evaluate` of the scenario whose base values are
    draw k's (one definition of deaths)."""
    res, out = base_run
    mc = decide.monte_carlo(baseline, n=5, seed=3)
    names = baseline.parameters()["name"]
    for k in (0, 4):
        world = baseline.with_overrides({n: float(mc.loc[k, n]) for n in names
                                         if n in mc.columns})
        spend = res.spend.to_dict()
        averted = decide.evaluate(world, dict.fromkeys(spend, 0.0)) - decide.evaluate(
            world, spend)
        assert out.draws.loc[k, "deaths_averted"] == pytest.approx(averted, rel=1e-9)
        best = decide.optimize(world)
        assert out.draws.loc[k, "regret"] == pytest.approx(
            max(best.deaths_averted - averted, 0), abs=1e-4)


def test_a_poor_allocation_is_rarely_best_and_pays_regret(baseline, base_run):
    res, good = base_run
    poor = decide.outlook(baseline, {"counter_network": 0, "financial": 0,
                                     "gun_flow": 500, "precursor": 0}, n=2000, seed=3)
    assert poor.p_best < 0.05 < good.p_best
    assert (poor.draws["regret"] >= good.draws["regret"] - 1e-6).all()  # paired draws
    assert poor.interval()[1] < good.interval()[1]


def test_fan_is_ordered_and_has_both_series(base_run):
    _, out = base_run
    assert set(out.fan["series"]) == {"No new spending", "With the allocation"}
    assert (out.fan["p05"] <= out.fan["p50"]).all()
    assert (out.fan["p50"] <= out.fan["p95"]).all()
    averted = out.averted_fan
    assert (averted["p05"] <= averted["p50"]).all() and (averted["p05"] >= 0).all()
    # yearly medians need not add up to the total's median, but the band must hold it
    low, median, high = out.interval()
    assert averted["p05"].sum() <= median <= averted["p95"].sum()


def test_outlook_rejects_bad_arguments(baseline):
    with pytest.raises(decide.ScenarioError, match="n"):
        decide.outlook(baseline, n=1)
    with pytest.raises(decide.ScenarioError, match="tolerance"):
        decide.outlook(baseline, n=10, tolerance=2)
    with pytest.raises(decide.ScenarioError, match="unknown lever"):
        decide.outlook(baseline, {"nope": 1}, n=10)


def test_headline_names_the_order_and_the_range(base_run):
    res, out = base_run
    text = answer.headline(res, out)
    assert text.startswith("Fund precursor diplomacy to its $300M ceiling, then financial "
                           "disruption to its $400M ceiling, then counter-network targeting "
                           "($300M); nothing for gun-flow enforcement: about ")
    low, median, high = out.interval()
    assert f"about {answer.round_figure(median)} deaths averted over 10 years" in text
    assert f"(90% range {answer.round_figure(low)}-{answer.round_figure(high)})" in text
    assert f"in {out.p_best:.0%} of plausible worlds" in text
    assert "base value" in answer.headline(res)  # without an outlook it says so


def test_headline_order_follows_the_allocation(baseline):
    """Money goes first to capped levers by return, then by spend; a change of ceiling
    reorders the sentence (the sentence is read from the result, not fixed text)."""
    res = decide.optimize(baseline.with_overrides({"levers.precursor.ceiling": 50,
                                                   "levers.financial.ceiling": None}))
    assert answer.lever_order(res)[0] == "precursor"
    assert "precursor diplomacy to its $50M ceiling" in answer.headline(res)
    assert res.spend["financial"] > 400


def test_lever_reasons_by_kind(baseline):
    res = decide.optimize(baseline.with_overrides({"levers.gun_flow.floor": 100}))
    reasons = dict(zip(answer.lever_order(res), answer.lever_reasons(res), strict=True))
    table = res.table.set_index("lever")
    budget = res.shadow_price_bounds.loc["budget", "right"]
    assert reasons["precursor"].startswith("Precursor diplomacy: $300M a year, its ceiling.")
    assert f"{table.loc['precursor', 'marginal_deaths_averted_per_musd']:,.3g}" in \
        reasons["precursor"]
    assert "its floor" in reasons["gun_flow"] and "the floor costs about" in \
        reasons["gun_flow"]
    assert f"{budget - table.loc['gun_flow', 'marginal_deaths_averted_per_musd']:,.3g}" in \
        reasons["gun_flow"]
    assert "funded up to where" in reasons["counter_network"]
    res = decide.optimize(baseline)
    reasons = dict(zip(answer.lever_order(res), answer.lever_reasons(res), strict=True))
    assert reasons["gun_flow"].startswith("Gun-flow enforcement: not funded: its best return")
    locked = decide.optimize(baseline.with_overrides({"levers.gun_flow.lock": 50}))
    assert "locked at that amount" in answer.lever_reasons(locked)[-1] or any(
        "locked" in r for r in answer.lever_reasons(locked))


def test_reasons_carry_p_funded(base_run):
    res, out = base_run
    reasons = answer.lever_reasons(res, out)
    order = answer.lever_order(res)
    for lever, text in zip(order, reasons, strict=True):
        assert f"Funded in {out.p_funded[lever]:.0%} of plausible worlds" in text


def test_uncertainty_and_gap_sentences(base_run):
    res, out = base_run
    text = answer.uncertainty_sentence(res, out)
    assert f"{res.deaths_averted:,.0f}" in text and "percentile" in text
    assert "not the uncertainty" in answer.gap_sentence(res)
    assert "new money" in answer.budget_sentence(res)


def test_fund_nothing_when_nothing_pays(baseline):
    res = decide.optimize(baseline.with_overrides({"budget": 0}))
    assert answer.headline(res).startswith("Fund nothing")


def test_round_figure_is_two_significant_figures():
    assert [answer.round_figure(v) for v in (745.2, 2486.6, 48.3, 9.87, float("nan"))] == \
        ["750", "2,500", "48", "9.9", "-"]


def test_without_reoptimisation_the_allocation_alone_is_scored(baseline, base_run):
    res, out = base_run
    alone = decide.outlook(baseline, res, n=2000, seed=3, reoptimise=False)
    assert alone.p_best is None and alone.p_funded is None and not alone.reoptimised
    assert np.allclose(alone.draws["deaths_averted"], out.draws["deaths_averted"])
    text = answer.headline(res, alone)
    assert "was not computed" in text and "90% range" in text
    assert all("plausible worlds" not in r for r in answer.lever_reasons(res, alone))


def test_phased_plans_are_scored_year_by_year(baseline):
    """A plan that varies by year: each draw's deaths equal `evaluate` of the plan in the
    world of that draw (the vectorised timing kernel against the one-scenario one)."""
    plan = pd.DataFrame({"counter_network": np.linspace(0, 600, 10),
                         "financial": 200.0, "gun_flow": 0.0,
                         "precursor": np.linspace(300, 0, 10)})
    out = decide.outlook(baseline, plan, n=3, seed=5, reoptimise=False)
    mc = decide.monte_carlo(baseline, n=3, seed=5)
    names = baseline.parameters()["name"]
    for k in range(3):
        world = baseline.with_overrides({n: float(mc.loc[k, n]) for n in names})
        zero = plan * 0.0
        averted = decide.evaluate(world, zero) - decide.evaluate(world, plan)
        assert out.draws.loc[k, "deaths_averted"] == pytest.approx(averted, rel=1e-9)


def test_cli_footer_and_briefing_carry_the_landing_sentences(baseline, capsys, tmp_path):
    """One module: `decide solve`'s footer and the briefing say what the app's landing
    page says (same worlds: 5,000 draws, seed 0)."""
    import re

    from decide.cli import main

    res = decide.optimize(baseline)
    out = decide.outlook(baseline, res, n=5000, seed=0)
    expected = [answer.headline(res, out), *answer.lever_reasons(res, out),
                answer.gap_sentence(res)]
    assert main(["solve", "inputs/baseline.toml"]) == 0
    printed = re.sub(r"\s+", " ", capsys.readouterr().out)
    for sentence in expected:
        assert sentence in printed, sentence
    assert main(["brief", "inputs/baseline.toml", "--no-charts", "--no-discover", "--out",
                 str(tmp_path / "b.html")]) == 0
    page = re.sub(r"\s+", " ", (tmp_path / "b.html").read_text())
    import html

    for sentence in expected[:-1]:
        assert html.escape(sentence) in page, sentence
    assert main(["solve", "inputs/baseline.toml", "--draws", "0"]) == 0
    assert "base value (its uncertainty not yet computed)" in re.sub(
        r"\s+", " ", capsys.readouterr().out)


def test_discounted_marginals_are_in_the_budget_prices_units(baseline):
    """Under discounting an interior lever's reduced cost is 0 (it was marginal in
    undiscounted deaths minus a discounted price) and its reason quotes the budget's
    price in discounted deaths."""
    res = decide.optimize(baseline.with_overrides({"discount_rate": 0.05}))
    table = res.table.set_index("lever")
    budget = res.shadow_price_bounds.loc["budget", "right"]
    assert table.loc["counter_network", "reduced_cost"] == pytest.approx(0, abs=1e-6)
    reasons = dict(zip(answer.lever_order(res), answer.lever_reasons(res), strict=True))
    assert (f"its next $1M a year averts {budget:,.3g} discounted deaths"
            in reasons["counter_network"])


def test_a_proposals_sentence_quotes_the_tables_paired_figures(baseline):
    # the sentence's median shortfall is the paired one (same world), which the table
    # now shows too; before, the table only had the difference of the two medians
    import re

    from decide.reporting.comparison import score_proposal

    res = decide.optimize(baseline)
    even = {n: baseline.budget / 4 for n in baseline.lever_names}
    best = decide.outlook(baseline, res, n=1000, seed=5)
    mine = decide.outlook(baseline, even, n=1000, seed=5)
    table, text = score_proposal(res, even, best, mine)
    rows = table.set_index("measure")["difference"]
    paired = mine.draws["deaths_averted"] - best.draws["deaths_averted"]
    assert rows["Same world, proposal - optimal deaths averted: median"] == \
        pytest.approx(paired.median())
    assert paired.median() != pytest.approx(rows["Deaths averted, median over worlds"])
    median, low, high = (float(x.replace(",", "")) for x in re.search(
        r"averts a median ([\d,]+) fewer \(90% range ([\d,]+) to ([\d,]+)\)", text).groups())
    assert median == round(-paired.median())
    assert (low, high) == (round(-paired.quantile(0.95)), round(-paired.quantile(0.05)))
    # the optimum against itself: no shortfall anywhere, as good in every world
    table, text = score_proposal(res, dict(res.spend), best, best)
    assert "a median 0 fewer" in text and "at least as well in 100%" in text
