"""Validation of numbers and options: one home for every check of a value's type and
range, in the spirit of scikit-learn's ``validate_params``.

Every number that enters `decide` - a value in a scenario file, an override, or a
function argument such as ``n``, ``seed``, ``alpha`` or ``deaths_averted`` - is
converted by `check_number` alone, so a bool, a string, a NaN, an infinity, or an
integer too large for a float (``10**400``) is refused the same way everywhere: with a
`ScenarioError` naming where the value came from (a scenario file, ``"<overrides>"``,
or ``"<function>"`` for a function's argument), the key, the value and what is allowed.

>>> check_int("n", 50, 2, 201, where="two_way")
50
>>> check_int("n", 1000, 2, 201, where="two_way")
Traceback (most recent call last):
...
decide.errors.ScenarioError: <two_way>: n = 1000: out of range: must be a whole number in [2, 201]
>>> check_number(10**400, Interval(0, 1e9, "$M per year"), key="budget", file="a.toml")
... # doctest: +ELLIPSIS
Traceback (most recent call last):
...
decide.errors.ScenarioError: a.toml: budget = 1000...: out of range: must be in [0, 1e+09] $M ...
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import ScenarioError

__all__ = ["Interval", "check_number", "check_numbers", "check_int", "check_real",
           "check_seed", "check_executor", "check_choice", "suggest"]


def _fmt(v):
    if isinstance(v, float):
        return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:g}"
    return str(v)


@dataclass(frozen=True)
class Interval:
    """The allowed values of one number.

    Parameters
    ----------
    low, high : float
        Bounds (``-math.inf`` / ``math.inf`` for none); both included unless open.
    what : str
        Unit or meaning, shown after the range (e.g. ``"$M per year"``).
    low_open, high_open : bool
        True when the bound itself is not allowed.
    integer : bool
        Only whole numbers (a float such as ``10.0`` passes in a scenario file; a
        function argument checked by `check_int` must be an integer type).
    default : object, optional
        The value a scenario file gets when it leaves the key out (documentation and
        the JSON Schema; ``None`` for no default).
    """

    low: float
    high: float
    what: str = ""
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    default: object = None

    def describe(self):
        """The range as text: ``[0, 1e+09] $M per year``, ``> 0 years``, ``[2, 201]``."""
        if self.high == math.inf and self.low > -math.inf:
            text = f"{'>' if self.low_open else '>='} {_fmt(self.low)}"
        elif self.low == -math.inf and self.high < math.inf:
            text = f"{'<' if self.high_open else '<='} {_fmt(self.high)}"
        else:
            text = (f"{'(' if self.low_open else '['}{_fmt(self.low)}, "
                    f"{_fmt(self.high)}{')' if self.high_open else ']'}")
        return f"{text} {self.what}" if self.what else text

    def phrase(self):
        """``in [a, b] ...`` for a closed or open range, ``>= a ...`` for a half-line."""
        text = self.describe()
        return text if text[0] in "<>" else f"in {text}"

    def contains(self, v):
        """Is ``v`` (a finite float, or an int of any size: compared exactly) allowed?"""
        above = v > self.low if self.low_open else v >= self.low
        below = v < self.high if self.high_open else v <= self.high
        return above and below


def check_number(value, interval: Interval, *, key, file, strict_int=False):
    """The one conversion of a value to a number: type, finiteness, wholeness, range.

    Parameters
    ----------
    value : object
        Anything; accepted when it is a real number (Python or numpy int or float, not
        a bool) that satisfies ``interval``.
    interval : Interval
    key : str
        The name shown in errors (a dotted scenario key or an argument name).
    file : str
        Where the value came from: a scenario file, ``"<overrides>"``, ``"<evpi>"``...
    strict_int : bool
        With an integer ``interval``, refuse floats even when whole (function
        arguments such as ``n``).

    Returns
    -------
    int or float
        An `int` for an integer interval, a `float` otherwise.

    Raises
    ------
    ScenarioError
        Naming ``file``, ``key``, ``value`` and ``interval.describe()``; an integer too
        large for a float is "out of range", never an `OverflowError`.
    """
    def fail(message):
        raise ScenarioError(message, file=file, key=key, value=value)

    noun = "a whole number" if interval.integer else "a number"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        fail(f"must be {noun} {interval.phrase()}, got {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        number = int(value)  # exact: compared with the bounds without a float
    else:
        if strict_int and interval.integer:
            fail(f"must be {noun} {interval.phrase()}, got {type(value).__name__}")
        try:
            number = float(value)
        except OverflowError:  # e.g. a Fraction beyond the largest float
            number = math.inf
        if not math.isfinite(number):
            fail(f"must be a finite number {interval.phrase()}")
        if interval.integer and not number.is_integer():
            fail(f"must be a whole number {interval.phrase()}")
    if not interval.contains(number):
        kind = "a whole number " if interval.integer else ""
        fail(f"out of range: must be {kind}{interval.phrase()}")
    if interval.integer:
        return int(number)
    try:
        return float(number)
    except OverflowError:  # only with an infinite bound: no float holds it
        fail(f"out of range: must be {interval.phrase()} and fit in a float (1.8e308)")


def check_numbers(key, values, interval: Interval, *, file, max_size=100_000):
    """`check_number` for each of a 1-D sequence of values.

    Parameters
    ----------
    key : str
        The name shown in errors (the bad value is named ``key[i]``).
    values : iterable
        A list, tuple, 1-D array, Series or any other iterable of numbers.
    interval : Interval
    file : str
        Where the values came from (see `check_number`).
    max_size : int
        The most values accepted.

    Returns
    -------
    numpy.ndarray
        The values as floats (or ints for an integer interval).

    Raises
    ------
    ScenarioError
        Not a flat iterable, more than ``max_size`` values, or a bad value.
    """
    if isinstance(values, np.ndarray) and values.ndim != 1 or isinstance(
            values, str | bytes | dict) or not hasattr(values, "__iter__"):
        raise ScenarioError(f"must be a flat list of numbers {interval.phrase()}",
                            file=file, key=key, value=values.tolist() if isinstance(
                                values, np.ndarray) else values)
    items = []
    for v in values:  # an iterator is read once, up to one value past the limit
        items.append(v.item() if isinstance(v, np.generic) else v)
        if len(items) > max_size:
            raise ScenarioError(f"at most {max_size:,} values", file=file, key=key,
                                has_value=False)
    out = [check_number(v, interval, key=f"{key}[{i}]", file=file)
           for i, v in enumerate(items)]
    return np.array(out, dtype=int if interval.integer else float)


def check_int(name, value, low, high, *, where):
    """A whole-number argument (a Python or numpy int, not a bool or float) in
    ``[low, high]``.

    Parameters
    ----------
    name : str
        The argument's name.
    value : object
    low, high : int
        Inclusive bounds.
    where : str
        The function's name, shown as ``<where>``.

    Returns
    -------
    int
    """
    return check_number(value, Interval(low, high, integer=True), key=name,
                        file=f"<{where}>", strict_int=True)


def check_real(name, value, low=-math.inf, high=math.inf, *, where, what="",
               low_open=False, high_open=False):
    """A finite real-number argument in the range from ``low`` to ``high``.

    Returns
    -------
    float
    """
    return check_number(value, Interval(low, high, what, low_open, high_open), key=name,
                        file=f"<{where}>")


def check_seed(seed, *, where):
    """A random seed: None (fresh entropy), a whole number >= 0 (any size; 0 is a seed
    like any other) or a `numpy.random.SeedSequence`, returned unchanged."""
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral) \
            or seed < 0:
        raise ScenarioError("must be None, a whole number >= 0 or a "
                            "numpy.random.SeedSequence", file=f"<{where}>", key="seed",
                            value=seed)
    return int(seed)


def check_executor(executor, *, where):
    """Where chunks of draws run: None (here), ``"processes"``, a Dask scheduler address
    (any other non-empty string) or a client with a ``submit`` method; returned
    unchanged."""
    if executor is None or (isinstance(executor, str) and executor.strip()) \
            or callable(getattr(executor, "submit", None)):
        return executor
    raise ScenarioError("must be None, 'processes', a dask.distributed.Client or a "
                        "scheduler address", file=f"<{where}>", key="executor",
                        value=executor)


def check_choice(name, value, options, *, where):
    """One of ``options`` (with a did-you-mean suggestion for a close string)."""
    if isinstance(value, str) and value in options:
        return value
    hint = suggest(value, options) if isinstance(value, str) else ""
    raise ScenarioError(f"must be one of {', '.join(options)}{hint}", file=f"<{where}>",
                        key=name, value=value)


def suggest(word, options):
    """`` (did you mean 'x'?)`` for the option closest to ``word``, or ``""``.

    Parameters
    ----------
    word : str
        What the user typed.
    options : Iterable[str]
        The allowed values.

    Returns
    -------
    str
        To append to an error message.

    Examples
    --------
    >>> suggest("precursr", ["financial", "precursor"])
    " (did you mean 'precursor'?)"
    >>> suggest("zzz", ["financial", "precursor"])
    ''
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return ""
