"""The workbook as a static website (``make book``): Sphinx + myst-nb + Furo, fully offline.

What is built, into ``build/book/`` by default:

- a home page: what the workbook is, for whom, how to install it, and the lesson map;
- one page per lesson, from the *executed* notebook (figures and tables included), with a link
  to its exercise set at the top and the bottom;
- one page per exercise set (the student version, for reading);
- a glossary of every term in ``crmlab/glossary.csv``: English, 中文 and the lesson that
  introduces it;
- the course's notation sheet ``notebooks/00_notation.md`` and the instructor's guide (the
  "For instructors" sections of the READMEs), from those files (:mod:`crmlab.book.pages`);
- previous / next links, a table of contents and full-text search (Sphinx's own, which works
  from ``file://`` as well as from a web server).

Nothing is fetched at build time or when a page is read: Furo and Sphinx ship their CSS and
JavaScript in their wheels, and formulas are typeset to MathML when the page is written
(:mod:`crmlab.book.sphinx_mathml`). Lessons are discovered in ``notebooks/`` at build time, so a
new lesson needs no change here.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from crmlab.book.glossary_page import glossary_page, mark_terms
from crmlab.book.pages import NOTATION_FILE, instructor_pages
from crmlab.book.search import search_files, write_page_texts
from crmlab.errors import CRMLabInputError

__all__ = ["Lesson", "BookReport", "find_lessons", "ensure_executed", "build_book"]

LESSON_GLOB = "[0-9][0-9]_*.ipynb"
STATIC = Path(__file__).with_name("static")


@dataclass(frozen=True)
class Lesson:
    """One lesson of the book.

    Attributes
    ----------
    number : int
        The lesson number (the ``NN`` of ``NN_topic.ipynb``).
    source : Path
        The stored notebook in ``notebooks/``.
    executed : Path
        The executed copy the page is built from.
    exercise : Path or None
        The student exercise notebook ``exercises/NN_*.ipynb``, if there is one.
    """

    number: int
    source: Path
    executed: Path
    exercise: Path | None

    @property
    def stem(self) -> str:
        """File name without ``.ipynb``, e.g. ``"02_customer_value"``."""
        return self.source.stem


@dataclass(frozen=True)
class BookReport:
    """What :func:`build_book` built.

    Attributes
    ----------
    out_dir : Path
        The site; open ``out_dir / "index.html"``.
    pages : list of Path
        Every HTML page written (search and index pages included).
    lessons : list of Lesson
        The lessons in the book, in order.
    seconds : float
        Wall time of the whole build (lesson execution included).
    warnings : list of str
        Sphinx's warnings (an empty list for a clean build).
    executed : list of Lesson
        The lessons executed for this build (their executed copy was missing or stale).
    """

    out_dir: Path
    pages: list[Path]
    lessons: list[Lesson]
    seconds: float
    warnings: list[str]
    executed: list[Lesson]


def find_lessons(
    notebooks_dir: str | os.PathLike = "notebooks",
    *,
    executed_dir: str | os.PathLike = "build/lessons",
    exercises_dir: str | os.PathLike = "exercises",
    only: Sequence[str | os.PathLike] | None = None,
) -> list[Lesson]:
    """List the lessons ``notebooks_dir/NN_*.ipynb`` (or ``only`` these) with their exercise sets."""
    notebooks_dir, executed_dir, exercises_dir = map(
        Path, (notebooks_dir, executed_dir, exercises_dir)
    )
    sources = [Path(p) for p in only] if only else sorted(notebooks_dir.glob(LESSON_GLOB))
    if not sources:
        raise FileNotFoundError(
            f"no lesson notebooks ({LESSON_GLOB}) in {notebooks_dir.resolve()}; "
            "run from the repository root or pass notebooks_dir."
        )
    lessons = []
    for source in sources:
        if not re.fullmatch(r"\d\d_.+\.ipynb", source.name) or not source.is_file():
            raise FileNotFoundError(f"{source} is not a lesson notebook named NN_topic.ipynb.")
        sets = sorted(exercises_dir.glob(f"{source.name[:2]}_*.ipynb"))
        lessons.append(
            Lesson(
                int(source.name[:2]), source, executed_dir / source.name, sets[0] if sets else None
            )
        )
    numbers = [lesson.number for lesson in lessons]
    if len(set(numbers)) != len(numbers):
        raise CRMLabInputError(f"two lessons share a number among {[s.name for s in sources]}.")
    return lessons


def ensure_executed(
    lessons: Sequence[Lesson], *, jobs: int | None = None, progress: bool = True
) -> list[Lesson]:
    """Execute the lessons whose executed copy is missing or older than the notebook.

    Fresh copies (from ``make lessons``) are reused; a copy whose last execution failed, or
    that holds no outputs, is executed again. Kernels run with the inline backend, so the
    figures are kept. Raises RuntimeError naming every lesson that fails.

    Returns
    -------
    list of Lesson
        The lessons that were executed now.
    """
    from crmlab.book.lesson_html import write_lesson_html, write_markdown_html
    from crmlab.runner import INLINE_BACKEND, run_notebooks

    stale = [
        lesson
        for lesson in lessons
        if not lesson.executed.is_file()
        or lesson.executed.stat().st_mtime < lesson.source.stat().st_mtime
        or _failed_or_unexecuted(lesson.executed)
    ]
    by_dir: dict[Path, list[Lesson]] = {}
    for lesson in stale:
        by_dir.setdefault(lesson.executed.parent, []).append(lesson)
    failed = []
    for out_dir, group in by_dir.items():
        results = run_notebooks(
            [lesson.source for lesson in group],
            out_dir,
            jobs=jobs,
            render=write_lesson_html,
            progress=progress,
            env=INLINE_BACKEND,
        )
        failed += [f"{r.path.name}: {r.problem}" for r in results if not r.ok]
        sheet = group[0].source.parent / NOTATION_FILE  # the lessons' links to it resolve
        if sheet.is_file() and out_dir.is_dir():
            write_markdown_html(sheet, out_dir / sheet.with_suffix(".html").name)
    if failed:
        raise RuntimeError("lessons failed, so the book was not built:\n  " + "\n  ".join(failed))
    return stale


def _failed_or_unexecuted(path: Path) -> bool:
    """Whether an executed copy holds an error, or code cells that never ran."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable copy is simply executed again
        return True
    if nb.metadata.get("papermill", {}).get("exception"):
        return True
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    if any(o.get("output_type") == "error" for c in code for o in c.get("outputs", [])):
        return True
    return bool(code) and all(c.get("execution_count") is None for c in code)


