"""Customer segmentation (客户细分): classic RFM scores and named segments, k-means, profiles.

Two ways of grouping customers:

* **RFM analysis** (RFM分析): per customer the *recency* (days since the last purchase at a
  snapshot date), *frequency* (number of purchase days) and *monetary* value (total spend), each
  scored 1..5 by quintile, then named segments from documented rules (:data:`SEGMENT_RULES`).
  This marketing recency is *not* the BTYD ``recency`` of
  :func:`crmlab.transactions.rfm_summary` (time from the first to the last purchase).
* **k-means** (K均值聚类) on log-transformed, standardised features, with the number of segments
  chosen by the silhouette score (轮廓系数): :func:`kmeans_segments`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

import numpy as np
import pandas as pd

from crmlab.dates import as_day
from crmlab.errors import CRMLabInputError
from crmlab.transactions import (
    LogFormat,
    customer_totals,
    full_log_format,
    refuse_orders_after,
    validate_transactions,
)
from crmlab.validation import (
    as_1d_array,
    as_numeric_column,
    check_frame,
    require_columns,
)

__all__ = [
    "rfm_table",
    "quantile_scores",
    "rfm_scores",
    "score_ranges",
    "SEGMENT_RULES",
    "SEGMENT_STRATEGY",
    "name_segments",
    "strategy_table",
    "KMeansResult",
    "kmeans_segments",
    "profile_segments",
]

RFM_COLUMNS = ("recency_days", "frequency", "monetary")


def rfm_table(
    transactions: pd.DataFrame,
    *,
    snapshot_date=None,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """Classic marketing RFM per customer from a transaction log.

    - ``recency_days``: days from the customer's last purchase to ``snapshot_date``;
    - ``frequency``: number of distinct purchase days (same-day orders merged; the first purchase
      counts, so a one-time buyer has 1, unlike the BTYD ``frequency`` of 0);
    - ``monetary``: total spend over all orders.

    Parameters
    ----------
    transactions : DataFrame
        One row per order.
    snapshot_date : date-like, optional
        The day the analysis is made; default the last day in the log. Orders after it are an
        error.
    **log_format
        Column names and how to read the dates (:class:`crmlab.transactions.LogFormat`).

    Returns
    -------
    DataFrame indexed by customer id (sorted). ``attrs["snapshot_date"]`` records the snapshot.
    """
    log = validate_transactions(transactions, **log_format)
    log.require_amount("rfm_table")
    snap = log.day.max() if snapshot_date is None else as_day(snapshot_date, "snapshot_date")
    refuse_orders_after(log, snap, argument="snapshot_date")
    totals = customer_totals(log)
    last = totals["last_day"].to_numpy().astype("datetime64[D]")
    out = pd.DataFrame(
        {
            "recency_days": (snap - last).astype(np.int64),
            "frequency": totals["purchase_days"].to_numpy(dtype=np.int64),
            "monetary": totals["revenue"].to_numpy(dtype=float),
        },
        index=pd.Index(totals.index, name=log.customer_col),
    )
    out.attrs["snapshot_date"] = str(snap)
    return out


def quantile_scores(
    values, bins: int = 5, *, higher_is_better: bool = True, ties: str = "min"
) -> np.ndarray:
    """Score values 1..``bins`` by quantile, in a way that survives heavy ties.

    ``pd.qcut`` fails when many customers share a value (most CDNOW customers bought once). Two
    documented rules:

    - ``ties="min"`` (default): equal values always get equal scores. A value's score is set by
      the share of customers with a strictly worse value, ``score = 1 + floor(bins * share_below)``.
      Scores can then skip numbers (with 51% one-time buyers, frequency scores are 1, 3, 4, 5).
    - ``ties="first"``: every score gets (almost) the same number of customers, ranking equal
      values by their order in the input, so identical customers can get different scores.

    Returns
    -------
    Integer array of scores, ``bins`` = best.
    """
    if ties not in ("min", "first"):
        raise CRMLabInputError(f"ties must be 'min' or 'first', got {ties!r}.")
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 2:
        raise CRMLabInputError(f"bins must be a whole number of at least 2, got {bins!r}.")
    x = pd.Series(as_1d_array(values, "values", allow_negative=True, allow_bool=False))
    x = x if higher_is_better else -x
    n = len(x)
    rank = x.rank(method=ties).to_numpy()  # 1-based
    share_below = (rank - 1) / n
    return np.minimum(1 + np.floor(bins * share_below + 1e-9), bins).astype(np.int64)


#: Named RFM segments, checked in order (the first rule that matches wins): name, the rule in
#: words, and the rule as a function of the 1..5 scores ``r``, ``f``, ``m``. Every (r, f, m)
#: matches one rule.
SEGMENT_RULES: list[tuple[str, str, Callable]] = [
    ("champions", "r >= 4 and f >= 4 and m >= 4", lambda r, f, m: (r >= 4) & (f >= 4) & (m >= 4)),
    ("loyal", "r >= 3 and f >= 3", lambda r, f, m: (r >= 3) & (f >= 3)),
    ("new", "r >= 4 and f <= 2", lambda r, f, m: (r >= 4) & (f <= 2)),
    ("at risk", "r <= 2 and f >= 3", lambda r, f, m: (r <= 2) & (f >= 3)),
    ("needs attention", "r == 3 and f <= 2", lambda r, f, m: (r == 3) & (f <= 2)),
    ("hibernating", "r == 2 and f <= 2", lambda r, f, m: (r == 2) & (f <= 2)),
    ("lost", "r == 1 and f <= 2", lambda r, f, m: (r == 1) & (f <= 2)),
]

#: What each named segment gets: retention offers, cross-selling, or a low-cost goodbye.
SEGMENT_STRATEGY: dict[str, str] = {
    "champions": "reward and retain: early access, VIP service, ask for referrals",
    "loyal": "cross-sell and up-sell: recommend related products, loyalty tier upgrade",
    "new": "onboard: welcome series and a reason for the second purchase",
    "at risk": "win back: personal retention offer before they are lost",
    "needs attention": "reactivate with a limited-time offer based on past purchases",
    "hibernating": "low-cost reminders only; stop if no response",
    "lost": "let go: no paid contact; keep in the newsletter at most",
}


def name_segments(r, f, m) -> np.ndarray:
    """Segment names from 1..5 R, F, M scores with the rules in :data:`SEGMENT_RULES`."""
    r, f, m = (np.asarray(a, dtype=np.int64) for a in (r, f, m))
    conds = [rule(r, f, m) for _, _, rule in SEGMENT_RULES]
    return np.select(conds, [name for name, _, _ in SEGMENT_RULES], default="unclassified")


def rfm_scores(
    data: pd.DataFrame,
    *,
    bins: int = 5,
    ties: str = "min",
    snapshot_date=None,
    **log_format: Unpack[LogFormat],
) -> pd.DataFrame:
    """RFM scores, cell codes and named segments per customer.

    Parameters
    ----------
    data : DataFrame
        Either a transaction log (it has ``date_col``; summarised with :func:`rfm_table`) or a
        classic RFM table with columns ``recency_days``, ``frequency`` and ``monetary``. A BTYD
        summary from :func:`crmlab.transactions.rfm_summary` is refused, because its
        ``recency`` measures something else (first to last purchase).
    bins : int
        Number of score levels (5 = quintiles). Named segments need ``bins=5``; with other
        values the ``segment`` column is left out.
    ties : {"min", "first"}
        Tie rule of :func:`quantile_scores`.
    snapshot_date : date-like, optional
        For a transaction log: the day recency is counted to (default: the last day in the log).
    **log_format
        Column names and how to read the dates (:class:`crmlab.transactions.LogFormat`).

    Returns
    -------
    DataFrame indexed by customer with ``recency_days``, ``frequency``, ``monetary``, the scores
    ``R``, ``F``, ``M`` (``bins`` = best: most recent, most frequent, highest spend), ``rfm_cell``
    (e.g. "545"), ``rfm_score`` (R + F + M) and ``segment``.
    """
    check_frame(data, "data")
    date_col = full_log_format(log_format)["date_col"]
    if date_col in data.columns:
        table = rfm_table(data, snapshot_date=snapshot_date, **log_format)
    elif {"recency", "T"} <= set(data.columns) and "recency_days" not in data.columns:
        raise CRMLabInputError(
            "data looks like a buy-till-you-die summary (columns 'recency' and 'T'): its recency "
            "is the time from the first to the last purchase, not days since the last purchase. "
            "Fix: pass the transaction log itself, or build the classic table with "
            "crmlab.segmentation.rfm_table(transactions)."
        )
    else:
        require_columns(
            data,
            RFM_COLUMNS,
            name="data",
            hint=f"pass a transaction log with a {date_col!r} column, or a table with "
            "recency_days, frequency and monetary (see rfm_table)",
        )
        table = data[list(RFM_COLUMNS)].copy()
        for col in RFM_COLUMNS:
            table[col] = as_numeric_column(data, col, name="data", min_value=0.0, allow_bool=False)
    _check_spread(table)
    out = table.copy()
    out["R"] = quantile_scores(out["recency_days"], bins, higher_is_better=False, ties=ties)
    out["F"] = quantile_scores(out["frequency"], bins, ties=ties)
    out["M"] = quantile_scores(out["monetary"], bins, ties=ties)
    out["rfm_cell"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    if bins == 5:
        names = [name for name, _, _ in SEGMENT_RULES]
        out["segment"] = pd.Categorical(name_segments(out["R"], out["F"], out["M"]), names)
    out.attrs.update(table.attrs)
    out.attrs.update({"bins": bins, "ties": ties})
    return out


def score_ranges(scores: pd.DataFrame) -> pd.DataFrame:
    """What each R, F and M score means in the raw units: the range of values it holds.

    Parameters
    ----------
    scores : DataFrame
        :func:`rfm_scores` output (needs ``R``, ``F``, ``M`` and ``recency_days``, ``frequency``,
        ``monetary``).

    Returns
    -------
    DataFrame indexed by ``score`` (1 .. ``bins``) with one text column per raw value:
    ``recency_days`` (R), ``frequency`` (F, purchase days) and ``monetary`` (M), each
    ``"lowest to highest"`` among the customers with that score, or ``"(empty)"`` when no
    customer has it (with heavy ties a score can be skipped).
    """
    check_frame(scores, "scores")
    require_columns(
        scores, ["R", "F", "M", *RFM_COLUMNS], name="scores", hint="pass the output of rfm_scores"
    )
    bins = int(scores.attrs.get("bins", max(int(scores[["R", "F", "M"]].max().max()), 5)))
    out = pd.DataFrame(index=pd.RangeIndex(1, bins + 1, name="score"))
    for letter, col in zip("RFM", RFM_COLUMNS, strict=True):
        ranges = scores.groupby(letter)[col].agg(["min", "max"])
        money = col == "monetary"

        def text(lo: float, hi: float, money: bool = money) -> str:
            fmt = "{:,.2f}" if money else "{:,.0f}"
            return fmt.format(lo) if lo == hi else f"{fmt.format(lo)} to {fmt.format(hi)}"

        out[col] = [
            text(*ranges.loc[score]) if score in ranges.index else "(empty)" for score in out.index
        ]
    return out


def _check_spread(table: pd.DataFrame) -> None:
    """Refuse RFM columns on which every customer is equal: quantiles cannot rank them."""
    n = len(table)
    for col, letter in zip(RFM_COLUMNS, "RFM", strict=True):
        x = table[col]
        if x.nunique() > 1:
            continue
        why = (
            "there is only one customer"
            if n == 1
            else f"all {n:,} customers have the same {col} ({float(x.iloc[0]):g})"
        )
        cause = (
            " (everyone last bought on the snapshot day)"
            if col == "recency_days" and n > 1 and float(x.iloc[0]) == 0
            else ""
        )
        raise CRMLabInputError(
            f"rfm_scores: {why}{cause}, so quantile scores cannot tell customers apart on "
            f"{col}; every {letter} score would be the lowest and the segments would be "
            "meaningless (e.g. everyone 'lost'). Fix: score a customer base whose "
            f"{col} differs (a longer period, more customers), or rank on fixed thresholds "
            "that you choose instead of quantiles."
        )


def strategy_table(scores: pd.DataFrame, *, segment_col: str = "segment") -> pd.DataFrame:
    """One row per named segment: size, value share, typical RFM and the recommended action.

    Parameters
    ----------
    scores : DataFrame
        :func:`rfm_scores` output (needs ``segment``, ``recency_days``, ``frequency``,
        ``monetary``).

    Returns
    -------
    DataFrame indexed by segment (rule order) with ``customers``, ``customer_share``,
    ``revenue_share``, ``median_recency_days``, ``mean_frequency``, ``mean_monetary`` and
    ``action`` (from :data:`SEGMENT_STRATEGY`).
    """
    check_frame(scores, "scores")
    require_columns(
        scores,
        [segment_col, *RFM_COLUMNS],
        name="scores",
        hint="pass the output of rfm_scores(..., bins=5)",
    )
    g = scores.groupby(segment_col, observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "median_recency_days": g["recency_days"].median(),
            "mean_frequency": g["frequency"].mean(),
            "mean_monetary": g["monetary"].mean(),
        }
    )
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    out.insert(2, "revenue_share", g["monetary"].sum() / scores["monetary"].sum())
    out["action"] = [SEGMENT_STRATEGY.get(s, "") for s in out.index]
    return out


# --------------------------------------------------------------------------------------------
# k-means
# --------------------------------------------------------------------------------------------
@dataclass
class KMeansResult:
    """Outcome of :func:`kmeans_segments`.

    Attributes
    ----------
    k : int
        Number of segments used.
    labels : Series
        Segment of each customer (0 = largest segment), indexed like the features.
    pipeline : sklearn Pipeline
        The fitted log -> scale -> k-means pipeline (``pipeline.predict(new_features)``).
    scores : Series
        Silhouette score per tried k (one entry when k was given).
    centers : DataFrame
        Segment centres back in the original units (one row per segment).
    """

    k: int
    labels: pd.Series
    pipeline: Any
    scores: pd.Series
    centers: pd.DataFrame


def _check_features(features: pd.DataFrame, log_columns) -> tuple[pd.DataFrame, list[str]]:
    check_frame(features, "features")
    clean = pd.DataFrame(index=features.index)
    for col in features.columns:
        clean[col] = as_numeric_column(features, col, name="features")
    if log_columns == "auto":
        log_columns = [c for c in clean.columns if (clean[c] >= 0).all() and clean[c].skew() > 1]
    log_columns = list(log_columns)
    require_columns(features, log_columns, name="features", hint="log_columns must name features")
    for col in log_columns:
        as_numeric_column(
            features,
            col,
            name="features",
            min_value=0.0,
            fix_negative="log1p needs values of zero or more; leave this column out of log_columns",
        )
    return clean, log_columns


def _pipeline(columns: Sequence[str], log_columns: Sequence[str], k: int, random_state):
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    rest = [c for c in columns if c not in log_columns]
    pre = ColumnTransformer(
        [
            ("log", FunctionTransformer(np.log1p, np.expm1, feature_names_out="one-to-one"),
             list(log_columns)),
            ("keep", "passthrough", rest),
        ]
    )  # fmt: skip
    return Pipeline(
        [
            ("log", pre),
            ("scale", StandardScaler()),
            ("kmeans", KMeans(n_clusters=k, n_init=4, random_state=random_state)),
        ]
    )


def kmeans_segments(
    features: pd.DataFrame,
    k: int | None = None,
    *,
    k_range: Iterable[int] | None = None,
    log_columns: Iterable[str] | str = "auto",
    random_state: int | None = 0,
    sample_size: int = 3000,
    select_size: int = 8000,
) -> KMeansResult:
    r"""Segment customers with k-means (K均值聚类) on log-transformed, standardised features.

    The pipeline is ``log1p`` on skewed non-negative columns (money, counts), standardisation
    (mean 0, sd 1) and ``KMeans(n_init=4)``. When ``k`` is None, each k in ``k_range`` is fitted
    and the one with the highest silhouette score (轮廓系数)

    .. math:: s_i = \frac{b_i - a_i}{\max(a_i, b_i)}

    (``a`` = mean distance to the own segment, ``b`` = to the nearest other segment), averaged
    over a random sample of ``sample_size`` customers, is kept.

    Parameters
    ----------
    features : DataFrame
        One row per customer, numeric columns only (e.g. ``recency_days``, ``frequency``,
        ``monetary``); NaN is an error.
    k : int, optional
        Number of segments; None chooses it by silhouette.
    k_range : iterable of int, optional
        Candidates for k, each from 2 to the number of distinct customers (rows) and at most
        n - 1. Default ``range(2, 9)`` cut to what the data allow (with 5 customers: 2..4);
        ``result.scores`` shows the k that were tried.
    log_columns : list of str or "auto"
        Columns to log-transform; "auto" = non-negative columns with skewness above 1.
    random_state : int or None
        Seed for k-means and the silhouette sample.
    sample_size : int
        Customers in the silhouette sample (keeps it fast on 23,570 CDNOW customers).
    select_size : int
        When several k are tried on more customers than this, each k is fitted and scored on a
        random subset of this size; the chosen k is then refitted on all customers.

    Returns
    -------
    :class:`KMeansResult`; labels are renumbered so that 0 is the largest segment.
    """
    from threadpoolctl import threadpool_limits

    clean, log_cols = _check_features(features, log_columns)
    n = len(clean)
    n_distinct = len(clean.drop_duplicates())
    k_max = min(n - 1, n_distinct)
    if k_max < 2:
        raise CRMLabInputError(
            f"features has {n:,} rows and {n_distinct} distinct customer profile(s): there is "
            "nothing to segment (two segments need at least 2 distinct rows and 3 customers). "
            "Fix: use more customers, or features on which they differ."
        )
    if k is not None:
        candidates = [k]
    elif k_range is None:
        candidates = list(range(2, min(8, k_max) + 1))
    else:
        candidates = list(k_range)
    if not candidates:
        raise CRMLabInputError("k_range is empty. Fix: pass e.g. range(2, 9).")
    for kk in candidates:
        if isinstance(kk, bool) or not isinstance(kk, int | np.integer) or not 2 <= kk <= k_max:
            raise CRMLabInputError(
                f"k must be a whole number from 2 to {k_max} (the number of distinct customer "
                f"rows, {n_distinct}, and at most customers - 1, {n - 1}), got {kk!r}. Fix: "
                f"pass k_range=range(2, {k_max + 1}) or leave k_range out."
            )
    sample = min(int(sample_size), n)
    rng = np.random.default_rng(random_state)
    subset = clean
    if len(candidates) > 1 and n > select_size:
        subset = clean.iloc[np.sort(rng.choice(n, size=int(select_size), replace=False))]
    with threadpool_limits(limits=1):  # few features: threads cost more than they save
        scores, fits = _fit_candidates(
            subset, log_cols, candidates, random_state, min(sample, len(subset))
        )
        if all(np.isnan(v) for v in scores.values()):
            raise CRMLabInputError(
                "k-means found a single segment for every k tried, so no silhouette could be "
                "computed. Fix: use features on which customers differ more."
            )
        best = max(scores, key=lambda kk: (np.nan_to_num(scores[kk], nan=-2.0), -kk))
        pipe = fits[best]
        if subset is not clean:
            pipe = _pipeline(list(clean.columns), log_cols, best, random_state).fit(clean)
    raw = pipe[-1].labels_
    sizes = np.bincount(raw, minlength=best)
    order = np.argsort(-sizes, kind="stable")
    relabel = np.empty(best, dtype=np.int64)
    relabel[order] = np.arange(best)
    labels = pd.Series(relabel[raw], index=clean.index, name="segment")
    centers = clean.groupby(labels.to_numpy()).mean()
    centers.index.name = "segment"
    return KMeansResult(
        k=best,
        labels=labels,
        pipeline=pipe,
        scores=pd.Series(scores, name="silhouette").rename_axis("k"),
        centers=centers,
    )


def _fit_candidates(clean, log_cols, candidates, random_state, sample):
    from sklearn.metrics import silhouette_score

    scores, fits = {}, {}
    for kk in candidates:
        pipe = _pipeline(list(clean.columns), log_cols, int(kk), random_state).fit(clean)
        z = pipe[:-1].transform(clean)
        labels = pipe[-1].labels_
        scores[int(kk)] = (
            float(silhouette_score(z, labels, sample_size=sample, random_state=random_state))
            if len(np.unique(labels)) > 1
            else float("nan")
        )
        fits[int(kk)] = pipe
    return scores, fits


def profile_segments(frame: pd.DataFrame, labels, *, value_col: str | None = None) -> pd.DataFrame:
    """Describe each segment: size, share, mean of every numeric column, share of value.

    Parameters
    ----------
    frame : DataFrame
        One row per customer (the features, or more columns).
    labels : array-like or Series
        Segment per customer, same length as ``frame`` (a Series must have the same index).
    value_col : str, optional
        A column such as ``monetary``: adds ``value_share``, the segment's share of its total.

    Returns
    -------
    DataFrame indexed by segment (sorted) with ``customers``, ``customer_share``, the means of the
    numeric columns and, optionally, ``value_share``.
    """
    check_frame(frame, "frame")
    if isinstance(labels, pd.Series):
        if len(labels) != len(frame) or set(labels.index) != set(frame.index):
            raise CRMLabInputError(
                f"labels ({len(labels)} values) do not match the rows of frame ({len(frame)}). "
                "Fix: pass the labels computed from this same frame (result.labels)."
            )
        lab = labels.reindex(frame.index).to_numpy()
    else:
        lab = np.asarray(labels)
        if lab.ndim != 1 or len(lab) != len(frame):
            raise CRMLabInputError(
                f"labels has {lab.size} values but frame has {len(frame)} rows; they must have "
                "one label per customer."
            )
    if pd.isna(lab).any():
        raise CRMLabInputError("labels contain missing values. Fix: give every customer a segment.")
    numeric = frame.select_dtypes("number")
    g = numeric.groupby(lab)
    out = g.mean()
    out.insert(0, "customers", g.size())
    out.insert(1, "customer_share", out["customers"] / len(frame))
    if value_col is not None:
        require_columns(frame, [value_col], name="frame")
        v = as_numeric_column(frame, value_col, name="frame", min_value=0.0)
        out["value_share"] = v.groupby(lab).sum() / v.sum()
    out.index.name = "segment"
    return out
