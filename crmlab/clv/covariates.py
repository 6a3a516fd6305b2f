"""Static covariates in the transaction models: which kinds of customers buy more, or leave sooner.

A *static covariate* is a customer characteristic that does not change over the observation
period (acquisition channel, gender, region). crmlab follows the parametrisation of the R
package CLVTools (Bachmann, Meierer & Naef), so that estimates can be compared number for
number: a customer's rate parameters are scaled by the exponential of a linear combination of
their covariates, with raw covariates and no intercept (the model's own scale parameter is the
intercept):

- purchase process (every model): ``alpha_i = alpha * exp(-gamma_purchase' x_i)``, so a
  positive coefficient means a *higher* purchase rate (the Gamma rate ``alpha`` is inversely
  related to the mean purchase rate ``r / alpha``);
- drop-out process: Pareto/NBD and GGom/NBD ``beta_i = beta * exp(-gamma_dropout' x_i)`` (a
  positive coefficient means a higher drop-out rate, i.e. shorter lifetimes); BG/NBD
  ``a_i = a * exp(gamma_dropout' x_i)`` and ``b_i = b * exp(gamma_dropout' x_i)``.

A *shared* covariate has one coefficient for both processes (CLVTools' ``names.cov.constr``).
The optional L2 penalty is CLVTools' ``reg.lambdas``: the fit minimises
``-LL / n + lambda_purchase * |gamma_purchase|^2 + lambda_dropout * |gamma_dropout|^2``.

The likelihood stays pattern-weighted: customers are grouped by their covariate values and,
within a group, by their ``(frequency, recency, T)``, so each distinct pattern is evaluated
once (few groups for categorical covariates; one customer per group for a continuous one,
which is correct but slower). The design carries no time index, so that time-varying
covariates can later be added as a per-period matrix beside it.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the
Pareto/NBD and BG/NBD models. http://brucehardie.com/notes/019/
Bachmann, P., Meierer, M. & Naef, J. (2021). The role of time-varying contextual factors in
latent attrition models for customer base analysis. *Marketing Science* 40(4), 783-809.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.clv._data import collapse
from crmlab.errors import CRMLabInputError
from crmlab.validation import as_numeric_column, check_frame, require_columns

__all__ = [
    "CovariateSpec",
    "covariate_spec",
    "one_hot_covariates",
    "rate_ratios",
]

PROCESSES = ("purchase", "dropout")
_COEF_COLUMNS = ["estimate", "se", "z", "p_value"]


@dataclass(frozen=True)
class CovariateSpec:
    """Which covariates enter which process (validated names, in the order given).

    Attributes
    ----------
    purchase, dropout : tuple of str
        Covariates of the purchase and the drop-out process (a shared one is in both).
    shared : tuple of str
        Covariates with one coefficient for both processes.
    """

    purchase: tuple[str, ...]
    dropout: tuple[str, ...]
    shared: tuple[str, ...]

    @property
    def free(self) -> list[tuple[str, str]]:
        """The estimated coefficients as ``(process, covariate)``; process ``"shared"`` for both."""
        out = [("purchase", c) for c in self.purchase if c not in self.shared]
        out += [("dropout", c) for c in self.dropout if c not in self.shared]
        return out + [("shared", c) for c in self.shared]

    @property
    def columns(self) -> list[str]:
        """Every covariate column, once."""
        return list(dict.fromkeys(self.purchase + self.dropout))

    def loadings(self, process: str) -> np.ndarray:
        """``(n_free,)`` 0/1 vector: which free coefficients act on ``process``."""
        own = self.purchase if process == "purchase" else self.dropout
        return np.array([float(p in (process, "shared") and c in own) for p, c in self.free])

    def labels(self) -> list[str]:
        """Names of the free coefficients in optimiser order (``"purchase:gender"``)."""
        return [f"{p}:{c}" for p, c in self.free]


def covariate_spec(
    purchase: Sequence[str] | None = None,
    dropout: Sequence[str] | None = None,
    shared: Sequence[str] | None = None,
) -> CovariateSpec | None:
    """Check the covariate lists given to ``fit``; None when there are no covariates.

    Raises
    ------
    CRMLabInputError
        If a list is a single string, holds a name twice, or a shared covariate is not in both
        lists.
    """
    lists: dict[str, tuple[str, ...]] = {}
    for arg, value in (
        ("purchase_covariates", purchase),
        ("dropout_covariates", dropout),
        ("shared_covariates", shared),
    ):
        if value is None:
            lists[arg] = ()
            continue
        if isinstance(value, str):
            raise CRMLabInputError(
                f"{arg} must be a list of column names, got the string {value!r}. "
                f"Fix: pass {arg}=[{value!r}]."
            )
        names = tuple(value)
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise CRMLabInputError(f"{arg} must hold column names (text); got {bad[0]!r}.")
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise CRMLabInputError(
                f"{arg} names {twice[0]!r} more than once. Fix: list each covariate once."
            )
        lists[arg] = names
    purchase_t, dropout_t, shared_t = lists.values()
    missing = [c for c in shared_t if c not in purchase_t or c not in dropout_t]
    if missing:
        raise CRMLabInputError(
            f"shared_covariates must be in both purchase_covariates and dropout_covariates; "
            f"{missing[0]!r} is not (purchase: {list(purchase_t)}, dropout: {list(dropout_t)}). "
            f"Fix: add {missing[0]!r} to both lists, or drop it from shared_covariates."
        )
    if not purchase_t and not dropout_t:
        return None
    return CovariateSpec(purchase_t, dropout_t, shared_t)


def _check_column(data: pd.DataFrame, column: str, name: str) -> np.ndarray:
    raw = data[column]
    is_text = not (
        pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)
    ) and pd.api.types.infer_dtype(raw.astype(object), skipna=True) not in (
        "integer",
        "floating",
        "mixed-integer-float",
        "empty",
    )
    if isinstance(raw.dtype, pd.CategoricalDtype) or is_text:
        levels = pd.unique(raw.dropna())
        raise CRMLabInputError(
            f"{name}: covariate column {column!r} holds categories, not numbers "
            f"({len(levels):,} distinct values, first {levels[0]!r} in row {raw.index[0]!r}). "
            "A covariate enters the model as a number multiplied by its coefficient. Fix: "
            f"one-hot encode it, e.g. crmlab.clv.one_hot_covariates(data, [{column!r}]), "
            "and pass the new 0/1 columns."
        )
    values = as_numeric_column(data, column, name=name)
    return values.to_numpy(dtype=float)


def covariate_matrices(
    data: pd.DataFrame, spec: CovariateSpec, *, name: str = "data", fitting: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(n, n_free)`` design matrices of the purchase and the drop-out process.

    Column ``j`` of each holds the covariate of free coefficient ``j`` where that coefficient
    acts on the process, and 0 elsewhere. With ``fitting=True`` constant and perfectly collinear
    covariates are refused too (they cannot be estimated); a frame to predict on may hold a
    single customer.

    Raises
    ------
    CRMLabInputError
        Naming the column, the number of rows, the first offending value and the fix.
    """
    check_frame(data, name)
    require_columns(
        data,
        spec.columns,
        name=name,
        hint="join the one-row-per-customer covariate table to the summary, e.g. "
        "summary.join(covariates.set_index('customer_id')); a model fitted with covariates "
        "predicts only for customers whose covariates it is given",
    )
    values = {c: _check_column(data, c, name) for c in spec.columns}
    if fitting:
        _check_estimable(values, spec, name)
    n = len(data)
    zp = np.zeros((n, len(spec.free)))
    zd = np.zeros((n, len(spec.free)))
    for j, (process, col) in enumerate(spec.free):
        if process in ("purchase", "shared"):
            zp[:, j] = values[col]
        if process in ("dropout", "shared"):
            zd[:, j] = values[col]
    return zp, zd


