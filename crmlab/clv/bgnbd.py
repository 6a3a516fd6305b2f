"""The BG/NBD model of repeat buying ("counting your customers the easy way").

While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)``; after every repeat
purchase they drop out with probability ``p ~ Beta(a, b)`` (Fader, Hardie & Lee 2005). The
modified model (MBG/NBD, :mod:`crmlab.clv.mbgnbd`) also lets them drop out right after the
first purchase; both share the functions below through ``shift`` (0 for BG/NBD, 1 for MBG/NBD).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
models for customer base analysis. *Int. J. of Research in Marketing* 24(3), 201-209.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1

from crmlab.clv._counting import _CountingModel
from crmlab.clv._fit import dot

__all__ = [
    "BetaGeo",
    "bgnbd_log_likelihood",
    # the BG family's pieces, shared with MBG/NBD (``shift=1``) and tested on their own
    "bg_family_log_likelihood",
    "bg_family_prepare",
    "bg_family_nll_grad",
    "bg_family_nll_hessian",
    "bg_family_probability_alive",
    "bg_family_expected",
    "bg_family_pmf_new",
    "bg_family_simulate",
]


def _bg_terms(params, x, tx, T, shift):
    """Pieces shared by the likelihood, its gradient and P(alive)."""
    r, alpha, a, b = params
    k = shift
    has_death = (x + k) > 0
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    u1 = -(r + x) * log_aT
    denom = np.where(has_death, b + x + k - 1, 1.0)
    u2 = np.where(has_death, np.log(a) - np.log(denom) - (r + x) * log_atx, -np.inf)
    return log_aT, log_atx, u1, u2, denom, has_death


def bg_family_log_likelihood(params, x, tx, T, shift: int = 0) -> np.ndarray:
    """Per-customer log-likelihood of BG/NBD (``shift=0``) or MBG/NBD (``shift=1``).

    Parameters
    ----------
    params : sequence of float
        ``(r, alpha, a, b)``.
    x, tx, T : array_like
        Repeat purchases, recency and age of each customer (same time unit as ``alpha``).
    shift : {0, 1}
        0 for BG/NBD, 1 for MBG/NBD.

    Returns
    -------
    ndarray
        Log-likelihood of each customer, computed in log space.
    """
    r, alpha, a, b = (float(p) for p in params)
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    k = shift
    _, _, u1, u2, _, _ = _bg_terms((r, alpha, a, b), x, tx, T, k)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x + k) - betaln(a, b)
    return head + np.logaddexp(u1, u2)


def bgnbd_log_likelihood(params, x, tx, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6), log space."""
    return bg_family_log_likelihood(params, x, tx, T, shift=0)


def bg_family_prepare(x, tx, T, w, shift: int = 0) -> dict:
    """Data-only pieces of the BG/NBD (MBG/NBD) likelihood, computed once per fit.

    Terms that depend on ``x`` alone or ``T`` alone are evaluated once per distinct value with
    summed weights, so each likelihood evaluation does per-row work only where ``x``, ``t_x``
    and ``T`` meet.
    """
    x, tx, T, w = (np.asarray(v, dtype=float) for v in (x, tx, T, w))
    ux, ix = np.unique(x, return_inverse=True)
    uT, iT = np.unique(T, return_inverse=True)
    ix, iT = ix.reshape(-1), iT.reshape(-1)
    death = (x + shift) > 0  # rows with a "dropped out after the last purchase" term
    return {
        "shift": shift,
        "ux": ux,
        "uT": uT,
        "w_total": float(w.sum()),
        "w_x": np.bincount(ix, weights=w, minlength=len(ux)),
        "w_T": np.bincount(iT, weights=w, minlength=len(uT)),
        "wx_T": np.bincount(iT, weights=w * x, minlength=len(uT)),
        "w_x_death": np.bincount(ix[death], weights=w[death], minlength=len(ux)),
        "x": x[death],
        "tx": tx[death],
        "gap": (T - tx)[death],
        "w": w[death],
        "ix": ix[death],
        "iT": iT[death],
    }


