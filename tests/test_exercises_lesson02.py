"""Exercise set 02: each question is correct on its solution, not attempted on `...`, every
mistake hint fires, and a wrong type gets a friendly message."""

import pytest

from crmlab.exercises import lesson02 as ex
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
    import numpy as np

    import crmlab
    from crmlab import value

    ref = q.reference()
    tx = cdnow()
    revenue = setup_env()["revenue"]
    if (q.qid, k) == ("q1", 0):
        return ref * 100
    if (q.qid, k) == ("q1", 1):
        return value.top_share(tx["amount"], 0.2)  # order lines, not customers
    if (q.qid, k) == ("q2", 0):
        return value.gini(tx["amount"])
    if (q.qid, k) == ("q2", 1):
        return ref * 100
    if (q.qid, k) == ("q3", 0):
        return ref / len(revenue)  # a share instead of a count
    if (q.qid, k) == ("q3", 1):
        return round(0.2 * len(revenue))
    if (q.qid, k) == ("q4", 0):
        return ref / np.linalg.norm(ref)  # unit-length eigenvector, not summing to 1
    if (q.qid, k) == ("q5", 0):
        accounts = crmlab.datasets.simulate_b2b_accounts(300, random_state=0)
        spec = {**ex.SCORECARD, "lower_is_better": []}
        sc = value.value_scorecard(accounts, **spec)
        m = value.value_matrix(sc["current_value"], sc["potential_value"])
        return int((m["quadrant"] == "prospective").sum())
    raise AssertionError(f"no wrong answer written for {q.qid} mistake {k}")
