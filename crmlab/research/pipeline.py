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

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.engines import sql as q
from crmlab.engines.memory import MemoryBudget
from crmlab.engines.preparation import returns_option
from crmlab.engines.registry import summarize
from crmlab.engines.summary import TransactionSummary
from crmlab.errors import CRMLabInputError
from crmlab.research import tables
from crmlab.research.bootstrap import bootstrap_equity
from crmlab.research.covariates import (
    add_to_report,
    prepare_covariates,
    record_covariates,
    report_section,
)
from crmlab.research.fitting import Fits, fit_models
from crmlab.research.options import check_options, check_uncertainty
from crmlab.research.output_folder import OutputFolder, local_inputs
from crmlab.research.outputs import load_result, score_customers, write_outputs
from crmlab.research.progress import Progress
from crmlab.research.provenance import manifest, version
from crmlab.research.result import MODELS, AnalysisResult
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
    amount_expr: str | None = None,
    where: str | None = None,
    drop_missing_customers: bool = False,
    returns: str = "refuse",
    allow_returns: bool = False,
    normalize_ids: bool = False,
    uncertainty: str = "delta",
    bootstrap_samples: int = 200,
    currency: str | None = None,
    language: str = "en",
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
    covariates: Any = None,
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
    amount_expr : str, optional
        The amount of an order line as an expression over the input's columns, e.g.
        ``"Quantity * UnitPrice"`` (instead of ``amount_col``).
    where : str, optional
        Which rows are orders: a condition over the input's columns, e.g.
        ``"Quantity > 0 AND StockCode <> 'POST'"``; removed rows are counted.
    drop_missing_customers : bool
        Remove (and count) rows without a customer id instead of refusing them.
    returns : {"refuse", "net"}
        Negative amounts are an error (default), or netted per customer and day, a day whose
        net amount is not positive then not being a purchase.
    allow_returns : bool
        Deprecated alias of ``returns="net"``.
    normalize_ids : bool
        Read ids that differ only by surrounding spaces, a trailing ``.0`` or letter case as one
        customer (by default such ids are refused); counted in ``counts["ids_merged"]``.
    uncertainty : {"delta", "bootstrap"}
        How intervals are computed: from the covariance of the estimates (``"delta"``; when it
        does not exist the bootstrap is used and the report says why) or by refitting on
        ``bootstrap_samples`` resamples of the customers (``"bootstrap"``).
    bootstrap_samples : int
        Refits of the bootstrap (default 200, seeded by ``random_state``).
    currency : str, optional
        Currency code shown on every money figure of the report (e.g. ``"GBP"``).
    language : {"en", "zh"}
        Language of the report.
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
    covariates : crmlab.research.covariates.CovariateOptions, optional
        A one-row-per-customer table joined on the id; the chosen model is also fitted with
        covariates (``model.json``'s ``covariates`` and the model's ``coefficients``; a report
        section); see :mod:`crmlab.research.covariates`.
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
    check_options(margin, yearly_discount_rate, horizon_months, model)
    check_uncertainty(uncertainty, bootstrap_samples, language)
    returns = returns_option(returns, allow_returns)
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
            returns=returns,
            amount_expr=amount_expr,
            where=where,
            drop_missing_customers=drop_missing_customers,
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
        cov = prepare_covariates(summary, covariates)  # a bad covariate file fails before fits
        progress.stage("patterns", len(patterns), "distinct (frequency, recency, T) patterns")
        fits = fit_models(summary, patterns, model, counts)
        progress.stage("fitting", len(patterns), f"model {fits.chosen} ({fits.why})")
        options = {
            "margin": float(margin),
            "yearly_discount_rate": float(yearly_discount_rate),
            "monthly_discount_rate": monthly_rate(yearly_discount_rate),
            "horizon_months": int(horizon_months),
            "model": model,
            "returns": returns,
            "amount_expr": amount_expr,
            "where": where,
            "drop_missing_customers": bool(drop_missing_customers),
            "normalize_ids": bool(normalize_ids),
            "uncertainty": uncertainty,
            "bootstrap_samples": int(bootstrap_samples),
            "random_state": random_state,
            "currency": currency,
            "language": language,
        }
        scores = estimate_uncertainty(summary, patterns, fits, options, n_draws)
        progress.stage("uncertainty", len(patterns))
        result_tables, trust, conc = diagnose(summary, patterns, fits, scores)
        progress.stage("diagnostics", counts["n_customers"])
        cuts = _rfm_cuts(summary)
        ctx = ScoringContext(
            spend_params=dict(fits.spend.params_),
            spend_covariance_log=scores.cov_spend,
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
        cov_info = cov.analyse(MODELS[fits.chosen], out_dir, progress) if cov else None
        info = {
            "crmlab_version": version(),
            "engine": summary.engine,
            "inputs": manifest(source),
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
        record_covariates(info, cov_info, fits.chosen)
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
        if cov_info is not None and result.report_path is not None:
            add_to_report(result.report_path, report_section(cov_info, out_dir))
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
class PatternScores:
    """What :func:`estimate_uncertainty` computed: scored patterns, covariances, equity.

    ``cov_spend`` is the covariance of the spend model's log-parameters the per-customer
    intervals use (the fit's for the delta method, the refits' for the bootstrap; NaN when
    neither exists, and then the intervals are missing, with the reason in ``equity``).
    """

    patterns: pd.DataFrame
    cov_model: np.ndarray
    cov_spend: np.ndarray
    equity: dict


def _unidentified(*models: Any) -> list[str]:
    return [
        f"{k} = {v:.3g}"
        for m in models
        for k, v in m.params_.items()
        if not np.isfinite(m.standard_errors_.get(k, np.nan))
    ]


def estimate_uncertainty(
    summary: TransactionSummary,
    patterns: pd.DataFrame,
    fits: Fits,
    options: dict,
    n_draws: int,
) -> PatternScores:
    """Stage 4: score each pattern once and put an interval on customer equity.

    ``options["uncertainty"]`` is ``"delta"`` (the covariance of the estimates: gradients per
    pattern, a parametric bootstrap or the delta method for the totals) or ``"bootstrap"``
    (refits on resampled customers, :mod:`crmlab.research.bootstrap`). When the delta method
    cannot be computed (a parameter without a finite standard error) the bootstrap is used and
    ``equity["uncertainty"]`` says why. With a holdout, the chosen model's per-customer holdout
    errors (MAE, RMSE) are added to ``fits.metrics``.
    """
    tm, gg = fits.model, fits.spend
    cov_tm = fit_log_covariance(tm)
    cov_gg = fit_log_covariance(gg)
    requested = method = options["uncertainty"]
    note = None
    if method == "delta" and not (np.all(np.isfinite(cov_tm)) and np.all(np.isfinite(cov_gg))):
        method = "bootstrap"
        note = (
            "the delta method needs the covariance of the estimates, which does not exist here "
            f"({', '.join(_unidentified(tm, gg))}: no finite standard error, the likelihood is "
            "flat or at the edge of the parameter's range); the bootstrap was used instead"
        )
    best = pattern_scores(
        tm,
        patterns,
        time_unit=summary.time_unit,
        horizon_months=options["horizon_months"],
        monthly_discount=options["monthly_discount_rate"],
        duration_holdout=fits.duration,
        covariance_log=cov_tm if method == "delta" else None,
    )
    if fits.metrics is not None:
        summary.backend.register("crm_pattern_scores", best)
        errs = summary.query(q.holdout_errors_sql()).iloc[0]
        fits.metrics[fits.chosen].update({"mae": float(errs["mae"]), "rmse": float(errs["rmse"])})
    if method == "delta":
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
        cov_spend = cov_gg
    else:
        equity, det_log_var, cov_spend = bootstrap_equity(
            tm,
            gg,
            best,
            fits.spend_data,
            options=options,
            duration=fits.duration,
            time_unit=summary.time_unit,
        )
        best["det_log_var"] = det_log_var
    equity["uncertainty"] = {"requested": requested, "used": method, "note": note}
    return PatternScores(best, cov_tm, cov_spend, equity)


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
        spend_model=fits.spend,
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
