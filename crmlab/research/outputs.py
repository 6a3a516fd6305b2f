"""What ``analyze`` writes: ``customers.parquet``, ``model.json`` and the self-contained ``report.html``.

Scores are streamed: on DuckDB the customers joined to their pattern's scores come back as Arrow
record batches that are scored and appended to the Parquet file one chunk at a time; on Spark
the same :func:`~crmlab.research.scoring.score_batch` runs on the executors with
``mapInPandas`` and Spark writes the Parquet files, so no step collects the customers on the
driver. The report is the lesson-10 research template executed by papermill on the saved
result and rendered by nbconvert without code cells, with figures embedded and no scripts.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.engines import sql as q
from crmlab.inference import covariance_from_log
from crmlab.research.scoring import ScoringContext, score_batch

__all__ = ["score_customers", "write_outputs", "load_result", "render_report", "TEMPLATE"]

#: The research template (identical to ``notebooks/10_research_template.ipynb``).
TEMPLATE = Path(__file__).with_name("template.ipynb")
_BATCH = 500_000


def score_customers(summary, ctx: ScoringContext, out_dir: Path, *, csv: bool = False) -> Path:
    """Score every customer in chunks and write ``customers.parquet`` (and ``.csv``)."""
    path = out_dir / "customers.parquet"
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    if summary.engine == "spark":
        _score_spark(summary, ctx, path)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        order = summary.counts.get("n_customers", 0) <= 2_000_000
        writer = None
        try:
            for batch in summary.backend.arrow_batches(q.scoring_sql(order), _BATCH):
                # the ids pass through as Arrow (no round trip through Python strings)
                ids = batch.column(batch.schema.get_field_index("customer"))
                rest = pa.Table.from_batches([batch]).drop_columns(["customer"]).to_pandas()
                table = pa.Table.from_pandas(score_batch(rest, ctx), preserve_index=False)
                table = table.add_column(0, ctx.customer_col, ids)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    if csv:
        import duckdb

        src = _parquet_glob(path)
        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{out_dir / 'customers.csv'}'")
    return path


def _score_spark(summary, ctx: ScoringContext, path: Path) -> None:
    from pyspark.sql.functions import broadcast

    backend = summary.backend
    customers = backend.dataframe("SELECT * FROM crm_summary")
    scores = backend.spark.table("crm_pattern_scores")
    joined = customers.join(broadcast(scores), ["frequency", "recency_days", "T_days"])
    sample = score_batch(joined.limit(1).toPandas(), ctx)
    schema = backend.spark.createDataFrame(sample).schema

    def fn(batches):
        for b in batches:
            yield score_batch(b, ctx)

    joined.mapInPandas(fn, schema=schema).write.mode("overwrite").parquet(str(path))


def _parquet_glob(path: Path) -> str:
    return str(path / "*.parquet") if path.is_dir() else str(path)


def _post_tables(path: Path, ctx_col: str) -> dict:
    """Tables computed from the written scores: segments, value matrix, CLV distribution."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE VIEW c AS SELECT * FROM read_parquet('{_parquet_glob(path)}')")
    segments = con.sql(
        "SELECT segment, COUNT(*) AS customers, SUM(revenue_cal) AS revenue, SUM(clv) AS clv, "
        "AVG(p_alive) AS mean_p_alive FROM c GROUP BY segment ORDER BY clv DESC"
    ).df()
    for col in ("customers", "revenue", "clv"):
        total = segments[col].sum()
        segments[f"{col}_share"] = segments[col] / total if total else np.nan
    cuts = con.sql("SELECT MEDIAN(revenue_cal) AS cur, MEDIAN(clv) AS pot FROM c").df().iloc[0]
    cur, pot = float(cuts["cur"]), float(cuts["pot"])
    matrix = con.sql(
        f"""SELECT CASE WHEN revenue_cal > {cur!r} THEN 'high' ELSE 'low' END AS current_value,
        CASE WHEN clv > {pot!r} THEN 'high' ELSE 'low' END AS potential_value,
        COUNT(*) AS customers, SUM(revenue_cal) AS revenue, SUM(clv) AS clv
        FROM c GROUP BY 1, 2 ORDER BY 1, 2"""
    ).df()
    names = {
        ("high", "high"): "loyal (忠诚)",
        ("high", "low"): "repeat-purchase (重复购买)",
        ("low", "high"): "prospective (期望)",
        ("low", "low"): "ordinary (普通)",
    }
    matrix["quadrant"] = [
        names[(a, b)] for a, b in zip(matrix.current_value, matrix.potential_value, strict=True)
    ]
    matrix.attrs["cuts"] = {"current": cur, "potential": pot}
    probs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]
    items = ", ".join(f"QUANTILE_CONT(clv, {p}) AS q{i}" for i, p in enumerate(probs))
    qs = con.sql(f"SELECT {items}, AVG(clv) AS mean, SUM(clv) AS total FROM c").df().iloc[0]
    quantiles = pd.DataFrame(
        {"quantile": probs, "clv": [float(qs[f"q{i}"]) for i in range(len(probs))]}
    )
    hi = float(qs[f"q{len(probs) - 2}"]) or 1.0
    hist = con.sql(
        f"SELECT LEAST(FLOOR(clv / {hi / 40!r}), 40) AS bin, COUNT(*) AS customers FROM c "
        "GROUP BY 1 ORDER BY 1"
    ).df()
    hist["clv_from"] = hist["bin"] * hi / 40
    top = con.sql(
        f'SELECT "{ctx_col}", frequency, revenue_cal, p_alive, expected_purchases, clv, clv_low, '
        "clv_high, segment FROM c ORDER BY clv DESC LIMIT 10"
    ).df()
    con.close()
    return {
        "segments": segments,
        "value_matrix": matrix,
        "clv_quantiles": quantiles,
        "clv_histogram": hist,
        "top_customers": top,
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


def write_outputs(result, *, render: bool) -> None:
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


def load_result(out: str | Path) -> Any:
    """Read an :class:`~crmlab.research.pipeline.AnalysisResult` back from an output folder."""
    from crmlab.clv import GammaGamma
    from crmlab.research.pipeline import MODELS, AnalysisResult

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


def render_report(out: str | Path, *, timeout: float = 300) -> Path:
    """Execute the research template on a saved result and render it as ``report.html``.

    The page has no code cells and no ``<script>``: figures are embedded PNG images and the
    styles are inline, so it opens offline and behind any firewall.
    """
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    out = Path(out).resolve()
    executed = out / "report_data" / "report.ipynb"
    pm.execute_notebook(
        str(TEMPLATE),
        str(executed),
        parameters={"results_dir": str(out)},
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=timeout,
        cwd=str(out),
    )
    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags={"lesson-only", "parameters", "injected-parameters"}, enabled=True
    )
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "CLV report"}})
    html = _offline(body)
    path = out / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _offline(html: str) -> str:
    """Remove every ``<script>`` and external ``<link>`` so the page fetches nothing."""
    import re

    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)
    html = re.sub(r"<link\b[^>]*href=\"https?://[^\"]*\"[^>]*>", "", html, flags=re.I)
    return html
