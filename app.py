"""decide: the Streamlit front end. Wiring only: widgets -> Scenario -> decide -> views.

Run with ``make run`` (http://localhost:8501). Every assumption of the chosen scenario is
a control; the current overrides live in the URL so a link restores them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

import decide
from decide import analyses
from decide.reporting import CAVEATS, briefing_html, charts, compare, export
from decide.scenario import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parent
INPUTS = ROOT / "inputs"
DEFAULT = "baseline.toml"
W = "w:"  # prefix of widget keys; the rest is the override key they set

st.set_page_config(page_title="decide - counter-fentanyl budget allocation", page_icon="⚖",
                   layout="wide")


# -- cached library calls (caching lives here, never in the library) ----------------------
@st.cache_data(show_spinner=False, max_entries=32)
def load_file(name: str) -> str:
    return (INPUTS / name).read_text(encoding="utf-8")


@st.cache_resource(show_spinner=False, max_entries=64)
def solve(toml_text: str, phasing: bool = False):
    return decide.optimize(decide.parse_scenario(toml_text.encode(), source="app settings"),
                           phasing=phasing)


@st.cache_data(show_spinner=False, max_entries=8)
def docs_text() -> str:
    path = ROOT / "docs" / "model.md"
    return path.read_text(encoding="utf-8") if path.exists() else "docs/model.md is missing."


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:60] or "scenario"


# -- the base scenario: a bundled file or an upload ------------------------------------
def scenario_files():
    return sorted(p.name for p in INPUTS.glob("*.toml"))


def base_scenario():
    """(scenario, identity) for the file picked or uploaded."""
    upload = st.session_state.get("upload_ok")
    if upload is not None:
        name, data, kind = upload
        return decide.parse_scenario(data, source=name, kind=kind), f"upload:{name}"
    name = st.session_state.get("scenario_file", DEFAULT)
    return decide.parse_scenario(load_file(name).encode(), source=f"inputs/{name}"), \
        f"file:{name}"


def reset_widgets():
    for key in [k for k in st.session_state if str(k).startswith(W)]:
        del st.session_state[key]


def on_upload():
    file = st.session_state.get("upload")
    st.session_state.pop("upload_error", None)
    if file is None:
        st.session_state.pop("upload_ok", None)
        reset_widgets()
        return
    data = file.getvalue()
    kind = "json" if file.name.lower().endswith(".json") else "toml"
    try:
        if len(data) > MAX_FILE_BYTES:
            raise decide.ScenarioError(f"file is {len(data):,} bytes; uploads are limited to "
                                       f"{MAX_FILE_BYTES:,} bytes (1 MB)", file=file.name)
        decide.parse_scenario(data, source=file.name, kind=kind)
    except decide.ScenarioError as exc:
        st.session_state["upload_error"] = str(exc)
        return
    st.session_state["upload_ok"] = (file.name, data, kind)
    reset_widgets()


def on_pick():
    st.session_state.pop("upload_ok", None)
    reset_widgets()
    st.query_params.clear()


def restore_from_url(base):
    """On a session's first run, apply the overrides carried in the URL."""
    if st.session_state.get("url_loaded"):
        return
    st.session_state["url_loaded"] = True
    allowed = set(base.override_keys())
    for key, text in st.query_params.items():
        if key == "constraints":
            import json

            try:
                st.session_state[W + key] = "\n".join(json.loads(text))
            except (ValueError, TypeError):
                st.session_state[W + key] = text
        elif key in allowed:
            st.session_state[W + key] = None if text == "none" else _number(text)
        elif key == "phasing":
            st.session_state["phasing"] = text == "1"


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return text  # the Scenario will name the bad value
    return int(value) if value.is_integer() else value


# -- controls ---------------------------------------------------------------------------
def _default(key, value):
    if W + key not in st.session_state:
        st.session_state[W + key] = value