def _check_estimable(values: dict[str, np.ndarray], spec: CovariateSpec, name: str) -> None:
    for col, v in values.items():
        if len(v) and np.all(v == v[0]):
            raise CRMLabInputError(
                f"{name}: covariate column {col!r} has the same value ({v[0]:g}) in all "
                f"{len(v):,} rows, so its effect cannot be estimated (the model's own scale "
                f"parameter already plays the intercept). Fix: drop {col!r} from the covariates."
            )
    for process, own in (("purchase", spec.purchase), ("dropout", spec.dropout)):
        kept: list[np.ndarray] = [np.ones(len(next(iter(values.values()))))]
        for i, col in enumerate(own):
            trial = np.column_stack([*kept, values[col]])
            tol = 1e-9 * max(1.0, float(np.abs(trial).max())) * len(trial)
            if np.linalg.matrix_rank(trial, tol=tol) < trial.shape[1]:
                others = list(own[:i])
                raise CRMLabInputError(
                    f"{name}: covariate column {col!r} of the {process} process is a perfect "
                    "linear combination of the intercept and the covariates before it "
                    f"({', '.join(others) or 'a constant'}) in all {len(values[col]):,} rows, "
                    "so the coefficients are not identified (e.g. one-hot columns of every "
                    f"level of a category). Fix: drop {col!r} (or one level of the category)."
                )
            kept.append(values[col])


