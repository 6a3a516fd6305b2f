"""``analyze``: from a raw order log to fitted models, per-customer scores and a report.

The pipeline (the same for ``crmlab analyze`` and the lesson-10 research template)::

    source -> summary on the engine -> distinct (frequency, recency, T) patterns with counts
           -> fit the transaction model(s) and Gamma-Gamma on weighted patterns
           -> score each pattern once -> join back and score customers in chunks
           -> tables, trust checks, customer equity with an interval -> DIR outputs

Nothing is dropped silently: same-day orders merged, customers first buying after the
calibration end, customers first buying on its last day (T = 0, which the models cannot use) and
repeat buyers without positive spend are counted in ``result.info["counts"]`` and the report.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from crmlab.engines import sql as q
from crmlab.engines.summary import TransactionSummary, summarize
from crmlab.errors import ConvergenceError, CRMLabInputError
from crmlab.research import tables
from crmlab.research.outputs import load_result, write_outputs
from crmlab.research.scoring import ScoringContext, monthly_rate, pattern_scores
from crmlab.research.trust import trust_checks
from crmlab.research.uncertainty import customer_equity_interval, fit_log_covariance

__all__ = ["AnalysisResult", "analyze", "MODELS", "load_result"]

#: Transaction models ``analyze`` can fit, by name.
MODELS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "paretonbd": ParetoNBD}


@dataclass
class AnalysisResult:
    """What :func:`analyze` found.

    Attributes
    ----------
    summary : TransactionSummary or None
        The summary on its engine (None for a result loaded from disk).
    models : dict
        Fitted transaction models by name (``"bgnbd"``, ...) and ``"spend"`` (Gamma-Gamma).
    model_name : str
        The transaction model used for the scores.
    metrics : dict or None
        Holdout accuracy by model name (None without a calibration split).
    equity : dict
        Customer equity (sum of CLV) with its 90% interval and how it was computed.
    tables : dict of DataFrame
        The report's tables (period transactions, calibration vs holdout, tracking, Lorenz,
        segments, value matrix, CLV distribution, top customers, parameters).
    trust : DataFrame
        The trust checks with verdicts.
    info : dict
        Everything written to ``model.json``.
    out : Path
        Folder holding ``customers.parquet`` and ``model.json`` (and ``report.html``).
    report_path : Path or None
        The report, when one was rendered.
    """

    summary: TransactionSummary | None
    models: dict
    model_name: str
    metrics: dict | None
    equity: dict
    tables: dict
    trust: pd.DataFrame
    info: dict
    out: Path
    report_path: Path | None = None
    _customers: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def model(self) -> Any:
        """The chosen transaction model."""
        return self.models[self.model_name]

    @property
    def customers(self) -> pd.DataFrame:
        """Per-customer scores (read from ``customers.parquet`` on first use)."""
        if self._customers is None:
            self._customers = pd.read_parquet(self.out / "customers.parquet")
        return self._customers


class _Progress:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, detail: str = "") -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.t0
            print(f"[{elapsed:7.1f} s] {stage}{': ' + detail if detail else ''}", file=sys.stderr)


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
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise CRMLabInputError(
            f"horizon_months must be a whole number >= 1, got {horizon_months!r}. Fix: e.g. 12 "
            "for one year."
        )
    if model not in (*MODELS, "auto"):
        raise CRMLabInputError(
            f"model must be one of {', '.join(MODELS)} or 'auto', got {model!r}."
        )


def _fit(cls, data: pd.DataFrame, **kw):
    try:
        return cls().fit(data, **kw)
    except ConvergenceError:
        return cls(penalizer=0.001).fit(data, **kw)


def analyze(
    source: Any,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    calibration_end: Any = None,
    observation_end: Any = None,
    date_format: str | None = None,
    time_unit: str = "W",
    engine: str = "duckdb",
    margin: float = 1.0,
    yearly_discount_rate: float = 0.10,
    horizon_months: int = 12,
    model: str = "bgnbd",
    allow_returns: bool = False,
    out: str | Path | None = None,
    random_state: int | None = 0,
    quiet: bool = False,
    report: bool | None = None,
    csv: bool = False,
    connection: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
    n_draws: int = 200,
    covariates: Any = None,
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
    time_unit : {"D", "W", "M"}
        Unit of recency and T (default weeks).
    engine : {"duckdb", "spark", "pandas"}
        Where the summary runs.
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
    out : str or Path, optional
        Folder for ``customers.parquet``, ``model.json`` and ``report.html``; default a new
        temporary folder (and no report).
    random_state : int, optional
        Seed of the parametric bootstrap.
    quiet : bool
        Do not print progress.
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
        A covariate table to join on the customer id: the chosen model is also fitted with
        covariates (``model.json``'s ``covariates`` and the model's ``coefficients``; a report
        section); see :mod:`crmlab.research.covariates`.

    Returns
    -------
    AnalysisResult

    Raises
    ------
    CRMLabInputError
        For bad input or options, with the file, column, count, an example and the fix.
    """
    _check_options(margin, yearly_discount_rate, horizon_months, model)
    progress = _Progress(quiet)
    out_dir = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="crmlab-analyze-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    report = (out is not None) if report is None else report
    progress("reading and summarising", f"engine {engine}")
    summary = summarize(
        source,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        date_format=date_format,
        calibration_end=calibration_end,
        observation_end=observation_end,
        time_unit=time_unit,
        allow_returns=allow_returns,
        engine=engine,
        connection=connection,
        spark=spark,
        spark_master=spark_master,
    )
    counts = dict(summary.counts)
    progress("summary", f"{counts['n_rows']:,} orders, {counts['n_customers']:,} customers")

    all_patterns = summary.patterns()
    t0 = all_patterns["T_days"] == 0
    counts["excluded_T0"] = int(all_patterns.loc[t0, "n_customers"].sum())
    patterns = all_patterns.loc[~t0].reset_index(drop=True)
    patterns.attrs["time_unit"] = time_unit
    counts["n_patterns"] = len(patterns)
    counts["n_scored"] = int(patterns["n_customers"].sum())
    counts["repeaters"] = int(patterns.loc[patterns["frequency"] > 0, "n_customers"].sum())
    if counts["n_scored"] == 0 or counts["repeaters"] < 3:
        raise CRMLabInputError(
            f"only {counts['repeaters']} of {counts['n_scored']:,} customers bought more than "
            "once in the calibration period; the models need repeat buyers. Fix: use a longer "
            "calibration period (a later calibration_end) or more data."
        )
    if covariates is not None:  # join first: a bad covariate file fails before the fits
        from crmlab.research.covariates import join_covariates

        cov_data, cov_join = join_covariates(
            summary.frame(["frequency", "recency", "T"]), covariates
        )
    progress("fitting", f"{len(patterns):,} distinct (frequency, recency, T) patterns")
    names = list(MODELS) if model == "auto" else [model]
    fitted = {n: _fit(MODELS[n], patterns, weights_col="n_customers") for n in names}
    spend_patterns = summary.spend_patterns()
    positive = spend_patterns["monetary_value"] > 0
    counts["repeaters_nonpositive_spend"] = int(spend_patterns.loc[~positive, "n_customers"].sum())
    spend_data = spend_patterns.loc[positive].reset_index(drop=True)
    gg = _fit(GammaGamma, spend_data, weights_col="n_customers")
    try:
        gg.population_mean_spend  # noqa: B018 - raises when q <= 1
    except ValueError as exc:
        raise CRMLabInputError(str(exc)) from None

    monthly = monthly_rate(yearly_discount_rate)
    duration = (
        (summary.observation_day - summary.calibration_day) / summary.unit_days
        if summary.has_holdout
        else None
    )
    metrics = None
    if summary.has_holdout:
        frame = patterns[["frequency", "recency", "T"]].copy()
        frame.attrs["time_unit"] = time_unit
        metrics = {
            n: tables.holdout_metrics(
                patterns.assign(expected_holdout=m.expected_purchases(frame, duration).to_numpy())
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
    tm = fitted[chosen]
    progress("uncertainty", f"model {chosen} ({why})")
    cov_tm = fit_log_covariance(tm)
    cov_gg = fit_log_covariance(gg)
    best = pattern_scores(
        tm,
        patterns,
        horizon_months=horizon_months,
        monthly_discount=monthly,
        duration_holdout=duration,
        covariance_log=np.nan_to_num(cov_tm),
    )
    if metrics is not None:
        summary.backend.register("crm_pattern_scores", best)
        errs = summary.query(q.holdout_errors_sql()).iloc[0]
        metrics[chosen].update({"mae": float(errs["mae"]), "rmse": float(errs["rmse"])})
    equity = customer_equity_interval(
        tm,
        gg,
        best,
        cov_tm,
        cov_gg,
        margin,
        horizon_months,
        monthly,
        n_draws,
        random_state,
        duration,
    )

    progress("diagnostics")
    period = tables.period_transactions(tm, patterns)
    track = tables.tracking(tm, summary)
    conc = tables.concentration(summary)
    spend_corr = _weighted_corr(spend_data)
    trust = trust_checks(
        patterns=patterns,
        model=tm,
        period_table=period,
        tracking_table=track,
        metrics=None if metrics is None else metrics[chosen],
        spend_correlation=spend_corr,
        unit_days=summary.unit_days,
    )
    result_tables = {
        "period_transactions": period,
        "tracking": track,
        "lorenz": conc["lorenz"],
        "parameters": _parameter_table(fitted, gg),
    }
    if metrics is not None:
        result_tables["calibration_holdout"] = tables.calibration_holdout(best)
        result_tables["calibration_holdout"].attrs["duration_holdout"] = duration
    for table in result_tables.values():
        table.attrs.setdefault("time_unit", time_unit)

    progress("scoring", f"{counts['n_scored']:,} customers in chunks")
    cuts = _rfm_cuts(summary)
    ctx = ScoringContext(
        spend_params=dict(gg.params_),
        spend_covariance_log=np.nan_to_num(cov_gg),
        margin=float(margin),
        customer_col=customer_col,
        has_holdout=summary.has_holdout,
        rfm_cuts=cuts,
    )
    keep = [
        "frequency",
        "recency_days",
        "T_days",
        "p_alive",
        "expected_purchases",
        "det",
        "det_log_var",
    ]
    summary.backend.register("crm_pattern_scores", best[keep])
    from crmlab.research.outputs import score_customers

    score_customers(summary, ctx, out_dir, csv=csv)

    cov_info = None
    if covariates is not None:
        from crmlab.research.covariates import covariate_analysis

        progress("covariates", str(covariates.path))
        cov_info = covariate_analysis(cov_data, cov_join, covariates, MODELS[chosen], out_dir)

    progress("report")
    info = {
        "crmlab_version": _version(),
        "engine": summary.engine,
        "inputs": _manifest(source),
        "columns": {"customer": customer_col, "date": date_col, "amount": amount_col},
        "date_format": date_format,
        "time_unit": time_unit,
        "unit_days": summary.unit_days,
        "periods": {
            "first_order": str(summary.first_date),
            "calibration_end": str(summary.calibration_end),
            "observation_end": str(summary.observation_end),
            "holdout": summary.has_holdout,
        },
        "options": {
            "margin": float(margin),
            "yearly_discount_rate": float(yearly_discount_rate),
            "monthly_discount_rate": monthly,
            "horizon_months": int(horizon_months),
            "model": model,
            "allow_returns": bool(allow_returns),
            "random_state": random_state,
        },
        "counts": counts,
        "chosen_model": chosen,
        "chosen_because": why,
        "models": {n: _model_info(m, cov_tm if n == chosen else None) for n, m in fitted.items()},
        "spend_model": _model_info(gg, cov_gg),
        "holdout_metrics": metrics,
        "equity": equity,
        "concentration": {"gini": conc["gini"], "top20_share": conc["top20_share"]},
        "rfm_cuts": cuts,
        "trust": trust.to_dict(orient="records"),
    }
    for n in fitted:  # coefficients of each model's covariates (none unless --covariates)
        has = cov_info is not None and n == chosen
        info["models"][n]["coefficients"] = cov_info["coefficients"] if cov_info and has else []
    if cov_info is not None:
        info["covariates"] = cov_info
    models = {**fitted, "spend": gg}
    result = AnalysisResult(
        summary=summary,
        models=models,
        model_name=chosen,
        metrics=metrics,
        equity=equity,
        tables=result_tables,
        trust=trust,
        info=info,
        out=out_dir,
    )
    write_outputs(result, render=report)
    if cov_info is not None and result.report_path is not None:
        from crmlab.research.covariates import add_to_report, report_section

        add_to_report(result.report_path, report_section(cov_info, out_dir))
    progress("done", str(result.report_path or out_dir))
    return result


def _weighted_corr(spend: pd.DataFrame) -> float:
    w = spend["n_customers"].to_numpy(dtype=float)
    if len(w) < 3:
        return float("nan")
    a, b = spend["frequency"].to_numpy(dtype=float), spend["monetary_value"].to_numpy()
    cov = np.cov(a, b, aweights=w)
    return float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))


def _rfm_cuts(summary) -> dict:
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
