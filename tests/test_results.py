"""Results behave as values: equality, copies, an explicit cache, a status."""

import numpy as np

import decide


def test_results_compare_by_value(two_lever):
    a = decide.optimize(two_lever)
    b = decide.optimize(two_lever)
    assert a == b and a.equals(b) and a is not b
    assert a != decide.optimize(two_lever.with_overrides({"budget": 700}))
    assert a != "not a result"
    c = a.copy()
    c.table.loc[0, "spend"] = -1.0  # a copy's tables are its own
    assert c != a and a.table.loc[0, "spend"] >= 0


def test_nothing_is_cached_unless_asked(two_lever, monkeypatch):
    from decide.optimization import api

    calls = []
    real = api.optimize_flat

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(api, "optimize_flat", counted)
    decide.optimize(two_lever)
    decide.optimize(two_lever)
    assert len(calls) == 2
    cache = decide.ResultCache(size=1)
    first = decide.optimize(two_lever, cache=cache)
    again = decide.optimize(two_lever, cache=cache)
    assert len(calls) == 3 and again == first and again is not first and len(cache) == 1
    again.table.loc[0, "spend"] = -1.0  # changing a hit does not change the cache
    assert decide.optimize(two_lever, cache=cache) == first
    other = two_lever.with_overrides({"budget": 600})
    decide.optimize(other, cache=cache)  # evicts the first (size 1)
    decide.optimize(two_lever, cache=cache)
    assert len(calls) == 5 and len(cache) == 1


def test_status_is_set_and_shown(two_lever):
    res = decide.optimize(two_lever)
    assert res.status is decide.Status.OPTIMAL and res.summary()["status"] == "optimal"
    assert str(decide.Status.TIME_LIMIT) == "time_limit"
    assert np.isfinite(res.gap) and 0 <= res.gap
