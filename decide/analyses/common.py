"""What the analyses share: the uncertain parameters, progress callbacks, and deaths per
draw at an allocation (on the optimiser's objective: discounted when the scenario
discounts)."""

from __future__ import annotations

import numpy as np

from ..errors import ScenarioError
from ..optimization import newton
from ..scenario import suggest

__all__ = ["report_progress", "uncertain", "deaths_at"]


def report_progress(callback, done, total):
    if callback is not None:
        callback(done, total)


def uncertain(sc, parameters=None):
    """The parameters an analysis varies: those named, or by default every parameter
    with a range except the ``[outcomes]`` values (deaths do not depend on them)."""
    table = sc.parameters().set_index("name", drop=False)
    if parameters is None:
        return table[(table["low"] < table["high"]) & ~table["name"].str.startswith(
            "outcomes.")]
    if not isinstance(parameters, str) and not hasattr(parameters, "__iter__"):
        raise ScenarioError("must be a parameter name or a list of them",
                            file="<analysis>", key="parameters", value=parameters)
    names = [parameters] if isinstance(parameters, str) else list(parameters)
    for name in names:
        if not isinstance(name, str) or name not in table.index:
            hint = suggest(name, list(table.index)) if isinstance(name, str) else ""
            raise ScenarioError("not a parameter of this scenario" + hint,
                                file="<analysis>", key="parameters", value=name)
    return table.loc[names]


def deaths_at(b, spend):
    """The objective's deaths per draw (discounted if the scenario discounts) for one
    allocation (shape (L,), shared by every draw) or one per draw (shape (N, L))."""
    spend = np.broadcast_to(np.asarray(spend, dtype=float), b.lower.shape)
    return b.scale.sum(axis=1) - newton.averted_and_gradient(b, spend)[0]


