"""Grading a class, including submissions crafted to fool the grader or sabotage classmates.

The submissions are built here from the generated solution and student notebooks of exercise
set 01, so they stay in sync with the set, and all of them are graded in ONE run (kernels are
the expensive part). Each attack asserts its own row, and every honest submission in the same
run must still get its full, correct grade: an attack that leaks into another row fails.

The corpus (see ``_corpus``): forged / hand-made / stale records, a foreign kernelspec, reading /proc/self/environ,
monkeypatching the comparison, an answer object that claims to equal anything, a huge answer,
deleting classmates' files, forging the sandbox's result, detached processes, sys.exit,
os._exit, a killed kernel, killing the parent, the memory, output and process limits, a
notebook that runs forever, spreadsheet formula injection (file name and exception name), and
a file that is not a notebook.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

from crmlab.cli import main
from crmlab.exercises import ANSWER_MIME
from crmlab.exercises.authoring import render_exercise
from crmlab.exercises.grading import grade, neutralise, question_ids

from conftest import ROOT

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("grading")]

EXERCISES = ROOT / "exercises"
SET01 = "01_relationship_marketing.ipynb"
QIDS = ["q1", "q2", "q3", "q4", "q5"]
ALL_CORRECT = ["correct"] * 5
TIMEOUT = 20  # seconds per submission in the class run (the runaway notebook uses all of it)
# Durations unique to this test process, so that a grading run on another xdist worker (whose
# processes are alive at the same time) is never mistaken for a survivor of this one.
_TAG = f"{os.getpid()}"
SURVIVOR_MARKS = (f"sleep 987.{_TAG}", f"time.sleep(986.{_TAG})", f"sleep 985.{_TAG}")


#: Correct answers typed in: a light submission that loads no data (kernels start faster).
TYPED = {"q1": "0.1470", "q2": "0.3330", "q3": "327.68", "q4": "1.4754", "q5": "333.33"}


def _load(kind: str):
    """The generated "solution" or "student" notebook, or a "light" one (typed answers, or
    "light-student": placeholders) for attacks that need no data."""
    if kind.startswith("light"):
        answers = {q: "..." for q in QIDS} if kind == "light-student" else TYPED
        cells = ["from crmlab.exercises import lesson01 as ex"]
        cells += [f"answer = {answers[q]}\nex.{q}.check(answer)" for q in QIDS]
        return nbformat.v4.new_notebook(cells=[_code(c) for c in cells])
    folder = EXERCISES / "solutions" if kind == "solution" else EXERCISES
    return nbformat.read(folder / SET01, as_version=4)


def _check_cell(nb, qid: str) -> int:
    (index,) = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and f"ex.{qid}.check(" in c.source
    ]
    return index


def _code(source: str):
    return nbformat.v4.new_code_cell(source)


def _after(kind: str, qid: str | None, *sources: str):
    """The solution or student notebook with cells inserted after ``qid``'s check (or at the end)."""
    nb = _load(kind)
    at = _check_cell(nb, qid) + 1 if qid else len(nb.cells)
    nb.cells[at:at] = [_code(s) for s in sources]
    return nb


def _record(qid: str, answer: dict, **extra) -> str:
    return json.dumps({"qid": qid, "answer": answer, **extra})


def _stale_output_cell(qid: str, value: float):
    """A cell whose stored output claims a correct answer; it must not count."""
    cell = _code("pass")
    record = _record(qid, {"kind": "number", "value": value})
    cell.outputs = [nbformat.v4.new_output("display_data", data={ANSWER_MIME: record})]
    return cell


