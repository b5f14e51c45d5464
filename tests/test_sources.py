"""Confidence tags stay honest: every shipped parameter is in docs/sources.md, and the tags
agree with what the sources were found to say.

Rules (docs/sources.md explains the verdicts):
- "measured": the source or note quotes a figure close to the base value and a citation
  with a year, does not call the value a judgement, and the parameter is confirmed "yes"
  in docs/sources.md;
- "derived": the source or note shows the arithmetic (an "="), and the parameter is not
  "no" in docs/sources.md;
- a parameter whose source was not found ("no") is tagged judgement and says so;
- every row of the source table names a shipped parameter and every shipped parameter has
  a row; the counts at the top of docs/sources.md match the table;
- a parameter repeated across scenario files carries the same tag and source everywhere;
- citations found to be wrong do not come back except as flagged corrections.

The checks are plain functions over the parsed files, so ``test_checks_catch_mutations``
can show that each one fails on a deliberately broken copy.
"""

import collections
import copy
import re
import tomllib

import pytest

from .conftest import ROOT

INPUTS = sorted((ROOT / "inputs").glob("*.toml"))
SOURCES_MD = ROOT / "docs" / "sources.md"
VERDICTS = ("yes", "partly", "no", "n/a")
YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b")
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
NOT_FOUND = ("not found", "not re-checked", "could not be confirmed", "not confirmed",
             "not seen")

# (text of a citation found to be wrong, phrase that must accompany it; None: never again)
RETRACTED = [
    ("Heroin price elasticity, 1995", "of earlier versions"),
    ("Addiction 100(7):908-920", "could not be confirmed"),
    ("Fig. 1, 2022 peak", None),  # Data Brief 491's Fig. 1 is all drugs, and gives rates
    ("19.5% FY2023 to 11.36%", None),  # fiscal and calendar years from two DEA sources
    ("import stage ~0.1-1% of retail value", "Earlier versions"),
]


# ------------------------------------------------------------------ parsing

def _params(raw):
    """{dotted name: table} for every uncertain parameter of one parsed scenario."""
    out = {}
    for key, value in raw.get("market", {}).items():
        if isinstance(value, dict):
            out[f"market.{key}"] = value
    for lever, spec in raw.get("levers", {}).items():
        for key, value in spec.items():
            if isinstance(value, dict) and "confidence" in value:
                out[f"levers.{lever}.{key}"] = value
    for table in ("mexico", "outcomes"):
        for key, value in raw.get(table, {}).items():
            if isinstance(value, dict) and "confidence" in value:
                out[f"{table}.{key}"] = value
    return out


def load_scenarios(paths=INPUTS):
    return {p.name: _params(tomllib.loads(p.read_text(encoding="utf-8"))) for p in paths}


def load_table(text):
    """{parameter: verdict} from the '## Parameters' table, and the row names in order."""
    section = text.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    verdicts, names = {}, []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        names.append(name)
        verdicts[name] = cells[4] if len(cells) >= 6 else ""
    return verdicts, names


def _text(p):
    return f"{p.get('source', '')} {p.get('note', '')}"


def _numbers(text):
    out = []
    for m in NUMBER.finditer(text):
        try:
            out.append(float(m.group().replace(",", "")))
        except ValueError:
            pass
    return out


# ------------------------------------------------------------------ checks

def check_measured(scenarios, verdicts):
    problems = []
    for fname, params in scenarios.items():
        for name, p in params.items():
            if p["confidence"] != "measured":
                continue
            text, base = _text(p), float(p["base"])
            figures = [x for x in _numbers(text) if not YEAR.fullmatch(f"{x:g}")]
            if not any(abs(x - base) <= 0.1 * abs(base) for x in figures):
                problems.append(f"{fname}: {name} is 'measured' but quotes no figure within "
                                f"10% of its base {base:g}")
            if not YEAR.search(text):
                problems.append(f"{fname}: {name} is 'measured' but cites no year")
            if "judgement" in text.lower() or "no source gives" in text.lower():
                problems.append(f"{fname}: {name} is 'measured' but its source calls the "
                                "value a judgement")
            if verdicts.get(name) != "yes":
                problems.append(f"{fname}: {name} is 'measured' but docs/sources.md says "
                                f"{verdicts.get(name)!r}, not 'yes'")
    return problems


def check_derived(scenarios, verdicts):
    problems = []
    for fname, params in scenarios.items():
        for name, p in params.items():
            if p["confidence"] != "derived":
                continue
            if "=" not in _text(p) or not _numbers(_text(p)):
                problems.append(f"{fname}: {name} is 'derived' but shows no arithmetic")
            if verdicts.get(name) == "no":
                problems.append(f"{fname}: {name} is 'derived' from a source not found")
    return problems


def check_unconfirmed_are_judgement(scenarios, verdicts):
    problems = []
    for fname, params in scenarios.items():
        for name, p in params.items():
            if verdicts.get(name) != "no":
                continue
            if p["confidence"] != "judgement":
                problems.append(f"{fname}: {name}: source not confirmed but tagged "
                                f"{p['confidence']!r}")
            if not any(s in p["source"] for s in NOT_FOUND):
                problems.append(f"{fname}: {name}: source not confirmed and the source "
                                "text does not say so")
    return problems


