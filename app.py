"""decide: the Streamlit front end. Wiring only: widgets -> Scenario -> decide -> views.

Run with ``make run`` (http://localhost:8501). Every assumption of the chosen scenario is
a control; the current overrides live in the URL so a link restores them. The logic
lives in the ``ui`` package beside this file (link state, sidebar, one module per tab).
"""

from __future__ import annotations

import streamlit as st

import decide
from ui import session, sidebar
from ui.library import solve
from ui.tabs import TABS

st.set_page_config(page_title="decide - counter-fentanyl budget allocation", page_icon="⚖",
                   layout="wide")


def main():
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
    except decide.ScenarioError as exc:
        st.error(str(exc))
        return
    session.sync_url(identity, overrides)
    st.session_state["solved_scenario"] = sc  # for tests and the compare tab
    try:
        objective = st.session_state.get("objective", "deaths")
        res = solve(sc.to_toml(), bool(st.session_state.get("phasing")),
                    objective if objective in sc.objectives() else "deaths")
    except decide.InfeasibleError as exc:
        st.error(f"Infeasible: {exc}")
        return
    except decide.SolverError as exc:
        st.error(f"Solver failure: {exc}")
        return
    for tab, (_, view) in zip(st.tabs([label for label, _ in TABS]), TABS, strict=True):
        with tab:
            try:
                view(res, base)
            except Exception as exc:  # noqa: BLE001 - one tab's failure leaves the others
                st.error(f"This view failed: {type(exc).__name__}: {exc}")


main()