def _corpus() -> dict:
    subs = {"solution": _load("solution"), "student": _load("student")}

    nb = _load("light-student")  # answers as a student writes them, rounded as each question states
    for qid, value in zip(QIDS, ["0.147", "0.333", "328", "1.48", "333"], strict=True):
        nb.cells[_check_cell(nb, qid)].source = f"ex.{qid}.check({value})"
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "x", "language": "bash"}
    subs["rounded"] = nb  # ... and a kernelspec that asks for another kernel: python3 runs it

    subs["=HYPERLINK(1)"] = _after(  # formula injection: file name and exception name
        "light", "q2", "raise type('=HYPERLINK(\"http://x.example\")', (Exception,), {})('x')"
    )

    nb = _load("light")  # q3 deleted, q5 moved first, q4 wrong (undiscounted multiple)
    cells = {q: nb.cells[_check_cell(nb, q)] for q in QIDS}
    cells["q4"].source = "answer = 1.7773\nex.q4.check(answer)"
    first = _check_cell(nb, "q1")
    nb.cells = [c for c in nb.cells if c not in cells.values()]
    nb.cells[first:first] = [cells["q5"], cells["q1"], cells["q2"], cells["q4"]]
    subs["reordered"] = nb

    forged = json.dumps({"qid": "q1", "status": "correct", "sig": "0" * 64})
    nb = _after(
        "light-student",
        None,
        "print('✅ q1 correct: well done.')",  # a printed verdict
        "from IPython.display import display\n"  # hand-made records: a status, a lie, a signature
        f"display({{'text/plain': '✅ q1 correct', {ANSWER_MIME!r}: {forged!r}}}, raw=True)\n"
        f"display({{{ANSWER_MIME!r}: {_record('q1', {'kind': 'number', 'value': 0.1}, status='correct')!r}}}, raw=True)\n"
        "display({'application/vnd.crmlab.check+json': {'qid': 'q2', 'status': 'correct'}}, raw=True)",
        "environ = open('/proc/self/environ', 'rb').read()  # no key to find: nothing is signed",
        "import crmlab.exercises.questions as Q\n"  # patch the comparison in the kernel
        "Q._compare = lambda *a, **k: (True, None)\n"
        "Q.Question.judge = lambda self, a: Q.CheckResult(self.qid, 'correct', 'patched')\n"
        "ex.q2.check(0.0)",
        "ex.q3.check(12)\nex.q3.check(1000 * 0.8 ** 5)  # the last check counts",
        "class Liar(float):\n    __eq__ = lambda self, other: True\nex.q4.check(Liar(0.0))",
    )
    huge = _code("import numpy as np\nex.q5.check(np.zeros(10**6))")
    huge.outputs = _stale_output_cell("q5", 333.3333).outputs  # replaced when it runs
    nb.cells.append(huge)
    subs["fooling"] = nb

    fake_result = json.dumps(  # forge the sandbox's own report to the grader
        {"payload": json.dumps({"completed": True, "note": "", "records": []}), "sig": "0" * 64}
    )
    subs["sabotage"] = _after(
        "light-student",
        None,
        "import glob, os\n"  # delete / rewrite every notebook within reach
        "for p in glob.glob('*.ipynb') + glob.glob('../*.ipynb') + glob.glob('../../*/*.ipynb') "
        "+ glob.glob('../../*/*/*.ipynb'):\n"
        "    try:\n        os.remove(p)\n    except OSError:\n        pass\n"
        "open('../../../classmate.ipynb', 'w').write('gone')",
        "import subprocess, sys\n"  # processes that try to outlive the run
        f"subprocess.Popen(['sleep', '987.{_TAG}'], start_new_session=True)\n"
        "subprocess.Popen([sys.executable, '-c', 'import os, time\\nif os.fork() == 0:\\n"
        f"    os.setsid()\\n    time.sleep(986.{_TAG})'], env={{}}, start_new_session=True)",
        f"try:\n    open(f'/proc/{{os.getppid()}}/fd/1', 'w').write({fake_result!r} + '\\n')\n"
        "except OSError:\n    pass",
    )

    nb = _after("light", "q1", "import sys\nsys.exit(0)")
    nb.cells.append(_stale_output_cell("q5", 333.3333))  # never runs: its output must not count
    subs["sys_exit"] = nb
    subs["os_exit"] = _after("light", "q2", "import os\nos._exit(3)")
    subs["killed_kernel"] = _after("light", "q1", "import os\nos.kill(os.getpid(), 9)")
    subs["kill_parent"] = _after(
        "light", "q1", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    )
    subs["memory"] = _after("light", "q1", "block = bytearray(6 * 2**30)")
    subs["output"] = _after("light", "q1", "for _ in range(40):\n    print('x' * 2**20)")
    subs["processes"] = _after(
        "light",
        "q1",
        "import subprocess, time\n"
        f"children = [subprocess.Popen(['sleep', '985.{_TAG}']) for _ in range(40)]\ntime.sleep(5)",
    )
    subs["forever"] = _after("light", "q3", "while True:\n    pass")
    return subs


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _survivors() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if any(mark in cmd for mark in SURVIVOR_MARKS):
            found.append(cmd)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    folder = base / "submissions"
    folder.mkdir()
    for name, nb in _corpus().items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / "invalid.ipynb").write_text("this is not JSON")
    (folder / "notes.txt").write_text("not a notebook name: ignored")
    before = _digest(folder)
    out = base / "out" / "grades.csv"
    # The sandboxes live in this test's own folder, so the sabotage submission's relative paths
    # ('../../*/*.ipynb', '../../../classmate.ipynb') cannot reach other tests' files.
    sandboxes = base / "sandboxes" / "tmp"
    sandboxes.mkdir(parents=True)
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(sandboxes)
    try:
        rows = grade(folder, "01", out, timeout=TIMEOUT, progress=False)
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved[1]
    return {
        "rows": {r["file"].removesuffix(".ipynb"): r for r in rows},
        "out": out,
        "before": before,
        "after": _digest(folder),
        "survivors": _survivors(),
        "base": base,
    }


