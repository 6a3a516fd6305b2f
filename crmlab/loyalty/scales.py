"""Survey scales: NPS, Likert coding, Cronbach's alpha and the five-factor loyalty index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import (
    as_1d_array,
    as_numeric_column,
    check_frame,
    check_positive,
    check_scale,
    likert_frame,
    report_bad_rows,
    require_columns,
)

__all__ = [
    "DEFAULT_FACTORS",
    "DEFAULT_REVERSED",
    "nps",
    "nps_breakdown",
    "likert_codes",
    "reverse_code",
    "cronbach_alpha",
    "reliability_table",
    "LoyaltyIndex",
    "loyalty_index",
]

DEFAULT_FACTORS: dict[str, list[str]] = {
    "satisfaction": ["sat_1", "sat_2", "sat_3"],
    "initiative": ["init_1", "init_2", "init_3r"],
    "repurchase": ["rep_1", "rep_2", "rep_3"],
    "recommend": ["rec_1", "rec_2", "rec_3"],
    "resistance": ["res_1", "res_2", "res_3r"],
}
#: Reverse-coded items of the simulated survey (agreeing means *less* loyal).
DEFAULT_REVERSED: tuple[str, ...] = ("init_3r", "res_3r")


# --------------------------------------------------------------------------------------------
# NPS
# --------------------------------------------------------------------------------------------
def _nps_scores(scores, name: str) -> np.ndarray:
    values = as_1d_array(scores, name)
    frame = pd.DataFrame({name: values})
    report_bad_rows(
        values > 10,
        frame[name],
        column=name,
        name=name,
        problem="are above 10 (NPS answers run from 0 to 10)",
        fix="use the raw 0-10 'how likely are you to recommend' answers, not another scale",
    )
    report_bad_rows(
        values % 1 != 0,
        frame[name],
        column=name,
        name=name,
        problem="are not whole numbers",
        fix="NPS answers are the integers 0..10; do not pass averages",
    )
    return values


def nps_breakdown(scores, *, name: str = "scores") -> pd.Series:
    """Shares of promoters, passives and detractors, and the Net Promoter Score.

    Parameters
    ----------
    scores : array-like of int
        Answers 0..10 to "How likely are you to recommend us to a friend or colleague?".
    name : str
        Name used in error messages.

    Returns
    -------
    pandas.Series
        ``n``, ``promoters`` (share answering 9-10), ``passives`` (7-8), ``detractors`` (0-6),
        all as fractions, and ``nps_points``, the score in points (-100..100), named so that it
        is not read as one more fraction.
    """
    values = _nps_scores(scores, name)
    n = len(values)
    prom = float(np.mean(values >= 9))
    det = float(np.mean(values <= 6))
    return pd.Series(
        {
            "n": float(n),
            "promoters": prom,
            "passives": 1.0 - prom - det,
            "detractors": det,
            "nps_points": 100.0 * (prom - det),
        }
    )


def nps(scores) -> float:
    r"""Net Promoter Score (净推荐值) in points, from -100 to 100.

    .. math:: \mathrm{NPS} = 100\,(\text{share of promoters} - \text{share of detractors})

    Promoters answer 9 or 10, detractors 0 to 6; passives (7-8) count only in the denominator.

    Parameters
    ----------
    scores : array-like of int
        Answers 0..10; NaN, text, fractions and values outside 0..10 are errors.

    Returns
    -------
    float
        NPS in points (e.g. 12.5 means 12.5 points, not 12.5% of anything). Divide by 100 for
        the difference of the two shares as a fraction.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6, 0])
    0.0
    """
    return float(nps_breakdown(scores)["nps_points"])


# --------------------------------------------------------------------------------------------
# Items and reliability
# --------------------------------------------------------------------------------------------
def likert_codes(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Ordered rating labels as integer codes 1..k (e.g. Low=1 .. Very_High=4).

    Parameters
    ----------
    frame : pandas.DataFrame
        Data holding ordered categorical columns (as in :func:`crmlab.datasets.load_hr_attrition`).
    columns : sequence of str
        The rating columns to convert.

    Returns
    -------
    pandas.DataFrame
        The columns as int64 codes starting at 1, same index.
    """
    frame = check_frame(frame)
    require_columns(frame, columns)
    out = {}
    for col in columns:
        s = frame[col]
        if not (isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered):
            raise TypeError(
                f"column {col!r} is not an ordered categorical (dtype {s.dtype}). Fix: build one "
                f"with pd.Categorical(df[{col!r}], categories=[...low to high...], ordered=True)."
            )
        report_bad_rows(
            s.isna(),
            s,
            column=col,
            name="data",
            problem="are missing or not among the categories",
            fix="fill or drop them, or add the missing label to the categories",
        )
        out[col] = s.cat.codes.astype("int64") + 1
    return pd.DataFrame(out, index=frame.index)