def bg_family_nll_grad(theta, x, tx, T, w, shift: int = 0, cache=None) -> tuple[float, np.ndarray]:
    """Total negative log-likelihood of the log-parameters and its analytic gradient.

    Each customer contributes ``A(x) - (r+x) log(alpha+T) + log(1 + exp(-d))`` where ``A``
    depends on ``x`` only, ``D = log((alpha+T)/(alpha+t_x))`` and
    ``d = log((b+x+k-1)/a) - (r+x) D`` is the log-odds of "still alive" against "dropped out
    after the last purchase" (no ``d`` term when ``x + k = 0``). ``A`` and the ``T`` terms are
    summed over distinct values (see :func:`bg_family_prepare`); per row only ``D``, ``d`` and a
    logistic weight are computed. Dot products avoid BLAS (see :func:`_dot`).
    """
    c = cache if cache is not None else bg_family_prepare(x, tx, T, w, shift)
    k = c["shift"]
    r, alpha, a, b = np.exp(theta)
    ux, uT = c["ux"], c["uT"]
    W = c["w_total"]
    # --- terms in x only, and constants
    total = dot(c["w_x"], gammaln(r + ux) + gammaln(b + ux + k) - gammaln(a + b + ux + k)) + W * (
        -gammaln(r) + r * np.log(alpha) - gammaln(b) + gammaln(a + b)
    )
    g_r = dot(c["w_x"], digamma(r + ux)) + W * (np.log(alpha) - digamma(r))
    g_alpha = W * r / alpha
    dg_abx = digamma(a + b + ux + k)
    g_a = W * digamma(a + b) - dot(c["w_x"], dg_abx)
    g_b = dot(c["w_x"], digamma(b + ux + k) - dg_abx) + W * (digamma(a + b) - digamma(b))
    # --- -(r + x) log(alpha + T): aggregated by T
    log_aT = np.log(alpha + uT)
    rxT = r * c["w_T"] + c["wx_T"]
    total -= dot(rxT, log_aT)
    g_r -= dot(c["w_T"], log_aT)
    g_alpha -= dot(rxT, 1.0 / (alpha + uT))
    # --- per-row part: log(1 + exp(-d)) + ... = log-sum of "alive" and "dropped out" terms
    xd, wd = c["x"], c["w"]
    if len(xd):
        # b + x + k - 1 is positive wherever a death term exists (x + k > 0); elsewhere unused
        dn_u = np.where(c["w_x_death"] > 0, b + ux + k - 1, 1.0)
        c_u = np.log(dn_u) - np.log(a)
        inv_dn_u = 1.0 / dn_u
        inv_atx = 1.0 / (alpha + c["tx"])
        D = np.log1p(c["gap"] * inv_atx)
        rx = r + xd
        q = rx * D
        e = np.exp(c_u[c["ix"]] - q)  # exp(d) = odds of alive vs dropped out
        # log(e^{u1} + e^{u2}) - u1 = log(1 + 1/e) = log1p(e) - log(e)
        total += dot(wd, np.log1p(e) + q) - dot(c["w_x_death"], c_u)
        ww2 = wd / (1.0 + e)  # weight x P(dropped out | alive-or-dropped terms)
        g_r += dot(ww2, D)
        g_alpha += dot(ww2, rx * ((1.0 / (alpha + uT))[c["iT"]] - inv_atx))
        sw2 = ww2.sum()
        g_a += sw2 / a
        g_b -= dot(ww2, inv_dn_u[c["ix"]])
    total = float(total)
    if not np.isfinite(total):
        return np.inf, np.zeros(4)
    grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    c["last_gradient"] = (np.array(theta, dtype=float), -grad)  # for bg_family_nll_hessian
    return -total, -grad


