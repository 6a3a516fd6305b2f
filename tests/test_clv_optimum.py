"""The fast fitting paths land on the maximum of the plain likelihood, to 1e-6 relative.

BG/NBD, Pareto/NBD and Gamma-Gamma are fitted through objectives built for speed (rows collapsed
to patterns, sums per distinct value, hypergeometric series per purchase count and time,
analytic gradients, a BFGS that stops early and finishes with one quasi-Newton step). Here the
estimates are checked against the per-customer likelihood functions alone: a Newton step on
the *plain* total log-likelihood (its gradient by finite differences in the log-parameters)
must move no parameter by more than 1e-6 relative. The same check fails at a point 1e-5
away, so it can tell. The Gamma-Gamma objective's analytic gradient and the BG family's
analytic Hessian are checked against finite differences too (the counting models' gradients
are, in ``test_clv_common.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import BetaGeo, GammaGamma, ParetoNBD
from crmlab.clv.bgnbd import bg_family_nll_grad, bg_family_nll_hessian, bgnbd_log_likelihood
from crmlab.clv.gammagamma import _gamma_gamma_objective, gamma_gamma_log_likelihood
from crmlab.clv.paretonbd import paretonbd_log_likelihood
from crmlab.transactions import rfm_summary


@pytest.fixture(scope="module")
def master_summary(cdnow_master):
    return rfm_summary(cdnow_master, calibration_end="1997-09-30")


def _newton_step(total, theta: np.ndarray, cov_log: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Newton step ``H^-1 g`` of ``total`` (a function of the log-parameters) at ``theta``.

    ``g`` by central differences of ``total``; ``H^-1`` is the fit's covariance of the
    log-parameters (an error of a few percent there changes the step by as much, no more).
    """
    grad = [(total(theta + e) - total(theta - e)) / (2 * h) for e in np.eye(len(theta)) * h]
    return cov_log @ np.array(grad)


def _counting_total(loglik, data):
    x, tx, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    return lambda theta: float(loglik(np.exp(theta), x, tx, T).sum())


def _spend_total(data):
    use = (data["frequency"] > 0) & (data["monetary_value"] > 0)
    x, m = data.loc[use, "frequency"].to_numpy(float), data.loc[use, "monetary_value"].to_numpy()
    return lambda theta: float(gamma_gamma_log_likelihood(*np.exp(theta), x, m).sum())


CASES = {
    "BG/NBD": (BetaGeo, lambda d: _counting_total(bgnbd_log_likelihood, d), {}),
    "Pareto/NBD": (ParetoNBD, lambda d: _counting_total(paretonbd_log_likelihood, d), {}),
    "Gamma-Gamma": (GammaGamma, _spend_total, {"exclude_nonpositive": True}),
}


@pytest.mark.parametrize("which", ["sample", "master"])
@pytest.mark.parametrize("name", list(CASES))
def test_estimate_is_the_plain_likelihoods_maximum(name, which, cdnow_summary, master_summary):
    data = cdnow_summary if which == "sample" else master_summary
    model_cls, make_total, options = CASES[name]
    model = model_cls().fit(data, **options)
    total = make_total(data)
    theta = np.log(list(model.params_.values()))
    assert total(theta) == pytest.approx(model.log_likelihood_, rel=1e-12)
    params = np.exp(theta)
    cov_log = model.covariance_.to_numpy() / np.outer(params, params)
    step = _newton_step(total, theta, cov_log)
    assert np.max(np.abs(step)) < 1e-6, (name, which, step)
    if which == "sample":  # the check can fail: 1e-5 away from the estimate the step is large
        assert np.max(np.abs(_newton_step(total, theta + 1e-5, cov_log))) > 2e-6


def test_gamma_gamma_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 40, 3_000).astype(float)
    m = rng.gamma(2.0, 20.0, 3_000)
    w = rng.uniform(0.5, 3.0, 3_000)
    objective = _gamma_gamma_objective(x, m, w)
    for params in [(6.25, 3.74, 15.44), (0.3, 20.0, 200.0), (40.0, 1.2, 0.5)]:
        theta = np.log(params)
        value, grad = objective(theta)
        plain = float(w @ gamma_gamma_log_likelihood(*params, x, m))
        assert -value == pytest.approx(plain, rel=1e-10)  # sums in another order
        h = 1e-4  # the totals are large sums: smaller steps drown in rounding
        numeric = [
            (objective(theta + e)[0] - objective(theta - e)[0]) / (2 * h) for e in np.eye(3) * h
        ]
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("shift", [0, 1])
@pytest.mark.parametrize(
    "params", [(0.24, 4.4, 0.79, 2.4), (2.0, 0.5, 3.0, 0.4), (0.05, 40.0, 0.2, 10.0)]
)
def test_bg_family_hessian_matches_differences_of_the_gradient(shift, params, cdnow_summary):
    """BG/NBD's (shift 0) and MBG/NBD's (shift 1) analytic Hessian, used for standard errors."""
    x, tx, T = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(x))
    theta = np.log(params)
    hess = bg_family_nll_hessian(theta, x, tx, T, w, shift)
    h = 1e-5
    numeric = np.array(
        [
            (bg_family_nll_grad(theta + e, x, tx, T, w, shift)[1]
             - bg_family_nll_grad(theta - e, x, tx, T, w, shift)[1]) / (2 * h)
            for e in np.eye(4) * h
        ]
    )  # fmt: skip
    np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-4)
