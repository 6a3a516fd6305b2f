"""Exercise set 04: references by hand; mistakes computed independently get their hint."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.clv import cohort_table, historical_value, simple_clv
from crmlab.clv.formulas import per_period_rate
from crmlab.exercises import lesson04 as ex


def test_reference_values_by_hand():
    assert ex.q1.reference() == pytest.approx(40 * 2 * 52 * 0.80 - 1000)
    assert ex.q3.reference() == pytest.approx(
        sum(100 * 0.75**t / 1.10**t for t in range(1, 6)) - 40
    )
    tx = ex.load()["tx"]
    quarter = tx["date"].dt.to_period("Q")
    first = quarter.groupby(tx["customer_id"]).transform("min")
    cohort = set(tx.loc[first == pd.Period("1997Q1", "Q"), "customer_id"])
    back = set(tx.loc[quarter == pd.Period("1997Q2", "Q"), "customer_id"]) & cohort
    assert ex.q4.reference() == pytest.approx(len(back) / len(cohort))
    assert 0.2 < ex.q4.reference() < 0.3  # a quarter is wider than a month: more come back


def _hint(q, answer):
    result = q.evaluate(answer)
    assert result.status == ("partial" if result.credit else "incorrect")
    return result.message


def test_q1_mistakes():
    ev = 40 * 2 * 52 * 0.80
    assert "expected customer value" in _hint(ex.q1, ev)
    assert "not the selling cost" in _hint(ex.q1, ev - 400)
    assert "not the advertising cost" in _hint(ex.q1, ev - 600)
    assert "per week" in _hint(ex.q1, 40 * 2 * 0.80 - 1000)
    assert "52 weeks, not" in _hint(ex.q1, 40 * 2 * 48 * 0.80 - 1000)
    assert "not the expected answer" in _hint(ex.q1, 1.0)


def test_q2_mistakes():
    assert "yearly discount rate" in _hint(ex.q2, simple_clv(20, 0.9, 0.12))
    assert "approximation" in _hint(ex.q2, simple_clv(20, 0.9, 0.01))
    assert "undiscounted" in _hint(ex.q2, 20 * 0.9 / 0.1)
    assert "time 0" in _hint(ex.q2, simple_clv(20, 0.9, per_period_rate(0.12)) + 20)


def test_q3_mistakes():
    assert "acquisition cost" in _hint(ex.q3, simple_clv(100, 0.75, 0.10, horizon=5))
    assert "undiscounted" in _hint(ex.q3, sum(100 * 0.75**t for t in range(1, 6)) - 40)
    assert "infinite-horizon" in _hint(ex.q3, simple_clv(100, 0.75, 0.10, acquisition_cost=40))
    at_start = sum(100 * (0.75 / 1.10) ** t for t in range(5)) - 40
    assert "t = 0..4" in _hint(ex.q3, at_start)


def test_q4_mistakes(cdnow_master):
    q1 = pd.Period("1997Q1", "Q")
    ret = cohort_table(cdnow_master, "Q", "retention").loc[q1]
    counts = cohort_table(cdnow_master, "Q", "customers").loc[q1]
    assert "percentage" in _hint(ex.q4, 100 * ret[1])
    assert "number of customers" in _hint(ex.q4, counts[1])
    monthly = cohort_table(cdnow_master, "M", "retention").loc[pd.Period("1997-01", "M")]
    assert "monthly table" in _hint(ex.q4, monthly[1])
    quarter = cdnow_master["date"].dt.to_period("Q")
    first = quarter.groupby(cdnow_master["customer_id"]).transform("min")
    orders = ((first == q1) & (quarter == q1 + 1)).sum()
    assert orders > counts[1]  # some customers ordered twice in the second quarter
    assert "counted orders" in _hint(ex.q4, orders / counts[0])
    assert "age 2" in _hint(ex.q4, ret[2])


def test_q5_mistakes(cdnow_master):
    def mean_hv(**kw):
        args = {"rate": 0.10, "time_unit": "Y", "margin_rate": 0.30, "as_of": "1998-06-30", **kw}
        return historical_value(cdnow_master, **args).mean()

    assert "30% margin" in _hint(ex.q5, mean_hv(margin_rate=1.0))
    assert "did not compound" in _hint(ex.q5, mean_hv(rate=0.0))
    assert "yearly rate" in _hint(ex.q5, mean_hv(time_unit="M"))
    assert "mean per order" in _hint(ex.q5, 0.3 * cdnow_master["amount"].mean())