def bg_family_nll_hessian(theta, x, tx, T, w, shift: int = 0, cache=None) -> np.ndarray:
    """Hessian of :func:`bg_family_nll_grad`'s total in the log-parameters, analytically.

    Per row, the "alive or dropped out" term is ``logaddexp(q, c)`` with
    ``q = (r+x) D(alpha)`` and ``c = log(b+x+k-1) - log(a)``; with ``pi`` the dropped-out share
    its second derivatives are ``pi (1-pi)`` times the outer products of the gradients of ``q``
    and ``c`` (with a minus sign across them), plus ``pi`` and ``1-pi`` times their own
    Hessians. The terms in ``x`` only take trigamma functions.
    """
    from scipy.special import polygamma

    c = cache if cache is not None else bg_family_prepare(x, tx, T, w, shift)
    k = c["shift"]
    r, alpha, a, b = params = np.exp(theta)
    ux, uT, W = c["ux"], c["uT"], c["w_total"]
    w_x = c["w_x"]
    h = np.zeros((4, 4))  # Hessian of the log-likelihood in the natural parameters
    trig = polygamma(1, np.concatenate([r + ux, b + ux + k, a + b + ux + k, [r, b, a + b]]))
    n_u = len(ux)
    tg_r, tg_b, tg_ab = trig[:n_u], trig[n_u : 2 * n_u], trig[2 * n_u : 3 * n_u]
    tg_r0, tg_b0, tg_ab0 = trig[3 * n_u :]
    h[0, 0] = dot(w_x, tg_r) - W * tg_r0
    h[2, 2] = W * tg_ab0 - dot(w_x, tg_ab)
    h[2, 3] = h[2, 2]
    h[3, 3] = dot(w_x, tg_b - tg_ab) + W * (tg_ab0 - tg_b0)
    h[0, 1] = W / alpha
    h[1, 1] = -W * r / alpha**2
    inv_aT = 1.0 / (alpha + uT)
    h[0, 1] -= dot(c["w_T"], inv_aT)
    h[1, 1] += dot(r * c["w_T"] + c["wx_T"], inv_aT**2)
    xd, wd = c["x"], c["w"]
    if len(xd):
        dn_u = np.where(c["w_x_death"] > 0, b + ux + k - 1, 1.0)
        c_u = np.log(dn_u) - np.log(a)
        iota = (1.0 / dn_u)[c["ix"]]
        inv_atx = 1.0 / (alpha + c["tx"])
        D = np.log1p(c["gap"] * inv_atx)
        inv_aT_rows = inv_aT[c["iT"]]
        dD = inv_aT_rows - inv_atx
        d2D = inv_atx**2 - inv_aT_rows**2
        rx = r + xd
        e = np.exp(c_u[c["ix"]] - rx * D)
        pi = 1.0 / (1.0 + e)  # share of "dropped out after the last purchase"
        wpi = wd * pi
        wk = wpi * (1.0 - pi)  # weight x pi (1 - pi)
        q_r, q_alpha = D, rx * dD  # gradient of q
        h[0, 0] += dot(wk, q_r * q_r)
        h[0, 1] += dot(wk, q_r * q_alpha) + dot(wpi, dD)
        h[1, 1] += dot(wk, q_alpha * q_alpha) + dot(wpi, rx * d2D)
        # c: dc/da = -1/a, dc/db = iota; cross terms carry -pi (1-pi)
        h[0, 2] = dot(wk, q_r) / a
        h[0, 3] = -dot(wk, q_r * iota)
        h[1, 2] = dot(wk, q_alpha) / a
        h[1, 3] = -dot(wk, q_alpha * iota)
        wk_sum = wk.sum()
        w_alive = wd.sum() - wpi.sum()  # sum of w (1 - pi)
        w_death = c["w_x_death"].sum()
        inv_dn = 1.0 / dn_u
        # logaddexp term minus the sum of c over the rows with a death term
        h[2, 2] += (wk_sum + w_alive - w_death) / a**2
        h[2, 3] += -dot(wk, iota) / a
        h[3, 3] += dot(wk - (wd - wpi), iota * iota) + dot(c["w_x_death"], inv_dn * inv_dn)
    h = np.triu(h) + np.triu(h, 1).T
    at, grad = c.get("last_gradient", (None, None))  # the fit evaluated the gradient here
    if at is None or not np.array_equal(at, theta):
        _, grad = bg_family_nll_grad(theta, x, tx, T, w, shift, c)
    # to the log-parameters (chain rule), and negated like the objective
    return -(h * np.outer(params, params)) + np.diag(grad)