def param_control(row):
    key = row.name
    _default(key, float(row.base))
    short = key.split(".")[-1].replace("_", " ")
    mark = " ◆ judgement" if row.confidence == "judgement" else ""
    help_text = (f"Unit: {row.unit}. Range {row.low:g} to {row.high:g}. "
                 f"Confidence: {row.confidence}. Source: {row.source}")
    if row.low == row.high:
        st.number_input(f"{short}{mark}", key=W + key, help=help_text, disabled=True,
                        format="%g")
        return
    st.slider(f"{short} ({row.unit}){mark}", min_value=float(row.low),
              max_value=float(row.high), step=(row.high - row.low) / 100, key=W + key,
              help=help_text, format="%.4g")


def sidebar(base):
    params = base.parameters().set_index("name", drop=False)
    with st.sidebar:
        st.header("Scenario")
        files = scenario_files()
        st.selectbox("Scenario file", files, key="scenario_file", on_change=on_pick,
                     index=files.index(DEFAULT) if DEFAULT in files else 0)
        st.file_uploader("Upload a scenario (.toml or exported .json, at most 1 MB)",
                         type=["toml", "json"], key="upload", on_change=on_upload)
        if st.session_state.get("upload_error"):
            st.error(st.session_state["upload_error"])
        if st.session_state.get("upload_ok"):
            st.caption(f"Using uploaded file {st.session_state['upload_ok'][0]}. The page's "
                       "link carries your changes but not the file: share the file too.")
        if st.button("Reset to scenario", key="reset"):
            reset_widgets()
            st.query_params.clear()
            st.rerun()
        st.checkbox("Plan year by year (phasing)", key="phasing",
                    help="Spend per lever per year; effects follow each lever's onset lag "
                         "and adaptation; late spending is credited in a tail window")
        _default("budget", float(base.budget))
        st.number_input("Budget ($M per year)", min_value=0.0, max_value=1e9, step=50.0,
                        key=W + "budget", help=f"Incremental spend, {base.dollar_year} dollars")
        _default("horizon", int(base.horizon))
        st.slider("Horizon (years)", 1, 50, key=W + "horizon")
        with st.expander("Market and deaths"):
            _default("discount_rate", float(base.discount_rate))
            st.number_input("discount rate (fraction per year)", 0.0, 0.2, step=0.01,
                            key=W + "discount_rate",
                            help="Discounts future deaths in the objective only")
            for name in params.index[params.index.str.startswith("market.")]:
                param_control(params.loc[name])
        if base.interactions:
            with st.expander("Interactions between levers"):
                for name in params.index[params.index.str.startswith("interactions.")]:
                    param_control(params.loc[name])
        with st.expander("Custom constraints"):
            _default("constraints", "\n".join(c.text for c in base.constraints))
            st.text_area("One per line, e.g. financial >= 0.5 * counter_network",
                         key=W + "constraints", help="Linear in lever spends ($M per year): "
                         + ", ".join(base.lever_names))
        if base.mexico is not None:
            with st.expander("Mexico violence"):
                _default("max_mexico_homicides", base.max_mexico_homicides)
                st.number_input("max additional homicides in Mexico over the horizon "
                                "(empty = no cap)", -1e9, 1e9, step=100.0,
                                key=W + "max_mexico_homicides")
                for name in params.index[params.index.str.startswith("mexico.")]:
                    param_control(params.loc[name])
        for lv in base.levers:
            with st.expander(f"{lv.label}{' (demand side)' if lv.is_demand else ''}"):
                pre = f"levers.{lv.name}"
                _default(f"{pre}.floor", float(lv.floor))
                st.number_input("floor ($M per year)", 0.0, 1e9, step=25.0,
                                key=W + f"{pre}.floor")
                _default(f"{pre}.ceiling", lv.ceiling)
                st.number_input("ceiling ($M per year; empty = none)", 0.0, 1e9, step=25.0,
                                key=W + f"{pre}.ceiling")
                _default(f"{pre}.lock", lv.lock)
                st.number_input("lock at ($M per year; empty = free)", 0.0, 1e9, step=25.0,
                                key=W + f"{pre}.lock")
                _default(f"{pre}.min_size", lv.min_size)
                st.number_input("minimum programme size ($M per year; empty = none)", 0.0,
                                1e9, step=25.0, key=W + f"{pre}.min_size",
                                help="Spend is 0 or at least this (solved as a MILP)")
                _default(f"{pre}.startup_cost", float(lv.startup_cost))
                st.number_input("start-up cost ($M, amortised over the horizon)", 0.0, 1e9,
                                step=25.0, key=W + f"{pre}.startup_cost")
                for name in params.index[params.index.str.startswith(pre + ".")]:
                    param_control(params.loc[name])
        st.caption("◆ judgement: a prior with no empirical estimate behind it.")


