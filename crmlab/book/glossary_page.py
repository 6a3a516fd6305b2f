"""The glossary in the book: each term anchored where its lesson introduces it, and its page.

:func:`mark_terms` puts ``<span id="term-...">`` before the first use of each glossary term in a
lesson (the Chinese name, else a synonym, else the English); :func:`glossary_page` writes the
glossary with one definition per term and a link to that anchor.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from crmlab.glossary import Term, entries

__all__ = ["term_anchor", "mark_terms", "glossary_page"]


def term_anchor(english: str) -> str:
    """The id of the place where a lesson introduces a glossary term, e.g. ``term-lorenz-curve``."""
    return "term-" + (re.sub(r"[^a-z0-9]+", "-", english.casefold()).strip("-") or "x")


_HEADING = re.compile(r"(?m:^#[^\n]*)")
_SKIP_MARKDOWN = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]*>", re.S)


def _blank(match: re.Match) -> str:
    return "\0" * len(match.group(0))


def _term_names(t: Term) -> list[list[str]]:
    """The names a lesson may use for a glossary term, best first: Chinese, synonyms, English."""
    english = re.sub(r"\s*\([^)]*\)", "", t.english).strip()
    groups = [[t.chinese], list(t.synonyms), [english]]
    groups += [[p.strip() for n in (t.chinese, english) if " / " in n for p in n.split(" / ")]]
    return [[n for n in group if len(n) > 1] for group in groups if group]


def _name_pattern(names: list[str]) -> re.Pattern:
    """Any of ``names``, case-insensitive; a Latin name only as whole words."""
    parts = [
        re.escape(n) if re.search(r"[\u4e00-\u9fff]", n) else rf"\b{re.escape(n)}\b" for n in names
    ]
    return re.compile("|".join(parts), re.I)


def mark_terms(nb: Any, number: int) -> dict[str, str]:
    """Put an anchor at the first use of each glossary term of lesson ``number``.

    The first use is the first markdown cell after the lesson's goals that gives the term's
    Chinese name (else a synonym, else the English; code, formulas and link targets do not
    count), the goals cell coming last; a term named only in a heading gets its anchor just
    below the heading.
    Returns {english: anchor} of the terms found; tests/test_book.py names those not found.
    """
    found: dict[str, str] = {}
    cells = [c for c in nb.cells if c.cell_type == "markdown"]
    order = cells[1:] + cells[:1]
    searchable: dict[tuple[int, bool], tuple[str, str]] = {}  # (cell, headings) -> (source, text)

    def text_of(cell: Any, in_headings: bool) -> str:
        key = (id(cell), in_headings)
        if searchable.get(key, ("",))[0] != cell.source:
            text = cell.source if in_headings else _HEADING.sub(_blank, cell.source)
            searchable[key] = (cell.source, _SKIP_MARKDOWN.sub(_blank, text))
        return searchable[key][1]

    for t in (t for t in entries() if t.lesson == number):
        anchor = term_anchor(t.english)
        patterns = [_name_pattern(names) for names in _term_names(t) if names]
        places = ((p, h, c) for p in patterns for h in (False, True) for c in order)
        for pattern, in_headings, cell in places:
            match = pattern.search(text_of(cell, in_headings))
            if match is None:
                continue
            text, at, span = cell.source, match.start(), f'<span id="{anchor}"></span>'
            if in_headings:  # on its own line just below the heading
                end = text.find("\n", at)
                at, span = (len(text), "\n\n" + span) if end < 0 else (end + 1, f"\n{span}\n")
            cell.source = text[:at] + span + text[at:]
            found[t.english] = anchor
            break
    return found


def glossary_page(lessons: Mapping[int, tuple[str, str, Mapping[str, str]]]) -> str:
    """The glossary page (MyST markdown): every term with its definition and a link to its anchor.

    Parameters
    ----------
    lessons : mapping
        Lesson number -> (page stem, title, {english: anchor}) of the lessons in the book; a
        term of another lesson is listed without a link.
    """
    rows = entries()
    lines = [
        "# Glossary · 术语表",
        "",
        f"Every key term of the workbook ({len(rows)} terms): its Chinese name, what it means, and "
        "a link to the place where a lesson introduces it. Lessons give the Chinese name beside "
        "the English the first time a term is used. *Also* lists other names you may meet or "
        "search for; the search box finds the term by them too.",
        "",
        "| English | 中文 | Definition | Introduced in |",
        "|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: r.english.casefold()):
        if row.lesson not in lessons:
            where = f"Lesson {row.lesson} (not in this build)"
        else:
            stem, title, anchors = lessons[row.lesson]
            title = re.sub(r"^[0-9]+ *· *", "", title)
            anchor = anchors.get(row.english)
            target = f"notebooks/{stem}.html" + (f"#{anchor}" if anchor else "")
            where = f'<a href="{target}">Lesson {row.lesson} · {html.escape(title)}</a>'
        definition = row.definition
        if row.synonyms:
            definition += " *Also:* " + ", ".join(row.synonyms) + "."
        cells = (row.english, row.chinese, definition, where)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