def check_rows(scenarios, verdicts, names):
    problems = []
    shipped = set().union(*(set(p) for p in scenarios.values()))
    for name in names:
        if name not in shipped:
            problems.append(f"docs/sources.md: row {name!r} names no shipped parameter")
    for name, count in collections.Counter(names).items():
        if count > 1:
            problems.append(f"docs/sources.md: {name!r} has {count} rows")
    for name in sorted(shipped - set(names)):
        problems.append(f"docs/sources.md: no row for {name!r}")
    for name, verdict in verdicts.items():
        if verdict not in VERDICTS:
            problems.append(f"docs/sources.md: {name!r}: verdict {verdict!r} not in "
                            f"{VERDICTS}")
    return problems


def check_counts(text, verdicts):
    m = re.search(r"(\d+) confirmed \(yes\), (\d+) partly, (\d+) not confirmed\s+\(no\), "
                  r"(\d+) n/a", text)
    if m is None:
        return ["docs/sources.md: no count line at the top"]
    stated = dict(zip(("yes", "partly", "no", "n/a"), map(int, m.groups())))
    actual = collections.Counter(verdicts.values())
    return [f"docs/sources.md: says {stated[k]} {k!r}, table has {actual.get(k, 0)}"
            for k in stated if stated[k] != actual.get(k, 0)]


def check_consistent(scenarios):
    problems, seen = [], {}
    for fname, params in scenarios.items():
        for name, p in params.items():
            key = (p["confidence"], p["source"])
            if name in seen and seen[name][1] != key:
                problems.append(f"{name}: tag or source differs between {seen[name][0]} "
                                f"and {fname}")
            seen.setdefault(name, (fname, key))
    return problems


def check_retracted(scenarios):
    problems = []
    for fname, params in scenarios.items():
        for name, p in params.items():
            text = _text(p)
            for bad, companion in RETRACTED:
                if bad in text and (companion is None or companion not in text):
                    problems.append(f"{fname}: {name} cites {bad!r} as if it were right")
    return problems


ALL_CHECKS = ("measured", "derived", "unconfirmed", "rows", "counts", "consistent",
              "retracted")


def run_checks(scenarios, text):
    verdicts, names = load_table(text)
    return {
        "measured": check_measured(scenarios, verdicts),
        "derived": check_derived(scenarios, verdicts),
        "unconfirmed": check_unconfirmed_are_judgement(scenarios, verdicts),
        "rows": check_rows(scenarios, verdicts, names),
        "counts": check_counts(text, verdicts),
        "consistent": check_consistent(scenarios),
        "retracted": check_retracted(scenarios),
    }


# ------------------------------------------------------------------ tests

@pytest.fixture(scope="module")
def shipped():
    return load_scenarios(), SOURCES_MD.read_text(encoding="utf-8")


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_shipped_files_pass(shipped, check):
    scenarios, text = shipped
    assert run_checks(scenarios, text)[check] == []


def test_every_shipped_file_is_read(shipped):
    scenarios, _ = shipped
    assert len(scenarios) == len(INPUTS) >= 4
    assert all(len(p) >= 34 for p in scenarios.values())


def _mutants(scenarios, text):
    """One deliberately broken copy per check: (check that must catch it, scenarios, text)."""
    def edit(fname, name, **changes):
        s = copy.deepcopy(scenarios)
        s[fname][name].update(changes)
        return s

    base = "baseline.toml"
    yield "measured", edit(base, "market.price_elasticity", confidence="measured"), text
    yield "measured", edit(base, "market.baseline_deaths", base=30000), text
    yield "derived", edit(base, "market.market_lag", confidence="derived"), text
    yield "unconfirmed", edit(base, "levers.financial.alpha", confidence="derived",
                              source="Reuter & Kleiman, Crime and Justice 7, 1986"), text
    yield "rows", scenarios, text.replace("| `market.substitution` |", "| `market.subs` |")
    yield "counts", scenarios, text.replace("| `levers.gun_flow.onset` | 3 years (2-5); "
                                            "judgement | none | - | n/a |",
                                            "| `levers.gun_flow.onset` | 3 years (2-5); "
                                            "judgement | none | - | yes |")
    yield "consistent", edit("kingpin_strategy.toml", "market.supply_elasticity",
                             source="DEA NDTA 2025"), text
    yield "retracted", edit(base, "market.price_elasticity",
                            source="Caulkins, Heroin price elasticity, 1995"), text


def test_checks_catch_mutations(shipped):
    """Each check fails on a copy broken the way it guards against (the test can fail)."""
    scenarios, text = shipped
    caught = set()
    for check, s, t in _mutants(scenarios, text):
        assert s is not scenarios or t != text, check  # the mutation did change something
        assert run_checks(s, t)[check], f"{check} missed its mutation"
        caught.add(check)
    assert caught == set(ALL_CHECKS)
