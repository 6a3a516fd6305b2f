"""sBG retention model: Fader & Hardie (2007) cohorts, censored individuals, DERL, recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from crmlab.clv import ShiftedBetaGeometric
from crmlab.clv.sbg import survivors_to_individuals
from crmlab.errors import CRMLabInputError

# Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing:
# survivors of a 1,000-customer cohort at years 0..12
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.fixture(scope="module")
def high_end():
    return ShiftedBetaGeometric().fit(HIGH_END[:8])


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "ll"),
    [
        # Fader & Hardie (2007): Regular 0.704/1.182, High End 0.668/3.806 (years 0-7)
        (REGULAR, 0.704, 1.182, -1680.27),
        (HIGH_END, 0.668, 3.806, -1611.16),
    ],
)
def test_published_estimates(survivors, alpha, beta, ll):
    model = ShiftedBetaGeometric().fit(survivors[:8])
    assert model.params_["alpha"] == pytest.approx(alpha, abs=1e-3)
    assert model.params_["beta"] == pytest.approx(beta, abs=1e-3)
    assert model.log_likelihood_ == pytest.approx(ll, abs=0.01)
    assert model.n_customers_ == 1000
    assert model.n_periods_ == 7
    np.testing.assert_array_equal(model.survivors_, survivors[:8])


def test_projection_and_derl(high_end):
    # jdmaturen/shifted_beta_geometric_py README: years 8-12 survival and DERL(d=10%) after 7
    # renewals, High End cohort
    np.testing.assert_allclose(
        high_end.survival(range(8, 13)), [0.460, 0.436, 0.414, 0.395, 0.378], atol=5e-4
    )
    assert high_end.derl(0.10) == pytest.approx(7.530, abs=1e-3)
    assert high_end.derl(0.10, renewals=7) == pytest.approx(high_end.derl(0.10))


def test_derl_is_a_discounted_sum(high_end):
    # DERL = sum_{k>=0} S(n+1+k) / S(n) / (1+d)^k
    a, b = high_end.params_["alpha"], high_end.params_["beta"]
    n, d = 3, 0.15
    k = np.arange(0, 3000)
    direct = np.sum(np.exp(betaln(a, b + n + 1 + k) - betaln(a, b + n)) / (1 + d) ** k)
    assert high_end.derl(d, renewals=n) == pytest.approx(direct, rel=1e-9)
    # higher discount rate, lower value; longer tenure, higher value (sorting effect)
    assert high_end.derl(0.2, renewals=3) < high_end.derl(0.1, renewals=3)
    values = high_end.derl(0.1, renewals=np.arange(6))
    assert np.all(np.diff(values) > 0)


def test_survival_retention_churn_agree(high_end):
    t = np.arange(1, 13)
    s = high_end.survival(np.arange(0, 13))
    assert s[0] == 1.0
    np.testing.assert_allclose(high_end.retention_rate(t), s[1:] / s[:-1])
    np.testing.assert_allclose(high_end.churn_probability(t), s[:-1] - s[1:])
    # retention rises over time: the sorting effect of heterogeneity
    assert np.all(np.diff(high_end.retention_rate(t)) > 0)


def test_counts_and_individuals_give_the_same_fit():
    counts = ShiftedBetaGeometric().fit(REGULAR[:8])
    people = survivors_to_individuals(REGULAR[:8])
    assert len(people) == 1000 and people["churned"].sum() == 1000 - 241
    ind = ShiftedBetaGeometric().fit(people)
    for k in ("alpha", "beta"):
        assert ind.params_[k] == pytest.approx(counts.params_[k], rel=1e-6)
        assert ind.standard_errors_[k] == pytest.approx(counts.standard_errors_[k], rel=1e-3)
    assert ind.log_likelihood_ == pytest.approx(counts.log_likelihood_, rel=1e-10)
    np.testing.assert_array_equal(ind.survivors_, REGULAR[:8])
    assert ind.log_likelihood_individual(people).sum() == pytest.approx(ind.log_likelihood_)


def test_censoring_at_different_times():
    """Customers who joined later are observed for fewer periods (right-censored earlier)."""
    model = ShiftedBetaGeometric.from_params(alpha=0.7, beta=1.2, time_unit="Y")
    parts = [model.simulate(4000, n, random_state=n) for n in (3, 5, 8)]
    data = pd.concat(parts, ignore_index=True)
    fit = ShiftedBetaGeometric().fit(data)
    assert fit.survivors_ is None  # no single survivor curve for unequal windows
    assert abs(fit.params_["alpha"] - 0.7) < 3 * fit.standard_errors_["alpha"]
    assert abs(fit.params_["beta"] - 1.2) < 3 * fit.standard_errors_["beta"]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([1000, 700, 750], "larger than the count one period earlier"),
        ([1000], "at least two values"),
        ([1.0, 0.8, 0.6], "not whole numbers.*multiply by the cohort size"),
        ([1000, 1000, 1000], "no customer churned"),
        (pd.DataFrame({"duration": [1, 2], "churned": [1, 2]}), "churned.*not 0 or 1"),
        (pd.DataFrame({"duration": [0, 2], "churned": [1, 0]}), "duration.*below 1"),
        (pd.DataFrame({"tenure": [1, 2], "churned": [1, 0]}), "missing column.*duration"),
    ],
)
def test_bad_input(data, match):
    with pytest.raises(CRMLabInputError, match=match):
        ShiftedBetaGeometric().fit(data)


def test_bad_arguments(high_end):
    with pytest.raises(CRMLabInputError, match="whole numbers of periods >= 1"):
        high_end.retention_rate(0)
    with pytest.raises(CRMLabInputError, match="discount_rate must be greater than zero"):
        high_end.derl(0.0)
    with pytest.raises(CRMLabInputError, match="weights_col only applies to a DataFrame"):
        ShiftedBetaGeometric().fit(HIGH_END, weights_col="n")
    with pytest.raises(CRMLabInputError, match="renewals is needed"):
        ShiftedBetaGeometric.from_params(alpha=1.0, beta=2.0).derl(0.1)


def test_parameter_recovery():
    """20 seeded cohorts: each estimate within 3 standard errors in at least 90% of them."""
    truth = {"alpha": 0.668, "beta": 3.806}
    model = ShiftedBetaGeometric.from_params(time_unit="Y", **truth)
    hits = {k: 0 for k in truth}
    n_sets = 20
    for seed in range(n_sets):
        sim = model.simulate(1000, 7, random_state=seed)
        fit = ShiftedBetaGeometric().fit(sim)
        for k, v in truth.items():
            hits[k] += abs(fit.params_[k] - v) <= 3 * fit.standard_errors_[k]
    assert all(h >= 0.9 * n_sets for h in hits.values()), hits
