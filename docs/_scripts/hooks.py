"""MkDocs hooks (``hooks:`` in mkdocs.yml).

The nav lists every example notebook that exists (``notebooks/*.py``) under "Notebooks",
after the generated index page: the notebooks are not known when mkdocs.yml is written,
and a nav entry for a missing page would fail the strict build.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def on_config(config, **kwargs):
    notebooks = [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.py"))]
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Notebooks" in entry:
            section = entry["Notebooks"]
            if isinstance(section, str):
                section = entry["Notebooks"] = [section]
            section.extend(n for n in notebooks if n not in section)
    return config
