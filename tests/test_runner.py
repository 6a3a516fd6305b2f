"""Executing notebooks (times, failing cell, timeout, HTML) and how notebooks are stored."""

from __future__ import annotations

import nbformat
import pytest

from crmlab.book.lesson_html import write_lesson_html
from crmlab.cli import main
from crmlab.runner import KERNELSPEC, check_notebook_structure, run_notebooks

from conftest import ROOT

pytestmark = pytest.mark.xdist_group("runner")  # share the tiny notebooks on one worker


def _notebook(path, cells, *, parameters="n = 1", kernel=KERNELSPEC, tags=None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(kernel)
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    for source in cells:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    for index, tag in (tags or {}).items():
        nb.cells[index].metadata["tags"] = [tag]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "data.txt").write_text("42")
    _notebook(folder / "good.ipynb", ["print(n * int(open('data.txt').read()))"])
    _notebook(folder / "bad.ipynb", ["x = 1", "1 / 0", "print('never')"])
    _notebook(folder / "slow.ipynb", ["import time", "time.sleep(60)"])
    return folder


@pytest.mark.notebooks
def test_run_notebooks_reports_times_failures_and_timeouts(tiny, tmp_path):
    paths = [tiny / "good.ipynb", tiny / "bad.ipynb", tiny / "slow.ipynb"]
    good, bad, slow = run_notebooks(
        paths,
        tmp_path / "out",
        parameters={"n": 2},
        timeout=8,
        progress=False,
        render=write_lesson_html,
    )
    assert good.ok and good.problem == "" and 0 < good.seconds < 8
    executed = nbformat.read(good.output, as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "84\n"  # parameter injected, cwd = folder
    assert good.html.read_text().count("84") >= 1
    assert "<style" in good.html.read_text()  # CSS inline: readable without the web

    assert not bad.ok and (bad.cell_index, bad.ename) == (2, "ZeroDivisionError")
    assert bad.problem == "cell 2: ZeroDivisionError: division by zero"
    assert bad.output.exists()

    assert not slow.ok and slow.timed_out and slow.cell_index == 2
    assert 8 <= slow.seconds < 30


def test_run_notebooks_argument_errors(tiny, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such notebook"):
        run_notebooks([tiny / "missing.ipynb"], tmp_path)
    (tmp_path / "a").mkdir()
    copy = _notebook(tmp_path / "a" / "good.ipynb", ["1"])
    with pytest.raises(ValueError, match="would overwrite each other"):
        run_notebooks([tiny / "good.ipynb", copy], tmp_path)
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="timeout must be positive, finite"):
            run_notebooks([copy], tmp_path, timeout=bad)


@pytest.mark.notebooks
def test_lessons_command_prints_a_table_and_fails_on_error(tiny, tmp_path, capsys):
    status = main(["lessons", "--out", str(tmp_path), "--no-html", str(tiny / "bad.ipynb")])
    out = capsys.readouterr().out
    assert status == 1
    assert "bad.ipynb" in out and "cell 2: ZeroDivisionError" in out
    assert "0/1 ran without error" in out
    assert not list(tmp_path.glob("*.html"))


def test_structure_problems_are_each_reported(tmp_path):
    path = _notebook(
        tmp_path / "x.ipynb",
        ["1 / 0", "print(1)"],
        parameters=None,
        kernel={"name": "conda-env-crm", "display_name": "crm", "language": "python"},
        tags={0: "raises-exception"},
    )
    nb = nbformat.read(path, 4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[1].execution_count = 1
    nbformat.write(nb, path)
    problems = "\n".join(check_notebook_structure(path))
    assert "kernelspec is 'conda-env-crm', not 'python3'" in problems
    assert "cell 1 store outputs" in problems
    assert "cell 1 store execution counts" in problems
    assert "no cell is tagged 'parameters'" in problems
    assert "cell 0 tagged 'raises-exception'" in problems
    (tmp_path / "broken.ipynb").write_text("{")
    assert check_notebook_structure(tmp_path / "broken.ipynb")[0].startswith("not a readable")
    assert main(["check-notebooks", str(path)]) == 1


COMMITTED = sorted([*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "exercises").rglob("*.ipynb")])


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_notebook_is_stored_clean(path):
    assert check_notebook_structure(path) == []
