"""Grade a folder of submitted exercise notebooks: gradebook, LMS exports, feedback, summary.

Each submission runs in a bubblewrap sandbox of its own (:mod:`crmlab.exercises.isolation`,
:mod:`crmlab.exercises.sandbox`): a private copy, no network, its own processes, read-only
package and data, limits on time, memory, output and processes. There ``check`` only *records*
each answer as plain JSON, and the exercise set's module is replaced by one without references,
solutions or mistakes (:mod:`crmlab.exercises.assessed`); the grader computes the references in
its own process and judges the recorded answers at the precision each question states.

A run goes on after a cell fails, so every question is judged on its own: a check that ran
counts; a question whose check never recorded an answer is ``error`` if its cell or one before
it failed or the run was stopped (timeout, memory, a killed kernel), else ``not attempted``.
Before the class, the set's solution notebook runs under the same limits and must score full
marks (a too-small ``--memory`` never zeroes a class).
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from crmlab.exercises.authoring import CHECK_CALL
from crmlab.exercises.gradebook import (
    LatePolicy,
    Override,
    neutralise,
    read_gradebook,
    read_overrides,
    write_exports,
    write_gradebook,
)
from crmlab.exercises.isolation import INSTALL_HINT, SandboxUnavailable, sandbox_problem
from crmlab.exercises.questions import Question, Status, questions_of
from crmlab.exercises.report import console_summary, write_outputs
from crmlab.exercises.sandbox import Limits, SandboxResult, memory_ceiling_mb, run_submission
from crmlab.exercises.students import Roster
from crmlab.exercises.submissions import Submission, collect
from crmlab.exercises.written import written_answers
from crmlab.runner import _cpu_count

__all__ = [
    "GradeRow",
    "OutputsIncomplete",
    "SetupError",
    "grade",
    "neutralise",
    "question_ids",
    "questions_for",
]

GradeRow = dict[str, Any]
"""One gradebook row (columns: :func:`crmlab.exercises.gradebook.columns`)."""
FORMATS = ("csv", "canvas", "moodle")
TRUSTED = "none (--trusted-submissions)"


class SetupError(ValueError):
    """The set's solution notebook does not score full marks under the grading limits."""


class OutputsIncomplete(RuntimeError):
    """Some output (gradebook, feedback, summary) could not be written; the rest was."""


# --------------------------------------------------------------------------------------------
# checking what we are asked to do, before anything runs
# --------------------------------------------------------------------------------------------
def _exercise_number(exercise: str | int) -> str:
    text = str(exercise).strip()
    if not text.isdigit():
        raise ValueError(f"exercise must be a number like '01', got {exercise!r}.")
    return f"{int(text):02d}"


def _module_path(number: str) -> Path:
    return Path(__file__).parent / f"lesson{number}.py"


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
    if str(path.resolve()).startswith(("/proc/", "/sys/", "/dev/")):
        raise ValueError(f"{what} {path} is not a place for files; choose another place.")


def _check_writable_dir(path: Path, what: str) -> None:
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {path} is a file; give a folder.")
    _check_writable_file(path / "x", what)


def _output_paths(out, feedback_dir, summary, executed_dir) -> dict[str, Any]:
    paths: dict[str, Any] = {"out": None, "feedback": None, "summary": None}
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


def default_solution(number: str) -> Path | None:
    """The set's solution notebook in the repository checkout, if there is one."""
    root = Path(__file__).resolve().parents[2] / "exercises" / "solutions"
    found = sorted(root.glob(f"{number}_*.ipynb")) if root.is_dir() else []
    return found[0] if found else None


# --------------------------------------------------------------------------------------------
# judging one run
# --------------------------------------------------------------------------------------------
def _notebook(data: bytes | None) -> Any:
    import nbformat

    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4) if data is not None else None
    except Exception:  # the grader already said it is not a notebook
        return None


