"""Grade a folder of submitted exercise notebooks: gradebook CSV, feedback files, mistake summary.

Each submission runs in a sandbox (:mod:`crmlab.exercises.sandbox`): a private copy in its own
temporary folder, its own session, limits on time, memory, output and processes. There ``check``
only *records* each answer as plain JSON; the grader computes the reference answers itself, once
per exercise set, in its own process, and judges the recorded answers against them at the
precision each question states. Nothing a submission prints, displays, signs or patches can mark
a question correct; only a correct answer value can. If a question is checked several times, the
last answer counts; deleted or reordered cells do not matter.

Per question the gradebook says ``correct``, ``incorrect``, ``not attempted`` (never checked,
or checked with the ``...`` placeholder) or ``error`` (the run stopped before the question was
checked: an exception, ``sys.exit``, a killed kernel, a limit; or the file is not a notebook).
The note says why a run stopped.
"""

from __future__ import annotations

import csv
import importlib
import math
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from crmlab.exercises.feedback import write_feedback, write_summary
from crmlab.exercises.questions import Question, Status, questions_of
from crmlab.exercises.sandbox import Limits, SandboxResult, run_submission
from crmlab.runner import _cpu_count
from crmlab.safety import neutralise

__all__ = ["GradeRow", "grade", "neutralise", "question_ids", "questions_for"]

MAX_NOTEBOOK_BYTES = 20 * 2**20
CSV_TEXT_LIMIT = 200

GradeRow = dict[str, Any]
"""One gradebook row: ``file``, one status per question id, ``score``, ``total``, ``note``."""


# --------------------------------------------------------------------------------------------
# checking what we are asked to do, before anything runs
# --------------------------------------------------------------------------------------------
def _exercise_number(exercise: str | int) -> str:
    text = str(exercise).strip()
    if not text.isdigit():
        raise ValueError(f"exercise must be a number like '01', got {exercise!r}.")
    return f"{int(text):02d}"


def questions_for(exercise: str | int) -> list[Question]:
    """The questions of exercise set ``exercise`` (module ``crmlab.exercises.lessonNN``)."""
    number = _exercise_number(exercise)
    here = Path(__file__).parent
    known = sorted(p.stem.removeprefix("lesson") for p in here.glob("lesson[0-9][0-9].py"))
    if number not in known:
        raise ValueError(
            f"there is no exercise set {number} (no module crmlab.exercises.lesson{number}); "
            f"known sets: {', '.join(known) or 'none'}."
        )
    questions = questions_of(importlib.import_module(f"crmlab.exercises.lesson{number}"))
    if not questions:
        raise ValueError(f"crmlab.exercises.lesson{number} defines no Question objects.")
    return questions


def question_ids(exercise: str | int) -> list[str]:
    """Question ids of exercise set ``exercise``, in order."""
    return [q.qid for q in questions_for(exercise)]


def _check_timeout(timeout: Any) -> float:
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}.")
    return value


def _check_writable_file(path: Path, what: str) -> None:
    if path.is_dir():
        raise ValueError(
            f"{what} {path} is a folder; give a file name, e.g. {path / 'grades.csv'}."
        )
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{what} {path}: {parent} is a file, so the folder cannot be created.")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"{what} {path} is not writable; choose another place.")


def _check_writable_dir(path: Path, what: str) -> None:
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file; give a folder.")
    _check_writable_file(path / "x", what)


