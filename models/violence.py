"""The second outcome: additional homicides in Mexico.

Counter-network strikes remove leaders, and each removal is followed by additional
drug-related homicides; gun-flow enforcement lowers homicides. Both are linear in spend:

    homicides = sum_t [ h * r * x_removal(t) - g * x_gun(t) ]

with ``h`` homicides per leadership removal, ``r`` removals per $M per year of the removal
lever, ``g`` homicides averted per $M per year of the gun lever; a flat allocation spends
``x`` in every one of the horizon's years.
"""

from __future__ import annotations

import numpy as np

__all__ = ["homicide_coefficients", "mexico_homicides"]


def homicide_coefficients(n_levers, removal_index, gun_index, homicides_per_removal,
                          removals_per_musd, gun_homicides_averted_per_musd):
    """Homicides per $M of each lever's yearly spend (shape (L,); 0 for other levers)."""
    a = np.zeros(n_levers)
    if removal_index is not None:
        a[removal_index] += homicides_per_removal * removals_per_musd
    if gun_index is not None:
        a[gun_index] -= gun_homicides_averted_per_musd
    return a


def mexico_homicides(plan, coefficients):
    """Additional homicides in Mexico over the plan's years.

    Parameters
    ----------
    plan : array_like, shape (T, L)
        Spend by year and lever, $M per year.
    coefficients : array_like, shape (L,)
        From `homicide_coefficients`.

    Returns
    -------
    float
        Homicides over the horizon (negative: fewer than without the spending).
    """
    return float(np.asarray(plan, dtype=float).sum(axis=0) @ np.asarray(coefficients))
