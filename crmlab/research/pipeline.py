"""``analyze``: from a raw order log to fitted models, per-customer scores and a report.

The pipeline (the same for ``crmlab analyze`` and the lesson-10 research template), one named
function per stage::

    read_summary          source -> summary on the engine (crmlab.engines)
    find_patterns         -> distinct (frequency, recency, T) patterns with counts
    fit_models            -> transaction model(s) and Gamma-Gamma on weighted patterns, holdout
    estimate_uncertainty  -> each pattern scored once with gradients; customer equity interval
    diagnose              -> report tables and trust checks
    score_customers       -> customers joined to their pattern, scored in chunks (the engine)
    write_results         -> model.json, report tables, report.html in DIR

Nothing is dropped silently: same-day orders merged, customers first buying after the
calibration end, customers first buying on its last day (T = 0, which the models cannot use) and
repeat buyers without positive spend are counted in ``result.info["counts"]`` and the report.
The time unit travels as ``time_unit=`` to every model call.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv import GammaGamma
from crmlab.engines import sql as q
from crmlab.engines.memory import MemoryBudget
from crmlab.engines.registry import summarize
from crmlab.engines.summary import TransactionSummary
from crmlab.errors import ConvergenceError, CRMLabInputError
from crmlab.research import tables
from crmlab.research.output_folder import OutputFolder, local_inputs
from crmlab.research.outputs import load_result, score_customers, write_outputs
from crmlab.research.progress import Progress
from crmlab.research.result import MAX_HORIZON_MONTHS, MODELS, AnalysisResult
from crmlab.research.scoring import ScoringContext, monthly_rate, pattern_scores
from crmlab.research.trust import trust_checks
from crmlab.research.uncertainty import customer_equity_interval, fit_log_covariance

__all__ = [
    "AnalysisResult",
    "MODELS",
    "analyze",
    "load_result",
    "read_summary",
    "find_patterns",
    "fit_models",
    "estimate_uncertainty",
    "diagnose",
    "write_results",
]


def _check_options(margin, yearly_discount_rate, horizon_months, model) -> None:
    if not 0 <= float(margin) <= 1:
        raise CRMLabInputError(
            f"margin is the share of revenue that is profit, between 0 and 1, got {margin!r}. "
            "Fix: write a 30% margin as 0.3."
        )
    if not 0 <= float(yearly_discount_rate) < 1:
        raise CRMLabInputError(
            f"yearly_discount_rate must be in [0, 1), got {yearly_discount_rate!r}. Fix: write "
            "10% a year as 0.10."
        )
    if (
        not isinstance(horizon_months, int | float)
        or not math.isfinite(horizon_months)
        or int(horizon_months) != horizon_months
        or not 1 <= horizon_months <= MAX_HORIZON_MONTHS
    ):
        raise CRMLabInputError(
            f"horizon_months (--horizon-months) must be a whole number from 1 to "
            f"{MAX_HORIZON_MONTHS}, got {horizon_months!r}: the models extrapolate one period's "
            "purchases, so decades ahead are not a forecast, and the time to score grows with "
            "the horizon. Fix: e.g. 12 for one year, 60 for five."
        )
    if model not in (*MODELS, "auto"):
        raise CRMLabInputError(
            f"model must be one of {', '.join(MODELS)} or 'auto', got {model!r}."
        )


def _fit(cls, data: pd.DataFrame, *, time_unit: str):
    try:
        return cls().fit(data, weights_col="n_customers", time_unit=time_unit)
    except ConvergenceError:
        return cls(penalizer=0.001).fit(data, weights_col="n_customers", time_unit=time_unit)


def analyze(
    source: Any,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    calibration_end: Any = None,
    observation_end: Any = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str | None = None,
    time_unit: str = "W",
    engine: str = "duckdb",
    margin: float = 1.0,
    yearly_discount_rate: float = 0.10,
    horizon_months: int = 12,
    model: str = "bgnbd",
    allow_returns: bool = False,
    normalize_ids: bool = False,
    out: str | Path | None = None,
    overwrite: bool = False,
    random_state: int | None = 0,
    quiet: bool = False,
    report: bool | None = None,
    csv: bool = False,
    connection: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
    n_draws: int = 200,
    memory_limit: str | int | None = None,
) -> AnalysisResult:
    """Run the whole CLV analysis on a transaction log and write its outputs.

    Parameters
    ----------
    source : path, glob, folder, list, DataFrame, DuckDB relation / table name, Spark DataFrame
        The orders (see :func:`crmlab.engines.summarize`).
    customer_col, date_col, amount_col : str
        The input's column names (``amount_col=None``: no amounts; CLV is then not computed
        meaningfully and a spend model cannot be fitted).
    calibration_end : date-like, optional
        End of the calibration period; when given, the models are validated on the days after
        it (holdout) and ``model="auto"`` can compare models.
    observation_end : date-like, optional
        End of the data (default the last order day).
    date_format : str, optional
        strftime format of text dates, e.g. ``"%d/%m/%Y"``.
    dayfirst : bool, optional
        Day-before-month text dates without ``date_format`` (one format for the column).
    tz : str, optional
        Time zone to convert zone-aware dates to before days are counted.
    time_unit : {"D", "W", "M"}
        Unit of recency and T (default weeks).
    engine : str
        Where the summary runs: a name in :data:`crmlab.engines.ENGINES` ("duckdb", "spark",
        "pandas").
    margin : float
        Share of revenue that is profit (default 1: CLV of revenue).
    yearly_discount_rate : float
        Discount rate per year (converted to a monthly rate).
    horizon_months : int
        CLV horizon in months.
    model : {"bgnbd", "mbgnbd", "paretonbd", "auto"}
        Transaction model; ``"auto"`` fits all three and keeps the one with the smallest
        calibration-vs-holdout error (without a holdout: the highest log-likelihood).
    allow_returns : bool
        Accept negative amounts.
    normalize_ids : bool
        Read ids that differ only by surrounding spaces, a trailing ``.0`` or letter case as one
        customer (by default such ids are refused); counted in ``counts["ids_merged"]``.
    out : str or Path, optional
        Folder for ``customers.parquet``, ``model.json`` and ``report.html``; default a new
        temporary folder (and no report). It must be new, empty or written by crmlab before
        (:mod:`crmlab.research.output_folder`); the run is written beside it and swapped in at
        the end, so the folder holds one complete run or the previous one.
    overwrite : bool
        Write into ``out`` although it holds files crmlab did not write (those of the same
        names as the outputs are replaced; others are left alone).
    random_state : int, optional
        Seed of the parametric bootstrap.
    quiet : bool
        Do not print progress (:mod:`crmlab.research.progress`: one line per stage with its
        time, rows and peak memory; a bar for a long summary or scoring).
    report : bool, optional
        Render ``report.html`` (default: when ``out`` is given).
    csv : bool
        Also write ``customers.csv``.
    connection, spark, spark_master
        Engine connections (see :func:`crmlab.engines.summarize`).
    n_draws : int
        Parameter draws of the parametric bootstrap for customer equity and expected holdout
        purchases; used when ``patterns x n_draws <= BOOTSTRAP_BUDGET``, otherwise (or with
        ``n_draws=0``) the delta method on the log scale. Per-customer CLV intervals always use
        the delta method.
    memory_limit : str or int, optional
        Memory budget of the whole run, e.g. ``"4GB"`` (``--memory-limit``): the engine gets
        most of it, the customers are scored in chunks sized from the rest
        (:class:`crmlab.engines.memory.MemoryBudget`). Default ``CRMLAB_MEMORY_LIMIT``, else the
        smaller of half the machine's memory and 8 GB; stated in ``model.json`` (``memory``).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    CRMLabInputError
        For bad input or options, with the file, column, count, an example and the fix.
    """
    _check_options(margin, yearly_discount_rate, horizon_months, model)
    budget = MemoryBudget.resolve(memory_limit)
    progress = Progress(quiet)
    report = (out is not None) if report is None else report
    if out is None:
        out = tempfile.mkdtemp(prefix="crmlab-analyze-")
    folder = OutputFolder(out, inputs=local_inputs(source), overwrite=overwrite)
    folder.check()
    out_dir = folder.open()
    try:
        progress.note(budget.describe())
        watched: list = []
        stop = progress.polled("summary", lambda: watched[0].query_progress() if watched else None)
        summary = read_summary(
            source,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            date_format=date_format,
            dayfirst=dayfirst,
            tz=tz,
            calibration_end=calibration_end,
            observation_end=observation_end,
            time_unit=time_unit,
            allow_returns=allow_returns,
            normalize_ids=normalize_ids,
            engine=engine,
            connection=connection,
            spark=spark,
            spark_master=spark_master,
            memory_limit=budget.total,
            on_open=watched.append,
        )
        stop()
        counts = dict(summary.counts)
        progress.stage(
            "summary",
            counts["n_rows"],
            f"engine {summary.engine}, {counts['n_customers']:,} customers",
        )
        if counts.get("ids_merged"):
            progress.note(f"ids: {counts['ids_merged']:,} spellings merged into other ids")
        patterns = find_patterns(summary, counts)
        progress.stage("patterns", len(patterns), "distinct (frequency, recency, T) patterns")
        fits = fit_models(summary, patterns, model, counts)
        progress.stage("fitting", len(patterns), f"model {fits.chosen} ({fits.why})")
        options = {
            "margin": float(margin),
            "yearly_discount_rate": float(yearly_discount_rate),
            "monthly_discount_rate": monthly_rate(yearly_discount_rate),
            "horizon_months": int(horizon_months),
            "model": model,
            "allow_returns": bool(allow_returns),
            "normalize_ids": bool(normalize_ids),
            "random_state": random_state,
        }
        scores = estimate_uncertainty(summary, patterns, fits, options, n_draws)
        progress.stage("uncertainty", len(patterns))
        result_tables, trust, conc = diagnose(summary, patterns, fits, scores)
        progress.stage("diagnostics", counts["n_customers"])
        cuts = _rfm_cuts(summary)
        ctx = ScoringContext(
            spend_params=dict(fits.spend.params_),
            spend_covariance_log=np.nan_to_num(scores.cov_spend),
            margin=float(margin),
            customer_col=customer_col,
            has_holdout=summary.has_holdout,
            rfm_cuts=cuts,
        )
        summary.backend.register("crm_pattern_scores", scores.patterns[list(_SCORE_KEYS)])
        with progress.bar("scoring", counts["n_scored"], unit="customers") as update:
            score_customers(
                summary,
                ctx,
                out_dir,
                csv=csv,
                rows=budget.chunk_rows,
                on_chunk=None if summary.engine == "spark" else update,
            )
        progress.stage(
            "scoring", counts["n_scored"], f"chunks of up to {budget.chunk_rows:,} customers"
        )
        info = {
            "crmlab_version": _version(),
            "engine": summary.engine,
            "inputs": _manifest(source),
            "columns": {"customer": customer_col, "date": date_col, "amount": amount_col},
            "date_format": date_format,
            "dayfirst": dayfirst,
            "tz": tz,
            "time_unit": time_unit,
            "unit_days": summary.unit_days,
            "periods": {
                "first_order": str(summary.first_date),
                "calibration_end": str(summary.calibration_end),
                "observation_end": str(summary.observation_end),
                "holdout": summary.has_holdout,
            },
            "options": options,
            "memory": budget.to_dict(),
            "counts": counts,
            "chosen_model": fits.chosen,
            "chosen_because": fits.why,
            "models": {
                n: _model_info(m, scores.cov_model if n == fits.chosen else None)
                for n, m in fits.models.items()
            },
            "spend_model": _model_info(fits.spend, scores.cov_spend),
            "holdout_metrics": fits.metrics,
            "equity": scores.equity,
            "concentration": {"gini": conc["gini"], "top20_share": conc["top20_share"]},
            "rfm_cuts": cuts,
            "trust": trust.to_dict(orient="records"),
        }
        result = AnalysisResult(
            summary=summary,
            models={**fits.models, "spend": fits.spend},
            model_name=fits.chosen,
            metrics=fits.metrics,
            equity=scores.equity,
            tables=result_tables,
            trust=trust,
            info=info,
            out=out_dir,
        )
        info["stages"] = progress.stages
        write_results(result, render=report)
        progress.stage("report", None, "model.json, tables" + (", report.html" if report else ""))
        final = folder.commit()
    except BaseException:
        progress.close()
        folder.discard()
        raise
    result.out = final
    if result.report_path is not None:
        result.report_path = final / result.report_path.name
    progress.note(f"done: {result.report_path or final}")
    return result


#: Pattern-score columns the scoring join reads (keys, then per-pattern scores).
_SCORE_KEYS = (
    "frequency",
    "recency_days",
    "T_days",
    "p_alive",
    "expected_purchases",
    "det",
    "det_log_var",
)


def read_summary(source: Any, **options: Any) -> TransactionSummary:
    """Stage 1: read and check the orders and summarise them on the engine.

    ``options`` are those of :func:`crmlab.engines.summarize`.
    """
    return summarize(source, **options)


def find_patterns(summary: TransactionSummary, counts: dict) -> pd.DataFrame:
    """Stage 2: the distinct (frequency, recency, T) patterns the models fit and score.

    Customers with ``T = 0`` (first purchase on the calibration end's day) are counted in
    ``counts["excluded_T0"]`` and left out; ``counts`` also gets ``n_patterns``, ``n_scored``
    and ``repeaters``.

    Raises
    ------
    CRMLabInputError
        With fewer than three repeat buyers.
    """
    all_patterns = summary.patterns()
    t0 = all_patterns["T_days"] == 0
    counts["excluded_T0"] = int(all_patterns.loc[t0, "n_customers"].sum())
    patterns = all_patterns.loc[~t0].reset_index(drop=True)
    counts["n_patterns"] = len(patterns)
    counts["n_scored"] = int(patterns["n_customers"].sum())
    counts["repeaters"] = int(patterns.loc[patterns["frequency"] > 0, "n_customers"].sum())
    if counts["n_scored"] == 0 or counts["repeaters"] < 3:
        raise CRMLabInputError(
            f"only {counts['repeaters']} of {counts['n_scored']:,} customers bought more than "
            "once in the calibration period; the models need repeat buyers. Fix: use a longer "
            "calibration period (a later calibration_end) or more data."
        )
    return patterns


@dataclass
class Fits:
    """What :func:`fit_models` found: the fitted models, the chosen one and why."""

    models: dict
    spend: Any
    spend_data: pd.DataFrame
    chosen: str
    why: str
    metrics: dict | None
    duration: float | None

    @property
    def model(self) -> Any:
        """The chosen transaction model."""
        return self.models[self.chosen]


def fit_models(
    summary: TransactionSummary, patterns: pd.DataFrame, model: str, counts: dict
) -> Fits:
    """Stage 3: fit the transaction model(s) and Gamma-Gamma on weighted patterns; pick one.

    With a holdout each model's holdout accuracy is measured and ``model="auto"`` keeps the one
    with the smallest calibration-vs-holdout error; without one, the highest log-likelihood.
    """
    unit = summary.time_unit
    names = list(MODELS) if model == "auto" else [model]
    fitted = {n: _fit(MODELS[n], patterns, time_unit=unit) for n in names}
    spend_patterns = summary.spend_patterns()
    positive = spend_patterns["monetary_value"] > 0
    counts["repeaters_nonpositive_spend"] = int(spend_patterns.loc[~positive, "n_customers"].sum())
    spend_data = spend_patterns.loc[positive].reset_index(drop=True)
    gg = _fit(GammaGamma, spend_data, time_unit=unit)
    try:
        gg.population_mean_spend  # noqa: B018 - raises when q <= 1
    except ValueError as exc:
        raise CRMLabInputError(str(exc)) from None
    duration = (
        (summary.observation_day - summary.calibration_day) / summary.unit_days
        if summary.has_holdout
        else None
    )
    metrics = None
    if duration is not None:
        frame = patterns[["frequency", "recency", "T"]]
        metrics = {
            n: tables.holdout_metrics(
                patterns.assign(
                    expected_holdout=m.expected_purchases(frame, duration, time_unit=unit)
                )
            )
            for n, m in fitted.items()
        }
    if model == "auto":
        if metrics is not None:
            chosen = min(metrics, key=lambda n: metrics[n]["curve_mae"])
            why = "smallest calibration-vs-holdout error (mean holdout purchases by frequency)"
        else:
            chosen = max(fitted, key=lambda n: fitted[n].log_likelihood_)
            why = "highest log-likelihood (no holdout given; all have four parameters)"
    else:
        chosen, why = model, "chosen by the user"
    return Fits(fitted, gg, spend_data, chosen, why, metrics, duration)


@dataclass
class PatternScores:
    """What :func:`estimate_uncertainty` computed: scored patterns, covariances, equity."""

    patterns: pd.DataFrame
    cov_model: np.ndarray
    cov_spend: np.ndarray
    equity: dict


def estimate_uncertainty(
    summary: TransactionSummary,
    patterns: pd.DataFrame,
    fits: Fits,
    options: dict,
    n_draws: int,
) -> PatternScores:
    """Stage 4: score each pattern once (with gradients) and put an interval on customer equity.

    With a holdout, the chosen model's per-customer holdout errors (MAE, RMSE) are added to
    ``fits.metrics``.
    """
    tm, gg = fits.model, fits.spend
    cov_tm = fit_log_covariance(tm)
    cov_gg = fit_log_covariance(gg)
    best = pattern_scores(
        tm,
        patterns,
        time_unit=summary.time_unit,
        horizon_months=options["horizon_months"],
        monthly_discount=options["monthly_discount_rate"],
        duration_holdout=fits.duration,
        covariance_log=np.nan_to_num(cov_tm),
    )
    if fits.metrics is not None:
        summary.backend.register("crm_pattern_scores", best)
        errs = summary.query(q.holdout_errors_sql()).iloc[0]
        fits.metrics[fits.chosen].update({"mae": float(errs["mae"]), "rmse": float(errs["rmse"])})
    equity = customer_equity_interval(
        tm,
        gg,
        best,
        cov_tm,
        cov_gg,
        options["margin"],
        options["horizon_months"],
        options["monthly_discount_rate"],
        n_draws,
        options["random_state"],
        fits.duration,
        time_unit=summary.time_unit,
    )
    return PatternScores(best, cov_tm, cov_gg, equity)


def diagnose(
    summary: TransactionSummary, patterns: pd.DataFrame, fits: Fits, scores: PatternScores
) -> tuple[dict, pd.DataFrame, dict]:
    """Stage 5: the report's tables, the trust checks and the value concentration."""
    tm = fits.model
    period = tables.period_transactions(tm, patterns)
    track = tables.tracking(tm, summary)
    conc = tables.concentration(summary)
    trust = trust_checks(
        patterns=patterns,
        model=tm,
        period_table=period,
        tracking_table=track,
        metrics=None if fits.metrics is None else fits.metrics[fits.chosen],
        spend_correlation=_weighted_corr(fits.spend_data),
        time_unit=summary.time_unit,
    )
    result_tables = {
        "period_transactions": period,
        "tracking": track,
        "lorenz": conc["lorenz"],
        "parameters": _parameter_table(fits.models, fits.spend),
    }
    if fits.metrics is not None:
        result_tables["calibration_holdout"] = tables.calibration_holdout(
            scores.patterns, time_unit=summary.time_unit, duration_holdout=fits.duration
        )
    return result_tables, trust, conc


def write_results(result: AnalysisResult, *, render: bool) -> None:
    """Stage 7 (after the engine scored the customers): ``model.json``, tables and the report."""
    write_outputs(result, render=render)


def _weighted_corr(spend: pd.DataFrame) -> float:
    w = spend["n_customers"].to_numpy(dtype=float)
    if len(w) < 3:
        return float("nan")
    a, b = spend["frequency"].to_numpy(dtype=float), spend["monetary_value"].to_numpy()
    cov = np.cov(a, b, aweights=w)
    return float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))


