"""Override text: the one parser for ``KEY=VALUE`` and for a value written as text.

The command line (``decide solve --set budget=2000``) and the app's links
(``?budget=2000``) both read override values through `parse_value` and apply them
through `apply_overrides`, so a value means the same wherever it is typed. Which keys
exist, and the allowed range of each value, are checked by `Scenario.with_overrides`.
"""

from __future__ import annotations

import math
import re

from ..errors import ScenarioError

__all__ = ["NONE_WORDS", "parse_value", "parse_override", "parse_overrides",
           "apply_overrides"]

#: Texts (case-insensitive, after stripping blanks) that mean "no value": they remove a
#: ceiling, a lock, a minimum programme size or the cap on homicides in Mexico.
NONE_WORDS = ("none", "null", "")

# commas only as thousands separators: "1,000" and "12,345.5", never "1,5"
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_value(text, *, key=None, source="<overrides>"):
    """The value of an override written as text.

    Parameters
    ----------
    text : str
        ``none``, ``null`` or nothing for no value; otherwise a finite number, written
        as a whole number (``2000``, ``1_000``, ``1,000``; commas only between groups
        of three digits) or a decimal (``0.25``, ``1e3``, ``2000.0``). Blanks around
        it are ignored.
    key : str, optional
        The override key, named in errors.
    source : str
        Where the text came from (``--set``, ``link``), named in errors.

    Returns
    -------
    int or float or None
        ``None`` for a ``NONE_WORDS`` text; an `int` when the text is a whole number
        without a decimal point or exponent; a `float` otherwise. The unit is the
        key's own (for example $M per year for ``budget``).

    Raises
    ------
    ScenarioError
        The text is not a number, or is not finite (``nan``, ``inf``, or too large
        for a float); the message names ``source``, ``key`` and the text.

    Examples
    --------
    >>> parse_value("2,000"), parse_value(" 0.25 "), parse_value("1e3"), parse_value("None")
    (2000, 0.25, 1000.0, None)
    """
    if not isinstance(text, str):
        raise ScenarioError(f"expected text, got {type(text).__name__}", file=source,
                            key=key, value=text)
    cleaned = text.strip()
    if cleaned.lower() in NONE_WORDS:
        return None
    digits = cleaned.replace(",", "") if _GROUPED.fullmatch(cleaned) else cleaned
    try:
        value = int(digits)
    except ValueError:
        try:
            value = float(digits)
        except ValueError:
            raise ScenarioError("must be a number (or 'none')", file=source, key=key,
                                value=cleaned) from None
    try:
        finite = math.isfinite(value)
    except OverflowError:  # a whole number beyond the largest float
        finite = False
    if not finite:  # the key's own range is checked when the override is applied
        raise ScenarioError("must be a finite number (or 'none')", file=source, key=key,
                            value=cleaned)
    return value


def parse_override(text, *, source="--set"):
    """Split ``KEY=VALUE`` and parse the value with `parse_value`.

    Parameters
    ----------
    text : str
        For example ``budget=2000`` or ``levers.precursor.ceiling=none``.
    source : str
        Where the text came from, named in errors.

    Returns
    -------
    key : str
        The key, stripped of blanks (checked later by `Scenario.with_overrides`).
    value : int or float or None

    Raises
    ------
    ScenarioError
        No ``=``, an empty key, or a value `parse_value` rejects.

    Examples
    --------
    >>> parse_override("levers.precursor.max_effect = 0.3")
    ('levers.precursor.max_effect', 0.3)
    """
    key, sep, value = str(text).partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError("expected KEY=VALUE", file=source, key=str(text),
                            has_value=False)
    return key, parse_value(value, key=key, source=source)


def parse_overrides(items, *, source="--set"):
    """`parse_override` for each text, as a dict (a later key replaces an earlier one).

    Parameters
    ----------
    items : Iterable[str] or None
    source : str

    Returns
    -------
    dict[str, int | float | None]

    Examples
    --------
    >>> parse_overrides(["budget=2,000", "levers.gun_flow.ceiling = none", "budget=1500"])
    {'budget': 1500, 'levers.gun_flow.ceiling': None}
    """
    return dict(parse_override(item, source=source) for item in items or ())


def apply_overrides(scenario, overrides, *, source="<overrides>"):
    """``scenario.with_overrides(overrides)``, refusing ``None`` where a value is needed.

    `Scenario.with_overrides` reads ``None`` as "remove the value", which falls back
    to the file format's default for a required value (``budget=none`` would silently
    mean the default budget). Here ``None`` is accepted only where it stays ``None``:
    a ceiling, a lock, a minimum programme size, the cap on homicides in Mexico.

    Parameters
    ----------
    scenario : Scenario
    overrides : Mapping[str, object]
        Override key -> value (see `Scenario.override_keys`).
    source : str
        Named in errors.

    Returns
    -------
    Scenario
        A new scenario; ``scenario`` is unchanged.

    Raises
    ------
    ScenarioError
        Unknown key, invalid value, or ``None`` for a key that needs a value.

    Examples
    --------
    >>> from decide import load_scenario
    >>> sc = load_scenario("inputs/baseline.toml")
    >>> no_cap = apply_overrides(sc, {"levers.gun_flow.ceiling": None})
    >>> sc.lever("gun_flow").ceiling, no_cap.lever("gun_flow").ceiling  # $M per year
    (500.0, None)
    >>> apply_overrides(sc, {"budget": None})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    decide.errors.ScenarioError: <overrides>: budget = None: needs a value: 'none' only ...
    """
    out = scenario.with_overrides(overrides, source=source)
    cleared = [key for key, value in dict(overrides).items() if value is None]
    if cleared:
        values = out.flat_values()
        for key in cleared:
            if values[key] is not None:
                raise ScenarioError("needs a value: 'none' only clears an optional value "
                                    "(a ceiling, a lock, a minimum programme size or the "
                                    "cap on homicides in Mexico)", file=source, key=key,
                                    value=None)
    return out
