"""Whom to save first: churn risk x customer value under a retention-offer budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.churn._common import _column_or_array
from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    check_frame,
    check_positive,
    check_probability,
    report_bad_rows,
)

__all__ = ["RetentionPlan", "retention_targets"]


# --------------------------------------------------------------------------------------------
# who to save first
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionPlan:
    """Customers ranked for a retention offer, and what the chosen ones are expected to bring.

    Attributes
    ----------
    table : DataFrame
        One row per customer (original index), best first: ``rank``, ``churn_prob``, ``value``,
        ``expected_loss`` (= churn_prob x value), ``offer_cost``, ``expected_saved``
        (= expected_loss x success_rate), ``saved_per_dollar``, ``cumulative_cost`` and
        ``contact`` (True for the customers chosen).
    summary : Series
        ``contacted``, ``cost``, ``expected_saved``, ``net_saved`` (saved - cost), ``roi``
        (net / cost), ``expected_churners_reached`` (sum of churn_prob of those contacted),
        ``share_of_expected_loss`` (their expected loss / everybody's) and ``budget``.
    """

    table: pd.DataFrame
    summary: pd.Series


def retention_targets(
    frame: pd.DataFrame,
    churn_prob: str | Any,
    value: str | Any,
    budget: float,
    offer_cost: float | str | Any,
    success_rate: float,
    *,
    only_profitable: bool = True,
    rank_by: str = "saved_per_dollar",
) -> RetentionPlan:
    r"""Choose whom to contact with a retention offer within a budget.

    Each customer :math:`i` would be lost with probability :math:`p_i`, taking value
    :math:`v_i` with them; an offer costing :math:`c_i` keeps a share :math:`s` (the success
    rate) of would-be churners. The expected saved value per dollar is
    :math:`p_i \, s \, v_i / c_i`. Customers are ranked by it and contacted in that order while
    the running cost stays within the budget (with ``only_profitable``, those whose expected
    saving does not cover the offer are skipped).

    Parameters
    ----------
    frame : DataFrame
        One row per customer (its index labels the customers).
    churn_prob : str or array-like
        Column name or one probability per row (0..1), e.g. out-of-fold model probabilities.
    value : str or array-like
        Column name or one value per row (dollars at stake if the customer leaves, >= 0), e.g.
        monthly charges x months.
    budget : float
        Total money for offers (>= 0).
    offer_cost : float, str or array-like
        Cost of one offer (> 0), the same for all or per customer.
    success_rate : float
        Share of would-be churners an offer keeps (0..1, a fraction, not a percentage).
    only_profitable : bool
        Contact only customers whose expected saved value exceeds the offer's cost.
    rank_by : {"saved_per_dollar", "churn_prob", "value"}
        The ranking; the last two (risk alone, value alone) are there for comparison.

    Returns
    -------
    RetentionPlan

    Raises
    ------
    CRMLabInputError
        Probabilities outside 0..1, negative values or budget, a cost <= 0, a success rate
        outside 0..1, lengths that do not match the frame.
    """
    frame = check_frame(frame, "frame")
    rankings = ("saved_per_dollar", "churn_prob", "value")
    if rank_by not in rankings:
        raise CRMLabInputError(
            f"rank_by must be one of {', '.join(map(repr, rankings))}, got {rank_by!r}."
        )
    p = _column_or_array(frame, churn_prob, "churn_prob")
    report_bad_rows(
        p > 1,
        pd.Series(p, index=frame.index),
        column="churn_prob",
        name="churn_prob",
        problem="are above 1",
        fix="pass probabilities between 0 and 1 (divide percentages by 100)",
    )
    v = _column_or_array(frame, value, "value")
    budget = check_positive(budget, "budget", allow_zero=True)
    s = check_probability(success_rate, "success_rate")
    c = _column_or_array(frame, offer_cost, "offer_cost")
    report_bad_rows(
        c <= 0,
        pd.Series(c, index=frame.index),
        column="offer_cost",
        name="offer_cost",
        problem="are zero (an offer must cost something)",
        fix="pass the cost of one offer in dollars, > 0",
    )
    loss = p * v
    saved = loss * s
    table = pd.DataFrame(
        {
            "churn_prob": p,
            "value": v,
            "expected_loss": loss,
            "offer_cost": c,
            "expected_saved": saved,
            "saved_per_dollar": saved / c,
        },
        index=frame.index,
    )
    table = table.sort_values(rank_by, ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    if only_profitable:
        eligible = table["saved_per_dollar"] > 1.0
    else:
        eligible = pd.Series(True, index=table.index)
    table["cumulative_cost"] = table["offer_cost"].where(eligible, 0.0).cumsum()
    table["contact"] = eligible & (table["cumulative_cost"] <= budget + 1e-9)
    chosen = table[table["contact"]]
    cost = float(chosen["offer_cost"].sum())
    saved_total = float(chosen["expected_saved"].sum())
    total_loss = float(table["expected_loss"].sum())
    summary = pd.Series(
        {
            "contacted": int(len(chosen)),
            "cost": cost,
            "expected_saved": saved_total,
            "net_saved": saved_total - cost,
            "roi": (saved_total - cost) / cost if cost > 0 else float("nan"),
            "expected_churners_reached": float(chosen["churn_prob"].sum()),
            "share_of_expected_loss": float(chosen["expected_loss"].sum()) / total_loss
            if total_loss > 0
            else float("nan"),
            "budget": budget,
        },
        dtype=object,
    )
    return RetentionPlan(table=table, summary=summary)