# --------------------------------------------------------------------------------------------
# the pages
# --------------------------------------------------------------------------------------------
def _title(nb: Any, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _learning_goals(nb: Any) -> list[str]:
    """The bullet points under "What you will learn" in the lesson's first cells."""
    for cell in nb.cells[:3]:
        if cell.cell_type != "markdown" or "what you will learn" not in cell.source.lower():
            continue
        text = cell.source[cell.source.lower().index("what you will learn") :]
        items: list[str] = []
        for line in text.splitlines()[1:]:
            if re.match(r"\s*[-*]\s", line):
                items.append(re.sub(r"^\s*[-*]\s+(\[[ xX]\]\s+)?", "", line))
            elif items and line.startswith("  ") and line.strip():
                items[-1] += " " + line.strip()
            elif items and not line.strip():
                break
        return [item.rstrip(";.") for item in items]
    return []


def _link(text: str, target: str) -> str:
    return f"[{text.replace('[', '(').replace(']', ')')}]({target})"


def _exercise_note(lesson: Lesson, ex_title: str | None, *, prefix: str, top: bool) -> str:
    if lesson.exercise is None:
        return f"*No exercise set for lesson {lesson.number} yet.*"
    link = _link(ex_title or lesson.exercise.stem, f"{prefix}exercises/{lesson.exercise.name}")
    if top:
        return (
            ":::{admonition} Exercise set · 练习\n:class: tip\n"
            f"After this lesson, practise with {link}. The page shows the questions; to answer "
            f"them and have each answer checked, open `exercises/{lesson.exercise.name}` in "
            f"Jupyter ({_link('how to install', f'{prefix}index.md#install-and-run')}).\n:::"
        )
    return f"**Now practise:** {link}."


def _stage_lesson(lesson: Lesson, dest: Path, ex_title: str | None) -> dict[str, Any]:
    nb = nbformat.read(lesson.executed, as_version=4)
    info: dict[str, Any] = {"title": _title(nb, lesson.stem), "goals": _learning_goals(nb)}
    info["anchors"] = mark_terms(nb, lesson.number)
    top = nbformat.v4.new_markdown_cell(_exercise_note(lesson, ex_title, prefix="../", top=True))
    bottom = nbformat.v4.new_markdown_cell(
        _exercise_note(lesson, ex_title, prefix="../", top=False)
    )
    nb.cells = [nb.cells[0], top, *nb.cells[1:], bottom]
    nbformat.write(nb, dest / "notebooks" / lesson.source.name)
    return info


def _stage_exercise(lesson: Lesson, nb: Any, dest: Path, lesson_title: str) -> None:
    """Write the exercise notebook ``nb`` (read from ``lesson.exercise``) as a page for reading."""
    assert lesson.exercise is not None
    note = nbformat.v4.new_markdown_cell(
        ":::{note}\nThis is the exercise set of "
        f"{_link(lesson_title, f'../notebooks/{lesson.source.name}')}, shown for reading. To "
        f"answer, open `exercises/{lesson.exercise.name}` in Jupyter, replace each `...` with "
        "your answer and run the cell: `ex.qN.check(answer)` says whether it is right, "
        "`ex.qN.hint()` gives a hint.\n:::"
    )
    for cell in nb.cells:  # a page for reading: drop stored outputs, if any
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = [nb.cells[0], note, *nb.cells[1:]]
    nbformat.write(nb, dest / "exercises" / lesson.exercise.name)


_HOME = """\
# crmlab — a workbook for customer relationship management (客户关系管理)

crmlab is a set of Jupyter lessons on relationship marketing and customer value, with a small,
tested Python package behind them. The lessons work on real, public data (the customers of the
CDNOW music shop, a telecom's churn, employee attrition) and on synthetic
data whose true parameters are known, and show each step as code you can change and run again.
Every key term is given in English and Chinese; the [glossary](glossary.md) lists them all.
{notation_line}
This site shows every lesson already executed, with its tables and figures, so you can read the
whole course without installing anything.

**中文读者：** 课程正文用英文写成，每个关键术语第一次出现时都附有中文名称，[术语表](glossary.md)
列出全部中英对照及其所在课程。安装和使用说明的中文版见仓库中的 `README.zh-CN.md`。

## Who it is for

- **Students** of marketing, business analytics or data science who know basic Python and
  pandas but no CRM: each lesson explains the idea, the formula and the code, and ends with an
  exercise set whose answers are checked inside the notebook.
- **Instructors**: the lessons follow a CRM course from the value of a customer to loyalty and
  internal marketing; exercise sets come in a student and a solution version and can be graded
  in bulk (`crmlab grade`).{guide_line}
- **Researchers and analysts**: the package fits BG/NBD, Pareto/NBD, Gamma-Gamma, sBG and churn
  models to your own transaction log, with clear errors for bad input.

## Install and run

You need Python 3.11 or newer and `make`. In a copy of the repository:

```bash
make lessons   # execute every lesson into build/lessons/ (.ipynb and offline .html)
make test      # run the whole test suite, notebooks included
```

Both commands create a virtual environment `.venv`, install crmlab and download the data they
need (each file once, checked against its checksum). Then `make lab` opens the lessons in
JupyterLab, and `make book` rebuilds this site into `build/book/`. Conda users:
`conda env create -f environment.yml && conda activate crmlab`.

## Lesson map

{lesson_map}

```{{toctree}}
:hidden:
:caption: Lessons

{lesson_toc}
```

```{{toctree}}
:hidden:
:caption: Exercise sets

{exercise_toc}
```

```{{toctree}}
:hidden:
:caption: Reference

{reference_toc}
```
"""


_NOTATION_LINE = """\
The [notation sheet](notebooks/00_notation.md) (符号与术语) gives every symbol, the one CLV timing
convention and the words the lessons keep apart (margin and margin rate, the three "loyal"s).
"""
_GUIDE_LINE = """ How to run a course with them (hand-outs, collecting and grading
  submissions, feedback, exporting grades to Canvas or Moodle) is in the
  [instructor's guide](instructors.md)."""


_RELATIVE_LINK = re.compile(r"\]\((?![A-Za-z][A-Za-z0-9+.-]*:|/|#)")


def _lesson_map(lessons: Sequence[Lesson], info: dict[int, dict[str, Any]]) -> str:
    blocks = []
    for lesson in lessons:
        title = info[lesson.number]["title"]
        lines = [f"**{_link(title, f'notebooks/{lesson.source.name}')}**", ""]
        # a goal's links are relative to its lesson (e.g. 00_notation.md); here, to the home page
        goals = [_RELATIVE_LINK.sub("](notebooks/", g) for g in info[lesson.number]["goals"]]
        lines += [f"- {goal}" for goal in goals]
        if lesson.exercise is not None:
            lines += [
                "",
                "Practise: "
                + _link(
                    info[lesson.number]["exercise_title"] or lesson.exercise.stem,
                    f"exercises/{lesson.exercise.name}",
                ),
            ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _conf(title: str, search: Path) -> dict[str, Any]:
    return {
        "project": title,
        "author": "crmlab",
        "copyright": "the crmlab authors (MIT licence)",
        "extensions": ["myst_nb", "crmlab.book.sphinx_mathml"],
        "html_math_renderer": "mathml",
        "myst_enable_extensions": ["dollarmath", "colon_fence", "tasklist"],
        "myst_dmath_allow_digits": False,  # "$0.80 ... $40" is money, not a formula
        "myst_dmath_double_inline": True,
        "myst_heading_anchors": 2,  # links such as index.md#install-and-run
        "nb_execution_mode": "off",  # pages show the executed copies as they are
        "nb_merge_streams": True,
        "html_theme": "furo",
        "html_title": title,
        "html_static_path": [str(STATIC), str(search / "static")],
        "html_css_files": ["crmlab-book.css"],
        "html_js_files": ["crmlab-synonyms.js", "crmlab-search.js"],
        # Chinese words are cut by jieba (with every glossary name as one word), English words
        # are stemmed as usual; crmlab-search.js cuts a query the same way.
        "html_search_language": "zh",
        "html_search_options": {"dict": str(search / "search-words.txt")},
        "html_copy_source": False,
        "html_show_sourcelink": False,
        # Sphinx's result snippets are fetched with fetch(), which browsers refuse for file://
        # pages; crmlab-search.js shows excerpts from _static/crmlab-page-text.js instead.
        "html_show_search_summary": False,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        # Pygments' SQL lexer trips over DuckDB's $parameters; the code is still shown, plain.
        "suppress_warnings": ["misc.highlighting_failure"],
        "language": "en",
    }


def build_book(
    out_dir: str | os.PathLike = "build/book",
    *,
    notebooks_dir: str | os.PathLike = "notebooks",
    executed_dir: str | os.PathLike = "build/lessons",
    exercises_dir: str | os.PathLike = "exercises",
    only: Sequence[str | os.PathLike] | None = None,
    jobs: int | None = None,
    progress: bool = True,
    title: str = "crmlab · CRM workbook",
) -> BookReport:
    """Build the static site from the executed lessons.

    Parameters
    ----------
    out_dir : path
        Where the site goes (replaced if it holds an earlier build; refused if it holds
        anything else).
    notebooks_dir, exercises_dir : path
        The lessons (``NN_*.ipynb``) and the student exercise notebooks.
    executed_dir : path
        Executed copies of the lessons (``make lessons`` writes them); missing or stale ones
        are executed first.
    only : sequence of path, optional
        Build from these lesson notebooks only (default: every lesson in ``notebooks_dir``).
    jobs : int, optional
        Lessons executed at once, if any must be.
    progress : bool
        Show lesson execution progress and Sphinx's messages.
    title : str
        The site's title.

    Returns
    -------
    BookReport
        Where the site is, its pages, lessons, build time and Sphinx's warnings.
    """
    start = time.monotonic()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CRMLabInputError(
            f"--out {str(out)!r} is a file, not a folder. Fix: name a folder for the site "
            "(new, or an earlier book build)."
        )
    # Replace an earlier build (or a folder holding only review screenshots), nothing else.
    if out.exists() and not (out / ".buildinfo").exists():
        other = [p.name for p in out.iterdir() if not p.match("screenshot-*.png")]
        if other:
            raise FileExistsError(
                f"{out} exists and is not an earlier book build (it holds {sorted(other)[:3]}); "
                "choose another out_dir or empty it."
            )
    lessons = find_lessons(
        notebooks_dir, executed_dir=executed_dir, exercises_dir=exercises_dir, only=only
    )
    for lesson in lessons:
        if lesson.executed.resolve() == lesson.source.resolve():
            raise CRMLabInputError(
                f"--executed {str(lesson.executed.parent)!r} is the folder of the lesson sources, "
                "which are stored without outputs, so the pages would have no tables or "
                "figures. Fix: pass the folder of executed copies (build/lessons, written by "
                "make lessons), or leave --executed out."
            )
    executed = ensure_executed(lessons, jobs=jobs, progress=progress)
    from sphinx.application import Sphinx  # after the checks: a refusal is quick

    with tempfile.TemporaryDirectory(prefix="crmlab-book-") as tmp:
        src = Path(tmp) / "src"
        (src / "notebooks").mkdir(parents=True)
        (src / "exercises").mkdir()
        info: dict[int, dict[str, Any]] = {}
        for lesson in lessons:
            ex_nb = ex_title = None
            if lesson.exercise is not None:
                ex_nb = nbformat.read(lesson.exercise, as_version=4)
                ex_title = _title(ex_nb, lesson.exercise.stem)
            info[lesson.number] = _stage_lesson(lesson, src, ex_title)
            info[lesson.number]["exercise_title"] = ex_title
            if ex_nb is not None:
                _stage_exercise(lesson, ex_nb, src, info[lesson.number]["title"])
        reference = ["glossary"]
        notation = Path(notebooks_dir) / NOTATION_FILE
        if notation.is_file():
            shutil.copyfile(notation, src / "notebooks" / NOTATION_FILE)
            reference.insert(0, f"notebooks/{Path(NOTATION_FILE).stem}")
        guide = instructor_pages(Path(notebooks_dir).resolve().parent)
        for name, text in guide.items():
            (src / f"{name}.md").write_text(text, encoding="utf-8")
        reference += list(guide)
        home = _HOME.format(
            notation_line=_NOTATION_LINE if notation.is_file() else "",
            guide_line=_GUIDE_LINE if "instructors" in guide else "",
            reference_toc="\n".join(reference),
            lesson_map=_lesson_map(lessons, info),
            lesson_toc="\n".join(f"notebooks/{lesson.stem}" for lesson in lessons),
            exercise_toc="\n".join(
                f"exercises/{lesson.exercise.stem}" for lesson in lessons if lesson.exercise
            ),
        )
        (src / "index.md").write_text(home, encoding="utf-8")
        (src / "glossary.md").write_text(
            glossary_page(
                {
                    x.number: (x.stem, info[x.number]["title"], info[x.number]["anchors"])
                    for x in lessons
                }
            ),
            encoding="utf-8",
        )

        # Sphinx writes into the temporary folder (myst-nb puts its image files beside the
        # output folder, in ../jupyter_execute); the finished site is then moved into place.
        html = Path(tmp) / "html"
        status, warning = io.StringIO(), io.StringIO()
        app = Sphinx(
            srcdir=src,
            confdir=None,
            outdir=html,
            doctreedir=Path(tmp) / "doctrees",
            buildername="html",
            confoverrides=_conf(title, search_files(Path(tmp))),
            status=None if not progress else status,
            warning=warning,
            freshenv=True,
        )
        app.build()
        if app.statuscode != 0:
            raise RuntimeError(f"Sphinx failed:\n{warning.getvalue()}")
        write_page_texts(html)
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(html, out)
        sources = out / "_sources"  # empty: the pages' sources are not copied
        if sources.is_dir() and not any(sources.iterdir()):
            sources.rmdir()
    if progress:
        print(status.getvalue().rstrip())
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    warnings = [
        ansi.sub("", line).replace(str(src), "book") for line in warning.getvalue().splitlines()
    ]
    warnings = [line for line in warnings if line.strip()]
    return BookReport(
        out_dir=out,
        pages=sorted(out.rglob("*.html")),
        lessons=lessons,
        seconds=time.monotonic() - start,
        warnings=warnings,
        executed=executed,
    )
