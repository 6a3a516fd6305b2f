"""Exercise set 07: reference values by hand; mistakes computed independently get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.exercises import lesson07 as ex


@pytest.fixture(scope="module")
def survey():
    return ex.survey()


def _nps(scores):
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def _alpha(items):
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def _difference(survey, fast_days):
    fast = (survey["complained"] == 1) & (survey["resolved"] == 1)
    fast &= survey["resolution_days"] <= fast_days
    none = survey["complained"] == 0
    return survey.loc[fast, "repurchased"].mean() - survey.loc[none, "repurchased"].mean()


def test_reference_values(survey):
    complainants = survey.loc[survey["complained"] == 1, "nps_score"]
    assert ex.q1.reference() == pytest.approx(_nps(complainants))
    assert ex.q1.reference() < _nps(survey["nps_score"])  # complainants recommend less
    items = survey[["init_1", "init_2", "init_3r"]].assign(init_3r=6 - survey["init_3r"])
    assert ex.q2.reference() == pytest.approx(_alpha(items))
    assert ex.q3.reference() == pytest.approx(_difference(survey, 1.0))
    # Gold tier by hand: extra margin 250*400*0.06*0.25 = 1500; points 250*400*1.06*2*0.7*0.01 = 1484
    assert ex.q4.reference() == pytest.approx(16.0)


@pytest.mark.parametrize(
    ("qid", "wrong", "words"),
    [
        ("q1", lambda s: _nps(s.loc[s["complained"] == 1, "nps_score"]) / 100, "fraction"),
        ("q1", lambda s: _nps(s["nps_score"]), "all respondents"),
        ("q1", lambda s: _nps(s.loc[s["complained"] == 0, "nps_score"]), "did not complain"),
        ("q1", lambda s: 100 * (s.loc[s["complained"] == 1, "nps_score"] >= 9).mean(), "promoters"),
        ("q2", lambda s: _alpha(s[["init_1", "init_2", "init_3r"]]), "not reversed"),
        ("q3", lambda s: _difference(s, 2.0), "fast_days=2"),
        ("q3", lambda s: 100 * _difference(s, 1.0), "percentage"),
        ("q3", lambda s: -_difference(s, 1.0), "sign is reversed"),
        ("q4", lambda s: ex._gold_net(redemption=1.0), "redeemed share"),
        ("q4", lambda s: ex._gold_net_extra_only(), "all spending"),
        ("q4", lambda s: -16.0, "sign is reversed"),
    ],
)
def test_mistake_hints(survey, qid, wrong, words):
    result = getattr(ex, qid).evaluate(float(np.asarray(wrong(survey))))
    assert result.status == "incorrect"
    assert words in result.message
