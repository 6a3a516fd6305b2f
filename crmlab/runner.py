"""Execute notebooks with papermill, several at once, and check how they are stored.

Used by ``crmlab lessons`` (run every lesson notebook) and by the tests; :func:`execute_many`
runs a list of :class:`NotebookTask`. (Grading does not use this module: submissions run in the
sandbox of :mod:`crmlab.exercises.sandbox`.) Each notebook runs in its own kernel (``python3``) with the
notebook's folder as working directory; a process pool runs as many at once as there are cores.

papermill, nbformat and nbconvert are imported inside the functions, so ``import crmlab`` stays
fast.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "KERNELSPEC",
    "NotebookResult",
    "NotebookTask",
    "check_notebook_structure",
    "execute_many",
    "run_notebooks",
]

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
#: Kernel environment that keeps figures as outputs even when the calling shell (or the test
#: suite) sets ``MPLBACKEND=Agg``: ``crmlab lessons`` and the book execute lessons with it.
INLINE_BACKEND = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}
"""The kernelspec every committed notebook carries."""

_MIN_CELL_TIMEOUT = 0.01  # nbclient reads a timeout of 0 as "no timeout"


@dataclass(frozen=True)
class NotebookResult:
    """What happened when one notebook was executed.

    Attributes
    ----------
    path : Path
        The notebook that was executed.
    output : Path or None
        The executed copy (written even when a cell failed), None if nothing could be written.
    seconds : float
        Wall time, kernel start included.
    ok : bool
        True if every cell ran without an error and within the time limit.
    cell_index : int or None
        Index of the failing (or timed-out) cell in the *source* notebook, counted from 0.
    ename, evalue : str or None
        Exception name and message, e.g. ``"ZeroDivisionError"``, ``"division by zero"``.
    timed_out : bool
        True if the notebook was stopped because it ran longer than the timeout.
    html : Path or None
        The HTML rendering of the executed copy, if asked for.
    """

    path: Path
    output: Path | None
    seconds: float
    ok: bool
    cell_index: int | None = None
    ename: str | None = None
    evalue: str | None = None
    timed_out: bool = False
    html: Path | None = None

    @property
    def problem(self) -> str:
        """One line saying what went wrong ("" if nothing did)."""
        if self.ok:
            return ""
        where = f"cell {self.cell_index}: " if self.cell_index is not None else ""
        message = (self.evalue or "").strip().splitlines()
        return f"{where}{self.ename}: {message[0] if message else ''}".rstrip(": ")


@dataclass(frozen=True)
class NotebookTask:
    """One notebook to execute with :func:`execute_many`.

    Attributes
    ----------
    source : Path
        The notebook to run (its folder is the working directory).
    output : Path
        Where the executed copy is written.
    parameters : mapping
        Values papermill injects after the cell tagged ``parameters``.
    timeout : float
        Seconds for the whole notebook, kernel start included.
    env : mapping
        Extra environment variables for the kernel.
    render : callable, optional
        ``render(notebook, path)`` writes an HTML rendering of the executed notebook beside
        ``output`` and returns its path (e.g. :func:`crmlab.book.lesson_html.write_lesson_html`;
        a module-level function, so that it reaches the worker process).
    """

    source: Path
    output: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 120.0
    env: Mapping[str, str] = field(default_factory=dict)
    render: Callable[[Any, Path], Path] | None = None


# --------------------------------------------------------------------------------------------
# one notebook, inside a worker process
# --------------------------------------------------------------------------------------------
def _quiet_worker() -> None:
    """Send the worker's (and so its kernels') stdout and stderr to /dev/null.

    Kernels inherit these file descriptors and print start-up warnings and, after a timeout,
    ZMQ tracebacks; none of it concerns the user. Results come back through the pool.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    # jsonschema's optional IRI format checker (rfc3987_syntax) builds a grammar at import, 2+ s
    # per worker; nbformat's schema never uses it. This process is ours, so skip it here.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import logging

    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    logging.getLogger("traitlets").setLevel(logging.CRITICAL)


def _source_index(nb: Any, index: int) -> int:
    """Map a cell index of the executed copy to the source notebook (skip injected cells)."""
    injected = sum(
        "injected-parameters" in cell.metadata.get("tags", []) for cell in nb.cells[:index]
    )
    return index - injected


