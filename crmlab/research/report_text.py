"""The words of the ``crmlab analyze`` report, in English and Chinese (``--language``).

Each entry is a key of :data:`TEXT`; the report template and :mod:`crmlab.research.report` look
words up with :func:`words`, so a language is one dictionary and nothing else.
"""

from __future__ import annotations

__all__ = ["TEXT", "MODEL_NAMES", "COUNT_LABELS", "words"]

#: Display names of the transaction models and the spend model.
MODEL_NAMES = {
    "bgnbd": "BG/NBD",
    "mbgnbd": "MBG/NBD",
    "paretonbd": "Pareto/NBD",
    "spend": "Gamma-Gamma",
    "gamma-gamma": "Gamma-Gamma",
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "CLV analysis of {name}",
        "summary": "Summary",
        "verdict": "Overall verdict",
        "why": "Why",
        "customers": "Customers scored",
        "model": "Transaction model",
        "equity": "Customer equity",
        "equity_text": "{estimate} over {horizon} months at a margin of {margin} (90% interval "
        "{low} to {high}; {method})",
        "equity_none": "{estimate} over {horizon} months at a margin of {margin}; no interval: "
        "{reason}",
        "caveats": "Most important caveats",
        "no_caveats": "None: every check is ok.",
        "all_ok": "every trust check is ok",
        "worst": "{n} check(s) say '{verdict}': {checks}",
        "data": "1 · The data and what was done to them",
        "data_text": "The models need one row per customer: the number of repeat purchases "
        "(frequency), the time of the last one since the first (recency) and how long the "
        "customer was watched (T), in {unit}. Orders of one customer on the same day are one "
        "purchase. Every row that an option removed is counted below.",
        "count": "count",
        "what": "what it counts",
        "repeat": "2 · Repeat purchases: model and data",
        "repeat_text": "Customers by number of repeat purchases in the calibration period, as "
        "observed and as the {model} model expects.",
        "concentration": "3 · Concentration of revenue",
        "concentration_text": "Gini coefficient {gini}; the top 20% of customers bring {top20} "
        "of calibration revenue.",
        "models": "4 · The fitted models",
        "models_text": "Scores use the {model} model ({why}). Standard errors come from the "
        "curvature of the likelihood; where one is missing the text says why.",
        "se_missing": "not available: the likelihood is flat here or the estimate sits at the "
        "edge of the parameter's range, so the data do not pin it down (see 'parameters "
        "identified')",
        "holdout": "5 · Holdout validation",
        "holdout_text": "The models were fitted up to {cal} and their forecasts compared with "
        "the purchases from then to {obs}.",
        "no_holdout": "No calibration end was given, so the forecasts were not validated on "
        "held-out purchases.",
        "clv": "6 · Customer lifetime value and equity",
        "clv_text": "A customer's CLV is the margin times the expected spend per purchase "
        "(Gamma-Gamma) times the discounted purchases the {model} model expects over "
        "{horizon} months. Its interval covers the uncertainty of both models' parameters.",
        "segments": "7 · RFM segments and the value matrix",
        "segments_text": "Segments come from recency, frequency and monetary scores (quintiles); "
        "P(alive) is the {model} model's probability that a customer is still active.",
        "trust": "8 · How far to trust this",
        "trust_text": "ok: use the numbers; caution: use them but read the reason; do not trust: "
        "the models do not describe these data.",
        "cite": "How to cite and reproduce",
        "cite_text": "This analysis was made with crmlab {version} on the {engine} engine from "
        "{n_files} input file(s) whose sha256 checksums are listed in model.json, with the "
        "options shown there. The {model} model is due to {model_ref}; the Gamma-Gamma spend "
        "model to Colombo and Jiang (1999) as presented by Fader, Hardie and Lee (2005). Please "
        "cite them as below.",
        "figures_note": "Every figure is also in figures/ (PNG and SVG) and every table in "
        "tables/ (CSV) under the name shown in its caption.",
        "Figure": "Figure",
        "Table": "Table",
        "unit_D": "days",
        "unit_W": "weeks (seven days)",
        "unit_M": "months",
    },
    "zh": {
        "title": "{name} 的客户终身价值分析",
        "summary": "摘要",
        "verdict": "总体结论",
        "why": "原因",
        "customers": "参与评分的客户",
        "model": "交易模型",
        "equity": "客户资产",
        "equity_text": "{horizon} 个月、毛利率 {margin} 下为 {estimate}（90% 区间 {low} 至 "
        "{high}；{method}）",
        "equity_none": "{horizon} 个月、毛利率 {margin} 下为 {estimate}；无区间：{reason}",
        "caveats": "最重要的注意事项",
        "no_caveats": "无：所有检查均为 ok。",
        "all_ok": "所有可信度检查均为 ok",
        "worst": "{n} 项检查结论为“{verdict}”：{checks}",
        "data": "1 · 数据及其处理",
        "data_text": "模型需要每位客户一行：重复购买次数（frequency）、最后一次购买距首次购买的时间"
        "（recency）以及观察时长（T），单位为 {unit}。同一客户同一天的订单算作一次购买。"
        "下表列出每个选项删除的行数。",
        "count": "数量",
        "what": "含义",
        "repeat": "2 · 重复购买：模型与数据",
        "repeat_text": "校准期内按重复购买次数统计的客户数：观察值与 {model} 模型的期望值。",
        "concentration": "3 · 收入集中度",
        "concentration_text": "基尼系数 {gini}；前 20% 的客户贡献了校准期收入的 {top20}。",
        "models": "4 · 拟合的模型",
        "models_text": "评分使用 {model} 模型（{why}）。标准误来自似然函数的曲率；缺失时文中说明原因。",
        "se_missing": "不可用：似然函数在此处平坦或估计值位于参数范围的边界，数据无法确定该参数"
        "（见“parameters identified”）",
        "holdout": "5 · 验证期检验",
        "holdout_text": "模型用截至 {cal} 的数据拟合，再与之后到 {obs} 的实际购买比较。",
        "no_holdout": "未给出校准期结束日，因此预测未在验证期上检验。",
        "clv": "6 · 客户终身价值与客户资产",
        "clv_text": "客户终身价值 = 毛利率 × 每次购买的期望消费（Gamma-Gamma）× {model} 模型在 "
        "{horizon} 个月内期望的贴现购买次数。区间包含两个模型参数的不确定性。",
        "segments": "7 · RFM 客户细分与价值矩阵",
        "segments_text": "细分来自最近购买、购买频率和消费金额的五分位评分；P(alive) 是 {model} "
        "模型给出的客户仍活跃的概率。",
        "trust": "8 · 可信度",
        "trust_text": "ok：可以使用；caution：可以使用但请阅读原因；do not trust：模型不适合这些数据。",
        "cite": "引用与复现",
        "cite_text": "本分析使用 crmlab {version}（{engine} 引擎），输入文件 {n_files} 个，"
        "其 sha256 校验和及全部选项见 model.json。{model} 模型出自 {model_ref}；Gamma-Gamma "
        "消费模型出自 Colombo 与 Jiang (1999)，见 Fader、Hardie 与 Lee (2005)。请按下列条目引用。",
        "figures_note": "每张图也保存在 figures/（PNG 与 SVG），每张表保存在 tables/（CSV），"
        "文件名见图表标题。",
        "Figure": "图",
        "Table": "表",
        "unit_D": "天",
        "unit_W": "周（七天）",
        "unit_M": "月",
    },
}

