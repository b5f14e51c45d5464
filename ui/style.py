"""Page styling the app injects once per run (CSS only; no logic)."""

from __future__ import annotations

import streamlit as st

__all__ = ["apply", "GREY_KEY", "NARROW"]

#: Key of the container that holds the last feasible result, greyed.
GREY_KEY = "greyed_result"
#: Window width (px) up to which the narrow-window layout applies.
NARROW = 1000

_CSS = f"""
<style>
.st-key-{GREY_KEY} {{opacity: .45; filter: grayscale(1);}}
/* The summary's figures wrap instead of ending in an ellipsis. */
.st-key-summary [data-testid="stMetric"] [data-testid="stMarkdownContainer"] {{
  white-space: normal; overflow: visible; text-overflow: clip;
}}
.st-key-summary [data-testid="stMetric"] [data-testid="stMarkdownContainer"] p {{
  white-space: normal;
}}
/* Every tab label in view: the tab list wraps instead of scrolling sideways. */
[data-testid="stTabs"] [role="tablist"] {{flex-wrap: wrap; row-gap: .25rem; column-gap: .75rem;}}
@media (max-width: {NARROW}px) {{
  /* A narrower sidebar leaves the results more than half the window. */
  section[data-testid="stSidebar"][data-collapsed="false"] {{
    width: 240px !important; min-width: 240px !important;
  }}
  section[data-testid="stSidebar"][data-collapsed="false"] > div {{width: 100% !important;}}
  /* Smaller summary figures: three side by side still fit. */
  .st-key-summary [data-testid="stMetricValue"] {{font-size: 1.6rem;}}
}}
</style>
"""


def apply():
    """Inject the page's CSS (greyed stale results; narrow-window layout)."""
    st.html(_CSS)