def _last_started_cell(nb: Any) -> int | None:
    started = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.metadata.get("papermill", {}).get("start_time") is not None
    ]
    return started[-1] if started else None


def _execute(task: NotebookTask) -> NotebookResult:
    """Execute one notebook with papermill; never raises for a failure of the notebook."""
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    start = time.monotonic()
    deadline = start + task.timeout

    def timeout_func(cell: Any) -> float:
        # One budget for the whole notebook: each cell may use what the earlier ones left.
        return max(_MIN_CELL_TIMEOUT, deadline - time.monotonic())

    saved = {k: os.environ.get(k) for k in task.env}
    os.environ.update(task.env)  # the kernel inherits this process's environment
    ok, index, ename, evalue, timed_out = True, None, None, None, False
    try:
        task.output.parent.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(
            str(task.source),
            str(task.output),
            parameters=dict(task.parameters),
            kernel_name="python3",
            cwd=str(task.source.parent),
            progress_bar=False,
            log_output=False,
            start_timeout=60,
            timeout_func=timeout_func,
        )
    except pm.PapermillExecutionError as exc:
        ok, index, ename, evalue = False, exc.cell_index, exc.ename, exc.evalue
    except CellTimeoutError:
        ok, ename, timed_out = False, "Timeout", True
        evalue = f"stopped after {task.timeout:g} s (the whole notebook's time limit)"
    except DeadKernelError as exc:
        ok, ename, evalue = False, "DeadKernelError", str(exc)
    except Exception as exc:  # invalid file, missing kernel, ...: report, do not crash the pool
        ok, ename, evalue = False, type(exc).__name__, str(exc)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.monotonic() - start

    output, html = (task.output if task.output.exists() else None), None
    if output is not None:
        try:
            nb = nbformat.read(output, as_version=4)
        except Exception:  # a half-written copy: keep the error we already have
            nb = None
        if nb is not None:
            if timed_out:
                index = _last_started_cell(nb)
            if index is not None:
                index = _source_index(nb, index)
            if task.render is not None:
                html = task.render(nb, output.with_suffix(".html"))
    return NotebookResult(task.source, output, seconds, ok, index, ename, evalue, timed_out, html)


