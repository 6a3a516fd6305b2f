"""Exercise set 01: references from independent computations, mistakes computed from the data."""

from __future__ import annotations

import pytest

from crmlab.exercises import INCORRECT
from crmlab.exercises import lesson01 as ex


def test_references_match_independent_computations(cdnow_master):
    days = cdnow_master.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
    revenue = cdnow_master.groupby("customer_id")["amount"].sum()
    assert ex.q1.reference() == pytest.approx(revenue[days == 1].sum() / revenue.sum())
    assert 0.1 < ex.q1.reference() < 0.2  # half of the customers, a seventh of the revenue
    assert ex.q2.reference() == pytest.approx((days >= 5).sum() / (days >= 2).sum())
    assert ex.q3.reference() == pytest.approx(1000 * 0.8**5)
    low = sum(1000 * 100 * 0.8**t / 1.1**t for t in range(20))
    high = sum(1000 * 100 * 0.9**t / 1.1**t for t in range(20))
    assert ex.q4.reference() == pytest.approx(high / low)
    assert ex.q5.reference() == pytest.approx(500 * 0.4 / 0.6)


def test_merging_same_day_orders_changes_q1_beyond_the_tolerance(cdnow_master):
    rows = cdnow_master.groupby("customer_id").size()
    revenue = cdnow_master.groupby("customer_id")["amount"].sum()
    naive = revenue[rows == 1].sum() / revenue.sum()
    assert ex.q1.evaluate(naive).status == "incorrect"


@pytest.mark.parametrize(
    ("question", "wrong", "phrase"),
    [
        ("q1", lambda r: 100 * r, "percentage"),
        ("q1", lambda r: 1 - r, "repeat buyers"),
        ("q2", lambda r: 100 * r, "percentage"),
        ("q3", lambda r: 1000 * 0.8**6, "one renewal too many"),
        ("q3", lambda r: 1000 * 0.8**4, "one renewal too few"),
        ("q3", lambda r: 1000 * 0.2**5, "churn rate"),
        ("q3", lambda r: r / 1000, "share still active"),
        ("q4", lambda r: 1 / r, "upside down"),
        ("q4", lambda r: 1.354, "10-year multiple"),  # lesson 1 prints 1.35 for 10 years
        ("q4", lambda r: r - 1, "the increase"),
        ("q5", lambda r: 200.0, "first generation only"),
        ("q5", lambda r: 500 / 0.6, "own CLV"),
    ],
)
def test_each_common_mistake_gets_its_hint(question, wrong, phrase):
    q = getattr(ex, question)
    result = q.evaluate(wrong(q.reference()))
    assert result.status == INCORRECT
    assert phrase in result.message


def test_mistakes_computed_from_the_data(cdnow_master):
    rows = cdnow_master.groupby("customer_id").size()
    revenue = cdnow_master.groupby("customer_id")["amount"].sum()
    assert "counted orders" in ex.q1.evaluate(revenue[rows == 1].sum() / revenue.sum()).message
    days = cdnow_master.drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()
    assert "*customers*" in ex.q1.evaluate((days == 1).mean()).message
    assert "*all* customers" in ex.q2.evaluate((days >= 5).mean()).message
    assert "one step" in ex.q2.evaluate((days >= 3).sum() / (days >= 2).sum()).message
    from crmlab.economics import profit_multiple

    no_discount = profit_multiple(0.8, 0.9, years=20, discount_rate=0)
    assert "discounting" in ex.q4.evaluate(no_discount).message


def test_wrong_types_get_a_sentence():
    assert "remove the quotes" in ex.q1.evaluate("0.51").message
    assert "single number" in ex.q4.evaluate([1.35, 1.4]).message