def _rfm_cuts(summary: TransactionSummary) -> dict:
    probs = (0.2, 0.4, 0.6, 0.8)
    cuts = {}
    for col in ("days_since_last", "frequency", "revenue_cal"):
        row = summary.query(q.quantiles_sql(col, probs)).iloc[0]
        cuts[col] = [float(v) for v in row.to_numpy()]
    return cuts


def _parameter_table(fitted: dict, gg) -> pd.DataFrame:
    frames = []
    for name, m in {**fitted, "gamma-gamma": gg}.items():
        t = m.summary().reset_index()
        t.insert(0, "model", name)
        t["log_likelihood"] = m.log_likelihood_
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def _model_info(m, cov) -> dict:
    return {
        "class": type(m).__name__,
        "params": dict(m.params_),
        "standard_errors": dict(m.standard_errors_),
        "log_likelihood": m.log_likelihood_,
        "n_customers": m.n_customers_,
        "time_unit": m.time_unit_,
        "covariance_log": None if cov is None else np.asarray(cov).tolist(),
    }


def _manifest(source) -> list[dict] | str:
    from crmlab.engines.sources import file_manifest, resolve_files

    if isinstance(source, str | Path | list | tuple):
        return file_manifest(resolve_files(source))
    if isinstance(source, pd.DataFrame):
        digest = pd.util.hash_pandas_object(source, index=False).to_numpy()
        import hashlib

        return [
            {
                "path": "<pandas DataFrame>",
                "rows": len(source),
                "sha256": hashlib.sha256(digest.tobytes()).hexdigest(),
            }
        ]
    return [{"path": f"<{type(source).__name__}>"}]


def _version() -> str:
    import crmlab

    return crmlab.__version__
