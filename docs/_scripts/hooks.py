"""MkDocs hooks (``hooks:`` in mkdocs.yml).

The nav lists every example notebook that exists (``notebooks/*.py``) under "Notebooks",
after the generated index page: the notebooks are not known when mkdocs.yml is written,
and a nav entry for a missing page would fail the strict build.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def on_config(config, **kwargs):
    folder = os.environ.get("DECIDE_EXECUTED_NOTEBOOKS")  # see gen_pages.executed_copy
    notebooks = [f"notebooks/{p.stem}.ipynb"
                 if folder and (Path(folder) / f"{p.stem}.ipynb").is_file()
                 else f"notebooks/{p.name}"
                 for p in sorted((ROOT / "notebooks").glob("*.py"))]
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Notebooks" in entry:
            section = entry["Notebooks"]
            if isinstance(section, str):
                section = entry["Notebooks"] = [section]
            section.extend(n for n in notebooks if n not in section)
    return config