class CovariateGroups(NamedTuple):
    """Customers grouped by identical covariate rows."""

    codes: np.ndarray  # group of each row
    purchase: np.ndarray  # (n_groups, n_free) design rows
    dropout: np.ndarray


def covariate_groups(zp: np.ndarray, zd: np.ndarray) -> CovariateGroups:
    """Group rows with identical covariate values (each group is one set of rate parameters)."""
    both = np.hstack([zp, zd])
    n = len(both)
    # one integer key per row from each column's codes (hashing, not sorting rows)
    key = np.zeros(n, dtype=np.int64)
    for column in both.T:
        codes, levels = pd.factorize(column)
        if key.max(initial=0) > (2**62) // max(len(levels), 1):
            key = pd.factorize(key)[0]
        key = key * len(levels) + codes
    codes, uniq = pd.factorize(key)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[codes[::-1]] = np.arange(n)[::-1]  # first row of each group
    m = zp.shape[1]
    return CovariateGroups(codes.astype(np.int64), both[first, :m], both[first, m:])


def group_log_params(
    base: np.ndarray, coef: np.ndarray, groups: CovariateGroups, links: np.ndarray
) -> np.ndarray:
    """``(n_groups, k)`` log-parameters of each covariate group.

    ``links`` is ``(2, k)``: the sign with which the purchase and the drop-out linear predictors
    enter each log-parameter (e.g. Pareto/NBD: ``-1`` on alpha and on beta).
    """
    eta = np.column_stack([groups.purchase @ coef, groups.dropout @ coef])
    return base[None, :] + eta @ links


