"""Tiered loyalty and points programmes: tiers by margin and the economics of points."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_1d_array,
    as_numeric_column,
    check_frame,
    check_positive,
    check_probability,
    report_bad_rows,
    require_columns,
)

__all__ = ["assign_tiers", "tier_summary", "points_programme_economics"]


# --------------------------------------------------------------------------------------------
# Tiered points programme
# --------------------------------------------------------------------------------------------
def assign_tiers(
    value: pd.Series | np.ndarray | Sequence[float],
    cutoffs: Sequence[float],
    labels: Sequence[str] | None = None,
) -> pd.Series:
    """Put customers into tiers by a value such as annual margin (spend x margin rate).

    Parameters
    ----------
    value : array-like
        Non-negative values, one per customer.
    cutoffs : sequence of float
        Increasing thresholds; a customer with ``value >= cutoffs[i]`` reaches tier ``i + 1``.
    labels : sequence of str, optional
        ``len(cutoffs) + 1`` names from lowest to highest (default ``Tier 0`` ...).

    Returns
    -------
    pandas.Series
        Ordered categorical of tier names.
    """
    index = value.index if isinstance(value, pd.Series) else None
    v = as_1d_array(value, "value")
    cuts = np.asarray(list(cutoffs), dtype=float)
    if cuts.size == 0 or np.any(np.diff(cuts) <= 0) or np.isnan(cuts).any():
        raise CRMLabInputError(
            f"cutoffs must be one or more strictly increasing numbers; got {list(cutoffs)}."
        )
    labels = list(labels) if labels is not None else [f"Tier {i}" for i in range(cuts.size + 1)]
    if len(labels) != cuts.size + 1:
        raise CRMLabInputError(
            f"labels needs {cuts.size + 1} names (one more than cutoffs); got {len(labels)}."
        )
    codes = np.searchsorted(cuts, v, side="right")
    cat = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    return pd.Series(cat, index=index, name="tier")


def tier_summary(
    data: pd.DataFrame, tier: str = "tier", spend: str = "spend", margin: str = "margin_rate"
) -> pd.DataFrame:
    """Members, mean annual spend and spend-weighted margin rate per tier.

    Returns
    -------
    pandas.DataFrame
        Index: tier; columns ``members``, ``spend`` (mean per member) and ``margin_rate``
        (毛利率: total margin / total spend, a fraction), ready for
        :func:`points_programme_economics`.
    """
    data = check_frame(data)
    require_columns(data, [tier, spend, margin])
    s = as_numeric_column(data, spend, min_value=0.0)
    m = as_numeric_column(data, margin)
    report_bad_rows(
        (m < 0) | (m > 1),
        data[margin],
        column=margin,
        name="data",
        problem="are not margin rates between 0 and 1",
        fix="give the margin as a fraction of spend (30% -> 0.30)",
    )
    frame = pd.DataFrame({"tier": data[tier], "spend": s, "margin_value": s * m})
    g = frame.groupby("tier", observed=False)
    out = pd.DataFrame({"members": g.size(), "spend": g["spend"].mean()})
    total = g["spend"].sum()
    out["margin_rate"] = np.where(
        total > 0, g["margin_value"].sum() / total.where(total > 0, 1), np.nan
    )
    return out


def points_programme_economics(
    tiers: pd.DataFrame,
    *,
    point_value: float = 0.01,
    redemption_rate: float = 0.7,
    fixed_cost_per_member: float = 0.0,
    members: str = "members",
    spend: str = "spend",
    margin: str = "margin_rate",
    earn_rate: str = "earn_rate",
    uplift: str = "uplift",
) -> pd.DataFrame:
    r"""Does a tiered points programme (分级忠诚计划) pay for itself, tier by tier?

    Members earn ``earn_rate`` points per unit spent, on *all* their spend (also what they would
    have bought anyway); a share ``redemption_rate`` of points is redeemed, each worth
    ``point_value``. The programme lifts spend by ``uplift`` (0.05 = +5%). Per member:

    .. math::
        \text{cost rate} &= e \cdot \rho \cdot v \\
        \text{points cost} &= S (1 + u)\, e\, \rho\, v \\
        \text{incremental margin} &= S\, u\, \mu \\
        \text{break-even uplift} &= \frac{e \rho v}{\mu - e \rho v}

    with baseline spend :math:`S`, margin rate :math:`\mu` (毛利率) and redemption rate
    :math:`\rho`, as on the course's notation sheet. Net gain = incremental margin -
    points cost - fixed cost.

    Parameters
    ----------
    tiers : pandas.DataFrame
        One row per tier (index = tier name) with columns ``members``, ``spend`` (baseline
        annual spend per member), ``margin_rate`` (0..1), ``earn_rate`` (points per unit
        of spend) and ``uplift`` (fractional extra spend the programme brings).
    point_value : float
        Value of one redeemed point, in currency units (0.01 = one cent).
    redemption_rate : float
        Share of earned points that are redeemed (0..1).
    fixed_cost_per_member : float
        Yearly cost per member (cards, mailings, system), in currency units.
    members, spend, margin, earn_rate, uplift : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Per tier, then a ``total`` row: ``members``, ``base_spend``, ``extra_spend``,
        ``incremental_margin``, ``points_cost``, ``fixed_cost``, ``net_gain`` (all totals over
        the tier's members, currency units), ``cost_rate`` (points cost per unit of spend),
        ``breakeven_uplift`` (NaN on the total row; inf if the cost rate is not below the margin).
    """
    tiers = check_frame(tiers, "tiers", columns=[members, spend, margin, earn_rate, uplift])
    point_value = check_positive(point_value, "point_value", allow_zero=True)
    redemption_rate = check_probability(redemption_rate, "redemption_rate")
    fixed = check_positive(fixed_cost_per_member, "fixed_cost_per_member", allow_zero=True)
    n = as_numeric_column(tiers, members, name="tiers", min_value=0.0, integer=True)
    s = as_numeric_column(tiers, spend, name="tiers", min_value=0.0)
    m = as_numeric_column(tiers, margin, name="tiers", min_value=0.0)
    e = as_numeric_column(tiers, earn_rate, name="tiers", min_value=0.0)
    u = as_numeric_column(tiers, uplift, name="tiers", min_value=-1.0, min_inclusive=False)
    for values, col, problem, fix in [
        (m, margin, "are above 1", "give margins as fractions of spend (30% -> 0.30)"),
        (
            u,
            uplift,
            "are above 1 (more than doubling spend)",
            "give the uplift as a fraction (+5% -> 0.05), not a percentage",
        ),
    ]:
        report_bad_rows(values > 1, tiers[col], column=col, name="tiers", problem=problem, fix=fix)
    n, s, m, e, u = (x.to_numpy() for x in (n, s, m, e, u))
    cost_rate = e * redemption_rate * point_value
    out = pd.DataFrame(index=pd.Index(list(tiers.index), name=tiers.index.name or "tier"))
    out["members"] = n
    out["base_spend"] = n * s
    out["extra_spend"] = n * s * u
    out["incremental_margin"] = n * s * u * m
    out["points_cost"] = n * s * (1 + u) * cost_rate
    out["fixed_cost"] = n * fixed
    out["net_gain"] = out["incremental_margin"] - out["points_cost"] - out["fixed_cost"]
    out["cost_rate"] = cost_rate
    with np.errstate(divide="ignore"):
        out["breakeven_uplift"] = np.where(
            m > cost_rate, cost_rate / np.where(m > cost_rate, m - cost_rate, 1.0), np.inf
        )
    total = out.drop(columns=["cost_rate", "breakeven_uplift"]).sum()
    spend_all = total["base_spend"] + total["extra_spend"]
    total["cost_rate"] = total["points_cost"] / spend_all if spend_all > 0 else np.nan
    total["breakeven_uplift"] = np.nan
    out.loc["total"] = total
    return out
