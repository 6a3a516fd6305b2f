"""Static covariates (CLVTools' parametrisation): apparel validation, LR test, AIC/BIC, errors.

CLVTools 0.12.1 publishes Pareto/NBD estimates on its apparel data (104-week estimation period,
weeks); without covariates crmlab matches them to 4 significant figures. For the covariate
models the fetched CLVTools sources hold no estimates on this version of the data (the
vignette's prose values, e.g. trans.Gender 1.42576, come from an older, smaller apparel file),
so the covariate fit is validated against a direct maximisation of the per-customer Pareto/NBD
likelihood with each customer's own alpha_i and beta_i, written independently below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from crmlab.clv import (
    BetaGeo,
    GGomNBD,
    ParetoNBD,
    likelihood_ratio_test,
    one_hot_covariates,
)
from crmlab.clv.bgnbd import bgnbd_log_likelihood
from crmlab.clv.paretonbd import paretonbd_log_likelihood
from crmlab.datasets import load_apparel_covariates, load_apparel_transactions
from crmlab.errors import CRMLabInputError, NotFittedError
from crmlab.transactions import rfm_summary

BOTH = dict(purchase_covariates=["gender", "channel"], dropout_covariates=["gender", "channel"])


@pytest.fixture(scope="module")
def apparel() -> pd.DataFrame:
    """CLVTools' setting: 104-week estimation period from 2005-01-02, weeks."""
    summary = rfm_summary(load_apparel_transactions(), calibration_end="2006-12-31")
    data = summary.join(load_apparel_covariates().set_index("customer_id"))
    data.attrs = dict(summary.attrs)
    return data


@pytest.fixture(scope="module")
def fits(apparel) -> dict[str, ParetoNBD]:
    return {
        "none": ParetoNBD().fit(apparel),
        "both": ParetoNBD().fit(apparel, **BOTH),
        "shared": ParetoNBD().fit(apparel, **BOTH, shared_covariates=["gender"]),
    }


def test_apparel_without_covariates_matches_clvtools(fits, apparel):
    assert (apparel["T"] == 104).all() and len(apparel) == 600
    published = dict(r=1.4489, alpha=48.636, s=0.5613, beta=46.884)  # CLVTools 0.12.1
    for name, value in published.items():
        assert fits["none"].params_[name] == pytest.approx(value, rel=5e-4), name
    assert fits["none"].coefficients_.empty
    assert list(fits["none"].coefficients_.columns) == ["estimate", "se", "z", "p_value"]


def _direct_nll(theta, data, purchase, dropout):
    """-LL with alpha_i = alpha exp(-g_p'x_i), beta_i = beta exp(-g_d'x_i) for every customer.

    Evaluated with the published-formula function, once per distinct (alpha_i, beta_i).
    """
    r, alpha, s, beta = np.exp(theta[:4])
    gp, gd = theta[4 : 4 + len(purchase)], theta[4 + len(purchase) :]
    alpha_i = alpha * np.exp(-data[purchase].to_numpy(float) @ gp)
    beta_i = beta * np.exp(-data[dropout].to_numpy(float) @ gd)
    total = 0.0
    for a, b in set(zip(alpha_i, beta_i, strict=True)):
        rows = (alpha_i == a) & (beta_i == b)
        x, tx, T = (data.loc[rows, c].to_numpy(float) for c in ("frequency", "recency", "T"))
        total += paretonbd_log_likelihood((r, a, s, b), x, tx, T).sum()
    return -float(total)


def test_covariate_fit_is_the_maximum_of_the_customer_by_customer_likelihood(fits, apparel):
    model = fits["both"]
    coefs = model.coefficients_["estimate"]
    theta = np.r_[
        np.log([model.params_[n] for n in ("r", "alpha", "s", "beta")]),
        coefs.loc["purchase"].to_numpy(),
        coefs.loc["dropout"].to_numpy(),
    ]
    cols = ["gender", "channel"]
    # the same value as the fit's grouped, pattern-weighted likelihood ...
    assert -_direct_nll(theta, apparel, cols, cols) == pytest.approx(model.log_likelihood_, 1e-10)
    assert model.log_likelihood_individual(apparel).sum() == pytest.approx(model.log_likelihood_)
    # ... and no direction improves it (a general-purpose optimiser started beside it)
    res = optimize.minimize(
        _direct_nll, theta + 0.05, args=(apparel, cols, cols), method="BFGS",
        options={"gtol": 1e-6},
    )  # fmt: skip
    assert -res.fun == pytest.approx(model.log_likelihood_, abs=1e-4)
    assert -res.fun <= model.log_likelihood_ + 1e-6
    np.testing.assert_allclose(res.x, theta, atol=2e-3)
    # the LL improves on the model without covariates by the reported amount
    assert model.log_likelihood_ > fits["none"].log_likelihood_


