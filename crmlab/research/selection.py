"""``model="auto"``: which transaction model ``analyze`` keeps, and why.

When the data cannot tell models apart (holdout errors within a stated tolerance, or
log-likelihoods within 2) the simplest is kept and the reason says so, rather than a winner by
a margin that means nothing.
"""

from __future__ import annotations

__all__ = [
    "ERROR_TOLERANCE",
    "LOG_LIKELIHOOD_TOLERANCE",
    "SIMPLEST_FIRST",
    "choose_model",
]


#: ``auto``: holdout errors within this relative tolerance cannot tell models apart.
ERROR_TOLERANCE = 0.01
#: ``auto`` without a holdout: log-likelihoods within this distance cannot tell models apart.
LOG_LIKELIHOOD_TOLERANCE = 2.0
#: Simplest first: BG/NBD (closed-form likelihood), Pareto/NBD, MBG/NBD.
SIMPLEST_FIRST = ("bgnbd", "paretonbd", "mbgnbd")


def choose_model(fitted: dict, metrics: dict | None) -> tuple[str, str]:
    """``model="auto"``: the best model, or the simplest of those the data cannot tell apart.

    With a holdout, models whose calibration-vs-holdout error is within
    :data:`ERROR_TOLERANCE` (relative) of the smallest are tied; without one, models whose
    log-likelihood is within :data:`LOG_LIKELIHOOD_TOLERANCE` of the highest (all have four
    parameters). Among tied models the first of :data:`SIMPLEST_FIRST` is kept and the reason
    says so.
    """
    if metrics is not None:
        err = {n: metrics[n]["curve_mae"] for n in fitted}
        best = min(err, key=lambda n: err[n])
        tied = [n for n in fitted if err[n] <= err[best] * (1 + ERROR_TOLERANCE)]
        what = (
            "smallest calibration-vs-holdout error (mean holdout purchases by frequency)",
            f"holdout errors within {ERROR_TOLERANCE:.0%} of each other ("
            + ", ".join(f"{n} {err[n]:.4g}" for n in tied)
            + ")",
        )
    else:
        ll = {n: fitted[n].log_likelihood_ for n in fitted}
        best = max(ll, key=lambda n: ll[n])
        tied = [n for n in fitted if ll[n] >= ll[best] - LOG_LIKELIHOOD_TOLERANCE]
        what = (
            "highest log-likelihood (no holdout given; all have four parameters)",
            f"log-likelihoods within {LOG_LIKELIHOOD_TOLERANCE:g} of each other ("
            + ", ".join(f"{n} {ll[n]:.1f}" for n in tied)
            + ")",
        )
    if len(tied) == 1:
        return best, what[0]
    simplest = next(n for n in SIMPLEST_FIRST if n in tied)
    return simplest, (
        f"the data cannot tell {', '.join(tied)} apart: {what[1]}; the simplest, {simplest}, "
        "is kept"
    )
