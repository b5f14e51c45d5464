"""The Evidence tab: observed deaths, the calibrated baseline against them, prior against
posterior, and the out-of-sample test (docs/model.md sections 11-12)."""

from __future__ import annotations

import altair as alt
import streamlit as st

import decide
from decide.analyses.calibration import projection

from .. import evidence
from ..library import observed_data
from .common import store, stored, table_download

__all__ = ["render", "observed_chart", "fit_chart"]

_STATUS_COLORS = alt.Scale(domain=["final", "provisional"], range=["#1f77b4", "#d62728"])


def observed_chart(points):
    """Observed deaths by year, final and provisional counts as separate marks."""
    return alt.Chart(points).mark_line(point=True).encode(
        x=alt.X("year:O", title="Year"),
        y=alt.Y("deaths:Q", title="Synthetic-opioid deaths"),
        color=alt.Color("status:N", title="Count", scale=_STATUS_COLORS),
        shape=alt.Shape("status:N", title="Count"),
        tooltip=["year", "status", alt.Tooltip("deaths:Q", format=",.0f")],
    ).properties(height=280)


def fit_chart(bands, points):
    """The 90% predictive band and median of the fit (and of the held-out prediction
    and the status-quo projection) with the observed counts on top."""
    kinds = alt.Scale(domain=["fitted", "held out", "projected"],
                      range=["#7f7f7f", "#ff7f0e", "#1f77b4"])
    base = alt.Chart(bands).encode(x=alt.X("year:O", title="Year"))
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title="Synthetic-opioid deaths"), y2="high:Q",
        color=alt.Color("kind:N", title="Model (median, 90% band)", scale=kinds))
    median = base.mark_line(point=True).encode(
        y="median:Q", color=alt.Color("kind:N", scale=kinds),
        tooltip=["year", "kind", alt.Tooltip("median:Q", format=",.0f"),
                 alt.Tooltip("low:Q", format=",.0f"), alt.Tooltip("high:Q", format=",.0f")])
    obs = alt.Chart(points).mark_point(size=90, filled=True).encode(
        x="year:O", y="deaths:Q", shape=alt.Shape("status:N", title="Observed"),
        tooltip=["year", "status", alt.Tooltip("deaths:Q", format=",.0f")])
    return (band + median + obs).resolve_scale(color="independent").properties(height=300)


def render(res, base):
    """Observed deaths; on request, calibration and validation of the solved scenario."""
    sc = res.scenario
    data = observed_data()
    st.markdown("US deaths involving synthetic opioids other than methadone (ICD-10 T40.4). "
                "**Final** NCHS counts and **provisional** 12-month-ending counts are "
                "different series and are never merged.")
    obs = evidence.observed_deaths(data)
    points = evidence.preferred_deaths(data)
    st.altair_chart(observed_chart(points), width="stretch")
    with st.expander("Observed counts with their sources"):
        st.dataframe(obs, hide_index=True, key="ev_observed",
                     column_config={"Deaths": st.column_config.NumberColumn(format="%,.0f")})

    st.markdown(f"#### Calibration and out-of-sample test (baseline model: "
                f"`{sc.baseline_model}`)")
    c1, c2, c3 = st.columns(3)
    draws = c1.selectbox("Draws", [500, 1_000, 2_000, 10_000], index=1, key="ev_draws")
    seed = c2.number_input("Seed", 0, 2**31 - 1, 1, key="ev_seed")
    train_until = c3.number_input("Train through year", 2000, 2100, 2023, key="ev_train")
    if st.button("Run calibration and validation", key="ev_run"):
        bar = st.progress(0.0, text="Calibrating to all observed years...")
        try:
            cal = decide.calibrate(sc, draws=int(draws), seed=int(seed), progress=lambda d, t:
                                   bar.progress(0.5 * d / t, text="Calibrating..."))
            val = decide.validate(sc, train_until=int(train_until), draws=int(draws),
                                  seed=int(seed), progress=lambda d, t: bar.progress(
                                      0.5 + 0.5 * d / t, text=f"Fitting through "
                                      f"{int(train_until)} and predicting..."))
        except decide.ScenarioError as exc:
            bar.empty()
            st.error(f"Cannot calibrate: {exc}")
            return
        bar.empty()
        store("evidence", sc, {"calibration": cal, "validation": val,
                               "train_until": int(train_until)})
    run = stored("evidence", sc)
    if run is None:
        st.info("Press Run calibration and validation (1,000 draws take about two seconds).")
        return
    cal, val, train_until = run["calibration"], run["validation"], run["train_until"]

    st.markdown("**Out of sample.** " + evidence.validation_sentence(val, train_until))
    for warning in cal.diagnostics.get("warnings", []):
        st.warning(f"Sampler diagnostics (full-data calibration): {warning}")

    window = cal.diagnostics.get("window")
    shown = points if window is None else points[points["year"].between(*window)]
    projected = None if window is None else projection(cal.scenario, window[1])
    st.altair_chart(fit_chart(evidence.fit_frame(cal.fit, val, projected), shown),
                    width="stretch")
    st.caption("Grey: the baseline calibrated to every observed year (median and 90% "
               f"predictive band). Orange: the prediction when trained through {train_until}"
               " only. Blue: the calibrated status-quo baseline over the scenario's horizon "
               "(median and 90% band over the joint posterior; parameter uncertainty only).")

    st.markdown("**Out-of-sample table**")
    vt = evidence.validation_table(val)
    st.dataframe(vt, hide_index=True, key="ev_validation", column_config={
        c: st.column_config.NumberColumn(format="%,.0f")
        for c in ("Observed", "Predicted", "90% low", "90% high")} | {
        "Error %": st.column_config.NumberColumn(format="%+.1f%%")})
    table_download(val, sc, "validation")

    st.markdown("**Prior against posterior** (90% intervals). Only parameters the deaths "
                "can inform are calibrated; lever effects stay judgement.")
    params = sc.parameters()
    labels = {r.name: f"{r.unit} ({r.confidence})" for r in params.itertuples(index=False)}
    st.dataframe(evidence.prior_posterior_table(cal.summary(), labels), hide_index=True,
                 key="ev_posterior", column_config={"Interval width vs prior":
                                                    st.column_config.NumberColumn(
                                                        format="percent")})
    d = cal.diagnostics
    st.caption(f"emcee: {d.get('walkers')} walkers, {d.get('steps')} steps after "
               f"{d.get('burn')} burn-in, acceptance {d.get('acceptance', float('nan')):.2f}, "
               f"effective sample size {d.get('ess', float('nan')):,.0f}, "
               f"{d.get('seconds', float('nan')):.1f} s.")