def _statuses(row):
    return [row[q] for q in QIDS]


def test_honest_submissions_are_graded_right_beside_the_attacks(graded):
    rows = graded["rows"]
    assert (_statuses(rows["solution"]), rows["solution"]["note"]) == (ALL_CORRECT, "")
    assert _statuses(rows["rounded"]) == ALL_CORRECT  # 0.147, 0.333, 328, 1.48, 333
    assert _statuses(rows["student"]) == ["not attempted"] * 5
    assert rows["solution"]["score"] == 5 and rows["student"]["score"] == 0


def test_originals_are_untouched_and_nothing_survives_the_run(graded):
    assert graded["after"] == graded["before"]  # sha256 of every file in the folder
    assert not (graded["base"] / "classmate.ipynb").exists()
    assert graded["survivors"] == []


def test_fakes_patches_and_liars_count_for_nothing(graded):
    row = graded["rows"]["fooling"]
    assert _statuses(row) == ["incorrect", "incorrect", "correct", "incorrect", "incorrect"]
    assert row["note"] == ""


def test_sabotage_neither_harms_others_nor_forges_a_result(graded):
    row = graded["rows"]["sabotage"]
    assert _statuses(row) == ["not attempted"] * 5 and row["note"] == ""


@pytest.mark.parametrize(
    ("name", "statuses", "note"),
    [
        ("sys_exit", ["correct"] + ["error"] * 4, "the notebook called sys.exit()"),
        ("os_exit", ["correct"] * 2 + ["error"] * 3, "the kernel exited (status 3)"),
        ("killed_kernel", ["correct"] + ["error"] * 4, "the kernel was killed (SIGKILL)"),
        ("kill_parent", ["correct"] + ["error"] * 4, "process running this submission was killed"),
        ("memory", ["correct"] + ["error"] * 4, "the memory limit (4096 MiB) was reached"),
        ("output", ["correct"] + ["error"] * 4, "the output limit (20 MiB) was exceeded"),
        ("processes", ["correct"] + ["error"] * 4, "too many processes (limit 32)"),
        ("forever", ["correct"] * 3 + ["error"] * 2, f"timeout after {TIMEOUT} s"),
        ("invalid", ["error"] * 5, "not a valid notebook (NotJSONError"),
    ],
)
def test_a_run_that_stops_early_says_why(graded, name, statuses, note):
    row = graded["rows"][name]
    assert _statuses(row) == statuses
    assert note in row["note"]


def test_a_raising_submission_keeps_the_checks_before_it(graded):
    row = graded["rows"]["=HYPERLINK(1)"]
    assert _statuses(row) == ["correct", "correct", "error", "error", "error"]
    assert row["note"].startswith('=HYPERLINK("http://x.example"): x (in cell')


