"""One module per tab of the app, each with ``render(res, base)``.

``res`` is the `Allocation` of the current settings (its ``scenario`` is the scenario
they describe) and ``base`` the scenario file they start from. To add a tab, add a
module here and a line to `TABS`.
"""

from . import (
    allocation,
    compare,
    discovery,
    evidence,
    experts,
    frontier,
    monte_carlo,
    pareto,
    robust,
    sources,
    tornado,
    voi,
)

__all__ = ["TABS", "allocation", "compare", "discovery", "evidence", "experts", "frontier",
           "monte_carlo", "pareto", "robust", "sources", "tornado", "voi"]

#: (label, render) in the order the tabs appear.
TABS = (
    ("Allocation", allocation.render),
    ("Frontier", frontier.render),
    ("Tornado", tornado.render),
    ("Monte Carlo", monte_carlo.render),
    ("Robust", robust.render),
    ("Value of information", voi.render),
    ("Where it breaks", discovery.render),
    ("Experts", experts.render),
    ("Mexico trade-off", pareto.render),
    ("Compare", compare.render),
    ("Evidence", evidence.render),
    ("Model & sources", sources.render),
)
