"""How far to trust the analysis: plain checks, each with a verdict and the reason.

Verdicts are ``"ok"``, ``"caution"`` (use the numbers, but read the reason) and
``"do not trust"`` (the models do not describe these data; do not act on the scores). The
thresholds are rules of thumb, stated in each message, not statistical tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.transactions import time_unit_days

__all__ = ["trust_checks", "identification", "VERDICTS", "FLAT"]

VERDICTS = ("ok", "caution", "do not trust")


def _row(check: str, value: str, verdict: str, reason: str) -> dict:
    return {"check": check, "value": value, "verdict": verdict, "reason": reason}


def trust_checks(
    *,
    patterns: pd.DataFrame,
    model,
    period_table: pd.DataFrame,
    tracking_table: pd.DataFrame,
    metrics: dict | None,
    spend_correlation: float,
    time_unit: str,
    spend_model=None,
) -> pd.DataFrame:
    """Run the checks and return one row per check (``check``, ``value``, ``verdict``, ``reason``).

    Parameters
    ----------
    patterns : DataFrame
        Distinct patterns with ``frequency``, ``recency``, ``n_customers``.
    model : fitted transaction model
        The chosen model (its ``standard_errors_`` are checked).
    period_table : DataFrame
        Actual and expected customers by number of repeat purchases (calibration fit).
    tracking_table : DataFrame
        Repeat purchases per period, actual and model, with a ``holdout`` flag.
    metrics : dict or None
        Holdout metrics of the chosen model (None without a holdout).
    spend_correlation : float
        Correlation of frequency and mean spend among repeat buyers.
    time_unit : str
        Unit of ``recency`` and ``T`` in ``patterns`` (gaps are also shown in days).
    spend_model : fitted GammaGamma, optional
        With it, the ``parameters identified`` check covers both models.
    """
    rows = []
    n = patterns["n_customers"].to_numpy(dtype=float)
    freq = patterns["frequency"].to_numpy()
    repeaters = float(n[freq > 0].sum())
    share = repeaters / n.sum()
    verdict = "ok" if repeaters >= 1000 and share >= 0.1 else "caution"
    if repeaters < 200:
        verdict = "do not trust"
    rows.append(
        _row(
            "repeat buyers",
            f"{repeaters:,.0f} ({share:.0%} of customers)",
            verdict,
            "The models learn how often people buy and when they stop from repeat buyers; with "
            "fewer than 200 the estimates are guesses, below 1,000 or 10% they are rough.",
        )
    )
    actual = period_table["actual"].to_numpy(dtype=float)
    expected = period_table["model"].to_numpy(dtype=float)
    tvd = 0.5 * np.abs(actual / actual.sum() - expected / expected.sum()).sum()
    rows.append(
        _row(
            "calibration fit (repeat-purchase counts)",
            f"{tvd:.1%} of customers misplaced",
            "ok" if tvd < 0.05 else ("caution" if tvd < 0.15 else "do not trust"),
            "Share of customers the model puts in the wrong repeat-purchase bucket (0, 1, ..., "
            "7+) in the calibration period; above 5% the model's shape does not fit, above 15% "
            "it is wrong for these data.",
        )
    )
    if metrics is not None:
        err = metrics["relative_error"]
        verdict = "ok" if abs(err) < 0.1 else ("caution" if abs(err) < 0.25 else "do not trust")
        rows.append(
            _row(
                "holdout total",
                f"{err:+.1%} (expected {metrics['expected_holdout_purchases']:,.0f}, actual "
                f"{metrics['actual_holdout_purchases']:,.0f})",
                verdict,
                "How far the model's total forecast for the holdout period is from what customers "
                "actually bought; within 10% is good, beyond 25% the forecasts are not usable.",
            )
        )
        hold = tracking_table[tracking_table["holdout"]]
        if len(hold) >= 4:
            half = len(hold) // 2
            ratios = [
                hold["actual"].iloc[s].sum() / max(hold["model"].iloc[s].sum(), 1e-9)
                for s in (slice(0, half), slice(half, None))
            ]
            drift = ratios[1] - ratios[0]
            rows.append(
                _row(
                    "trend in the holdout",
                    f"actual/model {ratios[0]:.2f} then {ratios[1]:.2f}",
                    "ok"
                    if abs(drift) < 0.15
                    else ("caution" if abs(drift) < 0.3 else "do not trust"),
                    "If actual purchases drift away from the model's line during the holdout, "
                    "the business has a trend or a season that these models do not have (they "
                    "assume steady buying rates); long-range forecasts will be off.",
                )
            )
    rep = freq > 0
    if rep.any():
        gaps = patterns["recency"].to_numpy()[rep] / freq[rep]
        order = np.argsort(gaps)
        cum = np.cumsum(n[rep][order])
        median_gap = float(gaps[order][np.searchsorted(cum, cum[-1] / 2)])
        verdict = "ok" if median_gap >= 1.0 else "caution"
        rows.append(
            _row(
                "time unit vs buying cycle",
                f"median time between purchases {median_gap:.1f} units "
                f"({median_gap * time_unit_days(time_unit):.0f} days)",
                verdict,
                "With less than one time unit between purchases the unit is too coarse for the "
                "buying cycle; choose a shorter unit (e.g. days).",
            )
        )
    rows.append(
        _row(
            "spend independent of frequency",
            f"correlation {spend_correlation:+.2f}",
            "ok" if abs(spend_correlation) < 0.3 else "caution",
            "The Gamma-Gamma spend model assumes that how much people spend per purchase does "
            "not depend on how often they buy; above 0.3 in size this is doubtful.",
        )
    )
    rows.append(_precision(model))
    if spend_model is not None:
        rows.append(identification(model, spend_model, patterns))
    return pd.DataFrame(rows)


def _precision(model) -> dict:
    """Largest relative standard error; a missing one is never read as small."""
    rel = {k: model.standard_errors_.get(k, np.nan) / v for k, v in model.params_.items()}
    missing = [k for k, r in rel.items() if not np.isfinite(r)]
    reason = (
        "A standard error over half of its estimate means the data barely pin that parameter "
        "down; the CLV intervals are then wide."
    )
    if missing:
        return _row(
            "precision of the estimates",
            f"no standard error for {', '.join(missing)}",
            "do not trust",
            reason + " A missing standard error means the data do not pin the parameter down "
            "at all (see 'parameters identified').",
        )
    worst = max(rel.values())
    return _row(
        "precision of the estimates",
        f"largest standard error {worst:.0%} of its estimate",
        "ok" if worst < 0.5 else "caution",
        reason,
    )


#: A parameter whose standard error exceeds this multiple of its value is not identified.
FLAT = 5.0


def identification(model, spend_model, patterns: pd.DataFrame) -> dict:
    """The ``parameters identified`` check of the transaction and the spend model.

    A parameter is not identified when its standard error is missing or not finite (the
    likelihood is flat, or the estimate sits at the edge of the parameter's range, e.g. a
    dropout probability at 0) or larger than :data:`FLAT` times the estimate. Verdict
    ``do not trust`` when a forecast depends on such a parameter; ``caution`` when moving it
    ten-fold changes the customers' expected purchases over a year by under 1% (the forecast
    does not depend on it); ``ok`` only when every parameter is identified.
    """
    from crmlab.research.uncertainty import log_params, model_at

    bad: list[tuple[str, str, bool]] = []
    for label, m in (("transactions", model), ("spend", spend_model)):
        for i, (k, v) in enumerate(m.params_.items()):
            se = m.standard_errors_.get(k, np.nan)
            if np.isfinite(se) and se <= FLAT * v:
                continue
            matters = True
            if label == "transactions":
                matters = _forecast_moves(model, model_at, log_params(model), i, patterns)
            bad.append((label, f"{k} = {v:.3g}", matters))
    reason = (
        "A parameter without a finite standard error (or with one several times its size) is "
        "not pinned down by the data: typically a dropout parameter at the edge of its range, "
        "as when the data show almost no customers leaving. Its intervals cannot be trusted "
        "and the delta method is replaced by the bootstrap."
    )
    if not bad:
        return _row("parameters identified", "all parameters identified", "ok", reason)
    value = "; ".join(
        f"{name} ({label} model{'' if matters else ', forecast does not depend on it'})"
        for label, name, matters in bad
    )
    verdict = "do not trust" if any(matters for *_, matters in bad) else "caution"
    return _row("parameters identified", f"not identified: {value}", verdict, reason)


def _forecast_moves(model, model_at, theta: np.ndarray, i: int, patterns: pd.DataFrame) -> bool:
    """Whether a ten-fold change of parameter ``i`` moves a year's expected purchases by 1%."""
    frame = patterns[["frequency", "recency", "T"]]
    w = patterns["n_customers"].to_numpy(dtype=float)
    t = 365.25 / time_unit_days(model.time_unit_)
    unit = model.time_unit_  # the patterns are in the model's unit (analyze fits them so)
    base = float(np.dot(w, model.expected_purchases(frame, t, time_unit=unit).to_numpy()))
    for step in (np.log(10.0), -np.log(10.0)):
        shifted = theta.copy()
        shifted[i] += step
        with np.errstate(all="ignore"):
            other_model = model_at(model, shifted)
            other = float(np.dot(w, other_model.expected_purchases(frame, t, time_unit=unit)))
        if not np.isfinite(other) or abs(other - base) > 0.01 * abs(base):
            return True
    return False


def overall(checks: pd.DataFrame) -> str:
    """The worst verdict of all checks."""
    ranks = checks["verdict"].map(VERDICTS.index)
    return VERDICTS[int(ranks.max())] if len(ranks) else "ok"
