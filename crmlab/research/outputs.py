"""What ``analyze`` writes: ``customers.parquet``, ``model.json`` and the self-contained ``report.html``.

Scores are streamed: the summary's engine runs the scoring join and applies
:func:`~crmlab.research.scoring.score_batch` chunk by chunk (Arrow batches appended to one
Parquet file on DuckDB and pandas; ``mapInPandas`` on the executors on Spark), so no step collects
the customers in memory. The report's tables of the written scores run on DuckDB with the SQL
of :mod:`crmlab.engines.sql`. The report is written by :mod:`crmlab.research.report` from its own
template, with figures embedded and no scripts.
"""

from __future__ import annotations

import json
import math
import shutil
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.engines import sql as q
from crmlab.engines.duckdb_backend import DuckDBBackend
from crmlab.engines.summary import TransactionSummary
from crmlab.inference import covariance_from_log
from crmlab.research.result import MODELS, AnalysisResult
from crmlab.research.scoring import ScoringContext, score_batch

__all__ = ["score_customers", "write_outputs", "load_result", "render_report"]

_BATCH = 500_000
#: Up to this many customers ``customers.parquet`` is sorted by id.
_SORTED_UP_TO = 2_000_000


def score_customers(
    summary: TransactionSummary, ctx: ScoringContext, out_dir: Path, *, csv: bool = False
) -> Path:
    """Score every customer in chunks on the summary's engine: ``customers.parquet`` (and ``.csv``).

    The engine runs the scoring join and writes the Parquet output
    (:meth:`crmlab.engines.Backend.write_scores`); small logs are sorted by customer id.
    """
    path = out_dir / "customers.parquet"
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    order = summary.counts.get("n_customers", 0) <= _SORTED_UP_TO
    summary.backend.write_scores(
        partial(score_batch, ctx=ctx), path, id_col=ctx.customer_col, order=order, rows=_BATCH
    )
    if csv:
        _write_csv(path, out_dir / "customers.csv")
    return path


def _write_csv(parquet: Path, csv: Path) -> None:
    """Copy a Parquet file (or folder of parts) to CSV batch by batch."""
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    data = ds.dataset(str(parquet), format="parquet")
    with pacsv.CSVWriter(str(csv), data.schema) as writer:
        for batch in data.to_batches():
            writer.write_batch(batch)


def _post_tables(path: Path, id_col: str) -> dict:
    """Tables computed from the written scores: segments, value matrix, CLV distribution."""
    scores = DuckDBBackend()
    try:
        scores.read_parquet("crm_scores", path)
        return _score_tables(scores, id_col)
    finally:
        scores.close()


def _score_tables(scores: DuckDBBackend, id_col: str) -> dict:
    segments = scores.frame(q.segments_sql())
    for col in ("customers", "revenue", "clv"):
        total = segments[col].sum()
        segments[f"{col}_share"] = segments[col] / total if total else np.nan
    cuts = scores.frame(q.medians_sql()).iloc[0]
    cur, pot = float(cuts["cur"]), float(cuts["pot"])
    matrix = scores.frame(q.value_matrix_sql(cur, pot))
    matrix["quadrant"] = [
        _QUADRANTS[(a, b)]
        for a, b in zip(matrix.current_value, matrix.potential_value, strict=True)
    ]
    matrix.attrs["cuts"] = {"current": cur, "potential": pot}
    probs = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)
    qs = scores.frame(q.clv_quantiles_sql(probs)).iloc[0]
    quantiles = pd.DataFrame(
        {"quantile": list(probs), "clv": [float(qs[f"q{i}"]) for i in range(len(probs))]}
    )
    hi = float(qs[f"q{len(probs) - 2}"]) or 1.0
    hist = scores.frame(q.clv_histogram_sql(hi / 40, 40))
    hist["clv_from"] = hist["bin"] * hi / 40
    return {
        "segments": segments,
        "value_matrix": matrix,
        "clv_quantiles": quantiles,
        "clv_histogram": hist,
        "top_customers": scores.frame(q.top_customers_sql(id_col, 10)),
    }


#: Names of the current x potential value quadrants.
_QUADRANTS = {
    ("high", "high"): "loyal (忠诚)",
    ("high", "low"): "repeat-purchase (重复购买)",
    ("low", "high"): "prospective (期望)",
    ("low", "low"): "ordinary (普通)",
}


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_outputs(result: AnalysisResult, *, render: bool) -> None:
    """Write ``model.json`` and the report data, then render ``report.html`` if asked."""
    out = result.out
    col = result.info["columns"]["customer"]
    result.tables.update(_post_tables(out / "customers.parquet", col))
    data = out / "report_data"
    data.mkdir(exist_ok=True)
    for name, table in result.tables.items():
        frame = table.reset_index() if not isinstance(table.index, pd.RangeIndex) else table
        frame.to_parquet(data / f"{name}.parquet", index=False)
    result.trust.to_parquet(data / "trust.parquet", index=False)
    result.info["value_matrix_cuts"] = result.tables["value_matrix"].attrs.get("cuts")
    (out / "model.json").write_text(
        json.dumps(_jsonable(result.info), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if render:
        result.report_path = render_report(out)


def load_result(out: str | Path) -> AnalysisResult:
    """Read an :class:`~crmlab.research.result.AnalysisResult` back from an output folder."""
    from crmlab.clv import GammaGamma

    out = Path(out)
    info = json.loads((out / "model.json").read_text(encoding="utf-8"))
    models = {}
    for name, spec in info["models"].items():
        models[name] = _model_from(MODELS[name], spec)
    models["spend"] = _model_from(GammaGamma, info["spend_model"])
    data = out / "report_data"
    tables = {p.stem: pd.read_parquet(p) for p in sorted(data.glob("*.parquet"))}
    trust = tables.pop("trust")
    for name in ("period_transactions", "calibration_holdout"):
        if name in tables:
            tables[name] = tables[name].set_index("frequency")
    if "value_matrix" in tables:
        tables["value_matrix"].attrs["cuts"] = info.get("value_matrix_cuts")
    for table in tables.values():
        table.attrs["time_unit"] = info["time_unit"]
    if info["periods"]["holdout"]:
        tables["tracking"].attrs["calibration_end"] = info["periods"]["calibration_end"]
    report = out / "report.html"
    return AnalysisResult(
        summary=None,
        models=models,
        model_name=info["chosen_model"],
        metrics=info["holdout_metrics"],
        equity=info["equity"],
        tables=tables,
        trust=trust,
        info=info,
        out=out,
        report_path=report if report.exists() else None,
    )


def _model_from(cls, spec: dict):
    m = cls.from_params(time_unit=spec["time_unit"], **spec["params"])
    m.standard_errors_ = {
        k: (np.nan if v is None else v) for k, v in spec["standard_errors"].items()
    }
    m.log_likelihood_ = spec["log_likelihood"]
    m.n_customers_ = spec["n_customers"]
    if spec.get("covariance_log") is not None:  # saved for the chosen and the spend model
        m.covariance_ = covariance_from_log(spec["params"], spec["covariance_log"])
    return m


def render_report(out: str | Path) -> Path:
    """Write the publishable ``report.html`` (with ``figures/`` and ``tables/``) for a saved result.

    See :mod:`crmlab.research.report`: its own template, no code, no script, figures embedded.
    """
    from crmlab.research.report import write_report

    return write_report(out)
