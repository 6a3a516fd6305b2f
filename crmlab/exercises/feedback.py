"""What the grader writes besides the gradebook: one feedback file per student, one summary per set.

Both are Markdown. A student's feedback (English or Chinese) lists each question with its
status, points, the answer the student gave (as recorded), the precision the question asks for
and the hint the in-notebook check would have given; it never shows the reference answer. A
file that never ran gets one line saying why. The instructor's summary counts, per question, the
statuses of the submissions that ran, names the students behind each known mistake
(:class:`~crmlab.exercises.mistakes.Mistake`) and lists the most common unrecognised wrong
values, so a lecturer sees what to re-teach; files that never ran are listed apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmlab.exercises.answers import decode_answer, describe
from crmlab.exercises.questions import Question, Status

__all__ = ["format_answer", "never_ran", "summary_text", "feedback_text"]

_LIMIT = 300
_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Feedback on {file}",
        "score": "Score: **{score:g} / {total:g}**.",
        "note": "Note: {note}.",
        "late": "Late: {late}.",
        "expected": "- Expected: {fmt}.",
        "points": "- Points: {points:g} / {max:g}.",
        "answer": "- Your answer: {answer}",
        "hint": "- Hint: {hint}",
        "error": "- Not judged: this question's cell (or one before it) failed, or the run stopped there; see the note.",
        "unchecked": "- Not checked: run `ex.{qid}.check(answer)` in your notebook.",
        "written": "- Your written answer is marked by your instructor.",
        "unwritten": "- No answer: write it in the markdown cell below the question.",
        "never": "Your notebook could not be run ({note}), so no question was checked: 0 / {total:g}.",
        "status": {s.value: s.value for s in Status},
    },
    "zh": {
        "title": "{file} 的反馈",
        "score": "得分：**{score:g} / {total:g}**。",
        "note": "说明：{note}。",
        "late": "迟交：{late}。",
        "expected": "- 要求的答案格式：{fmt}。",
        "points": "- 分数：{points:g} / {max:g}。",
        "answer": "- 你的答案：{answer}",
        "hint": "- 提示：{hint}",
        "error": "- 未评分：本题所在的单元格（或之前的单元格）出错，或运行在此处停止；见说明。",
        "unchecked": "- 未检查：请在笔记本中运行 `ex.{qid}.check(answer)`。",
        "written": "- 你的书面回答由老师批改。",
        "unwritten": "- 未作答：请在题目下方的 Markdown 单元格中写下你的回答。",
        "never": "你的笔记本无法运行（{note}），因此没有检查任何题目：0 / {total:g}。",
        "status": {
            "correct": "正确 correct",
            "partial": "部分正确 partial",
            "incorrect": "错误 incorrect",
            "to be marked": "待批改 to be marked",
            "not attempted": "未作答 not attempted",
            "error": "出错 error",
        },
    },
}


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


def never_ran(row: dict[str, Any], answers: dict[str, Any], qids: Sequence[str]) -> bool:
    """True for a file that never ran a single check (not a notebook, stopped before any)."""
    return not answers and all(row[q] == Status.ERROR for q in qids) and bool(row["note"])


def feedback_text(
    row: dict[str, Any],
    questions: Sequence[Question],
    verdicts: dict[str, Any],
    answers: dict[str, Any],
    language: str = "en",
) -> str:
    """One student's feedback (Markdown)."""
    t = _TEXT[language]
    lines = [f"# {t['title'].format(file=_plain(row['file'], 120))}", ""]
    score, total = float(row["score"]), float(row["total"])
    if never_ran(row, answers, [q.qid for q in questions]):
        lines.append(t["never"].format(note=_plain(row["note"]), total=total))
        return "\n".join(lines) + "\n"
    lines.append(t["score"].format(score=score, total=total))
    if row.get("late"):
        lines.append(t["late"].format(late=_plain(row["late"])))
    if row["note"]:
        lines.append(t["note"].format(note=_plain(row["note"])))
    for q in questions:
        status = Status(row[q.qid])
        label = t["status"][status.value]
        lines += ["", f"## {q.qid} · {_plain(q.title, 120)} — {status.icon} {label}", ""]
        lines.append(t["expected"].format(fmt=q.answer_format))
        lines.append(t["points"].format(points=float(row[f"{q.qid} points"]), max=q.points))
        if q.qid in answers:
            lines.append(t["answer"].format(answer=format_answer(answers[q.qid])))
        verdict = verdicts.get(q.qid)
        if not q.judged:
            lines.append(t["written"] if (row.get("written") or {}).get(q.qid) else t["unwritten"])
        elif verdict is not None and status != Status.CORRECT:
            lines.append(t["hint"].format(hint=_plain(verdict.text(language))))
        elif status == Status.ERROR:
            lines.append(t["error"])
        elif status == Status.NOT_ATTEMPTED and verdict is None:
            lines.append(t["unchecked"].format(qid=q.qid))
    return "\n".join(lines) + "\n"


