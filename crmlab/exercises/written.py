"""Written answers: questions answered in words, collected by the grader and marked by hand.

A :class:`WrittenQuestion` is asked like any question (its prompt is written into the notebook
by ``crmlab exercises build``); the student answers in the markdown cell that starts with
``**Your answer (qN):**`` (the student version holds a placeholder there). ``crmlab grade``
reads that cell from the submitted file (nothing is run for it), marks the question "to be
marked", and writes for each written question one Markdown file with every student's answer
and a marking sheet (``student, question, points, comment``). The instructor fills in the
points and passes the sheet back with ``--overrides``; a marked question is correct, partial or
incorrect by its points. ``hint()`` and ``solution()`` (a model answer) work as for any question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from crmlab.exercises.questions import Question, _not_in_graded_run

__all__ = ["PLACEHOLDER", "WrittenQuestion", "answer_heading", "written_answers"]

PLACEHOLDER = "_Write your answer here._"
_HEADING = re.compile(r"^\s*\*\*Your answer \((q\d+)\):\*\*\s*$")


def answer_heading(qid: str) -> str:
    """The first line of the answer cell of written question ``qid``."""
    return f"**Your answer ({qid}):**"


def _no_reference() -> Any:
    raise RuntimeError("a written question has no reference answer: it is marked by hand.")


@dataclass(eq=False)
class WrittenQuestion(Question):
    """A question answered in a markdown cell and marked by the instructor.

    Parameters are those of :class:`~crmlab.exercises.questions.Question` (no ``expected``,
    ``precision`` or ``mistakes``), plus ``guidance``: what a full answer says, for whoever
    marks it. ``solution_code`` holds a model answer (shown by :meth:`solution`).
    """

    expected: Callable[[], Any] = _no_reference
    unit: str = "a written answer of a few sentences"
    guidance: str = ""
    judged: ClassVar[bool] = False

    @property
    def answer_format(self) -> str:
        """What the question expects: a written answer, in the cell below the question."""
        return f"{self.unit}, in the cell below"

    def check(self, answer: Any = None) -> None:
        """Say where the answer goes (a written answer is not checked by code)."""
        print(
            f"📝 {self.qid}: write your answer in the markdown cell below the question "
            f"({answer_heading(self.qid)}); your instructor marks it."
        )

    def solution(self) -> None:
        """Print the model answer (not in a graded run)."""
        _not_in_graded_run(self.qid, "solution()")
        print(f"📘 {self.qid} model answer:\n{self.solution_code.strip()}")


def written_answers(nb: Any, questions: Sequence[Question]) -> dict[str, str | None]:
    """Written question id -> the student's text.

    "" for an empty answer or the placeholder; None if the notebook has no answer cell for it.
    """
    wanted = {q.qid for q in questions if not getattr(q, "judged", True)}
    found: dict[str, str | None] = dict.fromkeys(wanted)
    for cell in getattr(nb, "cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        first, _, rest = str(cell.get("source", "")).partition("\n")
        m = _HEADING.match(first)
        if m and m[1] in wanted and found[m[1]] is None:
            text = rest.strip()
            found[m[1]] = "" if text in ("", PLACEHOLDER) else text
    return found