def test_coefficients_table_and_signs(fits):
    table = fits["both"].coefficients_
    assert table.index.names == ["process", "covariate"]
    assert list(table.index) == [
        ("purchase", "gender"),
        ("purchase", "channel"),
        ("dropout", "gender"),
        ("dropout", "channel"),
    ]
    np.testing.assert_allclose(table["z"], table["estimate"] / table["se"])
    np.testing.assert_allclose(table["p_value"], 2 * stats.norm.sf(table["z"].abs()))
    # positive purchase coefficient = higher purchase rate (CLVTools' sign convention):
    # customers acquired offline (channel 1) buy more often in these data
    assert table.loc[("purchase", "channel"), "estimate"] > 0
    assert (fits["both"].covariance_.columns == ["r", "alpha", "s", "beta"]).all()


def test_shared_covariate_has_one_value_under_both_processes(fits):
    table = fits["shared"].coefficients_
    assert table.loc[("purchase", "gender")].equals(table.loc[("dropout", "gender")])
    assert fits["shared"].n_parameters_ == fits["both"].n_parameters_ - 1 == 7


def test_likelihood_ratio_test_and_information_criteria(fits):
    lr = likelihood_ratio_test(fits["shared"], fits["both"])
    assert lr.df == 1
    stat = 2 * (fits["both"].log_likelihood_ - fits["shared"].log_likelihood_)
    assert lr.statistic == pytest.approx(stat) and lr.statistic > 0
    assert lr.p_value == pytest.approx(stats.chi2.sf(stat, 1))
    assert likelihood_ratio_test(fits["none"], fits["both"]).df == 4
    full = fits["both"]
    assert full.aic_ == pytest.approx(-2 * full.log_likelihood_ + 2 * 8)
    assert full.bic_ == pytest.approx(-2 * full.log_likelihood_ + 8 * np.log(600))
    table = full.summary()
    assert table.attrs["aic"] == full.aic_ and table.attrs["bic"] == full.bic_
    assert list(table.index[4:]) == [
        "purchase:gender",
        "purchase:channel",
        "dropout:gender",
        "dropout:channel",
    ]
    with pytest.raises(CRMLabInputError, match="pass the smaller model first"):
        likelihood_ratio_test(fits["both"], fits["none"])
    with pytest.raises(NotFittedError, match="from_params"):
        likelihood_ratio_test(ParetoNBD.from_params(**fits["none"].params_), fits["both"])


def test_predictions_use_each_customers_covariates(fits, apparel):
    model = fits["both"]
    ce = model.expected_purchases(apparel, 52)
    female_offline = apparel[(apparel["gender"] == 1) & (apparel["channel"] == 1)]
    profile = model.at_covariates({"gender": 1, "channel": 1})
    base = female_offline[["frequency", "recency", "T"]].copy()
    base.attrs = dict(apparel.attrs)
    pd.testing.assert_series_equal(
        ce.loc[female_offline.index], profile.expected_purchases(base, 52)
    )
    assert model.probability_alive(apparel).between(0, 1).all()
    with pytest.raises(CRMLabInputError, match="'gender'"):
        model.expected_purchases(base, 52)
    with pytest.raises(CRMLabInputError, match="at_covariates"):
        model.expected_purchases_new(52)
    with pytest.raises(CRMLabInputError, match="at_covariates"):
        model.simulate(10, 52.0)


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        (lambda d: d.assign(gender=d["gender"].where(d.index != "10")), BOTH, "missing"),
        (lambda d: d.assign(gender=np.where(d["gender"] == 1, "f", "m")), BOTH, "one_hot"),
        (lambda d: d.assign(gender=1), BOTH, "same value"),
        (lambda d: d.assign(online=1 - d["channel"]), dict(purchase_covariates=["channel", "online"]), "linear combination"),
        (lambda d: d, dict(purchase_covariates=["gender"], shared_covariates=["gender"]), "both"),
        (lambda d: d, dict(purchase_covariates="gender"), r"\['gender'\]"),
        (lambda d: d, dict(purchase_covariates=["age"]), "age"),
    ],
)  # fmt: skip
def test_bad_covariates_are_refused_with_the_column_and_a_fix(apparel, change, kwargs, match):
    data = change(apparel.copy())
    data.attrs = dict(apparel.attrs)
    with pytest.raises((CRMLabInputError, TypeError), match=match):
        ParetoNBD().fit(data, **kwargs)


def test_covariate_penalty_shrinks_towards_zero(apparel, fits):
    light = ParetoNBD(covariate_penalty=(0.001, 0.001)).fit(apparel, **BOTH)
    heavy = ParetoNBD(covariate_penalty=(10.0, 10.0)).fit(apparel, **BOTH)
    size = [m.coefficients_["estimate"].abs().sum() for m in (fits["both"], light, heavy)]
    assert size[0] > size[1] > size[2] and size[2] < 0.01
    with pytest.raises(CRMLabInputError, match="covariate_penalty"):
        ParetoNBD(covariate_penalty=(-1.0, 0.0)).fit(apparel, **BOTH)