def _check_cells(nb: Any) -> dict[str, int]:
    """Question id -> index of the first code cell that checks it."""
    found: dict[str, int] = {}
    for i, cell in enumerate(getattr(nb, "cells", [])):
        if cell.cell_type == "code":
            for qid in CHECK_CALL.findall(cell.source):
                found.setdefault(qid, i)
    return found


def where(cell: int | None, checks: dict[str, int]) -> str:
    """A cell named as a student sees it: "in q3's cell", "in a cell before q3's check"."""
    if cell is None:
        return "before the first cell ran"
    owners = sorted((i, q) for q, i in checks.items())
    for i, q in owners:
        if i == cell:
            return f"in {q}'s cell"
    following = next((q for i, q in owners if i > cell), None)
    if following is not None:
        return f"in a cell before {following}'s check"
    return "in a cell after the last check" if owners else f"in code cell {cell + 1}"


def _judge_run(
    questions: Sequence[Question], result: SandboxResult, checks: dict[str, int]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Status], str]:
    """(verdicts, answers, statuses, note) of one run: every question judged on its own."""
    last: dict[str, Any] = {}
    for record in result.records:
        last[record["qid"]] = record.get("answer")
    failed = [int(e["cell"]) for e in result.errors]
    verdicts: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    statuses: dict[str, Status] = {}
    for q in questions:
        if not q.judged:  # a written answer: collected from the file, marked by hand
            continue
        if q.qid in last:
            answers[q.qid] = last[q.qid]
            verdicts[q.qid] = q.judge_record(last[q.qid])
            statuses[q.qid] = verdicts[q.qid].status
            continue
        verdicts[q.qid] = None
        cell = checks.get(q.qid)
        before = any(cell is None or f <= cell for f in failed)
        statuses[q.qid] = Status.ERROR if (before or not result.completed) else Status.NOT_ATTEMPTED
    notes = [
        f"{e['ename']}: {e['evalue']}".rstrip(": ") + f" ({where(e['cell'], checks)})"
        for e in result.errors[:3]
    ]
    if len(result.errors) > 3:
        notes.append(f"and {len(result.errors) - 3} more failed cell(s)")
    if result.note:
        stop = result.note
        if result.cell_index is not None:
            stop += f" ({where(result.cell_index, checks)})"
        notes.append(stop)
    return verdicts, answers, statuses, "; ".join(notes)


def _row(
    sub: Submission,
    questions: Sequence[Question],
    statuses: dict[str, Status],
    verdicts: dict[str, Any],
    note: str,
    sandbox: str,
) -> GradeRow:
    texts = written_answers(_notebook(sub.data), questions) if sub.data is not None else {}
    for q in questions:
        if not q.judged and sub.data is not None:
            statuses[q.qid] = Status.TO_BE_MARKED if texts.get(q.qid) else Status.NOT_ATTEMPTED
    ident = sub.identity
    row: GradeRow = {
        "student_id": ident.student_id,
        "name": ident.name,
        "file": sub.file,
        "source": ident.source,
        "login": ident.login,
        "section": ident.section,
    }
    for q in questions:
        row[q.qid] = statuses.get(q.qid, Status.ERROR)
    for q in questions:
        verdict = verdicts.get(q.qid)
        row[f"{q.qid} points"] = round(q.points * verdict.credit, 4) if verdict else 0.0
    row["total"] = sum(q.points for q in questions)
    row["late"] = ""
    row["note"] = note
    row["sandbox"] = sandbox
    row["written"] = texts
    return row


