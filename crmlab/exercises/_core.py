"""The check / hint / solution machinery behind every exercise set.

An exercise set is a module (``crmlab.exercises.lesson01`` ...) that defines questions ``q1``,
``q2``, ... as :class:`Question` objects. A student calls ``ex.q1.check(answer)``,
``ex.q1.hint()`` and ``ex.q1.solution()``. The reference answer is always computed from the data
by a function (never a typed-in number) the first time it is needed.

``check`` prints one line for the student and, in the same display, a machine-readable record
(MIME type :data:`RESULT_MIME`) that the grader reads back from the executed notebook. When the
grader runs a notebook it gives the kernel a secret key (environment variable
:data:`KEY_ENV`); records are signed with it, so a line the student prints or displays by hand
does not count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RESULT_MIME",
    "KEY_ENV",
    "CheckResult",
    "Mistake",
    "Question",
    "scaled",
    "negated",
    "matches",
    "questions_of",
    "signature_ok",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
]

RESULT_MIME = "application/vnd.crmlab.check+json"
KEY_ENV = "CRMLAB_GRADING_KEY"
# Read once and removed from the environment, so student code cannot simply look it up.
_KEY = os.environ.pop(KEY_ENV, "")

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
_ICON = {CORRECT: "✅", INCORRECT: "❌", NOT_ATTEMPTED: "⬜"}


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``status`` is "correct", "incorrect" or "not attempted"."""

    qid: str
    status: str
    message: str

    @property
    def line(self) -> str:
        return f"{_ICON[self.status]} {self.qid} {self.status}: {self.message}"

    def record(self) -> dict[str, str]:
        payload = {"qid": self.qid, "status": self.status}
        if _KEY:
            text = f"{self.qid}|{self.status}".encode()
            payload["sig"] = hmac.new(_KEY.encode(), text, hashlib.sha256).hexdigest()
        return payload


