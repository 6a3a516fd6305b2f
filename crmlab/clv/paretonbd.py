"""The Pareto/NBD model of repeat buying (Schmittlein, Morrison & Colombo 1987).

While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)``; their lifetime is
exponential with rate ``mu ~ Gamma(s, beta)``. The likelihood follows Fader, Hardie & Lee's
(2005) note, with its Gauss hypergeometric terms rewritten so that they stay finite for any
number of purchases:

``2F1(r+s+x, s+1; r+s+x+1; z) = (1-z)^-s 2F1(1, r+x; r+s+x+1; z)`` (alpha >= beta) and
``2F1(r+s+x, r+x; r+s+x+1; z) = (1-z)^(1-r-x) 2F1(1, s+1; r+s+x+1; z)`` (alpha < beta).

The right-hand functions ``2F1(1, b; c; z)`` with ``b < c`` are sums of positive, decreasing
terms bounded by ``(c-1)/(c-b-1)``; they are summed directly (with their derivatives, for an
analytic gradient) and handed to :func:`scipy.special.hyp2f1` only when ``z`` is close to 1.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they
and what will they do next? *Management Science* 33(1), 1-24.
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). A note on deriving the Pareto/NBD model and
related expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, hyp2f1

from crmlab.clv._counting import _CountingModel
from crmlab.clv._fit import dot

__all__ = ["ParetoNBD", "paretonbd_log_likelihood"]

_Z_SERIES = 0.9  # sum the series directly below this z; scipy above
_GRID_CELLS = 1 << 18  # rows x terms per chunk in _series_1bc_grid
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


def _hyp2f1_1bc(b, c, z, grad: bool = False):
    """``2F1(1, b; c; z)`` for ``0 < b < c`` and ``0 <= z < 1`` (and d/db, d/dc, d/dz).

    The series ``sum_k (b)_k / (c)_k z^k`` has positive terms whose ratios stay below ``z``, so
    after ``k`` terms the tail is below ``term_k z / (1 - z)``: it is summed directly for
    ``z <= 0.9``. Above, :func:`scipy.special.hyp2f1` is used (derivatives by central
    differences), and where it returns NaN (large ``b`` with ``z`` near 1) the series again.
    """
    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, c, z)))
    shape = z.shape
    b, c, z = b.ravel(), c.ravel(), z.ravel()
    n = len(z)
    val = np.ones(n)
    dval = [np.zeros(n), np.zeros(n), np.zeros(n)]
    use_series = z <= _Z_SERIES
    far = np.flatnonzero(~use_series)
    if len(far):
        bf, cf, zf = b[far], c[far], z[far]
        with np.errstate(all="ignore"):
            vals = [hyp2f1(1.0, bf, cf, zf)]
            if grad:
                hbf = 1e-6 * np.maximum(1.0, bf)
                hcf = 1e-6 * np.maximum(1.0, cf)
                db = (hyp2f1(1.0, bf + hbf, cf, zf) - hyp2f1(1.0, bf - hbf, cf, zf)) / (2 * hbf)
                dc = (hyp2f1(1.0, bf, cf + hcf, zf) - hyp2f1(1.0, bf, cf - hcf, zf)) / (2 * hcf)
                vals += [db, dc, bf / cf * hyp2f1(2.0, bf + 1, cf + 1, zf)]
        bad = ~np.all([np.isfinite(v) for v in vals], axis=0) | (vals[0] < 1)
        good = far[~bad]
        val[good] = vals[0][~bad]
        if grad:
            for d, v in zip(dval, vals[1:], strict=True):
                d[good] = v[~bad]
        use_series[far[bad]] = True
    rows = np.flatnonzero(use_series)
    if len(rows):
        out = _series_1bc(b[rows], c[rows], z[rows], grad)
        val[rows] = out[0]
        if grad:
            for d, v in zip(dval, out[1:], strict=True):
                d[rows] = v
    if grad:
        return val.reshape(shape), [d.reshape(shape) for d in dval]
    return val.reshape(shape)


def _series_1bc(b, c, z, grad):
    """Direct sum of ``2F1(1, b; c; z)`` (and derivatives) until the tail is below 1e-17.

    When the rows hold few distinct ``c`` (each with one ``b``) and few distinct ``z``, as in
    the likelihood (``c`` depends on the number of purchases, ``z`` on the time), the series
    are polynomials in ``z`` with coefficients per ``(b, c)``: see :func:`_series_1bc_grid`.
    Otherwise rows are sorted by the number of terms they need, so the rows still summing are
    always a leading slice (no copying).
    """
    with np.errstate(divide="ignore"):
        need = np.where(z > 0, np.log(1e-17 * (1 - z)) / np.log(z), 0.0)
    # at least two terms, so that d/dz is right at z = 0
    need = np.ceil(np.clip(need, 2, 1e7)).astype(np.int64)
    grid = _series_1bc_grid(b, c, z, need, grad)
    if grid is not None:
        return grid
    order = np.argsort(-need, kind="stable")
    bb, cc, zz, need = b[order], c[order], z[order], need[order]
    m = len(z)
    term = np.ones(m)
    tot = np.ones(m)
    hb, hc, sb, sc, sz = (np.zeros(m) for _ in range(5))
    k = 0
    active = int(np.searchsorted(-need, -k, side="left"))
    while active:
        sl = slice(0, active)
        ratio = (bb[sl] + k) / (cc[sl] + k)
        if grad:
            sz[sl] += (k + 1) * term[sl] * ratio  # d/dz of the next term
            hb[sl] += 1.0 / (bb[sl] + k)
            hc[sl] += 1.0 / (cc[sl] + k)
        term[sl] *= ratio * zz[sl]
        tot[sl] += term[sl]
        if grad:
            sb[sl] += term[sl] * hb[sl]
            sc[sl] -= term[sl] * hc[sl]
        k += 1
        active = int(np.searchsorted(-need, -k, side="left"))  # rows needing more than k terms
    back = np.empty(m, dtype=np.int64)
    back[order] = np.arange(m)
    return tot[back], sb[back], sc[back], sz[back]


def _series_1bc_grid(b, c, z, need, grad):
    """The series on the grid of distinct ``(b, c)`` and ``z``; None where that does not pay.

    ``2F1(1, b; c; z) = sum_k a_k z^k`` with ``a_k = prod_{j<k} (b+j)/(c+j)``; ``d/db`` and
    ``d/dc`` have coefficients ``a_k sum_{j<k} 1/(b+j)`` and ``-a_k sum_{j<k} 1/(c+j)``. The
    coefficients are computed once per ``(b, c)`` and the powers once per ``z``; each row then
    takes a dot product of its two, summed to the largest number of terms any ``z`` needs (the
    extra terms of a row are below its tolerance).
    """
    m = len(z)
    n_terms = int(need.max(initial=2))
    uc, ic = np.unique(c, return_inverse=True)
    ub = np.empty(len(uc))
    ub[ic] = b
    if n_terms > 2048 or not np.array_equal(ub[ic], b):
        return None
    uz, iz = np.unique(z, return_inverse=True)
    if len(uc) + len(uz) > m:
        return None
    k = np.arange(n_terms, dtype=float)
    bk = ub[:, None] + k
    ck = uc[:, None] + k
    coef = np.cumprod(bk / ck, axis=1)  # a_1 ... a_K
    z_pow = np.cumprod(np.broadcast_to(uz[:, None], (len(uz), n_terms)), axis=1)  # z^1 ... z^K
    if grad:
        z_prev = np.empty_like(z_pow)  # z^0 ... z^(K-1)
        z_prev[:, 0] = 1.0
        z_prev[:, 1:] = z_pow[:, :-1]
        # the term a_k z^k (k >= 1) carries sum_{j<k} 1/(b+j): cumulative sums over columns
        coef_b = coef * np.cumsum(1.0 / bk, axis=1)
        coef_c = coef * np.cumsum(1.0 / ck, axis=1)
        coef_z = coef * (k + 1)
    out = np.empty((4 if grad else 1, m))
    step = max(1, _GRID_CELLS // n_terms)  # rows per chunk: bounded memory
    for lo in range(0, m, step):
        rows = slice(lo, lo + step)
        c_rows, powers = ic[rows], z_pow[iz[rows]]
        out[0, rows] = 1.0 + _row_dot(coef[c_rows], powers)
        if grad:
            out[1, rows] = _row_dot(coef_b[c_rows], powers)
            out[2, rows] = -_row_dot(coef_c[c_rows], powers)
            out[3, rows] = _row_dot(coef_z[c_rows], z_prev[iz[rows]])
    return tuple(out)


def _row_dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise dot products (no BLAS: its threads slow small products on busy CPUs)."""
    return np.einsum("ij,ij->i", u, v)


