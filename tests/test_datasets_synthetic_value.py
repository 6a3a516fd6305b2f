"""Tests for the synthetic B2B accounts and membership-card generators."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.datasets import simulate_b2b_accounts, simulate_membership_cards
from crmlab.errors import CRMLabInputError


def test_b2b_shape_columns_and_seed():
    a = simulate_b2b_accounts(120, random_state=3)
    assert a.shape[0] == 120 and a.index.name == "account_id"
    for col in ["revenue", "gross_margin", "payment_days", "growth", "service_cost", "true_type"]:
        assert col in a.columns
    pd.testing.assert_frame_equal(a, simulate_b2b_accounts(120, random_state=3))
    assert not a.equals(simulate_b2b_accounts(120, random_state=4))
    assert a.attrs["true_parameters"]["n_key"] == 8


def test_b2b_planted_structure():
    a = simulate_b2b_accounts(300, random_state=0)
    assert (a["true_type"] == "key").sum() == 8
    key_share = a.loc[a["true_type"] == "key", "revenue"].sum() / a["revenue"].sum()
    assert key_share > 0.15  # 8 of 300 accounts (2.7%) bring a large share
    assert crmlab.value.top_share(a["revenue"], 0.2) > 0.55
    means = a.groupby("true_type", observed=True).mean(numeric_only=True)
    assert means.loc["rising", "growth"] > means.loc["regular", "growth"] + 0.2
    assert means.loc["marginal", "payment_days"] > means.loc["regular", "payment_days"] + 20
    assert a["gross_profit"].to_numpy() == pytest.approx(
        (a["revenue"] * a["gross_margin"]).to_numpy(), abs=0.06
    )
    assert a["strategic_fit"].between(1, 5).all()


def test_b2b_bad_arguments():
    with pytest.raises(CRMLabInputError, match="n_accounts"):
        simulate_b2b_accounts(5)
    with pytest.raises(CRMLabInputError, match="n_key must be at most"):
        simulate_b2b_accounts(40, n_key=20)


def test_membership_cards_log():
    m = simulate_membership_cards(300, random_state=1)
    assert list(m.columns) == [
        "member_id",
        "date",
        "spend",
        "points_earned",
        "points_redeemed",
        "member_type",
    ]
    assert m["member_id"].nunique() == 300
    assert m["date"].between("2023-01-01", "2023-12-31").all()
    assert (m["points_earned"] == np.floor(m["spend"])).all()
    assert set(m["points_redeemed"].unique()) <= {0, 500}
    pd.testing.assert_frame_equal(m, simulate_membership_cards(300, random_state=1))
    # points are never redeemed before they are earned
    bal = (m["points_earned"] - m["points_redeemed"]).groupby(m["member_id"]).cumsum()
    assert (bal >= 0).all()


def test_membership_planted_types():
    m = simulate_membership_cards(1000, random_state=0)
    per = m.groupby("member_id").agg(
        visits=("spend", "size"),
        spend=("spend", "median"),
        last=("date", "max"),
        kind=("member_type", "first"),
    )
    by = per.groupby("kind", observed=True)
    assert (by.get_group("one-off")["visits"] == 1).all()
    assert (by.get_group("lapsed")["last"] <= "2023-06-30").all()
    assert by["visits"].mean()["bargain hunter"] > by["visits"].mean()["big spender"] * 3
    assert by["spend"].median()["big spender"] == pytest.approx(650, rel=0.15)


def test_membership_bad_arguments():
    with pytest.raises(CRMLabInputError, match="n_members"):
        simulate_membership_cards(0)