def reverse_code(
    items: pd.DataFrame, columns: Sequence[str], scale: tuple[int, int] = (1, 5)
) -> pd.DataFrame:
    """Return a copy with reverse-coded items flipped: ``x -> lowest + highest - x``.

    A reverse-coded (反向计分) item is worded so that agreeing means *less* of the trait
    ("A slightly lower price elsewhere would make me switch"); flip it before averaging.
    """
    items = check_frame(items, "items")
    lo, hi = check_scale(scale)
    values = likert_frame(items, list(columns), (lo, hi), name="items")
    out = items.copy()
    for col in columns:
        out[col] = lo + hi - values[col]
    return out


def _item_matrix(items: pd.DataFrame, scale: tuple[int, int] | None) -> pd.DataFrame:
    items = check_frame(items, "items")
    if items.shape[1] < 2:
        raise CRMLabInputError(
            f"Cronbach's alpha needs at least 2 items (columns); got {items.shape[1]}. "
            "Fix: pass all the items of one scale as the columns of a DataFrame."
        )
    if items.shape[0] < 2:
        raise CRMLabInputError("items has fewer than 2 rows (respondents); alpha needs variance.")
    if scale is not None:
        return likert_frame(items, list(items.columns), scale, name="items")
    out = {}
    for col in items.columns:
        if isinstance(items[col].dtype, pd.CategoricalDtype):
            raise TypeError(
                f"items: column {col!r} holds category labels, not numbers. Fix: convert "
                f"ordered ratings first with crmlab.loyalty.likert_codes(df, [{col!r}, ...])."
            )
        out[col] = as_numeric_column(items, col, name="items")
    return pd.DataFrame(out, index=items.index)


def cronbach_alpha(items: pd.DataFrame, scale: tuple[int, int] | None = None) -> float:
    r"""Cronbach's alpha (克朗巴哈系数): how consistently several items measure one thing.

    .. math:: \alpha = \frac{J}{J-1}\left(1 - \frac{\sum_j s^2_j}{s^2_{\text{total}}}\right)

    with :math:`J` items (the notation sheet's count of items combined into one score), item
    variances :math:`s^2_j` and the variance of the respondents' sum score
    :math:`s^2_{\text{total}}` (sample variances, ddof=1).

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item, one row per respondent; reverse-coded items must be reversed
        first (:func:`reverse_code`). At least 2 items.
    scale : (int, int), optional
        The answer scale, e.g. ``(1, 5)``; when given, answers outside it are errors.

    Returns
    -------
    float
        Alpha; about 0.7 or more is usually read as an acceptable scale. It is 0 for
        uncorrelated items and negative when items disagree (often an unreversed item).
    """
    x = _item_matrix(items, scale)
    n_items = x.shape[1]
    item_var = x.var(ddof=1)
    zero = item_var.to_numpy() == 0
    if zero.any():
        col = item_var.index[int(np.flatnonzero(zero)[0])]
        raise CRMLabInputError(
            f"items: column {col!r} has the same answer in every row (variance 0), so it says "
            "nothing about consistency. Fix: drop that item."
        )
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        raise CRMLabInputError(
            "items: every respondent has the same sum score, so alpha is undefined (the items "
            "cancel out). Fix: check for an item that should have been reversed."
        )
    return float(n_items / (n_items - 1) * (1.0 - item_var.sum() / total_var))


