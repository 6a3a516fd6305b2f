"""The parts of grading that need no kernel: folders, names, rosters, penalties, the gradebook.

Also: without a sandbox the grader refuses (and says how to install bubblewrap), the assessed
module a graded run sees, partial credit, written answers, and hand-outs of chosen sets.
"""

from __future__ import annotations

import os
from datetime import datetime

import nbformat
import pytest

from crmlab.cli import main
from crmlab.exercises import Mistake, Precision, Question
from crmlab.exercises.assessed import stub_source
from crmlab.exercises.authoring import build_students
from crmlab.exercises.gradebook import (
    LatePolicy,
    atomic_write,
    columns,
    read_overrides,
    write_gradebook,
)
from crmlab.exercises.grading import grade, where
from crmlab.exercises.students import Identity, Roster, identify
from crmlab.exercises.submissions import collect
from crmlab.exercises.written import WrittenQuestion, written_answers

from conftest import ROOT, make_question


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("smithjohn_12345_67890_hw.ipynb", ("12345", "smithjohn", "canvas", False)),
        ("smithjohn_LATE_12345_67890_hw_1.ipynb", ("12345", "smithjohn", "canvas", True)),
        ("John Smith_4411_assignsubmission_file_hw.ipynb", ("4411", "John Smith", "moodle", False)),
        ("Li Na_4412_assignsubmission_file_/x.ipynb", ("4412", "Li Na", "moodle", False)),
        ("张伟_s1234567.ipynb", ("s1234567", "张伟", "plain", False)),
        ("student00_correct.ipynb", ("", "student00_correct", "file", False)),
    ],
)
def test_identity_from_lms_file_names(relative, expected):
    ident = identify(relative)
    assert (ident.student_id, ident.name, ident.source, ident.marked_late) == expected


def test_roster_matches_by_id_then_name_and_lists_the_missing(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "\ufeffID,Name,Email\n1,Wei Zhang,w@x\n2,José Núñez,j@x\n3,No Show,n@x\n", "utf-8"
    )
    roster = Roster(path)
    assert roster.match(identify("zhangwei_1_9_hw.ipynb")).name == "Wei Zhang"
    assert roster.match(Identity("", "Jose Nunez", "file")).student_id == "2"  # accents, order
    assert roster.match(Identity("", "nunezjose", "canvas")).student_id == "2"
    assert roster.match(Identity("77", "stranger", "plain")).matched is False
    assert [s["id"] for s in roster.missing({"1", "2"})] == ["3"]
    (tmp_path / "bad.csv").write_text("ID,Name\n1,a\n1,b\n")
    with pytest.raises(ValueError, match="line 3: the id '1' a second time"):
        Roster(tmp_path / "bad.csv")
    (tmp_path / "cols.csv").write_text("who,what\n1,a\n")
    with pytest.raises(ValueError, match="needs an id column"):
        Roster(tmp_path / "cols.csv")


def test_late_policy_per_day_and_flat():
    per_day = LatePolicy.parse("2026-12-20T23:59", "10%/day")
    assert per_day.days_late(datetime(2026, 12, 20, 23, 0)) == 0
    days = per_day.days_late(datetime(2026, 12, 22, 1, 0))
    assert days == pytest.approx(1 + 61 / 60 / 24) and per_day.factor(days) == pytest.approx(0.8)
    assert LatePolicy.parse("2026-12-20", "20%").factor(3.5) == pytest.approx(0.8)
    assert LatePolicy.parse("2026-12-20", "60%/day").factor(2.5) == 0
    with pytest.raises(ValueError, match="like '10%/day'"):
        LatePolicy.parse("2026-12-20", "ten")
    with pytest.raises(ValueError, match="like 2026-12-20T23:59"):
        LatePolicy.parse("next friday")


