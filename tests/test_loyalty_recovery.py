"""Tests of crmlab.loyalty.recovery: complaint groups and the service recovery paradox."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import loyalty as ly
from crmlab.errors import CRMLabInputError


@pytest.fixture(scope="module")
def survey():
    from crmlab.datasets import simulate_loyalty_survey

    return simulate_loyalty_survey(800, random_state=0)


# ---- complaints -------------------------------------------------------------------------------------
def _tiny_complaints():
    return pd.DataFrame(
        {
            "complained": [0, 0, 0, 0, 1, 1, 1, 1],
            "resolved": [np.nan] * 4 + [1, 1, 1, 0],
            "resolution_days": [np.nan] * 4 + [1.0, 2.0, 5.0, np.nan],
            "recovery_satisfaction": [np.nan] * 4 + [5, 4, 2, 1],
            "repurchased": [1, 0, 1, 0, 1, 1, 0, 0],
        }
    )


def test_complaint_groups_and_summary_hand_computed():
    d = _tiny_complaints()
    groups = ly.complaint_groups(d, fast_days=2)
    assert groups.tolist() == ["no complaint"] * 4 + ["resolved fast"] * 2 + [
        "resolved slowly",
        "not resolved",
    ]
    s = ly.service_recovery_summary(d)
    assert s.loc["no complaint", "repurchase_rate"] == 0.5
    assert s.loc["resolved fast", "repurchase_rate"] == 1.0
    assert s.loc["resolved fast", "mean_recovery_satisfaction"] == 4.5
    assert s["share"].sum() == pytest.approx(1.0)
    p = ly.recovery_paradox(d)
    assert p["difference"] == pytest.approx(0.5)
    assert p["n_fast"] == 2 and p["n_none"] == 4


def test_complaints_bad_input():
    d = _tiny_complaints()
    with pytest.raises(CRMLabInputError, match="resolved.*missing"):
        ly.complaint_groups(d.assign(resolved=[np.nan] * 5 + [1, 1, 0]))
    with pytest.raises(CRMLabInputError, match="resolution_days.*below 0"):
        ly.complaint_groups(d.assign(resolution_days=[np.nan] * 4 + [-1.0, 2, 5, np.nan]))
    with pytest.raises(CRMLabInputError, match="complained.*not 0 or 1"):
        ly.complaint_groups(d.assign(complained=[0, 0, 0, 0, 1, 1, 1, 2]))
    with pytest.raises(CRMLabInputError, match="too few"):
        ly.recovery_paradox(d, fast_days=0.5)


def test_recovery_on_survey(survey):
    s = ly.service_recovery_summary(survey)
    assert s["n"].sum() == len(survey)
    assert s.loc["not resolved", "repurchase_rate"] < s.loc["no complaint", "repurchase_rate"]
    assert s["mean_recovery_satisfaction"].iloc[1:].is_monotonic_decreasing
