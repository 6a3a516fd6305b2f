"""Tests of crmlab.loyalty.programmes: tiers and points-programme economics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import loyalty as ly
from crmlab.errors import CRMLabInputError


# ---- points programme -----------------------------------------------------------------------------
def test_points_programme_hand_computed():
    tiers = pd.DataFrame(
        {
            "members": [100],
            "spend": [1000.0],
            "margin_rate": [0.3],
            "earn_rate": [1.0],
            "uplift": [0.1],
        },
        index=["Gold"],
    )
    e = ly.points_programme_economics(
        tiers, point_value=0.01, redemption_rate=0.5, fixed_cost_per_member=2.0
    )
    # cost rate 1 * 0.5 * 0.01 = 0.005; points 100 * 1000 * 1.1 * 0.005 = 550
    # extra margin 100 * 1000 * 0.1 * 0.3 = 3000; fixed 200; net 2250
    assert e.loc["Gold", "points_cost"] == pytest.approx(550.0)
    assert e.loc["Gold", "incremental_margin"] == pytest.approx(3000.0)
    assert e.loc["Gold", "net_gain"] == pytest.approx(2250.0)
    assert e.loc["Gold", "breakeven_uplift"] == pytest.approx(0.005 / 0.295)
    assert e.loc["total", "members"] == 100
    assert np.isnan(e.loc["total", "breakeven_uplift"])
    at_breakeven = ly.points_programme_economics(
        tiers.assign(uplift=0.005 / 0.295), point_value=0.01, redemption_rate=0.5
    )
    assert at_breakeven.loc["Gold", "net_gain"] == pytest.approx(0.0, abs=1e-9)


def test_points_programme_bad_input():
    tiers = pd.DataFrame(
        {
            "members": [10],
            "spend": [100.0],
            "margin_rate": [0.3],
            "earn_rate": [1.0],
            "uplift": [5.0],
        }
    )
    with pytest.raises(CRMLabInputError, match="uplift.*fraction"):
        ly.points_programme_economics(tiers)
    with pytest.raises(CRMLabInputError, match="margin.*above 1"):
        ly.points_programme_economics(tiers.assign(uplift=0.05, margin_rate=30.0))
    with pytest.raises(CRMLabInputError, match="divide by 100"):
        ly.points_programme_economics(tiers.assign(uplift=0.05), redemption_rate=70)
    with pytest.raises(CRMLabInputError, match="earn_rate"):
        ly.points_programme_economics(tiers.drop(columns="earn_rate"))


def test_tiers_and_summary():
    t = ly.assign_tiers(pd.Series([0.0, 49.9, 50.0, 200.0]), [50, 150], ["S", "G", "P"])
    assert t.tolist() == ["S", "S", "G", "P"]
    data = pd.DataFrame(
        {"tier": t, "spend": [0.0, 100.0, 200.0, 400.0], "margin_rate": [0.1, 0.2, 0.3, 0.25]}
    )
    s = ly.tier_summary(data)
    assert s.loc["S", "members"] == 2
    assert s.loc["S", "spend"] == pytest.approx(50.0)
    assert s.loc["S", "margin_rate"] == pytest.approx(0.2)  # spend-weighted: 20 / 100
    with pytest.raises(CRMLabInputError, match="increasing"):
        ly.assign_tiers([1.0, 2.0], [5, 3])
    with pytest.raises(CRMLabInputError, match="labels needs 3"):
        ly.assign_tiers([1.0, 2.0], [5, 10], ["a", "b"])
    with pytest.raises(CRMLabInputError, match="margin rates"):
        ly.tier_summary(data.assign(margin_rate=[10, 20, 30, 25]))
