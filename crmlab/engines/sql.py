"""The transaction summary, written once in SQL and compiled for each engine with SQLGlot.

Every query here is written in DuckDB's dialect and passed through :func:`compile_sql`, which
returns it unchanged for DuckDB and transpiles it with SQLGlot for Spark SQL. The queries work
on three named relations that the engines create:

``crm_raw``
    The input as read (the firm's own column names).
``crm_tx``
    One row per order: ``customer`` (id as written), ``day`` (whole days since 1970-01-01),
    ``amount`` (a number, or 0 when there is no amount column) and the raw date and amount text
    (for error messages). Built by :func:`tx_sql`.
``crm_customers``
    One row per customer (the buy-till-you-die summary, in whole days). Built by
    :func:`customers_sql` from ``crm_tx`` and by the pandas engine from
    :func:`crmlab.transactions.rfm_summary`.

Same-day orders of a customer are merged into one transaction (amounts added), the convention of
the BTYD literature and of :func:`~crmlab.transactions.rfm_summary`.
"""

from __future__ import annotations

import re

import numpy as np
import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.time import format_time

from crmlab.dates import OFFSET_RE

__all__ = [
    "compile_sql",
    "quote",
    "quote_table",
    "tx_sql",
    "scores_view_sql",
    "literal",
    "date_sql",
    "offset_sql",
    "id_key_sql",
    "id_collisions_sql",
    "normalized_id_sql",
    "fractional_ids_sql",
    "offset_examples_sql",
    "checks_sql",
    "example_sql",
    "DAYS_SQL",
    "CUSTOMERS_SQL",
    "SUMMARY_SQL",
    "bind",
    "customers_sql",
    "summary_sql",
    "summary_query",
    "patterns_sql",
    "spend_patterns_sql",
    "daily_sql",
    "holdout_errors_sql",
    "scoring_sql",
    "gini_sql",
    "lorenz_sql",
]

#: Day zero of the integer ``day`` column.
EPOCH = "DATE '1970-01-01'"


def quote(name: str) -> str:
    """A column name as a quoted SQL identifier (any characters allowed)."""
    return exp.to_identifier(str(name), quoted=True).sql("duckdb")


def quote_table(name: str) -> str:
    """A table name, possibly qualified (``schema.table``), with each part a quoted identifier."""
    table = exp.to_table(str(name), dialect="duckdb")
    for part in table.parts:
        part.set("quoted", True)
    return table.sql("duckdb")


def _spark_transform(node: exp.Expression) -> exp.Expression:
    """Rewrite DuckDB's TRY_STRPTIME(text, '%d.%m.%Y') as Spark's TRY_TO_TIMESTAMP(text, 'd.M.yyyy')."""
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "TRY_STRPTIME":
        arg, fmt = node.expressions
        java = format_time(fmt.name, Spark.INVERSE_TIME_MAPPING, Spark.INVERSE_TIME_TRIE)
        return exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[arg, exp.Literal.string(java)])
    return node


def compile_sql(sql: str, dialect: str = "duckdb") -> str:
    """Return ``sql`` (DuckDB dialect) for ``dialect`` ("duckdb" or "spark")."""
    if dialect == "duckdb":
        return sql
    if dialect != "spark":
        raise ValueError(f"unknown SQL dialect {dialect!r}; use 'duckdb' or 'spark'")
    tree = sqlglot.parse_one(sql, read="duckdb").transform(_spark_transform)
    return tree.sql(dialect="spark")


def literal(text: str) -> str:
    """A text as a quoted SQL string literal (quotes doubled by SQLGlot)."""
    return exp.Literal.string(str(text)).sql("duckdb")


def offset_sql(text: str) -> str:
    """The UTC offset of a text date, normalised to ``+hhmm`` (empty text when it has none)."""
    raw = f"REPLACE(REGEXP_EXTRACT({text}, {literal(OFFSET_RE)}, 4), ':', '')"
    return (
        f"CASE WHEN {raw} = 'Z' THEN '+0000' WHEN LENGTH({raw}) = 3 THEN {raw} || '00' "
        f"ELSE {raw} END"
    )