def _log_h(params, x, t, grad: bool = False):
    """Log of FHL's ``2F1(...) / (max(alpha, beta) + t)^(r+s+x)`` at time ``t`` (and gradient)."""
    r, alpha, s, beta = params
    log_at = np.log(alpha + t)
    log_bt = np.log(beta + t)
    if alpha >= beta:
        b, c, z = r + x, r + s + x + 1, (alpha - beta) / (alpha + t)
        out = _hyp2f1_1bc(b, c, z, grad)
        g, dg = out if grad else (out, None)
        lh = -s * log_bt - (r + x) * log_at + np.log(g)
        if not grad:
            return lh
        assert dg is not None  # grad=True returns the derivatives
        gb, gc, gz = (d / g for d in dg)
        d_r = -log_at + gb + gc
        d_s = -log_bt + gc
        d_alpha = -(r + x) / (alpha + t) + gz * (beta + t) / (alpha + t) ** 2
        d_beta = -s / (beta + t) - gz / (alpha + t)
    else:
        b, c, z = s + 1, r + s + x + 1, (beta - alpha) / (beta + t)
        out = _hyp2f1_1bc(b, c, z, grad)
        g, dg = out if grad else (out, None)
        lh = (1 - r - x) * log_at - (s + 1) * log_bt + np.log(g)
        if not grad:
            return lh
        assert dg is not None  # grad=True returns the derivatives
        gb, gc, gz = (d / g for d in dg)
        d_r = -log_at + gc
        d_s = -log_bt + gb + gc
        d_alpha = (1 - r - x) / (alpha + t) - gz / (beta + t)
        d_beta = -(s + 1) / (beta + t) + gz * (alpha + t) / (beta + t) ** 2
    return lh, (d_r, d_alpha, d_s, d_beta)


