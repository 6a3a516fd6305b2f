"""Exercise set 8: each solution is correct, placeholders are not attempted, mistakes get their hint."""

from __future__ import annotations

import pytest

from crmlab import internal_marketing as im
from crmlab import loyalty as ly
from crmlab.exercises import lesson08 as ex
from crmlab.exercises import questions_of


def _solutions():
    hr, chain = ex.hr(), ex.chain()
    return {
        "q1": im.attrition_rate(hr),
        "q2": im.attrition_by_factor(hr, "OverTime").loc["Yes", "rate"],
        "q3": ly.cronbach_alpha(ly.likert_codes(hr, ex.SAT_ITEMS)),
        "q4": im.enps(chain.employees["recommend"]),
        "q5": im.service_profit_chain_paths(
            im.branch_panel(*chain), [("employee_satisfaction", "service_quality")]
        ).loc[0, "slope"],
    }


def test_question_set():
    assert [q.qid for q in questions_of(ex)] == ["q1", "q2", "q3", "q4", "q5"]


def test_solutions_correct_and_placeholders():
    for qid, answer in _solutions().items():
        q = getattr(ex, qid)
        assert q.evaluate(answer).status == "correct", qid
        assert q.evaluate(...).status == "not attempted", qid


def test_solution_code_runs():
    for q in questions_of(ex):
        scope = {"im": im, "ly": ly, "hr": ex.hr(), "chain": ex.chain()}
        exec(q.solution_code, scope)
        assert q.evaluate(scope["answer"]).status == "correct", q.qid


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
