"""decide: the Streamlit front end. Wiring only: widgets -> Scenario -> decide -> views.

Run with ``make run`` (http://localhost:8501). Every assumption of the chosen scenario is
a control; the current overrides live in the URL so a link restores them. The logic
lives in the ``ui`` package beside this file (link state, sidebar, one module per tab).
"""

from __future__ import annotations

import streamlit as st

import decide
from ui import session, sidebar, style, summary
from ui.library import outlook, solve, toml_of
from ui.tabs import TABS

st.set_page_config(page_title="decide - counter-fentanyl budget allocation", page_icon="⚖",
                   layout="wide")


def solve_current(sc):
    """The result and outlook of the current settings (cached per scenario)."""
    phasing = bool(st.session_state.get("phasing"))
    objective = st.session_state.get("objective", "deaths")
    objective = objective if objective in sc.objectives() else "deaths"
    text = toml_of(sc)
    return solve(text, phasing, objective), outlook(text, phasing, objective)


def main():
    style.apply()
    st.title("Where should the next counter-fentanyl dollar go?")
    st.caption("Minimise projected US overdose deaths across policy levers, exactly, with "
               "every assumption a control. Lever effects are judgement priors: see "
               "Model & sources.")
    ignored = [session.choose_initial_file()]
    try:
        base, identity = session.base_scenario()
    except decide.ScenarioError as exc:
        st.error(f"Cannot load the scenario: {exc}")
        return
    ignored += session.restore_from_url(base)
    for message in filter(None, ignored):
        st.warning(f"Ignored in the link: {message}")
    sidebar.render(base)
    try:
        sc, overrides = session.current_scenario(base)
        session.sync_url(identity, overrides)
        st.session_state["solved_scenario"] = sc  # for tests and the compare tab
        res, out = solve_current(sc)
    except decide.DecideError as exc:
        # keep the page: the explanation where the results were, the last result greyed
        kind = {decide.InfeasibleError: "No allocation meets these settings",
                decide.SolverError: "The solver failed"}.get(type(exc), "Invalid setting")
        st.error(f"{kind}: {exc}")
        last = st.session_state.get("last_result")
        if last is None or last[0] != identity:
            return
        st.caption("Below, greyed: the last result that met every setting (for comparison "
                   "only; change the settings above to update it).")
        with st.container(key=style.GREY_KEY):
            tabs(last[1], base)
        return
    st.session_state["last_result"] = (identity, res)
    summary.render(res, out)
    tabs(res, base)


def tabs(res, base):
    """The tabs for result ``res`` (``base``: the scenario file). Only the open tab runs
    (choosing another reruns the page), so a rerun costs one tab, not ten."""
    labels = [label for label, _ in TABS]
    opened = st.tabs(labels, key="tab", on_change="rerun")
    for tab, (_, view) in zip(opened, TABS, strict=True):
        if not tab.open:
            continue
        with tab:
            try:
                view(res, base)
            except Exception as exc:  # noqa: BLE001 - one tab's failure leaves the others
                st.error(f"This view failed: {type(exc).__name__}: {exc}")


main()
