"""Both lesson 7/8 generators: reproducible with a seed, documented columns, planted numbers recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import simulate_loyalty_survey, simulate_service_profit_chain
from crmlab.datasets.synthetic_internal import CHAIN_TRUE_PARAMS
from crmlab.datasets.synthetic_loyalty import LOYALTY_TRUE_PARAMS
from crmlab.errors import CRMLabInputError


@pytest.fixture(scope="module")
def big_survey():
    return simulate_loyalty_survey(20_000, random_state=1)


@pytest.fixture(scope="module")
def big_chain():
    return simulate_service_profit_chain(600, 30, 200, random_state=1)


# ---- loyalty survey ----------------------------------------------------------------------------------
def test_survey_reproducible_and_seed_matters():
    a = simulate_loyalty_survey(300, random_state=5)
    pd.testing.assert_frame_equal(a, simulate_loyalty_survey(300, random_state=5))
    assert not a.equals(simulate_loyalty_survey(300, random_state=6))


def test_survey_columns_and_ranges():
    d = simulate_loyalty_survey(500, random_state=0)
    items = list(LOYALTY_TRUE_PARAMS["loadings"])
    assert len(d) == 500 and d["customer_id"].is_unique
    assert d[items].isin([1, 2, 3, 4, 5]).all().all()
    assert d["nps_score"].between(0, 10).all()
    # missing values exactly where the documentation says
    assert d.loc[d["complained"] == 0, ["resolved", "recovery_satisfaction"]].isna().all().all()
    assert d.loc[d["complained"] == 1, ["resolved", "recovery_satisfaction"]].notna().all().all()
    assert (d["resolution_days"].notna() == (d["resolved"] == 1)).all()
    assert (d.loc[d["repurchased"] == 0, "spend"] == 0).all()
    assert (d.loc[d["repurchased"] == 1, "spend"] > 0).all()
    with pytest.raises(CRMLabInputError, match="n must be a whole number of at least 10"):
        simulate_loyalty_survey(3)


def test_survey_loadings_recovered(big_survey):
    # triad estimate of a one-factor model: lambda_1^2 = r12 * r13 / r23, reversed items flipped.
    # Cutting into 5 answers shrinks correlations a little, hence the tolerance.
    d = big_survey.copy()
    for col in LOYALTY_TRUE_PARAMS["reversed"]:
        d[col] = 6 - d[col]
    lam = LOYALTY_TRUE_PARAMS["loadings"]
    for pre in ("sat", "init", "rep", "rec", "res"):
        cols = [c for c in lam if c.startswith(pre + "_")]
        r = d[cols].corr().to_numpy()
        est = np.sqrt(r[0, 1] * r[0, 2] / r[1, 2])
        assert est == pytest.approx(lam[cols[0]], abs=0.08), pre


def test_survey_behaviour_parameters_recovered(big_survey):
    import statsmodels.api as sm

    d, p = big_survey, LOYALTY_TRUE_PARAMS
    # complaints: logit P = -1.6 - 0.5 L
    fit = sm.Logit(d["complained"], sm.add_constant(d[["true_loyalty"]])).fit(disp=0)
    assert fit.params["const"] == pytest.approx(p["complaint_intercept"], abs=0.1)
    assert fit.params["true_loyalty"] == pytest.approx(p["complaint_loyalty"], abs=0.1)
    comp = d[d["complained"] == 1]
    assert comp["resolved"].mean() == pytest.approx(p["p_resolved"], abs=0.03)
    mean_days = p["days_shape"] * p["days_scale"]
    assert comp["resolution_days"].mean() == pytest.approx(mean_days, rel=0.06)
    # repurchase: logit P = 0.6 + 1.2 L + delta[group]
    groups = pd.Series("no complaint", index=d.index)
    fast = (d["resolved"] == 1) & (d["resolution_days"] <= p["fast_days"])
    groups[fast] = "resolved fast"
    groups[(d["resolved"] == 1) & ~fast] = "resolved slowly"
    groups[d["resolved"] == 0] = "not resolved"
    X = pd.get_dummies(groups, dtype=float).drop(columns="no complaint")
    X["true_loyalty"] = d["true_loyalty"]
    fit = sm.Logit(d["repurchased"], sm.add_constant(X)).fit(disp=0)
    assert fit.params["const"] == pytest.approx(p["repurchase_intercept"], abs=0.1)
    assert fit.params["true_loyalty"] == pytest.approx(p["repurchase_loyalty"], abs=0.1)
    for g in ("resolved fast", "resolved slowly", "not resolved"):
        assert fit.params[g] == pytest.approx(p["recovery_effect"][g], abs=0.3), g
    # spend of repurchasers: log spend = 5.5 + 0.3 L + N(0, 0.6)
    buy = d[d["repurchased"] == 1]
    fit = sm.OLS(np.log(buy["spend"]), sm.add_constant(buy[["true_loyalty"]])).fit()
    assert fit.params["const"] == pytest.approx(p["spend_intercept"], abs=0.05)
    assert fit.params["true_loyalty"] == pytest.approx(p["spend_loyalty"], abs=0.05)
    assert np.sqrt(fit.scale) == pytest.approx(p["spend_noise"], abs=0.03)
    a, b = p["margin_beta"]
    assert d["margin_rate"].mean() == pytest.approx(a / (a + b), abs=0.01)


# ---- service-profit chain --------------------------------------------------------------------------
def test_chain_reproducible_and_shapes():
    a = simulate_service_profit_chain(10, 5, 8, random_state=3)
    b = simulate_service_profit_chain(10, 5, 8, random_state=3)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    assert not a.employees.equals(simulate_service_profit_chain(10, 5, 8, random_state=4).employees)
    assert len(a.employees) == 50 and len(a.customers) == 80 and len(a.branches) == 10
    assert a.employees["recommend"].between(0, 10).all()
    assert a.customers["satisfaction"].between(0, 100).all()
    assert set(a.customers["retained"]) <= {0, 1}
    with pytest.raises(CRMLabInputError, match="n_branches must be a whole number of at least 3"):
        simulate_service_profit_chain(2)


def test_chain_true_links_recovered(big_chain):
    import statsmodels.api as sm

    br, p = big_chain.branches, CHAIN_TRUE_PARAMS
    assert br["true_es"].mean() == pytest.approx(p["es_mean"], abs=1.0)
    assert br["true_es"].std() == pytest.approx(p["es_sd"], rel=0.1)

    def slope(x, y):
        return float(np.asarray(sm.OLS(y, sm.add_constant(x)).fit().params)[1])

    assert slope(br["true_es"], br["true_sq"]) == pytest.approx(p["es_to_sq"], abs=0.04)
    assert slope(br["true_sq"], br["true_cs"]) == pytest.approx(p["sq_to_cs"], abs=0.05)
    assert slope(br["true_cs"], br["true_retention"]) == pytest.approx(
        p["cs_to_retention"], abs=0.05
    )
    observed = big_chain.customers.groupby("branch_id")["retained"].mean() * 100
    assert slope(observed.to_numpy(), br["profit"].to_numpy()) == pytest.approx(
        p["retention_to_profit"], abs=1.0
    )


def test_chain_individuals_scatter_around_branch_truth(big_chain):
    e = big_chain.employees.merge(big_chain.branches, on="branch_id")
    resid = e["satisfaction"] - e["true_es"]
    assert resid.mean() == pytest.approx(0, abs=0.2)
    assert resid.std() == pytest.approx(CHAIN_TRUE_PARAMS["employee_sd"], rel=0.05)
    c = big_chain.customers.merge(big_chain.branches, on="branch_id")
    assert c["retained"].mean() == pytest.approx(c["true_retention"].mean() / 100, abs=0.01)
