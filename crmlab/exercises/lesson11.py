"""Exercise set 11: covariates in the transaction models (协变量).

Use in ``exercises/11_covariates.ipynb``::

    from crmlab.exercises import lesson11 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

All questions use CLVTools' apparel data with its 104-week estimation period (weeks), the
summary joined with the static covariates ``gender`` (1 female) and ``channel`` (1 acquired in a
store). The reference answers come from :class:`crmlab.clv.ParetoNBD` fits on these data.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Precision, Question

__all__ = ["SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (``calibration_end`` is the notebook's parameter).
SETTINGS: dict[str, Any] = {
    "calibration_end": "2006-12-31",
    "horizon_weeks": 52.0,
    "top_share": 0.10,
}

_COVARIATES = ["gender", "channel"]


@cache
def load() -> dict[str, Any]:
    """The apparel ``data`` (summary with covariates) and the fitted models of this set."""
    from crmlab.clv import ParetoNBD
    from crmlab.datasets import load_apparel_covariates, load_apparel_transactions
    from crmlab.transactions import rfm_summary

    summary = rfm_summary(
        load_apparel_transactions(), calibration_end=SETTINGS["calibration_end"], time_unit="W"
    )
    data = summary.join(load_apparel_covariates().set_index("customer_id"))
    data.attrs = dict(summary.attrs)
    return {
        "data": data,
        "plain": ParetoNBD().fit(data),
        "channel": ParetoNBD().fit(data, purchase_covariates=["channel"]),
        "full": ParetoNBD().fit(
            data, purchase_covariates=_COVARIATES, dropout_covariates=_COVARIATES
        ),
    }


# --- q1: rate ratio ------------------------------------------------------------------------------
def _channel_coef() -> float:
    return float(load()["channel"].coefficients_.loc[("purchase", "channel"), "estimate"])


q1 = Question(
    qid="q1",
    title="Store customers' purchase rate (比率比)",
    unit="a rate ratio (times)",
    precision=Precision(sig=3),
    prompt=(
        "Fit Pareto/NBD with `channel` as the only covariate, in the purchase process only "
        "(`purchase_covariates=['channel']`). By what factor is the purchase rate of a customer "
        "acquired in a store (channel 1) higher than that of one acquired online (channel 0)?"
    ),
    expected=lambda: float(np.exp(_channel_coef())),
    hints=(
        "With CLVTools' parametrisation the mean purchase rate is r / alpha_i = "
        "(r / alpha) exp(gamma x_i): compare x = 1 with x = 0.",
        "The factor is exp(coefficient): read the purchase coefficient of channel from "
        "model.coefficients_ and take its exponential.",
    ),
    hints_zh=(
        "按 CLVTools 的参数化，平均购买率为 r / alpha_i = (r / alpha) exp(gamma x_i)："
        "比较 x = 1 与 x = 0 两种情形。",
        "倍数就是 exp(系数)：从 model.coefficients_ 中读出 channel 在购买过程（purchase "
        "process）中的系数，再取指数。",
    ),
    solution_code="""\
model = ParetoNBD().fit(data, purchase_covariates=["channel"])
answer = float(np.exp(model.coefficients_.loc[("purchase", "channel"), "estimate"]))""",
    mistakes=(
        Mistake(
            value=_channel_coef,
            hint="that is the coefficient itself, on the log scale; the factor is its exponential.",
            hint_zh="这是系数本身（对数尺度）；倍数是它的指数。",
        ),
        Mistake(
            value=lambda: float(np.exp(-_channel_coef())),
            hint="that is the factor the other way round (online relative to store): a "
            "positive purchase coefficient means more purchases.",
            hint_zh="这是反方向的倍数（网店相对于门店）：购买系数为正意味着购买更多。",
        ),
    ),
)


# --- q2: likelihood-ratio test ---------------------------------------------------------------
def _lr_statistic() -> float:
    d = load()
    return float(2 * (d["full"].log_likelihood_ - d["plain"].log_likelihood_))


q2 = Question(
    qid="q2",
    title="Likelihood-ratio test (似然比检验)",
    unit="the test statistic",
    precision=Precision(decimals=2),
    prompt=(
        "Fit Pareto/NBD without covariates and with `gender` and `channel` in both processes. "
        "What is the likelihood-ratio statistic of the model without covariates against the "
        "full one?"
    ),
    expected=_lr_statistic,
    hints=(
        "The statistic is twice the gain in log-likelihood: 2 (LL_full - LL_restricted).",
        "crmlab.clv.likelihood_ratio_test(restricted, full).statistic computes it.",
    ),
    hints_zh=(
        "统计量是对数似然增量的两倍：2 (LL_full - LL_restricted)。",
        "crmlab.clv.likelihood_ratio_test(restricted, full).statistic 可以算出它。",
    ),
    solution_code="""\
