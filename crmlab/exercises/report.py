"""After a grading run: feedback files, the instructor's summary, executed copies, the console.

Each output is written on its own (atomically, see :func:`crmlab.exercises.gradebook.atomic_write`);
one that fails is reported and the others are still written, so a problem with one file never
costs the class its feedback or summary.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmlab.exercises.feedback import _plain, feedback_text, summary_text, write_feedback
from crmlab.exercises.gradebook import atomic_write, neutralise
from crmlab.exercises.questions import Question, Status

__all__ = ["console_summary", "feedback_name", "write_outputs"]


def feedback_name(file: str) -> str:
    """The feedback file's name for a submission: its relative path flattened, ``.md``."""
    stem = re.sub(r"\.ipynb$", "", file, flags=re.IGNORECASE)
    return re.sub(r"[/\\\x00-\x1f]", "_", stem) + ".md"


def _duplicates(subs) -> list[list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for s in subs:
        if s.sha256:
            groups[s.sha256].append(s.file)
    return [files for files in groups.values() if len(files) > 1]


def _class_lines(subs, skipped, roster) -> list[str]:
    """Duplicates, skipped entries, roster matches: what the summary and the console share."""
    lines = []
    for files in _duplicates(subs):
        lines.append(
            f"identical submissions (same sha256): {', '.join(_plain(f, 80) for f in files)}"
        )
    by_student: dict[str, list[str]] = defaultdict(list)
    for s in subs:
        if s.identity.student_id:
            by_student[s.identity.student_id].append(s.file)
    for sid, files in by_student.items():
        if len(files) > 1:
            lines.append(
                f"{len(files)} files from student {_plain(sid, 30)}: "
                f"{', '.join(_plain(f, 80) for f in files)} (each graded; keep one)"
            )
    for s in skipped:
        lines.append(f"skipped {_plain(s.file, 80)}: {s.reason}")
    if roster is not None:
        for s in subs:
            if s.identity.matched is False:
                lines.append(
                    f"not on the roster: {_plain(s.file, 80)} (read as {_plain(s.identity.name, 60)})"
                )
        ids = {s.identity.student_id for s in subs if s.identity.matched}
        for student in roster.missing(ids):
            lines.append(
                f"no submission from {_plain(student['name'], 60)} ({_plain(student['id'], 30)})"
            )
    return lines


def write_outputs(
    paths: dict[str, Any],
    *,
    number: str,
    questions: Sequence[Question],
    table: list[dict[str, Any]],
    gradebook: list[dict[str, Any]],
    verdicts: dict[str, dict[str, Any]],
    answers: dict[str, dict[str, Any]],
    executed: dict[str, Any],
    subs,
    skipped,
    roster,
    language: str,
    regrade: bool,
) -> list[str]:
    """Write feedback, summary and executed copies; return the problems met (one line each)."""
    problems = []
    if paths.get("feedback") is not None:
        for row in table:
            target = paths["feedback"] / feedback_name(row["file"])
            try:
                text = feedback_text(
                    row, questions, verdicts[row["file"]], answers[row["file"]], language
                )
                write_feedback(target, text)
            except (OSError, ValueError) as exc:
                problems.append(f"feedback for {_plain(row['file'], 60)} not written ({exc})")
    written = [q for q in questions if not q.judged]
    if written and paths.get("out") is not None and not regrade:
        stem = paths["out"].with_suffix("")
        folder = stem.with_name(stem.name + "_written")
        try:
            _write_written(folder, written, table)
            paths["written"] = folder
        except OSError as exc:
            problems.append(f"the written answers {folder} could not be written ({exc})")
    if paths.get("summary") is not None and not regrade:
        lines = summary_text(number, table, questions, verdicts, answers)
        extra = _class_lines(subs, skipped, roster)
        if extra:
            lines += ["", "## The folder", ""] + [f"- {line}" for line in extra]
        try:
            atomic_write(paths["summary"], ("\n".join(lines) + "\n").encode("utf-8"))
        except OSError as exc:
            problems.append(f"the summary {paths['summary']} could not be written ({exc})")
    if paths.get("executed") is not None:
        import nbformat

        for file, nb in executed.items():
            if nb is None:
                continue
            try:
                text = nbformat.writes(nbformat.from_dict(nb))
                atomic_write(
                    paths["executed"] / Path(feedback_name(file)).with_suffix(".ipynb"),
                    text.encode(),
                )
            except Exception as exc:  # an executed copy is a convenience
                problems.append(
                    f"executed copy of {_plain(file, 60)} not written ({type(exc).__name__})"
                )
    return problems


def _write_written(folder: Path, written: Sequence[Question], table) -> None:
    """One Markdown file per written question (every student's answer) and a marking sheet."""
    sheet = []
    for q in written:
        lines = [f"# {q.qid} · {q.title}", "", q.prompt.strip(), ""]
        guidance = getattr(q, "guidance", "")
        if guidance:
            lines += [f"*For the marker:* {guidance}", ""]
        lines.append(
            f"Points: {q.points:g}. Put the marks in marking_sheet.csv, then grade again "
            "with --overrides marking_sheet.csv."
        )
        for row in table:
            text = (row.get("written") or {}).get(q.qid)
            who = row["student_id"] or row["file"]
            lines += ["", f"## {_plain(row['name'], 80)} ({_plain(who, 60)})", ""]
            lines.append(text.replace("\n#", "\n\\#") if text else "*(no answer)*")
            if text:
                sheet.append(
                    {
                        "student": who,
                        "name": row["name"],
                        "question": q.qid,
                        "points": "",
                        "comment": "",
                    }
                )
        atomic_write(folder / f"{q.qid}.md", ("\n".join(lines) + "\n").encode("utf-8"))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=["student", "name", "question", "points", "comment"])
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in r.items()} for r in sheet)
    atomic_write(folder / "marking_sheet.csv", ("\ufeff" + buffer.getvalue()).encode("utf-8"))


def console_summary(
    table, qids, seconds: float, paths, subs, skipped, roster, notices, problems
) -> str:
    """The lines printed at the end of a grading run."""
    n = len(table)
    total = float(table[0]["total"]) if table else 0.0
    mean = sum(float(r["score"]) for r in table) / max(n, 1)
    lines = [f"Graded {n} submission(s) in {seconds:.1f} s: mean score {mean:.2f} / {total:g}."]
    width = max(len(q) for q in qids)
    for q in qids:
        counts = "  ".join(f"{s} {sum(r[q] == s for r in table):>3}" for s in Status)
        lines.append(f"  {q:<{width}}  {counts}")
    for r in table:
        if r["note"]:
            lines.append(f"  ! {neutralise(r['file'], 60)}: {neutralise(r['note'])}")
    lines += [f"  - {line}" for line in _class_lines(subs, skipped, roster)]
    lines += [f"Note: {text}" for text in notices]
    lines += [f"PROBLEM: {text}" for text in problems]
    for key in ("out", "feedback", "summary", "written"):
        if paths.get(key) is not None:
            lines.append(f"Wrote {paths[key]}")
    for path in paths.get("exports", []):
        lines.append(f"Wrote {path}")
    return "\n".join(lines)
