"""Exercise set 06: references by independent computations; mistake hints."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln

from crmlab.exercises import lesson06 as ex


def _kaplan_meier(rows, at):
    """Product-limit estimate by hand: S(at) = prod over event times t <= at of 1 - d_t / n_t."""
    survival = 1.0
    for t in sorted(rows.loc[rows["churn"] == 1, "tenure"].unique()):
        if t > at:
            break
        at_risk = (rows["tenure"] >= t).sum()
        survival *= 1 - ((rows["tenure"] == t) & (rows["churn"] == 1)).sum() / at_risk
    return survival


def test_q1_is_the_product_limit_estimate():
    telco = ex.load()["telco"]
    one_year = telco[telco["contract"] == "One year"]
    assert ex.q1.reference() == pytest.approx(_kaplan_meier(one_year, 60))
    naive = (one_year["tenure"] > 60).mean()  # censored short tenures counted as lost
    assert naive < ex.q1.reference()


def test_q2_is_where_the_sbg_survival_crosses_one_half():
    alpha, beta = ex._sbg().params_["alpha"], ex._sbg().params_["beta"]
    t = np.arange(200)
    survival = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))  # S(t) = B(a, b+t) / B(a, b)
    assert ex.q2.reference() == int(np.argmax(survival < 0.5))
    assert survival[ex.q2.reference() - 1] >= 0.5 > survival[ex.q2.reference()]


def test_q3_reference():
    alpha, beta = ex._sbg().params_["alpha"], ex._sbg().params_["beta"]
    assert ex.q3.reference() == pytest.approx((beta + 23) / (alpha + beta + 23))


def test_q4_lift_by_hand():
    res = ex._logistic(("tenure",))
    ranked = res.y.to_numpy()[np.argsort(-res.probabilities["logistic"].to_numpy(), kind="stable")]
    top = ranked[: round(0.3 * len(ranked))]
    assert ex.q4.reference() == pytest.approx(top.mean() / ranked.mean(), abs=0.01)
    assert 1 < ex.q4.reference() < 1 / 0.3  # better than random, at most all churners


def _expected_mistake_hint(q, answer, fragment):
    result = q.evaluate(answer)
    assert result.status == "incorrect"
    assert fragment in result.message


def test_q1_mistakes():
    ref = ex.q1.reference()
    _expected_mistake_hint(ex.q1, ref * 100, "percentage")
    _expected_mistake_hint(ex.q1, 1 - ref, "left by month 60")
    m2m = ex.load()["telco"].query("contract == 'Month-to-month'")
    _expected_mistake_hint(ex.q1, _kaplan_meier(m2m, 60), "month-to-month")


def test_q2_mistakes():
    _expected_mistake_hint(ex.q2, 35, "Kaplan-Meier median")  # lesson 6's table: 35 months
    _expected_mistake_hint(ex.q2, ex.q2.reference() - 1, "one month early")


def test_q3_mistakes():
    ref = ex.q3.reference()
    _expected_mistake_hint(ex.q3, ref * 100, "percentage")
    _expected_mistake_hint(ex.q3, 1 - ref, "churn rate in month 24")
    _expected_mistake_hint(ex.q3, float(ex._sbg().survival(24)), "survival")


def test_q4_mistakes():
    g = ex._gains()
    _expected_mistake_hint(ex.q4, g.loc[3, "gain"], "cumulative gain")
    _expected_mistake_hint(ex.q4, ex._gains(drop=()).loc[3, "cumulative_lift"], "with tenure")


def test_q5_mistakes():
    ref = ex.q5.reference()
    twelve = ex._plan(horizon_months=12).summary["expected_saved"]
    assert twelve < ref  # more value at stake, more saved by the same budget
    _expected_mistake_hint(ex.q5, twelve, "12 months")
    _expected_mistake_hint(ex.q5, ex._plan().summary["net_saved"], "net saving")
    _expected_mistake_hint(ex.q5, ref / ex.SETTINGS["success_rate"], "success")
