"""Exercise set 08: references by independent computations; mistakes get their hint."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from crmlab.exercises import lesson08 as ex


def _odds_ratio(columns):
    hr = ex.hr()
    x = hr[columns].assign(OverTime=(hr["OverTime"] == "Yes").astype(float)).to_numpy(float)
    fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x, hr["Attrition"])
    return float(np.exp(fit.coef_[0][0]))


def _slope(panel, x="employee_satisfaction", y="service_quality"):
    return float(np.polyfit(panel[x], panel[y], 1)[0])


def test_reference_values():
    hr = ex.hr()
    by_role = hr.groupby("JobRole", observed=True)["Attrition"].mean()
    assert ex.q1.reference() == pytest.approx(by_role.max())
    assert by_role.idxmax() == "Sales_Representative"
    assert ex.q2.reference() == pytest.approx(_odds_ratio(["OverTime", "JobLevel"]), rel=1e-4)
    panel = ex.panel()
    r = np.corrcoef(panel["enps"], panel["customer_satisfaction"])[0, 1]
    assert ex.q3.reference() == pytest.approx(r)
    few = ex.panel(5)
    assert (few["n_employees"] == 5).all()
    assert ex.q4.reference() == pytest.approx(_slope(few))
    # regression dilution: fewer employees per branch, noisier x, flatter slope than planted
    assert ex.q4.reference() < _slope(ex.panel()) < 0.6


@pytest.mark.parametrize(
    ("qid", "wrong", "words"),
    [
        ("q1", lambda: 100 * ex.q1.reference(), "percentage"),
        ("q1", lambda: ex.hr()["Attrition"].mean(), "overall attrition rate"),
        ("q1", lambda: 62 / 259, "most leavers"),  # laboratory technicians
        ("q2", lambda: _odds_ratio(["OverTime"]), "without JobLevel"),
        ("q2", lambda: np.log(ex.q2.reference()), "coefficient"),
        ("q3", lambda: ex.q3.reference() ** 2, "r squared"),
        ("q4", lambda: _slope(ex.panel()), "20 employees"),
        ("q4", lambda: 0.6, "planted"),
        ("q4", lambda: _slope(ex.panel(5), "service_quality", "employee_satisfaction"), "swapped"),
    ],
)
def test_mistake_hints(qid, wrong, words):
    result = getattr(ex, qid).evaluate(float(wrong()))
    assert result.status == "incorrect"
    assert words in result.message
