"""The English <-> 中文 terms used in the lessons (``crmlab/glossary.csv``).

One row per idea, with the columns

- ``english``: the term as the lessons write it;
- ``chinese``: its one Chinese name (lessons give it beside the English at first use);
- ``lesson``: the lesson that introduces it (the book links to the place in that lesson);
- ``definition``: one English sentence saying what it is;
- ``synonyms``: other names students search for, separated by ``;`` (may be empty), for
  example 客户终身价值 for 客户终生价值; the book's search index finds the term by them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["Term", "entries", "terms", "chinese", "term", "for_lesson"]

COLUMNS = ("english", "chinese", "lesson", "definition", "synonyms")


@dataclass(frozen=True)
class Term:
    """One row of the glossary.

    Attributes
    ----------
    english, chinese : str
        The term and its one Chinese name.
    lesson : int
        The lesson that introduces it.
    definition : str
        One English sentence.
    synonyms : tuple of str
        Other names (Chinese or English) a student may search for.
    """

    english: str
    chinese: str
    lesson: int
    definition: str
    synonyms: tuple[str, ...]


@lru_cache(maxsize=1)
def entries() -> tuple[Term, ...]:
    """Every row of ``glossary.csv`` as a :class:`Term`, in file order."""
    text = resources.files("crmlab").joinpath("glossary.csv").read_text(encoding="utf-8")
    return tuple(
        Term(
            row["english"].strip(),
            row["chinese"].strip(),
            int(row["lesson"]),
            (row.get("definition") or "").strip(),
            tuple(s.strip() for s in (row.get("synonyms") or "").split(";") if s.strip()),
        )
        for row in csv.DictReader(text.splitlines())
    )


def terms() -> dict[str, str]:
    """All terms as a mapping English -> Chinese."""
    return {t.english: t.chinese for t in entries()}


def chinese(english: str) -> str:
    """The Chinese name of an English term (case-insensitive), or a KeyError naming close terms."""
    table = {t.english.casefold(): t.chinese for t in entries()}
    try:
        return table[english.casefold()]
    except KeyError:
        close = [t.english for t in entries() if english.casefold() in t.english.casefold()]
        hint = f" Did you mean: {', '.join(close[:5])}?" if close else ""
        raise KeyError(f"{english!r} is not in the glossary.{hint}") from None


def term(english: str) -> str:
    """``"English (中文)"``, the way a lesson introduces a key term."""
    return f"{english} ({chinese(english)})"


def for_lesson(lesson: int) -> list[tuple[str, str]]:
    """The (English, Chinese) terms introduced in a lesson, in glossary order."""
    return [(t.english, t.chinese) for t in entries() if t.lesson == lesson]
