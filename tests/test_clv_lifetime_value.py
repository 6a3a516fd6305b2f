"""customer_lifetime_value: discounting, explicit time units, margin, no NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, customer_lifetime_value
from crmlab.datasets import load_donations
from crmlab.errors import CRMLabInputError
from crmlab.transactions import rfm_summary

WEEKS_PER_MONTH = 30.4375 / 7  # a month is 365.25 / 12 days


@pytest.fixture(scope="module")
def weekly(cdnow_sample):
    return rfm_summary(cdnow_sample, calibration_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="module")
def daily(cdnow_sample):
    return rfm_summary(cdnow_sample, calibration_end="1997-09-30", time_unit="D")


@pytest.fixture(scope="module")
def bg():
    # BG/NBD on the CDNOW sample in weeks (Fader, Hardie & Lee 2005, as in the data README)
    return BetaGeo.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4262, time_unit="W")


@pytest.fixture(scope="module")
def gg():
    # Fader, Hardie & Lee (2005) Gamma-Gamma on the same sample
    return GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)


def test_zero_discount_is_the_undiscounted_sum(bg, gg, weekly):
    clv = customer_lifetime_value(bg, gg, weekly, horizon=12, discount_rate=0.0)
    expected = gg.expected_spend(weekly) * bg.expected_purchases(weekly, 12 * WEEKS_PER_MONTH)
    np.testing.assert_allclose(clv, expected, rtol=1e-10)
    assert clv.index.equals(weekly.index) and clv.name == "clv"


def test_twelve_months_is_one_year_is_52_18_weeks(bg, gg, weekly):
    months = customer_lifetime_value(bg, gg, weekly, horizon=12, discount_rate=0.0, time_unit="M")
    year = customer_lifetime_value(bg, gg, weekly, horizon=1, discount_rate=0.0, time_unit="Y")
    np.testing.assert_allclose(months, year, rtol=1e-10)
    assert 12 * WEEKS_PER_MONTH == pytest.approx(52.18, abs=0.005)
    assert months.attrs["model_units_per_period"] == pytest.approx(WEEKS_PER_MONTH)


def test_discounting_period_by_period(bg, gg, weekly):
    d, horizon = 0.02, 6
    clv = customer_lifetime_value(bg, gg, weekly, horizon=horizon, discount_rate=d)
    cum = np.column_stack(
        [bg.expected_purchases(weekly, k * WEEKS_PER_MONTH) for k in range(horizon + 1)]
    )
    by_period = np.diff(cum, axis=1)
    manual = (by_period / (1 + d) ** np.arange(1, horizon + 1)).sum(axis=1)
    np.testing.assert_allclose(clv, manual * gg.expected_spend(weekly), rtol=1e-10)
    undiscounted = customer_lifetime_value(bg, gg, weekly, horizon=horizon, discount_rate=0.0)
    higher = customer_lifetime_value(bg, gg, weekly, horizon=horizon, discount_rate=0.05)
    assert (higher < clv).all() and (clv < undiscounted).all()


def test_longer_horizon_more_value(bg, gg, weekly):
    short = customer_lifetime_value(bg, gg, weekly, horizon=6)
    long = customer_lifetime_value(bg, gg, weekly, horizon=24)
    assert (long > short).all()


def test_same_answer_in_weeks_or_days(bg, gg, weekly, daily):
    # the same BG/NBD expressed per day: alpha scales with the time unit
    bg_days = BetaGeo.from_params(r=0.2426, alpha=4.4136 * 7, a=0.7930, b=2.4262, time_unit="D")
    w = customer_lifetime_value(bg, gg, weekly, horizon=12, discount_rate=0.01)
    d = customer_lifetime_value(bg_days, gg, daily, horizon=12, discount_rate=0.01)
    np.testing.assert_allclose(w, d, rtol=1e-9)


def test_same_answer_when_fitted_in_weeks_or_days(gg, weekly, daily):
    w = customer_lifetime_value(BetaGeo().fit(weekly), gg, weekly, horizon=12, discount_rate=0.01)
    d = customer_lifetime_value(BetaGeo().fit(daily), gg, daily, horizon=12, discount_rate=0.01)
    np.testing.assert_allclose(w, d, rtol=1e-3, atol=0.05)
    assert w.sum() == pytest.approx(d.sum(), rel=1e-4)


def test_margin_scales_and_no_nan(bg, gg, weekly):
    revenue = customer_lifetime_value(bg, gg, weekly, horizon=12)
    profit = customer_lifetime_value(bg, gg, weekly, horizon=12, margin=0.3)
    np.testing.assert_allclose(profit, 0.3 * revenue)
    assert np.isfinite(revenue).all() and (revenue >= 0).all()
    assert revenue[weekly.frequency == 0].gt(0).all()  # one-time buyers still have value


def test_spend_as_number_or_series(bg, gg, weekly):
    by_model = customer_lifetime_value(bg, gg, weekly, horizon=3)
    by_series = customer_lifetime_value(bg, gg.expected_spend(weekly), weekly, horizon=3)
    np.testing.assert_allclose(by_model, by_series)
    flat = customer_lifetime_value(bg, 10.0, weekly, horizon=3, discount_rate=0.0)
    np.testing.assert_allclose(flat, 10 * bg.expected_purchases(weekly, 3 * WEEKS_PER_MONTH))
    shuffled = gg.expected_spend(weekly).sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(customer_lifetime_value(bg, shuffled, weekly, horizon=3), by_model)


def test_discrete_time_model_in_whole_periods():
    donations = load_donations().assign(monetary_value=50.0)
    bgbb = BetaGeoBetaBinom.from_params(
        alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, time_unit="Y"
    )
    clv = customer_lifetime_value(
        bgbb, 50.0, donations, horizon=5, discount_rate=0.0, time_unit="Y"
    )
    np.testing.assert_allclose(clv, 50 * bgbb.expected_purchases(donations, 5))
    with pytest.raises(CRMLabInputError, match="whole number of periods"):
        customer_lifetime_value(bgbb, 50.0, donations, horizon=12, time_unit="M")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"horizon": 0}, CRMLabInputError, "horizon must be a whole number"),
        ({"horizon": 2.5}, CRMLabInputError, "horizon must be a whole number"),
        ({"discount_rate": 10}, CRMLabInputError, "write 10% as 0.10"),
        ({"discount_rate": -0.1}, CRMLabInputError, "discount_rate must be zero or more"),
        ({"margin": 30}, CRMLabInputError, "30% margin as 0.3"),
        ({"time_unit": "Q"}, CRMLabInputError, "time_unit must be one of"),
    ],
)
def test_bad_arguments(bg, gg, weekly, kwargs, error, match):
    with pytest.raises(error, match=match):
        customer_lifetime_value(bg, gg, weekly, **kwargs)


def test_bad_models_and_data(bg, gg, weekly, daily):
    with pytest.raises(TypeError, match="expected_purchases"):
        customer_lifetime_value(gg, gg, weekly)
    with pytest.raises(TypeError, match="spend_model must be"):
        customer_lifetime_value(bg, "lots", weekly)
    with pytest.raises(CRMLabInputError, match="lacks 2,257 of the customers"):
        customer_lifetime_value(bg, gg.expected_spend(weekly).head(100), weekly)
    with pytest.raises(CRMLabInputError, match="time unit 'D'.*fitted in 'W'"):
        customer_lifetime_value(bg, gg, daily)
    with pytest.raises(CRMLabInputError, match="negative for 1 customers"):
        customer_lifetime_value(
            bg,
            pd.Series(-1.0, index=weekly.index[:1]).reindex(weekly.index, fill_value=1.0),
            weekly,
        )
