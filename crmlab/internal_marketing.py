"""Internal marketing: employees as internal customers (内部顾客) and the service-profit chain.

Two parts:

- HR analytics on one row per employee (:func:`crmlab.datasets.load_hr_attrition`): attrition
  rate and its drivers (rates by factor with counts and intervals, a logistic regression with
  odds ratios), a retention curve over years at the company, career-ladder metrics, eNPS.
- The service-profit chain (服务利润链) across branches
  (:func:`crmlab.datasets.simulate_service_profit_chain`): branch means, regression of each link
  with confidence intervals, and what an "85% internal -> 95% external satisfaction" claim needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.churn.survival import retention_curves
from crmlab.errors import CRMLabInputError
from crmlab.inference import fit_table, wilson_interval
from crmlab.loyalty import nps_breakdown
from crmlab.validation import (
    as_numeric_column,
    binary_column,
    check_frame,
    check_positive,
    check_probability,
    report_bad_rows,
    require_columns,
)

__all__ = [
    "attrition_rate",
    "attrition_by_factor",
    "attrition_model",
    "tenure_retention_curve",
    "career_ladder_summary",
    "enps",
    "branch_panel",
    "CHAIN_LINKS",
    "service_profit_chain_paths",
    "satisfaction_claim",
]


# --------------------------------------------------------------------------------------------
# Attrition
# --------------------------------------------------------------------------------------------
def attrition_rate(hr: pd.DataFrame, outcome: str = "Attrition") -> float:
    """Share of employees who left (员工流失率), as a fraction 0..1.

    ``outcome`` must be coded 0/1 (1 = left); NaN or other codes are errors.
    """
    hr = check_frame(hr, "hr", columns=[outcome])
    return float(binary_column(hr, outcome, name="hr").mean())


def attrition_by_factor(
    hr: pd.DataFrame,
    factor: str,
    outcome: str = "Attrition",
    *,
    bins: Sequence[float] | int | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Attrition rate per level of one factor, with counts and a Wilson interval.

    Parameters
    ----------
    hr : pandas.DataFrame
        One row per employee.
    factor : str
        The column to split by; categories keep their order.
    outcome : str
        0/1 column, 1 = left.
    bins : int or sequence of float, optional
        For numeric factors: bin edges (right-closed, as in ``pd.cut``) or a number of
        equal-count groups. Without bins every distinct value is its own row.
    level : float
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        Index: level; columns ``n``, ``leavers``, ``rate``, ``ci_low``, ``ci_high`` and
        ``share_of_staff``. ``attrs["overall_rate"]`` holds the overall rate.
    """
    hr = check_frame(hr, "hr", columns=[factor, outcome])
    level = check_probability(level, "level", open_interval=True)
    y = binary_column(hr, outcome, name="hr")
    x = hr[factor]
    if bins is not None:
        x = as_numeric_column(hr, factor, name="hr")
        if isinstance(bins, int):
            x = pd.qcut(x, bins, duplicates="drop")
        else:
            x = pd.cut(x, list(bins))
            report_bad_rows(
                x.isna(),
                hr[factor],
                column=factor,
                name="hr",
                problem="fall outside the bins",
                fix="widen the first or last bin edge so every value falls in a bin",
            )
    else:
        report_bad_rows(
            x.isna(),
            x,
            column=factor,
            name="hr",
            problem="are missing",
            fix=f"fill or drop them first, e.g. hr.dropna(subset=[{factor!r}])",
        )
    g = pd.DataFrame({"x": x, "y": y}).groupby("x", observed=True)["y"]
    out = pd.DataFrame({"n": g.size(), "leavers": g.sum().astype(int)})
    out["rate"] = out["leavers"] / out["n"]
    out["ci_low"], out["ci_high"] = wilson_interval(out["leavers"], out["n"], level)
    out["share_of_staff"] = out["n"] / len(hr)
    out.index.name = factor
    out.attrs["overall_rate"] = float(y.mean())
    return out