def date_sql(
    date_col: str, date_format: str | None, zone: str | None, tz: str | None = None
) -> str:
    """The expression giving the wall-clock timestamp of ``date_col`` (of ``crm_raw``).

    - ``date_format``: text read with that one strftime format;
    - ``zone``: the column holds instants (``TIMESTAMP WITH TIME ZONE``), read on the wall
      clock of that zone, whatever the connection's ``TimeZone`` setting;
    - ``tz`` (text): text with UTC offsets converted to the wall clock of ``tz``;
    - otherwise text (or a timestamp) read on the wall clock as written: a UTC offset is
      dropped, as :func:`crmlab.transactions.rfm_summary` reads one-zone text; mixed offsets
      are refused by the checks (:data:`PROBLEMS`).
    """
    d = quote(date_col)
    if date_format is not None:
        return f"TRY_STRPTIME(CAST({d} AS VARCHAR), {literal(date_format)})"
    if zone is not None:
        return f"({d} AT TIME ZONE {literal(zone)})"
    text = f"CAST({d} AS VARCHAR)"
    if tz is not None:
        return f"(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE {literal(tz)})"
    wall = f"COALESCE(NULLIF(REGEXP_EXTRACT({text}, {literal(OFFSET_RE)}, 1), ''), {text})"
    return f"TRY_CAST({wall} AS TIMESTAMP)"


#: Text forms of one id: spaces trimmed and a trailing ``.0`` of a whole number dropped.
def _stripped(value: str) -> str:
    t = f"TRIM(CAST({value} AS VARCHAR))"
    return (
        f"CASE WHEN REGEXP_MATCHES({t}, '^[0-9]+[.]0+$') "
        f"THEN REGEXP_EXTRACT({t}, '^([0-9]+)', 1) ELSE {t} END"
    )


def id_key_sql(value: str = "customer") -> str:
    """The key two ids share when they differ only by spaces, a trailing ``.0`` or letter case."""
    return f"LOWER({_stripped(value)})"


def id_collisions_sql(customer_col: str) -> str:
    """Keys of ``crm_raw`` written as more than one id: how many, and two examples of each."""
    c = quote(customer_col)
    return (
        f"WITH k AS (SELECT {id_key_sql(c)} AS key, CAST({c} AS VARCHAR) AS id FROM crm_raw "
        f"WHERE {c} IS NOT NULL GROUP BY 1, 2) "
        "SELECT key, MIN(id) AS first, MAX(id) AS second, COUNT(*) AS n_ids, "
        "COUNT(*) OVER () AS n_keys, SUM(COUNT(*)) OVER () AS n_ids_total FROM k GROUP BY key HAVING COUNT(*) > 1 "
        "ORDER BY key LIMIT 2"
    )


def normalized_id_sql(value: str) -> str:
    """One id per key (:func:`id_key_sql`): the smallest stripped form among its spellings."""
    return f"MIN({_stripped(value)}) OVER (PARTITION BY {id_key_sql(value)})"


def tx_sql(
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    date_format: str | None,
    file_col: str | None = None,
    zone: str | None = None,
    *,
    tz: str | None = None,
    id_mode: str = "as_is",
    amount_sql: str | None = None,
) -> str:
    """Normalise ``crm_input`` into ``crm_tx`` (customer, day, amount, raw text, source file).

    ``amount_sql``: a checked expression (:mod:`crmlab.engines.expressions`) computing the
    amount, used instead of ``amount_col``.

    Every column name is a quoted identifier and every text a quoted literal (SQLGlot).
    ``zone`` / ``tz``: see :func:`date_sql`. ``id_mode``: ``"as_is"``, ``"integer"`` (a float
    column of whole numbers read as integers) or ``"normalize"`` (ids that differ only by
    spaces, a trailing ``.0`` or letter case read as one, :func:`normalized_id_sql`).
    """
    d = quote(date_col)
    day = f"DATE_DIFF('day', {EPOCH}, CAST({date_sql(date_col, date_format, zone, tz)} AS DATE))"
    if amount_sql is not None:
        amount, raw_amount = (
            f"TRY_CAST(({amount_sql}) AS DOUBLE)",
            f"CAST(({amount_sql}) AS VARCHAR)",
        )
    elif amount_col is None:
        amount, raw_amount = "CAST(0 AS DOUBLE)", "CAST(NULL AS VARCHAR)"
    else:
        a = quote(amount_col)
        amount, raw_amount = f"TRY_CAST({a} AS DOUBLE)", f"CAST({a} AS VARCHAR)"
    source = quote(file_col) if file_col else "CAST(NULL AS VARCHAR)"
    customer = quote(customer_col)
    if id_mode == "integer":
        customer = f"CAST({customer} AS BIGINT)"
    elif id_mode == "normalize":
        customer = normalized_id_sql(customer)
    offset = offset_sql(f"CAST({d} AS VARCHAR)") if date_format is None and zone is None else "''"
    return (
        f"SELECT {customer} AS customer, {day} AS day, {amount} AS amount, "
        f"CAST({d} AS VARCHAR) AS raw_date, {raw_amount} AS raw_amount, "
        f"CAST({source} AS VARCHAR) AS source_file, {offset} AS raw_offset FROM crm_input"
    )


