"""Indicator weights for customer value: normalisation, the entropy method and the AHP.

Used by :mod:`crmlab.value` (and re-exported there); kept apart so each module stays short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import as_number, as_numeric_column, check_frame, require_columns, sum_scale

__all__ = [
    "check_weights",
    "normalise_indicators",
    "entropy_weights",
    "pairwise_matrix",
    "ahp_weights",
    "AHPResult",
    "RANDOM_INDEX",
]

#: Saaty's random consistency index RI for matrices of size n = 1..10.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}


def check_weights(weights, allowed: Iterable[str], *, what: str = "weights") -> pd.Series:
    """Return ``weights`` as a float Series if they are non-negative, sum to 1 and name ``allowed``.

    ``weights`` may be a dict, a Series or an :class:`AHPResult`.
    """
    if isinstance(weights, AHPResult):
        weights = weights.weights
    if not isinstance(weights, Mapping | pd.Series) or len(weights) == 0:
        raise CRMLabInputError(
            f"{what} must be a non-empty dict or Series mapping names to weights, e.g. "
            f"{{'revenue': 0.6, 'margin': 0.4}}; got {type(weights).__name__}."
        )
    w = pd.Series(dict(weights))
    allowed = list(allowed)
    unknown = [k for k in w.index if k not in allowed]
    if unknown:
        have = ", ".join(repr(c) for c in allowed[:12])
        raise CRMLabInputError(
            f"{what} name unknown column(s) {', '.join(map(repr, unknown))}; available: {have}. "
            "Fix: check the spelling or rename the weights."
        )
    w = pd.Series({k: as_number(v, f"{what}[{k!r}]", allow_inf=True) for k, v in w.items()})
    if w.isna().any() or (w < 0).any():
        bad = w[w.isna() | (w < 0)]
        raise CRMLabInputError(
            f"{what} must be numbers of zero or more; {bad.index[0]!r} is {bad.iloc[0]!r}. "
            "Fix: an indicator where less is better gets a positive weight and goes in "
            "lower_is_better=, not a negative weight."
        )
    total = float(w.sum())
    if abs(total - 1.0) > 1e-6:
        hint = " They look like percentages: divide each by 100." if abs(total - 100) < 1e-4 else ""
        raise CRMLabInputError(
            f"{what} must add up to 1, they add up to {total:g}.{hint} Fix: divide each weight "
            "by their sum (w / w.sum())."
        )
    return w


def normalise_indicators(
    frame: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    lower_is_better: Iterable[str] = (),
) -> pd.DataFrame:
    r"""Min-max normalise indicators to 0..1, so that 1 is always the best customer.

    .. math:: z_{ij} = \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}
       \quad\text{or, when less is better,}\quad
       z_{ij} = \frac{\max_i x_{ij} - x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}.

    Negative values are fine (growth can be negative). NaN, text, and a column with the same
    value for every customer (it cannot rank anyone) raise a clear error.
    """
    check_frame(frame, "frame")
    columns = list(frame.columns if columns is None else columns)
    lower = list(lower_is_better)
    require_columns(frame, columns, name="frame", hint="check the indicator names")
    stray = [c for c in lower if c not in columns]
    if stray:
        raise CRMLabInputError(
            f"lower_is_better names {', '.join(map(repr, stray))}, which is not among the "
            f"indicators {columns}. Fix: list only indicators you use."
        )
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        x = as_numeric_column(frame, col, name="frame", allow_bool=False)
        x = x / sum_scale(np.r_[x.min(), x.max()])  # exact; keeps hi - lo finite
        lo, hi = x.min(), x.max()
        if hi == lo:
            raise CRMLabInputError(
                f"frame: column {col!r} has the same value ({lo:g}) for all {len(x)} customers, "
                "so it cannot rank anyone. Fix: drop it from the indicators."
            )
        out[col] = (hi - x) / (hi - lo) if col in lower else (x - lo) / (hi - lo)
    return out


def entropy_weights(
    frame: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    lower_is_better: Iterable[str] = (),
) -> pd.Series:
    r"""Objective weights by the entropy weight method (熵权法).

    An indicator on which customers differ a lot carries more information and gets more weight.
    With the normalised values ``z`` (:func:`normalise_indicators`) and ``n`` customers:

    .. math::

        p_{ij} = \frac{z_{ij}}{\sum_i z_{ij}},\quad
        e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}\ (0 \ln 0 = 0),\quad
        w_j = \frac{1 - e_j}{\sum_k (1 - e_k)}.

    Parameters
    ----------
    frame : DataFrame
        One row per customer (at least two).
    columns : iterable of str, optional
        Indicators to weigh; default all columns.
    lower_is_better : iterable of str
        Indicators where less is better.

    Returns
    -------
    Series of weights indexed by indicator, summing to 1.
    """
    z = normalise_indicators(frame, columns, lower_is_better=lower_is_better)
    n = len(z)
    if n < 2:
        raise CRMLabInputError("entropy weights need at least two customers.")
    p = z / z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    d = 1.0 - e
    w = pd.Series(d / d.sum(), index=z.columns, name="entropy_weight")
    return w


def pairwise_matrix(
    judgements: Mapping[tuple[str, str], float], labels: Iterable[str] | None = None
) -> pd.DataFrame:
    """Build a reciprocal AHP pairwise comparison matrix from judgements on pairs.

    ``{("revenue", "growth"): 3}`` means revenue is three times as important as growth (Saaty's
    1-9 scale); the matrix gets 3 at (revenue, growth) and 1/3 at (growth, revenue). Pairs not
    given are an error, so that no judgement is silently assumed.

    Returns
    -------
    Square DataFrame with ``labels`` (default: in order of first appearance) as index and columns.
    """
    if not isinstance(judgements, Mapping) or not judgements:
        raise CRMLabInputError("judgements must be a dict such as {('revenue', 'growth'): 3, ...}.")
    if labels is None:
        labels = list(dict.fromkeys(k for pair in judgements for k in pair))
    labels = list(labels)
    m = pd.DataFrame(np.nan, index=labels, columns=labels)
    for (a, b), v in judgements.items():
        if a not in labels or b not in labels:
            raise CRMLabInputError(f"judgement ({a!r}, {b!r}) names an item not in {labels}.")
        v = as_number(v, f"judgement ({a!r}, {b!r})", allow_inf=True)
        if not np.isfinite(v) or v <= 0:
            raise CRMLabInputError(
                f"judgement ({a!r}, {b!r}) is {v!r}; it must be a positive ratio such as 3 or 1/3."
            )
        m.loc[a, b], m.loc[b, a] = v, 1.0 / v
    np.fill_diagonal(m.values, 1.0)
    missing = [
        (a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if np.isnan(m.loc[a, b])
    ]
    if missing:
        raise CRMLabInputError(
            f"{len(missing)} pair(s) have no judgement, first {missing[0]!r}. Fix: add one "
            "judgement for every pair (n(n-1)/2 in all)."
        )
    return m


@dataclass(frozen=True)
class AHPResult:
    """Outcome of :func:`ahp_weights`.

    Attributes
    ----------
    weights : Series
        Priority weights (principal eigenvector, summing to 1).
    lambda_max : float
        Principal eigenvalue (equals n for a perfectly consistent matrix).
    ci : float
        Consistency index ``(lambda_max - n) / (n - 1)``.
    cr : float
        Consistency ratio ``CI / RI`` (一致性比率); 0 for n <= 2.
    worst_pair : tuple or None
        The judgement that deviates most from the ratio of the final weights.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    worst_pair: tuple[str, str] | None

    @property
    def consistent(self) -> bool:
        """True when CR <= 0.1, Saaty's usual threshold."""
        return self.cr <= 0.1


