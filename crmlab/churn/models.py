"""Churn classifiers as scikit-learn pipelines: cross-validated AUC, gains, lift, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

from crmlab.churn._common import _binary_array, _same_length
from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_1d_array,
    binary_column,
    check_frame,
    report_bad_rows,
    require_columns,
)

__all__ = [
    "churn_pipeline",
    "pipeline_steps",
    "ChurnModelResults",
    "evaluate_churn_models",
    "gains_table",
    "calibration_table",
]

_MODELS = ("logistic", "boosting")


# --------------------------------------------------------------------------------------------
# churn classifiers
# --------------------------------------------------------------------------------------------
def churn_pipeline(model: str = "logistic", random_state: int | None = 0) -> Pipeline:
    """A scikit-learn pipeline: one-hot encode categories, scale numbers, then classify.

    Categorical (category, object, bool) columns are one-hot encoded (unseen levels ignored),
    numeric columns standardised, so the pipeline takes a feature frame as it is.

    Parameters
    ----------
    model : {"logistic", "boosting"}
        Logistic regression, or a histogram gradient-boosting classifier (fast, non-linear).
    random_state : int or None
        Seed of the boosting model (logistic regression is deterministic).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"prepare"`` and ``"model"``; unfitted.
    """
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if model not in _MODELS:
        raise CRMLabInputError(
            f"model must be one of {', '.join(repr(m) for m in _MODELS)}, got {model!r}."
        )
    prepare = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                make_column_selector(dtype_include=["category", "object", "bool"]),
            ),
            ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )
    if model == "logistic":
        clf = LogisticRegression(max_iter=2000)
    else:
        clf = HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=8, random_state=random_state
        )
    return Pipeline([("prepare", prepare), ("model", clf)])


def pipeline_steps(pipeline: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """What each step of a pipeline does to which columns of ``frame``: a table to read.

    A pipeline's printed form shows nested objects and memory addresses; this lists one row per
    transformer of a ``ColumnTransformer`` step (its column selectors applied to ``frame``) and
    one row for every other step. Nothing is fitted.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        E.g. :func:`churn_pipeline` output.
    frame : DataFrame
        The feature columns the pipeline will receive.

    Returns
    -------
    DataFrame
        Indexed by ``step`` (``"prepare/categories"``, ...): ``method`` (the scikit-learn class),
        ``n_columns`` (``<NA>`` for whole-frame steps) and ``columns`` (comma-separated; "all columns of the step before" for steps
        that take everything).

    Raises
    ------
    TypeError
        ``pipeline`` is not a scikit-learn Pipeline, or ``frame`` is not a DataFrame.
    CRMLabInputError
        ``frame`` is empty or has duplicated column names.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise TypeError(
            f"pipeline must be a scikit-learn Pipeline, got {type(pipeline).__name__}. "
            "Fix: pass churn_pipeline(...) or another Pipeline."
        )
    frame = check_frame(frame, "frame")
    rows = []
    for name, step in pipeline.steps:
        if isinstance(step, ColumnTransformer):
            for part, transformer, columns in step.transformers:
                chosen = columns(frame) if callable(columns) else columns
                chosen = [chosen] if isinstance(chosen, str) else list(chosen)
                rows.append(
                    {
                        "step": f"{name}/{part}",
                        "method": type(transformer).__name__,
                        "n_columns": len(chosen),
                        "columns": ", ".join(map(str, chosen)),
                    }
                )
        else:
            rows.append(
                {
                    "step": name,
                    "method": type(step).__name__,
                    "n_columns": pd.NA,
                    "columns": "all columns of the step before",
                }
            )
    return pd.DataFrame(rows).set_index("step").astype({"n_columns": "Int64"})


