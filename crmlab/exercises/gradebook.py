"""The gradebook: its rows, points and penalties, and the files it is written to.

Columns of the full gradebook (``--out``; UTF-8 with a byte-order mark, so spreadsheets read
Chinese names): ``student_id``, ``name``, ``login`` and ``section`` (from the roster), ``file``, one status column per question (``q1`` ...:
correct, partial, incorrect, not attempted, error), one points column per question
(``q1 points`` ...), ``score`` (points after overrides and the late penalty), ``total`` (points
possible), ``late`` (empty, or how late), ``note`` and ``sandbox``. Text from submissions is
neutralised for spreadsheets (:func:`neutralise`).

LMS exports (``--format``), written beside the gradebook:

- ``canvas`` -> ``<out>_canvas.csv``: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column named after the assignment holding the score — Canvas's
  gradebook import (*Grades > Import*); ``ID`` is the Canvas user id from the file name;
- ``moodle`` -> ``<out>_moodle.csv``: ``ID number``, ``Full name``, ``Email address``, the
  assignment column and ``Feedback`` — Moodle's *Import grades > CSV file*, mapping ``ID
  number`` (or the e-mail) to the user field of the same name.

Every file is written to a temporary file beside its target and renamed into place, so a file
is complete or absent, never half written.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crmlab.exercises.students import identify
from crmlab.safety import neutralise

__all__ = [
    "LatePolicy",
    "Override",
    "atomic_write",
    "columns",
    "read_gradebook",
    "read_overrides",
    "write_exports",
    "write_gradebook",
]

GradeRow = dict[str, Any]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def columns(qids: Sequence[str]) -> list[str]:
    """The full gradebook's columns for questions ``qids``."""
    return [
        "student_id",
        "name",
        "login",
        "section",
        "file",
        *qids,
        *(f"{q} points" for q in qids),
        "score",
        "total",
        "late",
        "note",
        "sandbox",
    ]


def _number(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}" if math.isfinite(x) else ""
    return str(x)


def _csv(header: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: neutralise(_number(v)) if isinstance(v, (str, float)) else v
                for k, v in row.items()
            }
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_gradebook(path: Path, rows: Sequence[GradeRow], qids: Sequence[str]) -> None:
    """Write the full gradebook (see the module docstring)."""
    atomic_write(path, _csv(columns(qids), rows))


def read_gradebook(path: Path, qids: Sequence[str]) -> list[GradeRow]:
    """The rows of a gradebook this module wrote (for a regrade with ``--only``).

    Raises
    ------
    ValueError
        No such file, or its columns are not those of this exercise set's gradebook.
    """
    if not path.is_file():
        raise ValueError(f"--only needs the existing gradebook {path}; grade the class first.")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    if header != columns(qids):
        raise ValueError(
            f"{path} is not a gradebook of this exercise set (columns {header[:6]}...); "
            "give the --out of the run being updated."
        )
    return rows


def write_exports(
    out: Path, formats: Sequence[str], rows: Sequence[GradeRow], assignment: str
) -> list[Path]:
    """Write the LMS exports named in ``formats`` beside ``out``; return their paths."""
    written = []
    stem = out.with_suffix("")
    for fmt in formats:
        target = stem.with_name(f"{stem.name}_{fmt}.csv")
        if fmt == "canvas":
            header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]
            table = [
                {
                    "Student": r["name"],
                    "ID": r["student_id"] if identify(r["file"]).source == "canvas" else "",
                    "SIS User ID": r["student_id"]
                    if identify(r["file"]).source != "canvas"
                    else "",
                    "SIS Login ID": r.get("login", ""),
                    "Section": r.get("section", ""),
                    assignment: r["score"],
                }
                for r in rows
            ]
        elif fmt == "moodle":
            header = ["ID number", "Full name", "Email address", assignment, "Feedback"]
            table = [
                {
                    "ID number": r["student_id"],
                    "Full name": r["name"],
                    "Email address": r.get("login", "") if "@" in r.get("login", "") else "",
                    assignment: r["score"],
                    "Feedback": r["note"],
                }
                for r in rows
            ]
        else:
            continue
        atomic_write(target, _csv(header, table))
        written.append(target)
    return written


# --------------------------------------------------------------------------------------------
# overrides and late penalties
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    """An instructor's mark for one student's question: replaces the computed points."""

    student: str
    question: str
    points: float
    comment: str


def read_overrides(path: str | os.PathLike, maximum: dict[str, float]) -> list[Override]:
    """Read an overrides CSV: ``student`` (id, name or file), ``question``, ``points``, ``comment``.

    Raises
    ------
    ValueError
        No such file, a missing column, an unknown question or points outside 0..the
        question's points (naming the line).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--overrides {path}: no such file.")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = [h.strip().casefold() for h in reader.fieldnames or []]
    needed = ["student", "question", "points"]
    if any(c not in header for c in needed):
        raise ValueError(
            f"--overrides {path}: needs the columns student, question, points (and comment); "
            f"it has {reader.fieldnames}."
        )
    found = []
    for n, raw in enumerate(rows, start=2):
        row = {k.strip().casefold(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        q = row["question"]
        if q not in maximum:
            raise ValueError(
                f"--overrides {path}, line {n}: unknown question {q!r}; known: {sorted(maximum)}."
            )
        if row["points"] == "":  # a line of the written-answer sheet not marked yet
            continue
        try:
            points = float(row["points"])
        except ValueError:
            points = float("nan")
        if not (0 <= points <= maximum[q]):
            raise ValueError(
                f"--overrides {path}, line {n}: points {row['points']!r} for {q} must lie in "
                f"0..{maximum[q]:g}."
            )
        found.append(Override(row["student"], q, points, row.get("comment", "")))
    return found


_PENALTY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*(/\s*day)?\s*$")


@dataclass(frozen=True)
class LatePolicy:
    """A deadline and the penalty for a late submission.

    Parameters
    ----------
    deadline : datetime
        Local time, e.g. ``datetime(2026, 12, 20, 23, 59)``.
    penalty : str
        ``"10%/day"`` (per started day late) or ``"20%"`` (flat), of the points earned;
        ``"0%"`` only flags late files.
    """

    deadline: datetime
    penalty: str = "0%"

    def __post_init__(self) -> None:
        m = _PENALTY.match(self.penalty)
        if not m or float(m[1]) > 100:
            raise ValueError(
                f"--late-penalty must look like '10%/day' or '20%' (at most 100%), got "
                f"{self.penalty!r}."
            )

    @classmethod
    def parse(cls, deadline: str, penalty: str = "0%") -> LatePolicy:
        """From the command line's ``--deadline 2026-12-20T23:59`` and ``--late-penalty``."""
        try:
            when = datetime.fromisoformat(deadline.strip())
        except ValueError:
            raise ValueError(
                f"--deadline must be a date and time like 2026-12-20T23:59, got {deadline!r}."
            ) from None
        return cls(when.replace(tzinfo=None), penalty)

    def days_late(self, submitted: datetime | None) -> float:
        """Days after the deadline (0 when on time or unknown)."""
        if submitted is None or submitted <= self.deadline:
            return 0.0
        return (submitted - self.deadline).total_seconds() / 86400

    def factor(self, days: float) -> float:
        """Share of the points kept after ``days`` late."""
        if days <= 0:
            return 1.0
        m = _PENALTY.match(self.penalty)
        assert m is not None
        rate = float(m[1]) / 100
        lost = rate * math.ceil(days) if m[2] else rate
        return max(0.0, 1.0 - lost)
