"""Benchmark: rfm_summary with a calibration split against lifetimes, on a simulated 10M-row log.

Run in the benchmark environment, where lifetimes is installed (it is never a crmlab
dependency)::

    make bench                      # builds .venv-bench with crmlab and lifetimes
    .venv-bench/bin/python benchmarks/bench_summary.py --n 10000000

Prints wall times (median of ``--repeat`` runs for crmlab, one run for lifetimes, which is
slow), their ratio, crmlab's peak traced memory, and checks both give the same summary.
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np
from _common import median_time

from crmlab.datasets import simulate_transaction_log
from crmlab.transactions import rfm_summary

CAL_END = "2021-06-30"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="transactions to simulate")
    parser.add_argument("--repeat", type=int, default=3, help="crmlab runs (median)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    tx = simulate_transaction_log(args.n, random_state=args.seed)
    obs_end = tx["date"].max()
    print(f"log: {len(tx):,} transactions, {tx['customer_id'].nunique():,} customers")

    def ours():
        return rfm_summary(tx, calibration_end=CAL_END, observation_end=obs_end, time_unit="D")

    t_ours, summary = median_time(ours, args.repeat)
    tracemalloc.start()
    ours()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"crmlab rfm_summary:  {t_ours:8.2f} s   peak traced memory {peak / 2**30:.2f} GiB")

    try:
        from lifetimes.utils import calibration_and_holdout_data
    except ImportError:
        print("lifetimes is not installed here: run inside .venv-bench (make bench) for the ratio")
        return

    def theirs():
        return calibration_and_holdout_data(
            tx,
            "customer_id",
            "date",
            calibration_period_end=CAL_END,
            observation_period_end=obs_end,
            freq="D",
            monetary_value_col="amount",
        )

    t_theirs, ref = median_time(theirs, 1)
    print(f"lifetimes calibration_and_holdout_data: {t_theirs:8.2f} s")
    print(f"ratio (lifetimes / crmlab): {t_theirs / t_ours:.1f}x")

    ref = ref.loc[summary.index]
    same = {
        col: bool(np.allclose(summary[col], ref[ref_col]))
        for col, ref_col in [
            ("frequency", "frequency_cal"),
            ("recency", "recency_cal"),
            ("T", "T_cal"),
            ("monetary_value", "monetary_value_cal"),
            ("frequency_holdout", "frequency_holdout"),
        ]
    }
    print(f"same results as lifetimes: {same}")


if __name__ == "__main__":
    main()