def current_overrides(base):
    values = base.flat_values()
    out = {}
    for key, value in values.items():
        widget = st.session_state.get(W + key, value)
        if key == "constraints" and isinstance(widget, str):
            widget = [line.strip() for line in widget.splitlines() if line.strip()]
        if widget != value:
            out[key] = widget
    return out


def sync_url(identity, overrides):
    import json

    wanted = {"scenario": identity.split(":", 1)[1]} if identity.startswith("file:") else {}
    wanted.update({k: "none" if v is None else json.dumps(v) if isinstance(v, list)
                   else f"{v:g}" if isinstance(v, float) else str(v)
                   for k, v in overrides.items()})
    if st.session_state.get("phasing"):
        wanted["phasing"] = "1"
    if dict(st.query_params) != wanted:
        st.query_params.clear()
        st.query_params.update(wanted)


# -- views ------------------------------------------------------------------------------
def results(res, base):
    sc = res.scenario
    c1, c2 = st.columns(2)
    c3, c4 = st.columns(2)  # two by two: readable down to 800 px windows
    c1.metric("Projected deaths", f"{res.deaths:,.0f}",
              help=f"Synthetic-opioid and substitution deaths over {sc.horizon} years")
    c2.metric("Deaths averted", f"{res.deaths_averted:,.1f}")
    c3.metric("Baseline deaths", f"{res.baseline_deaths:,.0f}", help="With no new spending")
    c4.metric("Certified gap (deaths)", f"{res.gap:.4f}",
              help="The true optimum averts at most this many more deaths")
    if res.mexico_homicides is not None:
        st.metric("Additional homicides in Mexico", f"{res.mexico_homicides:,.0f}",
                  help="Over the horizon: leadership removals raise them, gun-flow "
                       "enforcement lowers them (see Model & sources)")
    for warning in res.warnings:
        st.warning(warning)
    price = res.shadow_price_bounds.loc["budget"]
    s = res.summary()
    if abs(price["left"] - price["right"]) > 1e-9:
        st.markdown(f"**Budget at a breakpoint:** the last $1M a year averts "
                    f"{price['left']:.3f} deaths over {sc.horizon} years; the next $1M would "
                    f"avert {price['right']:.3f}.")
    else:
        st.markdown(f"**Shadow price of the budget:** an extra $100M a year for {sc.horizon} "
                    f"years would avert about **{100 * price['right']:,.1f} deaths** "
                    f"({price['right']:.4f} per extra $1M a year).")
    cost = s["cost_per_death_averted_musd"]
    st.markdown(f"**Cost per death averted:** ${cost:,.2f}M" if cost == cost else
                "**Cost per death averted:** no deaths averted")
    if res.unspent > 0:
        st.warning(f"${res.unspent:,.1f}M a year left unspent: {res.unspent_reason}")
    st.subheader("Allocation")
    table = res.table.rename(columns={
        "label": "Lever", "spend": "$M per year", "share": "Share",
        "deaths_averted": "Deaths averted", "marginal_deaths_averted_per_musd":
        "Marginal deaths averted per $1M/yr", "cost_per_death_averted":
        "$M per death averted", "reduced_cost": "Reduced cost"}).drop(columns="lever")
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
    mc = st.session_state.get("mc", {}).get(res.scenario.sha256())
    c5.download_button("Download briefing (HTML)",
                       briefing_html(res, reference=base, monte_carlo=mc).encode(),
                       file_name=f"{stem}_briefing.html", mime="text/html", key="dl_brief")


