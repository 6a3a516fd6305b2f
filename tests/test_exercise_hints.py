"""Hints are steps: none of them hands over the answer code (``solution()`` does that)."""

from __future__ import annotations

import importlib
import re
from difflib import SequenceMatcher

import pytest

from crmlab.exercises.questions import questions_of

from conftest import ROOT

SETS = sorted(p.stem for p in (ROOT / "crmlab" / "exercises").glob("lesson[0-9][0-9].py"))
#: The largest share of a solution's code that one hint may repeat word for word.
MAX_SHARED = 0.6


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip().casefold()


@pytest.mark.parametrize("name", SETS)
def test_no_hint_gives_the_answer_code(name):
    module = importlib.import_module(f"crmlab.exercises.{name}")
    problems = []
    for q in questions_of(module):
        solution = _plain(q.solution_code)
        if len(q.hints) != len(set(q.hints)):
            problems.append(f"{q.qid}: the same hint twice")
        for i, hint in enumerate(q.hints, start=1):
            text = _plain(hint)
            match = SequenceMatcher(None, text, solution, autojunk=False).find_longest_match(
                0, len(text), 0, len(solution)
            )
            if solution and match.size / len(solution) > MAX_SHARED:
                problems.append(
                    f"{q.qid} hint {i} repeats {match.size / len(solution):.0%} of the solution "
                    f"code ({text[match.a : match.a + match.size]!r}); give a step, not the code"
                )
    assert not problems, f"{name}: " + "\n".join(problems)


def test_the_check_finds_a_hint_that_is_the_answer():
    from crmlab.exercises.questions import Question

    q = Question(
        qid="q1",
        title="t",
        prompt="p",
        expected=lambda: 1.0,
        hints=("SELECT channel, COUNT(*) FROM customer_360 GROUP BY channel",),
        solution_code='answer = run(con, """SELECT channel, COUNT(*) FROM customer_360 '
        'GROUP BY channel""")',
    )
    solution, hint = _plain(q.solution_code), _plain(q.hints[0])
    match = SequenceMatcher(None, hint, solution, autojunk=False).find_longest_match(
        0, len(hint), 0, len(solution)
    )
    assert match.size / len(solution) > MAX_SHARED