def attrition_model(
    hr: pd.DataFrame,
    predictors: Sequence[str],
    outcome: str = "Attrition",
    *,
    ordinal_as_codes: bool = True,
    scale: dict[str, float] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Logistic regression of attrition on several predictors, with odds ratios and CIs.

    Numeric columns enter as they are (divided by ``scale[col]`` if given, e.g. income per
    1,000); ordered categoricals enter as codes 1..k when ``ordinal_as_codes`` (one odds ratio
    per step up the scale), other categoricals as 0/1 dummies against their first level.

    Returns
    -------
    pandas.DataFrame
        One row per term: ``coef``, ``se``, ``ci_low``, ``ci_high``, ``p_value``,
        ``odds_ratio``, ``or_low``, ``or_high``. An odds ratio above 1 means higher odds of
        leaving per unit (or versus the baseline level). ``attrs`` hold ``n`` and ``r2``
        (McFadden's pseudo-R²).
    """
    hr = check_frame(hr, "hr")
    predictors = list(predictors)
    if not predictors:
        raise CRMLabInputError("predictors is empty. Fix: name at least one column.")
    require_columns(hr, [outcome, *predictors], name="hr")
    scale = dict(scale or {})
    parts = []
    for col in predictors:
        s = hr[col]
        if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered and ordinal_as_codes:
            report_bad_rows(
                s.isna(), s, column=col, name="hr", problem="are missing", fix="fill or drop them"
            )
            parts.append((s.cat.codes + 1).astype(float).rename(col).to_frame())
        elif isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
            report_bad_rows(
                s.isna(), s, column=col, name="hr", problem="are missing", fix="fill or drop them"
            )
            parts.append(
                pd.get_dummies(s, prefix=col, prefix_sep="=", drop_first=True, dtype=float)
            )
        else:
            v = as_numeric_column(hr, col, name="hr")
            parts.append((v / check_positive(scale.get(col, 1.0), f"scale[{col!r}]")).to_frame())
    X = pd.concat(parts, axis=1)
    y = binary_column(hr, outcome, name="hr")
    return fit_table(y, X, kind="logit", level=level)


def tenure_retention_curve(
    hr: pd.DataFrame,
    duration: str = "YearsAtCompany",
    outcome: str = "Attrition",
    *,
    by: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier retention curve over years at the company (lifelines).

    Leavers are events at their tenure; employees still there are censored at their current
    tenure. Caveat: a snapshot of one year's staff, not a cohort followed from hiring. The
    estimate is that of :func:`crmlab.churn.retention_curves` (customers there, employees here),
    with ``level`` the confidence level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        Long format: ``group`` (``"all"`` without ``by``), ``time`` (years), ``retention``
        (share still employed), ``ci_low``, ``ci_high``, ``at_risk``.
    """
    level = check_probability(level, "level", open_interval=True)
    curves = retention_curves(hr, duration, outcome, by, alpha=1 - level)
    out = curves.survival.rename(
        columns={"survival": "retention", "ci_lower": "ci_low", "ci_upper": "ci_high"}
    )
    out = out.drop(columns="churned").assign(group=out["group"].astype(str))
    out.attrs["by"] = by
    return out


def career_ladder_summary(
    hr: pd.DataFrame,
    by: str = "JobLevel",
    *,
    promotion: str = "YearsSinceLastPromotion",
    role: str = "YearsInCurrentRole",
    outcome: str = "Attrition",
    stuck_years: float = 5.0,
) -> pd.DataFrame:
    """Career-ladder (职业晋升阶梯) metrics per group: waiting for promotion, time in role.

    Returns
    -------
    pandas.DataFrame
        Per level of ``by``: ``n``, ``median_years_since_promotion``,
        ``median_years_in_role``, ``share_stuck`` (no promotion for ``stuck_years`` or more),
        ``attrition_rate`` and ``attrition_rate_stuck`` (among the stuck; NaN if none).
    """
    hr = check_frame(hr, "hr", columns=[by, promotion, role, outcome])
    stuck_years = check_positive(stuck_years, "stuck_years")
    frame = pd.DataFrame(
        {
            "by": hr[by],
            "promo": as_numeric_column(hr, promotion, name="hr", min_value=0.0),
            "role": as_numeric_column(hr, role, name="hr", min_value=0.0),
            "y": binary_column(hr, outcome, name="hr"),
        }
    )
    frame["stuck"] = frame["promo"] >= stuck_years
    g = frame.groupby("by", observed=True)
    out = pd.DataFrame(
        {
            "n": g.size(),
            "median_years_since_promotion": g["promo"].median(),
            "median_years_in_role": g["role"].median(),
            "share_stuck": g["stuck"].mean(),
            "attrition_rate": g["y"].mean(),
            "attrition_rate_stuck": frame[frame["stuck"]].groupby("by", observed=True)["y"].mean(),
        }
    )
    out.index.name = by
    return out


def enps(scores) -> float:
    """Employee Net Promoter Score (员工净推荐值), in points from -100 to 100.

    The NPS formula (:func:`crmlab.loyalty.nps`) applied to employees' 0-10 answers to "How
    likely are you to recommend this company as a place to work?": share answering 9-10 minus
    share answering 0-6, times 100.
    """
    return float(nps_breakdown(scores, name="employee scores")["nps_points"])


# --------------------------------------------------------------------------------------------
# The service-profit chain across branches
# --------------------------------------------------------------------------------------------
#: The chain's links as (from, to) columns of :func:`branch_panel`.
CHAIN_LINKS: tuple[tuple[str, str], ...] = (
    ("employee_satisfaction", "service_quality"),
    ("service_quality", "customer_satisfaction"),
    ("customer_satisfaction", "retention_pct"),
    ("retention_pct", "profit"),
)


def branch_panel(
    employees: pd.DataFrame,
    customers: pd.DataFrame,
    branches: pd.DataFrame,
    *,
    threshold: float = 70.0,
    branch: str = "branch_id",
) -> pd.DataFrame:
    """One row per branch: mean employee and customer answers, satisfied shares, eNPS, profit.

    Parameters
    ----------
    employees : pandas.DataFrame
        ``branch_id``, ``satisfaction`` (0-100), ``recommend`` (0-10).
    customers : pandas.DataFrame
        ``branch_id``, ``service_quality`` and ``satisfaction`` (0-100), ``retained`` (0/1).
    branches : pandas.DataFrame
        ``branch_id``, ``profit``.
    threshold : float
        A respondent counts as "satisfied" with a satisfaction of at least ``threshold``.

    Returns
    -------
    pandas.DataFrame
        Index ``branch_id``; columns ``employee_satisfaction``, ``employee_satisfied_share``,
        ``enps``, ``service_quality``, ``customer_satisfaction``, ``customer_satisfied_share``,
        ``retention_pct`` (percent of customers retained), ``profit``, ``n_employees``,
        ``n_customers``.
    """
    employees = check_frame(employees, "employees")
    customers = check_frame(customers, "customers")
    branches = check_frame(branches, "branches")
    require_columns(employees, [branch, "satisfaction", "recommend"], name="employees")
    require_columns(
        customers, [branch, "service_quality", "satisfaction", "retained"], name="customers"
    )
    require_columns(branches, [branch, "profit"], name="branches")
    for frame, cols, name in (
        (employees, ["satisfaction"], "employees"),
        (customers, ["service_quality", "satisfaction"], "customers"),
    ):
        for col in cols:
            v = as_numeric_column(frame, col, name=name, min_value=0.0)
            report_bad_rows(
                v > 100, frame[col], column=col, name=name, problem="are above 100",
                fix="use the 0-100 index (rescale 1-5 or 1-7 answers first)",
            )  # fmt: skip
    e = employees.assign(sat_ok=employees["satisfaction"] >= threshold)
    c = customers.assign(
        sat_ok=customers["satisfaction"] >= threshold,
        retained=binary_column(customers, "retained", name="customers"),
    )
    ge, gc = e.groupby(branch), c.groupby(branch)
    out = pd.DataFrame(
        {
            "employee_satisfaction": ge["satisfaction"].mean(),
            "employee_satisfied_share": ge["sat_ok"].mean(),
            "enps": ge["recommend"].apply(
                lambda s: nps_breakdown(s, name="recommend")["nps_points"]
            ),
        }
    )
    out = out.join(
        pd.DataFrame(
            {
                "service_quality": gc["service_quality"].mean(),
                "customer_satisfaction": gc["satisfaction"].mean(),
                "customer_satisfied_share": gc["sat_ok"].mean(),
                "retention_pct": 100 * gc["retained"].mean(),
            }
        ),
        how="inner",
    )
    profit = branches.set_index(branch)["profit"]
    out = out.join(profit, how="inner")
    if len(out) < 3:
        raise CRMLabInputError(
            f"only {len(out)} branch(es) appear in all three tables; a branch-level regression "
            f"needs at least 3. Fix: check that {branch!r} uses the same ids in every table."
        )
    out["n_employees"] = ge.size().reindex(out.index)
    out["n_customers"] = gc.size().reindex(out.index)
    out.index.name = branch
    return out


def service_profit_chain_paths(
    panel: pd.DataFrame,
    links: Sequence[tuple[str, str]] = CHAIN_LINKS,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Estimate each link of the chain with a branch-level OLS regression (statsmodels).

    For each (x, y) link: :math:`y_b = a + \beta x_b + \varepsilon_b` across branches b.

    Returns
    -------
    pandas.DataFrame
        One row per link: ``x``, ``y``, ``slope``, ``se``, ``ci_low``, ``ci_high``,
        ``p_value``, ``r2``, ``n``. These are associations across branches, not proof of
        causation; branch means measured with noise bias a slope towards 0.
    """
    panel = check_frame(panel, "panel")
    rows = []
    for x, y in links:
        require_columns(panel, [x, y], name="panel")
        t = fit_table(
            as_numeric_column(panel, y, name="panel"),
            as_numeric_column(panel, x, name="panel").to_frame(),
            kind="ols",
            level=level,
        )
        r = t.loc[x]
        rows.append(
            {
                "x": x,
                "y": y,
                "slope": r["coef"],
                "se": r["se"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
                "r2": t.attrs["r2"],
                "n": t.attrs["n"],
            }
        )
    return pd.DataFrame(rows)


def satisfaction_claim(
    panel: pd.DataFrame,
    internal: float = 0.85,
    external: float = 0.95,
    *,
    x: str = "employee_satisfied_share",
    y: str = "customer_satisfied_share",
    level: float = 0.95,
) -> pd.Series:
    r"""Test a claim like "85% internal satisfaction gives 95% external satisfaction".

    Fits :math:`y = a + b x` across branches, predicts :math:`y` at ``x = internal`` with a
    confidence interval for the line (the average branch) and a wider prediction interval for
    one branch, and reports the slope the claim would need if the line
    passed through the branches' average point: :math:`b^* = (external - \bar y) / (internal -
    \bar x)`.

    Returns
    -------
    pandas.Series
        ``internal``, ``external`` (the claim), ``predicted``, ``ci_low``, ``ci_high`` (for the
        line), ``pi_low``, ``pi_high`` (for one branch),
        ``slope``, ``slope_ci_low``, ``slope_ci_high``, ``required_slope``,
        ``branches_at_or_above`` (how many branches reach ``internal``; predictions beyond the
        data are extrapolation), and two answers to "is the claim possible?", one per interval:
        ``claim_in_line_ci`` (bool: the claim lies in the line's confidence interval, so the
        *average* branch at ``internal`` could reach it) and ``claim_in_prediction_interval``
        (bool: the claim lies in the prediction interval, so *one* branch could reach it by
        chance even if the average does not).
    """
    import statsmodels.api as sm

    panel = check_frame(panel, "panel", columns=[x, y])
    internal = check_probability(internal, "internal")
    external = check_probability(external, "external")
    level = check_probability(level, "level", open_interval=True)
    xs = as_numeric_column(panel, x, name="panel")
    ys = as_numeric_column(panel, y, name="panel")
    if xs.nunique() < 2:
        raise CRMLabInputError(
            f"panel: column {x!r} does not vary across branches; no line can be fitted."
        )
    fit = sm.OLS(ys.to_numpy(), sm.add_constant(xs.to_numpy())).fit()
    pred = fit.get_prediction(np.array([[1.0, internal]])).summary_frame(alpha=1 - level)
    ci = fit.conf_int(alpha=1 - level)
    gap = internal - xs.mean()
    required = (external - ys.mean()) / gap if gap != 0 else np.nan
    low, high = float(pred["mean_ci_lower"].iloc[0]), float(pred["mean_ci_upper"].iloc[0])
    pi_low, pi_high = float(pred["obs_ci_lower"].iloc[0]), float(pred["obs_ci_upper"].iloc[0])
    return pd.Series(
        {
            "internal": internal,
            "external": external,
            "predicted": float(pred["mean"].iloc[0]),
            "ci_low": low,
            "ci_high": high,
            "pi_low": pi_low,
            "pi_high": pi_high,
            "slope": float(fit.params[1]),
            "slope_ci_low": float(ci[1, 0]),
            "slope_ci_high": float(ci[1, 1]),
            "required_slope": float(required),
            "branches_at_or_above": int((xs >= internal).sum()),
            "claim_in_line_ci": bool(low <= external <= high),
            "claim_in_prediction_interval": bool(pi_low <= external <= pi_high),
        },
        dtype=object,
    )