_BAD_AMOUNT = "amount IS NULL OR ISNAN(amount) OR ABS(amount) > 1e300"

#: For each kind of bad row: the condition, the example value and what orders the examples.
PROBLEMS = {
    "missing_customer": ("customer IS NULL", "COALESCE(raw_date, 'missing')"),
    "bad_date": ("day IS NULL", "COALESCE(raw_date, 'missing')"),
    "bad_amount": (_BAD_AMOUNT, "COALESCE(raw_amount, 'missing')"),
    "negative_amount": ("amount < 0", "amount"),
}


def checks_sql() -> str:
    """One pass over ``crm_tx`` counting every kind of bad row (numbers only: cheap)."""
    counts = ",\n  ".join(f"COUNT_IF({cond}) AS n_{name}" for name, (cond, _) in PROBLEMS.items())
    return f"""
SELECT
  COUNT(*) AS n_rows,
  {counts},
  MIN(day) AS first_day,
  MAX(day) AS last_day,
  COUNT(DISTINCT NULLIF(raw_offset, '')) AS n_offsets,
  COUNT_IF(raw_offset <> '') AS n_with_offset,
  MIN(NULLIF(raw_offset, '')) AS min_offset,
  MAX(NULLIF(raw_offset, '')) AS max_offset
FROM crm_tx
"""


def example_sql(problem: str) -> str:
    """The first offending value (in sort order) of one kind of bad row, and its file."""
    cond, value = PROBLEMS[problem]
    return (
        f"SELECT MIN({value}) AS example, MIN_BY(source_file, {value}) AS file "
        f"FROM crm_tx WHERE {cond}"
    )


def offset_examples_sql() -> str:
    """Two dates with different UTC offsets, and one without (for the mixed-offset error)."""
    return (
        "SELECT MIN_BY(raw_date, raw_offset) FILTER (WHERE raw_offset <> '') AS first, "
        "MAX_BY(raw_date, raw_offset) FILTER (WHERE raw_offset <> '') AS second, "
        "MIN(raw_date) FILTER (WHERE raw_offset = '') AS naive, "
        "MIN_BY(source_file, raw_offset) AS file FROM crm_tx WHERE day IS NOT NULL"
    )


def fractional_ids_sql(customer_col: str) -> str:
    """Rows of a numeric id column that are not whole numbers, and the first of them."""
    c = quote(customer_col)
    return (
        f"SELECT COUNT_IF({c} <> FLOOR({c})) AS n, MIN({c}) FILTER (WHERE {c} <> FLOOR({c})) "
        f"AS example FROM crm_raw"
    )


def after_sql(observation_end: int) -> str:
    """Orders after the observation end (an error: nothing is dropped unseen)."""
    return (
        f"SELECT COUNT(*) AS n_after, MAX(raw_date) AS example_after, "
        f"MAX_BY(source_file, day) AS file_after FROM crm_tx "
        f"WHERE day > {int(observation_end)}"
    )


#: Same-day orders merged: one row per customer and purchase day, from ``crm_tx``.
DAYS_SQL = """
SELECT customer, day, SUM(amount) AS amount, COUNT(*) AS n_rows
FROM crm_tx GROUP BY customer, day
"""

#: The per-customer summary in whole days from ``crm_days``: one pass, filtered aggregates.
#: ``$calibration_end`` is a day number (days since 1970-01-01).
CUSTOMERS_SQL = """
SELECT
  customer,
  MIN(day) AS first_day,
  COUNT(*) FILTER (WHERE day <= $calibration_end) AS n_days_cal,
  MAX(day) FILTER (WHERE day <= $calibration_end) AS last_day_cal,
  COUNT(*) FILTER (WHERE day > $calibration_end) AS n_days_holdout,
  COALESCE(SUM(amount) FILTER (WHERE day <= $calibration_end), 0) AS revenue_cal,
  ARG_MIN(amount, day) AS first_amount,
  COALESCE(SUM(amount) FILTER (WHERE day > $calibration_end), 0) AS revenue_holdout,
  SUM(n_rows) AS n_rows
FROM crm_days GROUP BY customer
"""

