"""Grading time for a class: 30 generated submissions of exercise set 05, default jobs.

The submissions are made from the solution notebook of set 05 (seeded): 16 correct (some with
answers rounded as the questions state), 12 with one to three typical mistakes (percent for a
fraction, wrong sign, a fraction for percent, an answer off by 5%), and 2 hostile ones (one kills
its parent process; one deletes every notebook within reach and leaves a detached process
behind). They are graded with ``crmlab.exercises.grading.grade`` and the default number of jobs.

Anchor, measured in the same run: executing the solution notebook once with papermill
(``crmlab.runner.run_notebooks``, no sandbox, no judging). The ratio says what grading one
submission costs compared with simply running it, given the jobs in parallel.

Run: ``.venv/bin/python benchmarks/bench_grading.py`` (CRMLAB_DATA pointing at the data mirror).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "exercises" / "solutions" / "05_probabilistic_clv.ipynb"
QIDS = ["q1", "q2", "q3", "q4", "q5"]
WRONG = {  # typical mistakes, written on the answer the solution computed
    "q1": "answer + 1",
    "q2": "answer * 100",
    "q3": "answer * 1.05",
    "q4": "answer * 1.05",
    "q5": "-answer",
}
ROUNDED = {"q1": "round(answer, 2)", "q2": "round(answer, 2)", "q5": "round(answer, 1)"}


def _check_cell(nb, qid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if f"ex.{qid}.check(" in c.source)


def _submission(rng: random.Random, kind: str):
    nb = nbformat.read(SOLUTION, as_version=4)
    if kind == "wrong":
        for qid in rng.sample(QIDS, rng.randint(1, 3)):
            cell = nb.cells[_check_cell(nb, qid)]
            cell.source = cell.source.replace(
                f"ex.{qid}.check(answer)", f"ex.{qid}.check({WRONG[qid]})"
            )
    elif kind == "rounded":
        for qid, expr in ROUNDED.items():
            cell = nb.cells[_check_cell(nb, qid)]
            cell.source = cell.source.replace(f"ex.{qid}.check(answer)", f"ex.{qid}.check({expr})")
    elif kind == "kill_parent":
        at = _check_cell(nb, "q2") + 1
        nb.cells.insert(
            at,
            nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"),
        )
    elif kind == "sabotage":
        code = (
            "import glob, os, subprocess\n"
            "for p in glob.glob('*.ipynb') + glob.glob('../*.ipynb') + glob.glob('../../*/*.ipynb'):\n"
            "    os.remove(p)\n"
            "subprocess.Popen(['sleep', '600'], start_new_session=True)"
        )
        nb.cells.insert(_check_cell(nb, "q1"), nbformat.v4.new_code_cell(code))
    return nb


def main() -> None:
    from crmlab.exercises.grading import grade
    from crmlab.runner import run_notebooks

    rng = random.Random(5)
    kinds = ["correct"] * 10 + ["rounded"] * 6 + ["wrong"] * 12 + ["kill_parent", "sabotage"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for i, kind in enumerate(kinds):
            nbformat.write(_submission(rng, kind), folder / f"student{i:02d}_{kind}.ipynb")

        start = time.perf_counter()
        (anchor,) = run_notebooks([SOLUTION], Path(tmp) / "anchor", progress=False)
        anchor_seconds = time.perf_counter() - start
        assert anchor.ok, anchor.problem

        start = time.perf_counter()
        rows = grade(folder, "05", Path(tmp) / "grades.csv", progress=False)
        seconds = time.perf_counter() - start

    jobs = len(os.sched_getaffinity(0))
    scores = [r["score"] for r in rows]
    per_submission = seconds * jobs / len(rows)
    print(f"graded {len(rows)} submissions of set 05 with {jobs} jobs in {seconds:.1f} s")
    print(f"  scores: {sorted(scores)}")
    print(f"  anchor (one papermill run of the solution, no sandbox): {anchor_seconds:.1f} s")
    print(
        f"  grading cost per submission (x jobs): {per_submission:.1f} s = "
        f"{per_submission / anchor_seconds:.2f} x the anchor"
    )
    hostile = [r for r in rows if "kill_parent" in r["file"] or "sabotage" in r["file"]]
    for r in hostile:
        print(f"  {r['file']}: score {r['score']}, note: {r['note'] or '-'}")


if __name__ == "__main__":
    main()
