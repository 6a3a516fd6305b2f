"""Exercises: checks, hints and solutions inside the notebook; authoring and grading.

Students::

    from crmlab.exercises import lesson01 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Every exercise set ``crmlab/exercises/lessonNN.py`` follows one template:

- a module docstring naming the set and its notebook ``exercises/NN_topic.ipynb``;
- ``SETTINGS``, a dict of the numbers the questions use (where the notebook"s ``parameters``
  cell names one of them, it has the same value: a test checks it);
- ``load()``, the one cached data loader, returning a dict of the data the questions use;
- ``q1``, ``q2``, ... as keyword-argument :class:`Question` objects: ``qid``, ``title``,
  ``prompt`` (Markdown, written only here: ``crmlab exercises build`` copies it into the source
  notebook"s markdown cell before the question"s check), ``unit`` and ``precision`` (what the
  answer is and how precisely it must match), ``expected`` (computes the reference from the
  data), ``hints``, ``solution_code`` (runs in the notebook after its set-up cells and the
  earlier solutions, and assigns ``answer``) and ``mistakes`` (each a :class:`Mistake` with a
  ``value=`` or ``factor=`` that tests can reproduce);
- helpers for the references and mistakes, private (``_name``).

``tests/test_exercise_sets.py`` checks every set against this template: solutions correct,
references rounded to the stated precision correct and perturbed beyond it incorrect, every
mistake"s hint reached, placeholders not attempted, wrong types answered with a sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from crmlab.exercises import mistakes as mistakes
    from crmlab.exercises import questions as questions
    from crmlab.exercises.answers import ANSWER_MIME as ANSWER_MIME
    from crmlab.exercises.mistakes import Mistake as Mistake
    from crmlab.exercises.mistakes import gave_fraction as gave_fraction
    from crmlab.exercises.mistakes import gave_percent as gave_percent
    from crmlab.exercises.mistakes import times as times
    from crmlab.exercises.mistakes import wrong_sign as wrong_sign
    from crmlab.exercises.questions import CORRECT as CORRECT
    from crmlab.exercises.questions import GRADING_ENV as GRADING_ENV
    from crmlab.exercises.questions import INCORRECT as INCORRECT
    from crmlab.exercises.questions import NOT_ATTEMPTED as NOT_ATTEMPTED
    from crmlab.exercises.questions import CheckResult as CheckResult
    from crmlab.exercises.questions import Precision as Precision
    from crmlab.exercises.questions import Question as Question
    from crmlab.exercises.questions import Status as Status
    from crmlab.exercises.questions import questions_of as questions_of

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["mistakes", "questions"],
    submod_attrs={
        "answers": ["ANSWER_MIME"],
        "mistakes": ["Mistake", "gave_fraction", "gave_percent", "times", "wrong_sign"],
        "questions": [
            "CORRECT",
            "CheckResult",
            "GRADING_ENV",
            "INCORRECT",
            "NOT_ATTEMPTED",
            "Precision",
            "Question",
            "Status",
            "questions_of",
        ],
    },
)