#: The buy-till-you-die summary (the columns of ``rfm_summary`` and the day counts the engines
#: use) from ``crm_customers``. ``$calibration_end`` and ``$observation_end`` are day numbers;
#: ``$unit_days`` is the length of the time unit in days. Times are divided in double precision,
#: exactly as ``rfm_summary`` does, so every engine gives the same numbers bit for bit.
SUMMARY_SQL = """
SELECT
  customer,
  n_days_cal - 1 AS frequency,
  CAST(last_day_cal - first_day AS DOUBLE) / $unit_days AS recency,
  CAST($calibration_end - first_day AS DOUBLE) / $unit_days AS T,
  CASE WHEN n_days_cal > 1 THEN (revenue_cal - first_amount) / (n_days_cal - 1) ELSE 0.0 END
    AS monetary_value,
  n_days_holdout AS frequency_holdout,
  CASE WHEN n_days_holdout > 0 THEN revenue_holdout / n_days_holdout ELSE 0.0 END
    AS monetary_value_holdout,
  CAST($observation_end - $calibration_end AS DOUBLE) / $unit_days AS duration_holdout,
  revenue_cal,
  first_day,
  $calibration_end - last_day_cal AS days_since_last,
  last_day_cal - first_day AS recency_days,
  $calibration_end - first_day AS T_days
FROM crm_customers
WHERE n_days_cal > 0
"""


def bind(sql: str, **values: int | float) -> str:
    """``sql`` with each ``$name`` replaced by the number ``values[name]`` (numbers only).

    The engines bind the day numbers and the unit as literals (Spark SQL has no ``$name``
    parameters); only ``int`` and ``float`` values are accepted, so no text reaches the SQL.
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"SQL parameter {name} must be a number, got {value!r}")
    literal = {
        k: repr(int(v)) if isinstance(v, int | np.integer) else repr(float(v))
        for k, v in values.items()
    }

    def sub(match: re.Match) -> str:
        return literal[match.group(1)]

    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", sub, sql)


def customers_sql(calibration_end: int, net: bool = False) -> str:
    """The per-customer summary in whole days (:data:`CUSTOMERS_SQL`), from ``crm_tx``.

    Columns: ``customer``, ``first_day``, ``n_days_cal`` (purchase days up to the calibration
    end), ``last_day_cal``, ``n_days_holdout``, ``revenue_cal``, ``first_amount`` (amount of the
    first purchase day), ``revenue_holdout``, ``n_rows``. Customers whose first purchase is after
    the calibration end keep a row (``n_days_cal = 0``) so they can be counted. ``net``
    (``--returns net``): a customer-day whose amounts add up to zero or less is not a purchase.
    """
    customers = bind(CUSTOMERS_SQL, calibration_end=int(calibration_end))
    days = DAYS_SQL + ("HAVING SUM(amount) > 0\n" if net else "")
    return f"WITH crm_days AS ({days}){customers}"


def summary_sql(calibration_end: int, observation_end: int, unit_days: float) -> str:
    """The BTYD summary (:data:`SUMMARY_SQL`) from ``crm_customers``, its parameters bound."""
    return bind(
        SUMMARY_SQL,
        calibration_end=int(calibration_end),
        observation_end=int(observation_end),
        unit_days=float(unit_days),
    )


def summary_query(
    table: str = "transactions",
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> str:
    """The whole BTYD summary as one readable query over a table of orders (lesson 9 shows it).

    The same :data:`DAYS_SQL`, :data:`CUSTOMERS_SQL` and :data:`SUMMARY_SQL` the engines run,
    as common table expressions over ``table`` (its date column a ``DATE``). The parameters
    ``$calibration_end`` and ``$observation_end`` are day numbers (days since 1970-01-01) and
    ``$unit_days`` the unit's length in days; :func:`crmlab.database.rfm_summary` binds them.
    """
    orders = (
        f"SELECT {quote(customer_col)} AS customer, "
        f"DATE_DIFF('day', {EPOCH}, CAST({quote(date_col)} AS DATE)) AS day, "
        f"{quote(amount_col)} AS amount FROM {quote_table(table)}"
    )
    return (
        "-- The buy-till-you-die summary, one row per customer: the SQL every crmlab engine runs.\n"
        f"WITH crm_tx AS (  -- one row per order: customer, day number, amount\n  {orders}\n),\n"
        f"crm_days AS (  -- same-day orders merged{_indent(DAYS_SQL)}),\n"
        f"crm_customers AS (  -- one row per customer, in whole days{_indent(CUSTOMERS_SQL)})"
        f"{SUMMARY_SQL}ORDER BY customer\n"
    )


def _indent(sql: str) -> str:
    return "\n".join(("  " + line) if line else line for line in sql.split("\n"))


def patterns_sql() -> str:
    """Distinct (frequency, recency, T) patterns of ``crm_summary`` with counts and sums."""
    return """
