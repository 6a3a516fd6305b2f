"""Exercise set 10: the research template, rerun on new data (研究模板).

Use in ``exercises/10_research_template.ipynb``::

    from crmlab.exercises import lesson10 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

The questions rerun the analysis of lesson 10 (:func:`crmlab.research.analyze`, the code behind
the template and ``crmlab analyze``) on a simulated firm export (2,000 customers, seed 3, three
Parquet files with German column names and ``dd.mm.yyyy`` dates) and on the CDNOW master log, and
read its holdout errors, trust checks and customer equity. The bootstrap is switched off
(``n_draws=0``) to keep the runs short; it changes no point estimate.
"""

from __future__ import annotations

import tempfile
from functools import cache
from typing import Any

from crmlab.exercises.mistakes import Mistake, gave_percent, wrong_sign
from crmlab.exercises.questions import Precision, Question

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (``n_customers`` and ``seed`` are the notebook's parameters).
SETTINGS: dict[str, Any] = {
    "n_customers": 2000,
    "seed": 3,
    "calibration_end": "2024-03-31",
    "short_calibration_end": "2023-03-31",
    "cdnow_calibration_end": "1997-09-30",
    "margin": 0.3,
    "horizon_months": 12,
}

#: How the firm export names its columns and writes its dates.
COLUMNS = {
    "customer_col": "kundennr",
    "date_col": "bestelldatum",
    "amount_col": "umsatz_eur",
    "date_format": "%d.%m.%Y",
}


@cache
def load() -> dict[str, Any]:
    """The data of this set: the firm export's ``files`` and the CDNOW log ``tx``."""
    from crmlab.datasets import load_cdnow, simulate_firm_export

    folder = _export_folder().name
    files = simulate_firm_export(
        SETTINGS["n_customers"], path=folder, random_state=SETTINGS["seed"]
    )
    return {"files": files, "tx": load_cdnow()}


@cache
def _export_folder() -> tempfile.TemporaryDirectory:
    """Where the firm export is written: one folder per process, removed when it exits."""
    return tempfile.TemporaryDirectory(prefix="crmlab-lesson10-")


@cache
def _run(which: str):
    """The analysis the questions ask about (each run once per process)."""
    from crmlab.research import analyze

    if which == "cdnow":
        return analyze(
            load()["tx"],
            customer_col="customer_id",
            date_col="date",
            amount_col="amount",
            calibration_end=SETTINGS["cdnow_calibration_end"],
            time_unit="W",
            model="auto",
            n_draws=0,
            quiet=True,
        )
    calibration = SETTINGS["short_calibration_end" if which == "short" else "calibration_end"]
    return analyze(
        load()["files"],
        customer_col=COLUMNS["customer_col"],
        date_col=COLUMNS["date_col"],
        amount_col=COLUMNS["amount_col"],
        date_format=COLUMNS["date_format"],
        calibration_end=calibration,
        time_unit="W",
        margin=SETTINGS["margin"],
        horizon_months=SETTINGS["horizon_months"],
        n_draws=0,
        quiet=True,
    )


def _holdout(which: str = "export") -> dict:
    result = _run(which)
    if result.metrics is None:  # pragma: no cover - every run here has a calibration split
        raise RuntimeError(f"the {which!r} run has no holdout metrics")
    return result.metrics[result.model_name]


def _analyze_call(calibration: str, name: str) -> str:
    return f"""\
{name} = analyze(
    export_files,
    **columns,
    calibration_end="{calibration}",
    time_unit="W",
    margin=0.3,
    horizon_months=12,
    n_draws=0,
    quiet=True,
)"""


# --- q1: the holdout error of the template's run -----------------------------------------------
q1 = Question(
    qid="q1",
    title="Rerun on the firm export: the holdout error",
    unit="a fraction (negative: the forecast is too low)",
    prompt=(
        "Run `analyze` on the firm export (`export_files`, column names and date format in "
        "`columns`) with calibration end 2024-03-31, weeks, BG/NBD (the default), a 30% margin "
        "and a 12-month horizon; pass `n_draws=0` to skip the slow bootstrap. By what fraction "
        "does the forecast of the total number of repeat purchases in the holdout period miss "
        "the actual number? Give (expected - actual) / actual."
    ),
    expected=lambda: float(_holdout()["relative_error"]),
    hints=(
        "`result.metrics` holds the holdout accuracy of each fitted model, keyed by its name "
        "(`result.model_name`).",
        "`m = result.metrics['bgnbd']`; then (m['expected_holdout_purchases'] - "
        "m['actual_holdout_purchases']) / m['actual_holdout_purchases'], which is "
        "m['relative_error'].",
    ),
    hints_zh=(
        "`result.metrics` 按模型名称（`result.model_name`）"
        "保存每个拟合模型在验证期（holdout period）的准确度。",
        "`m = result.metrics['bgnbd']`；然后 (m['expected_holdout_purchases'] - m['actual_holdout_purchases']) / m['actual_holdout_purchases']，"
        "也就是 m['relative_error']。",
    ),
    solution_code=_analyze_call(SETTINGS["calibration_end"], "export_result")
    + """
answer = export_result.metrics["bgnbd"]["relative_error"]""",
    mistakes=(
        gave_percent(),
        wrong_sign(
            "expected minus actual, so a forecast that is too low gives a negative number",
            "预测值减去实际值，因此预测偏低时得到负数",
        ),
        Mistake(
            value=lambda: float(
                _holdout()["expected_holdout_purchases"] - _holdout()["actual_holdout_purchases"]
            ),
            hint="that is the difference in purchases; divide it by the actual number.",
            hint_zh="这是购买次数之差；请再除以实际次数。",
        ),
        Mistake(
            value=lambda: float(
                (_holdout()["expected_holdout_purchases"] - _holdout()["actual_holdout_purchases"])
                / _holdout()["expected_holdout_purchases"]
            ),
            hint="divide by the actual number of holdout purchases, not by the forecast.",
            hint_zh="请除以验证期实际的购买次数，而不是预测值。",
        ),
    ),
)


# --- q2: the same template on another file -------------------------------------------------------
q2 = Question(
    qid="q2",
    title="The same template on CDNOW: the model that predicts best",
    unit="repeat purchases per customer",
    prompt=(
        "Now rerun the same analysis on the CDNOW master log (`tx`, columns `customer_id`, "
        "`date`, `amount`, real dates so no date format), calibration end 1997-09-30, weeks, "
        "with `model='auto'` so that BG/NBD, MBG/NBD and Pareto/NBD are all fitted and the one "
        "with the best holdout accuracy is kept (again `n_draws=0`). What is the mean absolute "
        "error per customer of the holdout purchases of the model it keeps?"
    ),
    expected=lambda: float(_holdout("cdnow")["mae"]),
    hints=(
        "`result.model_name` is the model `auto` kept and `result.metrics[result.model_name]` "
        "its holdout accuracy.",
        "The mean absolute error compares, for every customer, the expected and the actual "
        "number of holdout purchases: the key is 'mae'.",
    ),
    hints_zh=(
        "`result.model_name` 是 `auto` 保留的模型，`result.metrics[result.model_name]` 是它在验证期的准确度。",
        "平均绝对误差（mean absolute error）对每位客户比较验证期预期的与实际的购买次数：键是 'mae'。",
    ),
    solution_code="""\
cdnow_result = analyze(
    tx,
    customer_col="customer_id",
    date_col="date",
    amount_col="amount",
    calibration_end="1997-09-30",
    time_unit="W",
    model="auto",
    n_draws=0,
    quiet=True,
)
answer = cdnow_result.metrics[cdnow_result.model_name]["mae"]""",
    mistakes=(
        Mistake(
            value=lambda: float(_holdout("cdnow")["rmse"]),
            hint="that is the root mean squared error; the question asks for the mean absolute "
            "error ('mae').",
            hint_zh="这是均方根误差（root mean squared error）；本题问的是平均绝对误差（'mae'）。",
        ),
        Mistake(
            value=lambda: float(_holdout("cdnow")["curve_mae"]),
            hint="that is the error of the mean holdout purchases by calibration frequency (the "
            "curve the models are compared on), not the error per customer.",
            hint_zh="这是按校准期购买频率分组后验证期平均购买次数的误差（比较各模型时用的那条曲线）"
            "，而不是每位客户的误差。",
        ),
        Mistake(
            value=lambda: float(_holdout("cdnow")["relative_error"]),
            hint="that is the relative error of the total; the question asks for the mean "
            "absolute error per customer.",
            hint_zh="这是总数的相对误差；本题问的是每位客户的平均绝对误差。",
        ),
    ),
)


# --- q3 and q4: a calibration period that is too short ---------------------------------------------
def _verdicts(which: str, worse_than_ok: bool = False) -> float:
    verdicts = _run(which).trust["verdict"]
    bad = verdicts != "ok" if worse_than_ok else verdicts == "do not trust"
    return float(bad.sum())


q3 = Question(
    qid="q3",
    title="Can this model be trusted?",
    unit="a count of checks",
    precision=Precision(decimals=0),
    prompt=(
        "A colleague reruns the firm-export analysis of question 1 with the calibration period "
        "ending on 2023-03-31 instead. Read the trust checks (`.trust`, one row per check "
        "with a plain verdict). How many checks say **'do not trust'**? If any does, the models "
        "do not describe these data and nobody should act on the scores."
    ),
    expected=lambda: _verdicts("short"),
    hints=(
        "`result.trust` has a `verdict` column with 'ok', 'caution' or 'do not trust'; "
        "`crmlab.research.trust.overall(result.trust)` gives the worst of them.",
        "Count the rows whose verdict is exactly 'do not trust', e.g. "
        "`(result.trust['verdict'] == 'do not trust').sum()`.",
    ),
    hints_zh=(
        "`result.trust` 有一列 `verdict`，取值为 'ok'、"
        "'caution' 或 'do not trust'；`crmlab.research.trust.overall(result.trust)` 给出其中最差的一个。",
        "统计 verdict 恰好等于 'do not trust' 的行数，例如 `(result.trust['verdict'] == 'do not trust').sum()`。",
    ),
    solution_code=_analyze_call(SETTINGS["short_calibration_end"], "short_result")
    + """
print(short_result.trust[["check", "value", "verdict"]])
print("overall:", overall(short_result.trust))
answer = (short_result.trust["verdict"] == "do not trust").sum()""",
    mistakes=(
        Mistake(
            value=lambda: _verdicts("short", worse_than_ok=True),
            hint="that also counts the checks that say 'caution'; count only 'do not trust'.",
            hint_zh="这把判定为 'caution' 的检查也算进去了；只统计 'do not trust'。",
        ),
        Mistake(
            value=lambda: _verdicts("export"),
            hint="that is question 1's run (calibration end 2024-03-31); use 2023-03-31.",
            hint_zh="这是第 1 题的运行结果（校准期截止于 2024-03-31）；请用 2023-03-31。",
        ),
    ),
)


def _counts(which: str) -> dict:
    return _run(which).info["counts"]


q4 = Question(
    qid="q4",
    title="Why not: the repeat buyers",
    unit="a count of customers",
    precision=Precision(decimals=0),
    prompt=(
        "In the run of question 3, how many customers made at least one repeat purchase in the "
        "calibration period? (The trust check wants at least 200 before it trusts the "
        "estimates at all.)"
    ),
    expected=lambda: float(_counts("short")["repeaters"]),
    hints=(
        "`result.info['counts']` counts everything the analysis used, merged or left out.",
        "The key is 'repeaters': customers whose calibration frequency is above zero.",
    ),
    hints_zh=(
        "`result.info['counts']` 统计分析用到的一切，包括被合并或被排除的。",
        "键是 'repeaters'：校准期购买频率大于零的客户。",
    ),
    solution_code="""\
answer = short_result.info["counts"]["repeaters"]""",
    mistakes=(
        Mistake(
            value=lambda: float(_counts("short")["n_scored"]),
            hint="that is every customer in the calibration period; count only those who bought "
            "again.",
            hint_zh="这是校准期中的全部客户；只统计再次购买过的客户。",
        ),
        Mistake(
            value=lambda: float(_counts("short")["n_customers_in_log"]),
            hint="that is every customer in the export; customers who first bought after "
            "2023-03-31 are not even in the calibration period.",
            hint_zh="这是导出数据中的全部客户；在 2023-03-31 之后才首次购买的客户根本不在校准期内。",
        ),
        Mistake(
            value=lambda: float(_counts("export")["repeaters"]),
            hint="that is the number for the calibration end of question 1; use the run of "
            "question 3.",
            hint_zh="这是第 1 题的校准期截止日对应的数字；请用第 3 题的运行结果。",
        ),
    ),
)


# --- q5: customer equity -------------------------------------------------------------------------------
q5 = Question(
    qid="q5",
    title="Customer equity from the template",
    unit="EUR",
    prompt=(
        "Back to the run of question 1 (calibration end 2024-03-31, 30% margin, 12 months). "
        "What is the customer equity, the sum of all customers' lifetime values over the "
        "horizon (the point estimate, not an end of its interval)?"
    ),
    expected=lambda: float(_run("export").equity["estimate"]),
    hints=(
        "`result.equity` holds the estimate and its 90% interval.",
        "Use the result of question 1's run (not question 3's); the key is 'estimate'.",
    ),
    hints_zh=(
        "`result.equity` 保存估计值及其 90% 区间。",
        "用第 1 题的运行结果（而不是第 3 题的）；键是 'estimate'。",
    ),
    solution_code="""\
answer = export_result.equity["estimate"]""",
    mistakes=(
        Mistake(
            factor=1 / SETTINGS["margin"],
            hint="that is the expected revenue; customer equity counts the margin, 30% of it.",
            hint_zh="这是预期收入；客户资产计算的是毛利额，即收入的 30%。",
        ),
        Mistake(
            value=lambda: float(_run("export").equity["estimate"] / SETTINGS["n_customers"]),
            hint="that is the mean per customer; customer equity is the sum over all customers.",
            hint_zh="这是每位客户的平均值；客户资产是全部客户的总和。",
        ),
        Mistake(
            value=lambda: float(_run("short").equity["estimate"]),
            hint="that is the equity of question 3's run; use calibration end 2024-03-31.",
            hint_zh="这是第 3 题运行结果的客户资产；请用校准期截止于 2024-03-31 的结果。",
        ),
    ),
)
