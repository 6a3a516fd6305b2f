"""Gamma-Gamma spend model: published estimates on CDNOW, recovery, errors that teach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import GammaGamma
from crmlab.clv.gammagamma import gamma_gamma_log_likelihood
from crmlab.errors import CRMLabInputError, NotFittedError
from crmlab.transactions import rfm_summary


@pytest.fixture(scope="module")
def summary(cdnow_sample):
    # sample ids give the order of Hardie's spreadsheet (customer 0001, 0002, ...)
    tx = cdnow_sample.drop(columns="customer_id").rename(columns={"sample_id": "customer_id"})
    return rfm_summary(tx, calibration_end="1997-09-30")


@pytest.fixture(scope="module")
def fitted(summary):
    return GammaGamma().fit(summary)


def test_published_estimates_cdnow(fitted):
    # Fader, Hardie & Lee (2005, JMR) / Hardie note 025: p=6.25, q=3.74, gamma=15.44;
    # CLVTools test_correctness_gg.R: LL = -4055.9177 on the 946 repeaters.
    assert fitted.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert fitted.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert fitted.params_["gamma"] == pytest.approx(15.44, abs=0.01)
    assert fitted.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-3)
    assert fitted.n_customers_ == 946
    assert fitted.n_excluded_ == 2357 - 946
    assert fitted.n_nonpositive_excluded_ == 0
    assert all(se > 0 for se in fitted.standard_errors_.values())


def test_log_likelihood_is_the_full_density(summary, fitted):
    rep = summary[summary.frequency > 0]
    ll = fitted.log_likelihood_individual(summary)
    assert ll[summary.frequency == 0].isna().all()
    assert ll.sum() == pytest.approx(fitted.log_likelihood_, rel=1e-12)
    # the density of the mean spend integrates to one (x = 3, p, q, gamma as fitted)
    grid = np.linspace(1e-6, 3000, 400_001)
    dens = np.exp(gamma_gamma_log_likelihood(6.25, 3.74, 15.44, np.full_like(grid, 3.0), grid))
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-3)
    assert len(rep) == 946


def test_expected_spend_matches_hardie_spreadsheet(summary):
    # Hardie note 025 spreadsheet (also lifetimes' test): first ten CDNOW sample customers
    gg = GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
    got = gg.expected_spend(summary.head(10)).to_numpy()
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    np.testing.assert_allclose(got, expected, atol=0.1)


def test_frequency_zero_gets_population_mean(summary, fitted):
    spend = fitted.expected_spend(summary)
    assert spend.index.equals(summary.index)
    assert spend.name == "expected_spend"
    zero = spend[summary.frequency == 0]
    p, q, g = (fitted.params_[k] for k in ("p", "q", "gamma"))
    np.testing.assert_allclose(zero, p * g / (q - 1))
    assert fitted.population_mean_spend == pytest.approx(p * g / (q - 1))
    assert np.isfinite(spend).all()


def test_shrinks_towards_population_mean(fitted):
    data = pd.DataFrame({"frequency": [1, 5, 50], "monetary_value": [200.0, 200.0, 200.0]})
    spend = fitted.expected_spend(data).to_numpy()
    assert fitted.population_mean_spend < spend[0] < spend[1] < spend[2] < 200


def test_nonpositive_spend_is_an_error_or_excluded_and_counted(summary):
    bad = summary.copy()
    rep = bad.index[bad.frequency > 0]
    bad.loc[rep[:3], "monetary_value"] = 0.0
    with pytest.raises(CRMLabInputError, match=r"monetary_value.*3 of .*exclude_nonpositive=True"):
        GammaGamma().fit(bad)
    gg = GammaGamma().fit(bad, exclude_nonpositive=True)
    assert gg.n_nonpositive_excluded_ == 3
    assert gg.n_customers_ == 943
    assert gg.n_excluded_ == 2357 - 943


def test_q_below_one_says_mean_is_infinite():
    gg = GammaGamma.from_params(p=2.0, q=0.8, gamma=10.0)
    data = pd.DataFrame({"frequency": [0, 3], "monetary_value": [0.0, 20.0]})
    with pytest.raises(ValueError, match="infinite mean"):
        gg.expected_spend(data)
    with pytest.raises(ValueError, match="q = 0.8 <= 1"):
        _ = gg.population_mean_spend
    # repeaters alone still have a finite conditional expectation
    finite = gg.expected_spend(data.iloc[[1]])
    assert np.isfinite(finite).all()


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (pd.DataFrame({"frequency": [1, 2]}), CRMLabInputError, "missing column.*monetary_value"),
        (
            pd.DataFrame({"frequency": [1, -2], "monetary_value": [3.0, 4.0]}),
            CRMLabInputError,
            "frequency.*below 0",
        ),
        (
            pd.DataFrame({"frequency": [1, 2], "monetary_value": [3.0, np.nan]}),
            CRMLabInputError,
            "monetary_value.*missing",
        ),
        (
            pd.DataFrame({"frequency": [0, 0, 1], "monetary_value": [0.0, 0.0, 3.0]}),
            CRMLabInputError,
            "only 1 usable repeat buyers",
        ),
        ([1, 2, 3], TypeError, "must be a pandas DataFrame"),
    ],
)
def test_bad_input(data, error, match):
    with pytest.raises(error, match=match):
        GammaGamma().fit(data)


def test_unfitted_and_from_params_errors():
    with pytest.raises(NotFittedError, match="call fit"):
        GammaGamma().expected_spend(pd.DataFrame({"frequency": [1], "monetary_value": [2.0]}))
    with pytest.raises(CRMLabInputError, match="missing gamma"):
        GammaGamma.from_params(p=1.0, q=2.0)
    with pytest.raises(CRMLabInputError, match="penalizer must be zero or more"):
        GammaGamma(penalizer=-1).fit(
            pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [1.0, 2, 3]})
        )


def test_simulate_is_seeded_and_consistent():
    gg = GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
    freq = np.repeat([0, 1, 5], 4000)
    a = gg.simulate(freq, random_state=1)
    b = gg.simulate(freq, random_state=1)
    pd.testing.assert_frame_equal(a, b)
    assert (a.loc[a.frequency == 0, "monetary_value"] == 0).all()
    # mean of the simulated spend of repeaters matches the model's population mean
    assert a.loc[a.frequency > 0, "monetary_value"].mean() == pytest.approx(
        gg.population_mean_spend, rel=0.05
    )


def test_parameter_recovery():
    """20 seeded datasets: each estimate within 3 standard errors in at least 90% of them."""
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    gg_true = GammaGamma.from_params(**truth)
    hits = {k: 0 for k in truth}
    n_sets = 20
    for seed in range(n_sets):
        rng = np.random.default_rng(seed)
        freq = rng.integers(1, 8, size=800)
        data = gg_true.simulate(freq, random_state=rng)
        fit = GammaGamma().fit(data)
        for k, v in truth.items():
            hits[k] += abs(fit.params_[k] - v) <= 3 * fit.standard_errors_[k]
    assert all(h >= 0.9 * n_sets for h in hits.values()), hits
