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
a file that is not a notebook; and the attacks on the grading machine (issue 22), graded with two
jobs: hijacking other kernels, persisting into later runs through HOME, changing the package's
references, destroying the gradebook, a file name that is not UTF-8, symbolic links (to a secret
file and to a classmate), asking the package for the answers. The eighth (a hard ``ulimit -v``
below the memory limit) has its own test. Every submission runs in a bubblewrap sandbox; without
one these tests are skipped (``apt-get install bubblewrap``).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from crmlab.cli import main
from crmlab.exercises import ANSWER_MIME
from crmlab.exercises.authoring import render_exercise
from crmlab.exercises.gradebook import columns as gradebook_columns
from crmlab.exercises.grading import grade, neutralise, question_ids, questions_for
from crmlab.exercises.report import feedback_name

from conftest import ROOT, requires_sandbox

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.xdist_group("grading"),
    requires_sandbox(),
]
PACKAGE = ROOT / "crmlab"
GRADER_HOME = Path.home()
PERSIST = GRADER_HOME / ".ipython" / "profile_default" / "startup" / f"00-crm-{os.getpid()}.py"
SECRET = f"TOPSECRET-{os.getpid()}-do-not-show"

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
    subs.update(_machine_attacks())
    return subs


_HIJACK = """
import glob, json, os, re, time
from jupyter_client import BlockingKernelClient
from jupyter_core.paths import jupyter_runtime_dir
def connection_files(cmd):
    return set(re.findall(r'-f\\x00([^\\x00]+\\.json)', cmd))
mine = connection_files(open('/proc/self/cmdline', 'rb').read().decode(errors='replace'))
hit = set()
end = time.time() + 8
while time.time() < end:
    files = set(glob.glob(jupyter_runtime_dir() + '/kernel-*.json'))
    files |= set(glob.glob(HOME + '/.local/share/jupyter/runtime/*.json'))
    files |= set(glob.glob('/tmp/**/*.json', recursive=True))
    for p in glob.glob('/proc/[0-9]*/cmdline'):
        try:
            cmd = open(p, 'rb').read().decode(errors='replace')
        except OSError:
            continue
        files |= connection_files(cmd)
    for f in files - hit - mine:
        try:
            c = BlockingKernelClient(connection_file=f)
            c.load_connection_file()
            c.start_channels()
            c.execute(PATCH)
            hit.add(f)
        except Exception:
            pass
    time.sleep(0.2)
"""
_PERSIST = """
import os
for home in (os.path.expanduser('~'), HOME):
    d = os.path.join(home, '.ipython/profile_default/startup')
    try:
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, NAME), 'w').write(PATCH)
    except OSError:
        pass
"""
_TAMPER = """
import glob
targets = [ex.__file__, PACKAGE + '/exercises/lesson01.py']
targets += glob.glob(PACKAGE + '/**/*.py', recursive=True)[:3]
for t in targets:
    try:
        open(t, 'a').write('\\n# tampered\\n')
    except OSError:
        pass
"""
_DESTROY = """
import glob, os, shutil
for p in glob.glob('/tmp/**/grades*', recursive=True) + glob.glob(HOME + '/**/grades*.csv'):
    shutil.rmtree(p, ignore_errors=True)
    try:
        os.remove(p)
    except OSError:
        pass
for p in OUT_PATHS:
    try:
        shutil.rmtree(os.path.dirname(p), ignore_errors=True)
        os.makedirs(p, exist_ok=True)
    except OSError:
        pass
"""


_PEEK = """
import glob, os
found = glob.glob(os.path.dirname(PACKAGE) + '/exercises/**/*.ipynb', recursive=True)
found += glob.glob(HOME + '/**/*.ipynb', recursive=True) + glob.glob('/tmp/**/*.ipynb', recursive=True)
found += [  # any notebook but those shipped inside packages
    p for p in glob.glob('/work/**/*.ipynb', recursive=True)
    if '/site-packages/' not in p and not p.startswith(PACKAGE + '/')
]
assert not found, found[:3]
"""