def signature_ok(record: dict[str, Any], key: str) -> bool:
    """True if ``record`` was signed by :meth:`CheckResult.record` with ``key`` (for graders)."""
    text = f"{record.get('qid')}|{record.get('status')}".encode()
    expected = hmac.new(key.encode(), text, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, str(record.get("sig", "")))


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer and the hint it deserves.

    ``test(answer, expected)`` returns True when ``answer`` looks like this mistake.
    """

    test: Callable[[Any, Any], bool]
    hint: str


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    try:
        a_arr = np.asarray(a, dtype=float)
        b_arr = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if a_arr.shape != b_arr.shape:
        return False
    return bool(np.allclose(a_arr, b_arr, rtol=rtol, atol=atol, equal_nan=True))


def scaled(factor: float, rtol: float = 1e-3) -> Callable[[Any, Any], bool]:
    """Mistake test: the answer is the expected value times ``factor`` (units, percentages)."""

    def test(answer: Any, expected: Any) -> bool:
        return _close(answer, np.asarray(expected, dtype=float) * factor, rtol, 1e-12)

    return test


def negated(rtol: float = 1e-3) -> Callable[[Any, Any], bool]:
    """Mistake test: the answer has the wrong sign."""
    return scaled(-1.0, rtol)


def matches(wrong: Callable[[], Any], rtol: float = 1e-3) -> Callable[[Any, Any], bool]:
    """Mistake test: the answer equals ``wrong()``, a typical wrong computation on the data."""

    def test(answer: Any, expected: Any) -> bool:
        return _close(answer, wrong(), rtol, 1e-12)

    return test


def _is_placeholder(answer: Any) -> bool:
    return answer is Ellipsis or answer is None


def _describe(x: Any) -> str:
    if isinstance(x, pd.DataFrame):
        return f"a DataFrame with {x.shape[0]} rows and columns {list(x.columns)[:6]}"
    if isinstance(x, pd.Series):
        return f"a Series of length {len(x)}"
    return f"a {type(x).__name__}"


@dataclass
class Question:
    """One exercise question.

    Parameters
    ----------
    qid : str
        Short name shown to the student and used as the gradebook column ("q1").
    prompt : str
        The question, one or two sentences.
    expected : callable
        Zero-argument function computing the reference answer from the data.
    hints : sequence of str
        Hints shown one after another by :meth:`hint`.
    solution : str
        Python code that computes the answer (shown by :meth:`solution`).
    mistakes : sequence of Mistake
        Common wrong answers with a specific hint each; checked in order.
    rtol, atol : float
        Tolerance for numbers, arrays, Series and DataFrames.
    columns : sequence of str, optional
        For DataFrame answers: the columns to compare (others are ignored).
    """

    qid: str
    prompt: str
    expected: Callable[[], Any]
    hints: Sequence[str] = ()
    solution_code: str = ""
    mistakes: Sequence[Mistake] = ()
    rtol: float = 1e-3
    atol: float = 1e-9
    columns: Sequence[str] | None = None
    _cache: list = field(default_factory=list, repr=False)
    _hint_index: int = field(default=0, repr=False)

    # --- reference answer -------------------------------------------------------------
    def reference(self) -> Any:
        """The reference answer (computed from the data once, then cached)."""
        if not self._cache:
            self._cache.append(self.expected())
        return self._cache[0]

    # --- comparing ----------------------------------------------------------------------
    def _compare(self, answer: Any, expected: Any) -> tuple[bool, str | None]:
        """Return (is_correct, friendly_problem_or_None)."""
        if isinstance(expected, pd.DataFrame):
            if not isinstance(answer, pd.DataFrame):
                return False, f"expected a DataFrame, but got {_describe(answer)}."
            cols = list(self.columns or expected.columns)
            missing = [c for c in cols if c not in answer.columns]
            if missing:
                return False, f"your DataFrame is missing column(s) {missing}."
            if len(answer) != len(expected):
                return (
                    False,
                    f"expected {len(expected)} rows, but your DataFrame has {len(answer)}.",
                )
            same_rows = set(answer.index) == set(expected.index)
            a = answer[cols].reindex(expected.index) if same_rows else answer[cols]
            ok = _close(
                a.to_numpy(dtype=float), expected[cols].to_numpy(dtype=float), self.rtol, self.atol
            )
            return ok, None
        if isinstance(expected, pd.Series):
            if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
                answer = answer.iloc[:, 0]
            if not isinstance(answer, (pd.Series, np.ndarray, list, tuple)):
                return (
                    False,
                    f"expected a Series of length {len(expected)}, but got {_describe(answer)}.",
                )
            if len(answer) != len(expected):
                return False, f"expected {len(expected)} values, but got {len(answer)}."
            if isinstance(answer, pd.Series) and set(answer.index) == set(expected.index):
                answer = answer.reindex(expected.index)
            return _close(answer, expected, self.rtol, self.atol), None
        if isinstance(expected, str):
            if not isinstance(answer, str):
                return False, f"expected text (a str), but got {_describe(answer)}."
            return answer.strip().casefold() == expected.strip().casefold(), None
        if isinstance(expected, (bool, np.bool_)):
            if not isinstance(answer, (bool, np.bool_)):
                return False, f"expected True or False, but got {_describe(answer)}."
            return bool(answer) == bool(expected), None
        if isinstance(expected, (set, frozenset)):
            try:
                return set(answer) == set(expected), None
            except TypeError:
                return False, f"expected a collection of items, but got {_describe(answer)}."
        if isinstance(expected, (int, float, np.integer, np.floating)):
            if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray, list, tuple)):
                if np.size(answer) == 1:
                    answer = np.asarray(answer).ravel()[0]
                else:
                    return False, f"expected a single number, but got {_describe(answer)}."
            if isinstance(answer, str):
                return False, "expected a number, but got text; remove the quotes."
            if not isinstance(answer, (int, float, np.integer, np.floating)):
                return False, f"expected a single number, but got {_describe(answer)}."
            if isinstance(answer, float) and math.isnan(answer):
                return False, "your answer is NaN; check for missing values or a division by zero."
            return _close(answer, expected, self.rtol, self.atol), None
        # arrays, lists, tuples
        return _close(answer, expected, self.rtol, self.atol), None

    def evaluate(self, answer: Any) -> CheckResult:
        """Compare ``answer`` with the reference and return a :class:`CheckResult` (no output)."""
        if _is_placeholder(answer):
            return CheckResult(
                self.qid, NOT_ATTEMPTED, "replace the `...` placeholder with your answer."
            )
        expected = self.reference()
        try:
            ok, problem = self._compare(answer, expected)
        except Exception as exc:  # never show a traceback to the student
            ok, problem = False, f"your answer could not be compared ({type(exc).__name__})."
        if ok:
            return CheckResult(self.qid, CORRECT, "well done.")
        if problem:
            return CheckResult(self.qid, INCORRECT, problem)
        for mistake in self.mistakes:
            try:
                if mistake.test(answer, expected):
                    return CheckResult(self.qid, INCORRECT, mistake.hint)
            except Exception:  # a mistake test that cannot apply is simply skipped
                continue
        tip = " Try .hint()." if self.hints else ""
        return CheckResult(self.qid, INCORRECT, f"not the expected answer.{tip}")

    # --- what the student calls ----------------------------------------------------------
    def check(self, answer: Any) -> None:
        """Check ``answer``: print one line and record the result for the grader."""
        result = self.evaluate(answer)
        _emit(result)

    def hint(self) -> None:
        """Print the next hint (they come in order, then repeat)."""
        if not self.hints:
            print(f"💡 {self.qid}: no hint for this one — reread the lesson section it names.")
            return
        i = self._hint_index % len(self.hints)
        self._hint_index += 1
        print(f"💡 {self.qid} hint {i + 1}/{len(self.hints)}: {self.hints[i]}")

    def solution(self) -> None:
        """Print code that computes the answer."""
        print(f"📘 {self.qid} solution:\n{self.solution_code.strip()}")

    def __repr__(self) -> str:
        return f"<Question {self.qid}: {self.prompt}>"


def _emit(result: CheckResult) -> None:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a dependency
        shell = None
    if shell is None:
        print(result.line)
        return
    from IPython.display import display

    display(
        {"text/plain": result.line, RESULT_MIME: json.dumps(result.record())},
        raw=True,
    )


def questions_of(module: Any) -> list[Question]:
    """The questions of an exercise-set module, in order (q1, q2, ...)."""
    found = [v for v in vars(module).values() if isinstance(v, Question)]
    return sorted(found, key=lambda q: (len(q.qid), q.qid))
