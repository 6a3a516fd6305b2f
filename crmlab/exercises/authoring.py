"""Build the student and solution versions of an exercise set from its one source notebook.

An instructor writes ``exercises/source/NN_topic.ipynb``. In its code cells, the lines between
``# BEGIN SOLUTION`` and ``# END SOLUTION`` are the model answer::

    # BEGIN SOLUTION
    tx = load_cdnow()
    answer = one_time_buyer_share(tx)
    # END SOLUTION
    ex.q1.check(answer)

:func:`build_exercise` writes

- ``exercises/NN_topic.ipynb`` (student): each block replaced by ``# your code here`` and a
  placeholder for the name(s) the rest of the notebook uses (``answer = ...``), so the student
  version runs from top to bottom and every check says "not attempted";
- ``exercises/solutions/NN_topic.ipynb``: the source without the marker lines.

Both are stored without outputs, with the ``python3`` kernelspec and deterministic bytes, so
``crmlab exercises build --check`` can tell whether they are in sync with their source.

A question's prompt is written once, in its :class:`~crmlab.exercises.questions.Question`
(module ``crmlab.exercises.lessonNN``): the build first rewrites, in the source notebook, the
markdown cell just before each ``ex.qN.check(`` cell from the question's title, prompt and
expected answer format (:func:`question_markdown`), so module and notebook cannot drift;
``--check`` reports a source whose prompts differ.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmlab.runner import KERNELSPEC

__all__ = [
    "AuthoringError",
    "BuildReport",
    "build_all",
    "build_exercise",
    "build_students",
    "question_markdown",
    "render_exercise",
    "solution_source",
    "student_source",
    "sync_prompts",
]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#+\s*END SOLUTION\s*$")
PLACEHOLDER_COMMENT = "# your code here"
CHECK_CALL = re.compile(r"\bex\.(q\d+)\.check\(")
_KEEP_CELL_METADATA = ("tags",)


class AuthoringError(ValueError):
    """A source notebook that cannot be split into student and solution versions."""


@dataclass(frozen=True)
class BuildReport:
    """What :func:`build_exercise` did (or, with ``check=True``, would do) for one source."""

    source: Path
    student: Path
    solution: Path
    changed: tuple[Path, ...]  # files written (or out of sync, with check=True)


# --------------------------------------------------------------------------------------------
# one cell
# --------------------------------------------------------------------------------------------
def _blocks(source: str, where: str) -> list[tuple[int, int, str]]:
    """(begin_line, end_line, indent) of each solution block; unbalanced markers raise."""
    blocks, begin, indent = [], None, ""
    for n, line in enumerate(source.splitlines()):
        if m := BEGIN.match(line):
            if begin is not None:
                raise AuthoringError(
                    f"{where}: '# BEGIN SOLUTION' on line {n + 1} comes before the block opened "
                    f"on line {begin + 1} was closed; add '# END SOLUTION' in between."
                )
            begin, indent = n, m["indent"]
        elif END.match(line):
            if begin is None:
                raise AuthoringError(
                    f"{where}: '# END SOLUTION' on line {n + 1} has no '# BEGIN SOLUTION' "
                    "before it; add one or remove this line."
                )
            blocks.append((begin, n, indent))
            begin = None
    if begin is not None:
        raise AuthoringError(
            f"{where}: '# BEGIN SOLUTION' on line {begin + 1} is never closed; add "
            "'# END SOLUTION' after the solution lines."
        )
    return blocks


def _assigned_names(code: str) -> list[str]:
    """Names bound at the top level of ``code`` (assignments, for-targets, defs), in order."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:  # fall back to the obvious pattern
        return list(
            dict.fromkeys(re.findall(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)", code, re.M))
        )
    names: list[str] = []

    def targets(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                targets(elt)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                targets(t)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            targets(stmt.target)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(stmt.name)
    return list(dict.fromkeys(names))


def _placeholder_names(block: str, later_code: str) -> list[str]:
    """The names the student must define: those the later code uses, else the last one bound."""
    names = _assigned_names(block)
    used = [n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}\b", later_code)]
    if used:
        return used
    return names[-1:]


def student_source(source: str, later_code: str = "", where: str = "cell") -> str:
    """The student version of one code cell's source.

    Parameters
    ----------
    source : str
        The cell's code with ``# BEGIN SOLUTION`` / ``# END SOLUTION`` blocks.
    later_code : str
        Code of the cells after this one; a name bound in a block gets a placeholder if it is
        used after the block (or, if none is, the last name the block binds).
    where : str
        Name of the cell for error messages.
    """
    lines = source.splitlines()
    blocks = _blocks(source, where)
    out: list[str] = []
    pos = 0
    for begin, end, indent in blocks:
        out.extend(lines[pos:begin])
        after = "\n".join(lines[end + 1 :]) + "\n" + later_code
        out.append(f"{indent}{PLACEHOLDER_COMMENT}")
        out.extend(
            f"{indent}{name} = ..."
            for name in _placeholder_names("\n".join(lines[begin + 1 : end]), after)
        )
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def solution_source(source: str, where: str = "cell") -> str:
    """One code cell's source with the marker lines removed (the blocks themselves kept)."""
    lines = source.splitlines()
    markers = {n for b, e, _ in _blocks(source, where) for n in (b, e)}
    return "\n".join(line for n, line in enumerate(lines) if n not in markers)


# --------------------------------------------------------------------------------------------
# prompts, written once in the Question
# --------------------------------------------------------------------------------------------
def question_markdown(question: Any) -> str:
    """The markdown cell of ``question`` in the notebook: heading, prompt, expected format."""
    number = question.qid.removeprefix("q")
    return (
        f"## Question {number} · {question.title}\n\n{question.prompt.strip()}\n\n"
        f"*Answer:* {question.answer_format}."
    )


def _exercise_module(source: Path) -> Any:
    """The ``crmlab.exercises.lessonNN`` module of ``exercises/source/NN_topic.ipynb``, or None."""
    number = source.name[:2]
    if not number.isdigit():
        return None
    try:
        return importlib.import_module(f"crmlab.exercises.lesson{number}")
    except ModuleNotFoundError:
        return None


def sync_prompts(nb: Any, module: Any, where: str = "notebook") -> bool:
    """Rewrite, in ``nb``, each question's markdown cell from ``module``; True if any changed.

    The markdown cell is the one just before the first code cell that calls ``ex.qN.check(``.

    Raises
    ------
    AuthoringError
        A check of a question the module does not define, or no markdown cell before it.
    """
    from crmlab.exercises.questions import questions_of

    questions = {q.qid: q for q in questions_of(module)}
    changed, seen = False, set()
    for i, cell in enumerate(nb.cells):
        match = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if match is None or match[1] in seen:
            continue
        qid = match[1]
        seen.add(qid)
        if qid not in questions:
            raise AuthoringError(
                f"{where}, cell {i}: checks {qid}, which {module.__name__} does not define."
            )
        changed |= _write_prompt(nb, i, questions[qid], f"{where}, cell {i}", "check")
    for i, cell in enumerate(nb.cells):  # written questions: the cell before the answer cell
        qid = _written_qid(cell)
        if qid is None or qid not in questions or qid in seen:
            continue
        seen.add(qid)
        changed |= _write_prompt(nb, i, questions[qid], f"{where}, cell {i}", "answer cell")
    return changed


def _write_prompt(nb: Any, i: int, question: Any, where: str, what: str) -> bool:
    """Write ``question``'s markdown into the cell before cell ``i``; True if it changed."""
    if i == 0 or nb.cells[i - 1].cell_type != "markdown":
        raise AuthoringError(
            f"{where}: put a markdown cell before the {what} of {question.qid}; the build "
            "writes the question's prompt into it."
        )
    text = question_markdown(question)
    if nb.cells[i - 1].source == text:
        return False
    nb.cells[i - 1].source = text
    return True


def _written_qid(cell: Any) -> str | None:
    """The question id of a written answer cell (``**Your answer (qN):**``), else None."""
    from crmlab.exercises.written import _HEADING

    if cell.cell_type != "markdown":
        return None
    m = _HEADING.match(cell.source.partition("\n")[0])
    return m[1] if m else None


# --------------------------------------------------------------------------------------------
# one notebook
# --------------------------------------------------------------------------------------------
def _clean_cell(cell: Any, source: str, index: int) -> Any:
    import nbformat

    meta = {k: cell.metadata[k] for k in _KEEP_CELL_METADATA if k in cell.metadata}
    cell_id = cell.get("id") or f"cell-{index:03d}"
    if cell.cell_type == "code":
        new = nbformat.v4.new_code_cell(source, metadata=meta, id=cell_id)
    elif cell.cell_type == "markdown":
        new = nbformat.v4.new_markdown_cell(source, metadata=meta, id=cell_id)
        if cell.get("attachments"):
            new["attachments"] = cell["attachments"]
    else:
        new = nbformat.v4.new_raw_cell(source, metadata=meta, id=cell_id)
    return new


def _read_synced(path: Path) -> tuple[Any, bool]:
    """The source notebook with its prompts synced from its module, and whether that changed it."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise AuthoringError(f"{path}: not a readable notebook ({exc}).") from exc
    module = _exercise_module(path)
    changed = sync_prompts(nb, module, path.name) if module is not None else False
    return nb, changed


def render_exercise(source: str | os.PathLike) -> tuple[str, str]:
    """Return the (student, solution) notebooks of ``source`` as text, ready to be written.

    The prompts come from the set's module (see :func:`sync_prompts`), not from the file.
    """
    path = Path(source)
    nb, _ = _read_synced(path)
    return _render(nb, path)


def _render(nb: Any, path: Path) -> tuple[str, str]:
    import nbformat

    code = [c.source if c.cell_type == "code" else "" for c in nb.cells]
    student: list[Any] = []
    solution: list[Any] = []
    student_later: list[str] = []  # student code of the cells after this one
    # Backwards, so that a name counts as "used later" only if the *student* version uses it.
    for i in range(len(nb.cells) - 1, -1, -1):
        cell, where = nb.cells[i], f"{path.name}, cell {i}"
        if cell.cell_type == "code":
            text = student_source(cell.source, "\n".join(student_later), where)
            student_later.insert(0, text)
            student.insert(0, _clean_cell(cell, text, i))
            solution.insert(0, _clean_cell(cell, solution_source(cell.source, where), i))
        else:
            if any(BEGIN.match(line) or END.match(line) for line in cell.source.splitlines()):
                raise AuthoringError(
                    f"{where}: solution markers belong in code cells, not in a {cell.cell_type} "
                    "cell; move the block into a code cell."
                )
            text = cell.source
            if (qid := _written_qid(cell)) is not None:  # the student writes here
                from crmlab.exercises.written import PLACEHOLDER, answer_heading

                text = f"{answer_heading(qid)}\n\n{PLACEHOLDER}"
            student.insert(0, _clean_cell(cell, text, i))
            solution.insert(0, _clean_cell(cell, cell.source, i))
    if not any(BEGIN.match(line) for c in code for line in c.splitlines()):
        raise AuthoringError(
            f"{path.name}: no '# BEGIN SOLUTION' block; an exercise source needs at least one."
        )

    def notebook_text(cells: list) -> str:
        new = nbformat.v4.new_notebook(
            cells=cells,
            metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}},
        )
        new.nbformat_minor = max(new.nbformat_minor, 5)
        nbformat.validate(new)
        return nbformat.writes(new) + "\n"

    return notebook_text(student), notebook_text(solution)


def _targets(source: Path) -> tuple[Path, Path]:
    root = source.parent.parent  # exercises/source/NN.ipynb -> exercises/
    return root / source.name, root / "solutions" / source.name


def build_exercise(source: str | os.PathLike, *, check: bool = False) -> BuildReport:
    """Write (or with ``check=True`` only compare) the two versions of one exercise source.

    Parameters
    ----------
    source : path
        ``exercises/source/NN_topic.ipynb``; the versions go to ``exercises/NN_topic.ipynb``
        and ``exercises/solutions/NN_topic.ipynb``.
    check : bool
        Write nothing; report in ``changed`` the files that are missing or differ.

    Raises
    ------
    AuthoringError
        Unbalanced markers (naming the cell), or a source without any solution block.
    """
    import nbformat

    source = Path(source)
    student_path, solution_path = _targets(source)
    nb, prompts_changed = _read_synced(source)
    texts = dict(zip((student_path, solution_path), _render(nb, source), strict=True))
    changed = []
    if prompts_changed:  # the prompts live in the module: the source follows them
        changed.append(source)
        if not check:
            nbformat.write(nb, source)
    for path, text in texts.items():
        data = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            continue
        changed.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return BuildReport(source, student_path, solution_path, tuple(changed))


def _source_dir(exercises_dir: str | os.PathLike) -> Path:
    """``exercises_dir/source``, the folder of the exercise sources; it must exist."""
    folder = Path(exercises_dir) / "source"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no folder {folder}; run from the repository root or pass the exercises folder."
        )
    return folder


def build_all(
    exercises_dir: str | os.PathLike = "exercises", *, check: bool = False
) -> list[BuildReport]:
    """Run :func:`build_exercise` on every ``exercises_dir/source/*.ipynb``, in name order."""
    return [
        build_exercise(p, check=check) for p in sorted(_source_dir(exercises_dir).glob("*.ipynb"))
    ]


def build_students(
    out_dir: str | os.PathLike,
    exercises_dir: str | os.PathLike = "exercises",
    *,
    sets: list[str] | None = None,
    assessed: list[str] | None = None,
) -> list[Path]:
    """Write only the student versions into ``out_dir`` (no solutions folder).

    For a hand-out that carries no solution notebooks; ``crmlab exercises build --students-only
    DIR [--sets 03,04] [--assessed 04]`` calls it.

    Parameters
    ----------
    out_dir : path
        The hand-out folder.
    exercises_dir : path
        The exercises folder (with ``source/``).
    sets : list of str, optional
        Set numbers to write (default all).
    assessed : list of str, optional
        Sets handed out as assessed: their notebooks import the set from
        :mod:`crmlab.exercises.assessed`, whose ``reference()`` and ``solution()`` are not
        available.

    Raises
    ------
    ValueError
        A set number that has no source, or ``out_dir`` is the exercises folder.
    """
    folder = _source_dir(exercises_dir)
    out = Path(out_dir)
    if out.resolve() in (Path(exercises_dir).resolve(), folder.resolve()):
        raise ValueError(f"{out} holds the exercise sources; give a separate hand-out folder.")
    sources = sorted(folder.glob("*.ipynb"))
    known = {p.name[:2] for p in sources}
    wanted = {f"{int(n):02d}" for n in sets} if sets else known
    marked = {f"{int(n):02d}" for n in assessed or []}
    unknown = sorted((wanted | marked) - known)
    if unknown:
        raise ValueError(
            f"no exercise set {', '.join(unknown)}; known sets: {', '.join(sorted(known))}."
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        number = source.name[:2]
        if number not in wanted:
            continue
        student, _ = render_exercise(source)
        if number in marked:
            student = student.replace(
                f"from crmlab.exercises import lesson{number} as ex",
                f"from crmlab.exercises.assessed import lesson{number} as ex",
            )
        target = out / source.name
        target.write_bytes(student.encode("utf-8"))
        written.append(target)
    return written
