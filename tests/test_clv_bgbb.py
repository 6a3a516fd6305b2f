"""BG/BB: published donations estimates, predictions against Hardie's spreadsheet, recovery."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeoBetaBinom
from crmlab.clv.bgbb import bgbb_log_likelihood
from crmlab.datasets import load_donations
from crmlab.errors import CRMLabInputError

PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


@pytest.fixture(scope="module")
def donations():
    return load_donations()


@pytest.fixture(scope="module")
def fitted(donations):
    return BetaGeoBetaBinom().fit(donations, weights_col="weights")


def test_published_estimates(fitted):
    # Fader, Hardie & Shang (2010); BTYD walkthrough; lifetimes test: 1.204, 0.750, 0.657,
    # 2.783 and LL = -33225.58
    for k, v in PUBLISHED.items():
        assert fitted.params_[k] == pytest.approx(v, abs=1e-3)
    assert fitted.log_likelihood_ == pytest.approx(-33225.58, abs=0.01)
    assert fitted.n_customers_ == 11104
    assert fitted.time_unit_ == "Y"


def test_probability_alive_table_6(fitted, donations):
    # FHS (2010) Table 6, P(alive in 2002) for (x, t_x) = (0, 0), (2, 4), (6, 6), n = 6
    pa = fitted.probability_alive(donations)
    pick = donations.set_index(["frequency", "recency"]).index
    got = pd.Series(pa.to_numpy(), index=pick).loc[[(0, 0), (2, 4), (6, 6)]]
    np.testing.assert_allclose(got, [0.11, 0.59, 0.93], atol=0.005)
    # P(alive at n) >= P(alive at n + 1)
    assert (fitted.probability_alive(donations, periods_ahead=0) >= pa).all()


def test_conditional_expectation_matches_hardie_sheet(fitted, donations):
    # Hardie's BG/BB spreadsheet, "Conditional Expectations (II)" column F total: 12884.2
    ce = fitted.expected_purchases(donations, 5)
    assert (ce * donations["weights"]).sum() == pytest.approx(12884.2, abs=0.5)
    assert (fitted.expected_purchases(donations, 0) == 0).all()
    # more future opportunities, more expected purchases
    assert (fitted.expected_purchases(donations, 6) > ce).all()


def test_in_sample_distribution_matches_hardie_sheet(fitted):
    # Hardie's spreadsheet, In-Sample Fit, cells C18 and C24: 3454.9 donors with 0 and 1253.1
    # with 6 repeat donations out of 11,104
    pmf = fitted.probability_purchases_new(6, np.arange(7))
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert pmf[0] * 11104 == pytest.approx(3454.9, abs=0.1)
    assert pmf[6] * 11104 == pytest.approx(1253.1, abs=0.1)
    # the pmf's mean equals the expected number of transactions of a new customer
    assert (pmf * np.arange(7)).sum() == pytest.approx(fitted.expected_purchases_new(6))
    np.testing.assert_allclose(fitted.probability_purchases_new([3, 6], 7), [0.0, 0.0])


def test_expected_purchases_new_is_cumulative(fitted):
    e = fitted.expected_purchases_new(np.arange(0, 11))
    assert e[0] == 0
    assert np.all(np.diff(e) > 0)
    # first-period expectation: E[p] * E[1 - theta]
    a, b, g, d = (fitted.params_[k] for k in ("alpha", "beta", "gamma", "delta"))
    assert e[1] == pytest.approx(a / (a + b) * d / (g + d))


def test_likelihood_sums_to_total(fitted, donations):
    ll = fitted.log_likelihood_individual(donations)
    assert (ll * donations["weights"]).sum() == pytest.approx(fitted.log_likelihood_)
    # the likelihood of all histories for n = 3 sums to one
    hist = pd.DataFrame(
        [(x, tx, 3) for tx in range(4) for x in range(tx + 1) if (x == 0) == (tx == 0)],
        columns=["frequency", "recency", "periods"],
    )
    # number of binary sequences with x ones, the last at position t_x: C(t_x - 1, x - 1)
    mult = np.array(
        [
            1 if x == 0 else comb(tx - 1, x - 1)
            for x, tx in zip(hist.frequency, hist.recency, strict=True)
        ]
    )
    p = np.exp(
        bgbb_log_likelihood(1.2, 0.75, 0.66, 2.78, hist.frequency, hist.recency, hist.periods)
    )
    assert (mult * p).sum() == pytest.approx(1.0, abs=1e-12)


def test_simulate_matches_probability_alive(fitted):
    sim = fitted.simulate(60_000, 6, random_state=3)
    again = fitted.simulate(60_000, 6, random_state=3)
    pd.testing.assert_frame_equal(sim, again)
    assert (sim.frequency <= sim.recency).all() and (sim.recency <= 6).all()
    grouped = sim.groupby(["frequency", "recency"])["alive"].mean()
    cells = pd.DataFrame({"frequency": [0, 2, 4], "recency": [0, 4, 6], "periods": 6})
    model = fitted.probability_alive(cells, periods_ahead=0).to_numpy()
    got = grouped.loc[list(zip(cells.frequency, cells.recency, strict=True))].to_numpy()
    np.testing.assert_allclose(got, model, atol=0.03)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (pd.DataFrame({"frequency": [1], "recency": [1], "T": [6]}), "no column 'periods'.*rename"),
        (
            pd.DataFrame({"frequency": [3], "recency": [2], "periods": [6]}),
            "frequency.*larger than recency",
        ),
        (
            pd.DataFrame({"frequency": [1], "recency": [7], "periods": [6]}),
            "recency.*larger than periods",
        ),
        (
            pd.DataFrame({"frequency": [1], "recency": [1.5], "periods": [6]}),
            "recency.*whole numbers",
        ),
        (
            pd.DataFrame({"frequency": [0], "recency": [2], "periods": [6]}),
            "not 0 although frequency is 0",
        ),
    ],
)
def test_bad_input(data, match):
    with pytest.raises(CRMLabInputError, match=match):
        BetaGeoBetaBinom().fit(data)


def test_fractional_future_periods_are_refused(fitted, donations):
    with pytest.raises(CRMLabInputError, match="whole number of periods"):
        fitted.expected_purchases(donations, 2.5)
    with pytest.raises(CRMLabInputError, match="whole number of periods"):
        fitted.expected_purchases_new(0.5)


def test_parameter_recovery():
    """20 seeded simulated panels: each estimate within 3 SE in at least 90% of them."""
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78}
    model = BetaGeoBetaBinom.from_params(time_unit="Y", **truth)
    hits = {k: 0 for k in truth}
    n_sets = 20
    for seed in range(n_sets):
        sim = model.simulate(3000, 6, random_state=seed)
        patterns = sim.groupby(["frequency", "recency", "periods"]).size().rename("n").reset_index()
        fit = BetaGeoBetaBinom().fit(patterns, weights_col="n")
        for k, v in truth.items():
            hits[k] += abs(fit.params_[k] - v) <= 3 * fit.standard_errors_[k]
    assert all(h >= 0.9 * n_sets for h in hits.values()), hits
