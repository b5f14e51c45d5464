"""The report-grade briefing: answer first, caveats near the top, charts inline (SVG,
no scripts, no network), Mexican homicides, sources last."""

import re
from html import escape as html_escape

import pytest

import decide
from decide.reporting import answer
from decide.reporting.brief import briefing_html, build_briefing
from decide.reporting.caveats import CAVEATS


@pytest.fixture(scope="module")
def full(baseline):
    res = decide.optimize(baseline)
    return res, build_briefing(res, reference=baseline, n=1000, seed=2,
                               timestamp="2026-01-01 00:00 UTC")


def test_where_the_decision_breaks_is_in_the_briefing(full, baseline):
    from decide.reporting.sentences import box_sentences

    res, html = full
    d = decide.discover(baseline, n=10_000, seed=2, allocation=res.spend)
    section = html.split("<h2>Where the decision breaks</h2>")[1].split("<h2>")[0]
    for line in box_sentences(d, baseline):
        assert html_escape(line) in section


def _text(html):
    return re.sub(r"\s+", " ", html)


def test_sections_in_report_order(full):
    _, html = full
    heads = re.findall(r"<h2>([^<]+)</h2>", html)
    assert heads[:5] == ["Executive summary", "Caveats", "Why each lever gets what it gets",
                         "Where the decision breaks", "Charts"]
    assert heads[-1] == "Assumptions and sources"


def test_executive_summary_is_the_answer_with_its_range(full, baseline):
    res, html = full
    out = decide.outlook(baseline, res, n=1000, seed=2)
    summary = html.split("<h2>Executive summary</h2>")[1].split("<h2>")[0]
    assert answer.headline(res, out).replace("'", "&#x27;") in summary
    assert "new money" in summary and "percentile" in summary
    assert "Additional homicides in Mexico: <b>1,020</b>" in summary
    assert "What the decision rests on" in summary


def test_charts_are_inline_svg_and_the_page_needs_no_network(full):
    _, html = full
    assert html.count("<figure><svg") == 5  # allocation, 2 fans, tornado, frontier
    low = html.lower()
    assert "<script" not in low
    assert not re.search(r"(src|href)\s*=\s*['\"]?https?:", low)
    for caveat in CAVEATS[:3]:
        assert caveat.split(". ")[0] in html


def test_no_raw_keys_in_the_sources_table(full):
    _, html = full
    sources = html.split("<h2>Assumptions and sources</h2>")[1]
    assert "levers.precursor.max_effect" not in sources
    assert "Precursor diplomacy" in sources


def test_without_an_outlook_it_says_the_range_was_not_computed(baseline):
    res = decide.optimize(baseline)
    html = briefing_html(res, charts=False)
    assert "every assumption at its base value" in html
    assert "not computed for this briefing" in _text(html)
    assert "<svg" not in html


def test_phased_and_other_objectives_still_brief(baseline):
    res = decide.optimize(baseline, phasing=True)
    html = build_briefing(res, n=200, seed=1, analyses=True)
    assert "Where the decision breaks" not in html  # flat deaths-objective results only
    assert html.count("<figure><svg") == 3  # no tornado/frontier for a phased plan
    res = decide.optimize(baseline, objective="life_years")
    assert "Executive summary" in build_briefing(res, n=0, analyses=False)
