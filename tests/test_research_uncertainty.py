"""Intervals: the covariance of the estimates, and coverage of the 90% interval on simulated data."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import BetaGeo
from crmlab.errors import ConvergenceError
from crmlab.research.uncertainty import log_covariance, total_expected_purchases

TRUE = BetaGeo.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)


def test_log_covariance_matches_the_fit_standard_errors(cdnow_sample):
    from crmlab.transactions import rfm_summary

    summary = rfm_summary(cdnow_sample, calibration_end="1997-09-30")
    model = BetaGeo().fit(summary)
    cov = log_covariance(model, summary)
    se = np.sqrt(np.diag(cov)) * np.array(list(model.params_.values()))
    np.testing.assert_allclose(se, list(model.standard_errors_.values()), rtol=0.02)


def _covers(seed: int, method: str, n: int = 1000, n_draws: int = 200) -> bool | None:
    rng = np.random.default_rng(seed)
    cal = TRUE.simulate(n, 39.0, random_state=rng)
    try:
        fitted = BetaGeo().fit(cal)
    except ConvergenceError:  # a sample where the likelihood has no interior maximum
        return None
    cov = log_covariance(fitted, cal)
    _, low, high = total_expected_purchases(
        fitted, cal, 39.0, covariance_log=cov, method=method, n_draws=n_draws, random_state=seed
    )
    truth = float(TRUE.expected_purchases(cal, 39.0).sum())
    return low <= truth <= high


@pytest.mark.slow
def test_delta_interval_covers_the_truth_about_90_percent_of_the_time():
    """200 seeded simulations from known BG/NBD parameters: the 90% interval of the expected
    holdout purchases of the whole customer base covers the value at the true parameters."""
    results = [_covers(seed, "delta") for seed in range(200)]
    hits = [r for r in results if r is not None]
    assert len(hits) >= 196, f"{200 - len(hits)} simulations did not converge"
    coverage = np.mean(hits)
    assert 0.85 <= coverage <= 0.95, coverage


def test_bootstrap_and_delta_intervals_agree():
    rng = np.random.default_rng(3)
    cal = TRUE.simulate(2000, 39.0, random_state=rng)
    fitted = BetaGeo().fit(cal)
    cov = log_covariance(fitted, cal)
    opts = {"covariance_log": cov, "random_state": 0}
    est, lo_b, hi_b = total_expected_purchases(fitted, cal, 39.0, method="bootstrap", **opts)
    est_d, lo_d, hi_d = total_expected_purchases(fitted, cal, 39.0, method="delta", **opts)
    assert est == est_d and lo_b < est < hi_b
    assert lo_b == pytest.approx(lo_d, rel=0.02) and hi_b == pytest.approx(hi_d, rel=0.02)
    again = total_expected_purchases(fitted, cal, 39.0, method="bootstrap", **opts)
    assert again == (est, lo_b, hi_b)  # random_state makes it reproducible