def test_bg_nbd_covariates_follow_clvtools(apparel):
    """BG/NBD: alpha_i = alpha e^{-g_p'x}, a_i = a e^{g_d'x}, b_i = b e^{g_d'x} (CLVTools)."""
    model = BetaGeo().fit(apparel, purchase_covariates=["channel"], dropout_covariates=["gender"])
    g_p = model.coefficients_.loc[("purchase", "channel"), "estimate"]
    g_d = model.coefficients_.loc[("dropout", "gender"), "estimate"]
    p = model.params_
    x = apparel["channel"].to_numpy(float)
    z = apparel["gender"].to_numpy(float)
    ll = [
        bgnbd_log_likelihood((p["r"], p["alpha"] * np.exp(-g_p * c), p["a"] * np.exp(g_d * g),
                              p["b"] * np.exp(g_d * g)), f, rec, t)
        for c, g, f, rec, t in zip(x, z, apparel["frequency"], apparel["recency"], apparel["T"], strict=True)
    ]  # fmt: skip
    assert np.sum(ll) == pytest.approx(model.log_likelihood_, rel=1e-10)
    assert model.n_parameters_ == 6


def test_one_hot_covariates_leaves_out_a_reference_level():
    frame = pd.DataFrame({"country": ["UK", "UK", "FR", "DE", "UK", "NL"], "x": range(6)})
    out = one_hot_covariates(frame, ["country"], min_share=0.2)
    assert out.attrs["reference_levels"] == {"country": "UK"}
    assert out.attrs["pooled_levels"] == {"country": ["FR", "DE", "NL"]}
    assert list(out.columns) == ["x", "country=other"]
    assert out["country=other"].tolist() == [0, 0, 1, 1, 0, 1]
    explicit = one_hot_covariates(frame, ["country"], reference={"country": "FR"})
    assert "country=FR" not in explicit and "country=UK" in explicit
    with pytest.raises(CRMLabInputError, match="missing"):
        one_hot_covariates(frame.assign(country=[None, *frame["country"][1:]]), ["country"])


RECOVERY = [
    (ParetoNBD, dict(r=0.8, alpha=8.0, s=0.7, beta=12.0), {"x1": 0.5, "x2": -0.4}, {"x1": 0.6}),
    (BetaGeo, dict(r=0.8, alpha=8.0, a=0.8, b=2.5), {"x1": 0.5, "x2": -0.4}, {"x1": 0.6}),
    (GGomNBD, dict(r=0.8, alpha=5.0, b=0.1, s=1.0, beta=5.0), {"x1": 0.5}, {"x1": 0.6}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("cls", "params", "purchase", "dropout"), RECOVERY)
def test_parameter_recovery_with_known_coefficients(cls, params, purchase, dropout):
    rng = np.random.default_rng(11)
    n = 3_000 if cls is GGomNBD else 6_000
    covs = pd.DataFrame({"x1": rng.integers(0, 2, n), "x2": rng.integers(0, 2, n)})
    truth = cls.from_params(**params).with_coefficients(purchase=purchase, dropout=dropout)
    data = truth.simulate_customers(covs, 78.0, random_state=5)
    fit = cls().fit(data, purchase_covariates=list(purchase), dropout_covariates=list(dropout))
    table = fit.coefficients_
    for process, coefs in (("purchase", purchase), ("dropout", dropout)):
        for col, value in coefs.items():
            est, se = table.loc[(process, col), ["estimate", "se"]]
            assert abs(est - value) < 3.5 * se, (process, col, est, value, se)


def test_known_coefficient_models_and_their_refusals(apparel):
    plain = ParetoNBD.from_params(r=1.0, alpha=10.0, s=0.5, beta=10.0)
    truth = plain.with_coefficients(purchase={"gender": 0.7})
    profile = truth.at_covariates({"gender": 1})
    assert profile.params_["alpha"] == pytest.approx(10.0 * np.exp(-0.7))
    assert profile.params_["beta"] == pytest.approx(10.0)
    sim = truth.simulate_customers(apparel[["gender"]], 104.0, random_state=2)
    assert list(sim.columns) == ["frequency", "recency", "T", "gender"]
    women = sim.loc[sim["gender"] == 1, "frequency"].mean()
    men = sim.loc[sim["gender"] == 0, "frequency"].mean()
    assert women > men  # a positive purchase coefficient means more purchases
    with pytest.raises(CRMLabInputError, match="no covariates"):
        plain.simulate_customers(apparel[["gender"]], 104.0)
    with pytest.raises(CRMLabInputError, match="no covariates"):
        plain.at_covariates({"gender": 1})
    with pytest.raises(CRMLabInputError, match="no dropout covariates|at least one"):
        plain.with_coefficients()
