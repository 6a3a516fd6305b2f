"""Exercise set 07: reference values; mistakes computed independently get their hint."""

from __future__ import annotations

import pytest

from crmlab.exercises import lesson07 as ex


@pytest.fixture(scope="module")
def survey():
    return ex.survey()


def test_reference_values(survey):
    s = survey["nps_score"]
    assert ex.q1.reference() == pytest.approx(100 * ((s >= 9).mean() - (s <= 6).mean()))
    # Gold tier by hand: extra margin 250*400*0.06*0.25 = 1500; points 250*400*1.06*2*0.7*0.01 = 1484
    assert ex.q4.reference() == pytest.approx(16.0)


@pytest.mark.parametrize(
    ("qid", "wrong", "words"),
    [
        ("q1", lambda ref: ref / 100, "fraction"),
        ("q1", lambda ref: ex._promoter_share_points(), "only the share of promoters"),
        ("q1", lambda ref: ex._nps_7_to_10(), "passives"),
        ("q1", lambda ref: -ref, "Wrong sign"),
        ("q2", lambda ref: ex._alpha_res_unreversed(), "not reversed"),
        ("q3", lambda ref: 100 * ref, "percentage"),
        ("q3", lambda ref: -ref, "Wrong sign"),
        ("q4", lambda ref: ex._gold_net(redemption=1.0), "redeemed share"),
        ("q4", lambda ref: ex._gold_net_extra_only(), "all spending"),
        ("q4", lambda ref: -ref, "Wrong sign"),
    ],
)
def test_mistake_hints(qid, wrong, words):
    q = getattr(ex, qid)
    result = q.evaluate(wrong(q.reference()))
    assert result.status == "incorrect"
    assert words in result.message