plain = ParetoNBD().fit(data)
full = ParetoNBD().fit(
    data, purchase_covariates=["gender", "channel"], dropout_covariates=["gender", "channel"]
)
answer = likelihood_ratio_test(plain, full).statistic""",
    mistakes=(
        Mistake(
            value=lambda: _lr_statistic() / 2,
            hint="that is the gain in log-likelihood; the statistic is twice it.",
            hint_zh="这是对数似然的增量；统计量是它的两倍。",
        ),
        Mistake(
            value=lambda: 4.0,
            hint="that is the number of degrees of freedom (the added coefficients), not the "
            "statistic.",
            hint_zh="这是自由度（新增系数的个数），不是统计量。",
        ),
    ),
)


# --- q3: AIC -----------------------------------------------------------------------------------
def _aic(k_offset: int = 0) -> float:
    full = load()["full"]
    return float(-2 * full.log_likelihood_ + 2 * (full.n_parameters_ + k_offset))


q3 = Question(
    qid="q3",
    title="AIC of the full model (赤池信息准则)",
    unit="AIC",
    precision=Precision(decimals=1),
    prompt=(
        "For the full model of question 2 (gender and channel in both processes), what is "
        "Akaike's information criterion AIC = -2 LL + 2k?"
    ),
    expected=_aic,
    hints=(
        "k counts every estimated parameter: r, alpha, s, beta and the covariate coefficients.",
        "Then AIC = -2 LL + 2k; model.n_parameters_ is k, and ex.q3.solution() shows the rest.",
    ),
    hints_zh=(
        "k 计入每一个被估计的参数：r、alpha、s、beta 以及各协变量系数。",
        "然后 AIC = -2 LL + 2k；model.n_parameters_ 就是 k，其余见 ex.q3.solution()。",
    ),
    solution_code="answer = full.aic_",
    mistakes=(
        Mistake(
            value=lambda: _aic(-4),
            hint="k must include the four covariate coefficients, not only r, alpha, s, beta.",
            hint_zh="k 必须包括四个协变量系数，而不只是 r、alpha、s、beta。",
        ),
        Mistake(
            value=lambda: float(load()["full"].bic_),
            hint="that is BIC (k ln n); AIC charges 2 per parameter.",
            hint_zh="这是 BIC（每个参数加 ln(n)）；AIC 对每个参数只加 2。",
        ),
    ),
)


# --- q4: one customer's expected purchases -------------------------------------------------------
def _one_customer(model_key: str) -> float:
    d = load()
    row = pd.DataFrame(
        {"frequency": [2], "recency": [50.0], "T": [104.0], "gender": [1], "channel": [1]}
    )
    row.attrs["time_unit"] = "W"
    return float(d[model_key].expected_purchases(row, SETTINGS["horizon_weeks"]).iloc[0])


q4 = Question(
    qid="q4",
    title="Expected purchases of one customer",
    unit="purchases",
    precision=Precision(sig=3),
    prompt=(
        "A woman acquired in a store made 2 repeat purchases, the last in week 50 of the 104-week "
        "estimation period. With the full model of question 2, how many purchases do you expect "
        "from her in the next 52 weeks?"
    ),
    expected=lambda: _one_customer("full"),
    hints=(
        "Build a one-row frame with frequency, recency, T and her covariates; the model reads "
        "the covariates from the frame (set frame.attrs['time_unit'] = 'W').",
        "Then ask the full model for her expected purchases over 52 weeks; "
        "ex.q4.solution() shows the code.",
    ),
    hints_zh=(
        "构造一个只有一行的表，包含 frequency、recency、T 和她的协变量；模型从表中读取协变量"
        "（设置 frame.attrs['time_unit'] = 'W'）。",
        "然后用完整模型计算她未来 52 周的期望购买次数；代码见 ex.q4.solution()。",
    ),
    solution_code="""\
row = pd.DataFrame(
    {"frequency": [2], "recency": [50.0], "T": [104.0], "gender": [1], "channel": [1]}
)
row.attrs["time_unit"] = "W"
answer = float(full.expected_purchases(row, 52).iloc[0])""",
    mistakes=(
        Mistake(
            value=lambda: _one_customer("plain"),
            hint="that is the model without covariates; use the full model, which knows she "
            "is a woman acquired in a store.",
            hint_zh="这是不含协变量的模型；请用完整模型，它知道她是在门店获得的女性客户。",
        ),
    ),
)


# --- q5: targeting -------------------------------------------------------------------------------
def _store_share(model_key: str = "full", among_top: bool = True) -> float:
    d = load()
    data = d["data"]
    if not among_top:
        return float(data["channel"].mean())
    n_top = int(round(SETTINGS["top_share"] * len(data)))
    top = d[model_key].expected_purchases(data, SETTINGS["horizon_weeks"]).nlargest(n_top).index
    return float(data.loc[top, "channel"].mean())


q5 = Question(
    qid="q5",
    title="Whom a campaign would target",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    prompt=(
        "Rank all customers by their expected purchases in the next 52 weeks under the full "
        "model and take the top 10% (60 customers). What share of them was acquired in a store?"
    ),
    expected=_store_share,
    hints=(
        "Rank the customers by the full model's expected purchases over 52 weeks and keep the "
        "top 10%.",
        "The share of store customers is the mean of their channel column.",
    ),
    hints_zh=(
        "按完整模型未来 52 周的期望购买次数给客户排序，保留前 10%。",
        "门店客户的比例就是这些客户 channel 列的平均值。",
    ),
    solution_code="""\
top = full.expected_purchases(data, 52).nlargest(60).index
answer = float(data.loc[top, "channel"].mean())""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _store_share(among_top=False),
            hint="that is the share among all customers; take only the top 10%.",
            hint_zh="这是全体客户中的比例；只取排名前 10% 的客户。",
        ),
        Mistake(
            value=lambda: _store_share("plain"),
            hint="that ranks with the model without covariates; use the full model.",
            hint_zh="这是用不含协变量的模型排的序；请用完整模型。",
        ),
    ),
)
