"""Exercise set 06: references against the data README; mistake hints."""

from __future__ import annotations

import pytest

from crmlab.exercises import lesson06 as ex


def test_reference_values():
    # reference: shared/data/README.md, "Telco churn 26.54%"
    assert ex.q1.reference() == pytest.approx(0.2654, abs=5e-5)
    alpha, beta = ex._sbg().params_["alpha"], ex._sbg().params_["beta"]
    assert ex.q3.reference() == pytest.approx((beta + 23) / (alpha + beta + 23))
    assert 0.2 < ex.q4.reference() <= 1.0  # a useful model beats the 20% of random contact
    assert ex.q5.reference() > 0


def _expected_mistake_hint(q, answer, fragment):
    result = q.evaluate(answer)
    assert result.status == "incorrect"
    assert fragment in result.message


def test_q1_mistakes():
    ref = ex.q1.reference()
    _expected_mistake_hint(ex.q1, ref * 100, "percentage")
    _expected_mistake_hint(ex.q1, 1 - ref, "stayed")


def test_q2_mistakes():
    ref = ex.q2.reference()
    _expected_mistake_hint(ex.q2, ref * 100, "percentage")
    _expected_mistake_hint(ex.q2, 1 - ref, "left by month 12")
    _expected_mistake_hint(ex.q2, ex._censored_as_churned(), "as lost")
    _expected_mistake_hint(ex.q2, ex._censored_as_survivors(), "censored, not survivors")


def test_q3_mistakes():
    ref = ex.q3.reference()
    _expected_mistake_hint(ex.q3, ref * 100, "percentage")
    _expected_mistake_hint(ex.q3, 1 - ref, "churn rate in month 24")
    _expected_mistake_hint(ex.q3, float(ex._sbg().survival(24)), "survival")


def test_q4_mistakes():
    ref = ex.q4.reference()
    g = ex._gains()
    _expected_mistake_hint(ex.q4, ref * 100, "percentage")
    _expected_mistake_hint(ex.q4, g.loc[2, "churners"] / g["churners"].sum(), "second decile")
    _expected_mistake_hint(ex.q4, g.loc[2, "cumulative_lift"], "lift")


def test_q5_mistakes():
    ref = ex.q5.reference()
    plan = ex._plan()
    _expected_mistake_hint(ex.q5, plan.summary["net_saved"], "net saving")
    _expected_mistake_hint(ex.q5, ref / ex.SETTINGS["success_rate"], "success")
    assert ex.q5.evaluate(ref * 2).status == "incorrect"
