"""Words for the objective of a result and its budget price, in the objective's units
(deaths averted, life-years, or $M of net benefit)."""

from __future__ import annotations

from .sentences import shadow_price_sentence

__all__ = ["OBJECTIVE_TEXT", "budget_price_sentence"]

#: What each objective optimises, in words.
OBJECTIVE_TEXT = {
    "deaths": "minimise projected deaths (deaths averted)",
    "life_years": "maximise years of life saved (life-years)",
    "net_benefit": "maximise the net benefit: value averted minus spend ($M, discounted)",
}


def budget_price_sentence(res):
    """The value of the budget's next $1M a year as one sentence, in the objective's
    units (the deaths sentence of `decide.reporting.sentences` for deaths).

    Parameters
    ----------
    res : Allocation

    Returns
    -------
    str
    """
    price = res.shadow_price_bounds.loc["budget"]
    horizon = res.scenario.horizon
    tail = ""
    if res.phased:
        years = int(res.scenario.phasing.get("tail_years", 3))
        tail = (f" For a year-by-year plan these values also count the {years}-year tail "
                "window after the horizon, where late spending still acts.") if years else ""
    if res.objective == "deaths":
        return shadow_price_sentence(price["left"], price["right"], horizon) + tail
    net = " (net of its cost)" if res.objective == "net_benefit" else ""
    if res.objective == "net_benefit" and price["right"] <= 1e-9 and res.unspent > 0:
        return ("The budget does not bind: money is left unspent because its next $1M a "
                "year returns less than it costs (see the unspent reason).")
    return (f"The next $1M a year of budget is worth {price['right']:,.4f} "
            f"{res.objective_unit} of the objective over {horizon} years{net}." + tail)
