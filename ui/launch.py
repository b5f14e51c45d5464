"""Start the app (``app.py``, still the Streamlit entry point) with a warm server.

``python -m ui.launch [streamlit options]`` is ``streamlit run app.py [options]`` after
two preparations that would otherwise fall on the first visitor: importing the model,
solver and chart libraries (about 2 s) and filling the shared caches
(`ui.library`) with the default scenario's solve, outlook, fan charts and decision basis
(about 1 s). The server only answers once both are done, so the first page after
"healthy" costs what every later first visit costs. ``make run`` and the browser tests
start the app this way.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["warm", "main"]

APP = Path(__file__).resolve().parents[1] / "app.py"


def warm():
    """Import what the app imports and compute the default scenario's landing page into
    the process-wide caches (`streamlit.cache_resource`: shared by every session).

    Returns
    -------
    str
        The default scenario's TOML text (the caches' key).
    """
    import logging

    # outside a running server Streamlit warns once per cache_data function: expected
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    import ui.tabs  # noqa: F401 - every tab module, as app.py imports them
    from ui import library

    sc = library.parse(library.load_file.__wrapped__(library.DEFAULT).encode(),
                       f"inputs/{library.DEFAULT}")
    text = library.toml_of(sc)
    library.solve(text)
    library.outlook(text)
    library.fan_specs(text)
    library.decision_basis(text, False)
    return text


def main(argv=None):
    """Warm the caches, then run ``streamlit run app.py`` with ``argv`` as its options."""
    argv = sys.argv[1:] if argv is None else list(argv)
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()


if __name__ == "__main__":
    main()
