"""Exercise set 05: references against the literature; mistakes computed independently."""

from __future__ import annotations

import pandas as pd
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
    assert ex.q5.reference() != pytest.approx(-12.1, abs=1)  # the lesson's calibration


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


def test_q3_is_the_conditional_expectation(fits):
    gg = fits["gg"]
    one = pd.DataFrame({"frequency": [2], "monetary_value": [20.0]})
    assert ex.q3.reference() == pytest.approx(float(gg.expected_spend(one).iloc[0]))
    assert 20 < ex.q3.reference() < gg.population_mean_spend  # pulled towards the mean
    assert "own average" in _hint(ex.q3, 20.0)
    assert "population mean" in _hint(ex.q3, gg.population_mean_spend)
    three = pd.DataFrame({"frequency": [3], "monetary_value": [20.0]})
    assert "x = 2, not 3" in _hint(ex.q3, float(gg.expected_spend(three).iloc[0]))


def _equity(fits, **kw):
    args = {"horizon": 24, "discount_rate": per_period_rate(0.10, 12), "time_unit": "M",
            "margin": 0.30, **kw}  # fmt: skip
    return customer_lifetime_value(fits["bg"], fits["gg"], fits["summary"], **args).sum()


def test_q4_mistakes(fits):
    assert ex.q4.reference() == pytest.approx(_equity(fits))
    assert ex.q4.reference() > _equity(fits, horizon=12)
    assert "12-month equity" in _hint(ex.q4, _equity(fits, horizon=12))
    assert "yearly discount rate" in _hint(ex.q4, _equity(fits, discount_rate=0.10))
    assert "30% margin" in _hint(ex.q4, _equity(fits, margin=1.0))
    assert "24 weeks" in _hint(ex.q4, _equity(fits, time_unit="W"))


def test_q5_mistakes(fits, cdnow_sample):
    late = rfm_summary(cdnow_sample, calibration_end="1997-12-31", time_unit="W")
    m = calibration_holdout_report(BetaGeo().fit(late), late).metrics
    pct = 100 * (m["predicted_total"] - m["actual_total"]) / m["actual_total"]
    assert ex.q5.reference() == pytest.approx(pct)
    assert late["frequency_holdout"].sum() == m["actual_total"]
    assert "sign is reversed" in _hint(ex.q5, -pct)
    assert "percent" in _hint(ex.q5, pct / 100)
    early = calibration_holdout_report(fits["bg"], fits["summary"]).metrics["total_error_pct"]
    assert "1997-09-30" in _hint(ex.q5, early)