def grouped_objective(
    nll_grad: Callable[..., tuple[float, np.ndarray]],
    prepare: Callable[..., Any],
    columns: Mapping[str, np.ndarray],
    w: np.ndarray,
    groups: CovariateGroups,
    links: np.ndarray,
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Negative log-likelihood of ``(log-parameters, coefficients)`` and its gradient.

    Each covariate group is collapsed to its distinct ``(frequency, recency, T)`` patterns and
    handed to the model's own ``nll_grad``; the chain rule through :func:`group_log_params`
    gives the coefficients' gradient.
    """
    parts = []
    for g in range(len(groups.purchase)):
        rows = groups.codes == g
        arrays, wg = collapse({c: v[rows] for c, v in columns.items()}, list(columns), w[rows])
        x, tx, T = arrays.values()
        parts.append((x, tx, T, wg, prepare(x, tx, T, wg)))
    k = links.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        base, coef = theta[:k], theta[k:]
        log_params = group_log_params(base, coef, groups, links)
        total = 0.0
        grad_base = np.zeros(k)
        grad_eta = np.zeros((len(parts), 2))
        for g, (x, tx, T, wg, cache) in enumerate(parts):
            value, grad = nll_grad(log_params[g], x, tx, T, wg, cache)
            if not np.isfinite(value):
                return np.inf, np.zeros(len(theta))
            total += value
            grad_base += grad
            grad_eta[g] = links @ grad
        grad_coef = groups.purchase.T @ grad_eta[:, 0] + groups.dropout.T @ grad_eta[:, 1]
        return total, np.concatenate([grad_base, grad_coef])

    return objective


def coefficient_table(spec: CovariateSpec, estimate: np.ndarray, se: np.ndarray) -> pd.DataFrame:
    """``coefficients_``: one row per (process, covariate); a shared one under both processes."""
    rows = []
    for process in PROCESSES:
        own = spec.purchase if process == "purchase" else spec.dropout
        for col in own:
            j = spec.free.index(("shared", col) if col in spec.shared else (process, col))
            rows.append((process, col, estimate[j], se[j]))
    frame = pd.DataFrame(rows, columns=["process", "covariate", "estimate", "se"])
    return _finish_table(frame)


def empty_coefficients() -> pd.DataFrame:
    """The ``coefficients_`` of a model fitted without covariates (no rows).

    Built directly, with the dtypes :func:`_finish_table` gives (that route costs milliseconds).
    """
    index = pd.MultiIndex.from_arrays(
        [pd.Index([], dtype=object), pd.Index([], dtype=object)], names=["process", "covariate"]
    )
    return pd.DataFrame({c: np.array([], dtype=float) for c in _COEF_COLUMNS}, index=index)


def _finish_table(frame: pd.DataFrame) -> pd.DataFrame:
    frame["process"] = frame["process"].astype(str)
    frame["covariate"] = frame["covariate"].astype(str)
    est, se = frame["estimate"].astype(float), frame["se"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["z"] = est / se
    frame["p_value"] = 2 * stats.norm.sf(np.abs(frame["z"]))
    return frame.set_index(["process", "covariate"])[_COEF_COLUMNS]


def one_hot_covariates(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    reference: Mapping[str, Any] | None = None,
    min_share: float = 0.0,
) -> pd.DataFrame:
    """Encode categorical columns as 0/1 covariates, leaving out one reference level each.

    Parameters
    ----------
    data : DataFrame
        The frame holding the columns (other columns are kept unchanged).
    columns : sequence of str
        Categorical (or text) columns to encode.
    reference : mapping, optional
        The level of each column to leave out (its customers are the baseline the coefficients
        compare with); default the most frequent level.
    min_share : float, default 0
        Levels held by fewer than this share of rows are pooled into a level ``"other"``
        (reported in ``attrs["pooled_levels"]``), so that no coefficient rests on a handful of
        customers.

    Returns
    -------
    DataFrame
        ``data`` without ``columns`` and with one column ``f"{column}={level}"`` per
        non-reference level; ``attrs["reference_levels"]`` says which level each column left
        out.

    Raises
    ------
    CRMLabInputError
        If a column has missing values or fewer than two levels, or a reference is not a level.
    """
    check_frame(data, "data")
    require_columns(data, list(columns), name="data")
    out = data.drop(columns=list(columns))
    references: dict[str, Any] = {}
    pooled: dict[str, list[Any]] = {}
    for col in columns:
        values = data[col]
        if values.isna().any():
            first = values.index[values.isna().to_numpy()][0]
            raise CRMLabInputError(
                f"data: column {col!r} — {int(values.isna().sum()):,} of {len(values):,} rows "
                f"are missing (first: row {first!r}). A missing category is never read as a "
                f"level. Fix: fill it explicitly, e.g. data[{col!r}].fillna('unknown')."
            )
        shares = values.value_counts(normalize=True)
        rare = list(shares.index[shares < min_share])
        if rare:
            values = values.astype(object).where(~values.isin(rare), "other")
            pooled[col] = rare
            shares = values.value_counts(normalize=True)
        if len(shares) < 2:
            raise CRMLabInputError(
                f"data: column {col!r} has a single level ({shares.index[0]!r}), so it cannot "
                "be a covariate. Fix: leave it out."
            )
        ref = (reference or {}).get(col, shares.index[0])
        if ref not in shares.index:
            raise CRMLabInputError(
                f"reference level {ref!r} is not a level of {col!r} (levels: "
                f"{list(shares.index[:10])}). Fix: pass one of them."
            )
        references[col] = ref
        for level in sorted((lv for lv in shares.index if lv != ref), key=str):
            out[f"{col}={level}"] = (values == level).astype("int64").to_numpy()
    out.attrs = {**data.attrs, "reference_levels": references, "pooled_levels": pooled}
    return out


def rate_ratios(coefficients: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Coefficients as rate ratios ``exp(estimate)`` with a confidence interval.

    With CLVTools' parametrisation a one-unit higher covariate multiplies the purchase rate
    (every model) and the drop-out rate (Pareto/NBD, GGom/NBD) by ``exp(coefficient)``: 1.5
    means 50% more purchases (or drop-outs) per week. For BG/NBD's drop-out process the ratio
    scales both ``a`` and ``b``, which makes customers more alike, not more likely to leave.

    Parameters
    ----------
    coefficients : DataFrame
        A model's ``coefficients_``.
    level : float, default 0.95
        Confidence level of the interval (normal approximation on the coefficient).

    Returns
    -------
    DataFrame
        Indexed like ``coefficients``; columns ``rate_ratio``, ``lower``, ``upper``,
        ``p_value``.
    """
    if not 0 < level < 1:
        raise CRMLabInputError(f"level must be between 0 and 1, got {level!r}.")
    z = stats.norm.ppf(0.5 + level / 2)
    est, se = coefficients["estimate"], coefficients["se"]
    return pd.DataFrame(
        {
            "rate_ratio": np.exp(est),
            "lower": np.exp(est - z * se),
            "upper": np.exp(est + z * se),
            "p_value": coefficients["p_value"],
        },
        index=coefficients.index,
    )
