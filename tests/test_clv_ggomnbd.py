"""GGom/NBD: CLVTools' CDNOW values, an independent check of the integral, the Pareto/NBD limit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln

from crmlab.clv import GGomNBD, ParetoNBD
from crmlab.clv.ggomnbd import ggomnbd_log_likelihood
from crmlab.errors import ConvergenceError


def test_cdnow_matches_clvtools_test_values(cdnow_summary):
    """CLVTools 0.12.1 tests: r 0.55313, alpha 10.5758, b 1.1e-6, s 0.60682, beta 1.3e-5, LL -9594.9762.

    The maximum is the Pareto/NBD limit (b, beta -> 0 with beta / b fixed): CLVTools' optimiser
    stops on that flat ridge, crmlab refuses to call it a proper maximum unless a tiny
    penalizer stops it there too; r, alpha, s, beta / b and the log-likelihood agree.
    """
    with pytest.raises(ConvergenceError, match="Pareto/NBD limit"):
        GGomNBD().fit(cdnow_summary)
    model = GGomNBD(penalizer=1e-6).fit(cdnow_summary)
    p = model.params_
    assert model.log_likelihood_ == pytest.approx(-9594.9762, abs=5e-4)
    assert p["r"] == pytest.approx(0.55313, rel=5e-3)
    assert p["alpha"] == pytest.approx(10.5758, rel=5e-3)
    assert p["s"] == pytest.approx(0.60682, rel=5e-3)
    assert p["b"] < 1e-4 and p["beta"] < 1e-3
    pareto = ParetoNBD().fit(cdnow_summary)
    assert p["beta"] / p["b"] == pytest.approx(pareto.params_["beta"], rel=0.01)
    # at CLVTools' rounded estimates the likelihood is the same to 4 significant figures
    clvtools = GGomNBD.from_params(r=0.55313, alpha=10.5758, b=0.0000011, s=0.60682, beta=0.000013)
    assert clvtools.log_likelihood_individual(cdnow_summary).sum() == pytest.approx(
        -9594.98, abs=0.05
    )


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.05, 0.6, 2.0), (2.0, 1.0, 0.3, 0.1, 40.0)])
def test_likelihood_matches_adaptive_quadrature(params):
    """Bemmaor & Glady's formula with scipy's adaptive quad, as CLVTools checks its Matlab port."""
    r, alpha, b, s, beta = params
    rows = [(0, 0.0, 39.0), (3, 20.0, 39.0), (25, 38.5, 39.0), (1, 1e-3, 100.0), (200, 50.0, 52.0)]
    for x, tx, T in rows:
        # (y + alpha)^-(r+x) scaled by (t_x + alpha)^(r+x) so that it does not underflow
        integral = integrate.quad(
            lambda y, x=x, tx=tx: ((y + alpha) / (tx + alpha)) ** -(r + x)
            * (beta + np.expm1(b * y)) ** -(s + 1) * np.exp(b * y),
            tx, T, epsabs=0, epsrel=1e-12, limit=200,
        )[0]  # fmt: skip
        log_l1 = (
            gammaln(r + x) - gammaln(r) + r * np.log(alpha / (alpha + T)) - x * np.log(alpha + T)
            + s * np.log(beta / (beta + np.expm1(b * T)))
        )  # fmt: skip
        log_l2 = (
            gammaln(r + x) - gammaln(r) + np.log(b * s) + r * np.log(alpha) + s * np.log(beta)
            - (r + x) * np.log(tx + alpha) + np.log(integral)
        )  # fmt: skip
        expected = np.logaddexp(log_l1, log_l2)
        assert ggomnbd_log_likelihood(params, x, tx, T) == pytest.approx(expected, rel=1e-9)


def test_pareto_nbd_is_the_limit_b_to_zero(cdnow_summary):
    pareto = ParetoNBD.from_params(r=0.55, alpha=10.6, s=0.6, beta=11.7)
    b = 1e-7
    ggom = GGomNBD.from_params(r=0.55, alpha=10.6, b=b, s=0.6, beta=11.7 * b)
    data = cdnow_summary
    np.testing.assert_allclose(
        ggom.log_likelihood_individual(data), pareto.log_likelihood_individual(data), rtol=1e-5
    )
    np.testing.assert_allclose(
        ggom.probability_alive(data), pareto.probability_alive(data), rtol=1e-4, atol=1e-7
    )
    np.testing.assert_allclose(
        ggom.expected_purchases(data, 39.0), pareto.expected_purchases(data, 39.0), rtol=1e-3
    )
    np.testing.assert_allclose(
        ggom.expected_purchases_new([10.0, 52.0]),
        pareto.expected_purchases_new([10.0, 52.0]),
        rtol=1e-4,
    )


def test_conditional_expectation_matches_simulation():
    """E[X(T, T+t) | x, t_x, T] of Adler's corrected formula against simulated futures."""
    model = GGomNBD.from_params(r=0.8, alpha=5.0, b=0.1, s=1.0, beta=5.0)
    rng = np.random.default_rng(3)
    n = 400_000
    lam = rng.gamma(0.8, 1 / 5.0, n)
    eta = rng.gamma(1.0, 1 / 5.0, n)
    life = np.log1p(rng.exponential(1.0, n) / eta) / 0.1
    # customers with no repeat purchase in (0, 20]: alive with chance and rate given that
    quiet = rng.poisson(lam * np.minimum(life, 20.0)) == 0
    future = rng.poisson(lam * np.clip(life - 20.0, 0, 10.0))
    se = future[quiet].std() / np.sqrt(quiet.sum())
    data = GGomNBD.from_params(r=0.8, alpha=5.0, b=0.1, s=1.0, beta=5.0).simulate(1, 20.0)
    data.loc[:, ["frequency", "recency", "T"]] = [0, 0.0, 20.0]
    expected = float(model.expected_purchases(data, 10.0).iloc[0])
    assert abs(future[quiet].mean() - expected) < 4 * se
