"""Student and solution versions from one source: placeholders, markers, sync, determinism."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from crmlab.cli import main
from crmlab.exercises.authoring import (
    AuthoringError,
    build_all,
    build_exercise,
    question_markdown,
    render_exercise,
    solution_source,
    student_source,
    sync_prompts,
)

from conftest import ROOT

SOURCES = sorted((ROOT / "exercises" / "source").glob("*.ipynb"))

CELL = """\
x = 1
# BEGIN SOLUTION
days = tx.groupby("c").size()
answer = (days == 1).mean()
# END SOLUTION
ex.q1.check(answer)"""


def test_student_block_becomes_placeholder_for_the_name_used_later():
    out = student_source(CELL)
    assert out == "x = 1\n# your code here\nanswer = ...\nex.q1.check(answer)"


def test_names_used_in_later_cells_also_get_placeholders():
    code = "# BEGIN SOLUTION\nlow, high = 1, 2\nhelper = 3\n# END SOLUTION"
    assert student_source(code, later_code="print(low + high)") == (
        "# your code here\nlow = ...\nhigh = ..."
    )
    # nothing used later: the last name bound is kept, so the student knows what to define
    assert student_source(code).splitlines()[-1] == "helper = ..."


def test_indented_block_keeps_its_indentation():
    code = "if True:\n    # BEGIN SOLUTION\n    answer = 2\n    # END SOLUTION\nprint(answer)"
    assert student_source(code) == "if True:\n    # your code here\n    answer = ...\nprint(answer)"


def test_solution_version_only_drops_the_marker_lines():
    assert solution_source(CELL) == "\n".join(
        line for line in CELL.splitlines() if "SOLUTION" not in line
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("# BEGIN SOLUTION\nanswer = 1", r"cell 7: '# BEGIN SOLUTION' on line 1 is never closed"),
        ("answer = 1\n# END SOLUTION", r"cell 7: '# END SOLUTION' on line 2 has no"),
        (
            "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION",
            r"cell 7: '# BEGIN SOLUTION' on line 2 comes before",
        ),
    ],
)
def test_unbalanced_markers_name_the_cell(code, message):
    with pytest.raises(AuthoringError, match=message):
        student_source(code, where="cell 7")


def _write_source(folder: Path, cells: list, name: str = "99_test.ipynb") -> Path:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    path = folder / "exercises" / "source" / name
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def test_build_strips_outputs_sets_python3_and_is_deterministic(tmp_path):
    cell = nbformat.v4.new_code_cell(CELL, execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", text="old output\n")]
    cell.metadata["tags"] = ["q1"]
    cell.metadata["collapsed"] = True
    source = _write_source(tmp_path, [nbformat.v4.new_markdown_cell("# Title"), cell])

    report = build_exercise(source)
    assert set(report.changed) == {report.student, report.solution}
    assert report.student == tmp_path / "exercises" / "99_test.ipynb"
    assert report.solution == tmp_path / "exercises" / "solutions" / "99_test.ipynb"
    for path in (report.student, report.solution):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.kernelspec.name == "python3"
        code = nb.cells[1]
        assert code.outputs == [] and code.execution_count is None
        assert code.metadata == {"tags": ["q1"]}
    assert "answer = ..." in nbformat.read(report.student, 4).cells[1].source
    assert "BEGIN" not in nbformat.read(report.solution, 4).cells[1].source

    assert render_exercise(source) == render_exercise(source)
    assert build_exercise(source, check=True).changed == ()
    report.student.write_text(report.student.read_text() + " ")
    assert build_exercise(source, check=True).changed == (report.student,)
    assert main(["exercises", "build", "--check", "--dir", str(tmp_path / "exercises")]) == 1
    assert main(["exercises", "build", "--dir", str(tmp_path / "exercises")]) == 0
    assert main(["exercises", "build", "--check", "--dir", str(tmp_path / "exercises")]) == 0


def test_source_errors(tmp_path):
    md = nbformat.v4.new_markdown_cell("# BEGIN SOLUTION")
    source = _write_source(tmp_path, [md, nbformat.v4.new_code_cell(CELL)])
    with pytest.raises(AuthoringError, match=r"99_test.ipynb, cell 0: solution markers belong"):
        render_exercise(source)
    plain = _write_source(tmp_path / "b", [nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(AuthoringError, match="no '# BEGIN SOLUTION' block"):
        render_exercise(plain)
    with pytest.raises(FileNotFoundError, match="run from the repository root"):
        build_all(tmp_path / "nowhere")


@pytest.mark.skipif(not SOURCES, reason="no exercise sources yet")
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_generated_versions_are_in_sync_with_their_source(source):
    report = build_exercise(source, check=True)
    assert report.changed == (), (
        f"{[str(p) for p in report.changed]} differ from {source.name}; "
        "run `crmlab exercises build`."
    )


def test_prompts_are_written_from_the_module_into_the_source(tmp_path):
    """The markdown before each check is generated from the Question; an edited prompt in the
    notebook is out of sync (and rewritten by the build)."""
    from crmlab.exercises import lesson01

    folder = tmp_path / "exercises" / "source"
    folder.mkdir(parents=True)
    source = folder / "01_relationship_marketing.ipynb"
    nb = nbformat.read(ROOT / "exercises" / "source" / source.name, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "ex.q2.check(" in c.source) - 1
    assert nb.cells[index].source == question_markdown(lesson01.q2)
    assert "*Answer:* a fraction between 0 and 1, 3 significant figures." in nb.cells[index].source
    nb.cells[index].source = "## Question 2\n\nAn edited prompt that drifted from the module."
    nbformat.write(nb, source)
    report = build_exercise(source, check=True)
    assert source in report.changed
    build_exercise(source)
    assert nbformat.read(source, 4).cells[index].source == question_markdown(lesson01.q2)
    assert build_exercise(source, check=True).changed == ()


def test_a_check_without_a_markdown_cell_before_it_is_an_error(tmp_path):
    from crmlab.exercises import lesson01

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("ex.q1.check(answer)")])
    with pytest.raises(AuthoringError, match="put a markdown cell before the check of q1"):
        sync_prompts(nb, lesson01, "x.ipynb")
    nb.cells[0].source = "ex.q9.check(answer)"
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("q9"))
    with pytest.raises(AuthoringError, match="checks q9, which crmlab.exercises.lesson01"):
        sync_prompts(nb, lesson01, "x.ipynb")


def test_student_hand_out_has_no_solutions(tmp_path):
    out = tmp_path / "handout"
    exercises = str(ROOT / "exercises")
    assert main(["exercises", "build", "--dir", exercises, "--students-only", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in SOURCES)
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "answer = ..." in text
    assert main(["exercises", "build", "--dir", exercises, "--students-only", exercises]) == 1
