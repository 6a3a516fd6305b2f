"""The English <-> 中文 terms used in the lessons (``crmlab/glossary.csv``)."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

__all__ = ["terms", "chinese", "term", "for_lesson"]


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, str, int], ...]:
    text = resources.files("crmlab").joinpath("glossary.csv").read_text(encoding="utf-8")
    return tuple(
        (row["english"].strip(), row["chinese"].strip(), int(row["lesson"]))
        for row in csv.DictReader(text.splitlines())
    )


def terms() -> dict[str, str]:
    """All terms as a mapping English -> Chinese."""
    return {en: zh for en, zh, _ in _rows()}


def chinese(english: str) -> str:
    """The Chinese name of an English term (case-insensitive), or a KeyError naming close terms."""
    table = {en.casefold(): zh for en, zh, _ in _rows()}
    try:
        return table[english.casefold()]
    except KeyError:
        close = [en for en, _, _ in _rows() if english.casefold() in en.casefold()]
        hint = f" Did you mean: {', '.join(close[:5])}?" if close else ""
        raise KeyError(f"{english!r} is not in the glossary.{hint}") from None


def term(english: str) -> str:
    """``"English (中文)"``, the way a lesson introduces a key term."""
    return f"{english} ({chinese(english)})"


def for_lesson(lesson: int) -> list[tuple[str, str]]:
    """The (English, Chinese) terms introduced in a lesson, in glossary order."""
    return [(en, zh) for en, zh, n in _rows() if n == lesson]
