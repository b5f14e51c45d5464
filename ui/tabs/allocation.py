"""The Allocation tab: headline figures, the allocation, least cost and downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import decide
from decide.reporting import export
from decide.reporting.brief import build_briefing
from decide.reporting.outcomes import budget_price_sentence
from decide.reporting.sentences import at_breakpoint, status_sentence

from .. import outcomes
from ..library import (
    LANDING_DRAWS,
    LANDING_SEED,
    decision_basis,
    outlook,
    result_chart,
    toml_of,
)
from ..runs import safe_name

__all__ = ["render", "allocation_table", "least_cost_panel", "downloads"]

def allocation_table(res, out):
    """The allocation as the page shows it: labels, units, P(funded); text for what is
    not a number (never a literal None)."""
    t = res.table
    col = ("marginal_deaths_averted_per_musd" if res.objective == "deaths"
           else "marginal_objective_per_musd")
    unit = "deaths" if res.objective == "deaths" else res.objective_unit
    p_funded = out.p_funded if out is not None else None

    def money(v):
        return "not funded" if v != v else f"{v:,.2f}"

    frame = {"Lever": t["label"], "$M per year": t["spend"], "Share of budget": t["share"],
             f"Deaths averted over {res.scenario.horizon} years": t["deaths_averted"],
             f"Next $1M a year averts ({unit})": t[col] if col in t else float("nan"),
             "$M per death averted": t["cost_per_death_averted"].map(money)}
    if p_funded is not None:
        frame["Funded in (share of worlds)"] = [p_funded.get(k, float("nan"))
                                                for k in t["lever"]]
    return pd.DataFrame(frame)


def render(res, base):
    """The tab for result ``res`` (``base``: the scenario file, for the briefing)."""
    sc = res.scenario
    out = _outlook(res)
    status = status_sentence(res.status, res.gap)
    if status is not None:
        st.warning(status)
    c1, c2, c3 = st.columns(3)
    c1.metric("Deaths averted (base case)", f"{res.deaths_averted:,.1f}",
              help=f"Over {sc.horizon} years with every assumption at its base value; the "
                   "summary above gives the range over plausible worlds")
    c2.metric("Projected deaths", f"{res.deaths:,.0f}",
              help=f"Synthetic-opioid and substitution deaths over {sc.horizon} years, "
                   "with the allocation (base case)")
    c3.metric("Baseline deaths", f"{res.baseline_deaths:,.0f}",
              help=f"Over {sc.horizon} years with no new spending (base case)")
    outcomes.render(res)
    if res.mexico_homicides is not None:
        st.metric("Additional homicides in Mexico", f"{res.mexico_homicides:,.0f}",
                  help="Over the horizon: leadership removals raise them, gun-flow "
                       "enforcement lowers them (see Model & sources)")
    for warning in res.warnings:
        st.warning(warning)
    price = res.shadow_price_bounds.loc["budget"]
    title = ("Budget at a breakpoint" if at_breakpoint(price["left"], price["right"])
             else "Shadow price of the budget")
    st.markdown(f"**{title}:** " + budget_price_sentence(res))
    cost = res.summary()["cost_per_death_averted_musd"]
    st.markdown(f"**Cost per death averted:** ${cost:,.2f}M" if cost == cost else
                "**Cost per death averted:** no deaths averted")
    if res.unspent > 0:
        st.warning(f"${res.unspent:,.1f}M a year left unspent: {res.unspent_reason}")
    if res.objective == "deaths" and not res.phased:
        # lazy: the switching values cost a tornado (~0.3 s); the summary above already
        # says why each lever gets what it gets
        with st.expander("What the decision rests on: the assumption nearest to changing "
                         "the allocation, per lever (from the tornado's switching values)",
                         key="basis_open", on_change="rerun") as box:
            if box.open:
                st.markdown("\n".join(f"- {line}"
                                       for line in decision_basis(toml_of(sc), False)))
    st.subheader("Allocation")
    num = st.column_config.NumberColumn
    unit = "deaths" if res.objective == "deaths" else res.objective_unit
    st.dataframe(allocation_table(res, out), hide_index=True, width="stretch",
                 key="allocation_table", column_config={
                     "Share of budget": num(format="percent"),
                     "$M per year": num(format="%.1f"),
                     f"Deaths averted over {sc.horizon} years": num(format="%.1f"),
                     f"Next $1M a year averts ({unit})": num(format="%.4f", help=(
                         "Over the horizon, per extra $1M a year on this lever")),
                     "Funded in (share of worlds)": num(format="percent", help=(
                         "Share of plausible worlds whose own best allocation funds this "
                         "lever"))})
    st.vega_lite_chart(spec=result_chart(res, "allocation"), width="stretch")
    if res.phased:
        st.subheader("Plan ($M per year)")
        st.dataframe(res.plan.round(1), key="plan_table")
        st.caption(res.tail_note or f"Deaths averted in the tail window after the horizon: "
                   f"{res.tail_deaths_averted:,.1f} (counted by the optimiser, not in the "
                   "figures above).")
    st.subheader("Projected deaths over the horizon")
    st.vega_lite_chart(spec=result_chart(res, "deaths"), width="stretch")
    least_cost_panel(res)
    downloads(res, base)


def _outlook(res):
    """The cached outlook of ``res`` (the landing page's), or None when it fails."""
    try:
        return outlook(toml_of(res.scenario), res.phased, res.objective)
    except decide.DecideError:
        return None


def least_cost_panel(res):
    """The cheapest allocation that averts a target number of deaths."""
    with st.expander("Least cost to reach a target"):
        target = st.number_input("Deaths averted over the horizon", 0.0, 1e9,
                                 float(round(0.5 * res.deaths_averted, 1)), key="lc_target")
        if st.button("Find the least cost", key="lc_run"):
            try:
                lc = decide.least_cost(res.scenario, deaths_averted=float(target))
            except decide.DecideError as exc:
                st.error(str(exc))
                return
            st.markdown(f"**${lc.spend.sum():,.1f}M a year** averts {lc.deaths_averted:,.1f} "
                        f"deaths (within ${lc.cost_gap:,.2f}M of the true least cost).")
            st.dataframe(lc.spend.rename("least-cost $M per year").reset_index(),
                         hide_index=True, key="lc_table")


def downloads(res, base):
    """Allocation (CSV, XLSX), scenario (TOML), results (JSON) and the briefing.

    Each file is built when its button is pressed, and pressing one does not rerun the
    page, so several downloads in quick succession all complete.
    """
    stem = safe_name(res.scenario.name)
    st.subheader("Downloads")
    c1, c2 = st.columns(2)
    c3, c4 = st.columns(2)
    c5, _ = st.columns(2)
    c1.download_button("Download allocation (CSV)", lambda: export.to_csv_bytes(res),
                       file_name=f"{stem}_allocation.csv", mime="text/csv", key="dl_csv",
                       on_click="ignore")
    c2.download_button("Download allocation (XLSX)", lambda: export.to_xlsx_bytes(res),
                       file_name=f"{stem}_allocation.xlsx", key="dl_xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c3.download_button("Download scenario (TOML)", toml_of(res.scenario).encode(),
                       file_name=f"{stem}.toml", mime="application/toml", key="dl_toml",
                       on_click="ignore")
    c4.download_button("Download results (JSON)", lambda: export.to_json_bytes(res),
                       file_name=f"{stem}_result.json", mime="application/json",
                       key="dl_json", on_click="ignore")
    c5.download_button("Download briefing (HTML)", lambda: build_briefing(
                           res, reference=base, n=LANDING_DRAWS, seed=LANDING_SEED,
                           outlook=_outlook(res)).encode(),
                       file_name=f"{stem}_briefing.html", mime="text/html", key="dl_brief",
                       on_click="ignore")
