"""Benchmark: the cost of ``analyze(uncertainty="bootstrap")`` at 10^6 and 10^7 orders.

The bootstrap refits the transaction and spend models on resampled customers, on the weighted
(frequency, recency, T) patterns, and re-evaluates customer equity at every refit; its cost
grows with the number of distinct patterns, not of orders. This script writes the seeded firm
export of :mod:`bench_scale` (BG/NBD r=0.25, alpha=4.0, a=0.8, b=2.5; Gamma-Gamma p=6, q=4,
gamma=15) and runs ``analyze`` in its own process under ``/usr/bin/time -v`` twice per size:
with ``uncertainty="delta"`` (the anchor, measured in the same run) and with
``uncertainty="bootstrap"`` (``--samples`` refits, default 200). It prints the wall time of
the uncertainty stage in each, the ratio bootstrap / delta, and the processes' peak memory.

Usage::

    .venv/bin/python benchmarks/bench_bootstrap.py --sizes 1e6 1e7
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import CAL_END, COLS, timed, write_data  # noqa: E402

CODE = """
import json, time
from crmlab.research import analyze, pipeline
stages = {{}}
real = pipeline.estimate_uncertainty
def timed_stage(*args, **kwargs):
    t0 = time.perf_counter()
    out = real(*args, **kwargs)
    stages["uncertainty"] = time.perf_counter() - t0
    return out
pipeline.estimate_uncertainty = timed_stage
t0 = time.perf_counter()
r = analyze({data!r}, {cols}, calibration_end={cal!r}, uncertainty={method!r},
            bootstrap_samples={samples}, report=False, quiet=True, out={out!r})
print(json.dumps({{"seconds": time.perf_counter() - t0, "uncertainty": stages["uncertainty"],
                  "patterns": r.info["counts"]["n_patterns"], "method": r.equity["method"]}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--data", default="build/bench-data")
    parser.add_argument("--out", default="build/bench-out")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory limit")
    args = parser.parse_args()
    env = {"CRMLAB_MEMORY_LIMIT": args.memory_limit, "MPLBACKEND": "Agg"}
    for size in args.sizes:
        data = write_data(int(size), Path(args.data))
        res = {}
        for method in ("delta", "bootstrap"):
            code = CODE.format(
                data=str(data), cols=COLS, cal=CAL_END, method=method, samples=args.samples,
                out=str(Path(args.out) / f"boot-{method}-{size:.0e}"),
            )  # fmt: skip
            res[method] = r = timed([sys.executable, "-c", code], env)
            if "error" in r:
                print(f"{size:.0e} {method}: error {r['error'][-400:]}")
                continue
            print(
                f"{size:.0e}  {method:<9} analyze {r['seconds']:7.1f} s, uncertainty stage "
                f"{r['uncertainty']:7.1f} s on {r['patterns']:,} patterns, peak "
                f"{r['peak_gb']:.2f} GB ({r['method']})"
            )
        if all("uncertainty" in r for r in res.values()):
            ratio = res["bootstrap"]["uncertainty"] / res["delta"]["uncertainty"]
            print(f"{size:.0e}  bootstrap / delta (uncertainty stage): {ratio:.1f}x")


if __name__ == "__main__":
    main()
