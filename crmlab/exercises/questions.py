"""Questions, their stated precision, and how an answer is judged (mistakes: :mod:`.mistakes`).

An exercise set is a module (``crmlab.exercises.lesson01`` ...) that defines questions ``q1``,
``q2``, ... as :class:`Question` objects. A student calls ``ex.q1.check(answer)``,
``ex.q1.hint()`` and ``ex.q1.solution()``. The reference answer is always computed from the data
by a function (never a typed-in number) the first time it is needed.

Each question states what it expects, e.g. "a fraction, 3 significant figures": an answer rounded
to that precision is correct (see :class:`Precision`).

Outside a graded run ``check`` judges the answer at once and prints one line. In a graded run
(environment variable :data:`GRADING_ENV` set to ``"record"`` by ``crmlab grade``) it judges
nothing: it only displays the answer, converted to plain JSON, and the grader judges it in its
own process. A verdict printed, displayed or patched inside the notebook therefore counts for
nothing.

Hints and verdicts exist in English and Chinese: ``ex.q1.hint("zh")`` or the environment
variable :data:`LANGUAGE_ENV` (``%env CRMLAB_LANGUAGE=zh`` in a notebook) picks Chinese, and
``crmlab grade --language zh`` writes the Chinese ones into the feedback.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from crmlab.exercises.answers import (
    ANSWER_MIME,
    Unrecorded,
    decode_answer,
    describe,
    encode_answer,
    record_json,
)
from crmlab.exercises.mistakes import Mistake, times

__all__ = [
    "CORRECT",
    "GRADING_ENV",
    "INCORRECT",
    "LANGUAGE_ENV",
    "NOT_ATTEMPTED",
    "CheckResult",
    "Precision",
    "Question",
    "Status",
    "notebook_language",
    "questions_of",
]

GRADING_ENV = "CRMLAB_GRADING"
"""Environment variable; ``"record"`` makes ``check`` record answers instead of judging them."""
LANGUAGE_ENV = "CRMLAB_LANGUAGE"
"""Environment variable; ``"zh"`` makes ``check`` and ``hint`` speak Chinese (default ``"en"``)."""
LANGUAGES = ("en", "zh")


def notebook_language(language: str | None = None) -> str:
    """``language`` if given, else :data:`LANGUAGE_ENV` (default ``"en"``); checked to be en or zh."""
    chosen = language if language is not None else os.environ.get(LANGUAGE_ENV) or "en"
    if chosen not in LANGUAGES:
        where = "language" if language is not None else f"the environment variable {LANGUAGE_ENV}"
        raise ValueError(f"{where} must be 'en' or 'zh', got {chosen!r}.")
    return chosen


class Status(StrEnum):
    """The verdict on one answer, written as its value (``"correct"``) in the gradebook.

    ``ERROR`` is the grader's status of a question a run never reached; a check itself never
    says it.
    """

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    TO_BE_MARKED = "to be marked"
    NOT_ATTEMPTED = "not attempted"
    ERROR = "error"

    @property
    def icon(self) -> str:
        """The mark shown beside the status in messages and feedback."""
        icons = {
            "correct": "✅",
            "partial": "🟡",
            "incorrect": "❌",
            "to be marked": "📝",
            "not attempted": "⬜",
        }
        return icons.get(self.value, "⚠️")


CORRECT, INCORRECT, NOT_ATTEMPTED = Status.CORRECT, Status.INCORRECT, Status.NOT_ATTEMPTED


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check.

    Attributes
    ----------
    qid : str
        The question.
    status : Status
        Correct, partial, incorrect or not attempted.
    message : str
        What the student reads ("well done.", a hint about the likely mistake, ...).
    mistake : int or None
        Index of the :class:`Mistake` the answer matched, if any.
    credit : float
        Share of the question's points earned: 1 when correct, a declared fraction for a
        recognised near-miss (partial), else 0.
    message_zh : str
        The message in Chinese ("" where there is none: :meth:`text` then gives the English).
    """

    qid: str
    status: Status
    message: str
    mistake: int | None = None
    credit: float = 0.0
    message_zh: str = ""

    def text(self, language: str = "en") -> str:
        """The message in ``language`` ("en" or "zh")."""
        return self.message_zh if language == "zh" and self.message_zh else self.message

    @property
    def line(self) -> str:
        """The one line ``check`` prints (in English)."""
        return self.line_in("en")

    def line_in(self, language: str) -> str:
        """The one line ``check`` prints, in ``language``."""
        status = _STATUS_ZH[self.status] if language == "zh" else self.status.value
        colon = "：" if language == "zh" else ": "
        return f"{self.status.icon} {self.qid} {status}{colon}{self.text(language)}"


