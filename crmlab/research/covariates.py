"""``crmlab analyze --covariates``: customer characteristics in the transaction model.

The order log is summarised as usual; a covariate table (CSV or Parquet, one row per customer)
is joined to the per-customer summary on the customer id. Ids missing on either side are counted
and reported; if more than :data:`MAX_MISSING_SHARE` of the summarised customers have no
covariates the analysis is refused (it would describe a different set of customers). The chosen
transaction model is fitted without and with the covariates on the customers that have them;
``model.json`` gets the coefficients and the likelihood-ratio test, and ``report.html`` a
section with the coefficients as rate ratios, the test and expected purchases by covariate group.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError

__all__ = [
    "MAX_MISSING_SHARE",
    "CovariateOptions",
    "covariate_analysis",
    "join_covariates",
    "read_covariates",
]

#: Largest share of summarised customers without covariates that the analysis accepts.
MAX_MISSING_SHARE = 0.05
#: Most covariate groups drawn in the report's figure (more: grouped by the first covariate).
_MAX_GROUPS = 12


@dataclass(frozen=True)
class CovariateOptions:
    """The ``--covariates`` options of ``crmlab analyze``."""

    path: str
    id_col: str
    purchase: list[str] = field(default_factory=list)
    dropout: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    max_missing_share: float = MAX_MISSING_SHARE


def read_covariates(path: str | Path, id_col: str) -> pd.DataFrame:
    """Read a covariate table (CSV or Parquet) indexed by the customer id as text.

    Raises
    ------
    CRMLabInputError
        If the file is missing or of another type, the id column is absent, or an id is
        missing or repeated.
    """
    p = Path(path)
    if not p.is_file():
        raise CRMLabInputError(
            f"covariate file {p} does not exist. Fix: pass a CSV or Parquet file."
        )
    if p.suffix.lower() == ".parquet":
        table = pd.read_parquet(p)
    elif p.suffix.lower() == ".csv":
        table = pd.read_csv(p, dtype={id_col: str})
    else:
        raise CRMLabInputError(
            f"covariate file {p.name} is neither .csv nor .parquet. Fix: save it as one of them."
        )
    if id_col not in table.columns:
        raise CRMLabInputError(
            f"covariate file {p.name} has no column {id_col!r} (columns: "
            f"{', '.join(map(str, table.columns[:12]))}). Fix: pass --covariate-id-col NAME."
        )
    ids = table[id_col]
    if ids.isna().any():
        raise CRMLabInputError(
            f"covariate file {p.name}: {int(ids.isna().sum()):,} of {len(ids):,} rows have no "
            f"{id_col!r} (first: row {int(np.flatnonzero(ids.isna())[0])}). Fix: drop or fill them."
        )
    ids = ids.astype(str)
    dup = ids.duplicated()
    if dup.any():
        raise CRMLabInputError(
            f"covariate file {p.name}: {int(dup.sum()):,} of {len(ids):,} ids appear more than "
            f"once (first: {ids[dup].iloc[0]!r}); static covariates are one row per customer. "
            "Fix: keep one row per customer."
        )
    return table.assign(**{id_col: ids}).set_index(id_col)


def join_covariates(
    customers: pd.DataFrame, options: CovariateOptions
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Join the covariate table to the per-customer summary; refuse too many missing ids.

    Parameters
    ----------
    customers : DataFrame
        The per-customer summary (``frequency``, ``recency``, ``T``; index the customer id).
    options : CovariateOptions
        File, id column and covariate lists.

    Returns
    -------
    data : DataFrame
        The customers with covariates (and ``T > 0``), with the covariate columns.
    join : dict
        Counts: customers in the summary, those without covariates (left out), covariate rows
        that match no customer, and the accepted share.
    """
    table = read_covariates(options.path, options.id_col)
    data = customers.copy()
    data.index = data.index.astype(str)
    in_summary = data.index.isin(table.index)
    missing = int((~in_summary).sum())
    join = {
        "customers_in_summary": len(data),
        "customers_without_covariates": missing,
        "covariate_rows_without_customer": int((~table.index.isin(data.index)).sum()),
        "max_missing_share": options.max_missing_share,
    }
    if len(data) == 0 or missing / len(data) > options.max_missing_share:
        first = data.index[~in_summary][0] if missing else None
        raise CRMLabInputError(
            f"{missing:,} of {len(data):,} customers of the order log have no row in the "
            f"covariate file (first: {first!r}), more than the accepted "
            f"{options.max_missing_share:.0%}. Fix: check that --covariate-id-col holds the same "
            "ids as the order log's customer column (same type and format)."
        )
    data = data.loc[in_summary].join(table)
    data.attrs = dict(customers.attrs)
    return data[data["T"] > 0], join


@dataclass
class CovariateStage:
    """The covariates joined to the summary, waiting for the chosen model (one ``analyze`` run)."""

    options: CovariateOptions
    data: pd.DataFrame
    join: dict[str, Any]

    def analyse(self, model_cls: Any, out_dir: Path, progress: Any) -> dict:
        """Fit ``model_cls`` without and with the covariates (:func:`covariate_analysis`)."""
        progress.stage("covariates", len(self.data), str(self.options.path))
        return covariate_analysis(self.data, self.join, self.options, model_cls, out_dir)