# --------------------------------------------------------------------------------------------
# many notebooks
# --------------------------------------------------------------------------------------------
def _cpu_count() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def execute_many(
    tasks: Sequence[NotebookTask],
    *,
    jobs: int | None = None,
    progress: bool = True,
    desc: str = "notebooks",
    on_result: Callable[[NotebookResult], str] | None = None,
) -> list[NotebookResult]:
    """Run ``tasks`` in a process pool and return their results in the order given.

    ``on_result(result)`` returns the line printed under the progress bar for each finished
    notebook (default: name and time).
    """
    if not tasks:
        return []
    jobs = max(1, min(jobs or _cpu_count(), len(tasks)))
    from tqdm.auto import tqdm

    def line(r: NotebookResult) -> str:
        mark = "ok  " if r.ok else "FAIL"
        extra = f"  {r.problem}" if not r.ok else ""
        return f"{mark} {r.path.name:<40} {r.seconds:6.1f} s{extra}"

    results: dict[int, NotebookResult] = {}
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    with (
        ProcessPoolExecutor(jobs, mp_context=context, initializer=_quiet_worker) as pool,
        tqdm(total=len(tasks), desc=desc, unit="nb", disable=not progress, file=sys.stderr) as bar,
    ):
        futures = {pool.submit(_execute, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the worker itself died
                task = tasks[i]
                result = NotebookResult(
                    task.source, None, 0.0, False, None, type(exc).__name__, str(exc)
                )
            results[i] = result
            if progress:
                bar.write((on_result or line)(result), file=sys.stderr)
                bar.update()
    return [results[i] for i in range(len(tasks))]


def run_notebooks(
    paths: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    parameters: Mapping[str, Any] | None = None,
    timeout: float = 120,
    jobs: int | None = None,
    render: Callable[[Any, Path], Path] | None = None,
    progress: bool = True,
    env: Mapping[str, str] | None = None,
) -> list[NotebookResult]:
    """Execute notebooks with papermill, several at once, and save the executed copies.

    Parameters
    ----------
    paths : iterable of path
        Notebooks to run. Each runs in its own ``python3`` kernel with its own folder as the
        working directory.
    out_dir : path
        Where the executed ``.ipynb`` (and ``.html``) copies go, under the same file names.
    parameters : mapping, optional
        Values injected by papermill after the cell tagged ``parameters`` (same for all).
    timeout : float
        Time limit in seconds for each whole notebook, kernel start included.
    jobs : int, optional
        Notebooks run at once; default the number of usable cores.
    render : callable, optional
        ``render(notebook, path)`` also writes an HTML rendering beside each executed copy;
        the book passes :func:`crmlab.book.lesson_html.write_lesson_html` (self-contained, no
        network: formulas typeset to MathML, images inline). The runner knows no renderer:
        tooling above it (the book, the CLI) hands one in.
    progress : bool
        Show a progress bar and one line per finished notebook with its time (on stderr).
    env : mapping, optional
        Extra environment variables for the kernels.

    Returns
    -------
    list of NotebookResult
        In the order of ``paths``; ``ok`` is False for a failing or timed-out notebook, with
        the failing cell's index and the error.

    Notes
    -----
    Notebooks run in worker processes started with the "spawn" method, which re-imports the
    calling script: from a script, call this under ``if __name__ == "__main__":`` (as with any
    use of :mod:`multiprocessing`); from a notebook or ``python -c`` it works as is, but not
    from a script piped to ``python`` on standard input.
    """
    sources = [Path(p) for p in paths]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such notebook(s): {missing}; check the paths.")
    names = [p.name for p in sources]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ValueError(
            f"two notebooks named {clashes} would overwrite each other in out_dir; "
            "run them in separate calls with different out_dir."
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be positive, finite seconds, got {timeout!r}.")
    out = Path(out_dir)
    tasks = [
        NotebookTask(
            source=src.resolve(),
            output=(out / src.name).resolve(),
            parameters=dict(parameters or {}),
            timeout=float(timeout),
            env=dict(env or {}),
            render=render,
        )
        for src in sources
    ]
    return execute_many(tasks, jobs=jobs, progress=progress)


# --------------------------------------------------------------------------------------------
# structure of stored notebooks
# --------------------------------------------------------------------------------------------
def _cells_text(indices: list[int]) -> str:
    shown = ", ".join(map(str, indices[:8])) + (", ..." if len(indices) > 8 else "")
    return f"cell{'s' if len(indices) > 1 else ''} {shown}"


def check_notebook_structure(path: str | os.PathLike) -> list[str]:
    """List what is wrong with how a notebook is stored (empty list: nothing).

    Checked: the file is a valid notebook; no outputs and no execution counts are stored; no
    metadata left by a papermill run; exactly one cell tagged ``parameters``; no cell tagged
    ``raises-exception`` (papermill stops there anyway); the kernelspec is ``python3``.
    """
    import nbformat

    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            nb = nbformat.read(fh, as_version=4)
    except (OSError, json.JSONDecodeError, nbformat.reader.NotJSONError, ValueError) as exc:
        return [f"not a readable notebook ({type(exc).__name__}: {exc})"]
    problems = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        problems.append(f"invalid notebook format: {exc.message}")
    name = nb.metadata.get("kernelspec", {}).get("name")
    if name != "python3":
        problems.append(
            f"kernelspec is {name!r}, not 'python3': set metadata.kernelspec to {KERNELSPEC}."
        )
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    with_outputs = [i for i, c in code if c.get("outputs")]
    if with_outputs:
        problems.append(f"{_cells_text(with_outputs)} store outputs; clear them before committing.")
    counted = [i for i, c in code if c.get("execution_count") is not None]
    if counted:
        problems.append(f"{_cells_text(counted)} store execution counts; clear them.")
    if "papermill" in nb.metadata or any("papermill" in c.metadata for c in nb.cells):
        problems.append("metadata from a papermill run is stored; commit the source, not a run.")
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if not tagged:
        problems.append(
            "no cell is tagged 'parameters'; tag one (it may hold just a seed) so papermill "
            "can inject values after it."
        )
    elif len(tagged) > 1:
        problems.append(f"{_cells_text(tagged)} are all tagged 'parameters'; keep one.")
    raising = [
        i for i, c in enumerate(nb.cells) if "raises-exception" in c.metadata.get("tags", [])
    ]
    if raising:
        problems.append(
            f"{_cells_text(raising)} tagged 'raises-exception': papermill fails there anyway; "
            "show the deliberate error inside try/except instead."
        )
    return problems