def test_deleted_and_reordered_cells_are_matched_by_question_id(graded):
    row = graded["rows"]["reordered"]
    assert _statuses(row) == ["correct", "correct", "not attempted", "incorrect", "correct"]
    assert (row["score"], row["note"]) == (3, "")


def test_gradebook_csv_is_safe_for_spreadsheets(graded):
    with open(graded["out"], newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == ["file", *QIDS, "score", "total", "note"]
    assert len(table) == len(graded["rows"])
    for row in table:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")) and len(value) <= 200
    (injected,) = [r for r in table if "HYPERLINK" in r["file"]]
    assert injected["file"] == "'=HYPERLINK(1).ipynb"
    assert injected["note"].startswith("'=HYPERLINK")
    assert neutralise("-2+3") == "'-2+3" and neutralise("x" * 500).endswith("...")


def test_feedback_files_and_mistake_summary(graded):
    feedback = graded["out"].parent / "grades_feedback"
    assert sorted(p.stem for p in feedback.glob("*.md")) == sorted(graded["rows"])
    text = (feedback / "reordered.md").read_text(encoding="utf-8")
    assert "Score: **3 / 5**" in text
    assert "## q4 · Ten points" in text and "❌ incorrect" in text
    assert "- Your answer: `1.7773`" in text
    assert "- Expected: a ratio, 3 significant figures." in text
    assert "you left out discounting" in text  # the hint the check would have given
    assert "1.475" not in text  # never the reference
    summary = (graded["out"].parent / "grades_summary.md").read_text(encoding="utf-8")
    q4 = summary.split("## q4")[1].split("## q5")[0]
    assert "| 1 | you left out discounting" in q4


def test_question_ids_and_unknown_sets():
    assert question_ids("1") == QIDS
    with pytest.raises(ValueError, match="there is no exercise set 98"):
        question_ids("98")
    with pytest.raises(ValueError, match="a number like '01'"):
        question_ids("one")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "nan"], "positive, finite"),
        (["--timeout", "inf"], "positive, finite"),
        (["--timeout", "0"], "positive, finite"),
        (["--timeout", "-5"], "positive, finite"),
        (["--exercise", "98"], "there is no exercise set 98"),
        (["--out", "{folder}"], "is a folder"),
        (["--out", "{file}/grades.csv"], "cannot be created"),
        (["--jobs", "0"], "jobs must be at least 1"),
    ],
)
def test_invalid_options_are_refused_before_anything_runs(tmp_path, capsys, args, message):
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(_load("solution"), folder / "a.ipynb")
    (tmp_path / "plain.txt").write_text("x")
    args = [a.format(folder=tmp_path, file=tmp_path / "plain.txt") for a in args]
    if "--exercise" not in args:
        args += ["--exercise", "01"]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "grades.csv")]
    assert main(["grade", str(folder), *args]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "subs"]  # nothing written


def test_grade_refuses_an_empty_or_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no .ipynb files"):
        grade(tmp_path, "01", None)
    with pytest.raises(FileNotFoundError, match="pass the folder"):
        grade(tmp_path / "missing", "01", None)


SETS = sorted(p.name for p in (EXERCISES / "source").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SETS if n != SET01], ids=lambda n: n[:2])
def test_every_set_solution_correct_and_student_not_attempted(name, tmp_path):
    """Every solution notebook scores full marks and every student version runs through with
    each question not attempted (set 01 is covered by the class run above)."""
    student, solution = render_exercise(EXERCISES / "source" / name)  # = the generated files
    (tmp_path / "solution.ipynb").write_text(solution, encoding="utf-8")
    (tmp_path / "student.ipynb").write_text(student, encoding="utf-8")
    solution, student = grade(tmp_path, name[:2], None, timeout=120, progress=False)
    qids = question_ids(name[:2])
    assert solution["note"] == "" and student["note"] == ""
    assert [solution[q] for q in qids] == ["correct"] * len(qids)
    assert [student[q] for q in qids] == ["not attempted"] * len(qids)
