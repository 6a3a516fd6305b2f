"""Properties every exercise set shares, checked once for all sets.

Each set's own file (``test_exercises_lessonNN.py``) tests its reference values, its solution
code and that each mistake hint fires on the mistake it describes.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pandas as pd
import pytest

from crmlab.exercises import questions_of

from conftest import ROOT

SETS = sorted(p.stem for p in (ROOT / "crmlab" / "exercises").glob("lesson[0-9][0-9].py"))
QUESTIONS = [
    (name, q)
    for name in SETS
    for q in questions_of(importlib.import_module(f"crmlab.exercises.{name}"))
]
WRONG_TYPES = ["a sentence", pd.DataFrame({"x": [1, 2]}), [1, 2, 3], {"a": 1}, object()]


def test_every_lesson_has_an_exercise_set():
    lessons = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [s[-2:] for s in SETS] == lessons


@pytest.mark.parametrize("name", SETS)
def test_questions_are_numbered_and_documented(name):
    qs = questions_of(importlib.import_module(f"crmlab.exercises.{name}"))
    assert 3 <= len(qs) <= 6
    assert [q.qid for q in qs] == [f"q{i}" for i in range(1, len(qs) + 1)]
    for q in qs:
        assert q.prompt.strip() and q.hints and q.solution_code.strip(), q.qid
        assert re.search(r"\banswer\s*=", q.solution_code), f"{name}.{q.qid} must assign `answer`"


@pytest.mark.parametrize(("name", "q"), QUESTIONS, ids=[f"{n}-{q.qid}" for n, q in QUESTIONS])
def test_placeholder_is_not_attempted(name, q):
    for placeholder in (..., None):
        assert q.evaluate(placeholder).status == "not attempted"


@pytest.mark.parametrize(("name", "q"), QUESTIONS, ids=[f"{n}-{q.qid}" for n, q in QUESTIONS])
def test_wrong_types_get_a_friendly_sentence(name, q, capsys):
    for wrong in WRONG_TYPES:
        result = q.evaluate(wrong)
        assert result.status == "incorrect", (wrong, result)
        assert "Traceback" not in result.message and result.message.endswith((".", "?", ")"))
    q.check(np.nan)  # printed, never raised
    assert f"{q.qid} incorrect" in capsys.readouterr().out
