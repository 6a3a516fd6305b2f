"""A synthetic branch panel for the service-profit chain: employees and customers within branches.

See :func:`simulate_service_profit_chain`; ``datasets/README.md`` documents
the same process for readers of the repository.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from crmlab.validation import as_whole_number

__all__ = ["simulate_service_profit_chain", "ServiceProfitChainData", "CHAIN_TRUE_PARAMS"]

#: Every number the generator uses (branch level unless noted); lessons compare estimates with these.
CHAIN_TRUE_PARAMS: dict = {
    # true branch employee satisfaction ES_b ~ N(mean, sd), 0-100 index
    "es_mean": 70.0,
    "es_sd": 8.0,
    # SQ_b = sq_mean + es_to_sq * (ES_b - es_mean) + N(0, sq_noise)
    "sq_mean": 60.0,
    "es_to_sq": 0.6,
    "sq_noise": 4.0,
    # CS_b = cs_mean + sq_to_cs * (SQ_b - sq_mean) + N(0, cs_noise)
    "cs_mean": 72.0,
    "sq_to_cs": 0.7,
    "cs_noise": 4.0,
    # retention_b (%) = ret_mean + cs_to_retention * (CS_b - cs_mean) + N(0, ret_noise)
    "ret_mean": 75.0,
    "cs_to_retention": 0.8,  # percentage points of retention per point of CS
    "ret_noise": 2.0,
    # profit_b (thousand per year) = profit_mean + retention_to_profit * (observed retention % - 75)
    #                                + N(0, profit_noise)
    "profit_mean": 500.0,
    "retention_to_profit": 20.0,  # thousand per percentage point of customers actually kept
    "profit_noise": 40.0,
    # individual answers around the branch truth
    "employee_sd": 10.0,  # employee satisfaction_i = ES_b + N(0, 10), clipped to 0..100
    "customer_sd": 12.0,  # customer service_quality_i, satisfaction_i: truth + N(0, 12), clipped
    # employee recommend (eNPS item, 0..10) = clip(round(satisfaction_i / 10 + N(0, 1.5)), 0, 10)
    "recommend_noise": 1.5,
}


class ServiceProfitChainData(NamedTuple):
    """Three linked tables from :func:`simulate_service_profit_chain`."""

    employees: pd.DataFrame
    customers: pd.DataFrame
    branches: pd.DataFrame


def simulate_service_profit_chain(
    n_branches: int = 60,
    employees_per_branch: int = 20,
    customers_per_branch: int = 100,
    random_state: int | None = 0,
) -> ServiceProfitChainData:
    r"""Employees and customers within branches, linked by the service-profit chain (服务利润链).

    Branch level (b), with all true numbers in :data:`CHAIN_TRUE_PARAMS`:

    .. math::
        ES_b &\sim N(70, 8^2) \\
        SQ_b &= 60 + 0.6\,(ES_b - 70) + N(0, 4^2) \\
        CS_b &= 72 + 0.7\,(SQ_b - 60) + N(0, 4^2) \\
        R_b &= 75 + 0.8\,(CS_b - 72) + N(0, 2^2) \quad (\%, \text{probability a customer stays}) \\
        \Pi_b &= 500 + 20\,(\hat R_b - 75) + N(0, 40^2) \quad (\text{thousand per year})

    where :math:`\hat R_b` is the share of the branch's sampled customers who actually stayed.
    Individuals: employee satisfaction :math:`ES_b + N(0, 10^2)`; the eNPS answer
    ``clip(round(satisfaction / 10 + N(0, 1.5^2)), 0, 10)``; customer perceived service quality
    :math:`SQ_b + N(0, 12^2)` and satisfaction :math:`CS_b + N(0, 12^2)` (0-100 indexes,
    clipped); each customer stays with probability :math:`R_b`.

    True effects (the chain's links): 0.6 points of service quality per point of employee
    satisfaction; 0.7 points of customer satisfaction per point of service quality; 0.8
    percentage points of retention per point of customer satisfaction; 20 thousand of profit
    per percentage point of retention. Branch means of individual answers are noisy, so a
    regression on them slightly underestimates the first links (regression dilution).

    Parameters
    ----------
    n_branches : int
        Number of branches.
    employees_per_branch, customers_per_branch : int
        Respondents sampled per branch.
    random_state : int or None
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    ServiceProfitChainData
        ``employees`` (``branch_id``, ``employee_id``, ``satisfaction`` 0-100, ``recommend``
        0-10), ``customers`` (``branch_id``, ``customer_id``, ``service_quality`` 0-100,
        ``satisfaction`` 0-100, ``retained`` 0/1) and ``branches`` (``branch_id``, ``profit`` in
        thousand per year, and the true ``true_es``, ``true_sq``, ``true_cs``,
        ``true_retention`` kept for teaching).
    """
    n_branches = as_whole_number(n_branches, "n_branches", minimum=3)
    n_emp = as_whole_number(employees_per_branch, "employees_per_branch", minimum=2)
    n_cust = as_whole_number(customers_per_branch, "customers_per_branch", minimum=2)
    p = CHAIN_TRUE_PARAMS
    rng = np.random.default_rng(random_state)
    b = np.arange(1, n_branches + 1)
    es = rng.normal(p["es_mean"], p["es_sd"], n_branches)
    sq = (
        p["sq_mean"]
        + p["es_to_sq"] * (es - p["es_mean"])
        + rng.normal(0, p["sq_noise"], n_branches)
    )
    cs = (
        p["cs_mean"]
        + p["sq_to_cs"] * (sq - p["sq_mean"])
        + rng.normal(0, p["cs_noise"], n_branches)
    )
    ret = p["ret_mean"] + p["cs_to_retention"] * (cs - p["cs_mean"])
    ret = np.clip(ret + rng.normal(0, p["ret_noise"], n_branches), 1.0, 99.0)

    emp_branch = np.repeat(b, n_emp)
    emp_sat = np.clip(
        np.repeat(es, n_emp) + rng.normal(0, p["employee_sd"], emp_branch.size), 0, 100
    )
    recommend = emp_sat / 10 + rng.normal(0, p["recommend_noise"], emp_branch.size)
    employees = pd.DataFrame(
        {
            "branch_id": emp_branch,
            "employee_id": np.arange(1, emp_branch.size + 1),
            "satisfaction": np.round(emp_sat, 1),
            "recommend": np.clip(np.round(recommend), 0, 10).astype(int),
        }
    )

    cust_branch = np.repeat(b, n_cust)
    size = cust_branch.size
    cust_sq = np.clip(np.repeat(sq, n_cust) + rng.normal(0, p["customer_sd"], size), 0, 100)
    cust_cs = np.clip(np.repeat(cs, n_cust) + rng.normal(0, p["customer_sd"], size), 0, 100)
    retained = rng.random(size) < np.repeat(ret / 100, n_cust)
    customers = pd.DataFrame(
        {
            "branch_id": cust_branch,
            "customer_id": np.arange(1, size + 1),
            "service_quality": np.round(cust_sq, 1),
            "satisfaction": np.round(cust_cs, 1),
            "retained": retained.astype(int),
        }
    )
    observed_ret = 100 * retained.reshape(n_branches, n_cust).mean(axis=1)
    profit = p["profit_mean"] + p["retention_to_profit"] * (observed_ret - p["ret_mean"])
    profit = profit + rng.normal(0, p["profit_noise"], n_branches)
    branches = pd.DataFrame(
        {
            "branch_id": b,
            "profit": np.round(profit, 1),
            "true_es": es,
            "true_sq": sq,
            "true_cs": cs,
            "true_retention": ret,
        }
    )
    return ServiceProfitChainData(employees, customers, branches)