def _finish(
    row: GradeRow, questions, overrides: list[Override], late: LatePolicy | None, sub
) -> None:
    """Apply the instructor's overrides and the late penalty; set ``score``."""
    keys = {row["student_id"], row["name"], row["file"], Path(row["file"]).stem} - {""}
    notes = [row["note"]] if row["note"] else []
    maximum = {q.qid: q.points for q in questions}
    for o in overrides:
        if o.student in keys:
            row[f"{o.question} points"] = o.points
            if row[o.question] == Status.TO_BE_MARKED:  # a written answer, marked
                full, none = o.points >= maximum[o.question], o.points <= 0
                row[o.question] = (
                    Status.CORRECT if full else Status.INCORRECT if none else Status.PARTIAL
                )
            notes.append(
                f"{o.question}: {o.points:g} points by the instructor"
                + (f" ({o.comment})" if o.comment else "")
            )
    points = sum(float(row[f"{q.qid} points"]) for q in questions)
    if late is not None:
        days = late.days_late(sub.submitted)
        if days > 0:
            factor = late.factor(days)
            row["late"] = f"{days:.2f} days"
            if factor < 1:
                notes.append(
                    f"late by {days:.2f} days: {late.penalty} penalty, {points:g} -> {points * factor:g}"
                )
            points *= factor
    elif sub.identity.marked_late:
        row["late"] = "marked late by the LMS"
    row["score"] = round(points, 4)
    row["note"] = "; ".join(notes)


