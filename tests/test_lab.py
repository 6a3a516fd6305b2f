"""Lessons and exercises side by side in JupyterLab, with figures even under MPLBACKEND=Agg."""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ROOT


def test_make_lab_roots_lab_at_the_repository_and_opens_the_lessons():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "no lab target in the Makefile"
    command = recipe.group(1).replace("\\\n", " ")
    assert "jupyter lab" in command and "--ServerApp.root_dir=." in command
    assert "default_url=/lab/tree/notebooks" in command, "Lab should open on the lessons"
    assert "MPLBACKEND=module://matplotlib_inline.backend_inline" in command


@pytest.mark.parametrize(
    "path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem
)
def test_lesson_asks_for_inline_figures_first(path):
    nb = nbformat.read(path, as_version=4)
    first = next(
        c
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    )
    assert first.source.startswith("%matplotlib inline"), first.source[:80]


@pytest.mark.slow
def test_executed_lessons_keep_figures_when_the_shell_sets_agg(tmp_path, monkeypatch):
    from crmlab.cli import main

    monkeypatch.setenv("MPLBACKEND", "Agg")
    lesson = tmp_path / "01_plot.ipynb"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"
            )
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lesson)
    assert main(["lessons", "--out", str(tmp_path / "out"), "--no-html", str(lesson)]) == 0
    done = nbformat.read(tmp_path / "out" / lesson.name, as_version=4)
    assert any("image/png" in o.get("data", {}) for o in done.cells[0].outputs), done.cells[
        0
    ].outputs
