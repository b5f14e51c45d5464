"""The Streamlit side of decide: everything `app.py` wires together.

Pure modules (no streamlit import, unit-tested in ``tests/test_ui.py``):

- `ui.url_state`: the link codec (override values <-> URL query) and the widget values
  -> scenario overrides diff.
- `ui.runs`: file names for downloads, Monte Carlo chunk assembly, one stored result
  per analysis.
- `ui.evidence`: the Evidence tab's tables and its out-of-sample sentence.

Streamlit modules:

- `ui.library`: cached calls into `decide` (caching lives here, never in the library).
- `ui.session`: the base scenario (file or upload), the link, the session's widgets.
- `ui.sidebar`: the controls for every assumption.
- `ui.tabs`: one module per tab, each with ``render(res, base)``.

`decide` never imports streamlit or this package.
"""

__all__ = []
