"""Retention economics (lesson 1): closed forms checked by hand and by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import economics as econ


def test_cohort_profit_by_hand():
    df = econ.cohort_profit(0.5, years=3, n_customers=100, margin=10, discount_rate=0.0)
    np.testing.assert_allclose(df["customers"], [100, 50, 25])
    np.testing.assert_allclose(df["profit"], [1000, 500, 250])
    np.testing.assert_allclose(df["cumulative_discounted_profit"], [1000, 1500, 1750])
    d = econ.cohort_profit(1.0, years=2, n_customers=1, margin=110, discount_rate=0.10)
    np.testing.assert_allclose(d["discounted_profit"], [110, 100])


def test_long_horizon_matches_the_geometric_series():
    # sum_{t>=1} m (r/(1+d))^(t-1) = m (1+d) / (1+d-r)
    m, r, d = 100.0, 0.8, 0.1
    df = econ.cohort_profit(r, years=400, n_customers=1, margin=m, discount_rate=d)
    assert df["cumulative_discounted_profit"].iloc[-1] == pytest.approx(m * (1 + d) / (1 + d - r))


def test_profit_multiple_grows_with_retention_and_horizon():
    short = econ.profit_multiple(0.8, 0.9, years=5)
    long = econ.profit_multiple(0.8, 0.9, years=20)
    assert 1 < short < long
    assert econ.profit_multiple(0.8, 0.8) == pytest.approx(1.0)


def test_retention_profit_table_stacks_rates():
    table = econ.retention_profit_table([0.6, 0.9], years=4)
    assert list(table["retention"].unique()) == [0.6, 0.9]
    assert len(table) == 8
    final = table.groupby("retention")["cumulative_discounted_profit"].last()
    assert final[0.9] > final[0.6]


def test_simulated_cohorts_average_to_the_expected_curve():
    expected = econ.cohort_profit(0.8, years=6, n_customers=2000, margin=50, discount_rate=0)
    runs = [
        econ.simulate_cohort(0.8, years=6, n_customers=2000, margin=50, random_state=s)
        for s in range(40)
    ]
    mean_customers = np.mean([r["customers"] for r in runs], axis=0)
    np.testing.assert_allclose(mean_customers, expected["customers"], rtol=0.02)
    a = econ.simulate_cohort(0.8, random_state=3)
    pd.testing.assert_frame_equal(a, econ.simulate_cohort(0.8, random_state=3))


def test_replacement_cost():
    cost = econ.replacement_cost(1000, 0.8, acquisition_cost=50, retention_cost=5)
    assert cost["customers_lost"] == pytest.approx(200)
    assert cost["total"] == pytest.approx(200 * 50 + 1000 * 5)


def test_referral_value_generations():
    # k = 2 * 0.25 = 0.5 new customers per customer
    assert econ.referral_value(100, 2, 0.25, generations=1) == pytest.approx(50)
    assert econ.referral_value(100, 2, 0.25, generations=2) == pytest.approx(75)
    assert econ.referral_value(100, 2, 0.25) == pytest.approx(100)


def test_purchase_structure_on_a_tiny_log():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "b", "c"],
            "date": pd.to_datetime(
                ["2020-01-01", "2020-01-01", "2020-01-01", "2020-02-01", "2020-03-01", "2020-01-05"]
            ),
        }
    )
    # a bought twice on one day: one purchase day
    assert econ.one_time_buyer_share(tx) == pytest.approx(2 / 3)
    dist = econ.purchase_count_distribution(tx)
    assert dist.to_dict() == pytest.approx({1: 2 / 3, 3: 1 / 3})
    ladder = econ.repeat_purchase_ladder(tx, max_purchases=3)
    assert ladder["customers"].tolist() == [3, 1, 1]
    assert ladder["next_step_rate"].tolist()[:2] == pytest.approx([1 / 3, 1.0])


def test_cdnow_one_time_buyers(cdnow_master):
    share = econ.one_time_buyer_share(cdnow_master)
    # cross-check with rfm_summary: frequency 0 over the whole period = one purchase day
    from crmlab.transactions import rfm_summary

    s = rfm_summary(cdnow_master, amount_col=None)
    assert share == pytest.approx((s["frequency"] == 0).mean())
    assert 0.5 < share < 0.52


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: econ.cohort_profit(80), "between 0 and 1.*divide by 100"),
        (lambda: econ.cohort_profit(0.8, years=0), "whole number of at least 1"),
        (lambda: econ.cohort_profit(0.8, discount_rate=-0.1), "discount_rate must be zero or more"),
        (lambda: econ.referral_value(100, 5, 0.5), "no finite value.*generations="),
        (lambda: econ.retention_profit_table([]), "empty"),
        (lambda: econ.profit_multiple(0.5, 0.9, margin=1, retention_cost=2), "earns no profit"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