@dataclass(frozen=True)
class ChurnModelResults:
    """Cross-validated churn models.

    Attributes
    ----------
    scores : DataFrame
        One row per model and fold: ``model``, ``fold``, ``roc_auc``.
    summary : DataFrame
        One row per model: ``roc_auc_mean``, ``roc_auc_sd`` over folds, ``oof_roc_auc`` (on all
        out-of-fold probabilities), ``brier`` score and ``mean_probability``.
    probabilities : DataFrame
        Out-of-fold churn probability per customer (rows, same index as the frame) and model
        (columns): each customer scored by a model that never saw them.
    y : Series
        The target, same index.
    features : list of str
    """

    scores: pd.DataFrame
    summary: pd.DataFrame
    probabilities: pd.DataFrame
    y: pd.Series
    features: list[str] = field(default_factory=list)


def evaluate_churn_models(
    frame: pd.DataFrame,
    target: str = "churn",
    features: Sequence[str] | None = None,
    models: Sequence[str] = _MODELS,
    *,
    cv: int = 5,
    random_state: int | None = 0,
    n_threads: int | None = 1,
) -> ChurnModelResults:
    """Stratified k-fold cross-validation of churn pipelines: AUC per fold and out-of-fold scores.

    Parameters
    ----------
    frame : DataFrame
        One row per customer.
    target : str
        0/1 churn column.
    features : sequence of str, optional
        Feature columns (default: every other column). They must have no missing values:
        choose which columns to leave out, or fill them, before calling.
    models : sequence of {"logistic", "boosting"}
    cv : int
        Number of stratified folds (>= 2).
    random_state : int or None
        Seed of the fold shuffle and of the boosting model.
    n_threads : int or None
        Threads the numerical libraries (BLAS, OpenMP) may use while this function runs
        (restored after); 1 is fastest on data this small, None leaves the library defaults.

    Returns
    -------
    ChurnModelResults

    Raises
    ------
    CRMLabInputError
        Missing columns, a non-binary target or one with a single class, NaN in a feature, an
        unknown model, too few folds.
    """
    from sklearn.base import clone
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    frame = check_frame(frame, "frame", columns=[target])
    features = [c for c in frame.columns if c != target] if features is None else list(features)
    if not features:
        raise CRMLabInputError("features is empty. Fix: name at least one feature column.")
    if target in features:
        raise CRMLabInputError(
            f"the target {target!r} is among the features. Fix: remove it from features."
        )
    require_columns(frame, features, name="frame")
    for col in features:
        report_bad_rows(
            frame[col].isna(),
            frame[col],
            column=col,
            name="frame",
            problem="are missing (NaN)",
            fix=f"leave {col!r} out of features, or fill it, e.g. df[{col!r}].fillna(0)",
        )
    y = binary_column(frame, target, name="frame").to_numpy(dtype=int)
    if y.min() == y.max():
        raise CRMLabInputError(
            f"frame: column {target!r} holds only {y[0]}s. Fix: a classifier needs both churners "
            "and stayers; check your filter."
        )
    if isinstance(cv, bool) or not isinstance(cv, int | np.integer) or cv < 2:
        raise CRMLabInputError(f"cv must be a whole number of folds >= 2, got {cv!r}.")
    if np.bincount(y).min() < cv:
        raise CRMLabInputError(
            f"the rarer class has only {np.bincount(y).min()} customers, fewer than cv={cv} "
            "folds. Fix: use fewer folds."
        )
    pipes = {m: churn_pipeline(m, random_state=random_state) for m in models}
    X = frame[features]
    folds = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    oof = {m: np.empty(len(frame)) for m in pipes}
    rows = []
    with threadpool_limits(limits=n_threads):
        for k, (train, test) in enumerate(folds.split(X, y), start=1):
            for name, pipe in pipes.items():
                fitted = clone(pipe).fit(X.iloc[train], y[train])
                prob = fitted.predict_proba(X.iloc[test])[:, 1]
                oof[name][test] = prob
                rows.append({"model": name, "fold": k, "roc_auc": roc_auc_score(y[test], prob)})
    scores = pd.DataFrame(rows)
    summary = pd.DataFrame(
        {
            m: {
                "roc_auc_mean": scores.loc[scores.model == m, "roc_auc"].mean(),
                "roc_auc_sd": scores.loc[scores.model == m, "roc_auc"].std(ddof=1),
                "oof_roc_auc": roc_auc_score(y, oof[m]),
                "brier": brier_score_loss(y, oof[m]),
                "mean_probability": oof[m].mean(),
            }
            for m in pipes
        }
    ).T.rename_axis("model")
    return ChurnModelResults(
        scores=scores,
        summary=summary,
        probabilities=pd.DataFrame(oof, index=frame.index),
        y=pd.Series(y, index=frame.index, name=target),
        features=features,
    )


