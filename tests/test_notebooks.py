"""Every lesson executes top to bottom with papermill, quickly, and is stored cleanly."""

from __future__ import annotations

import pytest

from crmlab.runner import check_notebook_structure

from conftest import LESSON_PARAMS, LESSONS, ROOT

#: The design goal is < 10 s per lesson on an idle machine; the test allows for a loaded CI box.
SECONDS_LIMIT = 60


def test_there_are_lessons():
    assert len(LESSONS) >= 1
    numbers = [p.name[:2] for p in LESSONS]
    assert numbers == sorted(set(numbers)), "lesson numbers must be unique"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", LESSON_PARAMS)
def test_lesson_executes(path, executed_lesson):
    assert not check_notebook_structure(path)
    result = executed_lesson(path)  # shared with tests/test_prose_numbers.py
    assert result.ok, result.problem
    assert result.seconds < SECONDS_LIMIT, f"{path.name} took {result.seconds:.1f} s"
    assert result.output is not None and result.output.exists()


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_shape(path):
    """Title with a Chinese name, learning objectives, a summary and a pointer to the exercises."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    first = nb.cells[0].source.splitlines()[0]
    assert first.startswith("# ") and any("\u4e00" <= ch <= "\u9fff" for ch in first), first
    lowered = markdown.lower()
    for heading in ("what you will learn", "summary", "next"):
        assert heading in lowered, f"{path.name} has no '{heading}' section"
    assert f"exercises/{path.name}" in markdown, f"{path.name} does not point to its exercises"
    images = sum(
        "plot" in c.source or "plt." in c.source for c in nb.cells if c.cell_type == "code"
    )
    assert images >= 2, f"{path.name} should show at least two figures"


def test_readme_lists_every_lesson():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# ")
    commands = readme.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make lessons", "make test"]
    for path in LESSONS:
        assert f"notebooks/{path.name}" in readme, f"README does not list {path.name}"
