"""crmlab.internal_marketing: HR attrition (reference 16.12%), eNPS, the service-profit chain, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import internal_marketing as it
from crmlab.errors import CRMLabInputError
from crmlab.loyalty import cronbach_alpha, likert_codes

SAT_ITEMS = [
    "EnvironmentSatisfaction",
    "JobSatisfaction",
    "RelationshipSatisfaction",
    "WorkLifeBalance",
]


@pytest.fixture(scope="module")
def hr():
    from crmlab.datasets import load_hr_attrition

    return load_hr_attrition()


@pytest.fixture(scope="module")
def chain():
    from crmlab.datasets import simulate_service_profit_chain

    return simulate_service_profit_chain(random_state=0)


# ---- HR data ---------------------------------------------------------------------------------------
def test_attrition_rate_reference(hr):
    # shared/data/README.md: HR attrition 16.12%
    assert it.attrition_rate(hr) == pytest.approx(0.1612, abs=5e-5)
    assert it.attrition_rate(pd.DataFrame({"Attrition": [1, 0, 0, 0]})) == 0.25


def test_attrition_by_factor_overtime(hr):
    t = it.attrition_by_factor(hr, "OverTime")
    assert t["n"].sum() == 1470 and t["leavers"].sum() == 237
    assert t.loc["Yes", "rate"] == pytest.approx(127 / 416)
    assert t.loc["No", "rate"] == pytest.approx(110 / 1054)
    assert t.loc["Yes", "ci_low"] > t.loc["No", "ci_high"]
    assert t.attrs["overall_rate"] == pytest.approx(237 / 1470)


def test_attrition_by_factor_hand_computed():
    d = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "Attrition": [1, 0, 1, 1, 0]})
    t = it.attrition_by_factor(d, "g")
    assert t.loc["a", "rate"] == 0.5
    assert t.loc["b", "leavers"] == 2
    assert t.loc["b", "share_of_staff"] == pytest.approx(0.6)


def test_years_since_promotion_does_not_raise_attrition(hr):
    t = it.attrition_by_factor(hr, "YearsSinceLastPromotion", bins=[-1, 0, 1, 3, 7, 15])
    assert t["n"].sum() == 1470
    # the longest-waiting group leaves *less* often than the just-promoted group
    assert t["rate"].iloc[-1] < t["rate"].iloc[0]
    alone = it.attrition_model(hr, ["YearsSinceLastPromotion"])
    assert (
        alone.loc["YearsSinceLastPromotion", "or_low"]
        < 1
        < alone.loc["YearsSinceLastPromotion", "or_high"]
    )


def test_attrition_model_odds_ratios(hr):
    m = it.attrition_model(
        hr,
        ["OverTime", "JobSatisfaction", "MonthlyIncome", "MaritalStatus"],
        scale={"MonthlyIncome": 1000},
    )
    assert m.attrs["n"] == 1470
    assert {"OverTime=Yes", "MaritalStatus=Married", "MaritalStatus=Single"} <= set(m.index)
    assert m.loc["OverTime=Yes", "or_low"] > 2  # overtime: clearly higher odds of leaving
    assert m.loc["JobSatisfaction", "odds_ratio"] < 1
    assert m.loc["MonthlyIncome", "odds_ratio"] == pytest.approx(
        np.exp(m.loc["MonthlyIncome", "coef"])
    )
    # a single binary predictor: the odds ratio is the ratio of the two groups' odds
    single = it.attrition_model(hr, ["OverTime"])
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert single.loc["OverTime=Yes", "odds_ratio"] == pytest.approx(
        odds(127 / 416) / odds(110 / 1054), rel=1e-5
    )


def test_satisfaction_items_are_not_a_scale(hr):
    alpha = cronbach_alpha(likert_codes(hr, SAT_ITEMS))
    assert abs(alpha) < 0.05


def test_tenure_retention_curve(hr):
    c = it.tenure_retention_curve(hr)
    assert c["retention"].is_monotonic_decreasing
    assert c["at_risk"].iloc[0] == 1470
    # hand check of the first step: leavers with 0 years / all employees
    left0 = ((hr["YearsAtCompany"] == 0) & (hr["Attrition"] == 1)).sum()
    assert c["retention"].iloc[0] == pytest.approx(1 - left0 / 1470)
    by = it.tenure_retention_curve(hr, by="OverTime")
    assert set(by["group"]) == {"No", "Yes"}
    r5 = by[by["time"] <= 5].groupby("group")["retention"].last()
    assert r5["Yes"] < r5["No"]


def test_career_ladder_summary(hr):
    s = it.career_ladder_summary(hr)
    assert s["n"].sum() == 1470
    lvl1 = hr[hr["JobLevel"] == 1]
    assert s.loc[1, "share_stuck"] == pytest.approx((lvl1["YearsSinceLastPromotion"] >= 5).mean())
    assert s.loc[1, "attrition_rate"] == pytest.approx(lvl1["Attrition"].mean())


def test_hr_bad_input(hr):
    with pytest.raises(CRMLabInputError, match="missing column"):
        it.attrition_rate(hr.drop(columns="Attrition"))
    with pytest.raises(CRMLabInputError, match="not 0 or 1"):
        it.attrition_rate(pd.DataFrame({"Attrition": [0, 1, 2]}))
    with pytest.raises(TypeError, match="not numbers"):
        it.attrition_rate(pd.DataFrame({"Attrition": ["Yes", "No"]}))
    with pytest.raises(CRMLabInputError, match="fall outside the bins"):
        it.attrition_by_factor(hr, "YearsSinceLastPromotion", bins=[0, 1, 15])
    with pytest.raises(CRMLabInputError, match="missing"):
        it.attrition_by_factor(hr.assign(Age=hr["Age"].where(hr.index > 0)), "Age", bins=3)
    with pytest.raises(CRMLabInputError, match="predictors is empty"):
        it.attrition_model(hr, [])
    with pytest.raises(CRMLabInputError, match="below 0"):
        it.tenure_retention_curve(hr.assign(YearsAtCompany=-hr["YearsAtCompany"] - 1))


# ---- eNPS ------------------------------------------------------------------------------------------
def test_enps_hand_computed():
    assert it.enps([10, 9, 9, 5]) == pytest.approx(50.0)
    with pytest.raises(CRMLabInputError, match="above 10"):
        it.enps([9, 12])


# ---- service-profit chain ----------------------------------------------------------------------------
def test_branch_panel_hand_computed():
    emp = pd.DataFrame({"branch_id": [1, 1, 2, 2, 3, 3], "satisfaction": [80, 60, 70, 90, 50, 50],
                        "recommend": [10, 5, 9, 9, 0, 8]})  # fmt: skip
    cust = pd.DataFrame({"branch_id": [1, 2, 3, 3], "service_quality": [50, 60, 70, 80],
                         "satisfaction": [75, 65, 80, 60], "retained": [1, 0, 1, 1]})  # fmt: skip
    br = pd.DataFrame({"branch_id": [1, 2, 3], "profit": [10.0, 20.0, 30.0]})
    p = it.branch_panel(emp, cust, br, threshold=70)
    assert p.loc[1, "employee_satisfaction"] == 70
    assert p.loc[1, "employee_satisfied_share"] == 0.5
    assert p.loc[1, "enps"] == 0.0  # one promoter, one detractor
    assert p.loc[2, "enps"] == 100.0
    assert p.loc[3, "service_quality"] == 75
    assert p.loc[3, "customer_satisfied_share"] == 0.5
    assert p.loc[2, "retention_pct"] == 0.0
    with pytest.raises(CRMLabInputError, match="above 100"):
        it.branch_panel(emp.assign(satisfaction=[4, 5, 3, 2, 1, 5] * np.array(30)), cust, br)
    with pytest.raises(CRMLabInputError, match="same ids"):
        it.branch_panel(emp, cust.assign(branch_id=[7, 8, 9, 9]), br)
    with pytest.raises(CRMLabInputError, match="missing column"):
        it.branch_panel(emp.drop(columns="recommend"), cust, br)


def test_chain_paths_recover_planted_effects(chain):
    from crmlab.datasets.synthetic_internal import CHAIN_TRUE_PARAMS as P

    panel = it.branch_panel(*chain)
    paths = it.service_profit_chain_paths(panel).set_index("y")
    truth = {
        "service_quality": P["es_to_sq"],
        "customer_satisfaction": P["sq_to_cs"],
        "retention_pct": P["cs_to_retention"],
        "profit": P["retention_to_profit"],
    }
    for y, true in truth.items():
        row = paths.loc[y]
        # within 3 standard errors (a 95% interval misses the truth 1 time in 20)
        assert abs(row["slope"] - true) < 3 * row["se"], y
        assert row["n"] == 60


def test_chain_paths_ols_hand_computed():
    panel = pd.DataFrame({"a": [0.0, 1, 2, 3, 4], "b": [1.0, 3, 5, 7, 9.5]})
    p = it.service_profit_chain_paths(panel, [("a", "b")]).iloc[0]
    assert p["slope"] == pytest.approx(np.polyfit(panel["a"], panel["b"], 1)[0])


def test_satisfaction_claim(chain):
    panel = it.branch_panel(*chain)
    c = it.satisfaction_claim(panel, 0.85, 0.95)
    assert c["predicted"] < 0.95
    assert not c["claim_in_line_ci"]
    assert c["claim_in_prediction_interval"] == (c["pi_low"] <= 0.95 <= c["pi_high"])
    far = it.satisfaction_claim(panel, 0.85, 1.0)
    assert far["pi_high"] < 1.0 and not far["claim_in_prediction_interval"]
    assert c["required_slope"] > c["slope_ci_high"]
    assert c["pi_low"] < c["ci_low"] < c["predicted"] < c["ci_high"] < c["pi_high"]
    # a panel built so that the claim holds exactly
    x = np.linspace(0.3, 0.9, 20)
    exact = pd.DataFrame(
        {"employee_satisfied_share": x, "customer_satisfied_share": 0.95 + (x - 0.85)}
    )
    exact["customer_satisfied_share"] += np.tile([0.001, -0.001], 10)
    assert it.satisfaction_claim(exact)["claim_in_line_ci"]
    assert it.satisfaction_claim(exact)["claim_in_prediction_interval"]
    with pytest.raises(CRMLabInputError, match="divide by 100"):
        it.satisfaction_claim(panel, 85, 95)