SELECT frequency, recency_days, T_days, MIN(recency) AS recency, MIN(T) AS T,
  COUNT(*) AS n_customers,
  SUM(frequency_holdout) AS sum_frequency_holdout,
  COUNT_IF(monetary_value > 0) AS n_spend,
  COALESCE(SUM(monetary_value) FILTER (WHERE monetary_value > 0), 0) AS sum_spend
FROM crm_summary GROUP BY frequency, recency_days, T_days
"""


def spend_patterns_sql() -> str:
    """Distinct (frequency, monetary_value) pairs of repeat buyers, with counts (for Gamma-Gamma)."""
    return """
SELECT frequency, monetary_value, COUNT(*) AS n_customers
FROM crm_summary WHERE frequency > 0 GROUP BY frequency, monetary_value
"""


def holdout_errors_sql() -> str:
    """Per-customer holdout errors of ``crm_pattern_scores.expected_holdout`` (MAE, RMSE)."""
    return """
SELECT AVG(ABS(s.frequency_holdout - p.expected_holdout)) AS mae,
  SQRT(AVG((s.frequency_holdout - p.expected_holdout) * (s.frequency_holdout - p.expected_holdout)))
    AS rmse
FROM crm_summary s JOIN crm_pattern_scores p
  ON s.frequency = p.frequency AND s.recency_days = p.recency_days AND s.T_days = p.T_days
"""


def scoring_sql(order: bool) -> str:
    """Customers joined to their pattern's scores (customers with T = 0 are left out)."""
    return f"""
SELECT s.*, p.p_alive, p.expected_purchases, p.det, p.det_log_var
FROM crm_summary s JOIN crm_pattern_scores p
  ON s.frequency = p.frequency AND s.recency_days = p.recency_days AND s.T_days = p.T_days
{"ORDER BY s.customer" if order else ""}
"""


def daily_sql(observation_end: int) -> str:
    """Per day: distinct purchasing customers (purchase days, same-day orders merged)."""
    return f"""
SELECT day, COUNT(DISTINCT customer) AS purchase_days
FROM crm_tx WHERE day <= {int(observation_end)} GROUP BY day
"""


def first_days_sql() -> str:
    """Per day: number of customers making their first purchase (the cohorts of the summary)."""
    return "SELECT first_day, COUNT(*) AS n_customers FROM crm_summary GROUP BY first_day"


def gini_sql(column: str = "revenue_cal") -> str:
    """Exact Gini coefficient and customer count of a column of ``crm_summary`` (one sort)."""
    c = quote(column)
    return f"""
WITH ranked AS (
  SELECT {c} AS v, ROW_NUMBER() OVER (ORDER BY {c}) AS i FROM crm_summary
)
SELECT COUNT(*) AS n, SUM(v) AS total, SUM(CAST(i AS DOUBLE) * v) AS weighted FROM ranked
"""


def lorenz_sql(column: str = "revenue_cal", points: int = 100) -> str:
    """Revenue of each of ``points`` equal-sized groups of customers sorted by ``column``."""
    c = quote(column)
    return f"""
WITH tiles AS (
  SELECT {c} AS v, NTILE({int(points)}) OVER (ORDER BY {c}) AS tile FROM crm_summary
)
SELECT tile, COUNT(*) AS n, SUM(v) AS total FROM tiles GROUP BY tile ORDER BY tile
"""


def quantiles_sql(column: str, probs: tuple[float, ...]) -> str:
    """Exact quantiles (lower value) of a column of ``crm_summary``."""
    c = quote(column)
    items = ", ".join(
        f"PERCENTILE_DISC({p!r}) WITHIN GROUP (ORDER BY {c}) AS q{i}" for i, p in enumerate(probs)
    )
    return f"SELECT {items} FROM crm_summary"


