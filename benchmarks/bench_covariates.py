"""Benchmark: Pareto/NBD with static covariates, on CLVTools' apparel data and simulated customers.

Run::

    CRMLAB_DATA=../shared/data /usr/bin/time -v python benchmarks/bench_covariates.py

Each covariate fit is timed against an anchor measured in the same run, the same model fitted
without covariates on the same data (median of ``--repeat`` runs each), so the ratio says what
the covariates cost independently of the machine. The simulated part draws ``--n-sim``
customers (default 1,000,000) with two 0/1 covariates from a model with known coefficients
(recency and T rounded to whole days, as a real summary is) and reports the recovered
coefficients. Peak memory: read ``Maximum resident set size`` from ``/usr/bin/time -v``; the
script also prints the process's own peak.
"""

from __future__ import annotations

import argparse
import resource

import numpy as np
import pandas as pd
from _common import median_time

from crmlab.clv import ParetoNBD
from crmlab.datasets import load_apparel_covariates, load_apparel_transactions
from crmlab.transactions import rfm_summary

COVS = ["gender", "channel"]
TRUTH = dict(r=0.8, alpha=8.0, s=0.7, beta=12.0)
COEFS = {"purchase": {"x1": 0.5, "x2": -0.4}, "dropout": {"x1": 0.6, "x2": 0.2}}


def _apparel(repeat: int) -> None:
    summary = rfm_summary(load_apparel_transactions(), calibration_end="2006-12-31")
    data = summary.join(load_apparel_covariates().set_index("customer_id"))
    data.attrs = summary.attrs
    anchor, plain = median_time(lambda: ParetoNBD().fit(data), repeat)
    rows = [("no covariates (anchor)", anchor, plain.log_likelihood_)]
    for label, kw in [
        ("gender + channel, both processes", {}),
        ("gender shared", {"shared_covariates": ["gender"]}),
    ]:
        seconds, fit = median_time(
            lambda kw=kw: ParetoNBD().fit(
                data, purchase_covariates=COVS, dropout_covariates=COVS, **kw
            ),
            repeat,
        )
        rows.append((label, seconds, fit.log_likelihood_))
    print(f"apparel data (CLVTools), {len(data):,} customers, 104 weeks, median of {repeat}:")
    for label, seconds, ll in rows:
        print(f"  {label:<34} {seconds:7.3f} s  x{seconds / anchor:5.1f}  LL {ll:.3f}")


def _simulated(n: int, repeat: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    covs = pd.DataFrame({"x1": rng.integers(0, 2, n), "x2": rng.integers(0, 2, n)})
    truth = ParetoNBD.from_params(**TRUTH).with_coefficients(**COEFS)
    data = truth.simulate_customers(covs, 52.0, random_state=seed)
    data["recency"] = np.floor(data["recency"] * 7) / 7  # whole days, in weeks
    anchor, plain = median_time(lambda: ParetoNBD().fit(data), repeat)
    seconds, fit = median_time(
        lambda: ParetoNBD().fit(
            data, purchase_covariates=["x1", "x2"], dropout_covariates=["x1", "x2"]
        ),
        repeat,
    )
    print(f"simulated, {n:,} customers, T = 52 weeks, median of {repeat}:")
    print(f"  {'no covariates (anchor)':<34} {anchor:7.3f} s  x  1.0")
    print(f"  {'x1 + x2, both processes':<34} {seconds:7.3f} s  x{seconds / anchor:5.1f}")
    table = fit.coefficients_
    for (process, col), row in table.iterrows():
        true = COEFS[process][col]
        print(
            f"  {process}:{col} true {true:+.2f} estimate {row['estimate']:+.4f} (se {row['se']:.4f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per fit (median)")
    parser.add_argument("--n-sim", type=int, default=1_000_000, help="simulated customers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _apparel(args.repeat)
    _simulated(args.n_sim, max(1, args.repeat // 3), args.seed)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