_STATUS_ZH = {
    Status.CORRECT: "正确",
    Status.PARTIAL: "部分正确",
    Status.INCORRECT: "错误",
    Status.TO_BE_MARKED: "待批改",
    Status.NOT_ATTEMPTED: "未作答",
    Status.ERROR: "出错",
}


# --------------------------------------------------------------------------------------------
# precision
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Precision:
    """How precisely a numeric answer must match: significant figures or decimal places.

    An answer is correct when it lies within half a unit of the last stated digit of the
    reference, so the reference rounded to this precision (and anything more precise) passes.

    Parameters
    ----------
    sig : int, optional
        Significant figures (default 3 when ``decimals`` is not given).
    decimals : int, optional
        Decimal places; ``decimals=0`` asks for a whole number.
    """

    sig: int | None = None
    decimals: int | None = None

    def __post_init__(self) -> None:
        if self.sig is None and self.decimals is None:
            object.__setattr__(self, "sig", 3)
        if self.sig is not None and self.decimals is not None:
            raise ValueError("give either sig= or decimals=, not both.")
        if self.sig is not None and self.sig < 1:
            raise ValueError(f"sig must be at least 1, got {self.sig}.")

    def describe(self, language: str = "en") -> str:
        """In words: "3 significant figures", "2 decimal places", "a whole number" (or Chinese)."""
        zh = language == "zh"
        if self.decimals == 0:
            return "整数" if zh else "a whole number"
        if self.decimals is not None:
            plural = "s" if self.decimals != 1 else ""
            return f"{self.decimals}位小数" if zh else f"{self.decimals} decimal place{plural}"
        plural = "s" if self.sig != 1 else ""
        return f"{self.sig}位有效数字" if zh else f"{self.sig} significant figure{plural}"

    def unit(self, reference: Any) -> np.ndarray:
        """One unit in the last stated digit of each reference value."""
        ref = np.abs(np.asarray(reference, dtype=float))
        if self.decimals is not None:
            return np.full(ref.shape, 10.0 ** (-self.decimals))
        positive = np.where(ref > 0, ref, 1.0)
        exponent = np.floor(np.log10(positive))
        return np.where(ref > 0, 10.0 ** (exponent - self.sig + 1), 1e-9)

    def round(self, value: Any) -> Any:
        """``value`` rounded to this precision (same shape; what a student would write)."""
        arr = np.asarray(value, dtype=float)
        unit = self.unit(arr)
        out = np.round(arr / unit) * unit
        return float(out) if out.ndim == 0 else out

    def close(self, answer: Any, reference: Any) -> bool:
        """True if every answer value is within half a unit of the reference's last digit."""
        try:
            a = np.asarray(answer, dtype=float)
            r = np.asarray(reference, dtype=float)
        except (TypeError, ValueError):
            return False
        if a.shape != r.shape:
            return False
        both_nan = np.isnan(a) & np.isnan(r)
        tol = 0.5 * self.unit(r) * (1 + 1e-9) + 1e-12 * np.abs(r)
        with np.errstate(invalid="ignore"):
            ok = np.abs(a - r) <= tol
        return bool(np.all(ok | both_nan))


