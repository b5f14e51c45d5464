# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A first allocation, and what it rests on
#
# **Question.** How should a fixed yearly budget be split across the four counter-fentanyl
# levers of `inputs/baseline.toml` (counter-network targeting, financial disruption,
# gun-flow enforcement, precursor diplomacy) to minimise projected US synthetic-opioid
# deaths over the scenario's horizon - and how much of that answer is arithmetic, and how
# much is assumption?
#
# **Assumptions.** The bundled baseline scenario with every assumption at its base value
# (its header comment and `sc.parameters()` give each value's range, unit and source).
# The levers' response curves are *judgement priors*: no study measures deaths averted per
# dollar for any of them (README, `docs/model.md`). The allocation is flat: the same
# spend every year. Nothing here is tuned to an outcome.

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

import decide
from decide.reporting import answer, comparison

# The repository root: this notebook may run from the root, from notebooks/ or elsewhere.
here = Path.cwd()
ROOT = next(p for p in (here, *here.parents, Path(decide.__file__).resolve().parents[1])
            if (p / "inputs" / "baseline.toml").exists())
pd.set_option("display.precision", 3)

# %% [markdown]
# ## The scenario
#
# Every assumption carries a base value, a range, a unit, a source and a confidence tag
# (`measured`, `derived` or `judgement`).

# %%
sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
params = sc.parameters()
print(f"Budget ${sc.budget:,.0f}M a year for {sc.horizon} years; "
      f"{len(params)} assumptions, by confidence:")
display(params["confidence"].value_counts().to_frame("assumptions"))
display(params[["name", "base", "low", "high", "unit", "confidence"]].head(8))

# %% [markdown]
# ## The optimal allocation
#
# `decide.optimize` solves a linear program and refines it until a *certified* bound on
# the distance from the true optimum (`gap`) is at most max(0.01% of deaths averted, 0.01
# deaths) (README). The table gives, per lever, the spend ($M per year), the deaths it is
# credited with over the horizon, its marginal return (deaths averted per extra $1M a year)
# and its reduced cost (that marginal minus the budget's).

# %%
res = decide.optimize(sc)
columns = ["label", "spend", "share", "deaths_averted", "marginal_deaths_averted_per_musd",
           "cost_per_death_averted", "reduced_cost"]
display(res.table[columns])
print(f"Deaths averted over {sc.horizon} years: {res.deaths_averted:,.1f} of "
      f"{res.baseline_deaths:,.0f} projected with no new spending; "
      f"certified gap {res.gap:.4f} deaths.")

# %% [markdown]
# The allocation is feasible (it spends the budget, within every lever's floor and
# ceiling) and the gap is within the documented tolerance:

# %%
bounds = pd.DataFrame({"floor": [lv.floor for lv in sc.levers],
                       "ceiling": [lv.ceiling for lv in sc.levers]},
                      index=sc.lever_names)
assert abs(res.spend.sum() + res.unspent - sc.budget) < 1e-6 * sc.budget
assert (res.spend >= bounds["floor"] - 1e-6).all()
assert (res.spend <= bounds["ceiling"] + 1e-6).all()
assert res.gap <= max(1e-4 * res.deaths_averted, 0.01)

# %% [markdown]
# ## Shadow prices
#
# `res.shadow_prices` are deaths averted over the horizon per extra $1M a year: for the
# budget, and for every floor or ceiling that binds. A ceiling with a large price is a
# limit worth questioning: the model would put more money there if it could.

# %%
display(res.shadow_prices.to_frame())

# %% [markdown]
# What the budget's price means, checked: deaths averted are concave in the budget, so one
# more $1M a year averts at most the price at today's budget and at least the price at
# the larger budget (each solve within its certified gap).

# %%
more = decide.optimize(sc.with_overrides({"budget": sc.budget + 1}))
gain = more.deaths_averted - res.deaths_averted
price_now, price_next = res.shadow_prices["budget"], more.shadow_prices["budget"]
print(f"One more $1M a year averts {gain:.4f} deaths; the price is {price_now:.4f} at "
      f"${sc.budget:,.0f}M and {price_next:.4f} at ${sc.budget + 1:,.0f}M.")
slack = res.gap + more.gap + 1e-9
assert price_next - slack <= gain <= price_now + slack

# %% [markdown]
# ## The answer in words
#
# The base case is one world. `decide.outlook` scores the allocation in 5,000 plausible
# worlds (every assumption drawn from its range, seed 0) against each world's own optimum;
# `answer.headline` is the sentence the app and `decide solve` open with.

# %%
out = decide.outlook(sc, res, n=5_000, seed=0)
print(answer.headline(res, out))
print()
print(answer.budget_sentence(res))
print(answer.uncertainty_sentence(res, out))
display(out.p_funded.to_frame("share of worlds whose optimum funds the lever"))

# %%
low, median, high = out.interval()
assert low <= median <= high
assert 0 < out.p_best <= 1
assert out.n == 5_000

# %% [markdown]
# ## What the decision rests on
#
# `decision_basis`: per lever, whether it is funded, the bound that binds it and its
# price, and the assumption whose *switching value* (the value at which the allocation
# changes, found by re-optimising along its range) is nearest its base, relative to the
# range (`distance`: 0 = at the base, 1 = a whole range away).

# %%
basis = decide.analyses.decision_basis(sc, result=res)
display(basis[["label", "spend", "bound", "bound_price", "parameter", "base",
               "switching_value", "side", "distance"]])
for sentence in answer.lever_reasons(res, out):
    print("-", sentence)

# %% [markdown]
# ## A proposed allocation and its regret
#
# `decide.evaluate` gives projected deaths for *any* allocation. Take the naive proposal
# of splitting the budget evenly: its regret is the deaths it forgoes against the optimum,
# in the base case and across the same 5,000 worlds (paired draw by draw).

# %%
even = {name: sc.budget / len(sc.levers) for name in sc.lever_names}
regret = decide.evaluate(sc, even) - res.deaths
print(f"Even split: {decide.evaluate(sc, even):,.1f} deaths over {sc.horizon} years, "
      f"{regret:,.1f} more than the optimum ({res.deaths:,.1f}).")
mine = decide.outlook(sc, even, n=5_000, seed=0)
table, sentence = comparison.score_proposal(res, even, out, mine)
display(table)
print(sentence)

# %%
# No allocation beats the optimum by more than its certified gap, and the table's base
# case agrees with evaluate().
assert regret >= -res.gap
base_row = table.set_index("measure").loc["Deaths averted, base case"]
assert abs(base_row["difference"] + regret) < 1e-6
