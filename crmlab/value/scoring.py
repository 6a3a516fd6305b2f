"""Scoring customers on several indicators: the value pyramid, scorecard, matrix, key accounts.

- :func:`value_pyramid` (客户价值金字塔): normalised, weighted indicators into one score, then
  tiers by share of customers.
- :func:`value_scorecard` (客户价值计分卡): current value (financial + sales indicators) and
  potential value (customer + service indicators).
- :func:`value_matrix` (客户价值矩阵): the current x potential matrix with an action per cell.
- :func:`key_accounts` (重点客户): the short list to manage one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import as_1d_array, check_frame, check_probability, sum_scale
from crmlab.value.weights import AHPResult, check_weights, normalise_indicators

__all__ = [
    "DEFAULT_TIERS",
    "value_pyramid",
    "value_scorecard",
    "MATRIX_ACTIONS",
    "value_matrix",
    "key_accounts",
]


# --------------------------------------------------------------------------------------------
# The value pyramid
# --------------------------------------------------------------------------------------------
#: Default tiers, top to bottom, with their share of customers (after Zeithaml, Rust & Lemon's
#: customer pyramid).
DEFAULT_TIERS: dict[str, float] = {"platinum": 0.05, "gold": 0.15, "iron": 0.30, "lead": 0.50}


def _check_tiers(tiers: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(tiers, Mapping) or len(tiers) < 2:
        raise CRMLabInputError(
            "tiers must be a dict of at least two tiers, top first, with their share of "
            "customers, e.g. {'platinum': 0.05, 'gold': 0.15, 'iron': 0.3, 'lead': 0.5}."
        )
    shares = {
        str(k): check_probability(v, f"tiers[{k!r}]", open_interval=False) for k, v in tiers.items()
    }
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        hint = " They look like percentages: divide by 100." if abs(total - 100) < 1e-6 else ""
        raise CRMLabInputError(
            f"tier shares must add up to 1 (every customer is in one tier), they add up to "
            f"{total:g}.{hint} Fix: adjust the shares."
        )
    return shares


def _tier_labels(score: pd.Series, tiers: dict[str, float]) -> pd.Categorical:
    """Assign tiers by rank of score (ties broken by input order)."""
    n = len(score)
    order = np.argsort(-score.to_numpy(), kind="stable")
    bounds = np.round(np.cumsum(list(tiers.values())) * n).astype(int)
    names = list(tiers)
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    labels = np.array(names, dtype=object)[np.searchsorted(bounds, pos, side="right")]
    return pd.Categorical(labels, categories=names, ordered=False)


def value_pyramid(
    frame: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | AHPResult,
    *,
    tiers: Mapping[str, float] | None = None,
    lower_is_better: Iterable[str] = (),
) -> pd.DataFrame:
    r"""The customer value pyramid (客户价值金字塔): a weighted score, then tiers by share of customers.

    Each weighted indicator is min-max normalised to 0..1 (reversed for ``lower_is_better``), the
    composite score is

    .. math:: S_i = 100 \sum_j w_j \, z_{ij}, \qquad \sum_j w_j = 1,

    and customers are ranked by ``S``: the first ``tiers[top]`` share of customers form the top
    tier, and so on (tier sizes are the rounded cumulative shares times the number of customers;
    equal scores keep the input order).

    Parameters
    ----------
    frame : DataFrame
        One row per customer; only the columns named in ``weights`` are used.
    weights : dict, Series or AHPResult
        Column -> weight, non-negative and summing to 1.
    tiers : dict, optional
        Tier name -> share of customers, top tier first; default :data:`DEFAULT_TIERS`.
    lower_is_better : iterable of str
        Indicators where less is better (payment days, service cost).

    Returns
    -------
    DataFrame indexed like ``frame`` with ``score`` (0-100), ``rank`` (1 = best) and ``tier``.
    ``result.attrs["weights"]`` holds the weights used.
    """
    check_frame(frame, "frame")
    w = check_weights(weights, frame.columns)
    z = normalise_indicators(frame, list(w.index), lower_is_better=lower_is_better)
    score = 100.0 * (z[w.index] * w).sum(axis=1)
    shares = _check_tiers(DEFAULT_TIERS if tiers is None else tiers)
    out = pd.DataFrame({"score": score}, index=frame.index)
    out["rank"] = score.rank(ascending=False, method="first").astype(np.int64)
    out["tier"] = _tier_labels(score, shares)
    out.attrs["weights"] = w.to_dict()
    out.attrs["tiers"] = shares
    return out


# --------------------------------------------------------------------------------------------
# The value scorecard, value matrix and key accounts
# --------------------------------------------------------------------------------------------
_PARTS = ("financial", "sales", "customer", "service")


def _part_columns(spec, part: str) -> pd.Series:
    """A part of the scorecard: a list of columns (equal weights) or column -> weight."""
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, Mapping | pd.Series):
        return pd.Series(dict(spec), dtype=float)
    cols = list(spec)
    if not cols:
        raise CRMLabInputError(
            f"scorecard part {part!r} names no indicator. Fix: list at least one column."
        )
    return pd.Series(1.0 / len(cols), index=cols)


def value_scorecard(
    frame: pd.DataFrame,
    *,
    current: Mapping[str, Sequence[str] | Mapping[str, float]],
    potential: Mapping[str, Sequence[str] | Mapping[str, float]],
    weights: Mapping[str, float] | None = None,
    lower_is_better: Iterable[str] = (),
) -> pd.DataFrame:
    r"""The customer value scorecard (客户价值计分卡): current value plus potential value.

    Current value (现实价值) is made of a ``financial`` and a ``sales`` part, potential value
    (潜在价值) of a ``customer`` and a ``service`` part. Each part is the weighted mean of its
    normalised indicators (0..100; reversed for ``lower_is_better``); then

    .. math::

        \text{current} = \frac{w_f F + w_s S}{w_f + w_s}, \quad
        \text{potential} = \frac{w_c C + w_v V}{w_c + w_v}, \quad
        \text{total} = w_f F + w_s S + w_c C + w_v V.

    Parameters
    ----------
    frame : DataFrame
        One row per customer (account).
    current : dict
        ``{"financial": [...], "sales": [...]}``; each value a list of columns (equal weights) or
        a dict column -> weight summing to 1.
    potential : dict
        ``{"customer": [...], "service": [...]}``, likewise.
    weights : dict, optional
        Weight of each of the four parts, summing to 1; default 0.25 each.
    lower_is_better : iterable of str
        Indicators where less is better.

    Returns
    -------
    DataFrame indexed like ``frame`` with ``financial``, ``sales``, ``customer``, ``service``,
    ``current_value``, ``potential_value``, ``total_score`` (all 0-100) and ``rank``.
    """
    check_frame(frame, "frame")
    spec = {}
    for group, allowed in ((current, ("financial", "sales")), (potential, ("customer", "service"))):
        if not isinstance(group, Mapping) or set(group) != set(allowed):
            raise CRMLabInputError(
                f"the scorecard needs exactly the parts {allowed} here, got "
                f"{list(group) if isinstance(group, Mapping) else group!r}. Fix: pass e.g. "
                f"{{{allowed[0]!r}: ['col1'], {allowed[1]!r}: ['col2']}}."
            )
        spec.update({part: _part_columns(group[part], part) for part in allowed})
    seen: dict[str, str] = {}
    for part, cols in spec.items():
        for col in cols.index:
            if col in seen:
                raise CRMLabInputError(
                    f"indicator {col!r} is in both the {seen[col]!r} and the {part!r} part; "
                    "counting it twice would double its weight. Fix: put it in one part."
                )
            seen[col] = part
    part_w = check_weights(
        {p: 0.25 for p in _PARTS} if weights is None else weights, _PARTS, what="part weights"
    )
    part_w = part_w.reindex(list(_PARTS), fill_value=0.0)
    z = normalise_indicators(frame, list(seen), lower_is_better=lower_is_better)
    out = pd.DataFrame(index=frame.index)
    for part, cols in spec.items():
        w = check_weights(cols, frame.columns, what=f"weights of the {part!r} part")
        out[part] = 100.0 * (z[w.index] * w).sum(axis=1)
    wf, ws, wc, wv = (part_w[p] for p in _PARTS)
    for name, (a, b, wa, wb) in {
        "current_value": ("financial", "sales", wf, ws),
        "potential_value": ("customer", "service", wc, wv),
    }.items():
        if wa + wb == 0:
            raise CRMLabInputError(
                f"{name} has zero weight (both its parts weigh 0). Fix: give one of them weight."
            )
        out[name] = (wa * out[a] + wb * out[b]) / (wa + wb)
    out["total_score"] = (out[list(_PARTS)] * part_w).sum(axis=1)
    out["rank"] = out["total_score"].rank(ascending=False, method="first").astype(np.int64)
    out.attrs["part_weights"] = part_w.to_dict()
    return out


#: Name, Chinese name and recommended action for each cell of the value matrix.
MATRIX_ACTIONS: dict[str, tuple[str, str]] = {
    "loyal": (
        "忠诚的客户",
        "keep and invest: a relationship manager, tailored service, joint planning",
    ),
    "repeat-purchase": (
        "重复购买的客户",
        "maintain efficiently: keep them satisfied, protect margin, look for up-selling",
    ),
    "prospective": (
        "期望的客户",
        "develop: cross-selling and up-selling offers to grow their share of wallet",
    ),
    "ordinary": (
        "普通的客户",
        "serve at low cost through standard channels; do not over-invest",
    ),
}


def _cut(x: pd.Series, split, which: int, name: str) -> float:
    if isinstance(split, str):
        if split == "median":
            return float(x.median())
        if split == "mean":
            scale = sum_scale(x.to_numpy())  # exact power of two: the sum cannot overflow
            return float((x / scale).mean() * scale)
        raise CRMLabInputError(
            f"split must be 'median', 'mean' or two numbers (current_cut, potential_cut), got {split!r}."
        )
    try:
        cuts = [float(c) for c in split]
    except TypeError:
        raise CRMLabInputError(
            f"split must be 'median', 'mean' or two numbers (current_cut, potential_cut), got {split!r}."
        ) from None
    if len(cuts) != 2 or not np.all(np.isfinite(cuts)):
        raise CRMLabInputError(
            f"split needs two finite numbers (current_cut, potential_cut), got {split!r}."
        )
    return cuts[which]


def value_matrix(current, potential, split="median") -> pd.DataFrame:
    """The customer value matrix (客户价值矩阵): current against potential value.

    A customer is *high* on an axis when its value is strictly above the cut (so a value equal
    to the median counts as low). The four cells:

    ============  ==================  ====================
    current       potential high      potential low
    ============  ==================  ====================
    high          loyal (忠诚)          repeat-purchase (重复购买)
    low           prospective (期望)    ordinary (普通)
    ============  ==================  ====================

    Parameters
    ----------
    current, potential : array-like or Series
        Current and potential value per customer (e.g. the scorecard's ``current_value`` and
        ``potential_value``); same length, and the same index when both are Series. Negative
        values are allowed (growth can be negative); NaN is an error.
    split : "median", "mean" or (float, float)
        Where each axis is cut: at its median, its mean, or at the given values.

    Returns
    -------
    DataFrame with ``current``, ``potential``, ``quadrant`` (categorical), ``chinese`` and
    ``action`` (from :data:`MATRIX_ACTIONS`); ``result.attrs["cuts"]`` gives the two cuts.
    """
    index = None
    if isinstance(current, pd.Series) and isinstance(potential, pd.Series):
        if len(current) == len(potential) and not current.index.equals(potential.index):
            if set(current.index) != set(potential.index):
                raise CRMLabInputError(
                    "current and potential are Series with different customers in their index. "
                    "Fix: align them first, e.g. potential.reindex(current.index)."
                )
            potential = potential.reindex(current.index)
        index = current.index
    elif isinstance(current, pd.Series):
        index = current.index
    c = as_1d_array(current, "current", allow_negative=True, allow_bool=False)
    p = as_1d_array(potential, "potential", allow_negative=True, allow_bool=False)
    if len(c) != len(p):
        raise CRMLabInputError(
            f"current has {len(c)} values but potential has {len(p)}; they must describe the "
            "same customers. Fix: pass two columns of the same table."
        )
    cs, ps = pd.Series(c), pd.Series(p)
    c_cut, p_cut = _cut(cs, split, 0, "current"), _cut(ps, split, 1, "potential")
    high_c, high_p = c > c_cut, p > p_cut
    quadrant = np.where(
        high_c,
        np.where(high_p, "loyal", "repeat-purchase"),
        np.where(high_p, "prospective", "ordinary"),
    )
    out = pd.DataFrame({"current": c, "potential": p}, index=index)
    out["quadrant"] = pd.Categorical(quadrant, categories=list(MATRIX_ACTIONS))
    out["chinese"] = [MATRIX_ACTIONS[q][0] for q in quadrant]
    out["action"] = [MATRIX_ACTIONS[q][1] for q in quadrant]
    out.attrs["cuts"] = {"current": c_cut, "potential": p_cut}
    return out


def key_accounts(
    frame: pd.DataFrame,
    n: int = 10,
    *,
    score: str = "total_score",
    current: str = "current_value",
    potential: str = "potential_value",
    split="median",
) -> pd.DataFrame:
    """The short list of key accounts (重点客户): the top ``n`` by a score, with the reason.

    Follows the advice to start relationship management with the five to ten biggest or most
    promising accounts. The reason is the account's cell of the value matrix, cut exactly as
    :func:`value_matrix` cuts it (same ``split``), so a label always agrees with the plot:

    - loyal cell: "high current and potential value";
    - repeat-purchase cell: "high current value";
    - prospective cell: "high potential value";
    - ordinary cell: "high total score only" (both values at or below their cut).

    Parameters
    ----------
    frame : DataFrame
        Typically :func:`value_scorecard` output (any frame with the three named columns).
    n : int
        How many accounts, 1..len(frame).
    score, current, potential : str
        Column names.
    split : "median", "mean" or (float, float)
        Where the current and potential columns are cut, as in :func:`value_matrix`.

    Returns
    -------
    The ``n`` best rows of ``frame`` (best first) with added ``quadrant`` and ``reason`` columns.
    """
    check_frame(
        frame,
        "frame",
        columns=[score, current, potential],
        hint="pass a value_scorecard() result or name the columns with score=, current=, potential=",
    )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= len(frame):
        raise CRMLabInputError(
            f"n must be a whole number from 1 to {len(frame)} (the number of accounts), got {n!r}."
        )
    for col in (score, current, potential):
        as_1d_array(frame[col], col, allow_negative=True, allow_bool=False)
    cells = value_matrix(frame[current].to_numpy(), frame[potential].to_numpy(), split=split)
    order = np.argsort(-frame[score].to_numpy(dtype=float), kind="stable")[: int(n)]
    top = frame.iloc[order].copy()
    top["quadrant"] = cells["quadrant"].to_numpy()[order]
    top["reason"] = top["quadrant"].map(_KEY_REASONS).astype(str)
    return top


#: Why a key account is on the list: its value-matrix cell in words.
_KEY_REASONS: dict[str, str] = {
    "loyal": "high current and potential value",
    "repeat-purchase": "high current value",
    "prospective": "high potential value",
    "ordinary": "high total score only",
}
