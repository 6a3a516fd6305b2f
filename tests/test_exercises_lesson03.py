"""Exercise set 03: each question is correct on its solution, not attempted on `...`, every
mistake hint fires, and a wrong type gets a friendly message."""

from functools import lru_cache

import pytest

from crmlab.exercises import lesson03 as ex
from crmlab.exercises import questions_of

QUESTIONS = questions_of(ex)


@lru_cache(maxsize=1)
def _tx():
    import crmlab

    return crmlab.datasets.load_cdnow()


@lru_cache(maxsize=1)
def _env():
    """What the exercise notebook's set-up cells define (computed once)."""
    import crmlab
    from crmlab import segmentation, value

    tx = _tx()
    return {
        "crmlab": crmlab, "ex": ex, "value": value, "segmentation": segmentation, "tx": tx,
        "revenue": tx.groupby("customer_id")["amount"].sum(),
        "top_fraction": 0.2, "abc_cuts": (0.8, 0.95), "snapshot": "1998-06-30",
        "accounts": crmlab.datasets.simulate_b2b_accounts(300, random_state=0),
        "rfm": segmentation.rfm_table(tx, snapshot_date="1998-06-30"),
        "scores": segmentation.rfm_scores(tx, snapshot_date="1998-06-30"),
    }  # fmt: skip


def _solution(q):
    env = dict(_env())
    exec(q.solution_code, env)
    return env["answer"]


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
    tx = _tx()
    if (q.qid, k) == ("q1", 0):
        return rfm_summary(tx, time_unit="D")["recency"].mean()  # BTYD recency
    if (q.qid, k) == ("q1", 1):
        return ref / 7
    if (q.qid, k) in {("q2", 0), ("q4", 0)}:
        return ref * 100
    if (q.qid, k) == ("q2", 1):
        return (tx.groupby("customer_id").size() == 1).mean()  # rows, not days
    scores = _env()["scores"]
    if (q.qid, k) == ("q3", 0):
        first = segmentation.rfm_scores(tx, snapshot_date="1998-06-30", ties="first")
        return int((first["segment"] == "champions").sum())
    if (q.qid, k) in {("q3", 1), ("q4", 1)}:
        return (scores["segment"] == "champions").mean()
    if (q.qid, k) == ("q5", 0):
        return 5
    raise AssertionError(f"no wrong answer written for {q.qid} mistake {k}")