def bg_family_probability_alive(params, x, tx, T, shift: int = 0) -> np.ndarray:
    """P(alive at T | x, t_x, T): the logistic of minus the log-odds of having dropped out."""
    _, _, u1, u2, _, has_death = _bg_terms(params, x, tx, T, shift)
    with np.errstate(invalid="ignore"):
        return np.where(has_death, expit(u1 - u2), 1.0)


def _hyp2f1(p, q, c, z) -> np.ndarray:
    """:func:`scipy.special.hyp2f1`, with a direct series where scipy gives inf/NaN.

    scipy fails for large ``c`` with ``z`` near 1 (e.g. ``2F1(-2.8, 2; 102.2; 0.99)``), exactly
    where the series converges fast: its term ratio is about ``p q z / (c k)``.
    """
    p, q, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p, q, c, z)))
    with np.errstate(all="ignore"):
        out = np.array(hyp2f1(p, q, c, z), dtype=float, ndmin=1).reshape(z.shape)
    bad = ~np.isfinite(out)
    if bad.any():
        pb, qb, cb, zb = p[bad], q[bad], c[bad], z[bad]
        term = np.ones(len(zb))
        total = np.ones(len(zb))
        for k in range(100_000):
            term = term * (pb + k) * (qb + k) / ((cb + k) * (k + 1)) * zb
            total = total + term
            if k % 16 == 15 and np.all(np.abs(term) <= 1e-16 * np.abs(total)):
                break
        out[bad] = total
    return out


