"""Results of the page's runs: file names, Monte Carlo chunks, one result per analysis.

No streamlit here: the stores are plain mappings (the app passes
``st.session_state``'s).
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["safe_name", "assemble_chunks", "collect_chunks", "stored", "store"]

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


def store(results, name, scenario, value):
    """Keep ``value`` as the one result of analysis ``name`` (for ``scenario``).

    Results of ``name`` for other scenarios are dropped: one result per analysis.
    """
    for key in [k for k in results if k[0] == name]:
        del results[key]
    results[(name, scenario.sha256())] = value