# --------------------------------------------------------------------------------------------
# comparing two decoded values
# --------------------------------------------------------------------------------------------
def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def _compare(answer: Any, expected: Any, precision: Precision, columns) -> tuple[bool, str | None]:
    """(is_correct, friendly problem or None); both values have been through the JSON round trip."""
    if isinstance(answer, Unrecorded):
        return False, f"your answer is {answer.description}, which cannot be compared."
    if isinstance(expected, pd.DataFrame):
        if not isinstance(answer, pd.DataFrame):
            return False, f"expected a DataFrame, but got {describe(answer)}."
        cols = [str(c) for c in (columns or expected.columns)]
        missing = [c for c in cols if c not in answer.columns]
        if missing:
            return False, f"your DataFrame is missing column(s) {missing}."
        if len(answer) != len(expected):
            return False, f"expected {len(expected)} rows, but your DataFrame has {len(answer)}."
        same_rows = set(answer.index) == set(expected.index)
        a = answer[cols].reindex(expected.index) if same_rows else answer[cols]
        return _close_values(a.to_numpy(), expected[cols].to_numpy(), precision), None
    if isinstance(expected, pd.Series):
        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        if isinstance(answer, np.ndarray) and answer.ndim == 1:
            answer = pd.Series(answer)
        if not isinstance(answer, pd.Series):
            return (
                False,
                f"expected a Series of length {len(expected)}, but got {describe(answer)}.",
            )
        if len(answer) != len(expected):
            return False, f"expected {len(expected)} values, but got {len(answer)}."
        if set(answer.index) == set(expected.index):
            answer = answer.reindex(expected.index)
        return _close_values(answer.to_numpy(), expected.to_numpy(), precision), None
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return False, f"expected text (a str), but got {describe(answer)}."
        return answer.strip().casefold() == expected.strip().casefold(), None
    if isinstance(expected, bool):
        if not isinstance(answer, bool):
            return False, f"expected True or False, but got {describe(answer)}."
        return answer == expected, None
    if isinstance(expected, set):
        if not isinstance(answer, (set, np.ndarray)):
            return False, f"expected a collection of items, but got {describe(answer)}."
        return {str(v) for v in np.ravel(list(answer))} == expected, None
    if _is_number(expected):
        if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray)):
            if np.size(answer) != 1:
                return False, f"expected a single number, but got {describe(answer)}."
            answer = np.asarray(answer).ravel()[0]
        if isinstance(answer, str):
            return False, "expected a number, but got text; remove the quotes."
        if not _is_number(answer):
            return False, f"expected a single number, but got {describe(answer)}."
        if math.isnan(float(answer)):
            return False, "your answer is NaN; check for missing values or a division by zero."
        return precision.close(answer, expected), None
    if isinstance(expected, np.ndarray):
        if not isinstance(answer, np.ndarray) or answer.shape != expected.shape:
            return False, f"expected {expected.size} values, but got {describe(answer)}."
        return _close_values(answer, expected, precision), None
    return False, f"your answer ({describe(answer)}) cannot be compared with the reference."


def _close_values(a: np.ndarray, b: np.ndarray, precision: Precision) -> bool:
    try:
        return precision.close(a.astype(float), b.astype(float))
    except (TypeError, ValueError):
        return a.shape == b.shape and bool(np.all(a.astype(str) == b.astype(str)))


def _roundtrip(x: Any) -> Any:
    return decode_answer(encode_answer(x))


