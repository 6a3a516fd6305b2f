"""Benchmark: crmlab's buy-till-you-die models against lifetimes, on the CDNOW master log.

Run in the benchmark environment, where lifetimes is installed (it is never a crmlab
dependency)::

    make bench                      # builds .venv-bench with crmlab and lifetimes
    CRMLAB_DATA=../shared/data .venv-bench/bin/python benchmarks/bench_btyd.py

For each model available in crmlab (BG/NBD, MBG/NBD, Pareto/NBD; Gamma-Gamma and BG/BB when
present) it fits crmlab's and lifetimes' versions (median of ``--repeat`` runs each) and prints
the wall times, their ratio (with the goal for BG/NBD, Pareto/NBD and Gamma-Gamma, and whether
this run met it) and both log-likelihoods in weeks. The machine's load average is printed
first: on a busy machine both sides slow down, but not always by the same factor. lifetimes reports
``_negative_log_likelihood_`` as a mean on a rescaled time axis, so its log-likelihood is
recomputed here with crmlab's likelihood at lifetimes' parameters. Last, BG/NBD on 1,000,000
simulated customers (crmlab only).
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np
import pandas as pd
from _common import median_time

from crmlab.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from crmlab.clv.bgnbd import bgnbd_log_likelihood
from crmlab.clv.mbgnbd import mbgnbd_log_likelihood
from crmlab.clv.paretonbd import paretonbd_log_likelihood
from crmlab.datasets import load_cdnow, load_donations
from crmlab.transactions import rfm_summary

try:  # written concurrently; the benchmark works with or without them
    from crmlab.clv import GammaGamma
except (ImportError, AttributeError):  # pragma: no cover
    GammaGamma = None
try:
    from crmlab.clv import BetaGeoBetaBinom
except (ImportError, AttributeError):  # pragma: no cover
    BetaGeoBetaBinom = None

CAL_END = "1997-09-30"
#: Speed-ups over lifetimes that crmlab aims for (issue #27), measured in the same run.
GOALS = {"BG/NBD": 20.0, "Pareto/NBD": 50.0, "Gamma-Gamma": 5.0}


def _row(name, ours_s, theirs_s, ll_ours, ll_theirs):
    rel = abs(ll_ours - ll_theirs) / abs(ll_theirs) if np.isfinite(ll_theirs) else float("nan")
    ratio = theirs_s / ours_s if ours_s > 0 else float("nan")
    goal = GOALS.get(name)
    return {
        "model": name,
        "crmlab s": ours_s,
        "lifetimes s": theirs_s,
        "ratio": ratio,
        "goal": f">= {goal:g}x" if goal else "-",
        "met": ("yes" if ratio >= goal else "NO") if goal else "-",
        "LL crmlab": ll_ours,
        "LL lifetimes": ll_theirs,
        "rel diff": rel,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per fit (median)")
    parser.add_argument("--n-sim", type=int, default=1_000_000, help="simulated customers")
    args = parser.parse_args()

    import lifetimes

    if hasattr(os, "getloadavg"):
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    summary = rfm_summary(load_cdnow(sample=False), calibration_end=CAL_END)
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    print(
        f"CDNOW master, calibration to {CAL_END}: {len(summary):,} customers, "
        f"{int((x > 0).sum()):,} repeaters (lifetimes {lifetimes.__version__})"
    )
    rows = []
    counting = [
        (
            "BG/NBD",
            BetaGeo,
            lifetimes.BetaGeoFitter,
            bgnbd_log_likelihood,
            ("r", "alpha", "a", "b"),
        ),
        (
            "MBG/NBD",
            ModifiedBetaGeo,
            lifetimes.ModifiedBetaGeoFitter,
            mbgnbd_log_likelihood,
            ("r", "alpha", "a", "b"),
        ),
        (
            "Pareto/NBD",
            ParetoNBD,
            lifetimes.ParetoNBDFitter,
            paretonbd_log_likelihood,
            ("r", "alpha", "s", "beta"),
        ),
    ]
    for name, ours, theirs, loglik, names in counting:
        t_ours, model = median_time(lambda ours=ours: ours().fit(summary), args.repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_theirs, fitter = median_time(
                lambda theirs=theirs: theirs().fit(
                    summary["frequency"], summary["recency"], summary["T"]
                ),
                args.repeat,
            )
        params = [float(fitter.params_[k]) for k in names]
        ll_theirs = float(loglik(params, x, tx, T).sum())
        rows.append(_row(name, t_ours, t_theirs, model.log_likelihood_, ll_theirs))

    if GammaGamma is not None:
        spend = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        t_ours, gg = median_time(lambda: GammaGamma().fit(spend), args.repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_theirs, ggf = median_time(
                lambda: lifetimes.GammaGammaFitter().fit(
                    spend["frequency"], spend["monetary_value"]
                ),
                args.repeat,
            )
        theirs_model = GammaGamma.from_params(
            p=float(ggf.params_["p"]), q=float(ggf.params_["q"]), gamma=float(ggf.params_["v"])
        )
        ll_theirs = float(theirs_model.log_likelihood_individual(spend).sum())
        rows.append(_row("Gamma-Gamma", t_ours, t_theirs, gg.log_likelihood_, ll_theirs))

    if BetaGeoBetaBinom is not None:
        don = load_donations()
        t_ours, bb = median_time(
            lambda: BetaGeoBetaBinom().fit(don, weights_col="weights"), args.repeat
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_theirs, bbf = median_time(
                lambda: lifetimes.BetaGeoBetaBinomFitter().fit(
                    don["frequency"], don["recency"], don["periods"], weights=don["weights"]
                ),
                args.repeat,
            )
        theirs_model = BetaGeoBetaBinom.from_params(
            time_unit="Y", **{k: float(bbf.params_[k]) for k in ("alpha", "beta", "gamma", "delta")}
        )
        per_row = theirs_model.log_likelihood_individual(don).to_numpy()
        ll_theirs = float(per_row @ don["weights"].to_numpy())
        rows.append(_row("BG/BB (donations)", t_ours, t_theirs, bb.log_likelihood_, ll_theirs))

    table = pd.DataFrame(rows).set_index("model")
    with pd.option_context("display.width", 160, "display.float_format", "{:,.4g}".format):
        print(
            table.to_string(
                formatters={"LL crmlab": "{:,.3f}".format, "LL lifetimes": "{:,.3f}".format}
            )
        )

    # BG/NBD on many simulated customers: observation windows like CDNOW's (27-39 weeks)
    truth = BetaGeo.from_params(r=0.2516, alpha=4.7889, a=0.7234, b=2.1611)
    rng = np.random.default_rng(0)
    T_sim = rng.integers(27 * 7, 39 * 7 + 1, args.n_sim) / 7
    sim = truth.simulate(args.n_sim, T_sim, random_state=1)
    days = sim.copy()
    days["recency"] = np.round(days["recency"] * 7) / 7  # whole days, as rfm_summary gives
    t_days, fit_days = median_time(lambda: BetaGeo().fit(days), args.repeat)
    t_cont, fit_cont = median_time(lambda: BetaGeo().fit(sim), 1)
    print(
        f"\nBG/NBD on {args.n_sim:,} simulated customers (crmlab only): "
        f"{t_days:.3f} s with times in whole days (as from rfm_summary), "
        f"{t_cont:.3f} s with continuous times (no repeated rows to collapse)."
    )
    print(
        "  estimates (truth 0.2516, 4.789, 0.7234, 2.161): "
        + ", ".join(f"{k}={v:.4f}" for k, v in fit_days.params_.items())
    )


if __name__ == "__main__":
    main()
