from __future__ import annotations

import csv
import re

import pytest

from crmlab import glossary

from conftest import ROOT

CSV = ROOT / "crmlab" / "glossary.csv"


def _rows():
    with open(CSV, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_glossary_has_its_columns():
    with open(CSV, encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == glossary.COLUMNS, (
        f"crmlab/glossary.csv must have the columns {', '.join(glossary.COLUMNS)}; it has {header}"
    )


def test_every_row_is_complete():
    """A clear message per incomplete row, for rows appended by other lessons too."""
    problems = []
    for line, r in enumerate(_rows(), start=2):
        where = f"glossary.csv line {line} ({r['english']!r})"
        if not (r.get("definition") or "").strip():
            problems.append(f"{where}: no definition; write one English sentence in `definition`")
        elif not r["definition"].strip().endswith("."):
            problems.append(f"{where}: the definition should be one sentence ending in '.'")
        if not any("\u4e00" <= ch <= "\u9fff" for ch in r["chinese"]):
            problems.append(f"{where}: `chinese` holds no Chinese characters: {r['chinese']!r}")
        if not re.fullmatch(r"\d+", r["lesson"].strip()) or not 1 <= int(r["lesson"]) <= 99:
            problems.append(f"{where}: `lesson` must be a lesson number, not {r['lesson']!r}")
    assert not problems, "\n".join(problems)


def test_one_term_per_idea():
    rows = _rows()
    english = [r["english"].strip().casefold() for r in rows]
    duplicates = sorted({e for e in english if english.count(e) > 1})
    assert not duplicates, f"duplicate glossary terms: {duplicates}"
    names: dict[str, str] = {}
    problems = []
    for r in rows:
        zh = r["chinese"].strip()
        # two Chinese names for one idea go to `synonyms`; "A / B" only for an English "a / b"
        if " / " in zh and " / " not in r["english"] and "(" not in zh:
            problems.append(f"{r['english']!r}: one Chinese name per idea, move {zh!r} to synonyms")
        for name in [zh, *(s.strip() for s in r["synonyms"].split(";") if s.strip())]:
            if name in names and names[name] != r["english"]:
                problems.append(f"{name!r} names both {names[name]!r} and {r['english']!r}")
            names[name] = r["english"]
    assert not problems, "\n".join(problems)


def test_lookup():
    assert glossary.chinese("Relationship marketing") == "关系营销"
    assert glossary.term("customer churn") == "customer churn (客户流失)"
    assert ("Lorenz curve", "洛伦兹曲线") in glossary.for_lesson(2)
    clv = next(t for t in glossary.entries() if t.english.startswith("customer lifetime value"))
    assert "客户终身价值" in clv.synonyms and clv.definition.endswith(".")
    with pytest.raises(KeyError, match="Did you mean"):
        glossary.chinese("churn")


def test_every_term_is_named_in_its_lesson():
    """The book links each term to its first use in its lesson, so the lesson must name it."""
    import nbformat

    from crmlab.book.glossary_page import mark_terms

    missing = []
    lessons = {int(p.name[:2]): p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for number, path in sorted(lessons.items()):
        found = mark_terms(nbformat.read(path, as_version=4), number)
        missing += [
            f"{t.english!r} ({t.chinese}, lesson {number}) is named nowhere in {path.name}: use "
            "the term there (English and Chinese) or correct its lesson in glossary.csv"
            for t in glossary.entries()
            if t.lesson == number and t.english not in found
        ]
    for t in glossary.entries():
        if t.lesson not in lessons:
            missing.append(f"{t.english!r}: glossary.csv names lesson {t.lesson}, which is missing")
    assert not missing, "\n".join(missing)
