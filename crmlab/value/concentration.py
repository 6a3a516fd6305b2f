"""Concentration of customer value: top share, Lorenz curve, Gini coefficient, ABC classes.

Part of :mod:`crmlab.value` (re-exported there); kept apart so each module stays short.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import as_1d_array, check_probability, sum_scale

__all__ = ["lorenz_curve", "top_share", "concentration_table", "gini", "abc_classes"]


# --------------------------------------------------------------------------------------------
# Concentration: the 80/20 rule, Lorenz curve, Gini, ABC classes
# --------------------------------------------------------------------------------------------
def _values(values, name: str = "values") -> np.ndarray:
    """Validated non-negative values (2-D input, text, True/False, NaN and inf refused)."""
    x = as_1d_array(values, name, allow_bool=False)
    if not (x > 0).any():
        raise CRMLabInputError(
            f"{name} are all zero, so no customer brings any share of the total. "
            "Fix: check that you passed the value column (revenue, profit), not an empty filter."
        )
    return x


def _shares(x: np.ndarray) -> np.ndarray:
    """``x`` divided by a power of two so that its sum is finite (shares are scale-free)."""
    return x / sum_scale(x)


def lorenz_curve(values) -> pd.DataFrame:
    """Points of the Lorenz curve (洛伦兹曲线) of customer value.

    Customers are sorted from the smallest to the largest value; point ``i`` says which share of
    the total value the ``i`` smallest customers bring.

    Parameters
    ----------
    values : array-like of float
        One non-negative value per customer (revenue, profit ...). NaN, negative values and an
        all-zero input raise :class:`~crmlab.errors.CRMLabInputError`.

    Returns
    -------
    DataFrame with ``n + 1`` rows and columns ``customer_share`` and ``value_share``, both from
    0 to 1, starting at (0, 0) and ending at (1, 1).
    """
    x = np.sort(_shares(_values(values)))
    n = len(x)
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.r_[0.0, np.cumsum(x) / x.sum()],
        }
    )


def top_share(values, fraction: float = 0.2) -> float:
    """Share of the total value brought by the top ``fraction`` of customers.

    The 80/20 rule claims ``top_share(profit, 0.2)`` is about 0.8. When ``fraction * n`` is not a
    whole number the share is interpolated linearly on the Lorenz curve (as if a part of the next
    customer counted), so the result changes smoothly with ``fraction``.

    Parameters
    ----------
    values : array-like of float
        One non-negative value per customer.
    fraction : float
        Share of customers counted as "top", between 0 and 1 (0.2, not 20).

    Returns
    -------
    float between 0 and 1.

    Examples
    --------
    >>> top_share([10, 0, 30, 60], 0.25)
    0.6
    >>> top_share([10, 0, 30, 60], 0.5)
    0.9
    """
    fraction = check_probability(fraction, "fraction")
    x = np.sort(_shares(_values(values)))[::-1]
    n = len(x)
    cum = np.r_[0.0, np.cumsum(x)] / x.sum()
    return float(np.interp(fraction * n, np.arange(n + 1), cum))


def concentration_table(
    values, fractions: Sequence[float] = (0.01, 0.05, 0.1, 0.2, 0.5)
) -> pd.DataFrame:
    """Top shares for several fractions of customers, as a small table.

    Returns
    -------
    DataFrame indexed by ``top_fraction`` with columns ``customers`` (how many customers that is,
    rounded) and ``value_share``.
    """
    x = _values(values)
    rows = [
        {
            "top_fraction": check_probability(f, "fractions"),
            "customers": round(f * len(x)),
            "value_share": top_share(x, f),
        }
        for f in fractions
    ]
    return pd.DataFrame(rows).set_index("top_fraction")


def gini(values) -> float:
    r"""Gini coefficient (基尼系数) of customer value: 0 = all equal, near 1 = one customer has all.

    Computed exactly from the sorted values (ascending, ranks ``i = 1..n``):

    .. math:: G = \frac{2 \sum_i i\, x_{(i)}}{n \sum_i x_i} - \frac{n + 1}{n},

    which equals one minus twice the area under the Lorenz curve. With ``n`` customers the
    largest possible value is ``(n - 1) / n``.

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> round(gini([0, 0, 0, 4]), 4)
    0.75
    """
    x = np.sort(_values(values))
    x = x / x[-1]  # divide by the largest value: the sums below cannot overflow
    n = len(x)
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * x) / (n * x.sum()) - (n + 1) / n)


def abc_classes(values, cuts: tuple[float, float] = (0.8, 0.95)) -> pd.DataFrame:
    """ABC analysis (ABC分类法): A customers bring the first ``cuts[0]`` of the value, and so on.

    Customers are sorted by value, largest first (equal values keep their input order). A
    customer is in class **A** if the customers ranked above it bring less than ``cuts[0]`` of
    the total, so A is the smallest group of top customers whose value reaches ``cuts[0]``;
    **B** likewise up to ``cuts[1]``; the rest are **C**. Customers with zero value are always C.

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer; a Series keeps its index in the result.
    cuts : (float, float)
        Cumulative value shares closing classes A and B, ``0 < cuts[0] < cuts[1] < 1``.

    Returns
    -------
    DataFrame in input order with ``value``, ``rank`` (1 = largest), ``cumulative_share`` (value
    share of this customer and all ranked above it) and ``abc_class`` (ordered categorical).
    """
    if len(cuts) != 2:
        raise CRMLabInputError(f"cuts must be two shares such as (0.8, 0.95), got {cuts!r}.")
    a_cut, b_cut = (check_probability(c, "cuts", open_interval=True) for c in cuts)
    if not a_cut < b_cut:
        raise CRMLabInputError(
            f"cuts must increase, e.g. (0.8, 0.95); got {cuts!r}. Fix: swap them."
        )
    index = values.index if isinstance(values, pd.Series) else None
    x = _values(values)
    order = np.argsort(-x, kind="stable")
    xs = _shares(x)
    cum = np.cumsum(xs[order]) / xs.sum()
    before = cum - xs[order] / xs.sum()
    cls_sorted = np.where(before < a_cut - 1e-12, "A", np.where(before < b_cut - 1e-12, "B", "C"))
    cls_sorted[x[order] == 0] = "C"
    cls = np.empty(len(x), dtype=object)
    cls[order] = cls_sorted
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.arange(1, len(x) + 1)
    cumulative = np.empty(len(x))
    cumulative[order] = cum
    out = pd.DataFrame(
        {"value": x, "rank": rank, "cumulative_share": cumulative},
        index=index,
    )
    out["abc_class"] = pd.Categorical(cls, categories=["A", "B", "C"], ordered=True)
    return out
