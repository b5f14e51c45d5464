"""The Evidence tab's logic without streamlit: observed deaths, the fit, prior against
posterior and the out-of-sample test as display tables and sentences.

Inputs are what `decide` returns: `decide.scenario.load_observed` (observed data),
`decide.calibrate` (`Calibration.fit`, `Calibration.summary()`) and `decide.validate`.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["DEATHS_SERIES", "NUISANCE", "observed_deaths", "preferred_deaths",
           "fit_frame", "prior_posterior_table", "validation_table",
           "validation_sentence"]

#: The series the baseline is fitted to (`decide.analyses.calibration.DEATHS_SERIES`).
DEATHS_SERIES = "synthetic_opioid_deaths"
#: Columns of the posterior that are nuisance parameters of the fit, with a description.
NUISANCE = {"calibration.level": "deaths in the window's first year (nuisance)",
            "calibration.noise": "extra log-scale noise of the counts, tau (nuisance)"}


def observed_deaths(data, series=DEATHS_SERIES):
    """Every row of ``series`` in the observed data, final and provisional apart.

    Returns
    -------
    pandas.DataFrame
        ``Year``, ``Status`` (final or provisional), ``Deaths``, ``Period``,
        ``Preferred`` (the first row of its year and status in file order, the one the
        fit uses), ``Source``; sorted by year, final before provisional, file order kept
        within a year and status.
    """
    rows = data[data["series"] == series].reset_index(drop=True)
    preferred = ~rows.duplicated(subset=["year", "status"], keep="first")
    out = pd.DataFrame({"Year": rows["year"].astype(int), "Status": rows["status"],
                        "Deaths": rows["value"].astype(float), "Period": rows["period"],
                        "Preferred": preferred.to_numpy(), "Source": rows["source"]})
    order = out["Status"].map({"final": 0, "provisional": 1})
    return (out.assign(_order=order).sort_values(["Year", "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def preferred_deaths(data, series=DEATHS_SERIES):
    """One count per year and status (the preferred row): ``year``, ``status``,
    ``deaths``, for charting."""
    obs = observed_deaths(data, series)
    obs = obs[obs["Preferred"]]
    return pd.DataFrame({"year": obs["Year"].to_numpy(), "status": obs["Status"].to_numpy(),
                         "deaths": obs["Deaths"].to_numpy()})


def fit_frame(fit, validation=None, projected=None):
    """`Calibration.fit` (and optionally `decide.validate`'s table and the status-quo
    projection of `decide.analyses.calibration.projection`) in long form for a chart:
    ``year``, ``kind`` (``fitted`` for the full-data fit, ``held out`` for the
    out-of-sample prediction, ``projected`` for the baseline over the horizon),
    ``median``, ``low``, ``high``."""
    parts = [pd.DataFrame({"year": fit["year"].astype(int).to_numpy(), "kind": "fitted",
                           "median": fit["median"].to_numpy(), "low": fit["low"].to_numpy(),
                           "high": fit["high"].to_numpy()})]
    if validation is not None and len(validation):
        parts.append(pd.DataFrame({"year": validation["year"].astype(int).to_numpy(),
                                   "kind": "held out",
                                   "median": validation["predicted"].to_numpy(),
                                   "low": validation["low"].to_numpy(),
                                   "high": validation["high"].to_numpy()}))
    if projected is not None and len(projected):
        parts.append(projected.assign(kind="projected")[
            ["year", "kind", "median", "low", "high"]])
    return pd.concat(parts, ignore_index=True)


def prior_posterior_table(summary, labels=None):
    """`Calibration.summary()` for display: one row per calibrated parameter (nuisance
    parameters of the fit last, labelled so), prior and posterior median and 90% interval,
    and how much the data narrowed the interval.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``name``, ``posterior_low/median/high``, ``prior_low/median/high``.
    labels : dict, optional
        Parameter name -> description (e.g. from ``sc.parameters()``).
    """
    labels = dict(labels or {})
    s = summary.copy()
    nuisance = s["name"].isin(list(NUISANCE))
    s = pd.concat([s[~nuisance], s[nuisance]], ignore_index=True)
    prior_width = s["prior_high"] - s["prior_low"]
    post_width = s["posterior_high"] - s["posterior_low"]
    ratio = (post_width / prior_width.where(prior_width > 0)).astype(float)
    return pd.DataFrame({
        "Parameter": s["name"],
        "Description": [NUISANCE.get(n) or labels.get(n, "") for n in s["name"]],
        "Prior median": s["prior_median"], "Prior 5%": s["prior_low"],
        "Prior 95%": s["prior_high"], "Posterior median": s["posterior_median"],
        "Posterior 5%": s["posterior_low"], "Posterior 95%": s["posterior_high"],
        "Interval width vs prior": ratio,
    })


def validation_table(validation):
    """`decide.validate`'s table for display: ``Year``, ``Status``, ``Observed``,
    ``Predicted``, ``90% low``, ``90% high``, ``Inside``, ``Error %`` (predicted minus
    observed, % of observed)."""
    v = validation
    return pd.DataFrame({"Year": v["year"].astype(int).to_numpy(),
                         "Status": v["status"].to_numpy(),
                         "Observed": v["observed"].to_numpy(),
                         "Predicted": v["predicted"].to_numpy(),
                         "90% low": v["low"].to_numpy(), "90% high": v["high"].to_numpy(),
                         "Inside": v["inside"].astype(bool).to_numpy(),
                         "Error %": v["error_pct"].to_numpy()})


def validation_sentence(validation, train_until):
    """The measured out-of-sample result for the first held-out year, as one sentence.

    >>> v = pd.DataFrame({"year": [2024], "status": ["provisional"], "observed": [100.0],
    ...                   "predicted": [110.0], "low": [90.0], "high": [130.0],
    ...                   "inside": [True], "error_pct": [10.0]})
    >>> validation_sentence(v, 2023)  # doctest: +NORMALIZE_WHITESPACE
    'Trained through 2023, the model predicted 110 deaths for 2024 against 100 observed
    (provisional): a 10.0% error (too high), inside its 90% interval (90 to 130).'
    """
    if validation is None or not len(validation):
        return (f"No observed year follows {train_until}: there is nothing to test out of "
                "sample.")
    row = validation.sort_values("year").iloc[0]
    observed, predicted = float(row["observed"]), float(row["predicted"])
    error = (100 * (predicted - observed) / observed if observed
             else math.copysign(math.inf, predicted - observed) if predicted != observed
             else 0.0)
    direction = "too high" if error > 0 else "too low" if error < 0 else "exact"
    inside = observed >= float(row["low"]) and observed <= float(row["high"])
    status = f" ({row['status']})" if str(row.get("status", "")) else ""
    return (f"Trained through {int(train_until)}, the model predicted {predicted:,.0f} deaths "
            f"for {int(row['year'])} against {observed:,.0f} observed{status}: a "
            f"{abs(error):.1f}% error ({direction}), {'inside' if inside else 'outside'} "
            f"its 90% interval ({float(row['low']):,.0f} to {float(row['high']):,.0f}).")