def test_overrides_are_checked_line_by_line(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("student,question,points,comment\nalice,q1,0.5,ok\nbob,q2,,\n")
    (o,) = read_overrides(path, {"q1": 1.0, "q2": 2.0})  # bob's line is not marked yet
    assert (o.student, o.question, o.points, o.comment) == ("alice", "q1", 0.5, "ok")
    path.write_text("student,question,points\nalice,q9,1\n")
    with pytest.raises(ValueError, match="line 2: unknown question 'q9'"):
        read_overrides(path, {"q1": 1.0})
    path.write_text("student,question,points\nalice,q1,3\n")
    with pytest.raises(ValueError, match="points '3' for q1 must lie in 0..1"):
        read_overrides(path, {"q1": 1.0})


def test_the_folder_every_file_graded_or_skipped_links_never_followed(tmp_path):
    folder = tmp_path / "subs"
    (folder / "Li Na_4412_assignsubmission_file_").mkdir(parents=True)
    nb = nbformat.writes(nbformat.v4.new_notebook()).encode()
    (folder / "Li Na_4412_assignsubmission_file_" / "hw.ipynb").write_bytes(nb)
    (folder / "ALICE.IPYNB").write_bytes(nb)
    (folder / os.fsdecode(b"M\xfcller.ipynb")).write_bytes(nb)
    (folder / "notes.txt").write_text("x")
    (folder / "all.zip").write_bytes(b"PK")
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(nb)
    (folder / "link.ipynb").symlink_to(secret)
    (folder / "linked_dir").symlink_to(tmp_path)
    os.mkfifo(folder / "pipe.ipynb")
    subs, skipped = collect(folder)
    by_file = {s.file: s for s in subs}
    assert sorted(by_file) == [
        "ALICE.IPYNB",
        "Li Na_4412_assignsubmission_file_/hw.ipynb",
        "M\\xfcller.ipynb",
        "link.ipynb",
        "pipe.ipynb",
    ]
    assert by_file["link.ipynb"].data is None and by_file["link.ipynb"].sha256 == ""
    assert by_file["link.ipynb"].note.startswith("not a regular file (a symbolic link)")
    assert by_file["pipe.ipynb"].note.startswith("not a regular file (a named pipe)")
    assert by_file["ALICE.IPYNB"].sha256 == by_file["M\\xfcller.ipynb"].sha256
    assert by_file["Li Na_4412_assignsubmission_file_/hw.ipynb"].identity.student_id == "4412"
    assert {s.file: s.reason.split(":")[0].split(";")[0] for s in skipped} == {
        "all.zip": "an archive",
        "linked_dir": "a symbolic link to a folder",
        "notes.txt": "not a notebook (only .ipynb files are graded)",
    }


def test_gradebook_is_written_whole_with_a_bom(tmp_path):
    path = tmp_path / "g.csv"
    row = {c: "" for c in columns(["q1"])} | {"file": "=cmd.ipynb", "name": "王芳", "score": 1.5}
    write_gradebook(path, [row], ["q1"])
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and "王芳".encode() in data
    assert b"'=cmd.ipynb" in data and b",1.5," in data
    path.unlink()
    path.mkdir()  # a folder where the gradebook goes: an error, and no temporary file left
    with pytest.raises(OSError):
        atomic_write(path, b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["g.csv"]


def test_without_a_sandbox_nothing_is_graded(tmp_path, monkeypatch, capsys):
    import crmlab.exercises.grading as grading

    monkeypatch.setattr(grading, "sandbox_problem", lambda: "bubblewrap is not installed")
    (tmp_path / "a.ipynb").write_bytes(nbformat.writes(nbformat.v4.new_notebook()).encode())
    out = tmp_path / "out" / "grades.csv"
    assert main(["grade", str(tmp_path), "--exercise", "01", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bubblewrap is not installed" in err and "apt-get install bubblewrap" in err
    assert "--trusted-submissions" in err and not out.parent.exists()


@pytest.mark.notebooks
def test_trusted_submissions_say_so_in_every_row(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from crmlab.exercises import lesson01 as ex\nex.q3.check(327.68)"
            )
        ]
    )
    nbformat.write(nb, tmp_path / "a.ipynb")
    (row,) = grade(
        tmp_path, "01", None, progress=False, trusted_submissions=True, check_setup=False
    )
    assert row["sandbox"] == "none (--trusted-submissions)" and row["q3"] == "correct"


def test_where_names_cells_by_question():
    checks = {"q1": 2, "q2": 5}
    assert where(2, checks) == "in q1's cell"
    assert where(4, checks) == "in a cell before q2's check"
    assert where(0, checks) == "in a cell before q1's check"
    assert where(9, checks) == "in a cell after the last check"


def test_partial_credit_for_declared_near_misses():
    q = make_question(
        0.1234,
        precision=Precision(sig=3),
        rounding_credit=0.5,
        mistakes=(Mistake(value=lambda: 0.2, hint="close: an approximation.", credit=0.25),),
    )
    assert (q.evaluate(0.123).status, q.evaluate(0.123).credit) == ("correct", 1.0)
    assert (q.evaluate(0.12).status, q.evaluate(0.12).credit) == ("partial", 0.5)
    assert (q.evaluate(0.2).status, q.evaluate(0.2).credit) == ("partial", 0.25)
    assert (q.evaluate(0.5).status, q.evaluate(0.5).credit) == ("incorrect", 0.0)
    with pytest.raises(ValueError, match="partial credit must lie in"):
        Question(qid="q2", title="t", prompt="p", expected=lambda: 1, rounding_credit=1.0)


def test_the_module_a_graded_run_sees_has_no_answers(monkeypatch, capsys):
    namespace: dict = {}
    exec(stub_source("04"), namespace)  # only constants and record-only questions
    names = {k for k in namespace if not k.startswith("__")}
    assert names == {
        "_json",
        "_record_only",
        "SETTINGS",
        "Q1",
        "Q2",
        "Q3",
        *(f"q{i}" for i in range(1, 7)),
    }
    assert "def " not in stub_source("04") and namespace["q5"].points == 2
    from crmlab.exercises.assessed import lesson04 as handout

    with pytest.raises(RuntimeError, match="not available for an assessed set"):
        handout.q1.reference()
    handout.q1.solution()
    handout.q1.check(2328)
    out = capsys.readouterr().out
    assert "not available" in out and "judged when it is graded" in out and "2328" not in out
    monkeypatch.setenv("CRMLAB_GRADING", "record")
    from crmlab.exercises import lesson01

    with pytest.raises(RuntimeError, match=r"q1.reference\(\) is not available in a graded run"):
        lesson01.q1.reference()


def test_written_answers_are_read_from_the_markdown_cell():
    q = WrittenQuestion(qid="q6", title="Why", prompt="Why?", hints=("h",))
    cells = [
        nbformat.v4.new_markdown_cell("**Your answer (q6):**\n\nBecause a quarter is longer."),
        nbformat.v4.new_markdown_cell("**Your answer (q6):**\n\nsecond copy ignored"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert written_answers(nb, [q]) == {"q6": "Because a quarter is longer."}
    cells[0].source = "**Your answer (q6):**\n\n_Write your answer here._"
    assert written_answers(nbformat.v4.new_notebook(cells=cells[:1]), [q]) == {"q6": ""}
    assert written_answers(nbformat.v4.new_notebook(), [q]) == {"q6": None}


def test_hand_outs_of_chosen_sets_and_assessed_ones(tmp_path):
    written = build_students(tmp_path / "h", ROOT / "exercises", sets=["3", "04"], assessed=["04"])
    assert [p.name[:2] for p in written] == ["03", "04"]
    text = {p.name[:2]: p.read_text(encoding="utf-8") for p in written}
    assert "from crmlab.exercises.assessed import lesson04 as ex" in text["04"]
    assert "from crmlab.exercises import lesson03 as ex" in text["03"]
    with pytest.raises(ValueError, match="no exercise set 42"):
        build_students(tmp_path / "h", ROOT / "exercises", sets=["42"])


def test_grade_help_states_every_default():
    import argparse

    from crmlab.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    actions = sub.choices["grade"]._actions
    options = [a for a in actions if a.option_strings and a.nargs != 0 and a.dest != "exercise"]
    assert len(options) >= 15
    assert all("(default:" in (a.help or "") for a in options), [
        a.dest for a in options if "(default:" not in (a.help or "")
    ]


def test_two_files_of_one_student_and_identical_files_are_flagged(tmp_path):
    from crmlab.exercises.report import _class_lines

    nb = nbformat.writes(nbformat.v4.new_notebook()).encode()
    (tmp_path / "smithjohn_12345_1_hw.ipynb").write_bytes(nb)
    (tmp_path / "smithjohn_12345_2_hw-1.ipynb").write_bytes(nb + b"\n")
    (tmp_path / "twin.ipynb").write_bytes(nb)
    lines = _class_lines(*collect(tmp_path), None)
    assert lines == [
        "identical submissions (same sha256): smithjohn_12345_1_hw.ipynb, twin.ipynb",
        "2 files from student 12345: smithjohn_12345_1_hw.ipynb, smithjohn_12345_2_hw-1.ipynb "
        "(each graded; keep one)",
    ]


@pytest.mark.notebooks
def test_a_gradebook_that_cannot_be_written_costs_nothing_else(tmp_path):
    """Without the sandbox a notebook can put a folder where the gradebook goes (attack 4): the
    feedback and summary are still written, and the run says what is missing."""
    from crmlab.exercises.grading import OutputsIncomplete

    out = tmp_path / "out" / "grades.csv"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import os\nos.makedirs({str(out)!r})")]
    )
    (tmp_path / "subs").mkdir()
    nbformat.write(nb, tmp_path / "subs" / "a.ipynb")
    with pytest.raises(OutputsIncomplete, match="the gradebook .* could not be written"):
        grade(
            tmp_path / "subs",
            "01",
            out,
            progress=False,
            trusted_submissions=True,
            check_setup=False,
        )
    assert (tmp_path / "out" / "grades_feedback" / "a.md").is_file()
    assert (tmp_path / "out" / "grades_summary.md").is_file()


@pytest.mark.notebooks
def test_chinese_feedback_gives_the_chinese_hints(tmp_path):
    """``language="zh"``: a recognised mistake's hint and the fallback verdict in Chinese."""
    from crmlab.exercises import lesson01

    cells = [
        "from crmlab.exercises import lesson01 as ex",
        "ex.q1.check(14.70)",  # a percentage where a fraction is asked
        "ex.q3.check(327.68)",  # correct
        "ex.q4.check(1.7773)",  # the undiscounted multiple
        "ex.q5.check(1.0)",  # wrong, no known mistake
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(nb, tmp_path / "li.ipynb")
    feedback = tmp_path / "feedback"
    (row,) = grade(
        tmp_path,
        "01",
        None,
        feedback_dir=feedback,
        language="zh",
        progress=False,
        trusted_submissions=True,
        check_setup=False,
    )
    assert [row[q] for q in ("q1", "q3", "q4", "q5")] == [
        "incorrect",
        "correct",
        "incorrect",
        "incorrect",
    ]
    text = (feedback / "li.md").read_text(encoding="utf-8")
    percent, undiscounted = lesson01.q1.mistakes[0], lesson01.q4.mistakes[1]
    assert f"- 提示：{percent.hint_zh}" in text and f"- 提示：{undiscounted.hint_zh}" in text
    assert (
        "- 提示：不是预期的答案（in the same money unit as the CLV，3位有效数字）。可以试试" in text
    )
    assert percent.hint not in text and undiscounted.hint not in text