# -- tables of the written scores (``crm_scores``: the rows of ``customers.parquet``) ----------
def segments_sql() -> str:
    """Customers, revenue, CLV and mean P(alive) per RFM segment, largest CLV first."""
    return """
SELECT segment, COUNT(*) AS customers, SUM(revenue_cal) AS revenue, SUM(clv) AS clv,
  AVG(p_alive) AS mean_p_alive
FROM crm_scores GROUP BY segment ORDER BY clv DESC
"""


def medians_sql() -> str:
    """Median calibration revenue (current value) and median CLV (potential value)."""
    return "SELECT MEDIAN(revenue_cal) AS cur, MEDIAN(clv) AS pot FROM crm_scores"


def value_matrix_sql(current_cut: float, potential_cut: float) -> str:
    """Customers, revenue and CLV in the four cells of current x potential value (high / low)."""
    cur, pot = float(current_cut), float(potential_cut)
    return f"""
SELECT CASE WHEN revenue_cal > {cur!r} THEN 'high' ELSE 'low' END AS current_value,
  CASE WHEN clv > {pot!r} THEN 'high' ELSE 'low' END AS potential_value,
  COUNT(*) AS customers, SUM(revenue_cal) AS revenue, SUM(clv) AS clv
FROM crm_scores GROUP BY 1, 2 ORDER BY 1, 2
"""


def clv_quantiles_sql(probs: tuple[float, ...]) -> str:
    """Interpolated CLV quantiles ``q0``, ``q1``, ... and the mean and total CLV."""
    items = ", ".join(f"QUANTILE_CONT(clv, {float(p)!r}) AS q{i}" for i, p in enumerate(probs))
    return f"SELECT {items}, AVG(clv) AS mean, SUM(clv) AS total FROM crm_scores"


def clv_histogram_sql(width: float, bins: int = 40) -> str:
    """Customers per CLV bin of ``width`` (the last bin holds everything from ``bins * width``)."""
    return (
        f"SELECT LEAST(FLOOR(clv / {float(width)!r}), {int(bins)}) AS bin, COUNT(*) AS customers "
        "FROM crm_scores GROUP BY 1 ORDER BY 1"
    )


#: Score columns the report's tables read from ``crm_scores``.
SCORE_TABLE_COLUMNS = (
    "frequency",
    "revenue_cal",
    "segment",
    "p_alive",
    "expected_purchases",
    "clv",
    "clv_low",
    "clv_high",
)


def scores_view_sql(id_col: str, names: dict[str, str], relation: str) -> str:
    """``crm_scores`` from the written scores: the id as ``crm_id``, scores by internal name.

    ``names`` maps internal names to the written ones (``output_columns`` of ``model.json``),
    so an id column named like a score never takes that score's place.
    """
    items = ", ".join(f"{quote(names.get(c, c))} AS {c}" for c in SCORE_TABLE_COLUMNS)
    return f"SELECT {quote(id_col)} AS crm_id, {items} FROM {quote(relation)}"


def top_customers_sql(id_col: str, n: int = 10, names: dict[str, str] | None = None) -> str:
    """The ``n`` customers with the largest CLV, columns under their written names."""
    names = names or {}
    cols = ("frequency", "revenue_cal", "p_alive", "expected_purchases", "clv", "clv_low")
    items = ", ".join(f"{c} AS {quote(names.get(c, c))}" for c in (*cols, "clv_high", "segment"))
    return (
        f"SELECT crm_id AS {quote(id_col)}, {items} FROM crm_scores "
        f"ORDER BY clv DESC LIMIT {int(n)}"
    )


def cohort_sizes_sql() -> str:
    """Per day: customers making their first purchase, from ``crm_customers`` (all customers)."""
    return "SELECT first_day, COUNT(*) AS n_customers FROM crm_customers GROUP BY first_day"


def customer_totals_sql() -> str:
    """Customers in the log, order rows, purchase days and late first buyers (``crm_customers``)."""
    return (
        "SELECT COUNT(*) AS n_customers_in_log, SUM(n_rows) AS n_rows, "
        "SUM(n_days_cal + n_days_holdout) AS n_purchase_days, "
        "COUNT_IF(n_days_cal = 0) AS first_after FROM crm_customers"
    )