def _machine_attacks() -> dict:
    """Issue 22's attacks on the machine the grader runs on (the file-name ones: ``graded``)."""
    patch = "import crmlab.exercises.questions as Q\nQ.Question.check = lambda self, a: None"
    known = (
        f"HOME = {str(GRADER_HOME)!r}\nPATCH = {patch!r}\nPACKAGE = {str(PACKAGE)!r}\n"
        f"NAME = {PERSIST.name!r}"
    )
    subs = {
        "hijack": _after("light", "q1", known, _HIJACK),  # other kernels: find and patch them
        "persist": _after("light", "q1", known, _PERSIST),  # a startup file for later kernels
        "tamper": _after("light", "q1", known, _TAMPER),  # change the package's references
        "destroy": _after("light", "q1", known, _DESTROY),  # the gradebook: delete, put a folder
        "peek": _after("light", "q1", known, _PEEK),  # the solutions, the grader's notebooks
    }
    for n in (1, 2):  # honest and slow: they run while the hijacker looks for kernels
        subs[f"hijack_victim{n}"] = _after("light", None)
        subs[f"hijack_victim{n}"].cells.insert(1, _code("import time\ntime.sleep(4)"))
    nb = _load("light")  # ask the package for the answers
    real = str(PACKAGE / "exercises" / "lesson01.py")
    cells = {
        "q1": "ex.q1.check(ex.q1.reference())",
        "q2": "ex.q2.solution()\nex.q2.check(ex.q2.expected())",
        "q3": "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('real', {real!r})\n"
        "real = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(real)\n"
        "ex.q3.check(real.q3.expected())",
        "q4": "import glob\n"
        f"pyc = glob.glob({str(PACKAGE)!r} + '/exercises/__pycache__/lesson01*.pyc')\n"
        "ex.q4.check(sum(len(open(p, 'rb').read()) for p in pyc))",
        "q5": "from crmlab.exercises import lesson01\nex.q5.check(lesson01._referral())",
    }
    for qid, source in cells.items():
        nb.cells[_check_cell(nb, qid)].source = source
    subs["answers"] = nb
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


def _package_digest() -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(PACKAGE.rglob("*.py"))
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    folder = base / "submissions"
    folder.mkdir()
    out = base / "out" / "grades.csv"
    out_paths = [str(out), str(out.parent / "grades_feedback" / "solution.md")]
    for name, nb in _corpus().items():
        if name == "destroy":
            nb.cells.insert(1, _code(f"OUT_PATHS = {out_paths!r}"))
        nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / "invalid.ipynb").write_text("this is not JSON")
    (folder / "notes.txt").write_text("not a notebook name: skipped, and listed")
    light = nbformat.writes(_load("light")).encode()
    (folder / os.fsdecode(b"M\xfcller.ipynb")).write_bytes(light)  # a name that is not UTF-8
    (folder / "twin.ipynb").write_bytes(light)  # identical to it: flagged
    secret = base / "secret.txt"
    secret.write_text(SECRET)
    (folder / "evil.ipynb").symlink_to(secret)
    (folder / "copycat.ipynb").symlink_to(folder / "solution.ipynb")
    before, package_before = _digest(folder), _package_digest()
    home_before = PERSIST.exists()
    # The sandboxes live in this test's own folder, so the sabotage submission's relative paths
    # ('../../*/*.ipynb', '../../../classmate.ipynb') cannot reach other tests' files.
    sandboxes = base / "sandboxes" / "tmp"
    sandboxes.mkdir(parents=True)
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(sandboxes)
    console = io.StringIO()
    try:
        with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
            rows = grade(folder, "01", out, timeout=TIMEOUT, jobs=2, progress=True)
    finally:
        persisted = PERSIST.exists() and not home_before
        if persisted:  # never leave it behind for later runs, even when the test fails
            PERSIST.unlink()
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
        "console": console.getvalue(),
        "package": (package_before, _package_digest()),
        "persisted": persisted,
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
        ("sys_exit", ALL_CORRECT, "SystemExit: 0 (in a cell before q2's check)"),
        ("os_exit", ["correct"] * 2 + ["error"] * 3, "the kernel exited (status 3)"),
        ("killed_kernel", ["correct"] + ["error"] * 4, "the kernel was killed (SIGKILL)"),
        ("kill_parent", ["correct"] + ["error"] * 4, "process running this submission was killed"),
        ("memory", ALL_CORRECT, "MemoryError: the memory limit (4096 MiB) was reached"),
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


def test_a_failing_cell_stops_nothing_and_is_named_by_question(graded):
    row = graded["rows"]["=HYPERLINK(1)"]
    assert _statuses(row) == ALL_CORRECT  # the run goes on after the error
    assert row["note"] == '=HYPERLINK("http://x.example"): x (in a cell before q3\'s check)'


def test_deleted_and_reordered_cells_are_matched_by_question_id(graded):
    row = graded["rows"]["reordered"]
    assert _statuses(row) == ["correct", "correct", "not attempted", "incorrect", "correct"]
    assert (row["score"], row["note"]) == (3, "")