#: What each row of the counts table counts (English; the Chinese report shows the same).
COUNT_LABELS = {
    "rows_read": "rows in the input files",
    "rows_removed_by_where": "rows removed by --where (condition false or missing)",
    "rows_removed_missing_customer": "rows removed by --drop-missing-customers (no id)",
    "n_rows": "order rows used",
    "negative_amount_rows": "rows with a negative amount (returns)",
    "return_rows": "rows with a negative amount, netted (--returns net)",
    "days_not_positive": "customer-days whose net amount is not positive: not purchases",
    "customers_without_purchase": "customers left without any purchase day after netting",
    "n_purchase_days": "purchases (customer-days with an order)",
    "merged_same_day_rows": "rows merged into a purchase of the same customer and day",
    "n_customers_in_log": "customers in the log",
    "customers_first_after_calibration": "customers whose first purchase is after the "
    "calibration end (not scored)",
    "n_customers": "customers in the summary",
    "excluded_T0": "customers first buying on the calibration end's day (T = 0, not scored)",
    "n_scored": "customers scored",
    "repeaters": "repeat buyers (frequency > 0)",
    "repeaters_nonpositive_spend": "repeat buyers without positive mean spend (given the "
    "population mean spend)",
    "n_patterns": "distinct (frequency, recency, T) patterns the models were fitted on",
}


def words(language: str) -> dict[str, str]:
    """The report's words in ``language`` (``"en"`` or ``"zh"``)."""
    return TEXT[language]