def bg_family_expected(params, t, x, tx, T, shift: int = 0) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T] (conditional expectation), stable for large x.

    Uses Euler's transformation ``(1-z)^(r+x) 2F1(r+x, b+x+k; c; z) =
    (1-z)^(a-1) 2F1(a+b+k-1-r, a-1; c; z)`` with ``c = a+b+x+k-1``, whose series converges fast
    even for thousands of purchases.
    """
    r, alpha, a, b = (float(p) for p in params)
    k = shift
    if abs(a - 1.0) < 1e-7:  # removable singularity at a = 1: evaluate just beside it
        a = 1.0 + 1e-7
    x, tx, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, tx, T, t)))
    c = a + b + x + k - 1
    log1mz = -np.log1p(t / (alpha + T))  # log(1 - z), z = t / (alpha + T + t)
    z = -np.expm1(log1mz)
    g = _hyp2f1(a + b + k - 1 - r, a - 1, c, z)
    e = np.exp((a - 1) * log1mz)
    bracket = (-np.expm1((a - 1) * log1mz) - e * (g - 1)) / (a - 1)
    return bg_family_probability_alive((r, alpha, a, b), x, tx, T, k) * c * bracket


def bg_family_pmf_new(params, t, n, shift: int = 0) -> np.ndarray:
    """P(X(t) = n) for a customer just acquired (n repeat purchases in (0, t])."""
    r, alpha, a, b = (float(p) for p in params)
    k = shift
    t, n = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(n, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p0 = np.log(alpha) - np.log(alpha + t)  # NB success probability alpha/(alpha+t)
        log_q0 = np.log(t) - np.log(alpha + t)
        log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * log_p0
        log_nb = log_nb + np.where(n > 0, n * log_q0, 0.0)
        alive = np.exp(betaln(a, b + n + k) - betaln(a, b) + log_nb)
        # P(NB >= n) = I_{t/(alpha+t)}(n, r); equals 1 for n = 0 (MBG/NBD's death at time 0)
        tail = np.where(n > 0, betainc(np.maximum(n, 1), r, np.exp(log_q0)), 1.0)
        died = np.where(n + k > 0, np.exp(betaln(a + 1, b + n + k - 1) - betaln(a, b)) * tail, 0.0)
    return alive + died


def bg_family_simulate(params, T, shift, rng) -> tuple[np.ndarray, np.ndarray]:
    """Draw (x, t_x) for customers observed for T (array) under BG/NBD or MBG/NBD."""
    r, alpha, a, b = params
    n = len(T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    m = rng.poisson(lam * T)  # purchases a never-dying customer would make in (0, T]
    # repeat purchases made before dropping out: geometric on {1, 2, ...} (BG) or {0, 1, ...}
    j = rng.geometric(np.clip(p, 1e-300, 1.0)) - shift
    x = np.minimum(m, j)
    # the x-th of m uniform arrival times is T * Beta(x, m - x + 1)
    tx = np.zeros(n)
    pos = x > 0
    tx[pos] = T[pos] * rng.beta(x[pos], m[pos] - x[pos] + 1)
    return x, tx


class BetaGeo(_CountingModel):
    """BG/NBD model of repeat purchases in continuous time (Fader, Hardie & Lee 2005).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha)), ``a``, ``b`` (drop-out
        probability ~ Beta(a, b)).
    standard_errors_, covariance_, log_likelihood_, time_unit_, n_customers_
        As for every model (:class:`~crmlab.clv._base.BaseModel`), like ``penalizer``.

    Examples
    --------
    >>> summary = rfm_summary(load_cdnow(sample=True), calibration_end="1997-09-30")  # doctest: +SKIP
    >>> BetaGeo().fit(summary).params_                                        # doctest: +SKIP
    {'r': 0.2426, 'alpha': 4.4136, 'a': 0.7930, 'b': 2.4262}
    """

    _param_names = ("r", "alpha", "a", "b")
    _shift = 0
    #: CLVTools: alpha_i = alpha exp(-gamma_purchase' x_i); a_i = a exp(gamma_dropout' x_i) and
    #: b_i = b exp(gamma_dropout' x_i)
    _covariate_links = {"purchase": {"alpha": -1.0}, "dropout": {"a": 1.0, "b": 1.0}}

    def _loglik(self, params, x, tx, T):
        return bg_family_log_likelihood(params, x, tx, T, self._shift)

    def _prepare(self, x, tx, T, w):
        return bg_family_prepare(x, tx, T, w, self._shift)

    def _nll_grad(self, theta, x, tx, T, w, cache=None):
        with np.errstate(all="ignore"):
            return bg_family_nll_grad(theta, x, tx, T, w, self._shift, cache)

    def _nll_hess(self, theta, x, tx, T, w, cache=None):
        with np.errstate(all="ignore"):
            return bg_family_nll_hessian(theta, x, tx, T, w, self._shift, cache)

    def _start(self, x, tx, T, w):
        mean_T = max(float(np.average(T, weights=w)), 1e-3)
        return [0.5, mean_T / 4.0, 1.0 if self._shift else 0.8, 2.5]

    def _expected(self, params, t, x, tx, T):
        return bg_family_expected(params, t, x, tx, T, self._shift)

    def _alive(self, params, x, tx, T):
        return bg_family_probability_alive(params, x, tx, T, self._shift)

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired.

        Parameters
        ----------
        t : float or array_like
            Durations in the model's time unit.

        Returns
        -------
        ndarray
            Same shape as ``t``.
        """
        t = self._new_grid(t)
        zero = np.zeros_like(t)
        return bg_family_expected(self._param_array(), t, zero, zero, zero, self._shift)

    def probability_purchases_new(self, t, n) -> np.ndarray:
        """P(X(t) = n): probability that a new customer makes ``n`` repeat purchases in (0, t].

        ``t`` and ``n`` broadcast against each other.

        Returns
        -------
        ndarray
        """
        t, n = self._new_grid(t, n)
        return bg_family_pmf_new(self._param_array(), t, n, self._shift)

    def _draw(self, params, T, rng):
        return bg_family_simulate(params, T, self._shift, rng)
