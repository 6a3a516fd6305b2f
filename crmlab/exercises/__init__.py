"""Exercises: checks, hints and solutions inside the notebook; authoring and grading helpers.

Students::

    from crmlab.exercises import lesson01 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()
"""

from crmlab.exercises._core import (
    KEY_ENV,
    RESULT_MIME,
    CheckResult,
    Mistake,
    Question,
    matches,
    negated,
    questions_of,
    scaled,
)

__all__ = [
    "KEY_ENV",
    "RESULT_MIME",
    "CheckResult",
    "Mistake",
    "Question",
    "matches",
    "negated",
    "questions_of",
    "scaled",
]
