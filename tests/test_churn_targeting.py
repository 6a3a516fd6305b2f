"""Tests of crmlab.churn.targeting: whom to save within a budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import churn
from crmlab.errors import CRMLabInputError


# --------------------------------------------------------------------------------------------
# retention targets
# --------------------------------------------------------------------------------------------
def _customers():
    # saved = p * s * v = [25, 45, 50, 75]; per dollar at cost 10: [2.5, 4.5, 5.0, 7.5]
    return pd.DataFrame(
        {"p": [0.5, 0.9, 0.1, 0.5], "v": [100.0, 100.0, 1000.0, 300.0]}, index=list("abcd")
    )


def test_retention_targets_by_hand():
    plan = churn.retention_targets(
        _customers(), "p", "v", budget=25, offer_cost=10, success_rate=0.5
    )
    assert plan.table.index.tolist() == ["d", "c", "b", "a"]
    assert plan.table["contact"].tolist() == [True, True, False, False]
    s = plan.summary
    assert s["contacted"] == 2 and s["cost"] == 20
    assert s["expected_saved"] == pytest.approx(125.0)
    assert s["roi"] == pytest.approx((125 - 20) / 20)
    assert s["expected_churners_reached"] == pytest.approx(0.6)
    assert s["share_of_expected_loss"] == pytest.approx((150 + 100) / (50 + 90 + 100 + 150))


def test_retention_targets_profitability_rankings_and_arrays():
    frame = _customers()
    # at cost 60 only customer d (75 saved) covers its offer
    plan = churn.retention_targets(frame, "p", "v", budget=1000, offer_cost=60, success_rate=0.5)
    assert plan.table.index[plan.table["contact"]].tolist() == ["d"]
    everyone = churn.retention_targets(
        frame, "p", "v", budget=1000, offer_cost=60, success_rate=0.5, only_profitable=False
    )
    assert everyone.summary["contacted"] == 4
    assert everyone.summary["roi"] < 0
    by_risk = churn.retention_targets(
        frame, frame["p"].to_numpy(), frame["v"].to_numpy(), 20, 10, 0.5, rank_by="churn_prob"
    )
    assert by_risk.table.index.tolist() == ["b", "a", "d", "c"]
    assert by_risk.summary["expected_saved"] == pytest.approx(45 + 25)
    nothing = churn.retention_targets(frame, "p", "v", budget=0, offer_cost=10, success_rate=0.5)
    assert nothing.summary["contacted"] == 0 and np.isnan(nothing.summary["roi"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"churn_prob": [50, 90, 10, 50]}, CRMLabInputError, "above 1.*divide percentages"),
        ({"value": [100, -1, 1, 1]}, CRMLabInputError, "below 0"),
        ({"budget": -5}, CRMLabInputError, "budget must be zero or more"),
        ({"success_rate": 30}, CRMLabInputError, "percentage: divide by 100"),
        ({"offer_cost": 0}, CRMLabInputError, "offer_cost.*zero"),
        ({"value": [1.0, 2.0]}, CRMLabInputError, "value has 2 values but frame has 4"),
        ({"value": "clv"}, CRMLabInputError, "missing column.*'clv'"),
        ({"rank_by": "age"}, CRMLabInputError, "rank_by must be one of"),
        ({"churn_prob": [0.1, np.nan, 0.2, 0.3]}, CRMLabInputError, "missing \\(NaN\\)"),
    ],
)
def test_retention_targets_bad_input(kwargs, error, match):
    args = {"churn_prob": "p", "value": "v", "budget": 100, "offer_cost": 10, "success_rate": 0.3}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        churn.retention_targets(_customers(), **args)
