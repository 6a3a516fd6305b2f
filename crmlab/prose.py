"""Keep a lesson's prose and its outputs in agreement: every number the text quotes is printed above.

The rule of the workbook (no number in the prose that a cell above does not print) is checked on an
*executed* notebook by :func:`unsupported_numbers`. For each markdown cell, every number in its text
must match a number in the outputs of the code cells above it (or in the ``parameters`` cell,
whose values the reader sees), allowing the rounding written:

- ``67.8%`` matches an output 0.6781, 0.678 or 67.81; ``about 0.32`` matches 0.3197;
- ``2,357`` matches 2357 or 2357.0; a written integer of 1,000 or more that ends in zeros is read as
  rounded to its last non-zero digit (``almost $14,000`` matches 13990.93, ``4.7 million`` matches
  4,746,868); smaller integers are read as written (``20`` matches 19.6, not 19.4);
- an output printed as a percentage also supports the fraction (``32.2%`` supports ``0.322``);
- signs are ignored (``fell by 12.1%`` matches -0.121).

Not checked: numbers inside LaTeX (``$...$``, ``$$...$$``), inline code and code blocks; years (an
integer 1900-2100) and dates (``1997-09-30``, ``30 June 1998``, ``June 1998``); labels such as
``lesson 05``, ``step 3``, ``q1``, ``year 6``, ``month 15`` and list numbering; numbers written in
words. Values from the literature are exempt when listed in an HTML comment in the same cell,
``<!-- literature: 80, 20, 25%, 95% -->``.

Run it on executed notebooks (for example those from ``crmlab lessons``) with
``python -m crmlab.prose build/lessons/*.ipynb``.
"""

from __future__ import annotations

import html
import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ProseNumber", "prose_numbers", "output_numbers", "unsupported_numbers", "report"]

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
# A word before a number that makes it a label, not a quantity ("lesson 5", "step 3", "year 6").
_LABELS = (
    "lessons?|steps?|sections?|questions?|exercises?|chapters?|parts?|figures?|tables?|cells?|"
    "sets?|q|years?|months?|weeks?|days?|ages?|periods?|generations?|k|cohorts?"
)
_LIST_TAIL = r"(?:\s*(?:,|and|or|to|–|-|&)\s*\d+)*"

_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_LITERATURE = re.compile(r"^\s*literature\s*:(.*)$", re.S | re.I)
_FENCE = re.compile(r"```.*?```", re.S)
_INLINE_CODE = re.compile(r"`[^`]*`")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
# pandoc's rule: "$" opens math when followed by a non-space, and closes it when preceded by a
# non-space and not followed by a digit, so "$20 and $30" is money, not math.
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?=\S)(?:[^$\\]|\\.)+?(?<=\S)\$(?!\d)")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_PATH = re.compile(r"\S+\.(?:ipynb|py|csv|md|html|json|parquet)\b")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
_DAY_MONTH = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b", re.I)
_MONTH_DAY = re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*%)", re.I)
_LABEL = re.compile(rf"(?<![A-Za-z])(?:{_LABELS})\s*(?:=\s*)?\d+{_LIST_TAIL}(?![\d.,]*\d)", re.I)
_HEADING_NUMBER = re.compile(r"^(#+\s*)\d+", re.M)
_LIST_NUMBER = re.compile(r"^(\s*)\d+[.)](?=\s)", re.M)

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.\\])"  # not the tail of a word, an id like A140 or q1, or a decimal
    r"(?P<sign>[-−])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<ordinal>st|nd|rd|th)?"
    r"(?![A-Za-z0-9_]|\.\d)"
    r"(?P<pct>\s?%)?"
    r"(?P<scale>\s+(?:thousand|million|billion))?"
)
_RANGE_TO_PERCENT = re.compile(r"\s?[–-]\s?\d[\d,]*(?:\.\d+)?\s?%")
_PERCENT_AFTER = re.compile(r"\s?%")
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_OUTPUT_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class ProseNumber:
    """A number quoted in a markdown cell, with the precision it is written to.

    Attributes
    ----------
    text : str
        The number as written, e.g. ``"67.8%"`` or ``"2,357"``.
    value : float
        Its magnitude (percent as written: ``67.8%`` gives 67.8).
    tolerance : float
        Half a unit of the last digit written (0.05 for ``67.8%``).
    percent : bool
        True if the number ends in ``%``.
    context : str
        The words around it, to find it in the cell.
    """

    text: str
    value: float
    tolerance: float
    percent: bool
    context: str

    def matches(self, output: float) -> bool:
        """True if ``output`` (an unsigned number printed by a cell) rounds to this number."""
        candidates = (output, output * 100) if self.percent else (output,)
        return any(abs(c - self.value) <= self.tolerance * (1 + 1e-9) + 1e-12 for c in candidates)


def _literature(comment_bodies: Iterable[str]) -> set[float]:
    values: set[float] = set()
    for body in comment_bodies:
        found = _LITERATURE.match(body)
        if found:
            for m in _OUTPUT_NUMBER.finditer(found.group(1)):
                values.add(float(m.group().replace(",", "")))
    return values


