"""The lessons and exercise sets follow the course's notation sheet (``notebooks/00_notation.md``).

The sheet has three machine-read tables. Symbols: where a lesson first writes a sheet symbol on
its own (``$m$`` or ``$m = ...$``), the words just before it must name the sheet's idea (a "cue"
word) and none of its "never" words (so ``margin rate $m$`` or ``redemption rate $r$`` fail).
Terms: where a lesson writes ``term (中文...)``, the Chinese must be the sheet's one name.
Local symbols: letters that keep a published model's meaning in one lesson (lesson 5's BG/NBD
parameters), skipped there.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from crmlab.clv import simple_clv
from crmlab.economics import cohort_profit

from conftest import LESSONS, ROOT

SHEET = ROOT / "notebooks" / "00_notation.md"
#: How many characters before a symbol's first appearance may hold the words that define it.
WINDOW = 90
_CJK = re.compile(r"[\u4e00-\u9fff]+")


def _table(text: str, marker: str) -> list[dict[str, str]]:
    """Rows of the first markdown table after ``marker`` as dicts (header -> cell)."""
    lines = text.split(marker, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, body = rows[0], rows[2:]
    return [dict(zip(header, row, strict=True)) for row in body]


def _words(cell: str) -> list[str]:
    return [w.strip().lower() for w in cell.split(";") if w.strip()]


SHEET_TEXT = SHEET.read_text(encoding="utf-8")
SYMBOLS = {row["symbol"].strip("$"): row for row in _table(SHEET_TEXT, "<!-- notation-symbols")}
TERMS = {row["term"]: row["中文"] for row in _table(SHEET_TEXT, "<!-- notation-terms")}
#: Lesson number -> symbols that keep a published model's meaning there (the sheet says which).
LOCAL = {
    row["lesson"]: {w.strip().strip("$") for w in row["symbols"].split(";")}
    for row in _table(SHEET_TEXT, "<!-- notation-local")
}
#: Terms in lessons owned by other work that still use another Chinese name; the lead's merge
#: note for issue #26 lists them. Remove an entry when that lesson adopts the sheet's name.
NOT_YET: dict[str, set[str]] = {}


def _markdown(path) -> str:
    nb = nbformat.read(path, as_version=4)
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)  # display formulas define nothing
    return re.sub(r"<!--.*?-->", " ", text, flags=re.S)


def _plain(text: str) -> str:
    """Text without markdown emphasis, code ticks and Chinese, lower case, one line."""
    text = re.sub(r"[*`_]", "", text)
    text = _CJK.sub("", text)
    return re.sub(r"\s+", " ", text).lower()


def symbol_problems(markdown: str, local: frozenset[str] = frozenset()) -> list[str]:
    """Every sheet symbol whose first stand-alone appearance is not introduced as on the sheet.

    The defining words may come just before the symbol ("the retention rate $r$") or just after
    it ("$d$ the monthly discount rate"); the "never" words are looked for just before it.
    """
    problems = []
    spans = list(re.finditer(r"\$([^$\n]+)\$", markdown))
    for symbol, row in SYMBOLS.items():
        if symbol in local:
            continue
        own = re.compile(rf"^\s*{re.escape(symbol)}\s*(=|$)")
        first = next((m for m in spans if own.match(m.group(1))), None)
        if first is None:
            continue
        before = _plain(markdown[max(0, first.start() - WINDOW) : first.start()])
        after = _plain(markdown[first.end() : first.end() + WINDOW // 2])
        cues, never = _words(row["cue"]), _words(row["never"])
        if not any(c in before or c in after for c in cues):
            problems.append(f"${symbol}$ after {before[-60:]!r}: expected one of {cues}")
        elif bad := [w for w in never if w in before[-45:]]:
            problems.append(
                f"${symbol}$ after {before[-60:]!r}: the sheet's ${symbol}$ is never {bad}"
            )
    return problems


def _term_pattern(term: str) -> str:
    return rf"(?<![\w-]){re.escape(term)}\**\s*[(（]\s*\**([^)）]*)"


def term_problems(markdown: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Every ``term (中文`` whose Chinese is not the sheet's name for the term.

    A longer sheet term wins over a shorter one inside it: "net margin (…" is checked as
    *net margin*, not as *margin*.
    """
    problems = []
    for term, chinese in TERMS.items():
        if term in skip:
            continue
        longer = [t for t in TERMS if t != term and term.lower() in t.lower()]
        covered = [
            m.span() for t in longer for m in re.finditer(_term_pattern(t), markdown, flags=re.I)
        ]
        for match in re.finditer(_term_pattern(term), markdown, flags=re.I):
            if any(lo <= match.start() < hi for lo, hi in covered):
                continue
            names = _CJK.findall(match.group(1))
            if names and names != [chinese]:
                problems.append(f"{match.group(0)!r}: the sheet names {term!r} {chinese}")
    return problems


