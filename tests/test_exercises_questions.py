"""Questions and answers: precision, statuses, friendly messages, mistakes, JSON records."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from crmlab.exercises import (
    ANSWER_MIME,
    CORRECT,
    GRADING_ENV,
    INCORRECT,
    NOT_ATTEMPTED,
    Mistake,
    Precision,
    Question,
    Status,
    gave_fraction,
    gave_percent,
    questions_of,
)
from crmlab.exercises.answers import MAX_VALUES, Unrecorded, decode_answer, encode_answer


def make(expected, **kwargs) -> Question:
    kwargs.setdefault("unit", "a fraction")
    return Question(
        qid="q9", title="t", prompt="a test question", expected=lambda: expected, **kwargs
    )


def test_precision_words_and_rounding():
    assert Precision().describe() == "3 significant figures"
    assert Precision(decimals=2).describe() == "2 decimal places"
    assert Precision(decimals=0).describe() == "a whole number"
    assert Precision(sig=3).round(0.51142) == pytest.approx(0.511)
    assert Precision(sig=3).round(-12.146) == pytest.approx(-12.1)
    assert Precision(decimals=2).round(0.5846) == pytest.approx(0.58)
    with pytest.raises(ValueError, match="either sig= or decimals="):
        Precision(sig=2, decimals=1)


@pytest.mark.parametrize(
    ("reference", "precision", "right", "wrong"),
    [
        (0.51142, Precision(), [0.511, 0.5114, 0.51142], [0.51, 0.512, 0.5105]),
        (1.44401, Precision(), [1.44, 1.444], [1.45, 1.4]),
        (-12.146, Precision(decimals=0), [-12, -12.1, -12.15], [-13, -11.6]),
        (0.58457, Precision(decimals=2), [0.58, 0.585], [0.59, 0.57]),
        (0.99964, Precision(), [1.0, 1.00, 0.9996], [0.998, 1.01]),  # rounds up a decade
        (7695, Precision(decimals=0), [7695, 7695.4], [7696, 7694]),
    ],
)
def test_rounded_answers_are_correct_at_the_stated_precision(reference, precision, right, wrong):
    q = make(reference, precision=precision)
    for answer in right:
        assert q.evaluate(answer).status == CORRECT, answer
    for answer in wrong:
        assert q.evaluate(answer).status == INCORRECT, answer


def test_statuses_and_the_generic_message_names_the_format():
    q = make(0.5114, hints=("think",))
    assert q.evaluate(...).status == NOT_ATTEMPTED
    assert q.evaluate(None).status == NOT_ATTEMPTED
    assert q.evaluate(np.float32(0.5114)).status == CORRECT
    wrong = q.evaluate(0.53)
    assert wrong.status == INCORRECT
    assert (
        wrong.message == "not the expected answer (a fraction, 3 significant figures). Try .hint()."
    )


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("0.51", "remove the quotes"),
        ([0.1, 0.2], "a single number"),
        ({"a": 1}, "a dict, which cannot be compared"),
        (float("nan"), "NaN"),
        (np.zeros(MAX_VALUES + 1), "too large to record"),
    ],
)
def test_wrong_type_gets_a_sentence_not_a_traceback(answer, phrase):
    result = make(0.5).evaluate(answer)
    assert result.status == INCORRECT
    assert phrase in result.message


def test_frames_and_series_compare_by_label():
    expected = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=["x", "y"])
    q = make(expected)
    assert q.evaluate(expected.iloc[::-1]).status == CORRECT
    assert "missing column" in q.evaluate(expected[["a"]]).message
    assert "expected a DataFrame" in q.evaluate([1, 2]).message
    s = make(pd.Series([1.0, 2.0], index=["x", "y"]))
    assert s.evaluate(pd.Series([2.0, 1.0], index=["y", "x"])).status == CORRECT
    assert "expected 2 values" in s.evaluate(pd.Series([1.0])).message
    periods = make(pd.Series([0.25, 0.5], index=pd.period_range("1997-01", periods=2, freq="M")))
    assert periods.evaluate(periods.reference().round(3)).status == CORRECT


def test_mistakes_give_their_specific_hint_in_order_at_the_precision():
    q = make(
        0.25,
        mistakes=(
            gave_percent(),
            Mistake(factor=-1.0, hint="sign"),
            Mistake(value=lambda: 0.75, hint="complement"),
            Mistake(test=lambda a, e: 1 / 0, hint="never shown"),  # a broken test is skipped
        ),
    )
    assert q.evaluate(25).mistake == 0 and "asks for a fraction" in q.evaluate(25).message
    assert q.evaluate(25.04).mistake == 0  # a rounded percentage is still recognised
    assert q.evaluate(-0.25).message == "sign"
    assert q.evaluate(0.750).message == "complement"
    assert q.evaluate(0.9).message.startswith("not the expected answer")
    assert "asks for percent" in make(12.1, mistakes=(gave_fraction(),)).evaluate(0.121).message


def test_reference_is_computed_once():
    calls = []
    q = Question(qid="q1", title="t", prompt="p", expected=lambda: calls.append(1) or 3.0)
    q.evaluate(3.0)
    q.evaluate(4.0)
    assert calls == [1]


def test_hints_are_steps_the_last_points_to_the_solution(capsys):
    q = make(1.0, hints=("first", "second"), solution_code="answer = 1\n")
    q.hint()
    q.hint()
    q.hint()
    q.solution()
    out = capsys.readouterr().out.splitlines()
    assert "hint 1/2: first" in out[0] and "solution()" not in out[0]
    assert "hint 2/2: second" in out[1] and "last hint: ex.q9.solution()" in out[2]
    assert "hint 1/2 (again): first" in out[3]
    assert out[-1] == "answer = 1"


def test_check_prints_one_line_for_students(capsys, monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    make(2.0).check(2.0)
    assert capsys.readouterr().out == "✅ q9 correct: well done.\n"


def test_in_a_graded_run_check_only_records_the_answer(monkeypatch):
    shown = []
    monkeypatch.setenv(GRADING_ENV, "record")
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    calls = []
    q = Question(qid="q3", title="t", prompt="p", expected=lambda: calls.append(1) or 1.0)
    q.check(pd.Series([0.5, 0.25], index=["a", "b"]))
    (bundle,) = shown
    record = json.loads(bundle[ANSWER_MIME])
    assert record == {
        "qid": "q3",
        "answer": {"kind": "series", "index": ["a", "b"], "values": [0.5, 0.25]},
    }
    assert "correct" not in bundle["text/plain"] and calls == []  # nothing judged in the kernel


@pytest.mark.parametrize(
    "answer",
    [
        0.5,
        7,
        True,
        "text",
        float("inf"),
        np.array([[1.0, 2.0], [3.0, np.nan]]),
        pd.DataFrame({"a": [1.0], "b": ["x"]}, index=["r"]),
        {"x", "y"},
    ],
)
def test_answers_survive_the_json_round_trip(answer):
    text = json.dumps(encode_answer(answer), allow_nan=False)
    back = decode_answer(json.loads(text))
    if isinstance(answer, pd.DataFrame):
        pd.testing.assert_frame_equal(back, answer, check_dtype=False)
    elif isinstance(answer, np.ndarray):
        np.testing.assert_array_equal(back, answer)
    else:
        assert back == answer


@pytest.mark.parametrize(
    "record", [None, [], {"kind": "number", "value": "1e300"}, {"kind": "series", "index": [1]}]
)
def test_malformed_records_are_unrecorded(record):
    assert isinstance(decode_answer(record), Unrecorded)


def test_questions_of_orders_q10_after_q9():
    import types

    module = types.SimpleNamespace(
        **{
            f"q{i}": Question(qid=f"q{i}", title="t", prompt="p", expected=lambda: 0)
            for i in (10, 2, 1, 9)
        }
    )
    assert [q.qid for q in questions_of(module)] == ["q1", "q2", "q9", "q10"]


def test_importing_the_exercises_changes_no_environment():
    code = (
        "import os; before = dict(os.environ); import crmlab.exercises.lesson01, "
        "crmlab.exercises.grading; print(dict(os.environ) == before)"
    )
    env = {"CRMLAB_GRADING": "record", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True"], out.stderr


def test_statuses_are_plain_words_in_gradebooks_and_each_has_its_own_icon():
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerow(list(Status))
    assert out.getvalue().strip() == ("correct,partial,incorrect,to be marked,not attempted,error")
    assert json.loads(json.dumps({"q1": Status.ERROR})) == {"q1": "error"}
    assert len({s.icon for s in Status}) == len(Status)
    assert make(0.5).evaluate(0.5).line.startswith(Status.CORRECT.icon)
