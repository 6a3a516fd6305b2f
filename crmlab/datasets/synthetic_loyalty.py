"""A synthetic customer survey with five loyalty factors, linked to later purchases and complaints.

See :func:`simulate_loyalty_survey`; ``datasets/README.md`` documents the same
process for readers of the repository.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.validation import as_whole_number

__all__ = ["simulate_loyalty_survey", "LOYALTY_TRUE_PARAMS"]

#: Every number the generator uses; tests and lessons compare estimates with these.
LOYALTY_TRUE_PARAMS: dict = {
    # factor f = gamma_f * L + sqrt(1 - gamma_f^2) * e_f  (L: latent loyalty, all N(0, 1))
    "factor_gamma": {
        "satisfaction": 0.85,
        "initiative": 0.70,
        "repurchase": 0.85,
        "recommend": 0.80,
        "resistance": 0.60,
    },
    # item* = lambda * factor + sqrt(1 - lambda^2) * u, then cut into 1..5 (reversed: 6 - answer)
    "loadings": {
        "sat_1": 0.80,
        "sat_2": 0.75,
        "sat_3": 0.70,
        "init_1": 0.70,
        "init_2": 0.65,
        "init_3r": 0.60,
        "rep_1": 0.80,
        "rep_2": 0.75,
        "rep_3": 0.70,
        "rec_1": 0.85,
        "rec_2": 0.80,
        "rec_3": 0.70,
        "res_1": 0.70,
        "res_2": 0.65,
        "res_3r": 0.60,
    },  # fmt: skip
    "reversed": ("init_3r", "res_3r"),
    "item_shift": 0.3,  # added to item* before cutting: answers lean a little positive
    "cutpoints": (-1.5, -0.5, 0.5, 1.5),
    # nps_score = clip(round(nps_mean + nps_slope * recommend_factor + N(0, nps_noise)), 0, 10)
    "nps_mean": 7.6,
    "nps_slope": 2.0,
    "nps_noise": 1.0,
    # P(complaint) = expit(complaint_intercept + complaint_loyalty * L)
    "complaint_intercept": -1.6,
    "complaint_loyalty": -0.5,
    "p_resolved": 0.8,
    # resolution_days ~ Gamma(shape, scale), rounded to 0.1 day
    "days_shape": 1.5,
    "days_scale": 2.5,
    "fast_days": 2.0,
    # P(repurchase) = expit(a0 + a1 * L + delta[group])
    "repurchase_intercept": 0.6,
    "repurchase_loyalty": 1.2,
    "recovery_effect": {
        "no complaint": 0.0,
        "resolved fast": 0.5,
        "resolved slowly": -0.4,
        "not resolved": -1.2,
    },
    # spend | repurchase = exp(b0 + b1 * L + N(0, spend_noise)), currency units per year
    "spend_intercept": 5.5,
    "spend_loyalty": 0.3,
    "spend_noise": 0.6,
    # margin_rate ~ Beta(a, b), rounded to 0.01
    "margin_beta": (6.0, 14.0),
}

_LIKERT_LABELS = np.array([1, 2, 3, 4, 5])


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate_loyalty_survey(n: int = 800, random_state: int | None = 0) -> pd.DataFrame:
    r"""A customer survey on five loyalty factors, linked to what each customer did next year.

    Each respondent has a latent loyalty :math:`L \sim N(0, 1)`. Five factors (overall
    satisfaction, initiative to keep the relationship, repurchase intention, willingness to
    recommend, resistance to switching) are :math:`F_f = \gamma_f L + \sqrt{1-\gamma_f^2}\,e_f`.
    Each factor has three Likert items (1 = strongly disagree .. 5 = strongly agree) generated as
    :math:`x^* = \lambda F_f + \sqrt{1-\lambda^2}\,u + 0.3`, cut at -1.5, -0.5, 0.5, 1.5. Two
    items are reverse-coded (``init_3r``, ``res_3r``: their answer is ``6 - x``). All true
    numbers are in :data:`LOYALTY_TRUE_PARAMS`.

    True parameters
    ---------------
    - factor correlations with L: satisfaction 0.85, initiative 0.70, repurchase 0.85,
      recommend 0.80, resistance 0.60; loadings 0.60-0.85 (see ``LOYALTY_TRUE_PARAMS``).
    - ``nps_score`` = clip(round(7.6 + 2.0 F_recommend + N(0, 1)), 0, 10).
    - complaint: logit P = -1.6 - 0.5 L (about 18% complain); resolved with probability 0.8;
      resolution days ~ Gamma(shape 1.5, scale 2.5) (mean 3.75); "fast" means <= 2 days.
    - repurchase in the next 12 months: logit P = 0.6 + 1.2 L + delta, with delta = 0 (no
      complaint), +0.5 (resolved fast), -0.4 (resolved slowly), -1.2 (not resolved).
    - spend if repurchased: exp(5.5 + 0.3 L + N(0, 0.6)); 0 otherwise.
    - margin_rate ~ Beta(6, 14) (mean 0.30), independent of loyalty.
    - recovery_satisfaction (complainants, 1..5): latent 1.0 - 0.25 days + 0.3 L + N(0, 1) if
      resolved, -1.5 + 0.3 L + N(0, 1) if not; cut at -1.5, -0.5, 0.5, 1.5.

    Parameters
    ----------
    n : int
        Number of respondents.
    random_state : int or None
        Seed for ``numpy.random.default_rng``; the same seed gives the same data.

    Returns
    -------
    pandas.DataFrame
        One row per respondent: ``customer_id``; the 15 items ``sat_1..3``, ``init_1, init_2,
        init_3r``, ``rep_1..3``, ``rec_1..3``, ``res_1, res_2, res_3r`` (int 1..5); ``nps_score``
        (int 0..10); ``complained`` (0/1); ``resolved`` (0/1, NaN without complaint);
        ``resolution_days`` (NaN unless resolved); ``recovery_satisfaction`` (1..5, NaN without
        complaint); ``repurchased`` (0/1, next 12 months); ``spend`` (next 12 months, 0 if no
        repurchase); ``margin_rate`` (0..1); ``true_loyalty`` (the latent L, unobservable in
        real life, kept for teaching).
    """
    n = as_whole_number(n, "n", minimum=10)
    p = LOYALTY_TRUE_PARAMS
    rng = np.random.default_rng(random_state)
    L = rng.standard_normal(n)
    cuts = np.asarray(p["cutpoints"])
    out: dict[str, np.ndarray] = {"customer_id": np.arange(1, n + 1)}
    factor_values = {}
    for factor, gamma in p["factor_gamma"].items():
        factor_values[factor] = gamma * L + np.sqrt(1 - gamma**2) * rng.standard_normal(n)
    prefix = {"satisfaction": "sat", "initiative": "init", "repurchase": "rep"}
    prefix |= {"recommend": "rec", "resistance": "res"}
    for item, lam in p["loadings"].items():
        factor = next(f for f, pre in prefix.items() if item.startswith(pre + "_"))
        latent = lam * factor_values[factor] + np.sqrt(1 - lam**2) * rng.standard_normal(n)
        answer = np.searchsorted(cuts, latent + p["item_shift"]) + 1
        out[item] = (6 - answer) if item in p["reversed"] else answer
    nps_raw = p["nps_mean"] + p["nps_slope"] * factor_values["recommend"]
    nps_raw = nps_raw + rng.normal(0.0, p["nps_noise"], n)
    out["nps_score"] = np.clip(np.round(nps_raw), 0, 10).astype(int)

    complained = rng.random(n) < _expit(p["complaint_intercept"] + p["complaint_loyalty"] * L)
    resolved = complained & (rng.random(n) < p["p_resolved"])
    days = np.round(rng.gamma(p["days_shape"], p["days_scale"], n), 1)
    fast = resolved & (days <= p["fast_days"])
    group = np.select(
        [~complained, fast, resolved],
        ["no complaint", "resolved fast", "resolved slowly"],
        default="not resolved",
    )
    rec_latent = np.where(resolved, 1.0 - 0.25 * days, -1.5) + 0.3 * L + rng.standard_normal(n)
    recovery_sat = np.searchsorted(cuts, rec_latent) + 1
    delta = np.vectorize(p["recovery_effect"].get)(group)
    logit = p["repurchase_intercept"] + p["repurchase_loyalty"] * L + delta
    repurchased = rng.random(n) < _expit(logit)
    log_spend = p["spend_intercept"] + p["spend_loyalty"] * L
    spend = np.exp(log_spend + rng.normal(0.0, p["spend_noise"], n))
    margin = rng.beta(*p["margin_beta"], n)

    out["complained"] = complained.astype(int)
    out["resolved"] = np.where(complained, resolved.astype(float), np.nan)
    out["resolution_days"] = np.where(resolved, days, np.nan)
    out["recovery_satisfaction"] = np.where(complained, recovery_sat.astype(float), np.nan)
    out["repurchased"] = repurchased.astype(int)
    out["spend"] = np.where(repurchased, np.round(spend, 2), 0.0)
    out["margin_rate"] = np.round(margin, 2)
    out["true_loyalty"] = L
    return pd.DataFrame(out)
