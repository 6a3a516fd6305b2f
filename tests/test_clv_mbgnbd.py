"""Tests for crmlab.clv.mbgnbd (MBG/NBD): golden values, gradients, stability, recovery, inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, ModifiedBetaGeo
from crmlab.clv.mbgnbd import mbgnbd_log_likelihood
from crmlab.errors import CRMLabInputError

from conftest import (
    assert_fits_repeat_histogram,
    assert_purchase_distribution,
    assert_recovers,
    rfm_frame,
)

# lifetimes tests/test_estimation.py, ModifiedBetaGeoFitter on the CDNOW sample (labelled
# "BTYDplus"): r, alpha, a, b = 0.525, 6.183, 0.891, 1.614 (calibration to 1997-09-30, weeks)
PUBLISHED = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


@pytest.fixture(scope="module")
def fitted(cdnow_summary):
    return ModifiedBetaGeo().fit(cdnow_summary)


def test_fit_reproduces_published_estimates(fitted, cdnow_summary):
    assert fitted.params_ == pytest.approx(PUBLISHED, abs=1e-3)
    assert fitted.n_customers_ == 2357
    ll = fitted.log_likelihood_individual(cdnow_summary)
    assert ll.sum() == pytest.approx(fitted.log_likelihood_, rel=1e-10)
    # the extra drop-out chance is one more degree of freedom in practice: LL no worse than BG/NBD
    assert fitted.log_likelihood_ >= BetaGeo().fit(cdnow_summary).log_likelihood_ - 1e-6


def test_likelihood_differs_from_bgnbd_only_by_the_shift(cdnow_summary):
    x, tx, T = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    params = (0.5, 6.0, 0.9, 1.6)
    ll = mbgnbd_log_likelihood(params, x, tx, T)
    # closed form for a one-time buyer (t_x = 0): B(a, b+1)/B(a, b) = b/(a+b), so
    # log L = log(b/(a+b)) + log[(alpha/(alpha+T))^r + a/b]
    r, alpha, a, b = params
    zero = x == 0
    expected = np.log(b / (a + b)) + np.log((alpha / (alpha + T[zero])) ** r + a / b)
    np.testing.assert_allclose(ll[zero], expected, rtol=1e-12)


def test_one_time_buyers_may_be_dead(fitted):
    data = rfm_frame([0, 0, 5], [0.0, 0.0, 30.0], [1.0, 39.0, 31.0])
    p = fitted.probability_alive(data)
    assert (p < 1).all()
    assert p.iloc[1] < p.iloc[0]  # a long silence makes death more likely
    r, alpha, a, b = fitted._param_array()
    assert p.iloc[0] == pytest.approx(1 / (1 + a / (b + 0) * ((alpha + 1) / alpha) ** r))


def test_probability_purchases_new_sums_to_one_and_matches_mean(fitted, cdnow_summary):
    assert_purchase_distribution(fitted, 52.0, 2000, sum_abs=1e-8, mean_rel=1e-6)
    assert_fits_repeat_histogram(fitted, cdnow_summary, 400)


def test_expected_purchases_new_and_conditional_agree_for_a_new_customer(fitted):
    # a customer acquired at T=0 with no history: the conditional expectation is E[X(t)]
    ce = fitted.expected_purchases(rfm_frame([0], [0.0], [1e-12]), 52.0).iloc[0]
    assert ce == pytest.approx(fitted.expected_purchases_new(52.0), rel=1e-6)


def test_parameter_recovery():
    truth = ModifiedBetaGeo.from_params(**PUBLISHED)
    rng = np.random.default_rng(99)

    def fit(seed):
        T = rng.integers(27 * 7, 39 * 7 + 1, 4_000) / 7
        return ModifiedBetaGeo().fit(truth.simulate(4_000, T, random_state=seed))

    assert_recovers(PUBLISHED, fit)


def test_bad_input(fitted):
    with pytest.raises(CRMLabInputError, match="frequency is 0"):
        fitted.probability_alive(rfm_frame([0], [2.0], [3.0]))
    with pytest.raises(CRMLabInputError, match="missing column.*'recency'"):
        fitted.expected_purchases(pd.DataFrame({"frequency": [1], "T": [2.0]}), 5)