def _blank(match: re.Match[str]) -> str:
    """Replace a match by spaces (keeps the offsets of the rest, and splits words apart)."""
    return " " * len(match.group())


def _clean(source: str) -> str:
    """The prose of a markdown cell with everything that is not checked blanked out."""
    text = source.replace("\\$", " ")
    for pattern in (
        _COMMENT,
        _FENCE,
        _INLINE_CODE,
        _DISPLAY_MATH,
        _INLINE_MATH,
        _LINK_TARGET,
        _PATH,
        _ISO_DATE,
        _DAY_MONTH,
        _MONTH_DAY,
        _LABEL,
    ):
        text = pattern.sub(_blank, text)
    for pattern in (_HEADING_NUMBER, _LIST_NUMBER):  # keep the "## " or indent, blank the number
        text = pattern.sub(lambda m: m.group(1) + " " * (len(m.group()) - len(m.group(1))), text)
    return text


def _precision(num: str, scale: float) -> float:
    """Half a unit of the last written digit, reading 14,000 as rounded to thousands."""
    if "." in num:
        decimals = len(num.split(".", 1)[1])
        return 0.5 * 10.0**-decimals * scale
    digits = num.replace(",", "")
    unit = 1.0
    if int(digits) * scale >= 1000 and digits != "0":
        stripped = digits.rstrip("0")
        unit = 10.0 ** (len(digits) - len(stripped))
    return 0.5 * unit * scale


def prose_numbers(source: str) -> list[ProseNumber]:
    """The numbers a markdown cell quotes that must be printed above it.

    Parameters
    ----------
    source : str
        The markdown source of one cell.

    Returns
    -------
    list of ProseNumber
        In order of appearance; exempt numbers (see the module docstring) are left out.
    """
    literature = _literature(m.group(1) for m in _COMMENT.finditer(source))
    text = _clean(source)
    found = []
    for m in _NUMBER.finditer(text):
        num = m.group("num")
        value = float(num.replace(",", ""))
        scale = _SCALES[m.group("scale").strip()] if m.group("scale") else 1.0
        is_year = (
            "," not in num
            and "." not in num
            and 1900 <= value <= 2100
            and not m.group("pct")
            and scale == 1.0
        )
        if is_year or value in literature:
            continue
        start, end = max(0, m.start() - 30), min(len(source), m.end() + 30)
        context = " ".join(source[start:end].split())
        found.append(
            ProseNumber(
                text=m.group().strip(),
                value=value * scale,
                tolerance=_precision(num, scale),
                percent=bool(m.group("pct") or _RANGE_TO_PERCENT.match(text, m.end())),
                context=context,
            )
        )
    return found


def _output_text(output: Any) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("text", "")
    if kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        parts = [data.get("text/plain", "")]
        if "text/html" in data:  # wide tables: the HTML is not truncated like the plain text
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ", data["text/html"])))
        if "text/markdown" in data:
            parts.append(data["text/markdown"])
        return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)
    return ""


def output_numbers(text: str) -> set[float]:
    """Every (unsigned) number in a cell's printed output, e.g. ``{69659.0, 0.489, 2000000.0}``."""
    values = set()
    for m in _OUTPUT_NUMBER.finditer(text):
        try:
            v = float(m.group().replace(",", ""))
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
        if math.isfinite(v):
            values.add(v)
            if _PERCENT_AFTER.match(text, m.end()):  # "32.2%" also supports the prose "0.322"
                values.add(v / 100)
    return values


def unsupported_numbers(nb: Any) -> list[tuple[int, ProseNumber]]:
    """Numbers in a notebook's markdown that no output above them shows.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An *executed* notebook. Cells tagged ``injected-parameters`` (papermill) are not counted
        in the cell index, so indices refer to the stored notebook.

    Returns
    -------
    list of (int, ProseNumber)
        The cell index (from 0) and the number, for every number without support.
    """
    seen: set[float] = set()
    problems = []
    index = -1
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" not in tags:
            index += 1
        if cell.get("cell_type") == "markdown":
            for number in prose_numbers(cell.get("source", "")):
                if not any(number.matches(v) for v in seen):
                    problems.append((index, number))
        elif cell.get("cell_type") == "code":
            if "parameters" in tags or "injected-parameters" in tags:
                seen |= output_numbers(cell.get("source", ""))
            for output in cell.get("outputs", []):
                seen |= output_numbers(_output_text(output))
    return problems


def report(name: str, problems: list[tuple[int, ProseNumber]]) -> str:
    """One message listing every unsupported number of a notebook, one line each."""
    lines = [
        f"{name}: {len(problems)} number(s) in the prose are not printed by any cell above them "
        "(print them, round as the output does, or mark literature values with "
        "<!-- literature: ... -->):"
    ]
    lines += [f'  cell {i}: {n.text!r} in "...{n.context}..."' for i, n in problems]
    return "\n".join(lines)


def _main(paths: list[str]) -> int:
    import nbformat

    bad = 0
    for path in paths:
        problems = unsupported_numbers(nbformat.read(path, as_version=4))
        if problems:
            bad += 1
            print(report(Path(path).name, problems))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
