"""What the grader writes besides the gradebook: one feedback file per student, one summary per set.

Both are Markdown. A student's feedback lists each question with its status, the answer the
student gave (as recorded), the precision the question asks for and the hint the in-notebook
check would have given; it never shows the reference answer. The instructor's summary counts,
per question, the statuses and how many students made each known mistake (the questions'
:class:`~crmlab.exercises.questions.Mistake` hints), so a lecturer sees what to re-teach.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmlab.exercises.answers import decode_answer, describe
from crmlab.exercises.questions import Question, Status

__all__ = ["format_answer", "write_feedback", "write_summary"]

_LIMIT = 300


def _plain(text: Any, limit: int = _LIMIT) -> str:
    """One line of text that cannot break out of a Markdown code span or start HTML."""
    line = " ".join(str(text).split()).replace("`", "'").replace("<", "‹").replace(">", "›")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def format_answer(record: Any) -> str:
    """A short, safe rendering of a recorded answer ("0.511", "a Series of length 3: ...")."""
    value = decode_answer(record)
    if value is Ellipsis:
        return "`...` (placeholder)"
    if isinstance(value, (bool, int, float, str)):
        return f"`{_plain(repr(value))}`"
    shown = describe(value)
    try:
        text = value.to_string(max_rows=6) if hasattr(value, "to_string") else repr(value)
        return f"{_plain(shown)}: `{_plain(text, 160)}`"
    except Exception:  # describing is enough
        return _plain(shown)


def write_feedback(
    path: Path,
    row: dict[str, Any],
    questions: Sequence[Question],
    verdicts: dict[str, Any],
    answers: dict[str, Any],
) -> None:
    """Write one student's feedback (Markdown) to ``path``."""
    lines = [
        f"# Feedback on {_plain(row['file'], 120)}",
        "",
        f"Score: **{row['score']} / {row['total']}**.",
    ]
    if row["note"]:
        lines.append(f"Note: {_plain(row['note'])}.")
    for q in questions:
        status = row[q.qid]
        lines += ["", f"## {q.qid} · {_plain(q.title, 120)} — {Status(status).icon} {status}", ""]
        lines.append(f"- Expected: {q.answer_format}.")
        if q.qid in answers:
            lines.append(f"- Your answer: {format_answer(answers[q.qid])}")
        verdict = verdicts.get(q.qid)
        if verdict is not None and status != Status.CORRECT:
            lines.append(f"- Hint: {_plain(verdict.message)}")
        elif status == Status.ERROR:
            lines.append("- The run stopped before this question was checked (see the note).")
        elif status == Status.NOT_ATTEMPTED and verdict is None:
            lines.append(f"- Not checked: run `ex.{q.qid}.check(answer)` in your notebook.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_summary(
    path: Path,
    number: str,
    table: Sequence[dict[str, Any]],
    questions: Sequence[Question],
    verdicts: dict[Any, dict[str, Any]],
) -> None:
    """Write the instructor's summary for exercise set ``number`` (Markdown) to ``path``.

    ``verdicts`` maps each submission to its question id -> CheckResult (or None) mapping.
    """
    n = len(table)
    lines = [
        f"# Exercise set {number}: what {n} submission(s) got wrong",
        "",
        "| question | correct | incorrect | not attempted | error |",
        "|---|---|---|---|---|",
    ]
    for q in questions:
        counts = [sum(r[q.qid] == s for r in table) for s in Status]
        lines.append(f"| {q.qid} · {_plain(q.title, 60)} | " + " | ".join(map(str, counts)) + " |")
    for q in questions:
        wrong = [v[q.qid] for v in verdicts.values() if v.get(q.qid) is not None]
        wrong = [v for v in wrong if v.status == Status.INCORRECT]
        lines += ["", f"## {q.qid} · {_plain(q.title, 120)} ({q.answer_format})", ""]
        if not wrong:
            lines.append("No incorrect answers.")
            continue
        lines += ["| students | mistake (the hint they got) |", "|---|---|"]
        for k, mistake in enumerate(q.mistakes):
            lines.append(f"| {sum(v.mistake == k for v in wrong)} | {_plain(mistake.hint)} |")
        other = sum(v.mistake is None for v in wrong)
        lines.append(f"| {other} | other wrong answers (no known mistake) |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
