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
# # Calibration and out-of-sample validation
#
# **Question.** Does the model's status-quo baseline (deaths with no new spending) match
# the observed US deaths involving synthetic opioids, and how well does it predict a year
# it was not fitted to?
#
# **Assumptions.** The observed data shipped in `inputs/data/` (each row with its source;
# final NCHS counts where they exist, otherwise provisional ones, shifted and widened by
# the provisional-to-final differences of the years that have both). The fitting window
# is the run of consecutive calendar years of DEA's share of pills with a lethal dose
# (the covariate of the dynamic baseline). Three baselines (`docs/model.md` sections 11
# and 12): `flat` (`inputs/baseline.toml` as shipped), `trend` and `dynamic` (the
# `[baseline]` tables kept in `tests/data/baselines/tables.toml`). Priors: each
# parameter's own distribution over its range; the sampler is emcee, 2,000 draws, seed 1.
# The out-of-sample test fits through 2023 and predicts the next observed year; its error
# is reported as measured: nothing here is tuned to it.

# %%
import tomllib
from pathlib import Path

import altair as alt
import pandas as pd
from IPython.display import display

import decide
from decide.analyses import forecast, validation_table
from decide.reporting import charts
from decide.scenario import load_observed

here = Path.cwd()
ROOT = next(p for p in (here, *here.parents, Path(decide.__file__).resolve().parents[1])
            if (p / "inputs" / "baseline.toml").exists())
alt.renderers.enable("png", scale_factor=1.5)  # no network needed to show a chart
pd.set_option("display.precision", 3)
SEED, DRAWS, TRAIN_UNTIL = 1, 2000, 2023

# %% [markdown]
# ## The observed data

# %%
data = load_observed()
deaths = data[data["series"] == "synthetic_opioid_deaths"]
covariate = data[(data["series"] == "dea_pills_lethal_dose_share")
                 & (data["period"] == "calendar")]
display(deaths[["year", "status", "value", "note"]])
display(covariate[["year", "value", "unit", "source"]])

# %% [markdown]
# ## The three baselines

# %%
base = decide.load_scenario(ROOT / "inputs" / "baseline.toml")
tables = tomllib.loads((ROOT / "tests" / "data" / "baselines" / "tables.toml").read_text())


def with_baseline(sc, model):
    """``sc`` with the ``[baseline]`` table of ``model`` (flat: as shipped)."""
    if model == "flat":
        return sc
    raw = sc.to_dict()
    raw["baseline"] = tables[model]
    return decide.Scenario.from_dict(raw, source=f"{sc.source} + [{model}]")


scenarios = {m: with_baseline(base, m) for m in ("flat", "trend", "dynamic")}
print({m: sc.baseline_model for m, sc in scenarios.items()})

# %% [markdown]
# ## Calibration: the dynamic baseline fitted to every observed year
#
# Posterior against prior per parameter (`calibration.level` and `calibration.noise`
# are nuisance parameters of the fit: deaths in the window's first year, and the extra
# noise on the log scale), the fit per year, and the sampler's diagnostics.

# %%
cal = decide.calibrate(scenarios["dynamic"], draws=DRAWS, seed=SEED)
display(cal.summary())
display(cal.fit)
diag = cal.diagnostics
print(f"window {diag['window']}, acceptance {diag['acceptance']:.2f}, "
      f"effective sample size {diag['ess']:,.0f}, {diag['seconds']:.1f} s")
for warning in diag["warnings"]:
    print("warning:", warning)

# %%
charts.fit_chart(cal.fit).properties(width=560)

# %%
assert (cal.fit["low"] <= cal.fit["median"]).all()
assert (cal.fit["median"] <= cal.fit["high"]).all()
assert len(cal.posterior) == DRAWS

# %% [markdown]
# ## Out of sample: fitted through 2023, predicting what came after
#
# For each baseline: calibrate on the years up to 2023 only, then compare the posterior
# predictive of each later observed year with its count (`decide.validate`'s table:
# median, 90% interval, whether the count is inside, and the error of the median). A year
# with only a provisional count is predicted on the provisional scale. `flat` and `trend`
# do not see the covariate; `dynamic` follows it (`docs/model.md` section 12.5 discusses
# the misses).

# %%
fits, rows = {}, []
for model, sc in scenarios.items():
    fits[model] = decide.calibrate(sc, draws=DRAWS, seed=SEED, train_until=TRAIN_UNTIL)
    rows.append(validation_table(fits[model].fit, TRAIN_UNTIL).assign(model=model))
validation = pd.concat(rows, ignore_index=True)
display(validation)
for r in validation.itertuples():
    print(f"{r.model}: {r.year} observed {r.observed:,.0f} ({r.status}); predicted "
          f"{r.predicted:,.0f}, 90% interval {r.low:,.0f}-{r.high:,.0f} "
          f"({'inside' if r.inside else 'outside'}); error {r.error_pct:+.1f}%")

# %%
charts.fit_chart(fits["dynamic"].fit).properties(width=560)

# %% [markdown]
# The table is `decide.validate`'s (same seed, same numbers); each observed count is the
# data file's (the final count where one exists, else the first provisional one listed);
# each error is the median's, as a share of the observed count:

# %%
pd.testing.assert_frame_equal(
    decide.validate(scenarios["flat"], train_until=TRAIN_UNTIL, draws=DRAWS, seed=SEED),
    validation[validation["model"] == "flat"].drop(columns="model").reset_index(drop=True))


def count_used(year):
    rows = deaths[deaths["year"] == year]
    final = rows[rows["status"] == "final"]
    return (final if len(final) else rows)["value"].iloc[0]


for r in validation.itertuples():
    assert r.observed == count_used(r.year)
    assert abs(r.error_pct - 100 * (r.predicted - r.observed) / r.observed) < 1e-9
    assert r.low <= r.predicted <= r.high

# %% [markdown]
# ## A forward prediction, recorded before its outcome is known
#
# `inputs/forecasts.csv` records predictions of a year with no death count yet, each with
# the seed, draws and covariate value it was made with (`docs/model.md` section 12.7).
# Re-running them reproduces the recorded numbers (to the file's rounding to whole
# deaths); once the year's count is in `inputs/data/`, the same cell scores them.

# %%
recorded = pd.read_csv(ROOT / "inputs" / "forecasts.csv")
for row in recorded.itertuples():
    again = forecast(scenarios[row.model], year=row.year, covariate=row.covariate,
                     draws=row.draws, seed=row.seed).iloc[0]
    score = "no count yet"
    if (deaths["year"] == row.year).any():
        y = count_used(row.year)
        score = (f"observed {y:,.0f}, error {100 * (row.median - y) / y:+.1f}%, "
                 f"{'inside' if row.low <= y <= row.high else 'outside'} the interval")
    print(f"{row.model} for {row.year} (made {row.made_on}): {row.median:,.0f} "
          f"[{row.low:,.0f}, {row.high:,.0f}]; re-run {again['median']:,.0f} "
          f"[{again['low']:,.0f}, {again['high']:,.0f}]; {score}")
    for k in ("median", "low", "high"):
        assert abs(again[k] - getattr(row, k)) <= 1, (row.model, k)