def prepare_covariates(summary: Any, options: CovariateOptions | None) -> CovariateStage | None:
    """Join the covariate file to ``summary``'s customers (``None`` without covariates).

    Called before the fits, so a bad covariate file fails before any time is spent on them.
    """
    if options is None:
        return None
    data, join = join_covariates(summary.frame(["frequency", "recency", "T"]), options)
    return CovariateStage(options, data, join)


def record_covariates(info: dict, cov_info: dict | None, chosen: str) -> None:
    """Put each model's ``coefficients`` (none unless covariates) and ``covariates`` in ``info``."""
    for name, model in info["models"].items():
        model["coefficients"] = cov_info["coefficients"] if cov_info and name == chosen else []
    if cov_info is not None:
        info["covariates"] = cov_info


def covariate_analysis(
    data: pd.DataFrame, join: dict, options: CovariateOptions, model_cls: Any, out_dir: Path
) -> dict:
    """Fit without and with covariates and describe the result for ``model.json``.

    Parameters
    ----------
    data, join
        The output of :func:`join_covariates`.
    options : CovariateOptions
        The covariate lists.
    model_cls : class
        The transaction model of the analysis (e.g. :class:`crmlab.clv.BetaGeo`).
    out_dir : Path
        Output folder; ``report_data/covariates.png`` is written there.

    Returns
    -------
    dict
        ``join`` (counts), ``coefficients`` (records), ``lr_test``, log-likelihoods, ``aic``
        and ``bic`` of both fits, ``model`` and the figure's path.
    """
    plain = model_cls().fit(data)
    full = model_cls().fit(
        data,
        purchase_covariates=options.purchase or None,
        dropout_covariates=options.dropout or None,
        shared_covariates=options.shared or None,
    )
    from crmlab.clv import likelihood_ratio_test

    lr = likelihood_ratio_test(plain, full)
    coefs = full.coefficients_.reset_index()
    figure = _figure(full, data, out_dir)
    return {
        "model": model_cls.__name__,
        "join": join,
        "n_customers": int(full.n_customers_),
        "coefficients": coefs.to_dict(orient="records"),
        "params": dict(full.params_),
        "lr_test": {"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value},
        "log_likelihood": {"without": plain.log_likelihood_, "with": full.log_likelihood_},
        "aic": {"without": plain.aic_, "with": full.aic_},
        "bic": {"without": plain.bic_, "with": full.bic_},
        "figure": str(figure.relative_to(out_dir)),
    }


def _figure(model: Any, data: pd.DataFrame, out_dir: Path) -> Path:
    from matplotlib.figure import Figure  # no pyplot: no global figure state

    from crmlab.plotting import plot_expected_by_group

    cols = model.covariates_.columns
    groups = data[cols].astype(str).agg(" · ".join, axis=1)
    if groups.nunique() > _MAX_GROUPS:
        first = data[cols[0]]
        groups = (
            pd.qcut(first, 4, duplicates="drop").astype(str)
            if first.nunique() > _MAX_GROUPS
            else first.astype(str)
        )
    expected = model.expected_purchases(data, 52.0 if model.time_unit_ == "W" else 12.0)
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    plot_expected_by_group(expected, groups.rename(" · ".join(cols)), ax=ax)
    ax.set_xlabel(" · ".join(cols))
    ax.set_title("Expected purchases in the next year by covariate group")
    path = out_dir / "report_data" / "covariates.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def report_section(info: dict, out_dir: Path) -> str:
    """The report's covariate section as HTML (inline image, no script)."""
    from crmlab.clv import rate_ratios

    coefs = pd.DataFrame(info["coefficients"]).set_index(["process", "covariate"])
    ratios = rate_ratios(coefs).round(3)
    lr, join = info["lr_test"], info["join"]
    png = base64.b64encode((out_dir / info["figure"]).read_bytes()).decode()
    buf = io.StringIO()
    buf.write("<section id='covariates'><h2>Covariates: who buys more, who leaves</h2>")
    buf.write(
        f"<p>{info['model']} fitted on {info['n_customers']:,} customers with covariates "
        f"({join['customers_without_covariates']:,} customers of the log had none and are left "
        f"out; {join['covariate_rows_without_customer']:,} rows of the covariate file match no "
        "customer). A rate ratio above 1 means more purchases (purchase process) or leaving "
        "sooner (drop-out process) per unit of the covariate; it is an association, not a "
        "cause.</p>"
    )
    buf.write(coefs.round(4).join(ratios[["rate_ratio", "lower", "upper"]]).to_html())
    buf.write(
        f"<p>Likelihood-ratio test against the model without covariates: statistic "
        f"{lr['statistic']:.2f}, {lr['df']} degrees of freedom, p = {lr['p_value']:.3g}. "
        f"AIC {info['aic']['without']:.1f} without and {info['aic']['with']:.1f} with the "
        f"covariates; BIC {info['bic']['without']:.1f} and {info['bic']['with']:.1f}.</p>"
    )
    buf.write(
        f"<img alt='expected purchases by covariate group' src='data:image/png;base64,{png}'>"
    )
    buf.write("</section>")
    return buf.getvalue()


def add_to_report(report: Path, section: str) -> None:
    """Insert ``section`` before the end of ``report.html`` (a page crmlab has just written)."""
    html = report.read_text(encoding="utf-8")
    at = html.rfind("</body>")
    html = html[:at] + section + html[at:] if at >= 0 else html + section
    report.write_text(html, encoding="utf-8")