def monte_carlo_tab(sc):
    st.markdown("Every assumption is drawn from PERT(low, base, high) and the allocation is "
                "**re-optimised for each draw**: how often is each lever worth funding?")
    c1, c2 = st.columns(2)
    n = c1.selectbox("Draws", [1_000, 10_000, 50_000], index=1, key="mc_n")
    seed = c2.number_input("Seed", 0, 2**31 - 1, 1, key="mc_seed")
    store = st.session_state.setdefault("mc", {})
    key = sc.sha256()
    if st.button("Run Monte Carlo", key="mc_run"):
        bar = st.progress(0.0, text="Sampling and re-optimising...")
        frames = []
        for frame in decide.monte_carlo_chunks(sc, n=int(n), seed=int(seed), chunk=2_000):
            frames.append(frame)
            done = sum(len(f) for f in frames)
            bar.progress(done / n, text=f"{done:,} of {n:,} draws")
        mc = pd.concat(frames, ignore_index=True)
        mc.attrs.update(frames[0].attrs)
        store.clear()
        store[key] = mc
        bar.empty()
    mc = store.get(key)
    if mc is None:
        st.info("Press Run Monte Carlo (10,000 draws take about a second).")
        return
    labels = {lv.name: lv.label for lv in sc.levers}
    q = mc["deaths_averted"].quantile([0.05, 0.5, 0.95])
    st.markdown(f"{len(mc):,} draws (engine: {mc.attrs.get('engine')}). Deaths averted: "
                f"median **{q[0.5]:,.0f}**, 90% interval {q[0.05]:,.0f} to {q[0.95]:,.0f}.")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.funded_chart(mc, labels), width="stretch")
    c2.altair_chart(charts.averted_histogram(mc), width="stretch")
    summary = decide.summarize(mc).rename(columns={"p_funded": "Funded"})
    summary.insert(0, "Lever", [labels.get(q[6:], q) for q in summary["quantity"]])
    st.dataframe(summary, hide_index=True, key="mc_table",
                 column_config={"Funded": st.column_config.NumberColumn(format="percent")})
    st.download_button("Download Monte Carlo draws (CSV)", mc.to_csv(index=False).encode(),
                       file_name=f"{safe_name(sc.name)}_monte_carlo.csv", key="dl_mc")


def _stored(name, sc):
    """The last result of analysis ``name`` for this exact scenario, if any."""
    return st.session_state.setdefault("analyses", {}).get((name, sc.sha256()))


def _store(name, sc, value):
    store = st.session_state.setdefault("analyses", {})
    for key in [k for k in store if k[0] == name]:
        del store[key]  # keep one result per analysis
    store[(name, sc.sha256())] = value


def _table_download(df, sc, name):
    st.download_button(f"Download {name} (CSV)", df.to_csv(index=False).encode(),
                       file_name=f"{safe_name(sc.name)}_{name}.csv", mime="text/csv",
                       key=f"dl_{name}")


def frontier_tab(sc):
    st.markdown("The optimal allocation as the budget grows, with deaths averted and the "
                "marginal value of the next $1M a year.")
    top = st.number_input("Largest budget ($M per year)", 0.0, 1e9, float(5 * sc.budget),
                          step=250.0, key="fr_max")
    if st.button("Run frontier", key="fr_run"):
        bar = st.progress(0.0, text="Optimising across budgets...")
        f = analyses.frontier(sc, budgets=np.linspace(0.0, top, 21),
                              progress=lambda d, t: bar.progress(d / t, text=f"{d}/{t}"))
        bar.empty()
        _store("frontier", sc, f)
    f = _stored("frontier", sc)
    if f is None:
        st.info("Press Run frontier (about a second).")
        return
    st.altair_chart(charts.frontier_chart(f), width="stretch")
    wide = f.pivot_table(index="budget", columns="lever", values="spend").reset_index()
    summary = f.drop_duplicates("budget")[["budget", "deaths_averted",
                                           "marginal_deaths_averted_per_musd"]]
    st.dataframe(wide.merge(summary, on="budget"), hide_index=True, key="fr_table")
    _table_download(f, sc, "frontier")


