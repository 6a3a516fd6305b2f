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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.engines import sql as q
from crmlab.engines.duckdb_backend import DuckDBBackend
from crmlab.engines.summary import TransactionSummary
from crmlab.errors import CRMLabInputError
from crmlab.inference import covariance_from_log
from crmlab.research.result import MODELS, AnalysisResult
from crmlab.research.result_schema import (
    SCHEMA_VERSION,
    read_info,
    scores_sha256,
    validate_info,
)
from crmlab.research.scoring import ScoringContext, output_names, score_batch

__all__ = ["score_customers", "write_outputs", "load_result", "render_report"]

_BATCH = 500_000
#: Up to this many customers ``customers.parquet`` is sorted by id.
_SORTED_UP_TO = 2_000_000


def score_customers(
    summary: TransactionSummary,
    ctx: ScoringContext,
    out_dir: Path,
    *,
    csv: bool = False,
    rows: int = _BATCH,
    on_chunk: Callable[[int], Any] | None = None,
) -> Path:
    """Score every customer in chunks on the summary's engine: ``customers.parquet`` (and ``.csv``).

    The engine runs the scoring join and writes the Parquet output
    (:meth:`crmlab.engines.Backend.write_scores`) in chunks of at most ``rows`` customers
    (sized from the memory budget); small logs are sorted by customer id. ``on_chunk(n)`` is
    called after each chunk scored in this process (a progress bar).
    """
    path = out_dir / "customers.parquet"  # out_dir is the run's own new folder
    order = summary.counts.get("n_customers", 0) <= _SORTED_UP_TO
    score: Callable[[pd.DataFrame], pd.DataFrame] = partial(score_batch, ctx=ctx)
    if on_chunk is not None:
        score = partial(_observed, score=score, on_chunk=on_chunk)
    summary.backend.write_scores(score, path, id_col=ctx.customer_col, order=order, rows=rows)
    if csv:
        _write_csv(path, out_dir / "customers.csv")
    return path


def _observed(
    chunk: pd.DataFrame,
    *,
    score: Callable[[pd.DataFrame], pd.DataFrame],
    on_chunk: Callable[[int], Any],
) -> pd.DataFrame:
    out = score(chunk)
    on_chunk(len(chunk))
    return out


def _write_csv(parquet: Path, csv: Path) -> None:
    """Copy a Parquet file (or folder of parts) to CSV batch by batch.

    Text cells starting like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab, carriage
    return) get a leading apostrophe (:mod:`crmlab.safety`); ``customers.parquet`` keeps the
    ids as they are.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    from crmlab.safety import spreadsheet_safe_column

    data = ds.dataset(str(parquet), format="parquet")
    text = [
        i
        for i, f in enumerate(data.schema)
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    with pacsv.CSVWriter(str(csv), data.schema) as writer:
        for batch in data.to_batches():
            columns = [
                spreadsheet_safe_column(c) if i in text else c for i, c in enumerate(batch.columns)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=data.schema))


def _post_tables(
    path: Path, id_col: str, names: dict[str, str], engine: Any = None, memory: dict | None = None
) -> dict:
    """Tables computed from the written scores: segments, value matrix, CLV distribution.

    They run on the run's own DuckDB database when ``engine`` is one (one memory budget for
    both); otherwise on a new one given the Python share of the budget ``memory`` (the
    ``memory`` entry of ``model.json``), as the engine (a local Spark driver) holds the rest.
    """
    own = not isinstance(engine, DuckDBBackend)
    if own:
        limit = None if memory is None else memory["limit_bytes"] - memory["engine_bytes"]
        engine = DuckDBBackend(memory_limit=None if limit is None else f"{limit // 2**20}MiB")
    try:
        engine.read_parquet("crm_scores_file", path)
        engine.view("crm_scores", q.scores_view_sql(id_col, names, "crm_scores_file"))
        return _score_tables(engine, id_col, names)
    finally:
        if own:
            engine.close()


def _score_tables(scores: DuckDBBackend, id_col: str, names: dict[str, str]) -> dict:
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
        "top_customers": scores.frame(q.top_customers_sql(id_col, 10, names)),
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
    names = output_names(col, bool(result.info["periods"]["holdout"]))
    result.info["output_columns"] = names
    engine = None if result.summary is None else result.summary.backend
    tables = _post_tables(out / "customers.parquet", col, names, engine, result.info.get("memory"))
    result.tables.update(tables)
    data = out / "report_data"
    data.mkdir(exist_ok=True)
    for name, table in result.tables.items():
        frame = table.reset_index() if not isinstance(table.index, pd.RangeIndex) else table
        frame.to_parquet(data / f"{name}.parquet", index=False)
    result.trust.to_parquet(data / "trust.parquet", index=False)
    result.info["value_matrix_cuts"] = result.tables["value_matrix"].attrs.get("cuts")
    result.info["schema_version"] = SCHEMA_VERSION
    result.info["customers_sha256"] = scores_sha256(out / "customers.parquet")
    (out / "model.json").write_text(
        json.dumps(_jsonable(result.info), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if render:
        result.report_path = render_report(out)


def load_result(out: str | Path) -> AnalysisResult:
    """Read an :class:`~crmlab.research.result.AnalysisResult` back from an output folder."""
    from crmlab.clv import GammaGamma

    out = Path(out)
    path = out / "model.json"
    info = read_info(path)
    validate_info(info, path)
    scores = out / "customers.parquet"
    if not scores.exists() or scores_sha256(scores) != info["customers_sha256"]:
        raise CRMLabInputError(
            f"{scores}: missing, or not the file of this run (its sha256 differs from "
            f"'customers_sha256' in {path}). Fix: run crmlab analyze again; never edit a "
            "result folder by hand."
        )
    models = {}
    for name, spec in info["models"].items():
        models[name] = _model_from(MODELS[name], spec)
    models["spend"] = _model_from(GammaGamma, info["spend_model"])
    _check_scores_match(models[info["chosen_model"]], scores, info, path)
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


def _check_scores_match(model: Any, scores: Path, info: dict, path: Path) -> None:
    """The model of ``model.json`` must give the P(alive) written in ``customers.parquet``."""
    import pyarrow.dataset as ds

    names = {**output_names(info["columns"]["customer"], info["periods"]["holdout"])}
    names.update(info.get("output_columns") or {})
    cols = [names[c] for c in ("frequency", "recency", "T", "p_alive")]
    try:
        head = ds.dataset(str(scores), format="parquet").head(50, columns=cols).to_pandas()
    except Exception as exc:  # noqa: BLE001 - any unreadable scores file gets this message
        raise CRMLabInputError(
            f"{scores} cannot be read as this run's scores ({type(exc).__name__}). Fix: run "
            "crmlab analyze again."
        ) from None
    frame = head[cols[:3]].set_axis(["frequency", "recency", "T"], axis=1)
    got = model.probability_alive(frame, time_unit=info["time_unit"]).to_numpy()
    gap = float(np.max(np.abs(got - head[cols[3]].to_numpy()), initial=0.0))
    if not gap <= 1e-6:
        raise CRMLabInputError(
            f"{path}: key 'models.{info['chosen_model']}.params' does not give the p_alive "
            f"written in {scores.name} (they differ by up to {gap:.3g}); one of the files was "
            "changed after the run. Fix: run crmlab analyze again."
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

    return write_report(load_result(out), out)
