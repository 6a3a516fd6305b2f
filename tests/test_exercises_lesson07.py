"""Exercise set 7: each solution is correct, placeholders are not attempted, mistakes get their hint."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import loyalty as ly
from crmlab.exercises import lesson07 as ex
from crmlab.exercises import questions_of


@pytest.fixture(scope="module")
def survey():
    return ex.survey()


def _solutions(survey):
    gold = pd.DataFrame([ex.GOLD], index=["Gold"])
    return {
        "q1": ly.nps(survey["nps_score"]),
        "q2": ly.cronbach_alpha(ly.reverse_code(survey[ex.RES_ITEMS], ["res_3r"])),
        "q3": ly.recovery_paradox(survey, fast_days=2.0)["difference"],
        "q4": ly.points_programme_economics(gold, point_value=0.01, redemption_rate=0.7).loc[
            "Gold", "net_gain"
        ],
    }


def test_question_set():
    assert [q.qid for q in questions_of(ex)] == ["q1", "q2", "q3", "q4"]


def test_solutions_correct_and_placeholders(survey):
    for qid, answer in _solutions(survey).items():
        q = getattr(ex, qid)
        assert q.evaluate(answer).status == "correct", qid
        assert q.evaluate(...).status == "not attempted", qid
        assert q.evaluate(None).status == "not attempted", qid


def test_solution_code_runs(survey):
    for q in questions_of(ex):
        scope = {"ly": ly, "pd": pd, "survey": survey}
        exec(q.solution_code, scope)
        assert q.evaluate(scope["answer"]).status == "correct", q.qid


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