def test_gradebook_csv_is_safe_for_spreadsheets(graded):
    with open(graded["out"], newline="", encoding="utf-8-sig") as fh:
        table = list(csv.DictReader(fh))
    header = list(table[0])
    assert header == gradebook_columns(QIDS)  # the file has the layout the module defines
    # ... and that layout has one status and one points column per question, in order,
    # after the student's identity and before the totals.
    statuses = [header.index(q) for q in QIDS]
    points = [header.index(f"{q} points") for q in QIDS]
    assert statuses == sorted(statuses) and max(statuses) < min(points)
    assert header.index("student_id") < min(statuses) and max(points) < header.index("score")
    assert {"name", "login", "section", "file", "total", "late", "note", "sandbox"} <= set(header)
    assert {r["sandbox"] for r in table} == {"bubblewrap"}
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
    files = [r["file"] for r in graded["rows"].values()]
    assert sorted(p.name for p in feedback.glob("*.md")) == sorted(map(feedback_name, files))
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


def test_the_machine_attacks_change_nothing(graded):
    rows = graded["rows"]
    for name in (
        "solution",
        "rounded",
        "twin",
        "M\\xfcller",
        "hijack_victim1",
        "hijack_victim2",
        "hijack",
        "persist",
        "tamper",
        "destroy",
        "peek",
    ):
        assert (_statuses(rows[name]), rows[name]["note"]) == (ALL_CORRECT, ""), name
    before, after = graded["package"]
    assert after == before  # no file of the package changed
    assert not graded["persisted"]  # nothing in the grader's HOME for later runs
    assert graded["out"].is_file()  # the gradebook, its feedback and summary are intact
    assert (graded["out"].parent / "grades_feedback" / "solution.md").is_file()


def test_symlinks_are_refused_and_nothing_of_their_target_is_shown(graded):
    for name in ("evil", "copycat"):  # to a secret file, to a classmate's notebook
        row = graded["rows"][name]
        assert _statuses(row) == ["error"] * 5
        assert row["note"].startswith("not a regular file (a symbolic link)")
    out = graded["out"].parent
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    assert texts and not any(SECRET in t for t in [*texts, graded["console"]])


def test_odd_names_duplicates_and_skipped_files_are_reported(graded):
    summary = (graded["out"].parent / "grades_summary.md").read_text(encoding="utf-8")
    for text in (summary, graded["console"]):
        assert "identical submissions (same sha256): M\\xfcller.ipynb, twin.ipynb" in text
        assert "skipped notes.txt: not a notebook" in text
    assert "! evil.ipynb: not a regular file" in graded["console"]


def test_the_package_reveals_no_answer_in_a_graded_run(graded):
    row = graded["rows"]["answers"]  # reference(), solution(), expected, the file, the helpers
    assert _statuses(row) == ["error", "error", "error", "incorrect", "error"]
    assert "RuntimeError: q1.reference() is not available" in row["note"]


def test_a_hard_memory_limit_below_the_request_is_used_and_said(tmp_path):
    """Under ``ulimit -v 3000000`` a 4096 MiB request is lowered, and perfect work stays perfect."""
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(_load("light"), folder / "perfect.ipynb")
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3000000 * 1024, 3000000 * 1024))\n"
        "from crmlab.cli import main\n"
        f"sys.exit(main(['grade', {str(folder)!r}, '--exercise', '01', '--out', "
        f"{str(tmp_path / 'g.csv')!r}, '--jobs', '1']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "memory limit lowered from 4096 to 2929 MiB" in done.stdout
    with open(tmp_path / "g.csv", newline="", encoding="utf-8-sig") as fh:
        (row,) = csv.DictReader(fh)
    assert [row[q] for q in QIDS] == ALL_CORRECT and row["score"] == "5"


def test_a_setup_that_fails_the_solution_stops_before_the_class(tmp_path, capsys):
    """Too little memory for the solution notebook: a clear error, nobody graded, nothing written."""
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(_load("light"), folder / "perfect.ipynb")
    out = tmp_path / "out" / "grades.csv"
    args = ["grade", str(folder), "--exercise", "01", "--out", str(out), "--memory", "200"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "the solution notebook 01_relationship_marketing.ipynb does not score full marks" in err
    assert "Raise --memory or --timeout" in err and not out.parent.exists()


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
        (["--out", "/proc/x.csv"], "not a place for files"),
        (["--late-penalty", "10%/day"], "needs a --deadline"),
        (["--deadline", "friday"], "like 2026-12-20T23:59"),
        (["--roster", "{folder}/none.csv"], "no such file"),
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
    solution, student = grade(
        tmp_path, name[:2], None, timeout=120, progress=False, check_setup=False
    )
    questions = questions_for(name[:2])
    full = ["correct" if q.judged else "to be marked" for q in questions]  # written: by hand
    assert solution["note"] == "" and student["note"] == ""
    assert [solution[q.qid] for q in questions] == full
    assert [student[q.qid] for q in questions] == ["not attempted"] * len(questions)
