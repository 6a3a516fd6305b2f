"""CLV formulas: hand computations, agreement between forms, and helpful errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import coca_cola_value, customer_equity, historical_value, simple_clv
from crmlab.clv.formulas import clv_drivers, clv_sensitivity, per_period_rate
from crmlab.errors import CRMLabInputError


# --- Coca-Cola ------------------------------------------------------------------------------
def test_coca_cola_hand_computation():
    out = coca_cola_value(60, 1, 0.5, periods_per_year=365, advertising_cost=800, selling_cost=1200)
    assert out["yearly_spend"] == pytest.approx(182.5)
    assert out["expected_value"] == pytest.approx(60 * 365 * 0.5)  # 10,950
    assert out["clv"] == pytest.approx(10950 - 800 - 1200)


def test_coca_cola_discounting_is_the_yearly_sum():
    out = coca_cola_value(10, 2, 3.0, periods_per_year=12, discount_rate=0.08)
    explicit = sum(2 * 12 * 3.0 / 1.08**k for k in range(1, 11))
    assert out["expected_value"] == pytest.approx(explicit)
    assert out["expected_value"] < 10 * 72


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"discount_rate": 10}, "percentage"),
        ({"advertising_cost": -5}, "advertising_cost must be zero or more"),
        ({"periods_per_year": 0}, "periods_per_year must be greater than zero"),
    ],
)
def test_coca_cola_bad_input(kwargs, match):
    with pytest.raises(CRMLabInputError, match=match):
        coca_cola_value(60, 1, 0.5, **kwargs)


# --- simple_clv -----------------------------------------------------------------------------
def test_simple_clv_infinite_hand_value():
    # m r / (1 + d - r) = 100 * 0.8 / 0.3
    assert simple_clv(100, 0.8, 0.1) == pytest.approx(266.6667, rel=1e-6)
    assert simple_clv(100, 0.8, 0.1, acquisition_cost=50) == pytest.approx(216.6667, rel=1e-6)


def test_simple_clv_finite_is_the_explicit_sum():
    m, r, d = 40.0, 0.7, 0.12
    for h in (0, 1, 2, 5, 17):
        explicit = sum(m * r**t / (1 + d) ** t for t in range(1, h + 1))
        assert simple_clv(m, r, d, horizon=h) == pytest.approx(explicit, rel=1e-12, abs=1e-12)
    assert simple_clv(m, r, d, horizon=1) == pytest.approx(40 * 0.7 / 1.12)


def test_finite_sum_converges_to_closed_form():
    closed = simple_clv(50, 0.9, 0.05)
    values = [simple_clv(50, 0.9, 0.05, horizon=h) for h in (10, 50, 200, 1000)]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    assert values[-1] == pytest.approx(closed, rel=1e-10)
    assert closed - values[0] > 1  # ten periods are clearly not enough


def test_retention_one_no_discount_finite_is_m_times_h():
    assert simple_clv(10, 1.0, 0.0, horizon=7) == pytest.approx(70)


def test_zero_retention_and_zero_margin_give_zero():
    assert simple_clv(100, 0.0, 0.1) == 0
    assert simple_clv(100, 0.0, 0.1, horizon=5) == 0
    assert simple_clv(0, 0.9, 0.1) == 0


def test_more_retention_more_value_more_discount_less():
    assert simple_clv(100, 0.9, 0.1) > simple_clv(100, 0.8, 0.1)
    assert simple_clv(100, 0.8, 0.2) < simple_clv(100, 0.8, 0.1)


def test_vectorised_grid_matches_scalar_calls():
    r = np.array([0.5, 0.7, 0.9])
    d = np.array([0.05, 0.1])
    grid = simple_clv(100, r[:, None], d[None, :])
    assert grid.shape == (3, 2)
    for i, ri in enumerate(r):
        for j, dj in enumerate(d):
            assert grid[i, j] == pytest.approx(simple_clv(100, ri, dj))
    assert isinstance(simple_clv(100, 0.5, 0.1), float)


def test_clv_sensitivity_frame():
    grid = clv_sensitivity(100, [0.6, 0.8], [0.05, 0.1, 0.15], horizon=10)
    assert grid.shape == (2, 3)
    assert list(grid.index) == [0.6, 0.8]
    assert grid.loc[0.8, 0.1] == pytest.approx(simple_clv(100, 0.8, 0.1, horizon=10))
    assert (grid.diff(axis=0).iloc[1] > 0).all()  # retention up -> value up


def test_per_period_rate_compounds_back():
    monthly = per_period_rate(0.10, 12)
    assert (1 + monthly) ** 12 == pytest.approx(1.10)
    assert monthly == pytest.approx(0.007974, rel=1e-3)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (
            (100, 80, 0.1),
            {},
            "retention must be between 0 and 1, got 80.0. It looks like a percentage",
        ),
        ((100, 0.8, 10), {}, "discount_rate.*percentage"),
        ((-100, 0.8, 0.1), {}, "margin must be zero or more"),
        ((100, 0.8, -0.1), {}, "discount_rate must be between 0 and 1"),
        ((100, 1.0, 0.0), {}, "infinite horizon.*retention must be below 1 \\+ discount_rate"),
        ((100, 0.8, 0.1), {"horizon": 2.5}, "whole number"),
        ((100, 0.8, 0.1), {"horizon": -1}, "horizon must be zero or more"),
        ((100, 0.8, 0.1), {"acquisition_cost": -1}, "acquisition_cost must be zero or more"),
        ((100, [0.5, 0.7, 90], 0.1), {}, "percentage.*1 of 3 values"),
        ((100, [0.5, 0.7], [0.1, 0.2, 0.3]), {}, "cannot be combined"),
    ],
)
def test_simple_clv_bad_input(args, kwargs, match):
    with pytest.raises(CRMLabInputError, match=match):
        simple_clv(*args, **kwargs)


def test_simple_clv_text_is_type_error():
    with pytest.raises(TypeError, match="retention must be a number"):
        simple_clv(100, "high", 0.1)


# --- drivers --------------------------------------------------------------------------------
def test_clv_drivers_rows():
    out = clv_drivers(2, 15, 0.75, 0.1, referrals=0.2, change=0.1)
    base = simple_clv(30, 0.75, 0.1) * 1.2
    assert out.loc["base", "clv"] == pytest.approx(base)
    # frequency and margin per purchase are different inputs that enter as a product: same +10%
    assert out.loc["frequency", ["purchases_per_period", "margin_per_purchase"]].tolist() == [
        pytest.approx(2.2),
        15,
    ]
    assert out.loc["cross-buying", ["purchases_per_period", "margin_per_purchase"]].tolist() == [
        2,
        pytest.approx(16.5),
    ]
    assert out.loc["frequency", "change_pct"] == pytest.approx(10)
    assert out.loc["cross-buying", "change_pct"] == pytest.approx(10)
    assert (out["margin_per_period"] == out.purchases_per_period * out.margin_per_purchase).all()
    # duration: churn 0.25 / 1.1 -> expected lifetime 1/churn up 10%
    r_new = out.loc["duration", "retention"]
    assert 1 / (1 - r_new) == pytest.approx(1.1 * 4)
    assert out.loc["referrals", "clv"] == pytest.approx(simple_clv(30, 0.75, 0.1) * 1.22)
    assert out.loc["referrals", "referrals"] == pytest.approx(0.2 * 1.1)
    assert out.loc["duration", "change_pct"] > 10  # retention acts more than proportionally here


def test_clv_drivers_percentage_change_rejected():
    with pytest.raises(CRMLabInputError, match="percentage"):
        clv_drivers(2, 15, 0.75, 0.1, change=10)


# --- customer equity ------------------------------------------------------------------------
def test_customer_equity_sum_and_segments():
    assert customer_equity([100.0, 250.0, -20.0]) == pytest.approx(330.0)
    assert customer_equity([300.0, 50.0], counts=[10, 200]) == pytest.approx(13000.0)
    clv = pd.Series({"gold": 300.0, "bronze": 50.0})
    counts = pd.Series({"bronze": 200, "gold": 10})  # different order: aligned on the index
    assert customer_equity(clv, counts) == pytest.approx(13000.0)


def test_customer_equity_equals_count_times_clv_of_identical_customers():
    one = simple_clv(80, 0.7, 0.1)
    assert customer_equity(np.full(25, one)) == pytest.approx(customer_equity([one], [25]))


@pytest.mark.parametrize(
    ("clv", "counts", "match"),
    [
        ([1.0, 2.0], [1, 2, 3], "clv has 2 entries but counts has 3"),
        ([1.0, np.nan], None, "missing"),
        ([1.0, 2.0], [1, -2], "non-negative"),
        (pd.Series({"a": 1.0}), pd.Series({"b": 1}), "different segments"),
    ],
)
def test_customer_equity_bad_input(clv, counts, match):
    with pytest.raises(CRMLabInputError, match=match):
        customer_equity(clv, counts)


# --- historical value -----------------------------------------------------------------------
@pytest.fixture
def small_log():
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "a"],
            "date": pd.to_datetime(["2020-01-01", "2021-01-01", "2021-01-01", "2021-01-01"]),
            "amount": [100.0, 50.0, 30.0, 20.0],
        }
    )


def test_historical_value_plain_sum(small_log):
    out = historical_value(small_log)
    assert out.to_dict() == {"a": 170.0, "b": 30.0}
    assert out.name == "historical_value"


def test_historical_value_compounds_to_as_of(small_log):
    out = historical_value(small_log, rate=0.1, time_unit="D", as_of="2021-01-01", margin_rate=0.5)
    days = (pd.Timestamp("2021-01-01") - pd.Timestamp("2020-01-01")).days
    assert out["a"] == pytest.approx(0.5 * (100 * 1.1**days + 70))
    yearly = historical_value(small_log, rate=0.1, time_unit="Y", as_of="2021-01-01")
    assert yearly["a"] == pytest.approx(100 * 1.1 ** (366 / 365.25) + 70)


def test_historical_value_old_margin_keyword_still_works_with_a_warning(small_log):
    """``margin=`` took a rate; it is now ``margin_rate=`` and the old name warns."""
    with pytest.warns(FutureWarning, match="margin_rate=0.25"):
        old = historical_value(small_log, margin=0.25)
    new = historical_value(small_log, margin_rate=0.25)
    pd.testing.assert_series_equal(old, new)
    assert new.to_dict() == {"a": 42.5, "b": 7.5}
    assert new.attrs["margin_rate"] == 0.25


def test_historical_value_reconciles_with_cdnow(cdnow_sample):
    out = historical_value(cdnow_sample)
    assert len(out) == 2357
    assert out.sum() == pytest.approx(cdnow_sample["amount"].sum())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"as_of": "2020-06-30"}, "3 of 4 rows are after as_of 2020-06-30"),
        ({"rate": 5}, "percentage"),
        ({"margin_rate": 30}, "margin_rate.*percentage"),
        ({"margin_rate": 0.3, "margin": 0.3}, "both margin=0.3 and margin_rate=0.3"),
        ({"time_unit": "month"}, "time_unit must be one of"),
        ({"amount_col": "value"}, "missing column"),
    ],
)
def test_historical_value_bad_input(small_log, kwargs, match):
    with pytest.raises(CRMLabInputError, match=match):
        historical_value(small_log, **kwargs)
