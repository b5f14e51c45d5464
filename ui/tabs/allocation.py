"""The Allocation tab: headline figures, the allocation, least cost and downloads."""

from __future__ import annotations

import streamlit as st

import decide
from decide.reporting import briefing_html, charts, export
from decide.reporting.outcomes import budget_price_sentence
from decide.reporting.sentences import at_breakpoint, status_sentence

from .. import outcomes
from ..library import decision_basis
from ..runs import safe_name
from .common import stored

__all__ = ["render", "least_cost_panel", "downloads"]

_COLUMNS = {"label": "Lever", "spend": "$M per year", "share": "Share",
            "deaths_averted": "Deaths averted",
            "marginal_deaths_averted_per_musd": "Marginal deaths averted per $1M/yr",
            "cost_per_death_averted": "$M per death averted", "reduced_cost": "Reduced cost"}


def render(res, base):
    """The tab for result ``res`` (``base``: the scenario file, for the briefing)."""
    sc = res.scenario
    status = status_sentence(res.status, res.gap)
    if status is not None:
        st.warning(status)
    c1, c2 = st.columns(2)
    c3, c4 = st.columns(2)  # two by two: readable down to 800 px windows
    c1.metric("Projected deaths", f"{res.deaths:,.0f}",
              help=f"Synthetic-opioid and substitution deaths over {sc.horizon} years")
    c2.metric("Deaths averted", f"{res.deaths_averted:,.1f}")
    c3.metric("Baseline deaths", f"{res.baseline_deaths:,.0f}", help="With no new spending")
    c4.metric(f"Certified gap ({res.objective_unit})", f"{res.gap:.4f}",
              help="The true optimum reaches at most this much more of the objective")
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
    basis = decision_basis(sc.to_toml(), res.phased) if res.objective == "deaths" else []
    if basis:
        st.markdown("**What the decision rests on** (the assumption nearest to changing "
                    "the allocation, per lever; from the tornado's switching values):\n"
                    + "\n".join(f"- {line}" for line in basis))
    st.subheader("Allocation")
    table = res.table.rename(columns=_COLUMNS).drop(columns="lever")
    num = st.column_config.NumberColumn
    st.dataframe(table, hide_index=True, width="stretch", key="allocation_table",
                 column_config={"Share": num(format="percent"),
                                "$M per year": num(format="%.1f"),
                                "Deaths averted": num(format="%.1f"),
                                "Marginal deaths averted per $1M/yr": num(format="%.4f"),
                                "$M per death averted": num(format="%.2f"),
                                "Reduced cost": num(format="%+.4f", help=(
                                    "Deaths averted gained (+) or lost (-) per $1M a year "
                                    "moved onto this lever from the marginal one"))})
    st.caption("Empty cost per death: the lever is not funded.")
    st.altair_chart(charts.allocation_chart(res), width="stretch")
    if res.phased:
        st.subheader("Plan ($M per year)")
        st.dataframe(res.plan.round(1), key="plan_table")
        st.caption(f"Deaths averted in the tail window after the horizon: "
                   f"{res.tail_deaths_averted:,.1f} (counted by the optimiser, not in the "
                   "metrics above).")
    st.subheader("Projected deaths over the horizon")
    st.altair_chart(charts.deaths_chart(res), width="stretch")
    least_cost_panel(res)
    downloads(res, base)


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
    """Allocation (CSV, XLSX), scenario (TOML), results (JSON) and the briefing."""
    stem = safe_name(res.scenario.name)
    st.subheader("Downloads")
    c1, c2 = st.columns(2)
    c3, c4 = st.columns(2)
    c5, _ = st.columns(2)
    c1.download_button("Download allocation (CSV)", export.to_csv_bytes(res),
                       file_name=f"{stem}_allocation.csv", mime="text/csv", key="dl_csv")
    c2.download_button("Download allocation (XLSX)", export.to_xlsx_bytes(res),
                       file_name=f"{stem}_allocation.xlsx", key="dl_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c3.download_button("Download scenario (TOML)", res.scenario.to_toml().encode(),
                       file_name=f"{stem}.toml", mime="application/toml", key="dl_toml")
    c4.download_button("Download results (JSON)", export.to_json_bytes(res),
                       file_name=f"{stem}_result.json", mime="application/json", key="dl_json")
    mc = stored("monte_carlo", res.scenario)
    c5.download_button("Download briefing (HTML)",
                       briefing_html(res, reference=base, monte_carlo=mc).encode(),
                       file_name=f"{stem}_briefing.html", mime="text/html", key="dl_brief")
