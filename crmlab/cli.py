"""The ``crmlab`` command: run the lessons, build the exercise versions, grade submissions.

Run from the repository root::

    crmlab lessons [--out build/lessons] [--jobs N] [--timeout S] [--no-html] [NOTEBOOK ...]
    crmlab exercises build [--check] [--dir exercises] [--students-only DIR]
    crmlab grade SUBMISSIONS_DIR --exercise NN [--out grades.csv] [--timeout S] [--jobs N]
                 [--memory MB] [--feedback DIR] [--summary FILE] [--executed DIR] [--roster CSV]
                 [--format canvas|moodle] [--only FILE] [--overrides CSV] [--deadline T]
                 [--late-penalty P] [--language en|zh] [--trusted-submissions] ...
    crmlab check-notebooks [PATH ...]
    crmlab book [--out build/book] [--executed build/lessons] [--strict] [NOTEBOOK ...]
    crmlab analyze INPUT... --customer-col C --date-col D [--amount-col A] --out DIR [...]

Exit status 0 on success, 1 when a notebook fails, a file is out of sync or a notebook is
stored wrongly, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

LESSON_GLOB = "[0-9][0-9]_*.ipynb"


def _lessons(args: argparse.Namespace) -> int:
    from crmlab.book.lesson_html import write_lesson_html, write_markdown_html
    from crmlab.book.pages import NOTATION_FILE
    from crmlab.runner import INLINE_BACKEND, run_notebooks

    paths = [Path(p) for p in args.notebooks] or sorted(Path("notebooks").glob(LESSON_GLOB))
    if not paths:
        print("no notebooks/NN_*.ipynb here; run from the repository root.", file=sys.stderr)
        return 1
    results = run_notebooks(  # figures kept even when the shell sets MPLBACKEND=Agg
        paths,
        args.out,
        timeout=args.timeout,
        jobs=args.jobs,
        render=None if args.no_html else write_lesson_html,
        env=INLINE_BACKEND,
    )
    if not args.no_html and Path(args.out).is_dir():  # the notation sheet, beside the lessons
        for sheet in {
            p.parent / NOTATION_FILE for p in paths if (p.parent / NOTATION_FILE).is_file()
        }:
            write_markdown_html(sheet, Path(args.out) / sheet.with_suffix(".html").name)
    width = max(len(r.path.name) for r in results)
    print(f"{'notebook':<{width}}  {'seconds':>7}  result")
    for r in results:
        print(f"{r.path.name:<{width}}  {r.seconds:7.1f}  {'ok' if r.ok else r.problem}")
    failed = [r for r in results if not r.ok]
    total = sum(r.seconds for r in results)
    print(
        f"{len(results) - len(failed)}/{len(results)} ran without error ({total:.1f} s of kernel time); outputs in {args.out}"
    )
    return 1 if failed else 0


def _numbers(text: str | None) -> list[str] | None:
    """``"03,04"`` -> ``["03", "04"]`` (None for None); a non-number is a usage error."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if not t.isdigit()]
    if bad:
        raise ValueError(f"set numbers look like 03,04; got {bad[0]!r}.")
    return items


