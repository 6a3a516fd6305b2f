"""The shared test scaffolding of every exercise set: the template, and every question judged.

For each set ``crmlab/exercises/lessonNN.py`` (with its source notebook
``exercises/source/NN_*.ipynb``):

- the template: docstring, ``SETTINGS`` (equal to the notebook's parameters where both name a
  value), one ``load()`` returning a dict, keyword ``Question`` objects with title, unit and
  prompt;
- each question's ``solution_code`` run after the notebook's set-up cells and the earlier
  solutions gives a correct answer;
- the reference rounded to the stated precision is correct, perturbed beyond it incorrect;
- each mistake's example (rounded like a student would) gets that mistake's hint;
- percent / fraction hints agree with the question's unit;
- placeholders are "not attempted", wrong types get a sentence, never a traceback.

Each set's own file (``test_exercises_lessonNN.py``) checks its reference values against the
literature or an independent computation.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import nbformat
import numpy as np
import pandas as pd
import pytest

from crmlab.exercises import Mistake, Precision, Question, questions_of
from crmlab.exercises.authoring import CHECK_CALL

from conftest import ROOT

SETS = sorted(p.stem for p in (ROOT / "crmlab" / "exercises").glob("lesson[0-9][0-9].py"))
MODULES = {name: importlib.import_module(f"crmlab.exercises.{name}") for name in SETS}
QUESTIONS = [(name, q) for name in SETS for q in questions_of(MODULES[name]) if q.judged]
IDS = [f"{name[-2:]}-{q.qid}" for name, q in QUESTIONS]
WRONG_TYPES = ["a sentence", pd.DataFrame({"x": [1, 2]}), [1, 2, 3], {"a": 1}, object()]


def _source(name: str):
    (path,) = (ROOT / "exercises" / "source").glob(f"{name[-2:]}_*.ipynb")
    return nbformat.read(path, as_version=4)


def _rounded(q: Question, value, precision: Precision | None = None):
    """What a student who rounds to the stated precision writes."""
    precision = precision or q.precision
    if isinstance(value, pd.Series):
        return pd.Series(precision.round(value.to_numpy(dtype=float)), index=value.index)
    return precision.round(value)


def _rounded_mistake(q: Question, value):
    """A wrong value as a student rounds it: at the stated precision, unless that leaves fewer
    than two significant figures (a fraction given where percent is asked), then to three."""
    decimals = q.precision.decimals
    arr = np.abs(np.asarray(value, dtype=float))
    if decimals is None or np.all(arr >= 10.0 ** (1 - decimals)):
        return _rounded(q, value)
    return _rounded(q, value, Precision(sig=3))


def _perturbed(q: Question, value):
    """The reference moved by 1.5 units of its last stated digit: beyond the precision."""
    arr = np.asarray(value, dtype=float)
    moved = arr + 1.5 * q.precision.unit(arr)
    if isinstance(value, pd.Series):
        return pd.Series(moved, index=value.index)
    return float(moved) if moved.ndim == 0 else moved


def test_every_lesson_has_an_exercise_set():
    lessons = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [s[-2:] for s in SETS] == lessons


@pytest.mark.parametrize("name", SETS)
def test_set_follows_the_template(name):
    module = MODULES[name]
    assert module.__doc__ and module.__doc__.startswith(f"Exercise set {name[-2:]}")
    assert isinstance(module.SETTINGS, dict) and module.SETTINGS
    assert callable(module.load) and isinstance(module.load(), dict)
    qs = questions_of(module)
    assert 3 <= len(qs) <= 6
    assert [q.qid for q in qs] == [f"q{i}" for i in range(1, len(qs) + 1)]
    source = inspect.getsource(module)
    assert "Question(\n    qid=" in source, "Questions take keyword arguments"
    for q in qs:
        assert q.title and q.unit and q.prompt.strip() and q.hints, q.qid
        if not q.judged:  # a written question: a model answer, marked by hand
            assert q.solution_code.strip() and q.guidance, q.qid
            continue
        assert "answer =" in q.solution_code, f"{name}.{q.qid} must assign `answer`"
        assert all(isinstance(m, Mistake) and m.test is None for m in q.mistakes), q.qid


@pytest.mark.parametrize("name", SETS)
def test_parameters_cell_agrees_with_settings(name):
    module = MODULES[name]
    (cell,) = [c for c in _source(name).cells if "parameters" in c.metadata.get("tags", [])]
    for stmt in ast.parse(cell.source).body:
        target = stmt.target if isinstance(stmt, ast.AnnAssign) else stmt.targets[0]
        if target.id in module.SETTINGS:
            assert ast.literal_eval(stmt.value) == module.SETTINGS[target.id], target.id


@pytest.mark.parametrize("name", SETS)
def test_solution_code_gives_correct_answers_in_the_notebook(name):
    """Run the source notebook's set-up cells, then each question's solution code in order."""
    cells = _source(name).cells
    first = next(
        i for i, c in enumerate(cells) if c.cell_type == "code" and CHECK_CALL.search(c.source)
    )
    namespace: dict = {}
    for cell in cells[:first]:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
    for q in [q for q in questions_of(MODULES[name]) if q.judged]:
        namespace.pop("answer", None)
        exec(q.solution_code, namespace)
        result = q.evaluate(namespace["answer"])
        assert result.status == "correct", (q.qid, result)


@pytest.mark.parametrize(("name", "q"), QUESTIONS, ids=IDS)
def test_rounded_reference_is_correct_and_perturbed_is_not(name, q):
    ref = q.reference()
    assert q.evaluate(ref).status == "correct"
    rounded = _rounded(q, ref)
    assert q.evaluate(rounded).status == "correct", (rounded, q.answer_format)
    result = q.evaluate(_perturbed(q, ref))
    if q.rounding_credit:  # 1.5 units off is right at one digit less: partial credit
        assert (result.status, result.credit) == ("partial", q.rounding_credit)
        return
    assert result.status == "incorrect", (_perturbed(q, ref), q.answer_format)
    assert q.answer_format in result.message or result.mistake is not None


@pytest.mark.parametrize(("name", "q"), QUESTIONS, ids=IDS)
def test_each_mistake_gets_its_hint(name, q):
    """The mistake's wrong value, as computed and as a student rounds it."""
    ref = q.reference()
    for k, mistake in enumerate(q.mistakes):
        wrong = mistake.example(ref)
        for answer in (wrong, _rounded_mistake(q, wrong)):
            result = q.evaluate(answer)
            status = "partial" if mistake.credit else "incorrect"
            assert (result.status, result.mistake) == (status, k), (k, answer, result)
            assert result.message == mistake.hint and result.credit == mistake.credit
            assert result.text("zh") == mistake.hint_zh, (k, "the Chinese hint")


@pytest.mark.parametrize(("name", "q"), QUESTIONS, ids=IDS)
def test_percent_and_fraction_hints_agree_with_the_unit(name, q):
    factors = {m.factor: m.hint for m in q.mistakes if m.factor is not None}
    if "fraction" in q.unit:
        assert 100.0 in factors, "a fraction question tells students who give percent"
    if 100.0 in factors:
        assert "percent" not in q.unit and "percent" in factors[100.0]
    if 0.01 in factors:
        assert "fraction" in factors[0.01] and q.unit.split()[0] in factors[0.01]


@pytest.mark.parametrize(("name", "q"), QUESTIONS, ids=IDS)
def test_placeholder_is_not_attempted_and_wrong_types_get_a_sentence(name, q, capsys):
    for placeholder in (..., None):
        assert q.evaluate(placeholder).status == "not attempted"
    for wrong in WRONG_TYPES:
        result = q.evaluate(wrong)
        assert result.status == "incorrect", (wrong, result)
        assert "Traceback" not in result.message and result.message.endswith((".", "?", ")"))
    q.check(np.nan)  # printed, never raised
    assert f"{q.qid} incorrect" in capsys.readouterr().out
