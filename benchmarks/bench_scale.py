"""Benchmark: the summary and ``crmlab analyze`` at 10^6 to 10^8 orders, wall time and peak memory.

Writes seeded firm exports (:func:`crmlab.datasets.simulate_firm_export`: BG/NBD buying with
r=0.25, alpha=4.0, a=0.8, b=2.5 and Gamma-Gamma spend with p=6, q=4, gamma=15; about 3.4 orders
per customer; text customer ids; a date column) as Parquet files of one million customers each
into ``--data``, then measures each step in its own process under ``/usr/bin/time -v``, so the
peak resident memory is the whole process's (DuckDB's and Arrow's allocations included), not
only Python's traced memory:

- the summary alone (``crmlab.engines.summarize`` and the distinct patterns) per engine;
- ``crmlab analyze`` end to end (summary, fits, intervals, scoring every customer into
  ``customers.parquet``, report) on DuckDB;
- at 10^7 rows, the anchors measured in the same run: the pandas ``rfm_summary`` on the log
  already in memory, and lifetimes' ``calibration_and_holdout_data`` (run with
  ``--lifetimes-python``, the separate benchmark environment where lifetimes is installed; it is
  never a crmlab dependency).

Usage::

    .venv/bin/python benchmarks/bench_scale.py --sizes 1e6 1e7 \\
        --lifetimes-python .venv-bench/bin/python
    .venv/bin/python benchmarks/bench_scale.py --sizes 1e8 --engines duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

CAL_END = "2023-12-31"
ORDERS_PER_CUSTOMER = 3.387  # measured mean of the generator (same-day lines included)
BLOCK = 1_000_000  # customers per file
COLS = "customer_col='kundennr', date_col='bestelldatum', amount_col='umsatz_eur'"


def write_data(n_rows: int, folder: Path) -> Path:
    """Write the seeded export of about ``n_rows`` orders (once; reused when present)."""
    from crmlab.datasets import simulate_firm_export

    target = folder / f"n{n_rows:.0e}".replace("+", "")
    done = target / "_done.json"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    n_customers = int(n_rows / ORDERS_PER_CUSTOMER)
    rows = 0
    for b, start in enumerate(range(0, n_customers, BLOCK)):
        frame = simulate_firm_export(
            min(BLOCK, n_customers - start),
            id_offset=start,
            text_dates=False,
            random_state=[n_rows, b],
        )
        frame.to_parquet(target / f"orders_{b:03d}.parquet", index=False)
        rows += len(frame)
    done.write_text(json.dumps({"rows": rows, "customers": n_customers}))
    return target


def timed(argv: list[str], env: dict | None = None) -> dict:
    """Run ``argv`` under ``/usr/bin/time -v``; return wall seconds, peak RSS and its JSON output."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    out = {"wall": wall, "peak_gb": int(rss.group(1)) / 2**20 if rss else float("nan")}
    if proc.returncode != 0:
        out["error"] = proc.stderr[-2000:]
        return out
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith("{"):
            out.update(json.loads(line))
            break
    return out


def summary_code(data: Path, engine: str) -> str:
    return f"""
import json, time
t0 = time.perf_counter()
from crmlab.engines import summarize
s = summarize({str(data)!r}, {COLS}, calibration_end={CAL_END!r}, engine={engine!r})
p = s.patterns()
print(json.dumps({{"seconds": time.perf_counter() - t0, "customers": s.counts["n_customers"],
                  "rows": s.counts["n_rows"], "patterns": len(p)}}))
"""


PANDAS_CODE = """
import json, time, pandas as pd, glob
frames = [pd.read_parquet(p) for p in sorted(glob.glob({data!r} + "/*.parquet"))]
tx = pd.concat(frames, ignore_index=True)
{call}
t0 = time.perf_counter()
out = run()
print(json.dumps({{"seconds": time.perf_counter() - t0, "customers": len(out)}}))
"""
RFM_CALL = """from crmlab.transactions import rfm_summary
def run():
    return rfm_summary(tx, customer_col="kundennr", date_col="bestelldatum",
                       amount_col="umsatz_eur", calibration_end={cal!r}, time_unit="W")"""
LIFETIMES_CALL = """from lifetimes.utils import calibration_and_holdout_data
def run():
    return calibration_and_holdout_data(tx, "kundennr", "bestelldatum", calibration_period_end={cal!r},
                                        observation_period_end=tx["bestelldatum"].max(), freq="W",
                                        monetary_value_col="umsatz_eur")"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--engines", default="duckdb,pandas", help="comma-separated")
    parser.add_argument("--data", default="build/bench-data")
    parser.add_argument("--out", default="build/bench-out")
    parser.add_argument("--lifetimes-python", default=None, help="python with lifetimes")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory limit")
    parser.add_argument("--no-analyze", action="store_true")
    args = parser.parse_args()
    engines = args.engines.split(",")
    py = sys.executable
    env = {"CRMLAB_MEMORY_LIMIT": args.memory_limit, "MPLBACKEND": "Agg"}
    rows_out = []

    def record(size, step, res, anchor=None):
        rows_out.append((size, step, res, anchor))
        extra = f" error: {res['error'][-300:]}" if "error" in res else ""
        print(
            f"{size:.0e}  {step:<40} {res.get('seconds', res['wall']):8.1f} s  "
            f"(process {res['wall']:.1f} s, peak {res['peak_gb']:.2f} GB){extra}",
            flush=True,
        )

    for size in args.sizes:
        n = int(size)
        t0 = time.perf_counter()
        data = write_data(n, Path(args.data))
        meta = json.loads((data / "_done.json").read_text())
        print(
            f"data {data}: {meta['rows']:,} orders, {meta['customers']:,} customers "
            f"({time.perf_counter() - t0:.0f} s to write or find)",
            flush=True,
        )
        for engine in engines:
            if engine == "pandas" and n > 10**7:
                continue
            res = timed([py, "-c", summary_code(data, engine)], env)
            record(size, f"summary, {engine}", res)
        if n == 10**7 or (n < 10**7 and args.lifetimes_python):
            res = timed(
                [py, "-c", PANDAS_CODE.format(data=str(data), call=RFM_CALL.format(cal=CAL_END))]
            )
            record(size, "anchor: pandas rfm_summary (in memory)", res)
            if args.lifetimes_python:
                code = PANDAS_CODE.format(data=str(data), call=LIFETIMES_CALL.format(cal=CAL_END))
                res = timed([args.lifetimes_python, "-c", code])
                record(size, "anchor: lifetimes calibration_and_holdout", res)
        if not args.no_analyze:
            out = Path(args.out) / data.name
            argv = [
                py, "-m", "crmlab.cli", "analyze", str(data), "--customer-col", "kundennr",
                "--date-col", "bestelldatum", "--amount-col", "umsatz_eur",
                "--calibration-end", CAL_END, "--out", str(out), "--quiet",
            ]  # fmt: skip
            res = timed(argv, env)
            record(size, "crmlab analyze end to end, duckdb", res)
    print("\n| orders | step | seconds | peak RSS (GB) |\n|---|---|---|---|")
    for size, step, res, _ in rows_out:
        secs = res.get("seconds", res["wall"])
        print(f"| {size:.0e} | {step} | {secs:.1f} | {res['peak_gb']:.2f} |")


if __name__ == "__main__":
    main()
