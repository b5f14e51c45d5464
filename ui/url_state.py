"""The page's state in its link: override values <-> URL query, and widgets -> overrides.

No streamlit here: `ui.session` reads and writes ``st.query_params`` and
``st.session_state`` through these functions.

A link holds ``scenario`` (a bundled file), ``phasing=1`` when the plan is year by year,
and one entry per override key that differs from the scenario file (see
`Scenario.override_keys`). Numbers are written exactly (the shortest text that reads
back to the same float), ``none`` for no value, and the custom constraints as a JSON
list of lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from decide.errors import ScenarioError
from decide.scenario import apply_overrides, parse_value, suggest

__all__ = ["W", "SOURCE", "LinkState", "encode_value", "encode_query", "decode_query",
           "constraint_lines", "scenario_from_widgets"]

#: Prefix of the widget keys that hold override values; the rest of the key is the
#: override key the widget sets (``w:budget`` sets ``budget``).
W = "w:"
#: Where the values typed in the page come from, in error messages.
SOURCE = "app settings"
_LINK = "link"
_RESERVED = ("scenario", "phasing")


@dataclass(frozen=True)
class LinkState:
    """What a link asks for.

    Attributes
    ----------
    widgets : dict
        Override key -> value for the widget of that key, every value already checked
        against the base scenario.
    phasing : bool or None
        ``None`` when the link does not say.
    errors : tuple of str
        One message per entry of the link that was ignored (unknown key, not a number,
        out of range), naming the key and the value.
    """

    widgets: dict
    phasing: bool | None
    errors: tuple


def encode_value(value):
    """The text of one override value in a link.

    Parameters
    ----------
    value : int, float, None or list of str
        A value of `Scenario.flat_values`.

    Returns
    -------
    str
        ``none`` for ``None``; a JSON list for a list; the shortest exact text for a
        number (``2000`` for 2000.0, ``0.1`` for 0.1), so that `parse_value` reads the
        same number back.
    """
    if value is None:
        return "none"
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"cannot put a {type(value).__name__} in a link")
    text = repr(value) if isinstance(value, float) else str(int(value))
    return text[:-2] if text.endswith(".0") else text


def encode_query(file_name, overrides, phasing):
    """The URL query for a page state.

    Parameters
    ----------
    file_name : str or None
        The bundled scenario file (``None`` for an upload, which a link cannot carry).
    overrides : Mapping[str, object]
        Override key -> value, as from `scenario_from_widgets`.
    phasing : bool

    Returns
    -------
    dict[str, str]
    """
    query = {"scenario": file_name} if file_name else {}
    query.update({key: encode_value(value) for key, value in overrides.items()})
    if phasing:
        query["phasing"] = "1"
    return query


def constraint_lines(text):
    """The non-empty lines of the custom-constraints text box, stripped."""
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def _widget_value(value, current):
    # the widget's own type: whole years for the horizon slider, floats elsewhere
    if value is None:
        return None
    if isinstance(current, int) and not isinstance(current, bool) \
            and float(value).is_integer():
        return int(value)
    return float(value)


def decode_query(query, base):
    """The widget values a link asks for, each checked against ``base``.

    Parameters
    ----------
    query : Mapping[str, str]
        The URL query (one value per key).
    base : Scenario
        The scenario the link's overrides apply to.

    Returns
    -------
    LinkState
        Entries that cannot be applied are left out and named in ``errors`` (a link
        typed by hand must not break the page or be applied half-silently).
    """
    allowed = base.override_keys()
    current = base.flat_values()
    widgets, errors = {}, []
    for key, text in query.items():
        if key in _RESERVED:
            continue
        if key not in allowed:
            errors.append(f"{_LINK}: {key}: unknown key{suggest(key, sorted(allowed))}")
            continue
        try:
            if key == "constraints":
                value = _decode_constraints(text)
                checked = constraint_lines(value)
            else:
                value = checked = _widget_value(
                    parse_value(text, key=key, source=_LINK), current[key])
            apply_overrides(base, {key: checked}, source=_LINK)
        except ScenarioError as exc:
            errors.append(str(exc))
            continue
        widgets[key] = value
    phasing = query.get("phasing")
    return LinkState(widgets=widgets, phasing=None if phasing is None else phasing == "1",
                     errors=tuple(errors))


def _decode_constraints(text):
    # a JSON list of lines; anything else is taken as the text box's contents
    try:
        lines = json.loads(text)
    except ValueError:
        return text
    if isinstance(lines, list) and all(isinstance(line, str) for line in lines):
        return "\n".join(lines)
    return text


def scenario_from_widgets(base, widgets, *, source=SOURCE):
    """The scenario the widgets describe, and its overrides of ``base``.

    Parameters
    ----------
    base : Scenario
    widgets : Mapping[str, object]
        Override key -> widget value, for the widgets shown (others keep ``base``'s
        value; keys ``base`` does not have are ignored). The constraints box holds
        text, one constraint per line.
    source : str
        Named in errors.

    Returns
    -------
    scenario : Scenario
        ``base`` with every widget value applied (`apply_overrides`: re-validated).
    overrides : dict
        `Scenario.overrides_from`: only the values that differ from ``base``, so
        ``base.with_overrides(overrides)`` is ``scenario`` again.

    Raises
    ------
    ScenarioError
        A value ``base`` cannot take (names the key, the value and the allowed range).
    """
    values = {}
    for key in base.flat_values():  # the scenario's order, whatever the widgets' order
        if key in widgets:
            value = widgets[key]
            values[key] = constraint_lines(value) if key == "constraints" \
                and isinstance(value, str) else value
    scenario = apply_overrides(base, values, source=source)
    return scenario, scenario.overrides_from(base)
