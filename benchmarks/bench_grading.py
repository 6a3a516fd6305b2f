"""Grading time for a class with and without the bubblewrap sandbox: 30 submissions of set 05.

The submissions are made from the solution notebook of set 05 (seeded): 16 correct (some with
answers rounded as the questions state), 12 with one to three typical mistakes (percent for a
fraction, wrong sign, a fraction for percent, an answer off by 5%), and 2 hostile ones (one kills
its parent process; one deletes every notebook within reach and leaves a detached process
behind).

Measured in one run, default jobs, no setup check: the 28 honest submissions graded with the
sandbox (each in its own ``bwrap``) and without it (``trusted_submissions=True``, the anchor);
the ratio of the two is what the sandbox costs per submission (goal: under 1.20). The two
hostile ones are then graded with the sandbox only, and their notes printed.

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


def _timed(folder: Path, out: Path, trusted: bool) -> tuple[float, list]:
    from crmlab.exercises.grading import grade

    start = time.perf_counter()
    rows = grade(folder, "05", out, progress=False, trusted_submissions=trusted, check_setup=False)
    return time.perf_counter() - start, rows


def main() -> None:
    rng = random.Random(5)
    kinds = ["correct"] * 10 + ["rounded"] * 6 + ["wrong"] * 12 + ["kill_parent", "sabotage"]
    with tempfile.TemporaryDirectory() as tmp:
        honest, hostile = Path(tmp) / "a" / "b" / "honest", Path(tmp) / "hostile"
        honest.mkdir(parents=True)
        hostile.mkdir()
        for i, kind in enumerate(kinds):
            folder = hostile if kind in ("kill_parent", "sabotage") else honest
            nbformat.write(_submission(rng, kind), folder / f"student{i:02d}_{kind}.ipynb")
        plain, plain_rows = _timed(honest, Path(tmp) / "plain.csv", trusted=True)
        boxed, boxed_rows = _timed(honest, Path(tmp) / "boxed.csv", trusted=False)
        _, hostile_rows = _timed(hostile, Path(tmp) / "hostile.csv", trusted=False)

    n = len(boxed_rows)
    jobs = len(os.sched_getaffinity(0))
    same = [r["score"] for r in boxed_rows] == [r["score"] for r in plain_rows]
    print(f"{n} honest submissions of set 05, {jobs} jobs:")
    print(f"  without sandbox (anchor): {plain:.1f} s = {plain * jobs / n:.2f} s per submission")
    print(f"  with bubblewrap sandbox : {boxed:.1f} s = {boxed * jobs / n:.2f} s per submission")
    print(f"  sandbox / anchor: {boxed / plain:.2f} (goal < 1.20); same scores: {same}")
    print(f"  scores: {sorted(r['score'] for r in boxed_rows)}")
    for r in hostile_rows:
        print(f"  {r['file']}: score {r['score']}, note: {r['note'] or '-'}")


if __name__ == "__main__":
    main()
