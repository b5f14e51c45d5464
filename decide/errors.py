"""One error family: what went wrong, where, and what is allowed."""

from __future__ import annotations

__all__ = ["DecideError", "ScenarioError", "InfeasibleError", "SolverError"]


class DecideError(Exception):
    """Base class of every error `decide` raises on purpose."""


class ScenarioError(DecideError, ValueError):
    """Invalid input: names the file, the key, the value and what is allowed.

    Parameters
    ----------
    message : str
        What is allowed (for example "must be a number in [0, 1]").
    file : str, optional
        Scenario file (or "<overrides>", "<dict>").
    key : str, optional
        Dotted key, e.g. ``levers.precursor.max_effect.base``.
    value : object, optional
        The offending value.
    """

    def __init__(self, message, *, file=None, key=None, value=None, has_value=True):
        self.file, self.key, self.value, self.reason = file, key, value, message
        where = f"{file}: " if file else ""
        what = f"{key}" if key else ""
        if key and has_value:
            what += f" = {_short(value)}"
        super().__init__(f"{where}{what}: {message}" if what else f"{where}{message}")


class InfeasibleError(DecideError, ValueError):
    """The constraints cannot all hold; the message names them and the amounts."""


class SolverError(DecideError, RuntimeError):
    """The solver failed or returned a non-optimal status (names solver and status)."""

    def __init__(self, message, *, solver=None, status=None):
        self.solver, self.status = solver, status
        super().__init__(message)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