# --------------------------------------------------------------------------------------------
# grade
# --------------------------------------------------------------------------------------------
def grade(  # noqa: C901 - one story, from checks to outputs
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
    trusted_submissions: bool = False,
    roster: str | os.PathLike | None = None,
    formats: Sequence[str] = ("csv",),
    only: str | None = None,
    overrides: str | os.PathLike | None = None,
    deadline: str | None = None,
    late_penalty: str = "0%",
    language: str = "en",
    check_setup: bool = True,
    solution: str | os.PathLike | None = None,
    assignment: str | None = None,
) -> list[GradeRow]:
    """Run every submitted notebook in a sandbox, judge each question, write the gradebook.

    Parameters
    ----------
    submissions_dir : path
        Folder with the submitted ``.ipynb`` files (subfolders too, as Moodle makes them). They
        are read once and never modified; every other entry is listed as skipped.
    exercise : str or int
        Exercise set number, e.g. ``"01"``.
    out : path or None
        Full gradebook CSV (columns: :mod:`crmlab.exercises.gradebook`).
    timeout : float
        Time limit in seconds for each submission as a whole (positive and finite).
    jobs : int, optional
        Submissions run at once; default the number of usable cores.
    memory_mb : int
        Address-space limit of each kernel in MiB; lowered (and said) to the hard limit of
        this process when that is smaller.
    feedback_dir, summary, executed_dir : path, optional
        Feedback folder (default ``<out stem>_feedback``), mistake summary (default
        ``<out stem>_summary.md``), executed copies (default none).
    progress : bool
        Print a line per finished submission and the console summary.
    trusted_submissions : bool
        Grade without the bubblewrap sandbox (only when bubblewrap cannot be used and every
        submission is trusted); every row says so.
    roster : path, optional
        Course roster CSV (see :class:`crmlab.exercises.students.Roster`).
    formats : sequence of str
        Besides the gradebook, ``"canvas"`` and/or ``"moodle"`` exports.
    only : str, optional
        Regrade this one file (its path relative to the folder, or its name): its row and
        feedback are replaced in the existing gradebook ``out``; nothing else changes.
    overrides : path, optional
        CSV of the instructor's marks (``student``, ``question``, ``points``, ``comment``),
        applied on every (re)grade; also how written answers are marked.
    deadline : str, optional
        ``2026-12-20T23:59`` (local time); later submissions are flagged late.
    late_penalty : str
        ``"10%/day"`` (per started day) or ``"20%"`` (flat); default none.
    language : str
        Feedback language, ``"en"`` or ``"zh"``.
    check_setup : bool
        First run the set's solution notebook under the same limits; stop if it does not
        score full marks.
    solution : path, optional
        The solution notebook for that check (default ``exercises/solutions/NN_*.ipynb``).
    assignment : str, optional
        Column name of the score in LMS exports (default "Exercise set NN").

    Returns
    -------
    list of dict
        The gradebook rows, in file order.

    Raises
    ------
    ValueError
        Any bad option, before anything runs; :class:`SandboxUnavailable` when bubblewrap
        cannot be used and ``trusted_submissions`` is False; :class:`SetupError` when the
        solution notebook does not score full marks.
    FileNotFoundError
        No such folder, or no notebook in it.
    OutputsIncomplete
        After grading, when some output could not be written (each other one was).
    """
    number = _exercise_number(exercise)
    questions = questions_for(number)
    qids = [q.qid for q in questions]
    timeout = _check_timeout(timeout)
    if jobs is not None and int(jobs) < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}.")
    if int(memory_mb) < 1:
        raise ValueError(f"memory_mb must be at least 1, got {memory_mb!r}.")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"--format {bad[0]!r} is not one of {', '.join(FORMATS)}.")
    if language not in ("en", "zh"):
        raise ValueError(f"--language must be en or zh, got {language!r}.")
    if only is not None and out is None:
        raise ValueError("--only updates an existing gradebook: give its --out.")
    paths = _output_paths(out, feedback_dir, summary, executed_dir)
    problem = None if trusted_submissions else sandbox_problem()
    if problem is not None:
        raise SandboxUnavailable(
            f"{problem}, so submissions cannot be run in a sandbox and are not graded. Fix: "
            f"{INSTALL_HINT}"
        )
    isolate = not trusted_submissions
    people = Roster(roster) if roster is not None else None
    marks = read_overrides(overrides, {q.qid: q.points for q in questions}) if overrides else []
    late = LatePolicy.parse(deadline, late_penalty) if deadline else None
    if late is None and late_penalty.strip() not in ("", "0%"):
        raise ValueError("--late-penalty needs a --deadline.")

    subs, skipped = collect(submissions_dir)
    previous: list[GradeRow] = []
    if only is not None:
        assert paths["out"] is not None
        previous = read_gradebook(paths["out"], qids)
        chosen = [s for s in subs if only in (s.file, Path(s.file).name)]
        if len(chosen) != 1:
            raise FileNotFoundError(
                f"--only {only!r}: {'no' if not chosen else 'more than one'} notebook of that name "
                f"in {submissions_dir}."
            )
        subs = chosen
    if not subs:
        raise FileNotFoundError(f"no .ipynb files in {submissions_dir}; nothing to grade.")
    if people is not None:
        for s in subs:
            s.identity = people.match(s.identity)

    ceiling = memory_ceiling_mb()
    memory = int(memory_mb) if ceiling is None else min(int(memory_mb), ceiling)
    notices = []
    if memory < int(memory_mb):
        notices.append(
            f"memory limit lowered from {int(memory_mb)} to {memory} MiB, the hard limit of this "
            "shell (ulimit -Hv)."
        )
    if not isolate:
        notices.append("submissions ran WITHOUT a sandbox (--trusted-submissions).")
    limits = Limits(timeout=timeout, memory_mb=memory)
    started = time.monotonic()
    sandbox = "bubblewrap" if isolate else TRUSTED

    with tempfile.TemporaryDirectory(prefix="crmlab-grade-") as scratch:
        run = _runner(number, limits, isolate, Path(scratch), paths["executed"] is not None)
        if check_setup and only is None:
            notices.append(_setup_check(number, questions, solution, run))
        results: dict[str, tuple] = {}
        todo = [s for s in subs if s.data is not None]
        workers = max(1, min(int(jobs or _cpu_count()), len(todo) or 1))
        with ThreadPoolExecutor(workers) as pool:
            futures = {pool.submit(run, s.data): s for s in todo}
            for q in questions:  # while the kernels run: the references, in this process
                if q.judged:
                    q._reference()
            for future in as_completed(futures):
                sub = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the grader's own failure for one file: an error row
                    result = SandboxResult(
                        [], False, f"the grader could not run it ({type(exc).__name__}: {exc})"
                    )
                checks = _check_cells(_notebook(sub.data))
                results[sub.file] = (result, _judge_run(questions, result, checks))
                if progress:
                    status = "ok  " if result.completed else "STOP"
                    print(
                        f"{status} {neutralise(sub.file, 60):<40} {result.seconds:6.1f} s",
                        file=sys.stderr,
                    )

    table, verdicts, answers, executed = [], {}, {}, {}
    for sub in subs:
        if sub.file in results:
            result, (v, a, statuses, note) = results[sub.file]
            executed[sub.file] = result.executed
        else:
            v, a, statuses, note = {}, {}, {}, sub.note
        row = _row(sub, questions, statuses, v, note, sandbox)
        _finish(row, questions, marks, late, sub)
        table.append(row)
        verdicts[sub.file], answers[sub.file] = v, a
    if only is not None:
        paths["summary"] = None  # a regrade leaves the class summary as it was
        mine = table[0]
        kept = [r for r in previous if r["file"] != neutralise(mine["file"])]
        position = next(
            (i for i, r in enumerate(previous) if r["file"] == neutralise(mine["file"])), len(kept)
        )
        table_out = [*kept[:position], mine, *kept[position:]]
    else:
        table_out = table
    problems = write_outputs(
        paths,
        number=number,
        questions=questions,
        table=table,
        gradebook=table_out,
        verdicts=verdicts,
        answers=answers,
        executed=executed,
        subs=subs,
        skipped=skipped,
        roster=people,
        language=language,
        regrade=only is not None,
    )
    if paths["out"] is not None:
        try:
            write_gradebook(paths["out"], table_out, qids)
            paths["exports"] = write_exports(
                paths["out"],
                [f for f in formats if f != "csv"],
                table_out,
                assignment or f"Exercise set {number}",
            )
        except OSError as exc:
            problems.append(f"the gradebook {paths['out']} could not be written ({exc})")
    if progress:
        text = console_summary(
            table, qids, time.monotonic() - started, paths, subs, skipped, people, notices, problems
        )
        print(text, file=sys.stdout)
    if problems:
        raise OutputsIncomplete(
            f"{len(problems)} output(s) could not be written: {problems[0]}"
            + (" (and more, listed above)" if len(problems) > 1 else "")
        )
    return table_out