def _who(row: dict[str, Any]) -> str:
    name = _plain(row["name"] or row["file"], 60)
    return f"{name} ({_plain(row['student_id'], 30)})" if row.get("student_id") else name


def summary_text(
    number: str,
    table: Sequence[dict[str, Any]],
    questions: Sequence[Question],
    verdicts: dict[str, dict[str, Any]],
    answers: dict[str, dict[str, Any]],
) -> list[str]:
    """The per-question part of the instructor's summary (Markdown lines).

    ``verdicts`` and ``answers`` map each row's ``file`` to its question id -> CheckResult (or
    None) and question id -> recorded answer.
    """
    qids = [q.qid for q in questions]
    ran = [r for r in table if not never_ran(r, answers.get(r["file"], {}), qids)]
    lines = [
        f"# Exercise set {number}: what {len(ran)} submission(s) got wrong",
        "",
        "| question | " + " | ".join(s.value for s in Status) + " |",
        "|---|" + "---|" * len(Status),
    ]
    for q in questions:
        counts = [sum(r[q.qid] == s for r in ran) for s in Status]
        lines.append(f"| {q.qid} · {_plain(q.title, 60)} | " + " | ".join(map(str, counts)) + " |")
    dead = [r for r in table if r not in ran]
    if dead:
        lines += ["", f"Did not run ({len(dead)}, not counted above):", ""]
        lines += [f"- {_who(r)}: {_plain(r['note'], 160)}" for r in dead]
    for q in questions:
        lines += ["", f"## {q.qid} · {_plain(q.title, 120)} ({q.answer_format})", ""]
        judged = [(r, verdicts.get(r["file"], {}).get(q.qid)) for r in ran]
        wrong = [
            (r, v)
            for r, v in judged
            if v is not None and v.status in (Status.INCORRECT, Status.PARTIAL)
        ]
        if not wrong:
            lines.append("No incorrect answers.")
            continue
        lines += ["| students | mistake (the hint they got) | who |", "|---|---|---|"]
        for k, mistake in enumerate(q.mistakes):
            who = [_who(r) for r, v in wrong if v.mistake == k]
            lines.append(f"| {len(who)} | {_plain(mistake.hint)} | {', '.join(who)} |")
        others = [(r, v) for r, v in wrong if v.mistake is None]
        lines.append(
            f"| {len(others)} | other wrong answers (no known mistake) | "
            f"{', '.join(_who(r) for r, _ in others)} |"
        )
        values = Counter(format_answer(answers[r["file"]][q.qid]) for r, _ in others)
        if values:
            lines += ["", "Most common unrecognised answers:", ""]
            lines += [f"- {value} — {n} student(s)" for value, n in values.most_common(5)]
    return lines


def write_feedback(path: Path, text: str) -> None:
    """Write one feedback file (atomically)."""
    from crmlab.exercises.gradebook import atomic_write

    atomic_write(path, text.encode("utf-8"))