def _pairs(x, tx, T):
    """Distinct (x, t) pairs among (x, t_x) and (x, T), and where each row's pair is."""
    # one integer per (x, t) from the codes of each (a MultiIndex would build Python tuples)
    code_x, ux = pd.factorize(np.concatenate([x, x]))
    code_t, ut = pd.factorize(np.concatenate([tx, T]))
    codes, keys = pd.factorize(code_x.astype(np.int64) * len(ut) + code_t)
    return ux[keys // len(ut)].astype(float), ut[keys % len(ut)].astype(float), codes


def _pnbd_core(params, x, tx, T):
    """``u1`` (alive-throughout term) and ``u2`` (died-in-(t_x, T] term) in log space.

    The fit's objective, :func:`paretonbd_nll_grad`, computes the same per distinct pair.
    """
    r, alpha, s, beta = params
    u1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    n = len(x)
    lh = _log_h(params, np.concatenate([x, x]), np.concatenate([tx, T]))
    lhx, lhT = lh[:n], lh[n:]
    q = np.exp(np.minimum(lhT - lhx, 0.0))  # H(T)/H(t_x) <= 1
    with np.errstate(divide="ignore"):
        log_diff = np.where(q < 1, lhx + np.log1p(-np.where(q < 1, q, 0.0)), -np.inf)
    u2 = np.log(s) - np.log(r + s + x) + log_diff
    return u1, u2


def paretonbd_log_likelihood(params, x, tx, T) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood (Fader, Hardie & Lee 2005 note, eq. 22).

    Parameters
    ----------
    params : sequence of float
        ``(r, alpha, s, beta)``.
    x, tx, T : array_like
        Repeat purchases, recency and age (same time unit as ``alpha`` and ``beta``).

    Returns
    -------
    ndarray
        Finite for any frequency and age (computed in log space).
    """
    r, alpha, s, beta = (float(p) for p in params)
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    u1, u2 = _pnbd_core((r, alpha, s, beta), x.ravel(), tx.ravel(), T.ravel())
    u1, u2 = u1.reshape(x.shape), u2.reshape(x.shape)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + np.logaddexp(u1, u2)


def paretonbd_nll_grad(theta, x, tx, T, w, cache=None):
    """Total negative log-likelihood of the log-parameters and its analytic gradient.

    The hypergeometric terms and their derivatives are evaluated once per distinct ``(x, t)``
    pair; the rows' weights on their derivatives are summed per pair (``bincount``) rather
    than the derivatives copied out to every row, and terms in ``x`` or ``T`` alone are
    evaluated once per distinct value (see :func:`_prepare`).
    """
    r, alpha, s, beta = np.exp(theta)
    if cache is None:
        cache = _prepare(x, tx, T)
    ux, inv, (px, pt, codes), uT, iT = cache
    n = len(x)
    lh, dh = _log_h((r, alpha, s, beta), px, pt, True)
    cx, cT = codes[:n], codes[n:]
    lhx = lh[cx]
    log_aT, log_bT = np.log(alpha + uT), np.log(beta + uT)
    u1 = -(r + x) * log_aT[iT] - s * log_bT[iT]
    q = np.exp(np.minimum(lh[cT] - lhx, 0.0))  # H(T)/H(t_x) <= 1
    ok = q < 1
    q_ok = np.where(ok, q, 0.0)
    one_minus_q = 1.0 - q_ok
    log_rsx = np.log(r + s + ux)
    u2 = np.where(ok, np.log(s) - log_rsx[inv] + lhx + np.log1p(-q_ok), -np.inf)
    m = np.logaddexp(u1, u2)
    ww1 = w * np.exp(u1 - m)  # weight x share of the alive-throughout term
    ww2 = w * np.exp(u2 - m)
    w_x = np.bincount(inv, weights=w, minlength=len(ux))
    w_total = float(w_x.sum())
    total = (
        dot(w_x, gammaln(r + ux))
        + w_total * (r * np.log(alpha) + s * np.log(beta) - gammaln(r))
        + dot(w, m)
    )
    if not np.isfinite(total):
        return np.inf, np.zeros(4)
    # d log(H(t_x) - H(T)) = (dH_x - q dH_T) / (1 - q): weights per (x, t) pair
    v = ww2 / one_minus_q  # 0 where not ok (ww2 = 0 there)
    n_pairs = len(px)
    pair_w = np.bincount(cx, weights=v, minlength=n_pairs) - np.bincount(
        cT, weights=v * q, minlength=n_pairs
    )
    gh_r, gh_alpha, gh_s, gh_beta = (dot(pair_w, d) for d in dh)
    w1_T = np.bincount(iT, weights=ww1, minlength=len(uT))
    w1x_T = np.bincount(iT, weights=ww1 * x, minlength=len(uT))
    w2_x = np.bincount(inv, weights=ww2, minlength=len(ux))
    w2_over_rsx = dot(w2_x, 1.0 / (r + s + ux))
    d_r = (
        dot(w_x, digamma(r + ux))
        + w_total * (np.log(alpha) - digamma(r))
        - dot(w1_T, log_aT)
        + gh_r
        - w2_over_rsx
    )
    d_alpha = w_total * r / alpha - dot(r * w1_T + w1x_T, 1.0 / (alpha + uT)) + gh_alpha
    d_s = w_total * np.log(beta) - dot(w1_T, log_bT) + w2_x.sum() / s - w2_over_rsx + gh_s
    d_beta = w_total * s / beta - s * dot(w1_T, 1.0 / (beta + uT)) + gh_beta
    grad = np.array([d_r * r, d_alpha * alpha, d_s * s, d_beta * beta])
    return -float(total), -grad


class ParetoNBD(_CountingModel):
    """Pareto/NBD model of repeat purchases in continuous time.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha)) and ``s``, ``beta`` (drop-out rate
        ~ Gamma(s, beta)).
    standard_errors_, covariance_, log_likelihood_, time_unit_, n_customers_
        As for every model (:class:`~crmlab.clv._base.BaseModel`), like ``penalizer``.

    Examples
    --------
    >>> ParetoNBD().fit(summary).params_                # doctest: +SKIP
    {'r': 0.553, 'alpha': 10.58, 's': 0.606, 'beta': 11.67}
    """

    _param_names = ("r", "alpha", "s", "beta")
    #: CLVTools: alpha_i = alpha exp(-gamma_purchase' x_i), beta_i = beta exp(-gamma_dropout' x_i)
    _covariate_links = {"purchase": {"alpha": -1.0}, "dropout": {"beta": -1.0}}

    def _loglik(self, params, x, tx, T):
        return paretonbd_log_likelihood(params, x, tx, T)

    def _prepare(self, x, tx, T, w):
        return _prepare(x, tx, T)

    def _nll_grad(self, theta, x, tx, T, w, cache=None):
        with np.errstate(all="ignore"):
            return paretonbd_nll_grad(theta, x, tx, T, w, cache)

    def _start(self, x, tx, T, w):
        mean_T = max(float(np.average(T, weights=w)), 1e-3)
        return [0.5, mean_T / 4.0, 0.5, mean_T / 4.0]

    def _expected(self, params, t, x, tx, T):
        r, alpha, s, beta = params
        alive = _probability_alive(params, x, tx, T)
        return alive * (r + x) * (beta + T) / (alpha + T) * _lomax_mean_factor(s, t / (beta + T))

    def _alive(self, params, x, tx, T):
        return _probability_alive(params, x, tx, T)

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired.

        Returns
        -------
        ndarray
            ``r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)]``, same shape as ``t``.
        """
        t = self._new_grid(t)
        r, alpha, s, beta = self._param_array()
        return r * beta / alpha * _lomax_mean_factor(s, t / beta)

    def probability_purchases_new(self, t, n) -> np.ndarray:
        """P(X(t) = n) for a customer just acquired; ``t`` and ``n`` broadcast.

        Computed as the chance of living past ``t`` times the NBD probability over ``t``, plus
        the NBD probability over a lifetime ``tau < t`` integrated against the lifetime
        distribution (64-point Gauss-Legendre in the survival probability).

        Returns
        -------
        ndarray
        """
        t, n = self._new_grid(t, n)
        r, alpha, s, beta = self._param_array()
        surv = (beta / (beta + t)) ** s
        return lifetime_mixture_pmf(r, alpha, surv, lambda u: beta * np.expm1(-np.log(u) / s), t, n)

    def _draw(self, params, T, rng):
        r, alpha, s, beta = params
        n = len(T)
        lam = rng.gamma(r, 1.0 / alpha, n)
        mu = rng.gamma(s, 1.0 / beta, n)
        life = rng.exponential(1.0, n) / mu
        return purchases_while_alive(lam, life, T, rng)


