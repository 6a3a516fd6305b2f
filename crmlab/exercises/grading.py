"""Grade a folder of submitted exercise notebooks into a gradebook CSV.

Each submission runs in its own kernel (papermill, several at once over the cores) with a
fresh random key in the environment variable :data:`~crmlab.exercises.KEY_ENV`. ``check``
signs the record it displays with that key, so only results recorded by ``check`` in this
run count: a line the student printed, a record displayed by hand, or an output left in the
submitted file does not. Results are matched by question id, so deleted or reordered cells do
not matter; if a question is checked several times, the last record counts.

Per question the gradebook says ``correct``, ``incorrect``, ``not attempted`` (never checked,
or checked with the ``...`` placeholder) or ``error`` (the notebook stopped, by an exception or
the time limit, before the question was checked; or the file is not a notebook).

The signature stops fakes, not a student determined to read crmlab's internals, who could as
well call ``.solution()``: grading checks that the work was done by ``check`` in this run.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmlab.exercises._core import (
    CORRECT,
    INCORRECT,
    KEY_ENV,
    NOT_ATTEMPTED,
    RESULT_MIME,
    questions_of,
    signature_ok,
)

__all__ = ["ERROR", "question_ids", "read_records", "grade"]

ERROR = "error"
_STATUSES = (CORRECT, INCORRECT, NOT_ATTEMPTED)


def _exercise_number(exercise: str | int) -> str:
    text = str(exercise).strip()
    if not text.isdigit():
        raise ValueError(f"exercise must be a number like '01', got {exercise!r}.")
    return f"{int(text):02d}"


def question_ids(exercise: str | int) -> list[str]:
    """Question ids of exercise set ``exercise`` (from ``crmlab.exercises.lessonNN``), in order."""
    number = _exercise_number(exercise)
    try:
        module = importlib.import_module(f"crmlab.exercises.lesson{number}")
    except ModuleNotFoundError as exc:
        here = Path(__file__).parent
        known = sorted(p.stem.removeprefix("lesson") for p in here.glob("lesson[0-9][0-9].py"))
        raise ValueError(
            f"there is no exercise set {number} (no module crmlab.exercises.lesson{number}); "
            f"known sets: {', '.join(known) or 'none'}."
        ) from exc
    qids = [q.qid for q in questions_of(module)]
    if not qids:
        raise ValueError(f"crmlab.exercises.lesson{number} defines no Question objects.")
    return qids


def read_records(nb: Any, key: str) -> tuple[dict[str, str], int]:
    """Signed check results in an executed notebook.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.
    key : str
        The key the kernel was given; records without a valid signature are ignored.

    Returns
    -------
    statuses : dict
        Question id -> status of the last validly signed record for it.
    ignored : int
        Number of records with a missing or wrong signature (fakes, or left from another run).
    """
    statuses: dict[str, str] = {}
    ignored = 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            if RESULT_MIME not in data:
                continue
            record = data[RESULT_MIME]
            try:
                if isinstance(record, str):
                    record = json.loads(record)
                valid = (
                    isinstance(record, dict)
                    and record.get("status") in _STATUSES
                    and signature_ok(record, key)
                )
            except (ValueError, TypeError):
                valid = False
            if valid:
                statuses[str(record["qid"])] = record["status"]
            else:
                ignored += 1
    return statuses, ignored


def _first_line(text: str | None, limit: int = 120) -> str:
    lines = (text or "").strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _row(name: str, qids: Sequence[str], statuses: dict[str, str], note: str, failed: bool):
    row: dict[str, Any] = {"file": name}
    missing = ERROR if failed else NOT_ATTEMPTED
    for qid in qids:
        row[qid] = statuses.get(qid, missing)
    row["score"] = sum(row[q] == CORRECT for q in qids)
    row["total"] = len(qids)
    row["note"] = note
    return row


def grade(
    submissions_dir: str | os.PathLike,
    exercise: str | int = "01",
    out: str | os.PathLike | None = "grades.csv",
    *,
    timeout: float = 60,
    jobs: int | None = None,
    executed_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Execute every submitted notebook and write one gradebook row per submission.

    Parameters
    ----------
    submissions_dir : path
        Folder with the submitted ``.ipynb`` files (not searched recursively).
    exercise : str or int
        Exercise set number, e.g. ``"01"``; its questions come from ``crmlab.exercises.lessonNN``.
    out : path or None
        CSV to write: ``file``, one column per question, ``score`` (number correct), ``total``,
        ``note`` (timeout, the error that stopped the notebook, ignored fake records).
    timeout : float
        Time limit in seconds for each submission as a whole.
    jobs : int, optional
        Submissions run at once; default the number of usable cores.
    executed_dir : path, optional
        Keep the executed copies here (to look at a student's errors); default a temporary
        folder that is removed.
    progress : bool
        Show a progress bar and print a short summary.

    Returns
    -------
    list of dict
        The rows written, in file-name order.
    """
    from crmlab.runner import _Task, execute_many

    qids = question_ids(exercise)
    folder = Path(submissions_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}; pass the folder that holds the submissions.")
    files = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no .ipynb files in {folder}; nothing to grade.")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout!r}.")

    import nbformat

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crmlab-grade-") as tmp:
        run_dir = Path(executed_dir) if executed_dir is not None else Path(tmp)
        rows: dict[Path, dict[str, Any]] = {}
        tasks, keys = [], {}
        for path in files:
            try:
                nbformat.read(path, as_version=4)
            except Exception as exc:  # not JSON, not a notebook: nothing to run
                note = f"not a valid notebook ({type(exc).__name__}: {_first_line(str(exc), 80)})"
                rows[path] = _row(path.name, qids, {}, note, failed=True)
                continue
            keys[path] = secrets.token_hex(32)
            tasks.append(
                _Task(
                    source=path.resolve(),
                    output=(run_dir / path.name).resolve(),
                    timeout=float(timeout),
                    env={KEY_ENV: keys[path]},
                )
            )

        def line(result: Any) -> str:
            return (
                f"{'ok  ' if result.ok else 'FAIL'} {result.path.name:<40} {result.seconds:6.1f} s"
            )

        for result in execute_many(
            tasks, jobs=jobs, progress=progress, desc="grading", on_result=line
        ):
            path = next(p for p in keys if p.resolve() == result.path)
            statuses, ignored = {}, 0
            if result.output is not None:
                try:
                    statuses, ignored = read_records(nbformat.read(result.output, 4), keys[path])
                except Exception:  # unreadable executed copy: every question is an error
                    pass
            notes = []
            if result.timed_out:
                cell = f" (in cell {result.cell_index})" if result.cell_index is not None else ""
                notes.append(f"timeout after {timeout:g} s{cell}")
            elif not result.ok:
                cell = f" in cell {result.cell_index}" if result.cell_index is not None else ""
                notes.append(f"{result.ename}{cell}: {_first_line(result.evalue)}".rstrip(": "))
            if ignored:
                notes.append(f"ignored {ignored} unsigned or forged record(s)")
            rows[path] = _row(path.name, qids, statuses, "; ".join(notes), failed=not result.ok)

    table = [rows[p] for p in files]
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["file", *qids, "score", "total", "note"])
            writer.writeheader()
            writer.writerows(table)
    if progress:
        print(_summary(table, qids, time.monotonic() - started, out), file=sys.stdout)
    return table


def _summary(table: list[dict[str, Any]], qids: Sequence[str], seconds: float, out) -> str:
    n = len(table)
    mean = sum(r["score"] for r in table) / n
    lines = [f"Graded {n} submission(s) in {seconds:.1f} s: mean score {mean:.2f} / {len(qids)}."]
    width = max(len(q) for q in qids)
    for q in qids:
        counts = {s: sum(r[q] == s for r in table) for s in (*_STATUSES, ERROR)}
        lines.append(
            f"  {q:<{width}}  correct {counts[CORRECT]:>3}  incorrect {counts[INCORRECT]:>3}  "
            f"not attempted {counts[NOT_ATTEMPTED]:>3}  error {counts[ERROR]:>3}"
        )
    for r in table:
        if r["note"]:
            lines.append(f"  ! {r['file']}: {r['note']}")
    if out is not None:
        lines.append(f"Wrote {out}")
    return "\n".join(lines)