def _exercises_build(args: argparse.Namespace) -> int:
    from crmlab.exercises.authoring import AuthoringError, build_all, build_students

    try:
        if args.students_only is not None:
            written = build_students(
                args.students_only,
                args.dir,
                sets=_numbers(args.sets),
                assessed=_numbers(args.assessed),
            )
            print(
                f"wrote {len(written)} student version(s) to {args.students_only} (no solutions)."
            )
            return 0
        reports = build_all(args.dir, check=args.check)
    except (AuthoringError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    changed = [p for r in reports for p in r.changed]
    if args.check:
        if changed:
            print(
                "out of sync with the exercise modules and sources (run `crmlab exercises build`):"
            )
            for p in changed:
                print(f"  {p}")
            return 1
        print(f"{len(reports)} exercise set(s) in sync.")
        return 0
    for p in changed:
        print(f"wrote {p}")
    print(f"{len(reports)} exercise set(s) built, {len(changed)} file(s) changed.")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from crmlab.exercises.grading import OutputsIncomplete, grade

    try:
        grade(
            args.submissions,
            exercise=args.exercise,
            out=args.out,
            timeout=args.timeout,
            jobs=args.jobs,
            memory_mb=args.memory,
            feedback_dir=args.feedback,
            summary=args.summary,
            executed_dir=args.executed,
            trusted_submissions=args.trusted_submissions,
            roster=args.roster,
            formats=args.format or ("csv",),
            only=args.only,
            overrides=args.overrides,
            deadline=args.deadline,
            late_penalty=args.late_penalty,
            language=args.language,
            check_setup=not args.no_setup_check,
            solution=args.solution,
            assignment=args.assignment,
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OutputsIncomplete as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _book(args: argparse.Namespace) -> int:
    from crmlab.errors import CRMLabInputError

    try:
        from crmlab.book.site import build_book
    except ImportError as exc:  # sphinx, myst-nb or furo missing
        print(
            f"error: {exc}. Install the book extra: pip install -e '.[book]' (make book does).",
            file=sys.stderr,
        )
        return 2
    try:
        report = build_book(
            args.out,
            executed_dir=args.executed,
            only=args.notebooks or None,
            jobs=args.jobs,
        )
    except CRMLabInputError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except (FileNotFoundError, FileExistsError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(
        f"book: {len(report.lessons)} lessons ({len(report.executed)} executed now), "
        f"{len(report.pages)} pages in {report.seconds:.1f} s; "
        f"open {report.out_dir / 'index.html'}"
    )
    return 1 if report.warnings and args.strict else 0


def _check_notebooks(args: argparse.Namespace) -> int:
    from crmlab.runner import check_notebook_structure

    paths = [Path(p) for p in args.paths] or sorted(
        [*Path("notebooks").glob("*.ipynb"), *Path("exercises").rglob("*.ipynb")]
    )
    bad = 0
    for path in paths:
        for problem in check_notebook_structure(path):
            print(f"{path}: {problem}")
            bad += 1
    print(f"{len(paths)} notebook(s) checked, {bad} problem(s).")
    return 1 if bad else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmlab",
        description="Run the lessons, build exercise versions, grade submissions, build the book, analyze an order log.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("lessons", help="execute the lesson notebooks (papermill, in parallel)")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: notebooks/NN_*.ipynb")
    p.add_argument("--out", default="build/lessons", help="folder for executed copies")
    p.add_argument("--jobs", type=int, default=None, help="notebooks at once (default: cores)")
    p.add_argument("--timeout", type=float, default=120, help="seconds per notebook")
    p.add_argument("--no-html", action="store_true", help="skip the HTML renderings")
    p.set_defaults(func=_lessons)

    p = sub.add_parser("exercises", help="exercise sets")
    esub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    b = esub.add_parser("build", help="write student and solution versions from exercises/source")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of sync")
    b.add_argument("--dir", default="exercises", help="the exercises folder")
    b.add_argument(
        "--students-only",
        metavar="DIR",
        default=None,
        help="write only the student versions into DIR (a hand-out without solutions)",
    )
    b.add_argument("--sets", default=None, help="with --students-only: sets to write, e.g. 03,04")
    b.add_argument(
        "--assessed",
        default=None,
        help="with --students-only: sets handed out as assessed (no reference or solution), "
        "e.g. 04",
    )
    b.set_defaults(func=_exercises_build)

    p = sub.add_parser(
        "grade",
        help="grade a folder of submitted notebooks, each in its own sandbox",
        description="Grade submitted notebooks of one exercise set. Each runs in a bubblewrap "
        "sandbox (no network, read-only package and data, private /tmp and HOME); without "
        "bubblewrap nothing is graded unless --trusted-submissions.",
    )
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    p.add_argument("--exercise", required=True, help="exercise set number, e.g. 01")
    p.add_argument(
        "--out",
        default="grades.csv",
        help="full gradebook CSV, UTF-8 with BOM (default: grades.csv)",
    )
    p.add_argument("--timeout", type=float, default=60, help="seconds per submission (default: 60)")
    p.add_argument(
        "--jobs", type=int, default=None, help="submissions at once (default: all cores)"
    )
    p.add_argument(
        "--memory",
        type=int,
        default=4096,
        help="MiB per kernel, at most the hard ulimit -v (default: 4096)",
    )
    p.add_argument("--feedback", default=None, help="feedback folder (default: OUT_feedback/)")
    p.add_argument("--summary", default=None, help="mistake summary (default: OUT_summary.md)")
    p.add_argument(
        "--executed", default=None, help="keep executed copies in this folder (default: none kept)"
    )
    p.add_argument(
        "--roster", default=None, help="roster CSV with id and name columns (default: none)"
    )
    p.add_argument(
        "--format",
        action="append",
        choices=["csv", "canvas", "moodle"],
        default=None,
        help="also write OUT_canvas.csv / OUT_moodle.csv for the LMS import, repeatable "
        "(default: the gradebook only)",
    )
    p.add_argument(
        "--assignment",
        default=None,
        help="score column in LMS exports (default: 'Exercise set NN')",
    )
    p.add_argument(
        "--only",
        default=None,
        metavar="FILE",
        help="regrade one file into the existing OUT (default: all files)",
    )
    p.add_argument(
        "--overrides", default=None, help="CSV: student, question, points, comment (default: none)"
    )
    p.add_argument(
        "--deadline", default=None, help="e.g. 2026-12-20T23:59, local time (default: none)"
    )
    p.add_argument(
        "--late-penalty",
        default="0%",
        help="'10%%/day' (per started day) or '20%%' flat (default: 0%%)",
    )
    p.add_argument(
        "--language", choices=["en", "zh"], default="en", help="feedback language (default: en)"
    )
    p.add_argument(
        "--solution",
        default=None,
        help="solution notebook for the setup check (default: exercises/solutions/NN_*)",
    )
    p.add_argument(
        "--no-setup-check", action="store_true", help="skip running the solution notebook first"
    )
    p.add_argument(
        "--trusted-submissions",
        action="store_true",
        help="grade WITHOUT a sandbox when bubblewrap is unavailable (every row says so)",
    )
    p.set_defaults(func=_grade)

    p = sub.add_parser("book", help="build the static site of the lessons (offline)")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: notebooks/NN_*.ipynb")
    p.add_argument("--out", default="build/book", help="folder for the site")
    p.add_argument("--executed", default="build/lessons", help="executed lessons (reused if fresh)")
    p.add_argument("--jobs", type=int, default=None, help="lessons executed at once")
    p.add_argument("--strict", action="store_true", help="exit 1 if Sphinx warns")
    p.set_defaults(func=_book)

    p = sub.add_parser("check-notebooks", help="check how notebooks are stored (no outputs, ...)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="default: notebooks/ and exercises/")
    p.set_defaults(func=_check_notebooks)

    from crmlab.research.command import add_parser as add_analyze_parser

    add_analyze_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crmlab`` console command; returns the exit status."""
    args = _parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
