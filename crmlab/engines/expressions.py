"""User-written row expressions (``--amount-expr``, ``--where``), parsed and checked with SQLGlot.

A researcher preparing a real export writes small pieces of SQL: the amount of an order line
(``Quantity * UnitPrice``) and which lines are sales (``Quantity > 0 AND StockCode <> 'POST'``).
Text a user typed never reaches an engine as it was typed: :func:`parse_expression` parses it
with SQLGlot as **one expression over the input's columns**, walks every node of the tree
against an allow-list (columns, literals, arithmetic, comparisons, boolean logic, ``IN`` lists,
``LIKE``, ``IS NULL``, ``CASE``, ``CAST`` and a few scalar functions) and refuses anything else
-- statements, subqueries, table functions such as ``read_csv(...)``, file access, comments,
unknown functions -- with a :class:`~crmlab.errors.CRMLabInputError` (exit 2 on the CLI). The
SQL that runs is generated from the checked tree, with every column a quoted identifier, in
DuckDB's dialect (SQLGlot transpiles it for Spark like every other query).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from crmlab.errors import CRMLabInputError

__all__ = ["RowExpression", "parse_expression", "ALLOWED_NODES", "ALLOWED_FUNCTIONS"]

#: Scalar functions an expression may call (SQLGlot node types; unknown names are refused).
ALLOWED_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Abs,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Length,
    exp.Substring,
    exp.Coalesce,
    exp.Nullif,
    exp.Least,
    exp.Greatest,
    exp.StartsWith,
)

#: Every other node type an expression may contain.
ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.IntDiv,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Between,
    exp.And,
    exp.Or,
    exp.Not,
    exp.In,
    exp.Like,
    exp.ILike,
    exp.Is,
    exp.Case,
    exp.If,
    exp.Cast,
    exp.TryCast,
    exp.DataType,
    exp.DataTypeParam,
    *ALLOWED_FUNCTIONS,
)

#: Root nodes that give a true/false value (what ``--where`` needs).
_CONDITIONS = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.In, exp.Between)


@dataclass(frozen=True)
class RowExpression:
    """A checked expression: the text the user wrote, the SQL that runs and the columns it reads."""

    text: str
    sql: str
    columns: tuple[str, ...]


def _refuse(option: str, text: str, why: str, fix: str) -> CRMLabInputError:
    return CRMLabInputError(f"{option} {text!r}: {why}. Fix: {fix}.")


def parse_expression(
    text: str, columns: Sequence[str], *, option: str, condition: bool
) -> RowExpression:
    """Parse ``text`` as one SQL expression over ``columns`` and check every node.

    Parameters
    ----------
    text : str
        What the user wrote, e.g. ``"Quantity * UnitPrice"``.
    columns : sequence of str
        The input's column names. A name in the expression must be one of them (exactly, or
        differing only in case when that is unambiguous).
    option : str
        The option's name for messages (``"--where"``).
    condition : bool
        The expression must be a condition (true or false per row), as ``--where`` needs.

    Returns
    -------
    RowExpression

    Raises
    ------
    CRMLabInputError
        For text that is not exactly one allowed expression, naming what was refused.
    """
    fix = (
        "write one expression over the input's columns, e.g. "
        + ("\"Quantity > 0 AND StockCode <> 'POST'\"" if condition else "'Quantity * UnitPrice'")
        + "; allowed are columns, numbers, 'text', + - * /, comparisons, AND/OR/NOT, IN (...), "
        "LIKE, IS NULL, CASE, CAST and " + ", ".join(f.key.upper() for f in ALLOWED_FUNCTIONS)
    )
    if not isinstance(text, str) or not text.strip():
        raise _refuse(option, str(text), "is empty", fix)
    try:
        trees = sqlglot.parse(text, read="duckdb")
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0][:160]
        raise _refuse(option, text, f"is not a valid expression ({first})", fix) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise _refuse(option, text, f"holds {len(trees)} statements, not one expression", fix)
    tree = trees[0]
    lookup = {c: c for c in columns}
    folded: dict[str, list[str]] = {}
    for c in columns:
        folded.setdefault(c.lower(), []).append(c)
    used: list[str] = []
    for node in tree.walk():
        if node.comments:
            raise _refuse(option, text, "contains a comment", fix)
        if not isinstance(node, ALLOWED_NODES):
            what = node.key.upper() if isinstance(node, exp.Func) else type(node).__name__
            raise _refuse(option, text, f"uses {what}, which is not allowed", fix)
        if isinstance(node, exp.Column):
            if node.table or node.args.get("db") or node.args.get("catalog"):
                raise _refuse(option, text, f"names a table ({node.sql()})", fix)
            name = node.name
            real = lookup.get(name)
            if real is None and len(folded.get(name.lower(), [])) == 1:
                real = folded[name.lower()][0]
            if real is None:
                shown = ", ".join(map(repr, list(columns)[:12]))
                raise _refuse(
                    option,
                    text,
                    f"names the column {name!r}, which the input does not have (it has {shown})",
                    "spell the column as in the file's header; quote names with spaces in "
                    'double quotes, e.g. "Unit Price"',
                )
            node.set("this", exp.to_identifier(real, quoted=True))
            used.append(real)
    root = tree.unnest() if isinstance(tree, exp.Paren) else tree
    if condition and not isinstance(root, _CONDITIONS):
        raise _refuse(option, text, "is not a condition (true or false for each row)", fix)
    if not condition and isinstance(root, _CONDITIONS):
        raise _refuse(option, text, "is a condition, not a number", fix)
    return RowExpression(
        text=text, sql=tree.sql(dialect="duckdb"), columns=tuple(dict.fromkeys(used))
    )
