"""Exercise set 03: each question is correct on its solution, not attempted on `...`, every
mistake hint fires, and a wrong type gets a friendly message."""

import pytest

from crmlab.exercises import lesson03 as ex
from crmlab.exercises import questions_of

from value_lesson_env import cdnow, run_solution, setup_env

QUESTIONS = questions_of(ex)


def _solution(q):
    return run_solution(q, ex)


def test_three_to_five_questions():
    assert 3 <= len(QUESTIONS) <= 5


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.qid)
def test_solution_code_is_correct(q):
    assert q.evaluate(_solution(q)).status == "correct"


@pytest.mark.parametrize(
    "q, k",
    [(q, k) for q in QUESTIONS for k in range(len(q.mistakes))],
    ids=lambda x: x.qid if hasattr(x, "qid") else str(x),
)
def test_each_mistake_hint_fires(q, k):
    mistake = q.mistakes[k]
    wrong = _wrong_answer(q, k)
    res = q.evaluate(wrong)
    assert res.status == "incorrect"
    assert res.message == mistake.hint


def _wrong_answer(q, k):
    from crmlab import segmentation
    from crmlab.transactions import rfm_summary

    ref = q.reference()
    tx = cdnow()
    if (q.qid, k) == ("q1", 0):
        return rfm_summary(tx, time_unit="D")["recency"].mean()  # BTYD recency
    if (q.qid, k) == ("q1", 1):
        return ref / 7
    if (q.qid, k) in {("q2", 0), ("q4", 0)}:
        return ref * 100
    if (q.qid, k) == ("q2", 1):
        return (tx.groupby("customer_id").size() == 1).mean()  # rows, not days
    scores = setup_env()["scores"]
    if (q.qid, k) == ("q3", 0):
        first = segmentation.rfm_scores(tx, snapshot_date="1998-06-30", ties="first")
        return int((first["segment"] == "champions").sum())
    if (q.qid, k) in {("q3", 1), ("q4", 1)}:
        return (scores["segment"] == "champions").mean()
    if (q.qid, k) == ("q5", 0):
        return 5
    raise AssertionError(f"no wrong answer written for {q.qid} mistake {k}")
