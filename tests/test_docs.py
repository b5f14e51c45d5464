"""The documentation site builds offline and strictly, with every page it promises.

One `mkdocs build --strict` (the same as `make docs`) into a temporary directory; then
each generated page is checked against what it is generated from: every subcommand of
the `decide` parser, every top-level key of the scenario JSON Schema, every public name
of the API, every notebook in notebooks/.
"""

import argparse
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

for _plugin in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_gen_files",
                "mkdocs_jupyter"):
    pytest.importorskip(_plugin, reason="the docs extra is not installed (make install)")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"decide.scenario": "api/scenario.html",
            "decide.optimization": "api/optimization.html",
            "decide.analyses": "api/analyses.html",
            "decide.reporting": "api/reporting.html"}
PAGES = ["index.html", "getting-started.html", "model.html", "sources.html",
         "experts.html", "cite.html", "reference/scenario.html", "reference/cli.html",
         "api/index.html", *PACKAGES.values(), "api/models.html", "notebooks/index.html"]


@pytest.fixture(scope="module")
def build(tmp_path_factory, executed_notebooks):
    site = tmp_path_factory.mktemp("site")
    # Material (9.7+) and properdocs (pulled in by mkdocs-gen-files 0.6) print banners
    # about MkDocs 2.0 on stderr; they are not log warnings, and these silence them.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
           # the notebooks as run in this session (conftest), shown with their outputs
           "DECIDE_EXECUTED_NOTEBOOKS": str(executed_notebooks[0])}
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                          "--site-dir", str(site)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    return site, out.returncode, out.stdout + out.stderr


def read(site, page):
    return (site / page).read_text(encoding="utf-8")


def test_builds_strictly_without_warnings(build):
    site, code, log = build
    assert code == 0, log
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line)]
    assert not warnings, "\n".join(warnings)


def test_every_page_is_built(build):
    site, _, log = build
    missing = [p for p in PAGES if not (site / p).is_file()]
    assert not missing, log
    notebooks = sorted((ROOT / "notebooks").glob("*.py"))
    for nb in notebooks:
        html = read(site, f"notebooks/{nb.stem}.html")
        assert "jp-Cell" in html, nb.name  # rendered by mkdocs-jupyter, not copied as text
        assert f'href="{nb.stem}.html"' in read(site, "notebooks/index.html")


def test_notebook_pages_show_their_outputs(build, executed_notebooks):
    site, _, _ = build
    folder, failures = executed_notebooks
    charts = 0
    for stem, failure in failures.items():
        html = read(site, f"notebooks/{stem}.html")
        if failure is not None:  # tests/test_notebooks.py fails for it; shown unrun here
            assert "Rendered without running" in html, stem
            continue
        assert "jp-OutputArea-output" in html, stem  # printed results and tables
        assert "Rendered without running" not in html, stem
        charts += html.count("data:image/png;base64,")
    assert charts >= 5  # the notebooks' charts, embedded (no network to view them)
    if all(f is None for f in failures.values()):
        assert "run for this build" in read(site, "notebooks/index.html")


def test_internal_notes_and_scripts_are_not_published(build):
    site, _, _ = build
    assert not (site / "notes").exists()
    assert not (site / "_scripts").exists()


def test_site_loads_nothing_from_the_network(build):
    site, _, _ = build
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["']"""
                            r"""(?:https?:)?//[^"']+""", html)
        assert not remote, (page, remote)
        assert "fonts.googleapis" not in html, page


def test_cli_reference_lists_every_subcommand(build):
    from decide.cli import build_parser

    site, _, _ = build
    html = read(site, "reference/cli.html")
    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    assert len(sub.choices) > 10
    for name, parser in sub.choices.items():
        assert f'id="{name}"' in html, name
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for option in action.option_strings:
                assert f"<code>{option}" in html, (name, option)


def test_scenario_reference_lists_every_top_level_key(build):
    from decide.scenario import scenario_schema

    site, _, _ = build
    html = read(site, "reference/scenario.html")
    for key in scenario_schema()["properties"]:
        assert f'id="{key}"' in html, key


def test_api_reference_covers_the_public_surface(build):
    import decide

    site, _, _ = build
    for package, page in PACKAGES.items():
        html = read(site, page)
        for name in importlib.import_module(package).__all__:
            assert f'id="{package}.{name}"' in html, f"{package}.{name}"
    index = read(site, "api/index.html")
    for name in decide.__all__:
        assert f"<code>decide.{name}</code>" in index, name
    for name in decide.errors.__all__:
        assert f'id="decide.errors.{name}"' in index, name
    models = read(site, "api/models.html")
    for module in ("response", "timing", "deaths", "population", "violence"):
        for name in importlib.import_module(f"models.{module}").__all__:
            assert f'id="models.{module}.{name}"' in models, f"models.{module}.{name}"


def test_cite_page_says_how_to_reproduce_a_run(build):
    site, _, _ = build
    html = read(site, "cite.html")
    for text in ("decide params", "--seed", "scenario_sha256", "__version__",
                 "confidence", "judgement"):
        assert text in html, text
