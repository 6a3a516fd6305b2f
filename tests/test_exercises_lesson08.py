"""Exercise set 08: reference values; mistakes computed independently get their hint."""

from __future__ import annotations

import pytest

from crmlab.exercises import lesson08 as ex


def test_reference_values():
    assert ex.q1.reference() == pytest.approx(0.1612, abs=5e-5)  # shared/data/README.md
    assert ex.q2.reference() == pytest.approx(127 / 416)
    assert abs(ex.q3.reference()) < 0.05  # the four items are not a scale


@pytest.mark.parametrize(
    ("qid", "wrong", "words"),
    [
        ("q1", lambda ref: 100 * ref, "percentage"),
        ("q1", lambda ref: 237.0, "number of leavers"),
        ("q2", lambda ref: ex._share_of_leavers_overtime(), "share of leavers"),
        ("q2", lambda ref: 100 * ref, "percentage"),
        ("q4", lambda ref: ref / 100, "fraction"),
        ("q4", lambda ref: -ref, "Wrong sign"),
        ("q5", lambda ref: ex._reverse_slope(), "swapped"),
    ],
)
def test_mistake_hints(qid, wrong, words):
    q = getattr(ex, qid)
    result = q.evaluate(wrong(q.reference()))
    assert result.status == "incorrect"
    assert words in result.message
