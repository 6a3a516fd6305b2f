"""Every number a lesson's prose quotes is printed by a cell above it (rounding as written).

The lessons are executed once per test run: ``executed_lesson`` (tests/conftest.py) caches the
executed copy that ``tests/test_notebooks.py`` also checks, and both tests of a lesson share one
xdist group. The rules (what is exempt, how rounding is read) are in :mod:`crmlab.prose`.
"""

from __future__ import annotations

import nbformat
import pytest

from crmlab.prose import output_numbers, prose_numbers, report, unsupported_numbers

from conftest import LESSON_PARAMS


def _texts(source):
    return [n.text for n in prose_numbers(source)]


def test_numbers_found_and_exemptions():
    source = (
        "In lesson 05, step 3 and q1 of 1997-09-30 (30 June 1998, June 1998), the top 20% bring "
        "67.8% of revenue, $x_{(1)} = 5$ and $$G = 0.5$$, `top_fraction = 0.2`, 2,357 customers,\n"
        "see `exercises/02_x.ipynb` and [the book](https://example.org/3.html); account A140 is\n"
        "a key account and B2B is a word. <!-- literature: 25, 95 --> Profit rose by 25% to 95%.\n"
        "1. A numbered item with \\$43 and \\$1,800 and 14–16% and 4.7 million and the 51st.\n"
        "### Step 4 · In 1997 about 0.32 of them"
    )
    assert _texts(source) == [
        "20%",
        "67.8%",
        "2,357",
        "43",
        "1,800",
        "14",
        "16%",
        "4.7 million",
        "51st",
        "0.32",
    ]
    range_start = prose_numbers(source)[5]
    assert range_start.percent and range_start.value == 14


@pytest.mark.parametrize(
    ("prose", "output", "ok"),
    [
        ("67.8%", "0.6781", True),
        ("67.8%", "67.81", True),
        ("67.8%", "top 20% bring 67.8%", True),
        ("67.8%", "0.6749", False),
        ("2,357", "2357", True),
        ("2,357", "2357.0", True),
        ("2,357", "2358", False),
        ("about 0.32", "0.3197", True),
        ("about 0.32", "0.3149", False),
        ("almost $14,000", "13990.93", True),
        ("almost $14,000", "13400.0", False),
        ("20 days", "19.6", True),
        ("20 days", "19.4", False),
        ("4.7 million", "4,746,868", True),
        ("fell by 12.1%", "-0.121", True),
        ("at 0.322 on the axis", "bottom 80% bring 32.2% of revenue", True),
        ("at 0.322 on the axis", "32.2 dollars", False),
        ("about 10%", "-0.121", False),
        ("2.0 million dollars", "2.000e+06", True),
    ],
)
def test_rounding_as_written(prose, output, ok):
    (number,) = prose_numbers(prose)
    assert any(number.matches(v) for v in output_numbers(output)) is ok


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, text, outputs, tags in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cell = nbformat.v4.new_code_cell(text, metadata={"tags": tags})
            cell.outputs = [nbformat.v4.new_output("stream", text=o) for o in outputs]
            nb.cells.append(cell)
    return nb


def test_only_outputs_above_count_and_every_offence_is_reported():
    nb = _notebook(
        ("md", "We will find 51.1% one-time buyers.", [], []),
        ("code", "n_customers = 1000", [], ["parameters"]),
        ("code", "print(share)", ["one-time buyers: 51.1%\n"], []),
        ("md", "So 51.1% bought once; a cohort of 1,000; the Gini is 0.635 and 0.2.", [], []),
    )
    problems = unsupported_numbers(nb)
    assert [(i, n.text) for i, n in problems] == [(0, "51.1%"), (3, "0.635"), (3, "0.2")]
    message = report("demo.ipynb", problems)
    assert "cell 0: '51.1%'" in message and "cell 3: '0.635'" in message
    assert message.count("\n") == 3


def test_table_output_and_html_count():
    nb = _notebook(("code", "table", [], []), ("md", "Class A holds 7,695 customers.", [], []))
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={"text/plain": "...", "text/html": "<td>7695</td>"},
            execution_count=1,
        )
    ]
    assert unsupported_numbers(nb) == []


@pytest.mark.notebooks
@pytest.mark.parametrize("path", LESSON_PARAMS)
def test_lesson_prose_numbers_are_printed_above(path, executed_lesson):
    result = executed_lesson(path)
    assert result.ok, f"{path.name} does not execute: {result.problem}"
    nb = nbformat.read(result.output, as_version=4)
    problems = unsupported_numbers(nb)
    if problems:
        pytest.fail(report(path.name, problems), pytrace=False)