def _scores_and_truth(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y = _binary_array(y_true, "y_true")
    s = as_1d_array(scores, "scores", allow_negative=True)
    _same_length(y, s, ("y_true", "scores"))
    return y, s


def gains_table(y_true: Any, scores: Any, n_bins: int = 10) -> pd.DataFrame:
    r"""Cumulative gains and lift by score bin (deciles by default), highest scores first.

    Customers are sorted by score (descending; ties keep their order) and cut into ``n_bins``
    groups of (nearly) equal size. For the top :math:`k` bins,

    .. math:: \text{gain}_k = \frac{\text{churners in top } k}{\text{all churners}}, \qquad
              \text{lift}_k = \frac{\text{gain}_k}{\text{share of customers in top } k}.

    Parameters
    ----------
    y_true : array-like of 0/1
        Actual churn.
    scores : array-like of float
        Any score where higher means more likely to churn (e.g. a probability).
    n_bins : int
        Number of groups (10 = deciles).

    Returns
    -------
    DataFrame
        Indexed by ``bin`` 1..n_bins (1 = highest scores): ``customers``, ``churners``,
        ``churner_share`` (share of the bin's customers who churned), ``lift`` (the bin's
        churner share / the overall churn share), ``customer_share`` (cumulative share of
        customers), ``gain`` (cumulative share of churners) and ``cumulative_lift``
        (``gain / customer_share``).
    """
    y, s = _scores_and_truth(y_true, scores)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise CRMLabInputError(f"n_bins must be a whole number >= 1, got {n_bins!r}.")
    if n_bins > len(y):
        raise CRMLabInputError(
            f"n_bins={n_bins} is more than the {len(y)} customers. Fix: use fewer bins."
        )
    if y.sum() == 0:
        raise CRMLabInputError("y_true has no churners (all 0), so gains are undefined.")
    order = np.argsort(-s, kind="stable")
    bins = np.empty(len(y), dtype=int)
    for b, idx in enumerate(np.array_split(order, int(n_bins)), start=1):
        bins[idx] = b
    table = (
        pd.DataFrame({"bin": bins, "y": y})
        .groupby("bin")["y"]
        .agg(customers="size", churners="sum")
    )
    base = y.mean()
    table["churner_share"] = table["churners"] / table["customers"]
    table["lift"] = table["churner_share"] / base
    table["customer_share"] = table["customers"].cumsum() / len(y)
    table["gain"] = table["churners"].cumsum() / y.sum()
    table["cumulative_lift"] = table["gain"] / table["customer_share"]
    return table


def calibration_table(
    y_true: Any, probabilities: Any, n_bins: int = 10, strategy: str = "quantile"
) -> pd.DataFrame:
    """Predicted vs observed churn by probability bin (scikit-learn's ``calibration_curve``).

    Parameters
    ----------
    y_true : array-like of 0/1
    probabilities : array-like of float in [0, 1]
    n_bins : int
    strategy : {"quantile", "uniform"}
        Bins of equal size (quantile) or of equal width.

    Returns
    -------
    DataFrame
        ``mean_predicted`` and ``observed_rate`` per non-empty bin. A well calibrated model has
        the two equal.
    """
    from sklearn.calibration import calibration_curve

    y, p = _scores_and_truth(y_true, probabilities)
    report_bad_rows(
        p > 1,
        pd.Series(p),
        column="probabilities",
        name="probabilities",
        problem="are above 1",
        fix="pass probabilities (predict_proba), not percentages or raw scores",
    )
    if strategy not in ("quantile", "uniform"):
        raise CRMLabInputError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}.")
    observed, predicted = calibration_curve(y, p, n_bins=int(n_bins), strategy=strategy)
    return pd.DataFrame({"mean_predicted": predicted, "observed_rate": observed})
