"""Exercise set 02: mistakes computed independently from the data get their hint."""

from __future__ import annotations

import numpy as np
import pytest

import crmlab
from crmlab import value
from crmlab.exercises import lesson02 as ex


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
        ("q1", lambda ref: value.top_share(ex.load()["tx"]["amount"], 0.2), "order lines"),
        ("q2", lambda ref: value.gini(ex.load()["tx"]["amount"]), "Gini of order lines"),
        ("q2", lambda ref: 100 * ref, "not a percentage"),
        ("q3", lambda ref: ref / len(ex.load()["revenue"]), "share of customers"),
        ("q3", lambda ref: round(0.2 * len(ex.load()["revenue"])), "top 20%"),
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
    assert 0.6 < ex.q1.reference() < 0.75  # CDNOW: the top fifth bring about two thirds
