"""The check / hint / solution machinery: statuses, friendly messages, mistakes, signed records."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crmlab.exercises import _core
from crmlab.exercises._core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    RESULT_MIME,
    Mistake,
    Question,
    matches,
    negated,
    questions_of,
    scaled,
    signature_ok,
)


def make(expected, **kwargs) -> Question:
    return Question("q9", "a test question", expected=lambda: expected, **kwargs)


def test_number_statuses_and_tolerance():
    q = make(0.5114, hints=("think",))
    assert q.evaluate(...).status == NOT_ATTEMPTED
    assert q.evaluate(None).status == NOT_ATTEMPTED
    assert q.evaluate(0.51142).status == CORRECT  # within rtol 1e-3
    assert q.evaluate(np.float32(0.5114)).status == CORRECT
    wrong = q.evaluate(0.53)
    assert wrong.status == INCORRECT and "hint()" in wrong.message


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("0.51", "remove the quotes"),
        ([0.1, 0.2], "a single number"),
        ({"a": 1}, "a single number, but got a dict"),
        (float("nan"), "NaN"),
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


def test_mistakes_give_their_specific_hint_in_order():
    q = make(
        0.25,
        mistakes=(
            Mistake(scaled(100), "percentage"),
            Mistake(negated(), "sign"),
            Mistake(matches(lambda: 0.75), "complement"),
            Mistake(lambda a, e: 1 / 0, "never shown"),  # a broken test is skipped
        ),
    )
    assert q.evaluate(25).message == "percentage"
    assert q.evaluate(-0.25).message == "sign"
    assert q.evaluate(0.75).message == "complement"
    assert q.evaluate(0.9).message.startswith("not the expected answer")


def test_reference_is_computed_once():
    calls = []
    q = Question("q1", "p", expected=lambda: calls.append(1) or 3.0)
    q.evaluate(3.0)
    q.evaluate(4.0)
    assert calls == [1]


def test_hints_cycle_and_solution_prints(capsys):
    q = make(1.0, hints=("first", "second"), solution_code="answer = 1\n")
    q.hint()
    q.hint()
    q.hint()
    q.solution()
    out = capsys.readouterr().out.splitlines()
    assert "hint 1/2: first" in out[0] and "hint 2/2: second" in out[1]
    assert "hint 1/2" in out[2]
    assert out[-1] == "answer = 1"


def test_check_prints_one_line_outside_ipython(capsys):
    make(2.0).check(2.0)
    assert capsys.readouterr().out == "✅ q9 correct: well done.\n"


def test_record_is_signed_only_with_a_key(monkeypatch):
    result = make(1.0).evaluate(1.0)
    monkeypatch.setattr(_core, "_KEY", "")
    assert result.record() == {"qid": "q9", "status": CORRECT}
    monkeypatch.setattr(_core, "_KEY", "secret")
    record = result.record()
    assert signature_ok(record, "secret")
    assert not signature_ok(record, "other")
    assert not signature_ok({**record, "status": INCORRECT}, "secret")
    assert not signature_ok({**record, "qid": "q1"}, "secret")
    assert not signature_ok({"qid": "q9", "status": CORRECT}, "secret")


def test_check_displays_the_record_in_ipython(monkeypatch):
    shown = []

    class FakeShell:
        pass

    monkeypatch.setattr("IPython.get_ipython", lambda: FakeShell())
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    make(2.0).check(3.0)
    (bundle,) = shown
    assert bundle["text/plain"].startswith("❌ q9 incorrect")
    assert json.loads(bundle[RESULT_MIME])["status"] == INCORRECT


def test_questions_of_orders_q10_after_q9():
    import types

    module = types.SimpleNamespace(
        **{f"q{i}": Question(f"q{i}", "p", expected=lambda: 0) for i in (10, 2, 1, 9)}
    )
    assert [q.qid for q in questions_of(module)] == ["q1", "q2", "q9", "q10"]


def test_importing_core_removes_the_key_from_the_environment():
    import os
    import subprocess
    import sys

    code = (
        "import os; import crmlab.exercises._core as c; "
        "print(c._KEY, os.environ.get('CRMLAB_GRADING_KEY'))"
    )
    env = {**os.environ, "CRMLAB_GRADING_KEY": "k123"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["k123", "None"]