def test_sheet_tables_parse():
    assert {"m", r"\mu", "r", "d", "CLV"} <= set(SYMBOLS)
    assert TERMS["margin"] == "毛利额" and TERMS["margin rate"] == "毛利率"
    assert LOCAL["05"] and all(set(symbols) for symbols in LOCAL.values())
    for row in SYMBOLS.values():
        assert _CJK.search(row["中文"]) and _words(row["cue"]), row
    chinese = list(TERMS.values()) + [row["中文"] for row in SYMBOLS.values()]
    one_name = {zh for zh in chinese if chinese.count(zh) > 1}
    assert one_name <= {row["中文"] for row in SYMBOLS.values()}, one_name


def test_the_checks_catch_a_redefinition():
    """The scanners flag the mistakes the sheet exists to prevent, and pass the right wording."""
    assert symbol_problems("the margin rate $m$ of the goods")
    assert symbol_problems("the redemption rate $r$ of points")
    assert symbol_problems("for the $m$ indicators")
    assert not symbol_problems("a yearly **margin (毛利额)** $m$, and the retention rate $r$")
    assert not symbol_problems("the margin rate $\\mu$, the share of revenue")
    assert term_problems("each **margin (利润率 / 边际利润)** per year")
    assert not term_problems("each **margin (毛利额)** and its **margin rate (毛利率)**")
    assert not term_problems("the **net margin (扣除服务成本后的毛利额)**, $m - c$")
    assert term_problems("the **net margin (毛利率)**, $m - c$")


def test_sheet_numbers_and_conversion_are_right():
    """The sheet's worked example, and "first payment now" = m + CLV over one period fewer."""
    assert f"{simple_clv(100, 0.8, 0.1):.2f}" in SHEET_TEXT
    assert f"{100 * 1.1 / (1.1 - 0.8):.2f}" in SHEET_TEXT
    m, r, d, years = 80.0, 0.7, 0.1, 6
    cohort = cohort_profit(r, years=years, n_customers=1, margin=m, discount_rate=d)
    first_now = cohort["cumulative_discounted_profit"].iloc[-1]
    assert first_now == pytest.approx(m + simple_clv(m, r, d, horizon=years - 1))


EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize(
    "path",
    LESSONS + EXERCISES,
    ids=[p.stem for p in LESSONS] + [f"exercises-{p.stem}" for p in EXERCISES],
)
def test_lesson_follows_the_notation_sheet(path):
    markdown, lesson = _markdown(path), path.name[:2]
    problems = symbol_problems(markdown, frozenset(LOCAL.get(lesson, ()))) + term_problems(
        markdown, frozenset(NOT_YET.get(lesson, ()))
    )
    assert not problems, f"{path.name} (see notebooks/00_notation.md):\n" + "\n".join(problems)


def test_glossary_agrees_with_the_sheet():
    """A term on both the sheet and crmlab/glossary.csv has the same single Chinese name."""
    from crmlab import glossary

    table = {en.casefold(): zh for en, zh in glossary.terms().items()}
    shared = {term: zh for term, zh in TERMS.items() if term.casefold() in table}
    assert {"margin", "margin rate", "current value", "hazard", "share of wallet"} <= set(shared)
    wrong = {t: (zh, table[t.casefold()]) for t, zh in shared.items() if table[t.casefold()] != zh}
    assert not wrong, f"sheet vs glossary: {wrong}"
