"""One book build per test process, shared by tests/test_book.py and tests/test_browser.py.

The book is built from the first two lessons (executed here, with figures and formulas), their
exercise sets and the full glossary, into a temporary folder (``CRMLAB_BOOK_ALL=1``: every
lesson). Both test files put their tests in
the xdist group ``book`` (``make test`` runs ``--dist loadgroup``), so the build happens once.
"""

from __future__ import annotations

import os

from conftest import ROOT

#: The lessons the test book is built from: two, so that previous/next links between lessons
#: exist; lesson 1 and 2 both have formulas and figures. ``CRMLAB_BOOK_ALL=1`` tests the whole
#: book instead, reusing fresh executed copies in build/lessons (as ``make book`` does).
FULL = os.environ.get("CRMLAB_BOOK_ALL") == "1"
BOOK_LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))[: None if FULL else 2]
_BUILT: dict = {}


def built_book(tmp_path_factory):
    """Return the BookReport of the test book, building it on first use."""
    if "report" not in _BUILT:
        from crmlab.book.site import build_book

        base = tmp_path_factory.mktemp("book")
        _BUILT["report"] = build_book(
            base / "site",
            notebooks_dir=ROOT / "notebooks",
            exercises_dir=ROOT / "exercises",
            executed_dir=ROOT / "build" / "lessons" if FULL else base / "executed",
            only=BOOK_LESSONS,
            jobs=2,
            progress=False,
        )
    return _BUILT["report"]
