"""Results of the page's runs: file names, Monte Carlo chunks, one result per analysis.

No streamlit here: the stores are plain mappings (the app passes
``st.session_state``'s).
"""

from __future__ import annotations

import numbers
import re

import pandas as pd

from decide.reporting.labels import format_number, param_label

__all__ = ["safe_name", "assemble_chunks", "collect_chunks", "stored", "latest", "store",
           "changed_keys"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text):
    """A file-name stem for downloads: ASCII letters, digits, ``_``, ``.``, ``-`` only.

    Parameters
    ----------
    text : str
        Usually the scenario's name (free text from a possibly hostile file).

    Returns
    -------
    str
        At most 60 characters, no leading or trailing dots or underscores (so no path
        and no hidden file); ``scenario`` when nothing is left.

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("")
    ('etc_passwd', 'scenario')
    """
    return _UNSAFE.sub("_", str(text)).strip("._")[:60] or "scenario"


def assemble_chunks(frames):
    """One Monte Carlo frame from the chunks of `decide.monte_carlo_chunks`.

    Parameters
    ----------
    frames : list of pandas.DataFrame
        The chunks, in order.

    Returns
    -------
    pandas.DataFrame
        The rows and ``attrs`` that `decide.monte_carlo` returns for the same draws:
        ``engine``, ``seed_entropy``, ``lp_fallback_draws`` (summed over the chunks) and
        ``workers`` (where the chunks ran).
    """
    if not frames:
        raise ValueError("no Monte Carlo chunks to assemble")
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"engine": frames[0].attrs["engine"],
                 "seed_entropy": frames[0].attrs["seed_entropy"],
                 "lp_fallback_draws": sum(f.attrs["lp_fallback_draws"] for f in frames),
                 "workers": sorted({f.attrs["worker"] for f in frames})}
    return out


def collect_chunks(chunks, n, progress=None):
    """Run the chunks, reporting progress, and `assemble_chunks` them.

    Parameters
    ----------
    chunks : Iterable[pandas.DataFrame]
        Usually ``decide.monte_carlo_chunks(sc, n=n, ...)``.
    n : int
        Draws expected in total (for progress).
    progress : callable, optional
        Called as ``progress(done, n)`` after each chunk (draws done so far).

    Returns
    -------
    pandas.DataFrame
    """
    frames, done = [], 0
    for frame in chunks:
        frames.append(frame)
        done += len(frame)
        if progress is not None:
            progress(done, n)
    return assemble_chunks(frames)


def stored(results, name, scenario):
    """The last result of analysis ``name`` for this exact scenario, or ``None``.

    Parameters
    ----------
    results : Mapping
        The store (``(name, scenario hash) -> result``).
    name : str
    scenario : Scenario
    """
    return results.get((name, scenario.sha256()))


def latest(results, name, scenario):
    """The last result of analysis ``name`` whatever the settings it was run for.

    Parameters
    ----------
    results : Mapping
        The store (``(name, scenario hash) -> result``).
    name : str
    scenario : Scenario
        The current settings.

    Returns
    -------
    tuple
        ``(value, fresh)``: ``(None, True)`` when there is none; ``fresh`` is False when
        the result was computed for other settings than ``scenario`` (stale).
    """
    sha = scenario.sha256()
    for key, value in results.items():
        if key[0] == name:
            return value, key[1] == sha
    return None, True


def changed_keys(scenario, other, limit=3):
    """A short description of what differs between two settings, for a stale notice.

    Parameters
    ----------
    scenario, other : Scenario
        Same levers (one scenario file with different overrides).
    limit : int
        Keys named before "and N more".

    Returns
    -------
    str
        E.g. ``"Budget (1,000 to 1,200)"``; empty when nothing differs.

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> changed_keys(sc.with_overrides({"budget": 1200}), sc)
    'Budget (1,000 to 1,200)'
    """
    diff = scenario.diff(other)
    if not len(diff):
        return ""
    parts = [f"{param_label(scenario, r.key)} ({_value(r.other)} to {_value(r.this)})"
             for r in diff.head(limit).itertuples()]
    more = len(diff) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _value(v):
    """A setting's value for prose: numbers with thousands separators."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):  # numpy numbers too
        return str(v)
    return f"{v:,.0f}" if float(v).is_integer() else format_number(v)


def store(results, name, scenario, value):
    """Keep ``value`` as the one result of analysis ``name`` (for ``scenario``).

    Results of ``name`` for other scenarios are dropped: one result per analysis.
    """
    for key in [k for k in results if k[0] == name]:
        del results[key]
    results[(name, scenario.sha256())] = value