# --------------------------------------------------------------------------------------------
# the question
# --------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Question:
    """One exercise question.

    Parameters
    ----------
    qid : str
        Short name shown to the student and used as the gradebook column ("q1").
    title : str
        A few words, the heading of the question in the notebook.
    prompt : str
        The question as the notebook shows it (Markdown); written only here, the build
        copies it into the source notebook.
    expected : callable
        Zero-argument function computing the reference answer from the data.
    unit : str
        What kind of answer, e.g. "a fraction", "percent", "dollars", "a count of customers".
    precision : Precision
        How precisely it must match (default 3 significant figures).
    hints : sequence of str
        Hints shown one after another by :meth:`hint`.
    hints_zh : sequence of str
        The same hints in Chinese, one for each (a test requires them for every set).
    solution_code : str
        Python code that computes ``answer`` (shown by :meth:`solution`).
    mistakes : sequence of Mistake
        Common wrong answers with a specific hint each; checked in order.
    columns : sequence of str, optional
        For DataFrame answers: the columns to compare (others are ignored).
    points : float
        What a correct answer is worth in the gradebook (default 1).
    rounding_credit : float
        Share of the points for an answer right at one significant figure (or decimal place)
        fewer than stated, i.e. the right method rounded too far (default 0: no partial credit).
    """

    qid: str
    title: str
    prompt: str
    expected: Callable[[], Any]
    unit: str = ""
    precision: Precision = field(default_factory=Precision)
    hints: Sequence[str] = ()
    solution_code: str = ""
    mistakes: Sequence[Mistake] = ()
    columns: Sequence[str] | None = None
    points: float = 1.0
    rounding_credit: float = 0.0
    hints_zh: Sequence[str] = ()
    judged: ClassVar[bool] = True  # checked by code (a written question is marked by hand)
    _cache: dict = field(default_factory=dict, repr=False)
    _hint_index: int = field(default=0, repr=False)

    @property
    def answer_format(self) -> str:
        """What the question expects, e.g. "a fraction, 3 significant figures"."""
        return ", ".join(p for p in (self.unit, self.precision.describe()) if p)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.points) and self.points > 0):
            raise ValueError(f"{self.qid}: points must be positive, got {self.points!r}.")
        credits = [self.rounding_credit, *(m.credit for m in self.mistakes)]
        if not all(0 <= c < 1 for c in credits):
            raise ValueError(f"{self.qid}: partial credit must lie in [0, 1), got {credits}.")
        if self.hints_zh and len(self.hints_zh) != len(self.hints):
            raise ValueError(
                f"{self.qid}: {len(self.hints)} hints but {len(self.hints_zh)} hints_zh; give "
                "one Chinese hint for each."
            )

    def hints_in(self, language: str = "en") -> Sequence[str]:
        """The hints in ``language`` ("en" or "zh"); English where no Chinese is given."""
        return self.hints_zh if language == "zh" and self.hints_zh else self.hints

    # --- reference answer -------------------------------------------------------------
    def reference(self) -> Any:
        """The reference answer (computed from the data once, then cached).

        Not available in a graded run: the grader computes it in its own process.
        """
        _not_in_graded_run(self.qid, "reference()")
        return self._reference()

    def _reference(self) -> Any:
        if "reference" not in self._cache:
            self._cache["reference"] = self.expected()
        return self._cache["reference"]

    def _judged_reference(self) -> Any:
        if "judged" not in self._cache:
            self._cache["judged"] = _roundtrip(self._reference())
        return self._cache["judged"]

    def _mistake_value(self, k: int) -> Any:
        key = f"mistake{k}"
        if key not in self._cache:
            value = self.mistakes[k].value
            assert value is not None
            self._cache[key] = _roundtrip(value())
        return self._cache[key]

    # --- judging ----------------------------------------------------------------------
    def judge(self, answer: Any) -> CheckResult:
        """Judge an answer already through the JSON round trip (what the grader calls)."""
        if answer is Ellipsis:
            return CheckResult(
                self.qid,
                NOT_ATTEMPTED,
                "replace the `...` placeholder with your answer.",
                message_zh="请把占位符 `...` 换成你的答案。",
            )
        expected = self._judged_reference()
        try:
            ok, problem = _compare(answer, expected, self.precision, self.columns)
        except Exception as exc:  # never show a traceback to the student
            ok, problem = False, f"your answer could not be compared ({type(exc).__name__})."
        if ok:
            return CheckResult(self.qid, CORRECT, "well done.", credit=1.0, message_zh="做得好。")
        if problem:
            return CheckResult(self.qid, INCORRECT, problem)
        coarser = self._coarser()
        if self.rounding_credit > 0 and coarser is not None:
            try:
                near = _compare(answer, expected, coarser, self.columns)[0]
            except Exception:  # not comparable at the coarser precision either
                near = False
            if near:
                return CheckResult(
                    self.qid,
                    Status.PARTIAL,
                    f"the method looks right but the answer is rounded too far: give "
                    f"{self.precision.describe()}.",
                    credit=self.rounding_credit,
                    message_zh=f"方法看起来是对的，但答案舍入过多：要求的精度是"
                    f"{self.precision.describe('zh')}。",
                )
        for k, mistake in enumerate(self.mistakes):
            try:
                if mistake.value is not None:
                    hit = _compare(answer, self._mistake_value(k), self.precision, self.columns)[0]
                elif mistake.factor is not None and self.precision.decimals is None:
                    # relative precision: compare where the answer is
                    wrong = _roundtrip(times(expected, mistake.factor))
                    hit = _compare(answer, wrong, self.precision, self.columns)[0]
                elif mistake.factor is not None:  # absolute: undo the factor, then compare
                    unscaled = _roundtrip(times(answer, 1 / mistake.factor))
                    hit = _compare(unscaled, expected, self.precision, self.columns)[0]
                elif mistake.test is not None:
                    hit = bool(mistake.test(answer, expected))
                else:
                    continue
            except Exception:  # a mistake that cannot apply is simply skipped
                continue
            if hit:
                status = Status.PARTIAL if mistake.credit > 0 else INCORRECT
                return CheckResult(
                    self.qid, status, mistake.hint, k, mistake.credit, mistake.hint_in("zh")
                )
        tip, tip_zh = (" Try .hint().", "可以试试 .hint()。") if self.hints else ("", "")
        return CheckResult(
            self.qid,
            INCORRECT,
            f"not the expected answer ({self.answer_format}).{tip}",
            message_zh=f"不是预期的答案（{self._format_zh()}）。{tip_zh}",
        )

    def _format_zh(self) -> str:
        """:attr:`answer_format` with the precision in Chinese (the unit as the set words it)."""
        return "，".join(p for p in (self.unit, self.precision.describe("zh")) if p)

    def _coarser(self) -> Precision | None:
        """The stated precision less one digit (None when there is none to drop)."""
        if self.precision.sig is not None and self.precision.sig > 1:
            return Precision(sig=self.precision.sig - 1)
        if self.precision.decimals is not None and self.precision.decimals > 0:
            return Precision(decimals=self.precision.decimals - 1)
        return None

    def judge_record(self, record: Any) -> CheckResult:
        """Judge an encoded answer (the ``answer`` of a record ``check`` displayed)."""
        return self.judge(decode_answer(record))

    def evaluate(self, answer: Any) -> CheckResult:
        """Judge ``answer`` as the grader would (JSON round trip, then compare); prints nothing."""
        return self.judge(_roundtrip(answer))

    # --- what the student calls ----------------------------------------------------------
    def check(self, answer: Any) -> None:
        """Check ``answer`` and print one line; in a graded run only record it for the grader."""
        if os.environ.get(GRADING_ENV) == "record":
            _display_record(self.qid, answer)
            return
        print(self.evaluate(answer).line_in(notebook_language()))

    def hint(self, language: str | None = None) -> None:
        """Print the next hint: one step each, in order; the last points to :meth:`solution`.

        After the last hint they start again, marked "again".

        Parameters
        ----------
        language : {"en", "zh"}, optional
            Default: the environment variable :data:`LANGUAGE_ENV`, else English.
        """
        zh = notebook_language(language) == "zh"
        hints = self.hints_in("zh" if zh else "en")
        if not hints:
            print(
                f"💡 {self.qid}：本题没有提示，请重读题目所指的课程章节。"
                if zh
                else f"💡 {self.qid}: no hint for this one — reread the lesson section it names."
            )
            return
        i = self._hint_index % len(hints)
        again = ("（再次）" if zh else " (again)") if self._hint_index >= len(hints) else ""
        self._hint_index += 1
        last = ""
        if i == len(hints) - 1 and zh:
            last = f"\n   这是最后一条提示：ex.{self.qid}.solution() 会打印计算答案的代码。"
        elif i == len(hints) - 1:
            last = (
                f"\n   That was the last hint: ex.{self.qid}.solution() prints code that "
                "computes the answer."
            )
        head = (
            f"提示 {i + 1}/{len(hints)}{again}：" if zh else f"hint {i + 1}/{len(hints)}{again}: "
        )
        print(f"💡 {self.qid} {head}{hints[i]}{last}")

    def solution(self) -> None:
        """Print code that computes the answer (not in a graded run)."""
        _not_in_graded_run(self.qid, "solution()")
        print(f"📘 {self.qid} solution:\n{self.solution_code.strip()}")

    def __repr__(self) -> str:
        return f"<Question {self.qid}: {self.title} ({self.answer_format})>"


def _not_in_graded_run(qid: str, what: str) -> None:
    if os.environ.get(GRADING_ENV) == "record":
        raise RuntimeError(f"{qid}.{what} is not available in a graded run.")


def _display_record(qid: str, answer: Any) -> None:
    from IPython.display import display

    text = f"📝 {qid}: answer recorded for grading."
    display({"text/plain": text, ANSWER_MIME: record_json(qid, answer)}, raw=True)


def questions_of(module: Any) -> list[Question]:
    """The questions of an exercise-set module, in order (q1, q2, ...)."""
    found = [v for v in vars(module).values() if isinstance(v, Question)]
    return sorted(found, key=lambda q: (len(q.qid), q.qid))
