"""The Compare tab: score an allocation you propose against the optimum, and put any
two runs side by side (the current settings, runs saved by name in this session, or the
bundled scenario files)."""

from __future__ import annotations

import streamlit as st

import decide
from decide.reporting import compare
from decide.reporting.comparison import score_proposal
from decide.reporting.labels import param_label

from ..library import load_file, outlook, proposal_outlook, scenario_files, solve, toml_of

__all__ = ["render", "proposal_panel", "saved_panel"]

_SAVED = "saved_runs"
_CURRENT = "Current settings"


def render(res, base):
    """Both panels for the current result ``res``."""
    proposal_panel(res)
    st.divider()
    saved_panel(res, base)


def _preset(res, choice):
    sc = res.scenario
    if choice == "Equal split of the budget":
        return {k: sc.budget / len(sc.levers) for k in sc.lever_names}
    saved = st.session_state.get(_SAVED, {})
    if choice in saved and saved[choice][3] is not None:
        return saved[choice][3]
    return res.spend.to_dict()


def _apply_preset(res):
    for k, v in _preset(res, st.session_state["prop_preset"]).items():
        st.session_state[f"prop:{k}"] = round(float(v), 1)


def proposal_panel(res):
    """A hand-picked allocation: its deaths, range and regret against the optimum."""
    sc = res.scenario
    st.subheader("Score an allocation you propose")
    if res.phased:
        st.info("Proposals are flat allocations: untick phasing to score one.")
        return
    saved = [k for k, v in st.session_state.get(_SAVED, {}).items() if v[3] is not None]
    st.selectbox("Start from", ["The optimal allocation", "Equal split of the budget",
                                *saved], key="prop_preset", on_change=_apply_preset,
                 args=(res,), help="For last year's allocation, enter it once and save "
                                   "it by name below; it then appears here")
    cols = st.columns(2)
    for i, lv in enumerate(sc.levers):
        key = f"prop:{lv.name}"
        if key not in st.session_state:
            st.session_state[key] = round(float(res.spend[lv.name]), 1)
        cols[i % 2].number_input(f"{lv.label} ($M per year)", 0.0, 1e9, step=25.0,
                                 key=key)
    spend = {lv.name: float(st.session_state[f"prop:{lv.name}"]) for lv in sc.levers}
    try:
        best = outlook(toml_of(sc), False, res.objective)
        same = all(abs(spend[k] - float(res.spend[k])) < 1e-9 for k in spend)
        mine = best if same else proposal_outlook(toml_of(sc), tuple(spend.values()))
    except decide.DecideError as exc:
        st.error(str(exc))
        return
    table, text = score_proposal(res, spend, best, mine)
    st.markdown(text)
    num = st.column_config.NumberColumn
    table = table.rename(columns={"measure": "Measure", "difference": "Proposal - optimal"})
    paired = table["Optimal"].isna()  # the same-world rows: a difference only
    st.dataframe(table[~paired], hide_index=True, key="prop_table", column_config={
        "Optimal": num(format="%,.2f"), "Proposal": num(format="%,.2f"),
        "Proposal - optimal": num(format="%+,.2f")})
    st.caption("In the same world (each of the worlds above scored for both allocations: "
               "the spread of the difference, not the difference of the spreads):")
    st.dataframe(table.loc[paired, ["Measure", "Proposal - optimal"]], hide_index=True,
                 key="prop_paired",
                 column_config={"Proposal - optimal": num(format="%+,.2f")})
    st.session_state["proposal"] = spend


def _run(choice, res):
    """The result named ``choice``: the current one, a saved run or a bundled file."""
    if choice == _CURRENT:
        return res
    saved = st.session_state.get(_SAVED, {})
    if choice in saved:
        text, phasing, objective, _ = saved[choice]
        return solve(text, phasing, objective)
    sc = decide.parse_scenario(load_file(choice).encode(), source=f"inputs/{choice}")
    return solve(toml_of(sc))


def saved_panel(res, base):
    """Save the current settings by name; compare any two runs side by side."""
    st.subheader("Compare two runs")
    c1, c2 = st.columns([3, 1])
    name = c1.text_input("Name for the current settings", key="save_name",
                         placeholder="e.g. last year's, precursor-heavy")
    if c2.button("Save", key="save_run") and name.strip():
        st.session_state.setdefault(_SAVED, {})[name.strip()] = (
            toml_of(res.scenario), res.phased, res.objective,
            st.session_state.get("proposal"))
    saved = list(st.session_state.get(_SAVED, {}))
    if saved:
        st.caption("Saved in this session: " + ", ".join(saved) + ". A saved run keeps "
                   "its settings and the proposal entered above.")
    options = [_CURRENT, *saved, *scenario_files()]
    c1, c2 = st.columns(2)
    a = c1.selectbox("Run A", options, key="cmp_a")
    b = c2.selectbox("Run B", options, index=min(len(saved) + 1, len(options) - 1),
                     key="cmp_b")
    try:
        ra, rb = _run(a, res), _run(b, res)
    except decide.DecideError as exc:
        st.error(str(exc))
        return
    allocations, summary, assumptions = compare(ra, rb, names=("A", "B"))
    labels = {lv.name: lv.label for s in (ra.scenario, rb.scenario) for lv in s.levers}
    allocations.insert(0, "Lever", allocations.pop("lever").map(labels))
    c1, c2 = st.columns(2)
    c1.markdown("**Allocations ($M per year)**")
    c1.dataframe(allocations.rename(columns={"spend_A": "A", "spend_B": "B",
                                             "difference": "B - A"}).round(1),
                 hide_index=True, key="cmp_alloc")
    c2.markdown("**Deaths over the horizon (base case)**")
    c2.dataframe(summary.rename(columns={"measure": "Measure", "difference": "B - A"}),
                 hide_index=True, key="cmp_summary")
    st.markdown(f"**Assumptions that differ** ({len(assumptions)})")
    if len(assumptions):
        shown = assumptions.assign(key=[param_label(ra.scenario, k)
                                        for k in assumptions["key"]])
        st.dataframe(shown.rename(columns={"key": "Assumption"}).astype(str),
                     hide_index=True, key="cmp_diff")
    else:
        st.caption("None: the two runs use the same assumptions.")
