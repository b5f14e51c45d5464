"""One error family: what went wrong, where, and what is allowed."""

from __future__ import annotations

__all__ = ["DecideError", "ScenarioError", "InfeasibleError", "SolverError", "FileError"]


class DecideError(Exception):
    """Base class of every error `decide` raises on purpose.

    Catch it to handle any of `ScenarioError` (invalid input), `InfeasibleError`
    (conflicting constraints), `SolverError` (the solver failed) and `FileError` (a file
    could not be read or written) in one place.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> try:
    ...     decide.optimize(sc.with_overrides({"budget": -5}))
    ... except decide.DecideError as exc:
    ...     print(type(exc).__name__, "-", exc)
    ScenarioError - <overrides>: budget = -5: out of range: must be in [0, 1e+09] $M per year
    """


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
    has_value : bool
        False when there is no offending value to show (a missing key): the message
        then names the key alone.

    Attributes
    ----------
    file, key, value : str, str, object
        As given (None when not given).
    reason : str
        ``message``: what is allowed, without the file and key.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> try:
    ...     sc.with_overrides({"levers.precursor.max_effect": 2})
    ... except ScenarioError as exc:
    ...     print(exc.key, "=", exc.value, "->", exc.reason)  # doctest: +ELLIPSIS
    levers.precursor.max_effect.base = 2 -> out of range: must be in [0, 0.99] (fraction; ...)
    >>> str(ScenarioError("must be a number in [0, 1]", file="my.toml", key="discount_rate",
    ...                   value="high"))
    "my.toml: discount_rate = 'high': must be a number in [0, 1]"
    """

    def __init__(self, message, *, file=None, key=None, value=None, has_value=True):
        self.file, self.key, self.value, self.reason = file, key, value, message
        where = f"{file}: " if file else ""
        what = f"{key}" if key else ""
        if key and has_value:
            what += f" = {_short(value)}"
        super().__init__(f"{where}{what}: {message}" if what else f"{where}{message}")


class InfeasibleError(DecideError, ValueError):
    """The constraints cannot all hold; the message names them and the amounts ($M per
    year, or homicides for the cap on homicides in Mexico).

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> floors = {"levers.counter_network.floor": 500, "levers.financial.floor": 400,
    ...           "levers.precursor.floor": 300}
    >>> import textwrap
    >>> try:
    ...     decide.optimize(sc.with_overrides(floors))
    ... except InfeasibleError as exc:
    ...     print(textwrap.fill(str(exc), 80))
    infeasible constraints: floors total $1,200M (counter_network $500M, financial
    $400M, precursor $300M), exceeding the $1,000M budget by $200M
    """


class SolverError(DecideError, RuntimeError):
    """The solver failed or returned a non-optimal status (names solver and status).

    Parameters
    ----------
    message : str
        What failed.
    solver : str, optional
        The solver's name (``"cbc"`` or ``"highs"``).
    status : str, optional
        The status the solver returned.

    Examples
    --------
    A solver that stops early (a time limit, a numerical failure) raises it; the command
    line exits with status 3. A misspelt solver name is the caller's error
    (`ScenarioError`, exit 2).

    >>> err = SolverError("HiGHS returned status 'Time limit reached' in the robust LP",
    ...                   solver="highs", status="Time limit reached")
    >>> err.solver, err.status
    ('highs', 'Time limit reached')
    >>> isinstance(err, DecideError) and isinstance(err, RuntimeError)
    True
    """

    def __init__(self, message, *, solver=None, status=None):
        self.solver, self.status = solver, status
        super().__init__(message)


class FileError(DecideError, OSError):
    """A file could not be read or written: names the path and the cause in words.

    An `OSError` too, so that code catching operating-system errors still catches it.

    Parameters
    ----------
    message : str
        The cause in words ("no such folder 'out'", "disk full or file too large", ...).
    path : str, optional
        The path as the user gave it ("-" for standard output).
    errno : int, optional
        The operating system's error number, when there was one.

    Examples
    --------
    >>> str(FileError("no such folder 'out'", path="out/x.csv"))
    "out/x.csv: no such folder 'out'"
    """

    def __init__(self, message, *, path=None, errno=None):
        super().__init__(message)
        self.reason, self.path, self.errno = message, path, errno

    def __str__(self):
        return f"{self.path}: {self.reason}" if self.path else self.reason


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
