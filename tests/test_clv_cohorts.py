"""Cohort tables: hand-built logs and reconciliation with the raw CDNOW log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import cohort_table
from crmlab.errors import CRMLabInputError


@pytest.fixture
def log():
    # a: Jan (twice), Feb, Apr; b: Jan; c: Feb, Mar; last order in April
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "a", "c", "c", "a"],
            "date": pd.to_datetime(
                ["2021-01-05", "2021-01-20", "2021-01-31", "2021-02-10", "2021-02-01",
                 "2021-03-15", "2021-04-30"]
            ),
            "amount": [10.0, 5.0, 20.0, 8.0, 30.0, 12.0, 4.0],
        }
    )  # fmt: skip


def test_customers_by_hand(log):
    t = cohort_table(log, "M", "customers")
    assert [str(p) for p in t.index] == ["2021-01", "2021-02"]
    assert list(t.columns) == [0, 1, 2, 3]
    np.testing.assert_array_equal(t.loc[pd.Period("2021-01", "M")].to_numpy(), [2, 1, 0, 1])
    row_feb = t.loc[pd.Period("2021-02", "M")].to_numpy()
    np.testing.assert_array_equal(row_feb[:3], [1, 1, 0])
    assert np.isnan(row_feb[3])  # May is after the data: unknown, not zero
    assert t.attrs["cohort_size"] == {pd.Period("2021-01", "M"): 2, pd.Period("2021-02", "M"): 1}
    assert t.attrs["last_period"] == "2021-04"


def test_retention_and_revenue_by_hand(log):
    ret = cohort_table(log, "M", "retention")
    assert (ret[0] == 1.0).all()
    assert ret.iloc[0].tolist() == [1.0, 0.5, 0.0, 0.5]
    rev = cohort_table(log, "M", "revenue")
    assert rev.iloc[0].tolist() == [35.0, 8.0, 0.0, 4.0]
    assert rev.iloc[1, :3].tolist() == [30.0, 12.0, 0.0]
    per = cohort_table(log, "M", "revenue_per_customer")
    assert per.iloc[0, 0] == pytest.approx(17.5)


def test_quarterly_and_yearly_periods(log):
    q = cohort_table(log, "Q", "customers")
    assert q.shape == (1, 2)
    assert q.iloc[0].tolist() == [3, 1]  # a, b, c all first bought in Q1; only a in Q2
    y = cohort_table(log, "Y", "retention")
    assert y.iloc[0, 0] == 1.0


def test_cdnow_cohorts_reconcile_with_raw_log(cdnow_master):
    tx = cdnow_master
    customers = cohort_table(tx, "M", "customers")
    retention = cohort_table(tx, "M", "retention")
    revenue = cohort_table(tx, "M", "revenue")
    # three cohorts (Jan-Mar 1997), ages 0..17 months up to June 1998
    assert [str(p) for p in customers.index] == ["1997-01", "1997-02", "1997-03"]
    assert customers.shape[1] == 18
    # cohort sizes add up to all customers; age 0 counts every cohort member
    assert sum(customers.attrs["cohort_size"].values()) == tx["customer_id"].nunique() == 23570
    assert customers[0].sum() == 23570
    assert (retention[0] == 1.0).all()
    # revenue reconciles with the log to the cent
    assert np.nansum(revenue.to_numpy()) == pytest.approx(tx["amount"].sum())
    # active customer-months reconcile with distinct (customer, month) pairs
    pairs = tx.assign(m=tx["date"].dt.to_period("M"))[["customer_id", "m"]].drop_duplicates()
    assert np.nansum(customers.to_numpy()) == len(pairs)
    # the steep drop after the first purchase month
    assert (retention[1] < 0.2).all()
    later = retention.iloc[:, 1:].to_numpy()
    assert (later[np.isfinite(later)] < 0.2).all()
    # the March cohort cannot be observed 16 months out (July 1998 is after the data)
    assert np.isnan(customers.iloc[2, 16])
    assert customers.iloc[0, 17] > 0


def test_weekly_cohorts_use_weeks(cdnow_sample):
    t = cohort_table(cdnow_sample, "W", "retention")
    assert t.attrs["period"] == "W"
    assert len(t) == 13  # Q1 1997 touches 13 Monday-to-Sunday weeks (Jan 1 was a Wednesday)
    assert (t[0] == 1.0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"period": "month"}, "period must be one of.*Did you mean period='M'"),
        ({"period": "fortnight"}, "period must be one of 'D'"),
        ({"values": "profit"}, "values must be one of 'customers'"),
        ({"values": "revenue", "amount_col": None}, "needs an amount column"),
        ({"customer_col": "client"}, "missing column"),
    ],
)
def test_cohort_table_bad_input(log, kwargs, match):
    with pytest.raises(CRMLabInputError, match=match):
        cohort_table(log, **kwargs)


def test_cohort_table_negative_amounts_named(log):
    bad = log.assign(amount=log["amount"].where(log.index != 3, -8.0))
    with pytest.raises(CRMLabInputError, match="'amount'.*1 of 7 rows are below 0"):
        cohort_table(bad, values="revenue")
    # customers tables ignore the amount column entirely
    assert cohort_table(bad, values="customers").iloc[0, 0] == 2


def test_not_a_frame():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        cohort_table([1, 2, 3])
