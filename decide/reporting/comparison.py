"""Two runs side by side (allocations, deaths and the assumptions that differ), and a
proposed allocation scored against the optimum."""

from __future__ import annotations

import pandas as pd

__all__ = ["compare", "score_proposal"]


def compare(a, b, *, names=("A", "B")):
    """Compare two `Allocation` results.

    Parameters
    ----------
    a, b : Allocation
        Two results of `decide.optimize` (their scenarios may differ in any way).
    names : tuple of str
        How the two are named in the columns.

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

    Examples
    --------
    >>> import decide
    >>> sc = decide.load_scenario("inputs/baseline.toml")
    >>> now = decide.optimize(sc)
    >>> double = decide.optimize(sc.with_overrides({"budget": 2000}))
    >>> spend, summary, assumptions = compare(now, double, names=("now", "double"))
    >>> spend  # $M per year
                 lever  spend_now  spend_double  difference
    0  counter_network      300.0        1300.0      1000.0
    1        financial      400.0         400.0         0.0
    2         gun_flow        0.0           0.0         0.0
    3        precursor      300.0         300.0         0.0
    >>> summary.round(1)  # deaths over the horizon
                measure       now    double  difference
    0  projected deaths  478926.8  478823.7      -103.2
    1    deaths averted    1073.2    1176.3       103.2
    2   baseline deaths  480000.0  480000.0         0.0
    3     certified gap       0.0       0.0         0.0
    >>> assumptions
          key     now  double
    0  budget  1000.0  2000.0
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


def score_proposal(res, proposal, best, mine):
    """A proposed allocation against the optimum, in the base case and across the same
    plausible worlds.

    Parameters
    ----------
    res : Allocation
        The optimum of the current settings.
    proposal : Mapping[str, float]
        The proposal, $M per year per lever.
    best, mine : Outlook
        `decide.outlook` of ``res`` and of the proposal with the same ``n`` and seed
        (so the worlds are paired draw by draw).

    Returns
    -------
    table : pandas.DataFrame
        ``measure``, ``Optimal``, ``Proposal``, ``difference`` (Proposal - Optimal):
        spend ($M per year), deaths averted in the base case, the median and 90% range
        over the worlds, the share of worlds where each is the best choice; then the
        paired difference (the proposal's deaths averted minus the optimum's in the same
        world: its median and 90% range, in ``difference`` only). The paired median is
        not the difference of the two medians above it: the sentence quotes it.
    sentence : str
        The proposal's base-case regret, its median and 90% shortfall against the
        optimum over paired worlds, how often it does at least as well, and its spend
        against the budget.
    """
    from ..optimization import evaluate

    sc = res.scenario
    spend = {k: float(proposal[k]) for k in sc.lever_names}
    total = sum(spend.values())
    averted = res.baseline_deaths - evaluate(sc, spend)
    lo_b, med_b, hi_b = best.interval()
    lo_m, med_m, hi_m = mine.interval()
    paired = mine.draws["deaths_averted"] - best.draws["deaths_averted"]
    q = paired.quantile([0.05, 0.5, 0.95])
    fewer = {k: round(-v) for k, v in q.items()}  # whole deaths (an int: never "-0")
    nan = float("nan")
    rows = [("Spend ($M per year)", float(res.spend.sum()), total),
            ("Deaths averted, base case", res.deaths_averted, averted),
            ("Deaths averted, median over worlds", med_b, med_m),
            ("Deaths averted, 5th percentile", lo_b, lo_m),
            ("Deaths averted, 95th percentile", hi_b, hi_m),
            ("Best choice in (share of worlds)", _or_nan(best.p_best),
             _or_nan(mine.p_best))]
    table = pd.DataFrame([(m, a, b, b - a) for m, a, b in rows] + [
        ("Same world, proposal - optimal deaths averted: median", nan, nan, q[0.5]),
        ("Same world, proposal - optimal deaths averted: 5th percentile", nan, nan,
         q[0.05]),
        ("Same world, proposal - optimal deaths averted: 95th percentile", nan, nan,
         q[0.95])], columns=["measure", "Optimal", "Proposal", "difference"])
    at_least = float((paired >= -1e-9).mean())
    regret = res.deaths_averted - averted
    text = (f"With every assumption at its base value the proposal averts {averted:,.0f} "
            f"deaths over {sc.horizon} years, {regret:,.0f} fewer than the optimal "
            f"allocation ({res.deaths_averted:,.0f}). In the same plausible world (of "
            f"{mine.n:,}) it averts a median {fewer[0.5]:,.0f} fewer (90% range "
            f"{fewer[0.95]:,.0f} to {fewer[0.05]:,.0f}) and does at least as well in "
            f"{at_least:.0%} of them.")
    if total > sc.budget + 1e-6:
        text += (f" It spends ${total:,.0f}M a year, ${total - sc.budget:,.0f}M more than "
                 f"the ${sc.budget:,.0f}M budget.")
    elif total < sc.budget - 1e-6:
        text += f" It leaves ${sc.budget - total:,.0f}M a year of the budget unspent."
    return table, text


def _or_nan(value):
    return float("nan") if value is None else value
