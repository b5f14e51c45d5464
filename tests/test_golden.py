"""Golden regression: every result in tests/data/golden.json reproduced to 1e-9 relative.

The file is written by tests/data/make_golden.py (allocations, deaths, gaps, shadow
prices and their bounds, lever tables, phased plans, Monte Carlo and value of
information under fixed seeds, robust allocations, tornado, frontier, least cost and the
Pareto frontier). Refactors must leave it unchanged; a deliberate change of results
regenerates it, with the reason in the commit message.
"""

from __future__ import annotations

import json
import math

import pytest

from .conftest import DATA

GOLD = json.loads((DATA / "golden.json").read_text())
RTOL, ATOL = 1e-9, 1e-9


def _compare(expected, actual, path=""):
    """Yield the paths where ``actual`` differs from ``expected``."""
    if isinstance(expected, dict):
        if set(expected) != set(actual):
            yield f"{path}: keys {sorted(set(expected) ^ set(actual))}"
            return
        for k in expected:
            yield from _compare(expected[k], actual[k], f"{path}.{k}")
    elif isinstance(expected, list):
        if len(expected) != len(actual):
            yield f"{path}: length {len(expected)} != {len(actual)}"
            return
        for k, (e, a) in enumerate(zip(expected, actual)):
            yield from _compare(e, a, f"{path}[{k}]")
    elif isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            if expected is not actual:
                yield f"{path}: {expected} != {actual}"
        elif not math.isclose(expected, actual, rel_tol=RTOL, abs_tol=ATOL):
            yield f"{path}: {expected!r} != {actual!r}"
    elif expected != actual:
        yield f"{path}: {expected!r} != {actual!r}"


@pytest.fixture(scope="module")
def current():
    from .data.make_golden import generate

    return json.loads(json.dumps(generate()))


@pytest.mark.parametrize("section", sorted(GOLD))
def test_golden(current, section):
    diffs = list(_compare(GOLD[section], current[section], section))
    assert not diffs, f"{len(diffs)} differences, first: " + "; ".join(diffs[:5])


def test_the_comparison_can_fail():
    assert list(_compare({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 * (1 + 1e-8)]}))
    assert list(_compare({"a": None}, {"a": 0.0}))
    assert not list(_compare({"a": [1.0]}, {"a": [1.0 + 1e-12]}))
