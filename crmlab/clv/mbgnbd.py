"""The MBG/NBD model: BG/NBD in which a customer may also drop out right after the first purchase.

Batislam, Denizel & Filiztekin (2007) let the drop-out coin be tossed at every purchase,
including the first, so one-time buyers are not assumed alive (P(alive) < 1 even with no repeat
purchase). The likelihood and predictions are those of :mod:`crmlab.clv.bgnbd` with ``shift=1``.

References
----------
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
models for customer base analysis. *Int. J. of Research in Marketing* 24(3), 201-209.
"""

from __future__ import annotations

import numpy as np

from crmlab.clv.bgnbd import BetaGeo, bg_family_log_likelihood

__all__ = ["ModifiedBetaGeo", "mbgnbd_log_likelihood"]


def mbgnbd_log_likelihood(params, x, tx, T) -> np.ndarray:
    """Per-customer MBG/NBD log-likelihood (Batislam et al. 2007), in log space.

    ``log L = ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x+1) - ln B(a, b)
    + ln[(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)]``.
    """
    return bg_family_log_likelihood(params, x, tx, T, shift=1)


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD model of repeat purchases (Batislam, Denizel & Filiztekin 2007).

    Same interface and parameters (``r``, ``alpha``, ``a``, ``b``) as
    :class:`~crmlab.clv.bgnbd.BetaGeo`; the drop-out coin is also tossed right after the first
    purchase, so ``probability_alive`` is below 1 for customers without repeat purchases.

    ``penalizer`` and the fitted attributes are as for every model
    (:class:`~crmlab.clv._base.BaseModel`).
    """

    _shift = 1
