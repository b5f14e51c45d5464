"""decide.arguments: the one validation helper for numbers, seeds and executors."""

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from decide import ScenarioError
from decide.arguments import (
    Interval,
    check_choice,
    check_executor,
    check_int,
    check_number,
    check_numbers,
    check_real,
    check_seed,
)

from .conftest import ROOT

HUGE = 10**400  # no float can hold it


def _error(call):
    with pytest.raises(ScenarioError) as err:
        call()
    msg = str(err.value)
    assert "\n" not in msg and len(msg) < 500, msg
    return msg


def test_message_names_where_key_value_and_range():
    msg = _error(lambda: check_int("n", 1000, 2, 201, where="two_way"))
    assert msg == "<two_way>: n = 1000: out of range: must be a whole number in [2, 201]"
    msg = _error(lambda: check_number(-1, Interval(0, 1e9, "$M per year"), key="budget",
                                      file="a.toml"))
    assert msg == "a.toml: budget = -1: out of range: must be in [0, 1e+09] $M per year"


@pytest.mark.parametrize("value", [True, False, np.True_, np.bool_(False)])
def test_bools_are_not_numbers(value):
    assert "got bool" in _error(lambda: check_int("n", value, 0, 10, where="f"))
    assert "got bool" in _error(lambda: check_real("x", value, 0, 10, where="f"))
    assert "got bool" in _error(lambda: check_number(value, Interval(0, 10), key="k",
                                                     file="f.toml"))


@pytest.mark.parametrize("value", [np.int8(7), np.int64(7), np.uint16(7), 7])
def test_numpy_ints_are_accepted_as_python_ints(value):
    out = check_int("n", value, 2, 201, where="f")
    assert out == 7 and type(out) is int
    assert type(check_real("x", value, where="f")) is float


def test_bounds_are_inclusive_unless_open():
    assert check_int("n", 2, 2, 201, where="f") == 2
    assert check_int("n", 201, 2, 201, where="f") == 201
    for bad in (1, 202):
        assert "out of range" in _error(lambda b=bad: check_int("n", b, 2, 201, where="f"))
    assert check_real("a", 0.0, 0, 1, where="f") == 0.0
    assert check_real("a", 1, 0, 1, where="f") == 1.0
    for bad in (0, 1, 0.0, 1.0):
        msg = _error(lambda b=bad: check_real("a", b, 0, 1, low_open=True, high_open=True,
                                              where="robust"))
        assert "must be in (0, 1)" in msg
    assert check_real("a", 0.5, 0, 1, low_open=True, high_open=True, where="f") == 0.5
    assert "must be > 0 deaths" in _error(lambda: check_real(
        "tol", 0, 0, low_open=True, what="deaths", where="f"))


@pytest.mark.parametrize("value", [HUGE, -HUGE, 2**1024, Fraction(HUGE, 3)])
def test_huge_numbers_are_out_of_range_never_overflow(value):
    for call in (lambda: check_int("n", value, 2, 201, where="f"),
                 lambda: check_real("x", value, 0, 1e9, where="f"),
                 lambda: check_real("x", value, 0 if value < 0 else -math.inf, where="f"),
                 lambda: check_number(value, Interval(0, 50, "years", integer=True),
                                      key="horizon", file="s.toml")):
        msg = _error(call)
        assert "out of range" in msg or "finite" in msg or "whole" in msg, msg
    if value > 0 and isinstance(value, int):  # an infinite bound: still no OverflowError
        msg = _error(lambda: check_real("deaths_averted", value, 0, where="least_cost"))
        assert msg.startswith("<least_cost>: deaths_averted = 1") and "float" in msg


@pytest.mark.parametrize("value", [2.0, 2.5, np.float64(3.0), "3", None, [3], Decimal(3)])
def test_int_arguments_refuse_floats_and_others(value):
    msg = _error(lambda: check_int("n", value, 2, 201, where="pareto"))
    assert msg.startswith("<pareto>: n = ") and "whole number in [2, 201]" in msg
    assert f"got {type(value).__name__}" in msg


def test_scenario_integers_accept_whole_floats_only():
    years = Interval(1, 50, "years", integer=True)
    assert check_number(10.0, years, key="horizon", file="s.toml") == 10
    assert "whole number" in _error(lambda: check_number(2.5, years, key="horizon",
                                                         file="s.toml"))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_non_finite_values(value):
    msg = _error(lambda: check_real("x", value, 0, 1, where="f"))
    assert "must be a finite number in [0, 1]" in msg


def test_seeds():
    for ok in (None, 0, 7, np.int64(7), HUGE):
        assert check_seed(ok, where="f") == ok
    seq = np.random.SeedSequence(3)
    assert check_seed(seq, where="f") is seq
    for bad in (-1, True, 1.5, "1", [1, 2]):
        msg = _error(lambda b=bad: check_seed(b, where="evpi"))
        assert msg.startswith("<evpi>: seed = ") and "whole number >= 0" in msg


def test_executors():
    class Client:
        def submit(self, fn, *args, **kwargs):
            pass

    client = Client()
    for ok in (None, "processes", "tcp://10.0.0.1:8786", client):
        assert check_executor(ok, where="f") is ok
    for bad in (42, "", "  ", object(), True):
        msg = _error(lambda b=bad: check_executor(b, where="monte_carlo"))
        assert msg.startswith("<monte_carlo>: executor = ") and "'processes'" in msg


def test_choices_suggest():
    assert check_choice("objective", "cvar", ("expected", "cvar"), where="robust") == "cvar"
    msg = _error(lambda: check_choice("objective", "expectd", ("expected", "cvar"),
                                      where="robust"))
    assert "must be one of expected, cvar (did you mean 'expected'?)" in msg
    assert "must be one of" in _error(lambda: check_choice("o", 3, ("a",), where="f"))
    assert "must be one of" in _error(lambda: check_choice("o", ["a"], ("a",), where="f"))


def test_sequences_of_numbers():
    money = Interval(0, math.inf, "$M per year")
    for ok in ([0, 1.5, np.int64(2)], (0, 1), np.array([0.0, 3.0]), pd.Series([1, 2]),
               (x for x in [1, 2])):
        out = check_numbers("budgets", ok, money, file="<frontier>")
        assert out.dtype == float and out.ndim == 1
    for bad, where in ((5.0, "budgets ="), ("abc", "budgets ="), (np.zeros((2, 2)),
                                                                  "budgets ="),
                       ([1, HUGE], "budgets[1] ="), ([0, -1], "budgets[1] ="),
                       ([True], "budgets[0] ="), ([[1]], "budgets[0] =")):
        msg = _error(lambda b=bad: check_numbers("budgets", b, money, file="<frontier>"))
        assert msg.startswith(f"<frontier>: {where}"), msg
    assert "at most 3 values" in _error(lambda: check_numbers(
        "budgets", range(10), money, file="<frontier>", max_size=3))


def test_no_hand_written_argument_checks_remain():
    """Every type-and-range check of an argument goes through decide.arguments."""
    pattern = re.compile(r"isinstance\([\w.]+, bool\) or not isinstance")
    for path in (ROOT / "decide").rglob("*.py"):
        if path.name != "arguments.py":
            assert not pattern.search(path.read_text()), path