# --------------------------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------------------------
def _judge_run(
    questions: Sequence[Question], result: SandboxResult
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(question id -> CheckResult or None, question id -> recorded answer) for one run."""
    last: dict[str, Any] = {}
    for record in result.records:
        last[record["qid"]] = record.get("answer")
    verdicts: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for q in questions:
        if q.qid in last:
            answers[q.qid] = last[q.qid]
            verdicts[q.qid] = q.judge_record(last[q.qid])
        else:
            verdicts[q.qid] = None
    return verdicts, answers


def _row(name: str, questions, verdicts: dict[str, Any], note: str, stopped: bool) -> GradeRow:
    row: GradeRow = {"file": name}
    for q in questions:
        verdict = verdicts.get(q.qid)
        row[q.qid] = (
            verdict.status
            if verdict is not None
            else (Status.ERROR if stopped else Status.NOT_ATTEMPTED)
        )
    row["score"] = sum(row[q.qid] == Status.CORRECT for q in questions)
    row["total"] = len(questions)
    row["note"] = note
    return row


def _read_submission(path: Path) -> tuple[bytes | None, str]:
    """(bytes, "") for a readable notebook, (None, note) otherwise."""
    import nbformat

    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None, f"file larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB; not run"
        data = path.read_bytes()
        nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # not UTF-8, not JSON, not a notebook: nothing to run
        first = (str(exc).strip().splitlines() or [""])[0][:80]
        return None, f"not a valid notebook ({type(exc).__name__}: {first})"
    return data, ""


# --------------------------------------------------------------------------------------------
# grade
# --------------------------------------------------------------------------------------------
def grade(
    submissions_dir: str | os.PathLike,
    exercise: str | int = "01",
    out: str | os.PathLike | None = "grades.csv",
    *,
    timeout: float = 60,
    jobs: int | None = None,
    memory_mb: int = 4096,
    feedback_dir: str | os.PathLike | None = None,
    summary: str | os.PathLike | None = None,
    executed_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> list[GradeRow]:
    """Run every submitted notebook in a sandbox, judge its answers, write the gradebook.

    Parameters
    ----------
    submissions_dir : path
        Folder with the submitted ``.ipynb`` files (not searched recursively). They are read
        once and never modified.
    exercise : str or int
        Exercise set number, e.g. ``"01"``.
    out : path or None
        Gradebook CSV: ``file``, one column per question, ``score`` (number correct), ``total``,
        ``note`` (why a run stopped). Text from submissions is neutralised for spreadsheets.
    timeout : float
        Time limit in seconds for each submission as a whole (positive and finite).
    jobs : int, optional
        Submissions run at once; default the number of usable cores.
    memory_mb : int
        Address-space limit of each submission's kernel, in MiB.
    feedback_dir : path, optional
        One Markdown feedback file per submission; default ``<out stem>_feedback`` beside
        ``out`` (none when ``out`` is None and this is not given).
    summary : path, optional
        Markdown summary for the instructor: per question, the statuses and how many students
        made each known mistake; default ``<out stem>_summary.md`` beside ``out``.
    executed_dir : path, optional
        Keep the executed copies here (to look at a student's errors).
    progress : bool
        Print a line per finished submission and a short summary.

    Returns
    -------
    list of dict
        The gradebook rows, in file-name order.

    Raises
    ------
    ValueError
        An unknown exercise set, a timeout that is not a positive finite number, ``out`` that
        is a folder or not writable, ``jobs`` or ``memory_mb`` below 1 — before anything runs.
    FileNotFoundError
        No such folder, or no ``.ipynb`` file in it.
    """
    questions = questions_for(exercise)
    timeout = _check_timeout(timeout)
    if jobs is not None and int(jobs) < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}.")
    if int(memory_mb) < 1:
        raise ValueError(f"memory_mb must be at least 1, got {memory_mb!r}.")
    paths = _output_paths(out, feedback_dir, summary, executed_dir)
    folder = Path(submissions_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}; pass the folder that holds the submissions.")
    files = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no .ipynb files in {folder}; nothing to grade.")

    started = time.monotonic()
    limits = Limits(timeout=timeout, memory_mb=int(memory_mb))
    contents = {p: _read_submission(p) for p in files}  # read once: the originals stay as they are
    verdicts: dict[Path, dict[str, Any]] = {}
    answers: dict[Path, dict[str, Any]] = {}
    rows: dict[Path, GradeRow] = {}
    for path, (data, note) in contents.items():
        if data is None:
            rows[path] = _row(path.name, questions, {}, note, stopped=True)
            verdicts[path], answers[path] = {}, {}
    runnable = [p for p in files if p not in rows]
    workers = max(1, min(int(jobs or _cpu_count()), len(runnable) or 1))
    executed = paths["executed"]
    with ThreadPoolExecutor(workers) as pool:
        futures = {
            pool.submit(run_submission, data, limits, keep_executed=executed is not None): p
            for p in runnable
            if (data := contents[p][0]) is not None
        }
        for q in questions:  # while the kernels run: the references, in this process
            q.reference()
        for future in as_completed(futures):
            path = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the grader's own failure for one file: an error row
                why = f"the grader could not run it ({type(exc).__name__}: {exc})"
                result = SandboxResult([], False, why)
            verdicts[path], answers[path] = _judge_run(questions, result)
            rows[path] = _row(
                path.name, questions, verdicts[path], result.note, not result.completed
            )
            if executed is not None and result.executed is not None:
                _write_executed(executed / path.name, result.executed)
            if progress:
                status = "ok  " if result.completed else "STOP"
                print(f"{status} {path.name:<40} {result.seconds:6.1f} s", file=sys.stderr)

    table = [rows[p] for p in files]
    qids = [q.qid for q in questions]
    if paths["out"] is not None:
        _write_csv(paths["out"], table, qids)
    if paths["feedback"] is not None:
        for p in files:
            write_feedback(
                paths["feedback"] / f"{p.stem}.md", rows[p], questions, verdicts[p], answers[p]
            )
    if paths["summary"] is not None:
        write_summary(paths["summary"], _exercise_number(exercise), table, questions, verdicts)
    if progress:
        print(_console_summary(table, qids, time.monotonic() - started, paths), file=sys.stdout)
    return table


def _output_paths(out, feedback_dir, summary, executed_dir) -> dict[str, Path | None]:
    paths: dict[str, Path | None] = {"out": None, "feedback": None, "summary": None}
    if out is not None:
        paths["out"] = out_path = Path(out)
        _check_writable_file(out_path, "--out")
        stem = out_path.with_suffix("")
        paths["feedback"] = stem.with_name(stem.name + "_feedback")
        paths["summary"] = stem.with_name(stem.name + "_summary.md")
    if feedback_dir is not None:
        paths["feedback"] = Path(feedback_dir)
    if summary is not None:
        paths["summary"] = Path(summary)
    if paths["feedback"] is not None:
        _check_writable_dir(paths["feedback"], "the feedback folder")
    if paths["summary"] is not None:
        _check_writable_file(paths["summary"], "the summary file")
    paths["executed"] = Path(executed_dir) if executed_dir is not None else None
    if paths["executed"] is not None:
        _check_writable_dir(paths["executed"], "--executed")
    return paths


def _write_executed(path: Path, nb: dict[str, Any]) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        nbformat.write(nbformat.from_dict(nb), path)
    except Exception:  # an executed copy is a convenience; the grade does not depend on it
        pass


def _write_csv(path: Path, table: list[GradeRow], qids: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", *qids, "score", "total", "note"])
        writer.writeheader()
        for row in table:
            writer.writerow(
                {**row, "file": neutralise(row["file"]), "note": neutralise(row["note"])}
            )


def _console_summary(table: list[GradeRow], qids: Sequence[str], seconds: float, paths) -> str:
    n = len(table)
    mean = sum(r["score"] for r in table) / n
    lines = [f"Graded {n} submission(s) in {seconds:.1f} s: mean score {mean:.2f} / {len(qids)}."]
    width = max(len(q) for q in qids)
    for q in qids:
        counts = "  ".join(f"{s} {sum(r[q] == s for r in table):>3}" for s in Status)
        lines.append(f"  {q:<{width}}  {counts}")
    for r in table:
        if r["note"]:
            lines.append(f"  ! {neutralise(r['file'], 60)}: {neutralise(r['note'])}")
    for key in ("out", "feedback", "summary"):
        if paths[key] is not None:
            lines.append(f"Wrote {paths[key]}")
    return "\n".join(lines)