def purchases_while_alive(lam, life, T, rng) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``(x, t_x)``: Poisson purchases at rate ``lam`` until ``min(life, T)``.

    Shared by the models whose customers buy at a Poisson rate until an exponential-family
    lifetime ends (Pareto/NBD, GGom/NBD); the draws are made in this order.
    """
    active = np.minimum(life, T)
    x = rng.poisson(lam * active)
    tx = np.zeros(len(T))
    pos = x > 0
    # the last of x uniform purchase times on (0, active)
    tx[pos] = active[pos] * rng.uniform(size=int(pos.sum())) ** (1.0 / x[pos])
    return x, tx


def _nbd_pmf(r, alpha, n, tau):
    """P(n purchases in (0, tau)) of a customer alive throughout, rate ~ Gamma(r, alpha)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logq = np.log(tau) - np.log(alpha + tau)
        out = gammaln(r + n) - gammaln(r) - gammaln(n + 1)
        out = out + r * (np.log(alpha) - np.log(alpha + tau))
        out = out + np.where(n > 0, n * logq, 0.0)
    return np.exp(out)


def lifetime_mixture_pmf(r, alpha, surv, lifetime_at, t, n) -> np.ndarray:
    """P(X(t) = n) of a new customer: alive past ``t``, or the NBD over a lifetime ``tau < t``.

    ``surv`` is P(lifetime > t) and ``lifetime_at(u)`` the lifetime whose survival
    probability is ``u``; the integral over the lifetime distribution is a 64-point
    Gauss-Legendre rule in the survival probability, from ``surv`` (lifetime ``t``) to 1
    (lifetime 0).
    """
    u = surv[..., None] + (1 - surv[..., None]) * (_GL_NODES + 1) / 2
    tau = lifetime_at(u)
    integral = (_nbd_pmf(r, alpha, n[..., None], tau) * _GL_WEIGHTS).sum(-1) * (1 - surv) / 2
    return surv * _nbd_pmf(r, alpha, n, t) + integral


def _prepare(x, tx, T):
    ux, inv = np.unique(x, return_inverse=True)
    uT, iT = np.unique(T, return_inverse=True)
    return ux, inv.reshape(-1), _pairs(x, tx, T), uT, iT.reshape(-1)


def _probability_alive(params, x, tx, T) -> np.ndarray:
    x, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T)))
    u1, u2 = _pnbd_core(tuple(float(p) for p in params), x.ravel(), tx.ravel(), T.ravel())
    u1, u2 = u1.reshape(x.shape), u2.reshape(x.shape)
    return np.exp(u1 - np.logaddexp(u1, u2))


def _lomax_mean_factor(s: float, h) -> np.ndarray:
    """``[1 - (1 + h)^-(s-1)] / (s - 1)``, with its limit ``log(1 + h)`` at ``s = 1``."""
    log1p_h = np.log1p(h)
    if abs(s - 1) < 1e-10:
        return log1p_h
    return -np.expm1(-(s - 1) * log1p_h) / (s - 1)
