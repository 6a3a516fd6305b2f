"""Benchmark: the summary and ``crmlab analyze`` at 10^6 to 10^8 orders, wall time and peak memory.

Writes seeded firm exports (:func:`crmlab.datasets.simulate_firm_export`: BG/NBD buying with
r=0.25, alpha=4.0, a=0.8, b=2.5 and Gamma-Gamma spend with p=6, q=4, gamma=15; about 3.4 orders
per customer; text customer ids; a date column) as Parquet files of one million customers each
into ``--data``, then measures each step in its own process under ``/usr/bin/time -v``, so the
peak resident memory is the whole process's (DuckDB's and Arrow's allocations included), not
only Python's traced memory:

- the summary alone (``crmlab.engines.summarize`` and the distinct patterns) per engine;
- the anchor of the summary: a hand-written DuckDB aggregate of the same per-customer summary
  (same-day orders merged, then one ``GROUP BY`` with ``FILTER`` and ``arg_min``, written to
  Parquet, DuckDB limited to ``--memory-limit``);
- ``crmlab analyze --memory-limit`` end to end (summary, fits, intervals, scoring every customer
  into ``customers.parquet``; no report.html) on DuckDB; its progress lines give each stage's
  time, so the summary stage is compared with the anchor of the same run. The goals of issue 27
  are printed beside the numbers: 10^8 orders in under 120 s and 5 GB peak RSS with a 4 GB
  limit, the summary within 1.3x the anchor;
- ``crmlab analyze --engine spark`` at ``--spark-sizes`` on ``--spark-master`` (default
  ``local-cluster[2,1,2048]``: two workers of one core and 2 GB each, started by Spark for the
  run). Peak RSS from ``time -v`` is the largest single process it waited for (the Python
  driver: Spark's JVMs are not reaped by it), so the summed RSS of the process tree (Python,
  driver JVM, executor JVMs and their Python workers) is sampled as well;
- at 10^7 rows, the anchors measured in the same run: the pandas ``rfm_summary`` on the log
  already in memory, and lifetimes' ``calibration_and_holdout_data`` (run with
  ``--lifetimes-python``, the separate benchmark environment where lifetimes is installed; it is
  never a crmlab dependency).

Usage::

    .venv/bin/python benchmarks/bench_scale.py --sizes 1e6 1e7 \\
        --lifetimes-python .venv-bench/bin/python
    .venv/bin/python benchmarks/bench_scale.py --sizes 1e8 --engines duckdb --spark-sizes
    .venv/bin/python benchmarks/bench_scale.py --sizes 1e6 --engines duckdb --spark-sizes 1e6
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CAL_END = "2023-12-31"
ORDERS_PER_CUSTOMER = 3.387  # measured mean of the generator (same-day lines included)
BLOCK = 1_000_000  # customers per file
COLS = "customer_col='kundennr', date_col='bestelldatum', amount_col='umsatz_eur'"
#: Goals of issue 27 at 10^8 orders with a 4 GB limit (2 cores).
GOAL_SECONDS, GOAL_PEAK_GB, GOAL_RATIO = 120.0, 5.0, 1.3
#: A progress line of ``crmlab analyze``: ``[  12.3 s] summary   10.1 s ...``.
STAGE_LINE = re.compile(r"\] (\w+)\s+(\d+\.\d) s ")


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


def timed(argv: list[str], env: dict | None = None, tree: bool = False) -> dict:
    """Run ``argv`` under ``/usr/bin/time -v``; return wall seconds, peak RSS and its JSON output.

    ``time -v`` reports the largest single process it waited for. With ``tree`` (Spark: a
    Python driver, its JVM and the executors' JVMs) the summed RSS of the whole process tree is
    also sampled every half second (psutil) as ``tree_peak_gb``.
    """
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(  # output to files: a full pipe would stall the sampled run
            ["/usr/bin/time", "-v", *argv],
            stdout=out_file,
            stderr=err_file,
            text=True,
            env={**os.environ, **(env or {})},
        )
        tree_peak = _sample_tree(proc) if tree else None
        code = proc.wait()
        wall = time.perf_counter() - t0
        out_file.seek(0)
        err_file.seek(0)
        stdout, stderr = out_file.read(), err_file.read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    out = {"wall": wall, "peak_gb": int(rss.group(1)) * 1024 / 1e9 if rss else float("nan")}
    out["stages"] = {m[0]: float(m[1]) for m in STAGE_LINE.findall(stderr)}
    if tree_peak is not None:
        out["tree_peak_gb"] = tree_peak / 1e9
    out["warnings"] = sum(" WARN " in line for line in stderr.splitlines())  # log noise
    if code != 0:
        out["error"] = stderr[-2000:]
        return out
    for line in stdout.splitlines()[::-1]:
        if line.startswith("{"):
            out.update(json.loads(line))
            break
    return out


ANCHOR_CODE = """
import json, time, duckdb
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET memory_limit = ?", [{limit!r}])
con.execute("SET preserve_insertion_order = false")
cal = {cal!r}
con.execute(f\"\"\"
COPY (
  WITH days AS (  -- same-day orders merged
    SELECT kundennr AS customer, CAST(bestelldatum AS DATE) AS day, SUM(umsatz_eur) AS amount
    FROM read_parquet({files!r}) GROUP BY ALL
  )
  SELECT customer,
    MIN(day) AS first_day,
    MAX(day) FILTER (WHERE day <= DATE '{{cal}}') AS last_day_cal,
    COUNT(*) FILTER (WHERE day <= DATE '{{cal}}') - 1 AS frequency,
    COUNT(*) FILTER (WHERE day > DATE '{{cal}}') AS frequency_holdout,
    SUM(amount) FILTER (WHERE day <= DATE '{{cal}}') AS revenue_cal,
    SUM(amount) FILTER (WHERE day > DATE '{{cal}}') AS revenue_holdout,
    arg_min(amount, day) AS first_amount
  FROM days GROUP BY customer
) TO {out!r} (FORMAT parquet)\"\"\")
n = con.execute("SELECT COUNT(*) FROM read_parquet(?)", [{out!r}]).fetchone()[0]
print(json.dumps({{"seconds": time.perf_counter() - t0, "customers": n}}))
"""


def _sample_tree(proc: subprocess.Popen) -> int:
    """Largest summed RSS of ``proc`` and its descendants, sampled until it ends (bytes)."""
    import psutil

    root, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.5)
    return peak


def anchor_code(data: Path, out: Path, limit: str) -> str:
    """The hand-written DuckDB aggregate of the summary, the anchor of the summary stage."""
    files = str(data / "*.parquet")
    return ANCHOR_CODE.format(limit=limit, cal=CAL_END, files=files, out=str(out))


def analyze_argv(py: str, data: Path, out: Path, limit: str, extra: list[str]) -> list[str]:
    """``crmlab analyze`` on the benchmark export, with progress lines (parsed for stage times)."""
    return [
        py, "-m", "crmlab.cli", "analyze", str(data), "--customer-col", "kundennr",
        "--date-col", "bestelldatum", "--amount-col", "umsatz_eur", "--calibration-end", CAL_END,
        "--out", str(out), "--memory-limit", limit, "--no-report", "--overwrite", *extra,
    ]  # fmt: skip


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
    parser.add_argument("--sizes", nargs="*", type=float, default=[1e6, 1e7])
    parser.add_argument("--engines", default="duckdb,pandas", help="summary alone, comma-separated")
    parser.add_argument("--data", default="build/bench-data")
    parser.add_argument("--out", default="build/bench-out")
    parser.add_argument("--lifetimes-python", default=None, help="python with lifetimes")
    parser.add_argument("--memory-limit", default="4GB", help="crmlab's and the anchor's limit")
    parser.add_argument("--no-analyze", action="store_true")
    parser.add_argument("--spark-sizes", nargs="*", type=float, default=[1e7])
    parser.add_argument("--spark-master", default="local-cluster[2,1,2048]")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    py = sys.executable
    limit = args.memory_limit
    env = {"CRMLAB_MEMORY_LIMIT": limit, "MPLBACKEND": "Agg"}
    rows_out = []
    verdicts = []

    def record(size, step, res):
        rows_out.append((size, step, res))
        extra = f" error: {res['error'][-300:]}" if "error" in res else ""
        print(
            f"{size:.0e}  {step:<46} {res.get('seconds', res['wall']):8.1f} s  "
            f"(process {res['wall']:.1f} s, peak {res['peak_gb']:.2f} GB"
            + (f", process tree {res['tree_peak_gb']:.2f} GB" if "tree_peak_gb" in res else "")
            + f"){extra}",
            flush=True,
        )
        if res["warnings"]:
            print(f"    {res['warnings']} WARN lines in its output")
        if res["stages"]:
            print("    stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in res["stages"].items()))

    for size in sorted(set(args.sizes) | set(args.spark_sizes)):
        n = int(size)
        t0 = time.perf_counter()
        data = write_data(n, Path(args.data))
        meta = json.loads((data / "_done.json").read_text())
        print(
            f"data {data}: {meta['rows']:,} orders, {meta['customers']:,} customers "
            f"({time.perf_counter() - t0:.0f} s to write or find)",
            flush=True,
        )
        out = Path(args.out) / data.name
        out.mkdir(parents=True, exist_ok=True)
        if size in args.sizes:
            for engine in engines:
                if engine == "pandas" and n > 10**7:
                    continue
                res = timed([py, "-c", summary_code(data, engine)], env)
                record(size, f"summary alone, {engine}", res)
            if n == 10**7 or (n < 10**7 and args.lifetimes_python):
                code = PANDAS_CODE.format(data=str(data), call=RFM_CALL.format(cal=CAL_END))
                record(size, "anchor: pandas rfm_summary (in memory)", timed([py, "-c", code]))
                if args.lifetimes_python:
                    call = LIFETIMES_CALL.format(cal=CAL_END)
                    code = PANDAS_CODE.format(data=str(data), call=call)
                    res = timed([args.lifetimes_python, "-c", code])
                    record(size, "anchor: lifetimes calibration_and_holdout", res)
            anchor = timed([py, "-c", anchor_code(data, out / "anchor.parquet", limit)])
            record(size, f"anchor: hand-written DuckDB aggregate ({limit})", anchor)
            if not args.no_analyze:
                res = timed(
                    analyze_argv(py, data, out / "duckdb", limit, []), {"MPLBACKEND": "Agg"}
                )
                record(size, f"crmlab analyze --memory-limit {limit}, duckdb", res)
                verdicts.append((size, res, anchor))
        if size in args.spark_sizes and not args.no_analyze:
            extra = ["--engine", "spark", "--spark-master", args.spark_master]
            argv = analyze_argv(py, data, out / "spark", limit, extra)
            res = timed(argv, {"MPLBACKEND": "Agg"}, tree=True)
            record(size, f"crmlab analyze, spark {args.spark_master}", res)
    print("\n| orders | step | seconds | peak RSS (GB) |\n|---|---|---|---|")
    for size, step, res in rows_out:
        secs = res.get("seconds", res["wall"])
        print(f"| {size:.0e} | {step} | {secs:.1f} | {res['peak_gb']:.2f} |")
    nan = float("nan")
    for size, res, anchor in verdicts:
        summary, hand = res["stages"].get("summary", nan), anchor.get("seconds", nan)
        print(
            f"\n{size:.0e} orders, crmlab analyze --memory-limit {limit} "
            "(the goals are for 1e8 orders, 4GB, 2 cores):\n"
            f"  end to end   {res['wall']:7.1f} s    goal < {GOAL_SECONDS:.0f} s\n"
            f"  peak RSS     {res['peak_gb']:7.2f} GB   goal < {GOAL_PEAK_GB:.0f} GB\n"
            f"  summary / hand-written aggregate = {summary:.1f} s / {hand:.1f} s "
            f"= {summary / hand:.2f}x    goal <= {GOAL_RATIO}x"
        )


if __name__ == "__main__":
    main()