def tornado_tab(sc):
    st.markdown("Each assumption at its low and its high value, **re-optimising** the "
                "allocation: which assumptions move deaths averted most, and which change "
                "the decision (and at what value)?")
    if st.button("Run tornado", key="to_run"):
        bar = st.progress(0.0, text="Re-optimising at each low and high value...")
        t = analyses.tornado(sc, progress=lambda d, n: bar.progress(d / n, text=f"{d}/{n}"))
        bar.empty()
        _store("tornado", sc, t)
    t = _stored("tornado", sc)
    if t is None:
        st.info("Press Run tornado (a few seconds: two optimisations per assumption, more "
                "where the decision switches).")
        return
    st.altair_chart(charts.tornado_chart(t), width="stretch")
    switches = t[t["allocation_changed"]]
    if len(switches):
        st.markdown("**Assumptions that change the decision:** " + "; ".join(
            f"{r.parameter} at its {r.side} side (switches at {r.switching_value:.4g})"
            for r in switches.itertuples()))
    else:
        st.markdown("**No single assumption, moved to its low or high value, changes "
                    "which levers are funded or moves more than 10% of the budget.**")
    st.dataframe(t, hide_index=True, key="to_table")
    _table_download(t, sc, "tornado")


def robust_tab(sc):
    st.markdown("One allocation for all draws of the assumptions: minimise expected "
                "deaths, the worst regret, or the CVaR of deaths or regret.")
    c1, c2, c3 = st.columns(3)
    objective = c1.selectbox("Objective", ["expected", "regret", "cvar", "cvar_regret"],
                             key="ro_obj")
    n = c2.selectbox("Draws", [200, 500, 1000], index=1, key="ro_n")
    alpha = c3.slider("CVaR level", 0.5, 0.99, 0.9, key="ro_alpha")
    if st.button("Run robust allocation", key="ro_run"):
        with st.spinner("Solving with a certified gap..."):
            _store("robust", sc, analyses.robust(sc, n=int(n), seed=1, objective=objective,
                                                 alpha=alpha))
    r = _stored("robust", sc)
    if r is None:
        st.info("Press Run robust allocation.")
        return
    st.markdown(f"**{r.objective}** over {len(r.draws)} draws: {r.value:,.2f} deaths "
                f"(certified gap {r.gap:.4f}). Method: {r.method}.")
    st.dataframe(r.spend.rename("$M per year").reset_index(), hide_index=True,
                 key="ro_spend")
    st.markdown("Out of sample (fresh draws): the robust allocation against the "
                "base-case optimum.")
    st.dataframe(r.out_of_sample, hide_index=True, key="ro_oos")
    _table_download(r.draws, sc, "robust_draws")


def voi_tab(sc):
    st.markdown("How much would it be worth to know? **EVPI**: the deaths that perfect "
                "information about every assumption would avert by improving the "
                "decision; **EVPPI**: the same for one assumption (or a group). Also in $M "
                "a year at the budget's marginal cost per death averted.")
    names = list(sc.parameters().query("low < high")["name"])
    c1, c2 = st.columns(2)
    n = c1.selectbox("Draws for EVPI", [1_000, 5_000, 20_000], index=1, key="voi_n")
    chosen = c2.multiselect("EVPPI for", names, default=names[:0], key="voi_params")
    if st.button("Run value of information", key="voi_run"):
        bar = st.progress(0.0, text="EVPI...")
        rows = [analyses.evpi(sc, n=int(n), seed=1)]
        table = []
        for k, name in enumerate(chosen):
            bar.progress((k + 1) / (len(chosen) + 1), text=f"EVPPI {name}")
            table.append(analyses.evppi(sc, name, n=40, inner=100, seed=1))
        bar.empty()
        _store("voi", sc, (rows[0], pd.concat(table, ignore_index=True) if table else None))
    stored = _stored("voi", sc)
    if stored is None:
        st.info("Press Run value of information.")
        return
    e, p = stored
    r = e.iloc[0]
    st.metric("EVPI (deaths over the horizon)", f"{r['evpi_deaths']:,.1f} "
              f"± {r['se_deaths']:,.1f}")
    st.markdown(f"Worth about **${r['evpi_musd_per_year']:,.1f}M a year** of budget at "
                "the marginal cost per death averted.")
    st.dataframe(e, hide_index=True, key="voi_evpi")
    if p is not None:
        st.dataframe(p, hide_index=True, key="voi_evppi")
        _table_download(p, sc, "evppi")
    _table_download(e, sc, "evpi")


