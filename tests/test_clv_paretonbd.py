"""Tests for crmlab.clv.paretonbd (Pareto/NBD): golden values, gradients, stability, recovery."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from crmlab.clv import ParetoNBD
from crmlab.clv.paretonbd import _hyp2f1_1bc
from crmlab.errors import CRMLabInputError

from conftest import (
    assert_fits_repeat_histogram,
    assert_purchase_distribution,
    assert_recovers,
    rfm_frame,
)

# CLVTools tests/testthat/test_correctness_pnbd.R (Fader, Hardie & Lee 2005, "RFM and CLV"):
# CDNOW sample, calibration to 1997-09-30, weeks.
PUBLISHED = {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150}
PUBLISHED_SE = {"r": 0.0476, "alpha": 0.8427, "s": 0.1873, "beta": 6.2105}
PUBLISHED_LL = -9594.976


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return ParetoNBD().fit(cdnow_summary)


def test_fit_reproduces_published_estimates(fitted, cdnow_summary):
    assert fitted.params_ == pytest.approx(PUBLISHED, rel=1e-3)
    assert dict(fitted.standard_errors_) == pytest.approx(PUBLISHED_SE, rel=2e-3)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.005)
    ll = fitted.log_likelihood_individual(cdnow_summary)
    assert ll.sum() == pytest.approx(fitted.log_likelihood_, rel=1e-10)


def test_btyd_walkthrough_predictions():
    # at the CLVTools estimates (the walkthrough's own estimates agree to about 4 digits)
    model = ParetoNBD.from_params(**PUBLISHED)
    # BTYD walkthrough: pnbd.Expectation(params, t=52) = 1.473434
    assert model.expected_purchases_new(52) == pytest.approx(1.473434, rel=1e-4)
    # customer 1516 (x=26, t_x=30.85714, T=31): 52-week CE 25.45647, P(alive) 0.997874
    data = rfm_frame([26], [216 / 7], [31.0])
    assert model.expected_purchases(data, 52).iloc[0] == pytest.approx(25.45647, rel=2e-4)
    assert model.probability_alive(data).iloc[0] == pytest.approx(0.997874, rel=1e-5)


def test_high_frequency_customers_where_lifetimes_returns_nan():
    # pymc-marketing tests (test_pareto_nbd.py) and lifetimes' test comment: t=10, t_x=T=200,
    # x=132 / 133 give 6.20605 / 6.25287 at r=0.55, alpha=10.58, s=0.61, beta=11.67
    model = ParetoNBD.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67)
    ce = model.expected_purchases(rfm_frame([132, 133], [200.0, 200.0], [200.0, 200.0]), 10)
    np.testing.assert_allclose(ce, [6.20605, 6.25287], atol=1e-5)


def test_hypergeometric_helper_matches_scipy():
    rng = np.random.default_rng(5)
    b = np.exp(rng.uniform(np.log(0.05), np.log(1e4), 4_000))
    c = b + rng.uniform(0.05, 6, 4_000)
    z = rng.uniform(0, 0.995, 4_000)
    value, grads = _hyp2f1_1bc(b, c, z, grad=True)
    ref = hyp2f1(1.0, b, c, z)
    ok = np.isfinite(ref)
    np.testing.assert_allclose(value[ok], ref[ok], rtol=1e-12)
    assert np.isfinite(value).all() and all(np.isfinite(g).all() for g in grads)
    h = 1e-6 * np.maximum(1, b)
    num_b = (hyp2f1(1.0, b + h, c, z) - hyp2f1(1.0, b - h, c, z)) / (2 * h)
    ok &= np.isfinite(num_b)
    np.testing.assert_allclose(grads[0][ok], num_b[ok], rtol=1e-5, atol=1e-8)


def test_hypergeometric_helper_where_scipy_fails():
    # scipy returns NaN here; the series value must lie between its first term and its bound
    b, c, z = 5443.4, 5445.46, 0.9973
    assert np.isnan(hyp2f1(1.0, b, c, z))
    value = _hyp2f1_1bc(b, c, z)
    assert 1 < value < (c - 1) / (c - b - 1)


def test_probability_alive_falls_with_silence(fitted):
    data = rfm_frame([5, 5, 5], [30.0, 20.0, 5.0], [31.0, 31.0, 31.0])
    p = fitted.probability_alive(data).to_numpy()
    assert p[0] > p[1] > p[2]


def test_probability_purchases_new(fitted, cdnow_summary):
    assert_purchase_distribution(fitted, 52.0, 600, sum_abs=1e-6, mean_rel=1e-4)
    assert_fits_repeat_histogram(fitted, cdnow_summary, 200)


def test_expected_purchases_new_at_s_equal_one_is_the_limit():
    near = ParetoNBD.from_params(r=0.5, alpha=10.0, s=1.0 + 1e-7, beta=12.0)
    exact = ParetoNBD.from_params(r=0.5, alpha=10.0, s=1.0, beta=12.0)
    assert exact.expected_purchases_new(52) == pytest.approx(0.5 * 12 / 10 * np.log1p(52 / 12))
    assert near.expected_purchases_new(52) == pytest.approx(
        exact.expected_purchases_new(52), rel=1e-6
    )


@pytest.mark.slow
def test_parameter_recovery():
    truth = ParetoNBD.from_params(**PUBLISHED)
    rng = np.random.default_rng(7)

    def fit(seed):
        T = rng.integers(27 * 7, 39 * 7 + 1, 4_000) / 7
        sim = truth.simulate(4_000, T, random_state=seed)
        sim["recency"] = np.round(sim["recency"] * 7) / 7  # whole days, as rfm_summary gives
        return ParetoNBD().fit(sim)

    assert_recovers(PUBLISHED, fit)


def test_bad_input(fitted):
    with pytest.raises(CRMLabInputError, match="t must be zero or more"):
        fitted.expected_purchases(rfm_frame([1], [1.0], [2.0]), -1)
    with pytest.raises(CRMLabInputError, match="'T'.*at or below 0"):
        fitted.probability_alive(rfm_frame([0], [0.0], [0.0]))
    with pytest.raises(CRMLabInputError, match="needs exactly the parameters r, alpha, s, beta"):
        ParetoNBD.from_params(r=1, alpha=1, a=1, b=1)
