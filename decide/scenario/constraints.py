"""Custom linear constraints over lever spends, parsed by a small grammar (no ``eval``).

    constraint := expr ("<=" | ">=" | "==") expr
    expr       := ["+" | "-"] term (("+" | "-") term)*
    term       := ["+" | "-"] (number ["*"] lever | lever ["*" number] | number | lever)

Spends are in $M per year, e.g. ``"financial >= 0.5 * counter_network"`` or
``"gun_flow + financial <= 600"``. A constraint is kept as ``sum_i a_i x_i (sense) b``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["LinearConstraint", "parse_constraint", "ConstraintSyntaxError"]

_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op><=|>=|==|[-+*<>=]))")
MAX_TEXT = 1000


class ConstraintSyntaxError(ValueError):
    """Bad constraint text: ``message`` says what, ``column`` (1-based) where.

    Parameters
    ----------
    message : str
        What is wrong.
    column : int
        1-based column of the offending text.

    Examples
    --------
    >>> levers = ["counter_network", "financial", "gun_flow", "precursor"]
    >>> try:
    ...     parse_constraint("financial >= 0.5 * counter_netwrk", levers)
    ... except ConstraintSyntaxError as exc:
    ...     print(f"column {exc.column}: {exc}")
    column 20: unknown lever 'counter_netwrk' (did you mean 'counter_network'?)
    """

    def __init__(self, message, column):
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(coeffs[lever] * spend[lever]) sense rhs`` ($M per year).

    Build one with `parse_constraint`.

    Attributes
    ----------
    text : str
        The constraint as written.
    coeffs : tuple of (str, float)
        ``(lever, coefficient)`` pairs, every lever term moved to the left-hand side.
    sense : {"<=", ">=", "=="}
    rhs : float
        The constant, moved to the right-hand side ($M per year).

    Examples
    --------
    >>> c = parse_constraint("gun_flow + financial <= 600", ["financial", "gun_flow"])
    >>> c.coeffs, c.sense, c.rhs
    ((('financial', 1.0), ('gun_flow', 1.0)), '<=', 600.0)
    >>> c.lhs({"financial": 400, "gun_flow": 100})  # $M per year
    500.0
    """

    text: str
    coeffs: tuple  # ((lever, coefficient), ...)
    sense: str  # "<=", ">=" or "=="
    rhs: float

    def lhs(self, spend):
        """Left-hand side for a spend mapping ($M per year)."""
        return sum(a * float(spend[name]) for name, a in self.coeffs)


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            col = len(text) - len(text[pos:].lstrip()) + 1
            raise ConstraintSyntaxError(f"unexpected character {text[col - 1]!r}", col)
        kind = m.lastgroup
        out.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


def parse_constraint(text, levers):
    """Parse one constraint over the names in ``levers``.

    Parameters
    ----------
    text : str
        E.g. ``"financial >= 0.5 * counter_network"`` (spends in $M per year; at most
        1,000 characters).
    levers : Collection[str]
        The lever names allowed.

    Returns
    -------
    LinearConstraint

    Raises
    ------
    ConstraintSyntaxError
        With the 1-based column of the offending text.

    Examples
    --------
    >>> levers = ["counter_network", "financial", "gun_flow", "precursor"]
    >>> c = parse_constraint("financial >= 0.5 * counter_network", levers)
    >>> c.coeffs, c.sense, c.rhs  # financial - 0.5 counter_network >= 0
    ((('counter_network', -0.5), ('financial', 1.0)), '>=', 0.0)
    """
    if not isinstance(text, str):
        raise ConstraintSyntaxError("a constraint must be a string", 1)
    if len(text) > MAX_TEXT:
        raise ConstraintSyntaxError(f"longer than {MAX_TEXT} characters", MAX_TEXT + 1)
    toks = _tokens(text)
    pos = 0

    def peek():
        return toks[pos]

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def number(tok):
        value = float(tok[1])  # digits only: never an OverflowError, at worst inf
        if not math.isfinite(value) or abs(value) > 1e12:
            shown = tok[1] if len(tok[1]) <= 20 else f"{tok[1][:17]}..."
            raise ConstraintSyntaxError(f"number {shown} is out of range (|x| <= 1e12)",
                                        tok[2])
        return value

    def lever(tok):
        if tok[1] not in levers:
            import difflib

            close = difflib.get_close_matches(tok[1], list(levers), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConstraintSyntaxError(f"unknown lever '{tok[1]}'{hint}", tok[2])
        return tok[1]

    def term(sign, coeffs, const):
        tok = take()
        while tok[0] == "op" and tok[1] in ("+", "-"):  # unary signs: "a + -2 * b"
            sign = -sign if tok[1] == "-" else sign
            tok = take()
        if tok[0] == "num":
            value = number(tok)
            if peek()[1] == "*":
                take()
                name_tok = take()
                if name_tok[0] != "name":
                    raise ConstraintSyntaxError("expected a lever name after '*'",
                                                name_tok[2])
                name = lever(name_tok)
                coeffs[name] = coeffs.get(name, 0.0) + sign * value
            elif peek()[0] == "name":
                name = lever(take())
                coeffs[name] = coeffs.get(name, 0.0) + sign * value
            else:
                const[0] += sign * value
        elif tok[0] == "name":
            name = lever(tok)
            value = 1.0
            if peek()[1] == "*":
                take()
                num_tok = take()
                if num_tok[0] != "num":
                    raise ConstraintSyntaxError("expected a number after '*' (products of "
                                                "levers are not linear)", num_tok[2])
                value = number(num_tok)
            coeffs[name] = coeffs.get(name, 0.0) + sign * value
        else:
            where = "end of text" if tok[0] == "end" else f"'{tok[1]}'"
            raise ConstraintSyntaxError(f"expected a number or a lever, found {where}",
                                        tok[2])

    def expr(side):
        coeffs, const = {}, [0.0]
        sign = 1.0
        if peek()[1] in "+-" and peek()[0] == "op":
            sign = -1.0 if take()[1] == "-" else 1.0
        term(sign * side, coeffs, const)
        while peek()[0] == "op" and peek()[1] in ("+", "-"):
            sign = -1.0 if take()[1] == "-" else 1.0
            term(sign * side, coeffs, const)
        return coeffs, const[0]

    left, c_left = expr(1.0)
    op = take()
    if op[1] in ("<", ">", "="):
        raise ConstraintSyntaxError(f"use '<=', '>=' or '==' instead of '{op[1]}'", op[2])
    if op[1] not in ("<=", ">=", "=="):
        where = "end of text" if op[0] == "end" else f"'{op[1]}'"
        raise ConstraintSyntaxError(f"expected '<=', '>=' or '==', found {where}", op[2])
    right, c_right = expr(-1.0)
    end = take()
    if end[0] != "end":
        raise ConstraintSyntaxError(f"unexpected '{end[1]}' after the constraint", end[2])
    coeffs = dict(left)
    for name, a in right.items():
        coeffs[name] = coeffs.get(name, 0.0) + a
    coeffs = {k: v for k, v in coeffs.items() if v != 0.0}
    rhs = -(c_left + c_right) + 0.0  # constants to the right (+0.0: no negative zero)
    if not coeffs:
        raise ConstraintSyntaxError("the constraint names no lever (or its levers cancel)", 1)
    ordered = tuple((name, coeffs[name]) for name in levers if name in coeffs)
    return LinearConstraint(text=text, coeffs=ordered, sense=op[1], rhs=rhs)
