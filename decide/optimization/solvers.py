"""Solver plumbing shared by every LP in the package: PuLP solver objects for CBC and
HiGHS, silent highspy models, HiGHS row bounds, and stdout kept clean of solver banners."""

from __future__ import annotations

import contextlib
import os
import sys

import pulp

from ..errors import SolverError

__all__ = ["SOLVERS", "make_solver", "new_highs", "quiet_stdout"]


SOLVERS = ("cbc", "highs")


@contextlib.contextmanager
def quiet_stdout():
    # HiGHS prints its banner even with msg=False; keep stdout clean for CSV/JSON output.
    fd = 1  # the process's stdout, whatever object sys.stdout currently is
    try:
        sys.stdout.flush()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), fd)
    try:
        yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()  # C-level buffers (HiGHS uses printf) must empty into devnull
        os.dup2(saved, fd)
        os.close(saved)


def _flush_c_stdio():
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


def new_highs():
    """A silent highspy model (its banner kept off stdout)."""
    import highspy

    with quiet_stdout():  # the banner is printed on construction
        h = highspy.Highs()
    h.silent()
    return h


def make_solver(name, time_limit=None):
    """A PuLP solver object for ``"cbc"`` (bundled CBC) or ``"highs"`` (highspy)."""
    if name == "cbc":
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    if name == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit)
    raise SolverError(f"unknown solver '{name}': choose one of {', '.join(SOLVERS)}",
                      solver=name)
