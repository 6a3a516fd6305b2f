from __future__ import annotations

import csv

import pytest

from crmlab import glossary

from conftest import LESSONS, ROOT


def test_glossary_is_well_formed():
    with open(ROOT / "crmlab" / "glossary.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"english", "chinese", "lesson"}
    english = [r["english"].strip().casefold() for r in rows]
    duplicates = sorted({e for e in english if english.count(e) > 1})
    assert not duplicates, f"duplicate glossary terms: {duplicates}"
    for r in rows:
        assert r["chinese"].strip(), r
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r["chinese"]), r
        assert 1 <= int(r["lesson"]) <= len(LESSONS), r


def test_lookup():
    assert glossary.chinese("Relationship marketing") == "关系营销"
    assert glossary.term("customer churn") == "customer churn (客户流失)"
    assert ("Lorenz curve", "洛伦兹曲线") in glossary.for_lesson(2)
    with pytest.raises(KeyError, match="Did you mean"):
        glossary.chinese("churn")
