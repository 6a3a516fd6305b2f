"""Text written for spreadsheets: a cell that starts like a formula is escaped.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (``=HYPERLINK(...)``, ``+cmd|...``), so text from a firm's data or a student's
submission could run when the file is opened ("CSV injection"). Such text gets a leading
apostrophe, which spreadsheets show as plain text. Used by the grader's CSV
(:func:`neutralise`) and by ``customers.csv`` of ``crmlab analyze``
(:func:`spreadsheet_safe_column`).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FORMULA_STARTS",
    "CSV_TEXT_LIMIT",
    "spreadsheet_cell",
    "neutralise",
    "spreadsheet_safe_column",
]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Longest free text the grader writes into one CSV cell.
CSV_TEXT_LIMIT = 200


def spreadsheet_cell(text: str) -> str:
    """``text`` with a leading apostrophe when it starts like a formula, else unchanged."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def neutralise(text: Any, limit: int = CSV_TEXT_LIMIT) -> str:
    """Text safe for a spreadsheet cell: one line, cut to ``limit``, no leading formula sign.

    A leading ``=``, ``+``, ``-``, ``@`` (or tab / carriage return) would make a spreadsheet
    read the cell as a formula; such text gets a leading apostrophe.
    """
    line = " ".join(str(text).split())
    if len(line) > limit:
        line = line[: limit - 3] + "..."
    return spreadsheet_cell(line)


def spreadsheet_safe_column(values: Any) -> Any:
    """A pyarrow text array with :func:`spreadsheet_cell` applied to every value (vectorised)."""
    import re

    import pyarrow.compute as pc

    starts = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"
    formula = pc.fill_null(pc.match_substring_regex(values, starts), False)
    return pc.if_else(formula, pc.binary_join_element_wise("'", values, ""), values)
