"""Tests for crmlab.clv.bgnbd (BG/NBD): golden values, gradients, stability, recovery, inputs."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import BetaGeo
from crmlab.errors import CRMLabInputError

from conftest import (
    assert_fits_repeat_histogram,
    assert_purchase_distribution,
    assert_recovers,
    rfm_frame,
)

# CLVTools tests/testthat/test_correctness_bgnbd.R (= Fader, Hardie & Lee 2005: 0.243, 4.414,
# 0.793, 2.426; LL -9582.4) on the CDNOW sample, calibration to 1997-09-30, weeks.
PUBLISHED = {"r": 0.2425945, "alpha": 4.4136019, "a": 0.7929199, "b": 2.4258881}
PUBLISHED_LL = -9582.429


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return BetaGeo().fit(cdnow_summary)


@pytest.fixture(scope="module")
def published():
    return BetaGeo.from_params(**PUBLISHED)


# ------------------------------------------------------------------------------ golden
def test_fit_reproduces_published_estimates(fitted):
    assert fitted.params_ == pytest.approx(PUBLISHED, rel=2e-4)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.005)
    assert fitted.n_customers_ == 2357
    assert fitted.time_unit_ == "W"


def test_log_likelihood_individual_sums_to_total(fitted, cdnow_summary):
    ll = fitted.log_likelihood_individual(cdnow_summary)
    assert ll.index.equals(cdnow_summary.index)
    assert ll.sum() == pytest.approx(fitted.log_likelihood_, rel=1e-10)


def test_standard_errors_are_positive_and_summary_lists_them(fitted):
    table = fitted.summary()
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert (table["std_error"] > 0).all()
    assert table.loc["r", "std_error"] < table.loc["r", "estimate"]


def test_expected_purchases_new_customer(published):
    # BTYD walkthrough (Dziurzynski, Wadsworth & McCarthy), bgnbd.Expectation(params, t=52)
    assert published.expected_purchases_new(52) == pytest.approx(1.444004, rel=1e-5)
    np.testing.assert_allclose(published.expected_purchases_new([0.0, 52.0])[0], 0.0)


def test_customer_1516(published):
    # BTYD walkthrough: customer 1516, x=26, t_x=30.85714, T=31; 52-week CE and P(alive)
    data = rfm_frame([26], [216 / 7], [31.0])
    assert published.expected_purchases(data, 52).iloc[0] == pytest.approx(25.75659, rel=1e-4)
    assert published.probability_alive(data).iloc[0] == pytest.approx(0.9688523, rel=1e-5)


def test_conditional_expectation_hardie_excel(fitted):
    # lifetimes tests/test_estimation.py ("Hardie excel"): x=2, t_x=30.43, T=38.86, t=39
    data = rfm_frame([2], [30.43], [38.86])
    assert fitted.expected_purchases(data, 39).iloc[0] == pytest.approx(1.226, abs=1e-3)


def test_probability_purchases_new_matches_histogram(fitted, cdnow_summary):
    T = np.unique(cdnow_summary["T"].to_numpy())
    probs = fitted.probability_purchases_new(T[:, None], np.arange(0, 400)[None, :])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    # FHL (2005), Figure 3: the fit of the calibration-period histogram is close
    expected, observed = assert_fits_repeat_histogram(fitted, cdnow_summary, 400)
    assert expected[7:].sum() == pytest.approx(observed[7:].sum(), rel=0.25)


def test_probability_purchases_new_is_consistent_with_its_mean(published):
    assert_purchase_distribution(published, 52, 2000, sum_abs=1e-8, mean_rel=1e-6)


def test_probability_alive_is_one_without_repeat_purchases(published):
    data = rfm_frame([0, 0, 3], [0.0, 0.0, 5.0], [1.0, 300.0, 300.0])
    p = published.probability_alive(data)
    np.testing.assert_array_equal(p.iloc[:2], [1.0, 1.0])
    assert 0 < p.iloc[2] < 0.1


# ---------------------------------------------------------------------------- gradient
# --------------------------------------------------------------------------- stability
# ------------------------------------------------------------------- simulate, recovery
def test_simulate_matches_expected_purchases_new(published):
    sim = published.simulate(200_000, 39.0, random_state=7)
    assert list(sim.columns) == ["frequency", "recency", "T"]
    assert sim.attrs["time_unit"] == "W"
    assert (sim["recency"] <= sim["T"]).all()
    assert (sim.loc[sim["frequency"] == 0, "recency"] == 0).all()
    mean = published.expected_purchases_new(39.0)
    se = sim["frequency"].std() / np.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - mean) < 4 * se
    freq0 = published.probability_purchases_new(39.0, 0)
    assert (sim["frequency"] == 0).mean() == pytest.approx(freq0, abs=0.005)


def test_parameter_recovery():
    truth = BetaGeo.from_params(**PUBLISHED)
    rng = np.random.default_rng(2024)

    def fit(seed):
        T = rng.integers(27 * 7, 39 * 7 + 1, 4_000) / 7  # like CDNOW: 27-39 weeks, whole days
        return BetaGeo().fit(truth.simulate(4_000, T, random_state=seed))

    assert_recovers(PUBLISHED, fit)


def test_penalizer_shrinks_towards_one(cdnow_summary):
    plain = BetaGeo().fit(cdnow_summary)
    shrunk = BetaGeo(penalizer=50.0).fit(cdnow_summary)
    theta = np.log(list(plain.params_.values()))
    theta_pen = np.log(list(shrunk.params_.values()))
    assert (theta_pen @ theta_pen) < (theta @ theta)
    assert shrunk.log_likelihood_ < plain.log_likelihood_


# ------------------------------------------------------------------------------ inputs
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: m.fit([1, 2, 3]), TypeError, "DataFrame"),
        (
            lambda m: BetaGeo(penalizer=-1).fit(rfm_frame([1], [1.0], [2.0])),
            CRMLabInputError,
            "penalizer",
        ),
        (
            lambda m: m.expected_purchases(rfm_frame([1], [3.0], [2.0]), 5),
            CRMLabInputError,
            "larger than T",
        ),
        (
            lambda m: m.expected_purchases(rfm_frame([1], [1.0], [2.0]), -5),
            CRMLabInputError,
            "t must be zero or more",
        ),
        (
            lambda m: m.expected_purchases_new([-1.0, 2.0]),
            CRMLabInputError,
            "t must hold finite times",
        ),
        (
            lambda m: m.probability_purchases_new(5.0, 1.5),
            CRMLabInputError,
            "n must hold whole numbers",
        ),
        (lambda m: m.simulate(0, 10.0), CRMLabInputError, "n_customers"),
        (lambda m: m.simulate(5, [1.0, 2.0]), CRMLabInputError, "T must be one number or an array"),
        (lambda m: m.simulate(2, [1.0, -2.0]), CRMLabInputError, "T must be finite and > 0"),
    ],
)
def test_bad_input(published, call, error, match):
    with pytest.raises(error, match=match):
        call(published)


def test_time_unit_mismatch_is_an_error(published, cdnow_summary):
    days = cdnow_summary.copy()
    days.attrs["time_unit"] = "D"
    with pytest.raises(CRMLabInputError, match="time unit 'D'.*fitted in 'W'"):
        published.expected_purchases(days, 10)


def test_warm_start_on_large_data_reaches_the_same_maximum(monkeypatch):
    # above 40,000 distinct rows the fit starts from a fit on a subsample of rows
    truth = BetaGeo.from_params(**PUBLISHED)
    sim = truth.simulate(60_000, np.linspace(27, 39, 60_000), random_state=5)
    warm = BetaGeo().fit(sim)
    monkeypatch.setattr("crmlab.clv._counting._SUBSAMPLE", 10**9)
    cold = BetaGeo().fit(sim)
    assert warm.log_likelihood_ == pytest.approx(cold.log_likelihood_, rel=1e-10)
    for k in PUBLISHED:
        assert warm.params_[k] == pytest.approx(cold.params_[k], rel=1e-4)
        assert warm.standard_errors_[k] == pytest.approx(cold.standard_errors_[k], rel=1e-3)
