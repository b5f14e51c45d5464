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
# # Where the decision breaks, and what a panel of experts would do
#
# **Questions.** (1) In which region of the assumptions does the baseline allocation stop
# being the right one? Scenario discovery answers with a few *boxes* - a handful of
# assumptions each restricted to a range - where failures concentrate. (2) If three
# experts with different beliefs each chose an allocation, how much would each lose under
# the others' beliefs, and is there one allocation none of them would regret much?
#
# **Assumptions.** `inputs/baseline.toml`. Failure here is `top_lever`: a world's own
# optimum puts the most money on a different lever than the baseline allocation does.
# PRIM (the EMA Workbench's implementation) peels on half of 10,000 re-optimised draws
# (seed 1) and every box is checked on the other, held-out half; a box is kept only when
# its held-out density is at least 50% and significantly above the base rate. The panel is
# `inputs/experts/`: three **illustrative** experts built from published positions, not
# elicited (docs/experts.md), 2,000 draws each (seed 0), weighted equally because none
# answered the seed questions.

# %%
import math
from pathlib import Path

import altair as alt
import pandas as pd
from IPython.display import display

import decide
from decide.reporting.labels import param_label

here = Path.cwd()
ROOT = next(p for p in (here, *here.parents, Path(decide.__file__).resolve().parents[1])
            if (p / "inputs" / "baseline.toml").exists())
alt.renderers.enable("png", scale_factor=1.5)  # no network needed to show a chart
pd.set_option("display.precision", 3)

sc = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
res = decide.optimize(sc)
display(res.spend.to_frame("baseline allocation ($M per year)"))

# %% [markdown]
# ## Scenario discovery

# %%
found = decide.discover(sc, n=10_000, seed=1, failure="top_lever")
print("\n".join(found.describe()))
display(found.boxes)
display(found.restrictions[["box", "parameter", "low", "high", "side", "unit",
                            "range_low", "range_high"]])

# %% [markdown]
# The figures to quote are the held-out ones. Recomputed from the draws: the base rate is
# the share of all draws that fail; a box's held-out coverage is the share of held-out
# failures inside it, and its density the share of held-out draws inside it that fail.

# %%
draws = found.draws
held = draws[~draws["learning"]]
assert found.base_rate == draws["failed"].mean()
for box in found.boxes.itertuples():
    inside = held[held["box"] == box.box]  # held-out draws in this box and no earlier one
    assert math.isclose(box.density, inside["failed"].mean()) and box.density >= 0.5
    assert math.isclose(box.coverage, inside["failed"].sum() / held["failed"].sum())
    assert box.p_value < 0.01

# %% [markdown]
# The first box drawn on its two first-listed assumptions: held-out draws, failing ones
# in orange, the box's limits on those two as a rectangle (its other restrictions are not
# shown, so some draws inside the rectangle lie outside the box).

# %%
if found.boxes.empty:
    print("No box was kept:", found.note)
else:
    limits = found.restrictions[found.restrictions["box"] == 1].head(2)
    x, y = limits["parameter"]
    sample = pd.DataFrame({  # plain column names: Vega-Lite reads dots as nesting
        "x": held[x], "y": held[y],
        "outcome": held["failed"].map({True: "fails", False: "holds"})}).sample(
        3000, random_state=0)
    points = alt.Chart(sample).mark_circle(size=12, opacity=0.5).encode(
        x=alt.X("x:Q", title=param_label(sc, x)),
        y=alt.Y("y:Q", title=param_label(sc, y)),
        color=alt.Color("outcome:N", title="Baseline allocation",
                        scale=alt.Scale(domain=["holds", "fails"],
                                        range=["#4c78a8", "#f58518"])))
    rect = pd.DataFrame({"x": [limits["low"].iloc[0]], "x2": [limits["high"].iloc[0]],
                         "y": [limits["low"].iloc[1]], "y2": [limits["high"].iloc[1]]})
    box = alt.Chart(rect).mark_rect(fill=None, stroke="black", strokeWidth=2).encode(
        x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q")
    display((points + box).properties(width=480, height=360,
                                      title="Box 1 on its first two assumptions"))

# %% [markdown]
# ## The expert panel
#
# Each expert's file overrides a few of the scenario's assumptions. Every expert gets the
# allocation that minimises expected deaths under their own beliefs; the *cross-regret*
# `R[i, j]` is the extra deaths expected, under expert `j`'s beliefs, from following
# allocation `i` instead of `j`'s own. The pooled allocation mixes their beliefs; the
# robust one minimises the largest cross-regret over the experts.

# %%
panel = decide.experts(sc, ROOT / "inputs" / "experts", n=2000, seed=0)
display(panel.experts[["illustrative", "parameters", "weight"]])
print(panel.note)
display(panel.allocations)
display(panel.cross_regret)
display(panel.worst_case().to_frame())
for sentence in panel.describe():
    print("-", sentence)

# %% [markdown]
# Checks, from the definitions: following one's own allocation costs nothing under one's
# own beliefs, no allocation beats an expert's own by more than its certified gap, every
# allocation spends the budget, and the robust allocation's worst case is no worse
# (within its gap) than any other candidate's.

# %%
experts = list(panel.experts.index)
cross = panel.cross_regret
gaps = panel.allocations["gap"]
assert all(cross.loc[e, e] == 0 for e in experts)
assert all((cross[e] >= -gaps[e] - 1e-9).all() for e in experts)
spend = panel.allocations[sc.lever_names].sum(axis=1)
assert (abs(spend - sc.budget) < 1e-6 * sc.budget).all()
worst = panel.worst_case()
assert worst["robust"] <= worst.min() + gaps["robust"] + 1e-9
assert abs(worst["robust"] - panel.robust_value) < 1e-9