def _runner(number: str, limits: Limits, isolate: bool, scratch: Path, keep: bool):
    """``run(data) -> SandboxResult`` with the set's module replaced by its stub inside."""
    from crmlab.exercises.assessed import stub_source

    options: dict[str, Any] = {"keep_executed": keep, "isolate": isolate}
    if isolate:
        stub = scratch / f"lesson{number}.py"
        stub.write_text(stub_source(number), encoding="utf-8")
        stub.chmod(0o444)
        module = _module_path(number).resolve()
        empty = scratch / "empty.pyc"  # in place of the real module's bytecode: nothing
        empty.write_bytes(b"")
        compiled = module.parent.glob(f"__pycache__/lesson{number}.*.pyc")
        options["replace"] = {str(module): stub, **{str(p): empty for p in compiled}}

    def run(data: bytes) -> SandboxResult:
        return run_submission(data, limits, **options)

    return run


def _setup_check(number: str, questions: Sequence[Question], solution, run) -> str:
    """Run the solution notebook under the grading limits; raise :class:`SetupError` if it fails."""
    path = Path(solution) if solution is not None else default_solution(number)
    if path is None or not path.is_file():
        return (
            "setup not checked: no solution notebook found (pass --solution "
            "exercises/solutions/NN_topic.ipynb)."
        )
    data = path.read_bytes()
    result = run(data)
    checks = _check_cells(_notebook(data))
    verdicts, _, statuses, note = _judge_run(questions, result, checks)
    auto = [q for q in questions if getattr(q, "judged", True)]
    wrong = [q.qid for q in auto if statuses[q.qid] != Status.CORRECT]
    if wrong:
        raise SetupError(
            f"the solution notebook {path.name} does not score full marks under these limits "
            f"({', '.join(f'{q} {statuses[q]}' for q in wrong)}"
            + (f"; {note}" if note else "")
            + "), so nothing was graded. Raise --memory or --timeout, or fix the set-up."
        )
    return f"setup checked: the solution notebook scored full marks in {result.seconds:.1f} s."
