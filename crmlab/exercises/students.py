"""Who handed in a file: student identity from LMS file names, matched against a roster.

Learning management systems name the files they hand back in a fixed pattern:

- **Canvas** (``Download Submissions``): ``smithjohn_12345_67890_hw05.ipynb`` — the student's
  name (lower case, no spaces), optionally ``LATE``, the Canvas user id, the submission id, the
  file name the student uploaded: ``smithjohn_LATE_12345_67890_hw05.ipynb``;
- **Moodle** (``Download all submissions``): ``John Smith_12345_assignsubmission_file_hw05.ipynb``
  — full name, participant id; or the same as a folder holding the student's file;
- **plain**: ``name_id.ipynb`` where the id contains a digit (``alice_s1234567.ipynb``).

A file that matches none keeps its name as the student name and no id. With a roster CSV
(:class:`Roster`: an id column and a name column, optionally login/email and section) every
file is matched by id first, then by name (case, accents of spacing and word order ignored), and
the roster's id and name go into the gradebook; unmatched files and students without a
submission are listed.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Identity", "Roster", "identify"]

_CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:(?P<late>LATE)_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<orig>.*)$")
_MOODLE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<orig>.*)$"
)
_PLAIN = re.compile(r"^(?P<name>.*[^_\d][^_]*)_(?P<id>[A-Za-z]*\d[A-Za-z0-9-]*)$")
_ID_COLUMNS = ("id", "student_id", "student id", "sis user id", "id number", "idnumber", "学号")
_NAME_COLUMNS = ("name", "full name", "student", "student name", "姓名")
_LOGIN_COLUMNS = ("login", "sis login id", "email", "email address", "username")
_SECTION_COLUMNS = ("section", "group", "班级")


@dataclass(frozen=True)
class Identity:
    """Who a file belongs to, as far as its name (and the roster) say.

    Attributes
    ----------
    student_id : str
        The LMS or roster id ("" when unknown).
    name : str
        The student's name (from the roster when matched, else from the file name).
    source : str
        "canvas", "moodle", "plain" or "file" (the pattern the file name matched).
    marked_late : bool
        The LMS marked the file late (Canvas's ``LATE``).
    login : str
        Login or e-mail from the roster ("" when unknown).
    section : str
        Section from the roster ("" when unknown).
    matched : bool or None
        Matched against the roster (None without a roster).
    """

    student_id: str
    name: str
    source: str
    marked_late: bool = False
    login: str = ""
    section: str = ""
    matched: bool | None = None


def identify(relative: str) -> Identity:
    """The identity a file name (or its Moodle folder) states, without a roster.

    Parameters
    ----------
    relative : str
        The file's path relative to the submissions folder (``folder/file.ipynb`` for Moodle's
        one-folder-per-student download).
    """
    parts = Path(relative).parts
    candidates = [parts[0]] if len(parts) > 1 else []
    candidates.append(Path(parts[-1]).stem)
    for text in candidates:
        if m := _MOODLE.match(text):
            return Identity(m["id"], m["name"].strip(), "moodle")
    stem = Path(parts[-1]).stem
    if m := _CANVAS.match(stem):
        return Identity(m["id"], m["name"], "canvas", marked_late=bool(m["late"]))
    if m := _PLAIN.match(stem):
        return Identity(m["id"], m["name"], "plain")
    return Identity("", stem, "file")


def _key(name: str) -> str:
    """A name for matching: no accents, case, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalnum())


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    for column in header:
        if column.strip().casefold() in names:
            return column
    return None


@dataclass
class Roster:
    """The students of a course, read from a CSV file with an id and a name column.

    Parameters
    ----------
    path : path
        CSV (UTF-8, with or without BOM). The id column is one of ``id``, ``student_id``,
        ``SIS User ID``, ``ID number``, ``学号``; the name column one of ``name``, ``full name``,
        ``student``, ``姓名``; ``login``/``email`` and ``section`` are optional.

    Raises
    ------
    ValueError
        No such file, no id or name column, an empty or duplicated id (naming the row).
    """

    path: str | os.PathLike
    students: list[dict[str, str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        path = Path(self.path)
        if not path.is_file():
            raise ValueError(f"--roster {path}: no such file; give the course's roster CSV.")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        id_col, name_col = _column(header, _ID_COLUMNS), _column(header, _NAME_COLUMNS)
        if id_col is None or name_col is None:
            raise ValueError(
                f"--roster {path}: needs an id column ({', '.join(_ID_COLUMNS)}) and a name "
                f"column ({', '.join(_NAME_COLUMNS)}); it has {header}."
            )
        login_col, section_col = _column(header, _LOGIN_COLUMNS), _column(header, _SECTION_COLUMNS)
        seen: set[str] = set()
        for n, row in enumerate(rows, start=2):
            sid = (row.get(id_col) or "").strip()
            if not sid or sid in seen:
                problem = "an empty id" if not sid else f"the id {sid!r} a second time"
                raise ValueError(
                    f"--roster {path}, line {n}: {problem}; every student needs one id."
                )
            seen.add(sid)
            self.students.append(
                {
                    "id": sid,
                    "name": (row.get(name_col) or "").strip(),
                    "login": (row.get(login_col) or "").strip() if login_col else "",
                    "section": (row.get(section_col) or "").strip() if section_col else "",
                }
            )

    def match(self, identity: Identity) -> Identity:
        """``identity`` completed from the roster (``matched`` True), or marked unmatched."""
        by_id = {s["id"]: s for s in self.students}
        student = by_id.get(identity.student_id) if identity.student_id else None
        if student is None:
            wanted = _key(identity.name)
            for s in self.students:
                words = s["name"].replace(",", " ").split()
                keys = {_key(s["name"]), _key("".join(words[::-1])), _key(s["login"].split("@")[0])}
                if wanted and wanted in keys:
                    student = s
                    break
        if student is None:
            return Identity(
                identity.student_id,
                identity.name,
                identity.source,
                identity.marked_late,
                matched=False,
            )
        return Identity(
            student["id"],
            student["name"],
            identity.source,
            identity.marked_late,
            student["login"],
            student["section"],
            matched=True,
        )

    def missing(self, ids: set[str]) -> list[dict[str, str]]:
        """The roster's students whose id is not in ``ids`` (no submission)."""
        return [s for s in self.students if s["id"] not in ids]
