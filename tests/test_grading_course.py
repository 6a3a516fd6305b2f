"""A course an instructor can run: a generated class of 30 submissions of set 04, graded once.

The class (``_class()``) has correct work, each question's first known mistake, partial credit
(12%/12, a fraction rounded too far), errors in the middle of a notebook, written answers,
late files, Canvas / Moodle / plain file names (a Moodle folder, an upper-case extension, a
Chinese name with a space), a file not on the roster, an empty file, the student version, a
text file and an archive. It is graded in one command (``crmlab grade`` with a roster, Canvas
and Moodle exports, a deadline with a late penalty, an overrides file that also marks written
answers, Chinese feedback); each row's statuses and score are asserted as an instructor would
give them. Then one student's fixed notebook is regraded with ``--only``: only that row and
that feedback change.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import nbformat
import pytest

from crmlab.cli import main
from crmlab.exercises.grading import questions_for
from crmlab.exercises.report import feedback_name

from conftest import requires_sandbox

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.xdist_group("grading-course"),
    requires_sandbox(),
]

QUESTIONS = {q.qid: q for q in questions_for("04")}
QIDS = list(QUESTIONS)  # q1..q5 judged, q6 written
POINTS = {q: QUESTIONS[q].points for q in QIDS}  # q5 is worth 2, the others 1: 7 in all
DEADLINE = datetime(2026, 12, 20, 23, 59)
WHY = "A quarter gives customers three months to come back, a month only one."

# per student: the file, what differs from a correct notebook, the statuses and score expected
C, W, P, E, N = "correct", "incorrect", "partial", "error", "not attempted"
TBM = "to be marked"


@cache
def _ref() -> dict:
    """The reference answers (computed here, at first use: not when the file is collected)."""
    return {q: QUESTIONS[q]._reference() for q in QIDS if QUESTIONS[q].judged}


def _mistake(qid: str, k: int = 0):
    return QUESTIONS[qid].mistakes[k].example(_ref()[qid])


def _student(i: int) -> tuple[str, str]:
    names = ["Zhang Wei", "Li Na", "Wang Fang", "Liu Yang", "Chen Jie", "Alice Martin"]
    return f"{1001 + i}", f"{names[i % len(names)]} {i:02d}"


def _canvas(i: int, late: bool = False) -> str:
    sid, name = _student(i)
    login = "".join(reversed(name.lower().split()[:2]))
    return f"{login}{i:02d}_{'LATE_' if late else ''}{sid}_{70000 + i}_hw04.ipynb"


@cache
def _class() -> list[dict]:
    """The 30 students (see the module docstring)."""
    return [
        *({"file": _canvas(i), "id": i, "expect": [C] * 5 + [TBM], "score": 6} for i in range(4)),
        {"file": _canvas(4), "id": 4, "rounded": True, "expect": [C] * 5 + [C], "score": 7},
        {"file": _canvas(5), "id": 5, "rounded": True, "expect": [C] * 5 + [P], "score": 6.5},
        *(  # each question's first known mistake
            {
                "file": _canvas(6 + k),
                "id": 6 + k,
                "answers": {q: _mistake(q)},
                "expect": [W if x == q else C for x in QIDS[:5]] + [TBM],
                "score": 6 - POINTS[q],
                "mistake": q,
            }
            for k, q in enumerate(QIDS[:5])
        ),
        {
            "file": _canvas(11),
            "id": 11,
            "answers": {"q2": _mistake("q2", 1)},  # 12%/12
            "expect": [C, P, C, C, C, TBM],
            "score": 5.5,
        },
        {
            "file": _canvas(12),
            "id": 12,
            "answers": {"q4": round(_ref()["q4"], 2)},  # 0.23
            "expect": [C, C, C, P, C, TBM],
            "score": 5.5,
        },
        {
            "file": _canvas(13),
            "id": 13,
            "broken": "q3",  # NameError in q3's cell
            "expect": [C, C, E, C, C, TBM],
            "score": 5,
            "note": "NameError",
        },
        {
            "file": _canvas(14),
            "id": 14,
            "setup_error": "q2",  # a failing cell before q2
            "expect": [C] * 5 + [TBM],
            "score": 6,
            "note": "ZeroDivisionError",
        },
        {"file": _canvas(15), "id": 15, "late_hours": 1, "expect": [C] * 5 + [TBM], "score": 5.4},
        {
            "file": _canvas(16, late=True),
            "id": 16,
            "late_hours": 50,
            "expect": [C] * 5 + [TBM],
            "score": 4.2,
        },
        {"file": _canvas(17), "id": 17, "student_version": True, "expect": [N] * 6, "score": 0},
        {"file": _canvas(18), "id": 18, "empty": True, "expect": [E] * 6, "score": 0},
        {"file": _canvas(19), "id": 19, "why": "", "expect": [C] * 5 + [N], "score": 6},
        {
            "file": _canvas(20),
            "id": 20,
            "answers": {"q1": "2328"},  # text, not a number
            "expect": [W, C, C, C, C, TBM],
            "score": 5,
        },
        *(  # the same unrecognised wrong value, twice
            {
                "file": _canvas(i),
                "id": i,
                "answers": {"q3": 123.0},
                "expect": [C, C, W, C, C, TBM],
                "score": 5,
            }
            for i in (21, 22)
        ),
        {
            "file": _canvas(23),
            "id": 23,
            "answers": {"q5": _mistake("q5", 1)},  # overridden
            "expect": [C, C, C, C, W, TBM],
            "score": 5,
            "note": "q5: 1 points by the instructor",
        },
        {
            "file": f"{_student(24)[1]}_555024_assignsubmission_file_/hw04.ipynb",
            "id": 24,
            "expect": [C] * 5 + [TBM],
            "score": 6,
        },  # Moodle folder, matched by name
        {
            "file": f"{_student(25)[1]}_555025_assignsubmission_file_hw04.ipynb",
            "id": 25,
            "expect": [C] * 5 + [TBM],
            "score": 6,
        },  # Moodle file
        {
            "file": f"NoSpaces_{_student(26)[0]}.IPYNB",
            "id": 26,
            "expect": [C] * 5 + [TBM],
            "score": 6,
        },  # plain name_id, upper-case extension
        {"file": f"王 芳_{_student(27)[0]}.ipynb", "id": 27, "expect": [C] * 5 + [TBM], "score": 6},
        {"file": "stranger_99999_1_hw04.ipynb", "id": None, "expect": [C] * 5 + [TBM], "score": 6},
        {
            "file": _canvas(29),
            "id": 29,
            "answers": {"q1": 2300.0},  # rounded too far: no credit
            "expect": [W, C, C, C, C, TBM],
            "score": 5,
        },
    ]


def _notebook(spec: dict):
    cells = [nbformat.v4.new_code_cell("from crmlab.exercises import lesson04 as ex")]
    for qid in QIDS[:5]:
        q = QUESTIONS[qid]
        value = spec.get("answers", {}).get(qid, _ref()[qid])
        if spec.get("rounded") and qid not in spec.get("answers", {}):
            value = q.precision.round(value)
        source = f"answer = {value!r}\nex.{qid}.check(answer)"
        if spec.get("student_version"):
            source = f"answer = ...\nex.{qid}.check(answer)"
        if spec.get("broken") == qid:
            source = f"answer = undefined_name\nex.{qid}.check(answer)"
        if spec.get("setup_error") == qid:
            cells.append(nbformat.v4.new_code_cell("1 / 0"))
        cells.append(nbformat.v4.new_code_cell(source))
    why = "_Write your answer here._" if spec.get("student_version") else spec.get("why", WHY)
    cells.append(nbformat.v4.new_markdown_cell("## Question 6"))
    cells.append(nbformat.v4.new_markdown_cell(f"**Your answer (q6):**\n\n{why}"))
    return nbformat.v4.new_notebook(cells=cells)


def _write_class(folder: Path) -> None:
    assert len(_class()) == 30
    for spec in _class():
        path = folder / spec["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        if spec.get("empty"):
            path.write_bytes(b"")
        else:
            nbformat.write(_notebook(spec), path)
        when = DEADLINE + timedelta(hours=spec.get("late_hours", -24))
        os.utime(path, (when.timestamp(), when.timestamp()))
    (folder / "readme.txt").write_text("not a notebook")
    (folder / "all.zip").write_bytes(b"PK\x03\x04")


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("course")
    folder = base / "submissions"
    folder.mkdir()
    _write_class(folder)
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ID", "Name", "Email", "Section"])
        for i in range(31):
            sid, name = _student(i)
            writer.writerow([sid, name, f"s{sid}@uni.example", "A" if i % 2 else "B"])
    overrides = base / "marks.csv"
    with open(overrides, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "question", "points", "comment"])
        writer.writerow([_student(23)[0], "q5", "1", "accepted: a later as-of date"])
        writer.writerow([_student(4)[0], "q6", "1", "clear"])
        writer.writerow([_student(5)[0], "q6", "0.5", "only half the reason"])
    out = base / "out" / "grades.csv"
    args = ["grade", str(folder), "--exercise", "04", "--out", str(out), "--roster", str(roster)]
    args += ["--format", "canvas", "--format", "moodle", "--overrides", str(overrides)]
    args += ["--deadline", DEADLINE.isoformat(), "--late-penalty", "10%/day", "--jobs", "2"]
    args += ["--language", "zh", "--timeout", "30", "--no-setup-check"]  # checked elsewhere
    assert main(args) == 0
    first = {p.name: p.read_bytes() for p in (out.parent / "grades_feedback").iterdir()}
    gradebook = _read(out)
    # The NameError student fixes q3 and is regraded alone.
    fixed = dict(_class()[13], broken=None)
    nbformat.write(_notebook(fixed), folder / fixed["file"])
    assert main([*args, "--only", fixed["file"]]) == 0
    return {
        "base": base,
        "out": out,
        "rows": gradebook,
        "after": _read(out),
        "feedback": first,
        "feedback_after": {
            p.name: p.read_bytes() for p in (out.parent / "grades_feedback").iterdir()
        },
    }


def _by_file(rows: list[dict]) -> dict[str, dict]:
    return {r["file"]: r for r in rows}


def test_every_row_is_scored_as_an_instructor_would(course):
    rows = _by_file(course["rows"])
    assert len(rows) == 30
    for spec in _class():
        row = rows[spec["file"]]
        assert [row[q] for q in QIDS] == spec["expect"], spec["file"]
        assert float(row["score"]) == pytest.approx(spec["score"]), spec["file"]
        assert float(row["total"]) == 7
        if "note" in spec:
            assert spec["note"] in row["note"], (spec["file"], row["note"])
        if spec["id"] is not None:  # matched against the roster: its id and name
            assert (row["student_id"], row["name"]) == _student(spec["id"]), spec["file"]


def test_points_partial_credit_late_and_notes(course):
    rows = _by_file(course["rows"])
    partial = rows[_class()[11]["file"]]
    assert (partial["q2 points"], partial["q5 points"]) == ("0.5", "2")
    late = rows[_class()[16]["file"]]
    assert late["late"].startswith("2.08 days") and "10%/day penalty, 6 -> 4.2" in late["note"]
    assert rows[_class()[13]["file"]]["note"] == (
        "NameError: name 'undefined_name' is not defined (in q3's cell)"
    )
    assert "(in a cell before q2's check)" in rows[_class()[14]["file"]]["note"]


def test_lms_exports_and_spreadsheet_encoding(course):
    raw = course["out"].read_bytes()
    assert raw.startswith("\ufeff".encode()) and "王 芳".encode() in raw
    canvas = _read(course["out"].with_name("grades_canvas.csv"))
    assert list(canvas[0]) == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Exercise set 04",
    ]
    first = next(r for r in canvas if r["Student"] == _student(0)[1])
    assert (first["ID"], first["Exercise set 04"], first["SIS Login ID"]) == (
        "1001",
        "6",
        "s1001@uni.example",
    )
    moodle = _read(course["out"].with_name("grades_moodle.csv"))
    assert list(moodle[0]) == [
        "ID number",
        "Full name",
        "Email address",
        "Exercise set 04",
        "Feedback",
    ]
    assert len(canvas) == len(moodle) == 30


def test_summary_names_students_unknown_values_and_the_folder(course):
    summary = (course["out"].parent / "grades_summary.md").read_text(encoding="utf-8")
    q3 = summary.split("## q3")[1].split("## q4")[0]
    hint = QUESTIONS["q3"].mistakes[0].hint
    assert f"| 1 | {hint} | {_student(8)[1]} (1009) |" in q3
    assert "- `123.0` — 2 student(s)" in q3
    assert "Did not run (1, not counted above):" in summary
    assert "skipped all.zip: an archive" in summary and "skipped readme.txt" in summary
    assert "not on the roster: stranger_99999_1_hw04.ipynb" in summary
    assert f"no submission from {_student(28)[1]} (1029)" in summary
    assert f"no submission from {_student(30)[1]} (1031)" in summary


def test_written_answers_are_exported_for_marking(course):
    folder = course["out"].parent / "grades_written"
    text = (folder / "q6.md").read_text(encoding="utf-8")
    assert text.count(WHY) == 27 and "*(no answer)*" in text  # 3 wrote nothing
    sheet = _read(folder / "marking_sheet.csv")
    assert len(sheet) == 27 and {r["question"] for r in sheet} == {"q6"}


def test_feedback_is_in_chinese_and_one_line_for_a_file_that_never_ran(course):
    feedback = course["feedback"]
    text = feedback[feedback_name(_class()[11]["file"])].decode()
    assert "得分：**5.5 / 7**" in text and "部分正确 partial" in text
    assert str(_ref()["q2"])[:5] not in text  # never the reference
    empty = feedback[feedback_name(_class()[18]["file"])].decode().strip().splitlines()
    assert len(empty) == 3 and empty[2].startswith("你的笔记本无法运行")


def test_regrading_one_student_changes_only_that_student(course):
    before, after = _by_file(course["rows"]), _by_file(course["after"])
    fixed = _class()[13]["file"]
    assert [after[fixed][q] for q in QIDS] == [C] * 5 + [TBM] and after[fixed]["score"] == "6"
    assert [r["file"] for r in course["after"]] == [r["file"] for r in course["rows"]]
    assert {f: r for f, r in after.items() if f != fixed} == {
        f: r for f, r in before.items() if f != fixed
    }
    changed = {
        name
        for name, data in course["feedback_after"].items()
        if course["feedback"].get(name) != data
    }
    assert changed == {feedback_name(fixed)}
