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
# # Sensitivity and uncertainty: which assumptions move the decision?
#
# **Question.** The baseline allocation is optimal with every assumption at its base
# value. Which assumptions, moved within their ranges, change *what to fund* (not just
# how many deaths are averted)? How often is each lever funded when every assumption is
# uncertain at once? Which uncertainties drive the spread, and what would it be worth to
# resolve them before deciding?
#
# **Assumptions.** `inputs/baseline.toml`; each assumption varies over its `[low, high]`
# range with its declared distribution (PERT unless the file says otherwise), independently
# unless the file declares rank correlations. Every analysis re-optimises the allocation.
# Samples are small and seeded so that the notebook runs in seconds: Monte Carlo and EVPI
# on 10,000 draws, Sobol on 512 base samples, EVPPI on 100 x 200 nested draws.
# Charts are static PNGs (altair, rendered offline by vl-convert).

# %%
from pathlib import Path

import altair as alt
import pandas as pd
from IPython.display import display

import decide
from decide.reporting import charts
from decide.reporting.labels import lever_labels, param_label

here = Path.cwd()
ROOT = next(p for p in (here, *here.parents, Path(decide.__file__).resolve().parents[1])
            if (p / "inputs" / "baseline.toml").exists())
alt.renderers.enable("png", scale_factor=1.5)  # no network needed to show a chart
pd.set_option("display.precision", 3)
WIDTH = 640

sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
res = decide.optimize(sc)
display(res.table[["label", "spend"]])

# %% [markdown]
# ## One assumption at a time: the tornado
#
# Each assumption is set to the low and then the high end of its range, the others at
# base, and the allocation re-optimised. Bars give deaths averted; a `*` marks an
# assumption that changes the allocation within its range, and `switching_value` is the
# value at which it does.

# %%
tornado = decide.tornado(sc, result=res)
charts.tornado_chart(tornado, sc=sc, base_averted=res.deaths_averted).properties(width=WIDTH)

# %%
switches = tornado[tornado["allocation_changed"]]
display(switches[["parameter", "side", "value", "switching_value", "deaths_averted",
                  "regret"] + [c for c in tornado.columns if c.startswith("spend.")]])

# %% [markdown]
# ## All at once: Monte Carlo with re-optimisation
#
# 10,000 draws of every assumption (seed 1); each draw gets its own optimal allocation.
# `summarize` gives how often each lever is funded and the spread of its spend.

# %%
mc = decide.monte_carlo(sc, n=10_000, seed=1)
summary = decide.summarize(mc)
display(summary)
precursor = sc.lever("precursor")
at_ceiling = (mc["spend.precursor"] >= precursor.ceiling - 1e-6).mean()
print(f"Precursor diplomacy is at its ${precursor.ceiling:,.0f}M ceiling in "
      f"{at_ceiling:.1%} of the draws.")
charts.funded_chart(mc, lever_labels(sc)).properties(width=WIDTH)

# %%
charts.averted_histogram(mc).properties(width=WIDTH)

# %% [markdown]
# Checks: every draw's optimum spends the budget, and `decide.outlook` with the same seed
# reads the same worlds, so its share of worlds funding each lever is the Monte Carlo's.

# %%
spend = mc[[c for c in mc.columns if c.startswith("spend.")]]
assert (abs(spend.sum(axis=1) - sc.budget) < 1e-6 * sc.budget).all()
same_worlds = decide.outlook(sc, res, n=10_000, seed=1)
p_funded = summary.set_index("quantity")["p_funded"].dropna()
assert (p_funded.rename(lambda q: q.removeprefix("spend.")) == same_worlds.p_funded).all()
percentiles = summary[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
assert (percentiles[:, :-1] <= percentiles[:, 1:]).all()

# %% [markdown]
# ## Which uncertainties drive the spread: Sobol indices
#
# Variance-based global sensitivity of deaths averted (re-optimised per sample): `S1` is
# the share of the variance an assumption explains alone, `ST` its share including its
# interactions; `*_conf` are the 95% confidence half-widths (SALib's bootstrap).

# %%
sobol = decide.sobol(sc, n=512, seed=1)
top = sobol.head(8).assign(label=lambda d: [param_label(sc, p) for p in d["parameter"]])
display(top)
alt.Chart(top.melt(id_vars="label", value_vars=["S1", "ST"], var_name="index")).mark_bar(
).encode(
    x=alt.X("value:Q", title="Share of the variance of deaths averted"),
    y=alt.Y("label:N", sort=list(top["label"]), title=None, axis=alt.Axis(labelLimit=360)),
    yOffset="index:N", color=alt.Color("index:N", title="Sobol index"),
).properties(width=WIDTH - 300, height=300, title="The eight largest total-effect indices")

# %% [markdown]
# Two methods, one answer: the assumption with the largest total-effect index is the one
# with the widest tornado swing.

# %%
print("largest Sobol ST:", sobol.loc[sobol["ST"].idxmax(), "parameter"])
print("widest tornado swing:", tornado.loc[tornado["swing"].idxmax(), "parameter"])
assert sobol.loc[sobol["ST"].idxmax(), "parameter"] == \
    tornado.loc[tornado["swing"].idxmax(), "parameter"]

# %% [markdown]
# A large share of the *variance* of deaths averted does not mean the decision depends on
# it: the Monte Carlo above puts precursor diplomacy at its ceiling in (nearly) every
# draw, whatever its cost. What resolving an uncertainty would be worth to the *decision*
# is the value of information.
#
# ## Value of information: EVPI and EVPPI
#
# EVPI: the deaths a decision-maker who knew every assumption exactly would avert beyond
# the best allocation chosen under uncertainty (in deaths over the horizon, and in the
# budget increase that would avert as many). EVPPI: the same for learning one group of
# assumptions; on its own sample `0 <= EVPPI <= EVPI` holds exactly.

# %%
evpi = decide.evpi(sc, n=10_000, seed=1)
display(evpi[["evpi_deaths", "se_deaths", "evpi_musd_per_year", "se_musd_per_year"]])

groups = [[name] for name in switches["parameter"].unique()]
groups.append([p for p in sc.parameters()["name"] if p.endswith(".cost_per_pct")])
evppi = pd.concat([decide.evppi(sc, g, n=100, inner=200, seed=1) for g in groups],
                  ignore_index=True)
display(evppi[["parameters", "evppi_deaths", "se_deaths", "evpi_deaths",
               "evppi_musd_per_year"]])

# %%
assert (evppi["evppi_deaths"] >= 0).all()
assert (evppi["evppi_deaths"] <= evppi["evpi_deaths"] + 1e-9).all()
assert evpi.loc[0, "evpi_deaths"] >= 0 and evpi.loc[0, "se_deaths"] > 0

# %%
costs = "+".join(groups[-1])
shown = evppi.assign(group=[
    "Every lever's cost of the first 1% cut" if g == costs else param_label(sc, g)
    for g in evppi["parameters"]])
bars = alt.Chart(shown).mark_bar().encode(
    x=alt.X("evppi_deaths:Q", title="EVPPI (deaths over the horizon)"),
    y=alt.Y("group:N", sort="-x", title=None, axis=alt.Axis(labelLimit=480)))
rule = alt.Chart(evpi).mark_rule(color="black", strokeDash=[4, 3]).encode(x="evpi_deaths:Q")
(bars + rule).properties(width=WIDTH - 300,
                         title="Value of learning each group first (dashed: EVPI)")
