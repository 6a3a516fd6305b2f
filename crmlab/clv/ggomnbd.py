"""The Gamma-Gompertz/NBD model of repeat buying (Bemmaor & Glady 2012).

While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` (as in Pareto/NBD).
Their lifetime is Gompertz, ``P(tau > t | eta) = exp(-eta (e^{bt} - 1))``, with
``eta ~ Gamma(s, beta)`` across customers, so that ``P(tau > t) = (beta / (beta + e^{bt} - 1))^s``.
The Gompertz scale ``b`` lets the drop-out rate rise (or fall) with age; as ``b -> 0`` with
``beta / b`` fixed the model becomes Pareto/NBD, whose likelihood it then reproduces.

The likelihood (Bemmaor & Glady 2012, eq. 6; CLVTools' parametrisation ``r, alpha, b, s,
beta``) is

``L = G(r+x)/G(r) [ (alpha/(alpha+T))^r (alpha+T)^-x (beta/(beta-1+e^{bT}))^s
+ b s alpha^r beta^s I ]``, with
``I = int_{t_x}^{T} (y+alpha)^-(r+x) (beta-1+e^{by})^-(s+1) e^{by} dy``,

evaluated in log space. ``I`` has no closed form; it is computed by 64-point Gauss-Legendre
quadrature in ``u = log(y + alpha)``, or, where the power of ``y + alpha`` falls steeply over
``[t_x, T]``, after the substitution ``w = ((y+alpha)/(t_x+alpha))^-(r+x-1)`` that absorbs it;
its gradient is the derivative under the integral at the same nodes.

References
----------
Bemmaor, A. C. & Glady, N. (2012). Modeling purchasing behavior with sudden "death": a flexible
customer lifetime model. *Management Science* 58(5), 1012-1021.
Adler, J. (2022). Comment on "Modeling purchasing behavior with sudden 'death'". *Management
Science* 69(3), 1929-1930 (the corrected conditional expectation used here).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate
from scipy.special import digamma, gammaln, hyp2f1

from crmlab.clv._counting import _CountingModel
from crmlab.clv._fit import dot
from crmlab.clv.paretonbd import lifetime_mixture_pmf, purchases_while_alive

__all__ = ["GGomNBD", "ggomnbd_log_likelihood"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def _log_gompertz_term(beta, b, y):
    """``log(beta - 1 + e^{by})`` without cancellation, and its derivatives in beta and b."""
    z = b * y
    big = z > 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        small_val = np.log(beta + np.expm1(np.where(big, 0.0, z)))
        big_val = z + np.log1p((beta - 1.0) * np.exp(-np.where(big, z, 0.0)))
        val = np.where(big, big_val, small_val)
        # d/dbeta = 1 / (beta - 1 + e^z) = e^{-val}; d/db = y e^z / (...) = y e^{z - val}
        inv = np.exp(-val)
        d_b = y * np.exp(z - val)
    return val, inv, d_b


def _nodes(ref, x, tx, T):
    """Quadrature nodes ``y`` and log-weights for ``I`` on ``[t_x, T]``, adapted to ``ref``.

    The substitution depends on ``r`` and ``alpha`` of ``ref``; during a fit the nodes are
    frozen at reference parameters, so that the approximated likelihood is one smooth function
    whose gradient is exact (see :meth:`GGomNBD._fit`).
    """
    r, alpha = ref[0], ref[1]
    k = r + x - 1.0
    lo, hi = np.log(tx + alpha), np.log(T + alpha)
    half = (_NODES + 1.0) / 2.0
    # the power (y + alpha)^-(r+x) falls by e^{-k (hi - lo)} over the range: where that is steep,
    # the w-substitution absorbs it; elsewhere log-spaced nodes also follow the Gompertz factor
    use_w = ((k > 0.5) & (k * (hi - lo) > 30.0))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        # w = ((y+alpha)/(tx+alpha))^-k on [q, 1]: dy = (y+alpha)/(k w) dw
        kk = np.where(use_w[:, 0], k, 1.0)[:, None]
        q = np.exp(-kk * (hi - lo)[:, None])
        w = q + (1.0 - q) * half
        log_ya_w = lo[:, None] - np.log(w) / kk
        lw = np.log(_WEIGHTS / 2.0) + np.log1p(-q) + log_ya_w - np.log(kk) - np.log(w)
        # u = log(y + alpha) on [lo, hi]: dy = e^u du
        u = lo[:, None] + (hi - lo)[:, None] * half
        lu = np.log(_WEIGHTS / 2.0) + np.log(hi - lo)[:, None] + u
    y = np.where(use_w, np.exp(log_ya_w), np.exp(u)) - alpha
    logw = np.where(use_w, lw, lu)
    empty = hi <= lo
    logw[empty] = -np.inf
    return np.clip(y, tx[:, None], T[:, None]), logw


def _log_integral(params, x, tx, T, grad: bool = False, nodes=None):
    """``log I`` per row (``-inf`` where ``t_x = T``) and, with ``grad``, its derivatives.

    ``nodes`` from :func:`_nodes` (default: adapted to ``params`` themselves).
    """
    r, alpha, b, s, beta = params
    y, logw = nodes if nodes is not None else _nodes(params, x, tx, T)
    log_ya = np.log(y + alpha)
    lg, inv_g, dg_b = _log_gompertz_term(beta, b, y)
    terms = logw - (r + x)[:, None] * log_ya - (s + 1.0) * lg + b * y
    top = np.max(terms, axis=1)
    empty = ~np.isfinite(top)
    top = np.where(empty, 0.0, top)
    p = np.exp(terms - top[:, None])
    total = p.sum(axis=1)
    with np.errstate(divide="ignore"):
        log_i = np.where(empty, -np.inf, top + np.log(total))
    if not grad:
        return log_i
    p = p / np.where(total > 0, total, 1.0)[:, None]
    d = [
        -(p * log_ya).sum(1),  # r
        -(r + x) * (p / (y + alpha)).sum(1),  # alpha
        (p * (y - (s + 1.0) * dg_b)).sum(1),  # b
        -(p * lg).sum(1),  # s
        -(s + 1.0) * (p * inv_g).sum(1),  # beta
    ]
    return log_i, d


def _terms(params, x, tx, T, grad: bool = False, nodes=None):
    """The two log-likelihood terms (alive at T; died in (t_x, T]) and their gradients."""
    r, alpha, b, s, beta = params
    lgT, invT, dgT_b = _log_gompertz_term(beta, b, T)
    common = gammaln(r + x) - gammaln(r)
    l1 = common + r * np.log(alpha) - (r + x) * np.log(alpha + T) + s * (np.log(beta) - lgT)
    out = _log_integral(params, x, tx, T, grad, nodes)
    log_i, d_i = out if grad else (out, None)
    l2 = common + np.log(b) + r * np.log(alpha) + np.log(s) + s * np.log(beta) + log_i
    if not grad:
        return l1, l2
    assert d_i is not None
    dcommon = digamma(r + x) - digamma(r)
    d1 = [
        dcommon + np.log(alpha) - np.log(alpha + T),
        r / alpha - (r + x) / (alpha + T),
        -s * dgT_b,
        np.log(beta) - lgT,
        s / beta - s * invT,
    ]
    d2 = [
        dcommon + np.log(alpha) + d_i[0],
        r / alpha + d_i[1],
        1.0 / b + d_i[2],
        1.0 / s + np.log(beta) + d_i[3],
        s / beta + d_i[4],
    ]
    return l1, l2, d1, d2


def ggomnbd_log_likelihood(params, x, tx, T) -> np.ndarray:
    """Per-customer GGom/NBD log-likelihood (Bemmaor & Glady 2012), in log space.

    Parameters
    ----------
    params : sequence of float
        ``(r, alpha, b, s, beta)``.
    x, tx, T : array_like
        Repeat purchases, recency and age (same time unit as ``alpha`` and ``1 / b``).

    Returns
    -------
    ndarray
    """
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    params = tuple(float(p) for p in params)
    with np.errstate(all="ignore"):
        l1, l2 = _terms(params, x.ravel(), tx.ravel(), T.ravel())
    return np.logaddexp(l1, l2).reshape(x.shape)


def ggomnbd_nll_grad(theta, x, tx, T, w, cache=None) -> tuple[float, np.ndarray]:
    """Total negative log-likelihood of the log-parameters and its gradient.

    ``cache`` (a dict) freezes the quadrature nodes at the first parameters it sees.
    """
    params = tuple(np.exp(theta))
    with np.errstate(all="ignore"):
        if cache is not None and "nodes" not in cache:
            cache["nodes"] = _nodes(cache.get("ref", params), x, tx, T)
        nodes = cache["nodes"] if cache is not None else None
        l1, l2, d1, d2 = _terms(params, x, tx, T, grad=True, nodes=nodes)
    ll = np.logaddexp(l1, l2)
    total = float(dot(w, ll))
    if not np.isfinite(total):
        return np.inf, np.zeros(5)
    p1 = np.exp(l1 - ll)
    p2 = np.exp(l2 - ll)
    grad = np.array([dot(w, p1 * a + p2 * c) * v for a, c, v in zip(d1, d2, params, strict=True)])
    return -total, -grad


def _survival(params, t):
    r, alpha, b, s, beta = params
    lg, _, _ = _log_gompertz_term(beta, b, np.asarray(t, dtype=float))
    return np.exp(s * (np.log(beta) - lg))


class GGomNBD(_CountingModel):
    """Gamma-Gompertz/NBD model of repeat purchases in continuous time (Bemmaor & Glady 2012).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha)); ``b`` (Gompertz scale: how fast
        the drop-out risk changes with age), ``s``, ``beta`` (Gamma heterogeneity of the
        drop-out risk).
    standard_errors_, covariance_, log_likelihood_, time_unit_, n_customers_
        As for every model (:class:`~crmlab.clv._base.BaseModel`), like ``penalizer``.

    Notes
    -----
    Covariates follow CLVTools: ``alpha_i = alpha exp(-gamma_purchase' x_i)`` and
    ``beta_i = beta exp(-gamma_dropout' x_i)``. On data where the drop-out risk does not change
    with age the likelihood is flat along ``b -> 0`` (the Pareto/NBD limit): ``b`` and ``beta``
    are then poorly determined, though ``beta / b`` and the predictions are; CLVTools' own test
    on CDNOW stops at ``b = 1.1e-6`` for this reason.

    Examples
    --------
    >>> GGomNBD().fit(summary).params_      # doctest: +SKIP
    """

    _param_names = ("r", "alpha", "b", "s", "beta")
    _fit_advice = (
        "If b and beta head to 0, the data show no ageing of the drop-out risk: the maximum is "
        "the Pareto/NBD limit (fit ParetoNBD instead), or fit with a small penalizer, e.g. "
        "GGomNBD(penalizer=1e-5), to stop on that ridge. Also check that frequency, recency "
        "and T are in the same time unit and that recency <= T."
    )
    _covariate_links = {"purchase": {"alpha": -1.0}, "dropout": {"beta": -1.0}}

    def _loglik(self, params, x, tx, T):
        return ggomnbd_log_likelihood(params, x, tx, T)

    def _prepare(self, x, tx, T, w):
        ref = getattr(self, "_reference", None)
        return {} if ref is None else {"ref": ref}

    def _fit(self, data, *, weights_col, time_unit, **options):
        """Fit twice: quadrature nodes frozen at the start, then at the first estimate.

        Within one fit the nodes are fixed, so the objective is smooth and its gradient exact;
        the second fit, from the first estimate with nodes adapted to it, moves the estimate
        only by the quadrature error (it is short).
        """
        self._reference = None
        try:
            super()._fit(data, weights_col=weights_col, time_unit=time_unit, **options)
            self._reference = tuple(self.params_[n] for n in self._param_names)
            self._warm = self._free_fit
            return super()._fit(data, weights_col=weights_col, time_unit=time_unit, **options)
        finally:
            del self._reference
            self.__dict__.pop("_warm", None)

    def _nll_grad(self, theta, x, tx, T, w, cache=None):
        return ggomnbd_nll_grad(theta, x, tx, T, w, cache)

    def _start(self, x, tx, T, w):
        if getattr(self, "_reference", None) is not None:
            return list(self._reference)
        mean_T = max(float(np.average(T, weights=w)), 1e-3)
        return [0.5, mean_T / 4.0, 1.0 / mean_T, 1.0, 1.0]

    def _covariate_start(self, spec):
        warm = getattr(self, "_warm", None)
        if warm is None:
            return super()._covariate_start(spec)
        names, values, _ = warm
        return [values[n] for n in names]

    def _alive(self, params, x, tx, T):
        x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
        with np.errstate(all="ignore"):
            l1, l2 = _terms(tuple(params), x.ravel(), tx.ravel(), T.ravel())
        return np.exp(l1 - np.logaddexp(l1, l2)).reshape(x.shape)

    def _expected(self, params, t, x, tx, T):
        """Conditional expectation with Adler's (2022) correction, as in CLVTools."""
        r, alpha, b, s, beta = params
        x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
        lgT, _, _ = _log_gompertz_term(beta, b, T)
        lgTt, _, _ = _log_gompertz_term(beta, b, T + t)
        with np.errstate(all="ignore"):
            z1 = (beta - 1.0) * np.exp(-lgT)
            z2 = (beta - 1.0) * np.exp(-lgTt)
            h1 = hyp2f1(1.0, s, s + 1.0, z1)
            h2 = hyp2f1(1.0, s, s + 1.0, z2)
            upper = h1 - np.exp(s * (lgT - lgTt)) * h2
            alive = self._alive(params, x, tx, T)
            out = alive * (r + x) / (alpha + T) * upper / (b * s)
        return np.where(t > 0, np.maximum(out, 0.0), 0.0)

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired.

        ``(r / alpha) * integral_0^t P(tau > u) du`` (mean rate times expected time alive).

        Returns
        -------
        ndarray
            Same shape as ``t``.
        """
        t = self._new_grid(t)
        params = tuple(self._param_array())
        r, alpha = params[0], params[1]
        flat = [
            integrate.quad(lambda u: float(_survival(params, u)), 0.0, float(v), limit=200)[0]
            for v in np.ravel(t)
        ]
        return r / alpha * np.reshape(flat, np.shape(t))

    def probability_purchases_new(self, t, n) -> np.ndarray:
        """P(X(t) = n) for a customer just acquired; ``t`` and ``n`` broadcast.

        Alive throughout ``(0, t]`` times the NBD probability over ``t``, plus the NBD
        probability over a lifetime ``tau < t`` integrated against the lifetime distribution
        (64-point Gauss-Legendre in the survival probability).

        Returns
        -------
        ndarray
        """
        t, n = self._new_grid(t, n)
        r, alpha, b, s, beta = params = tuple(self._param_array())
        return lifetime_mixture_pmf(
            r,
            alpha,
            _survival(params, t),
            lambda u: np.log1p(beta * np.expm1(-np.log(u) / s)) / b,
            t,
            n,
        )

    def _draw(self, params, T, rng):
        r, alpha, b, s, beta = params
        n = len(T)
        lam = rng.gamma(r, 1.0 / alpha, n)
        eta = rng.gamma(s, 1.0 / beta, n)
        life = np.log1p(rng.exponential(1.0, n) / eta) / b
        return purchases_while_alive(lam, life, T, rng)
