"""Two runs side by side: allocations, deaths and the assumptions that differ."""

from __future__ import annotations

import pandas as pd

__all__ = ["compare"]


def compare(a, b, *, names=("A", "B")):
    """Compare two `Allocation` results.

    Returns
    -------
    allocations : pandas.DataFrame
        ``lever``, ``spend_<A>``, ``spend_<B>``, ``difference`` ($M per year), for the union
        of the two scenarios' levers (0 where a lever is absent).
    summary : pandas.DataFrame
        ``measure``, ``<A>``, ``<B>``, ``difference`` for projected deaths, deaths
        averted, baseline deaths and the certified gap.
    assumptions : pandas.DataFrame
        ``key``, ``<A>``, ``<B>``: every value that differs between the two scenarios.
    """
    na, nb = names
    levers = list(dict.fromkeys(list(a.spend.index) + list(b.spend.index)))
    sa = a.spend.reindex(levers, fill_value=0.0)
    sb = b.spend.reindex(levers, fill_value=0.0)
    allocations = pd.DataFrame({"lever": levers, f"spend_{na}": sa.to_numpy(),
                                f"spend_{nb}": sb.to_numpy(),
                                "difference": (sb - sa).to_numpy()})
    measures = [("projected deaths", a.deaths, b.deaths),
                ("deaths averted", a.deaths_averted, b.deaths_averted),
                ("baseline deaths", a.baseline_deaths, b.baseline_deaths),
                ("certified gap", a.gap, b.gap)]
    summary = pd.DataFrame([(m, x, y, y - x) for m, x, y in measures],
                           columns=["measure", na, nb, "difference"])
    assumptions = a.scenario.diff(b.scenario).rename(columns={"this": na, "other": nb})
    return allocations, summary, assumptions
