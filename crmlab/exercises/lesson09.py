"""Exercise set 09: the customer database in SQL (客户数据库).

Use in ``exercises/09_customer_database.ipynb``::

    from crmlab.exercises import lesson09 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

The questions are answered with SQL on a DuckDB database that holds a simulated CRM extract
(:func:`crmlab.datasets.simulate_crm_extract`, 3,000 customers, seed 9, cleaned and with the
``customer_360`` view) and the CDNOW master log. The reference answers are computed in pandas
from the same data, independently of any SQL.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_percent, wrong_sign
from crmlab.exercises.questions import Precision, Question

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (``n_customers`` and ``seed`` are the notebook's parameters).
SETTINGS: dict[str, Any] = {
    "n_customers": 3000,
    "seed": 9,
    "cohort": "1997-02",
    "age": 3,
}


@cache
def load() -> dict[str, Any]:
    """The data of this set: the CRM ``extract``, its ``customer_360`` frame and CDNOW ``tx``."""
    from crmlab import database
    from crmlab.datasets import load_cdnow, simulate_crm_extract

    extract = simulate_crm_extract(SETTINGS["n_customers"], random_state=SETTINGS["seed"])
    con = database.connect(threads=1)
    database.load_crm_extract(con, extract)
    database.clean_extract(con, extract_date=extract.extract_date)
    c360 = database.customer_360(con)
    con.close()
    return {"extract": extract, "customer_360": c360, "tx": load_cdnow()}


# --- q1: repeat buyers per channel --------------------------------------------------------------
def _per_channel(column: str, threshold: int, how: str = "count") -> pd.Series:
    c = load()["customer_360"]
    repeat = c[column] >= threshold
    out = (
        repeat.groupby(c["channel"]).sum()
        if how == "count"
        else repeat.groupby(c["channel"]).mean()
    )
    return out.astype(float).sort_index()


def _raw_per_channel() -> pd.Series:
    """The same count on the raw tables: duplicates, orphans and future orders left in."""
    ex = load()["extract"]
    days = ex.orders.groupby("customer_id")["order_date"].nunique()
    c = ex.customers.set_index("customer_id")
    repeat = days.reindex(c.index).fillna(0) >= 2
    return repeat.groupby(c["channel"]).sum().astype(float).sort_index()


q1 = Question(
    qid="q1",
    title="Repeat buyers per channel",
    unit="a count of customers per channel",
    precision=Precision(decimals=0),
    prompt=(
        "Using the view `customer_360`, write one SQL query that counts, for each sign-up "
        "channel, the customers with **two or more purchase days**. Give the answer as a "
        "pandas Series indexed by channel, e.g. "
        "`database.run(con, sql).set_index('channel')['repeaters']`."
    ),
    expected=lambda: _per_channel("purchase_days", 2),
    hints=(
        "Start with one row per channel: `SELECT channel, COUNT(*) FROM customer_360 GROUP BY "
        "channel` counts every customer of each channel (lesson 9, step 2, keyword three).",
        "Now count only some of each channel's rows: `COUNT(*) FILTER (WHERE <condition>)` "
        "(keyword eight). Which column of `customer_360` holds the number of purchase days?",
        "Turn the result into a Series indexed by channel: `.set_index('channel')[<column>]`. "
        "Each count must be smaller than the channel's number of customers.",
    ),
    hints_zh=(
        "先做到每个渠道一行：`SELECT channel, COUNT(*) FROM customer_360 GROUP BY channel` 统计每个渠道的全部客户（第 9 课第 2 步，"
        "关键字三）。",
        "现在只统计每个渠道的部分行：`COUNT(*) FILTER (WHERE <condition>)`（关键字八）"
        "。`customer_360` 的哪一列是购买日数？",
        "把结果变成以渠道为索引的 Series：`.set_index('channel')[<column>]`。"
        "每个计数都必须小于该渠道的客户数。",
    ),
    solution_code='''\
sql = """
SELECT channel,
       COUNT(*) FILTER (WHERE purchase_days >= 2) AS repeaters