def ahp_weights(
    pairwise, *, labels: Iterable[str] | None = None, max_cr: float | None = 0.1
) -> AHPResult:
    r"""Subjective weights by the analytic hierarchy process (层次分析法).

    Entry ``a[i, j]`` says how many times more important indicator ``i`` is than ``j``. The
    weights are the principal eigenvector ``A w = \lambda_{max} w``; the consistency ratio is

    .. math:: CI = \frac{\lambda_{max} - n}{n - 1}, \qquad CR = \frac{CI}{RI_n},

    with Saaty's random index ``RI`` (:data:`RANDOM_INDEX`).

    Parameters
    ----------
    pairwise : DataFrame or 2-D array
        Square, positive and reciprocal (``a[j, i] = 1 / a[i, j]``, ones on the diagonal); see
        :func:`pairwise_matrix` to build one from judgements.
    labels : iterable of str, optional
        Names for an array input (default the DataFrame's index, else ``"c0", "c1", ...``).
    max_cr : float or None
        If the CR exceeds it (default 0.1), raise an error naming the most inconsistent
        judgement. ``None`` returns the result anyway (look at ``result.cr``).

    Returns
    -------
    :class:`AHPResult`
    """
    names: list | None
    if isinstance(pairwise, pd.DataFrame):
        if list(pairwise.index) != list(pairwise.columns):
            raise CRMLabInputError(
                "the pairwise matrix must have the same labels, in the same order, on rows and "
                "columns. Fix: pairwise.loc[names, names]."
            )
        names = list(pairwise.index) if labels is None else list(labels)
        a = pairwise.to_numpy()
    else:
        a = np.asarray(pairwise)
        names = None if labels is None else list(labels)
    if a.dtype.kind not in "iuf":
        raise TypeError(
            f"the pairwise matrix must hold numbers, got {a.dtype} values (first: "
            f"{a.flat[0]!r}). Fix: pass ratios as numbers such as 3 or 1/3, not text or "
            "True/False."
        )
    a = a.astype(float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise CRMLabInputError(
            f"the pairwise matrix must be square with at least 2 rows, got shape {a.shape}."
        )
    n = a.shape[0]
    names = names or [f"c{i}" for i in range(n)]
    if len(names) != n:
        raise CRMLabInputError(f"labels has {len(names)} names for a {n} x {n} matrix.")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise CRMLabInputError(
            "the pairwise matrix must hold positive numbers only (no NaN, zero or negative "
            "entries). Fix: use ratios on Saaty's 1-9 scale and their reciprocals."
        )
    if not np.allclose(np.diag(a), 1.0):
        raise CRMLabInputError(
            "the diagonal of the pairwise matrix must be 1 (each item vs itself)."
        )
    recip = np.abs(a * a.T - 1.0)
    if np.any(recip > 1e-3):
        i, j = np.unravel_index(np.argmax(recip), a.shape)
        raise CRMLabInputError(
            f"the pairwise matrix is not reciprocal: a[{names[i]!r}, {names[j]!r}] = {a[i, j]:g} "
            f"but a[{names[j]!r}, {names[i]!r}] = {a[j, i]:g} (should be {1 / a[i, j]:g}). "
            "Fix: fill the lower triangle with reciprocals, or use pairwise_matrix()."
        )
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = max((lam - n) / (n - 1), 0.0)
    ri = RANDOM_INDEX.get(n, 1.49)
    cr = ci / ri if ri > 0 else 0.0
    dev = np.abs(np.log(a * w[None, :] / w[:, None]))
    worst = None
    if n > 2:
        i, j = np.unravel_index(np.argmax(np.triu(dev, 1)), a.shape)
        worst = (names[i], names[j])
    result = AHPResult(
        weights=pd.Series(w, index=names, name="ahp_weight"),
        lambda_max=lam,
        ci=ci,
        cr=cr,
        worst_pair=worst,
    )
    if max_cr is not None and cr > max_cr and worst is not None:
        i, j = names.index(worst[0]), names.index(worst[1])
        raise CRMLabInputError(
            f"the pairwise judgements are inconsistent: consistency ratio CR = {cr:.3f} > "
            f"{max_cr:g}. The judgement furthest from the final weights is {worst[0]!r} vs "
            f"{worst[1]!r} = {a[i, j]:g} (the weights imply about {w[i] / w[j]:.2g}). Fix: revise "
            "that judgement, or pass max_cr=None to inspect the result anyway."
        )
    return result