def pareto_tab(sc):
    if sc.mexico is None:
        st.info("This scenario has no [mexico] table, so the violence outcome is not "
                "modelled.")
        return
    st.markdown("Kingpin strikes raise homicides in Mexico; gun-flow enforcement lowers "
                "them. The frontier shows the fewest US overdose deaths reachable for each "
                "cap on additional homicides in Mexico.")
    if st.button("Run the trade-off", key="pa_run"):
        with st.spinner("Optimising under each cap..."):
            _store("pareto", sc, decide.pareto(sc, n=11))
    p = _stored("pareto", sc)
    if p is None:
        st.info("Press Run the trade-off.")
        return
    st.altair_chart(charts.pareto_chart(p), width="stretch")
    st.dataframe(p, hide_index=True, key="pa_table")
    _table_download(p, sc, "pareto")


def compare_tab(res, base):
    options = ["Saved scenario (without my changes)"] + scenario_files()
    choice = st.selectbox("Compare the current settings with", options, key="cmp_choice")
    try:
        other_sc = base if choice == options[0] else decide.parse_scenario(
            load_file(choice).encode(), source=f"inputs/{choice}")
        other = solve(other_sc.to_toml())
    except decide.DecideError as exc:
        st.error(str(exc))
        return
    allocations, summary, assumptions = compare(res, other, names=("current", "other"))
    c1, c2 = st.columns(2)
    c1.markdown("**Allocations ($M per year)**")
    c1.dataframe(allocations, hide_index=True, key="cmp_alloc")
    c2.markdown("**Deaths over the horizon**")
    c2.dataframe(summary, hide_index=True, key="cmp_summary")
    st.markdown(f"**Assumptions that differ** ({len(assumptions)})")
    if len(assumptions):
        st.dataframe(assumptions.astype(str), hide_index=True, key="cmp_diff")
    else:
        st.caption("None: the two runs use the same assumptions.")


def sources_tab(sc):
    st.markdown("### Caveats")
    st.markdown("\n".join(f"{i}. {c}" for i, c in enumerate(CAVEATS, 1)))
    st.markdown("### Parameters and sources")
    st.dataframe(sc.parameters(), hide_index=True, key="sources_table")
    with st.expander("Model documentation (equations, proof of exactness, checks)"):
        st.markdown(docs_text())


# -- page ---------------------------------------------------------------------------------
def main():
    st.title("Where should the next counter-fentanyl dollar go?")
    st.caption("Minimise projected US overdose deaths across policy levers, exactly, with "
               "every assumption a control. Lever effects are judgement priors: see "
               "Model & sources.")
    if "scenario_file" not in st.session_state:
        wanted = st.query_params.get("scenario", DEFAULT)
        st.session_state["scenario_file"] = wanted if wanted in scenario_files() else DEFAULT
    try:
        base, identity = base_scenario()
    except decide.ScenarioError as exc:
        st.error(f"Cannot load the scenario: {exc}")
        return
    restore_from_url(base)
    sidebar(base)
    overrides = current_overrides(base)
    try:
        sc = base.with_overrides(overrides, source="app settings")
    except decide.ScenarioError as exc:
        st.error(str(exc))
        return
    sync_url(identity, overrides)
    st.session_state["solved_scenario"] = sc  # for tests and the compare tab
    try:
        res = solve(sc.to_toml(), bool(st.session_state.get("phasing")))
    except decide.InfeasibleError as exc:
        st.error(f"Infeasible: {exc}")
        return
    except decide.SolverError as exc:
        st.error(f"Solver failure: {exc}")
        return
    tabs = st.tabs(["Allocation", "Frontier", "Tornado", "Monte Carlo", "Robust",
                    "Value of information", "Mexico trade-off", "Compare", "Model & sources"])
    views = [(results, (res, base)), (frontier_tab, (sc,)), (tornado_tab, (sc,)),
             (monte_carlo_tab, (sc,)), (robust_tab, (sc,)), (voi_tab, (sc,)),
             (pareto_tab, (sc,)), (compare_tab, (res, base)), (sources_tab, (sc,))]
    for tab, (view, args) in zip(tabs, views, strict=True):
        with tab:
            try:
                view(*args)
            except Exception as exc:  # noqa: BLE001 - one tab's failure leaves the others
                st.error(f"This view failed: {type(exc).__name__}: {exc}")


main()
