"""Exercise set 05: references against the literature; mistakes computed independently."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import (
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    calibration_holdout_report,
    customer_lifetime_value,
)
from crmlab.clv.formulas import per_period_rate
from crmlab.exercises import lesson05 as ex
from crmlab.transactions import rfm_summary


@pytest.fixture(scope="module")
def fits(cdnow_sample):
    summary = rfm_summary(cdnow_sample, calibration_end="1997-09-30", time_unit="W")
    return {
        "summary": summary,
        "bg": BetaGeo().fit(summary),
        "pn": ParetoNBD().fit(summary),
        "gg": GammaGamma().fit(summary),
    }


def test_reference_values_match_the_literature():
    assert ex.q1.reference() == pytest.approx(1.444, abs=1e-3)  # BTYD walkthrough: 1.444004
    assert ex.q3.reference() == pytest.approx(35.17, abs=0.01)
    assert -15 < ex.q5.reference() < -10


def _hint(q, answer):
    result = q.evaluate(answer)
    assert result.status == "incorrect", answer
    return result.message


def test_q1_mistakes(fits):
    bg = fits["bg"]
    assert "12 weeks" in _hint(ex.q1, float(bg.expected_purchases_new(12)))
    assert "one week" in _hint(ex.q1, float(bg.expected_purchases_new(1)))
    assert "Pareto/NBD" in _hint(ex.q1, float(fits["pn"].expected_purchases_new(52)))
    assert "first purchase" in _hint(ex.q1, float(bg.expected_purchases_new(52)) + 1)


def test_q2_mistakes(fits):
    s, bg = fits["summary"], fits["bg"]
    alive = bg.probability_alive(s) > 0.5
    repeat = s.frequency > 0
    right = alive[repeat].mean()
    assert "percentage" in _hint(ex.q2, 100 * right)
    assert "one-time buyers" in _hint(ex.q2, alive.mean())
    assert "count" in _hint(ex.q2, float(alive[repeat].sum()))


def test_q3_mistakes(fits, cdnow_sample):
    s = fits["summary"]
    assert "including the zeros" in _hint(ex.q3, s.monetary_value.mean())
    assert "observed average" in _hint(ex.q3, s.loc[s.frequency > 0, "monetary_value"].mean())
    assert "raw log" in _hint(ex.q3, cdnow_sample.amount.mean())


def test_q4_mistakes(fits):
    def equity(**kw):
        args = {"horizon": 12, "discount_rate": per_period_rate(0.10, 12), "time_unit": "M",
                "margin": 0.30, **kw}  # fmt: skip
        return customer_lifetime_value(fits["bg"], fits["gg"], fits["summary"], **args).sum()

    assert "yearly discount rate" in _hint(ex.q4, equity(discount_rate=0.10))
    assert "undiscounted" in _hint(ex.q4, equity(discount_rate=0.0))
    assert "30% margin" in _hint(ex.q4, equity(margin=1.0))
    assert "12 weeks" in _hint(ex.q4, equity(time_unit="W"))


def test_q5_mistakes(fits):
    m = calibration_holdout_report(fits["bg"], fits["summary"]).metrics
    pct = m["total_error_pct"]
    assert "wrong sign" in _hint(ex.q5, -pct)
    assert "percent" in _hint(ex.q5, pct / 100)
    pn = calibration_holdout_report(fits["pn"], fits["summary"]).metrics["total_error_pct"]
    assert "Pareto/NBD" in _hint(ex.q5, pn)
    by_predicted = 100 * (m["predicted_total"] - m["actual_total"]) / m["predicted_total"]
    assert not np.isclose(by_predicted, pct, rtol=1e-3)
    assert "actual total" in _hint(ex.q5, by_predicted)