def reliability_table(items: pd.DataFrame, scale: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per item: corrected item-total correlation and alpha if the item is deleted.

    A low or negative item-total correlation often points to a reverse-coded item that was not
    reversed, or to an item that measures something else.

    Returns
    -------
    pandas.DataFrame
        Index: item; columns ``mean``, ``item_total_r`` (correlation with the sum of the
        *other* items) and ``alpha_if_deleted`` (NaN when only 2 items are left).
    """
    x = _item_matrix(items, scale)
    total = x.sum(axis=1)
    rows = {}
    for col in x.columns:
        rest = x.drop(columns=col)
        rows[col] = {
            "mean": float(x[col].mean()),
            "item_total_r": float(np.corrcoef(x[col], total - x[col])[0, 1]),
            "alpha_if_deleted": cronbach_alpha(rest) if rest.shape[1] >= 2 else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------------------------
# The five-factor loyalty index
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoyaltyIndex:
    """Result of :func:`loyalty_index`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per respondent: each factor's score (mean of its items after reversing, on the
        answer scale) and ``loyalty_index`` (weighted mean of the factor scores, 0-100).
    alpha : pandas.Series
        Cronbach's alpha of each factor's items.
    weights : pandas.Series
        The factor weights used (summing to 1).
    factors : dict
        Factor -> item columns.
    reversed : tuple of str
        Items that were reversed.
    scale : (int, int)
        The answer scale.
    """

    scores: pd.DataFrame
    alpha: pd.Series
    weights: pd.Series
    factors: dict = field(default_factory=dict)
    reversed: tuple = ()
    scale: tuple = (1, 5)


def loyalty_index(
    survey: pd.DataFrame,
    factors: Mapping[str, Sequence[str]] | None = None,
    *,
    reverse: Sequence[str] | None = None,
    scale: tuple[int, int] = (1, 5),
    weights: Mapping[str, float] | None = None,
) -> LoyaltyIndex:
    r"""Five-factor loyalty index from Likert items, with each factor's reliability.

    Steps: reverse the reverse-coded items (:math:`x \to lo + hi - x`), average each factor's
    items into a factor score, compute Cronbach's alpha per factor, then

    .. math:: \text{index} = 100 \cdot \frac{\sum_f w_f \bar x_f - lo}{hi - lo}

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per respondent holding the item columns.
    factors : mapping of str to list of str, optional
        Factor name -> its item columns (each at least 2 items). Default :data:`DEFAULT_FACTORS`
        (satisfaction, initiative, repurchase, recommend, resistance), the columns of
        :func:`crmlab.datasets.simulate_loyalty_survey`.
    reverse : sequence of str, optional
        Reverse-coded items. Default: :data:`DEFAULT_REVERSED` when ``factors`` is the default,
        otherwise none.
    scale : (int, int)
        Answer scale of all items, e.g. ``(1, 5)`` or ``(1, 7)``.
    weights : mapping of str to float, optional
        Factor weights (rescaled to sum to 1). Default: equal weights.

    Returns
    -------
    LoyaltyIndex
    """
    survey = check_frame(survey, "survey")
    if factors is None:
        factors = DEFAULT_FACTORS
        reverse = DEFAULT_REVERSED if reverse is None else reverse
    reverse = tuple(reverse or ())
    factors = {str(f): list(cols) for f, cols in factors.items()}
    if not factors:
        raise CRMLabInputError("factors is empty. Fix: map each factor name to its item columns.")
    for f, cols in factors.items():
        if len(cols) < 2:
            raise CRMLabInputError(
                f"factor {f!r} has {len(cols)} item(s); a factor needs at least 2 items to "
                "measure its reliability. Fix: add items or merge the factor with another."
            )
    all_items = [c for cols in factors.values() for c in cols]
    stray = [c for c in reverse if c not in all_items]
    if stray:
        raise CRMLabInputError(
            f"reverse names item(s) {stray} that belong to no factor. Fix: list only item columns."
        )
    lo, hi = check_scale(scale)
    values = likert_frame(survey, all_items, (lo, hi), name="survey")
    for col in reverse:
        values[col] = lo + hi - values[col]
    if weights is None:
        w = pd.Series(1.0, index=list(factors))
    else:
        missing = [f for f in factors if f not in weights]
        if missing:
            raise CRMLabInputError(
                f"weights lacks factor(s) {missing}. Fix: give every factor a weight."
            )
        w = pd.Series({f: check_positive(weights[f], f"weights[{f!r}]") for f in factors})
    w = w / w.sum()
    scores = pd.DataFrame({f: values[cols].mean(axis=1) for f, cols in factors.items()})
    alpha = pd.Series(
        {f: cronbach_alpha(values[cols]) for f, cols in factors.items()}, name="alpha"
    )
    scores["loyalty_index"] = 100.0 * ((scores[list(factors)] * w).sum(axis=1) - lo) / (hi - lo)
    return LoyaltyIndex(scores, alpha, w.rename("weight"), factors, reverse, (lo, hi))
