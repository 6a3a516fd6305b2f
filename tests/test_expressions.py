"""``--amount-expr`` / ``--where``: one expression over the input's columns, nothing else."""

from __future__ import annotations

import pytest

from crmlab.engines.expressions import parse_expression
from crmlab.errors import CRMLabInputError

COLUMNS = ["InvoiceNo", "StockCode", "Quantity", "UnitPrice", "CustomerID", "Unit Price"]


@pytest.mark.parametrize(
    ("text", "condition", "sql"),
    [
        ("Quantity * UnitPrice", False, '"Quantity" * "UnitPrice"'),
        ("quantity*unitprice", False, '"Quantity" * "UnitPrice"'),
        (
            'CAST(Quantity AS DOUBLE) * "Unit Price"',
            False,
            'CAST("Quantity" AS DOUBLE) * "Unit Price"',
        ),
        ("CASE WHEN Quantity > 0 THEN 1 ELSE 0 END", False, None),
        ("Quantity > 0 AND StockCode NOT IN ('POST', 'M')", True, None),
        ("InvoiceNo NOT LIKE 'C%' AND CustomerID IS NOT NULL", True, None),
        ("ABS(Quantity) BETWEEN 1 AND 10 OR LOWER(StockCode) = 'post'", True, None),
    ],
)
def test_allowed_expressions_become_quoted_sql(text, condition, sql):
    e = parse_expression(text, COLUMNS, option="--x", condition=condition)
    if sql is not None:
        assert e.sql == sql
    for col in e.columns:
        assert f'"{col}"' in e.sql


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Quantity; DROP TABLE crm_raw", "2 statements"),
        ("1; COPY crm_raw TO '/tmp/x.csv'", "2 statements"),
        ("COPY crm_raw TO '/tmp/x.csv'", "Copy"),
        ("Quantity -- the rest is a comment", "comment"),
        ("Quantity /* hidden */ + 1", "comment"),
        ("(SELECT 1)", "Subquery"),
        ("Quantity IN (SELECT 1)", "Subquery"),
        ("read_csv('/etc/passwd')", "READCSV"),
        ("read_text('/etc/passwd')", "not allowed"),
        ("getvariable('x')", "not allowed"),
        ("x' OR '1'='1", "not a valid expression"),
        ("'unterminated", "not a valid expression"),
        ("crm_raw.Quantity", "names a table"),
        ("Quantity + Price", "column 'Price'"),
        ("Quantity > 0", "a condition, not a number"),
        ("", "empty"),
    ],
)
def test_injection_forms_are_refused(text, why):
    with pytest.raises(CRMLabInputError, match="Fix:") as info:
        parse_expression(text, COLUMNS, option="--amount-expr", condition=False)
    assert why in str(info.value)


def test_where_must_be_a_condition():
    with pytest.raises(CRMLabInputError, match="not a condition"):
        parse_expression("Quantity * 2", COLUMNS, option="--where", condition=True)


def test_nothing_reaches_the_engine_but_the_generated_sql(tmp_path):
    """A refused expression leaves the file system alone, an allowed one runs on the engine."""
    import pandas as pd

    from crmlab.engines import summarize

    frame = pd.DataFrame(
        {"c": ["a", "a", "b", "b"], "d": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-03-01"]}
        | {"q": [1, 2, 3, 4], "p": [1.5, 2.0, 1.0, 1.0]}
    )
    target = tmp_path / "leak.csv"
    with pytest.raises(CRMLabInputError):
        summarize(
            frame, customer_col="c", date_col="d", amount_expr=f"1); COPY crm_raw TO '{target}'; (1"
        )
    assert not target.exists()
    s = summarize(frame, customer_col="c", date_col="d", amount_expr="q * p")
    assert s.frame()["revenue_cal"].tolist() == [1.5 + 4.0, 3.0 + 4.0]
