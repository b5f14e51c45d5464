"""The caveats: one list (`decide.reporting.CAVEATS`), the same in docs/model.md section 7,
the briefing and the app's Model & sources tab; every entry sourced or marked a modelling
choice; the claims they make about the shipped scenarios still true."""

import html
import re
import tomllib

import pytest

import decide
from decide.reporting import CAVEATS, briefing_html

from .conftest import DATA, ROOT

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
#: A citation: a parenthesis holding a year, e.g. "(Ray et al., AJPH, 2023)".
CITATION = re.compile(r"\([^()]*\b(?:19|20)\d{2}\b[^()]*\)")
ENTRY = re.compile(r"^(\d+)\. \*\*(.+?)\*\*", re.M)


def headline(caveat):
    """The first sentence: the bold headline of the same entry in docs/model.md."""
    return caveat.split(". ", 1)[0].rstrip(".")


def cites_source(caveat):
    return bool(CITATION.search(caveat)) or "modelling choice" in caveat


def docs_section7(text=None):
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8") if text is None else text
    start = text.index("\n## 7. Caveats")
    end = text.index("\n## 8.", start)
    return text[start:end]


def docs_entries(section):
    """(number, bold headline, full text) of each numbered entry of the section."""
    marks = list(ENTRY.finditer(section))
    ends = [m.start() for m in marks[1:]] + [len(section)]
    return [(int(m.group(1)), m.group(2).rstrip("."), section[m.start():end])
            for m, end in zip(marks, ends)]


def test_checkers_reject_what_they_should():
    assert not cites_source("Deaths may rise. Nobody knows why.")
    assert not cites_source("Deaths fell in 2024 (provisional).")
    assert cites_source("Deaths fell (CDC, 2024).")
    assert cites_source("Attribution is a convention. This is a modelling choice.")
    assert headline("Provisional data. The baseline is provisional.") == "Provisional data"
    bad = "\n## 7. Caveats\n\n1. **One.** (A, 2020)\n2. **Two.** x\n\n## 8. Next\n"
    assert [h for _, h, _ in docs_entries(docs_section7(bad))] == ["One", "Two"]


@pytest.mark.parametrize("i", range(len(CAVEATS)))
def test_caveat_names_a_source_with_a_year_or_is_a_modelling_choice(i):
    c = CAVEATS[i]
    assert cites_source(c), f"caveat {i + 1} cites no source with a year: {c!r}"
    assert "$" not in c, "Streamlit markdown reads a pair of $ as LaTeX"
    assert "http" not in c.lower(), "the briefing carries no web addresses"
    assert len(headline(c)) < 80 and c.startswith(headline(c) + ". ")


def test_docs_section_lists_the_same_caveats_in_the_same_order():
    entries = docs_entries(docs_section7())
    assert [n for n, _, _ in entries] == list(range(1, len(entries) + 1))
    assert len(entries) == len(CAVEATS)
    for (n, head, body), c in zip(entries, CAVEATS):
        assert head == headline(c), f"docs caveat {n} is {head!r}, CAVEATS has {headline(c)!r}"
        missing = set(YEAR.findall(c)) - set(YEAR.findall(body))
        assert not missing, f"caveat {n}: years cited in CAVEATS but not in the docs: {missing}"
        if "modelling choice" in c.lower():
            assert "modelling choice" in body.lower(), n


def test_caveats_cited_by_number_are_the_right_ones():
    """Docs section 9, scenario files and the caveats themselves cite caveats by number."""
    heads = [headline(c) for c in CAVEATS]
    assert "Mexico" in heads[2]            # "caveat 3" (kingpin scenario, caveat 14)
    assert "2023-24 decline" in heads[1]   # "caveat 2" (caveat 17)
    assert "rebound" in heads[6]           # "caveat 7" (docs/model.md section 9)
    texts = [(ROOT / "docs" / "model.md").read_text(encoding="utf-8"), *CAVEATS]
    texts += [p.read_text(encoding="utf-8") for p in (DATA / "golden").glob("*.toml")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "inputs").glob("*.toml")]
    for text in texts:
        for n in re.findall(r"[Cc]aveat (\d+)", text):
            assert 1 <= int(n) <= len(CAVEATS), n


def test_claims_about_the_shipped_scenarios_hold():
    """Caveats 6, 8 and 17 say no shipped scenario sets programme sizes, interactions or
    correlations; if one does, those caveats must change."""
    for path in sorted((ROOT / "inputs").glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        assert "interactions" not in raw, path.name
        assert not raw.get("correlations"), path.name
        for name, lever in raw.get("levers", {}).items():
            assert not {"min_size", "startup_cost"} & set(lever), (path.name, name)
    assert "min_size" in CAVEATS[5] and "interactions" in CAVEATS[7]
    assert "correlations" in CAVEATS[16]


def test_briefing_shows_every_caveat(baseline):
    page = briefing_html(decide.optimize(baseline))
    section = page.split("<h2>Caveats</h2>")[1].split("<h2>")[0]  # near the top
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert items == [html.escape(c) for c in CAVEATS]


def test_sources_tab_shows_every_caveat():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["tab"] = "Model & sources"  # only the open tab runs
    at.run()
    assert not at.exception
    tab = next(t for t in at.tabs if t.label == "Model & sources")
    expected = "\n".join(f"{i}. {c}" for i, c in enumerate(CAVEATS, 1))
    assert expected in [md.value for md in tab.markdown]