FROM customer_360
GROUP BY channel
"""
answer = database.run(con, sql).set_index("channel")["repeaters"]''',
    mistakes=(
        Mistake(
            value=lambda: _per_channel("purchase_days", 1),
            hint="that counts every customer of the channel; keep only those with two or more "
            "purchase days.",
            hint_zh="这统计了该渠道的全部客户；请只保留有两个及以上购买日的客户。",
        ),
        Mistake(
            value=lambda: _per_channel("purchase_days", 2, how="share"),
            hint="that is the share of repeat buyers; the question asks for the number of "
            "customers.",
            hint_zh="这是回头客的比例；本题问的是客户人数。",
        ),
        Mistake(
            value=_raw_per_channel,
            hint="that is counted on the raw tables: duplicate customer records split one "
            "person's history in two, and orders in 2042 count as purchase days. Use the "
            "cleaned view customer_360.",
            hint_zh="这是在原始表上统计的：重复记录（duplicate record）把同一个人的历史拆成了两份，2042 年的订单也被算作购买日。"
            "请用清洗后的视图 customer_360。",
        ),
    ),
)


# --- q2: revenue of orphan orders ------------------------------------------------------------------
def _orphan_lines() -> pd.DataFrame:
    ex = load()["extract"]
    orphans = ex.orders.loc[~ex.orders["customer_id"].isin(ex.customers["customer_id"])]
    return ex.order_lines.loc[ex.order_lines["order_id"].isin(orphans["order_id"])]


def _orphan_revenue() -> float:
    lines = _orphan_lines()
    return float((lines["quantity"] * lines["unit_price"]).sum())


def _orphan_orders(orders: pd.DataFrame) -> pd.DataFrame:
    known = load()["extract"].customers["customer_id"]
    return orders.loc[~orders["customer_id"].isin(known)]


def _lost_lines_revenue() -> float:
    ex = load()["extract"]
    lost = ex.order_lines.loc[~ex.order_lines["order_id"].isin(ex.orders["order_id"])]
    return float((lost["quantity"] * lost["unit_price"]).sum())


q2 = Question(
    qid="q2",
    title="Orphan orders and the money they carry (孤立记录)",
    unit="CNY",
    precision=Precision(decimals=2),
    prompt=(
        "In the **raw** table `orders`, some orders belong to a `customer_id` that is not in "
        "`customers`. What is the total value of these orphan orders, i.e. the sum of "
        "`quantity * unit_price` over their lines in `order_lines`?"
    ),
    expected=_orphan_revenue,
    hints=(
        "First find the orphan orders: a `LEFT JOIN` from `orders` to `customers` keeps every "
        "order, and the orphans are the rows where the customer side `IS NULL` (lesson 9, "
        "step 3, shows this check).",
        "Then join those orders to `order_lines` on `order_id`: each line adds quantity × "
        "unit_price to the revenue.",
        "Add it up with `SUM(...)` over all those lines: one number, in CNY.",
    ),
    hints_zh=(
        "先找出孤立订单（孤立记录）：从 `orders` 到 `customers` 的 `LEFT JOIN`（左连接）"
        "保留每一笔订单，孤立订单就是客户一侧 `IS NULL` 的行（第 9 课第 3 步演示了这个检查）"
        "。",
        "然后按 `order_id` 把这些订单与 `order_lines` 连接："
        "每一行明细给收入增加 quantity × unit_price。",
        "用 `SUM(...)` 把这些明细全部加起来：得到一个数，单位是人民币元。",
    ),
    solution_code='''\
sql = """
SELECT SUM(l.quantity * l.unit_price) AS orphan_revenue
FROM orders o
LEFT JOIN customers c ON c.customer_id = o.customer_id
JOIN order_lines l ON l.order_id = o.order_id
WHERE c.customer_id IS NULL
"""
answer = database.run(con, sql)["orphan_revenue"].iloc[0]''',
    mistakes=(
        Mistake(
            value=lambda: float(len(load()["extract"].orders.pipe(_orphan_orders))),
            hint="that is the number of orphan orders; the question asks for their value "
            "(sum quantity * unit_price over their lines).",
            hint_zh="这是孤立订单的数量；本题问的是它们的金额（对它们的明细求 quantity * unit_price 之和）"
            "。",
        ),
        Mistake(
            value=lambda: float(_orphan_lines()["unit_price"].sum()),
            hint="you added the unit prices; multiply each by its quantity first.",
            hint_zh="你把单价加起来了；请先把每个单价乘以它的数量。",
        ),
        Mistake(
            value=_lost_lines_revenue,
            hint="those are the orphan order *lines* (lines whose order is missing); the question "
            "asks for orders whose customer is missing.",
            hint_zh="这些是孤立的订单*明细*（所属订单缺失的明细）；本题问的是客户缺失的订单。",
        ),
    ),
)


# --- q3: one cohort's retention at age 3 -------------------------------------------------------------
def _cohort_cell(values: str, age: int) -> float:
    from crmlab.clv import cohort_table

    table = cohort_table(load()["tx"], "M", values)
    return float(table.loc[pd.Period(SETTINGS["cohort"], "M"), age])


def _cohort_any_within(age: int) -> float:
    tx = load()["tx"]
    month = tx["date"].dt.year * 12 + tx["date"].dt.month
    first = month.groupby(tx["customer_id"]).transform("min")
    start = pd.Period(SETTINGS["cohort"], "M")
    cohort = first == start.year * 12 + start.month
    age_of = month - first
    size = tx.loc[cohort, "customer_id"].nunique()
    within = cohort & age_of.between(1, age)
    return float(tx.loc[within, "customer_id"].nunique() / size)


q3 = Question(
    qid="q3",
    title="A cohort's retention in SQL (同期群)",
    unit="a fraction between 0 and 1",
    prompt=(
        "In the CDNOW table `transactions`, take the cohort of customers whose first purchase "
        "was in **February 1997**. What fraction of them bought in the month **three months "
        "after** their first month (age 3, i.e. May 1997)? Write the SQL yourself; "
        "`date_trunc('month', date)` gives an order's month."
    ),
    expected=lambda: _cohort_cell("retention", SETTINGS["age"]),
    hints=(
        "Build it in parts with `WITH`. Part one: one row per customer and month in which they "
        "bought, `SELECT DISTINCT customer_id, date_trunc('month', date) AS month`.",
        "Part two: each customer's cohort is their first month, `MIN(month) OVER (PARTITION BY "
        "customer_id)` (a window function: every row keeps its month and gains the cohort).",
        "Last: among the customers of the February 1997 cohort, count those active at age 3 "
        "(`date_diff('month', cohort, month) = 3`, that is May) and divide by the cohort's "
        "size (its customers at age 0).",
    ),
    hints_zh=(
        "用 `WITH` 分几部分来构建。第一部分：每位客户每个有购买的月份一行，"
        "`SELECT DISTINCT customer_id, date_trunc('month', date) AS month`。",
        "第二部分：每位客户的同期群是他的第一个月，`MIN(month) OVER (PARTITION BY customer_id)`（窗口函数："
        "每一行保留自己的月份，并多出同期群一列）。",
        "最后：在 1997 年 2 月同期群的客户中，统计年龄 3 时活跃的客户（`date_diff('month', cohort, month) = 3`，"
        "即 5 月），再除以该同期群的规模（年龄 0 时的客户数）。",
    ),
    solution_code='''\
sql = """
WITH active AS (
    SELECT DISTINCT customer_id, date_trunc('month', date) AS month
    FROM transactions
),
cohorts AS (
    SELECT customer_id, month, MIN(month) OVER (PARTITION BY customer_id) AS cohort
    FROM active
)
SELECT COUNT(*) FILTER (WHERE date_diff('month', cohort, month) = 3)
       / COUNT(*) FILTER (WHERE month = cohort) AS retention
