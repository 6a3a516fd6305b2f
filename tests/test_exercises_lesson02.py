"""Exercise set 02: mistakes computed independently from the data get their hint."""

from __future__ import annotations

import numpy as np
import pytest

import crmlab
from crmlab import value
from crmlab.exercises import lesson02 as ex


def _per_customer(column):
    return ex.load()["tx"].groupby("customer_id")[column].sum()


def _rows():
    return ex.load()["tx"].groupby("customer_id").size()


def _orders():
    return ex.load()["tx"].drop_duplicates(["customer_id", "date"]).groupby("customer_id").size()


def _class_a(cuts):
    return int((value.abc_classes(_per_customer("amount"), cuts=cuts)["abc_class"] == "A").sum())


def _unit_eigenvector(ref):
    return ref / np.linalg.norm(ref)  # an eigenvector of length 1, not summing to 1


def _prospective_without_lower_is_better(ref):
    accounts = crmlab.datasets.simulate_b2b_accounts(300, random_state=0)
    sc = value.value_scorecard(accounts, **{**ex.SCORECARD, "lower_is_better": []})
    m = value.value_matrix(sc["current_value"], sc["potential_value"])
    return int((m["quadrant"] == "prospective").sum())


@pytest.mark.parametrize(
    ("qid", "wrong", "phrase"),
    [
        ("q1", lambda ref: 100 * ref, "percentage"),
        ("q1", lambda ref: value.top_share(_rows(), 0.1), "counts purchase days"),
        ("q1", lambda ref: value.top_share(_per_customer("amount"), 0.1), "share of revenue"),
        ("q1", lambda ref: value.top_share(_orders(), 0.2), "top 20%"),
        ("q2", lambda ref: value.gini(_per_customer("amount")), "Gini of revenue"),
        ("q2", lambda ref: 100 * ref, "looks like a percentage"),
        ("q3", lambda ref: ref / len(ex.load()["revenue"]), "share of customers"),
        ("q3", lambda ref: round(0.7 * len(ex.load()["revenue"])), "70% of the customers"),
        ("q3", lambda ref: _class_a((0.8, 0.95)), "lesson's cuts"),
        ("q4", _unit_eigenvector, "unnormalised eigenvector"),
        ("q5", _prospective_without_lower_is_better, "less is better"),
    ],
)
def test_mistakes_get_their_hint(qid, wrong, phrase):
    q = getattr(ex, qid)
    result = q.evaluate(wrong(q.reference()))
    assert result.status == "incorrect"
    assert phrase in result.message


def test_reference_values():
    weights = ex.q4.reference()
    assert weights.sum() == pytest.approx(1.0)
    assert weights.idxmax() == "gross_profit"  # judged the most important
    orders = _orders().sort_values().to_numpy()
    top = orders[::-1][: round(0.1 * len(orders))].sum() / orders.sum()
    assert ex.q1.reference() == pytest.approx(top, abs=0.005)
    n = len(orders)
    gini = 2 * np.sum(np.arange(1, n + 1) * orders) / (n * orders.sum()) - (n + 1) / n
    assert ex.q2.reference() == pytest.approx(gini, abs=0.005)
    assert ex.q2.reference() < value.gini(_per_customer("amount"))  # orders less unequal
    revenue = _per_customer("amount").sort_values(ascending=False)
    before = revenue.cumsum().shift(fill_value=0) / revenue.sum()
    assert ex.q3.reference() == (before < 0.7).sum()  # a customer is A if A is open before it