FROM cohorts
WHERE cohort = DATE '1997-02-01'
"""
answer = database.run(con, sql)["retention"].iloc[0]''',
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _cohort_cell("retention", SETTINGS["age"] - 1),
            hint="that is age 2 (April); age 3 counts three whole months after February, so May.",
            hint_zh="这是年龄 2（4 月）；年龄 3 是 2 月之后整整三个月，即 5 月。",
        ),
        Mistake(
            value=lambda: _cohort_cell("customers", SETTINGS["age"]),
            hint="that is the number of customers; divide by the size of the February cohort.",
            hint_zh="这是客户人数；请除以 2 月同期群的规模。",
        ),
        Mistake(
            value=lambda: _cohort_any_within(SETTINGS["age"]),
            hint="that is the share who bought at any time in the three months after February; "
            "the question asks about May alone.",
            hint_zh="这是在 2 月之后三个月内任何时候购买过的客户比例；本题只问 5 月。",
        ),
    ),
)


# --- q4: days from the first to the second purchase ----------------------------------------------------
def _purchase_days(merge: bool = True) -> pd.DataFrame:
    tx = load()["tx"]
    if merge:
        tx = tx.drop_duplicates(["customer_id", "date"])
    tx = tx.sort_values(["customer_id", "date"], kind="stable")
    gap = tx.groupby("customer_id")["date"].diff().dt.days
    number = tx.groupby("customer_id").cumcount() + 1
    return pd.DataFrame({"gap": gap.to_numpy(), "number": number.to_numpy()})


def _second_gap(stat: str = "median", merge: bool = True) -> float:
    days = _purchase_days(merge)
    gaps = days.loc[days["number"] == 2, "gap"]
    return float(gaps.median() if stat == "median" else gaps.mean())


q4 = Question(
    qid="q4",
    title="From the first to the second purchase (窗口函数)",
    unit="days",
    precision=Precision(decimals=1),
    prompt=(
        "In the CDNOW table `transactions`, merge each customer's orders on the same day into "
        "one purchase day. Among customers with at least two purchase days, what is the "
        "**median** number of days between the first and the second purchase day? Use a "
        "window function (`LAG` or `ROW_NUMBER`)."
    ),
    expected=_second_gap,
    hints=(
        "First one row per customer and purchase day: `SELECT DISTINCT customer_id, date FROM "
        "transactions` (same-day orders are one purchase).",
        "Number each customer's days in date order with `ROW_NUMBER()`, and get the gap to the "
        "previous day with `date - LAG(date)`, both `OVER (PARTITION BY customer_id ORDER BY "
        "date)`.",
        "The gap from the first to the second purchase sits on the row whose number is 2; take "
        "the `MEDIAN` of those gaps.",
    ),
    hints_zh=(
        "先做到每位客户每个购买日一行：`SELECT DISTINCT customer_id, date FROM transactions`（同一天的订单算一次购买）"
        "。",
        "用 `ROW_NUMBER()` 按日期给每位客户的购买日编号，并用 `date - LAG(date)` 求与上一个购买日的间隔，"
        "两者都用 `OVER (PARTITION BY customer_id ORDER BY date)`。",
        "从第一次到第二次购买的间隔位于编号为 2 的那一行；对这些间隔取 `MEDIAN`。",
    ),
    solution_code='''\
sql = """
WITH days AS (SELECT DISTINCT customer_id, date FROM transactions),
numbered AS (
    SELECT customer_id,
           ROW_NUMBER() OVER w   AS purchase_number,
           date - LAG(date) OVER w AS gap
    FROM days
    WINDOW w AS (PARTITION BY customer_id ORDER BY date)
)
SELECT MEDIAN(gap) AS median_gap FROM numbered WHERE purchase_number = 2
"""
answer = database.run(con, sql)["median_gap"].iloc[0]''',
    mistakes=(
        Mistake(
            value=lambda: float(_purchase_days()["gap"].median()),
            hint="that is the median of all gaps between purchase days; keep only the gap to the "
            "second purchase day.",
            hint_zh="这是所有购买日之间间隔（购买间隔）的中位数；请只保留到第二个购买日的间隔。",
        ),
        Mistake(
            value=lambda: _second_gap(merge=False),
            hint="same-day orders were not merged: a second order on the first day counts as a "
            "gap of 0 days. Use SELECT DISTINCT customer_id, date first.",
            hint_zh="同一天的订单没有合并：第一天的第二笔订单被算成了 0 天的间隔。请先 SELECT DISTINCT customer_id, date。",
        ),
        Mistake(
            value=lambda: _second_gap("mean"),
            hint="that is the mean; the question asks for the median (the long tail pulls the "
            "mean up).",
            hint_zh="这是平均值；本题问的是中位数（长尾会把平均值拉高）。",
        ),
    ),
)


# --- q5: complaints and repeat buying in the customer 360 ----------------------------------------------
def _repeat_gap(how: str = "difference") -> float:
    c = load()["customer_360"]
    repeat = (c["purchase_days"] >= 2).astype(float)
    with_it = repeat[c["complaints"] >= 1].mean()
    without = repeat[c["complaints"] == 0].mean()
    if how == "versus everyone":
        return float(with_it - repeat.mean())
    return float(with_it - without if how == "difference" else with_it / without)


q5 = Question(
    qid="q5",
    title="Do complaining customers buy again? (客户360视图)",
    unit="a difference of two fractions",
    prompt=(
        "In `customer_360`, compare the share of repeat buyers (two or more purchase days) among "
        "customers with **at least one complaint** with the share among customers with **no "
        "complaint**. Give the first share minus the second. (In the lesson's generator, "
        "complaints do not change buying at all: think about why the difference is not zero.)"
    ),
    expected=_repeat_gap,
    hints=(
        "The mean of a 0/1 column is a share: `AVG(CASE WHEN purchase_days >= 2 THEN 1 ELSE 0 "
        "END)` is the share of repeat buyers.",
        "Compute that share twice in one query, once with `FILTER (WHERE complaints >= 1)` and "
        "once with `FILTER (WHERE complaints = 0)`, and subtract.",
        "Why is it positive? Contacts (and so complaints) come with orders: the more a "
        "customer buys, the more chances to complain. A customer database shows association, "
        "not cause.",
    ),
    hints_zh=(
        "一个 0/1 列的平均值就是比例：`AVG(CASE WHEN purchase_days >= 2 THEN 1 ELSE 0 END)` 是回头客的比例。",
        "在一个查询里把这个比例算两次，一次用 `FILTER (WHERE complaints >= 1)`，"
        "一次用 `FILTER (WHERE complaints = 0)`，"
        "然后相减。",
        "为什么是正数？接触（以及投诉）随订单而来：客户买得越多，投诉的机会就越多。"
        "客户数据库显示的是关联，而不是因果。",
    ),
    solution_code='''\
sql = """
SELECT AVG(CASE WHEN purchase_days >= 2 THEN 1 ELSE 0 END) FILTER (WHERE complaints >= 1)
     - AVG(CASE WHEN purchase_days >= 2 THEN 1 ELSE 0 END) FILTER (WHERE complaints = 0)
       AS difference
FROM customer_360
"""
answer = database.run(con, sql)["difference"].iloc[0]''',
    mistakes=(
        gave_percent(),
        wrong_sign(
            "the share of customers with a complaint minus the share of those without",
            "有投诉的客户中的比例减去没有投诉的客户中的比例",
        ),
        Mistake(
            value=lambda: _repeat_gap(how="versus everyone"),
            hint="that compares customers with a complaint with all customers; compare them with "
            "the customers who never complained.",
            hint_zh="这是把有投诉的客户与全部客户比较；请与从未投诉的客户比较。",
        ),
        Mistake(
            value=lambda: _repeat_gap(how="ratio"),
            hint="that is the ratio of the two shares; the question asks for their difference.",
            hint_zh="这是两个比例之比；本题问的是它们的差。",
        ),
    ),
)
