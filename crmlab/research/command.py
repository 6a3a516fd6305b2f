"""The ``crmlab analyze`` command: arguments, progress, and a clear message for bad input.

``crmlab.cli`` adds the subcommand with :func:`add_parser` and calls :func:`run`; everything
the command does is :func:`crmlab.research.analyze`.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``analyze`` subcommand to the ``crmlab`` command's subparsers.

    The ``--engine`` choices and their help come from :data:`crmlab.engines.ENGINES`, the
    ``--model`` choices from :data:`crmlab.research.MODELS`.
    """
    from crmlab.engines.registry import ENGINES, engine_help
    from crmlab.research.result import MAX_HORIZON_MONTHS, MODELS

    p = sub.add_parser(
        "analyze",
        help="CLV analysis of an order log: report.html, customers.parquet, model.json",
        description="From a raw order log (CSV / Parquet files, a glob or a folder) to a "
        "validated CLV report, per-customer scores and the fitted models.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="file, glob or folder of orders. A path that exists is read as that file whatever "
        "characters it holds ('sales [2023].csv'); only a name that does not exist is expanded "
        "as a pattern, in which a literal *, ? or [ is written in brackets: 'sales [[]*].csv'",
    )
    p.add_argument("--customer-col", required=True, help="column with the customer id")
    p.add_argument("--date-col", required=True, help="column with the order date")
    p.add_argument("--amount-col", default=None, help="column with the order value")
    p.add_argument(
        "--amount-expr",
        default=None,
        help="the order value as an expression over the columns, e.g. 'Quantity * UnitPrice'",
    )
    p.add_argument(
        "--where",
        default=None,
        help='keep only rows where this condition holds, e.g. "Quantity > 0 AND '
        "StockCode <> 'POST'\" (removed rows are counted in the report)",
    )
    p.add_argument(
        "--drop-missing-customers",
        action="store_true",
        help="remove (and count) rows without a customer id instead of refusing them",
    )
    p.add_argument(
        "--returns",
        choices=["refuse", "net"],
        default="refuse",
        help="negative amounts: refuse (default) or net them per customer and day (a day whose "
        "net amount is not positive is not a purchase)",
    )
    p.add_argument(
        "--out",
        required=True,
        help="folder for the outputs: new, empty or written by crmlab before (its "
        "crmlab-manifest.json lists what it wrote); not an input folder. The run is written "
        "beside it and swapped in at the end, replacing the previous run's files",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="write into --out although it holds files crmlab did not write (those with the "
        "names of the outputs are replaced, others left alone)",
    )
    p.add_argument("--calibration-end", default=None, help="last day of calibration (holdout)")
    p.add_argument("--observation-end", default=None, help="last day of the data")
    p.add_argument("--date-format", default=None, help="strftime format of text dates")
    p.add_argument(
        "--dayfirst",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="text dates put the day first (--no-dayfirst: the month); one format per column",
    )
    p.add_argument("--tz", default=None, help="time zone to read zone-aware dates in")
    p.add_argument("--time-unit", choices=["D", "W", "M"], default="W")
    p.add_argument(
        "--engine",
        choices=list(ENGINES),
        default=next(iter(ENGINES)),
        help="where the summary runs. " + engine_help(),
    )
    p.add_argument("--spark-master", default=None, help="Spark master URL (default local)")
    p.add_argument("--margin", type=float, default=1.0, help="share of revenue that is profit")
    p.add_argument("--yearly-discount-rate", type=float, default=0.10)
    p.add_argument(
        "--horizon-months",
        type=int,
        default=12,
        help=f"CLV horizon in months, 1 to {MAX_HORIZON_MONTHS} (default 12)",
    )
    p.add_argument("--model", choices=[*MODELS, "auto"], default="bgnbd")
    p.add_argument(
        "--allow-returns", action="store_true", help="deprecated: the same as --returns net"
    )
    p.add_argument(
        "--normalize-ids",
        action="store_true",
        help="read ids that differ only by surrounding spaces, a trailing '.0' or letter case "
        "as one customer (by default they are refused); the count is reported",
    )
    p.add_argument(
        "--uncertainty",
        choices=["delta", "bootstrap"],
        default="delta",
        help="intervals from the covariance of the estimates (delta; the bootstrap is used when "
        "it does not exist) or from refits on resampled customers (bootstrap)",
    )
    p.add_argument("--bootstrap-samples", type=int, default=200, help="refits of the bootstrap")
    p.add_argument("--currency", default=None, help="currency code shown on money, e.g. GBP")
    p.add_argument("--language", choices=["en", "zh"], default="en", help="report language")
    p.add_argument("--csv", action="store_true", help="also write customers.csv")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument(
        "--memory-limit",
        default=None,
        metavar="SIZE",
        help="memory budget of the whole run, e.g. 4GB or 512MB: the engine gets 60%%, the "
        "customers are scored in chunks sized from the rest (default CRMLAB_MEMORY_LIMIT, else "
        "the smaller of half the RAM and 8 GB; stated in model.json and the progress lines)",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress (by default one line per stage with its time, rows and peak memory, "
        "and a bar for a long summary or scoring)",
    )
    p.add_argument("--covariates", default=None, metavar="FILE", help="customer table to join")
    p.add_argument("--covariate-id-col", default=None, help="customer id column of FILE")
    for process in ("purchase", "dropout", "shared"):
        p.add_argument(
            f"--{process}-covariates", default="", metavar="A,B", help=f"{process} covariates"
        )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the analysis; 0 on success, 2 with a one-paragraph message for bad input."""
    from crmlab.errors import CRMLabInputError
    from crmlab.research import analyze

    try:
        result = analyze(
            args.inputs if len(args.inputs) > 1 else args.inputs[0],
            customer_col=args.customer_col,
            date_col=args.date_col,
            amount_col=args.amount_col,
            calibration_end=args.calibration_end,
            observation_end=args.observation_end,
            date_format=args.date_format,
            dayfirst=args.dayfirst,
            tz=args.tz,
            time_unit=args.time_unit,
            engine=args.engine,
            spark_master=args.spark_master,
            margin=args.margin,
            yearly_discount_rate=args.yearly_discount_rate,
            horizon_months=args.horizon_months,
            model=args.model,
            amount_expr=args.amount_expr,
            where=args.where,
            drop_missing_customers=args.drop_missing_customers,
            returns=args.returns,
            allow_returns=args.allow_returns,
            normalize_ids=args.normalize_ids,
            uncertainty=args.uncertainty,
            bootstrap_samples=args.bootstrap_samples,
            currency=args.currency,
            language=args.language,
            out=args.out,
            overwrite=args.overwrite,
            csv=args.csv,
            report=not args.no_report,
            random_state=args.random_state,
            quiet=args.quiet,
            covariates=_covariate_options(args),
            memory_limit=args.memory_limit,
        )
    except (CRMLabInputError, TypeError, ValueError) as exc:
        text = " ".join(str(exc).split())
        print(f"crmlab analyze: bad input: {text}", file=sys.stderr)
        return 2
    if not args.quiet:
        verdicts = ", ".join(f"{r.check}: {r.verdict}" for r in result.trust.itertuples())
        print(f"wrote {result.out} ({verdicts})")
    return 0


def _covariate_options(args: argparse.Namespace):
    """The ``--covariates`` options, or None; refuses lists without a file and the reverse."""
    from crmlab.errors import CRMLabInputError
    from crmlab.research.covariates import CovariateOptions

    lists = {
        p: [c.strip() for c in getattr(args, f"{p}_covariates").split(",") if c.strip()]
        for p in ("purchase", "dropout", "shared")
    }
    if args.covariates is None:
        if any(lists.values()) or args.covariate_id_col:
            raise CRMLabInputError(
                "covariate columns were given without --covariates FILE. Fix: add --covariates."
            )
        return None
    if not args.covariate_id_col or not (lists["purchase"] or lists["dropout"]):
        raise CRMLabInputError(
            "--covariates needs --covariate-id-col and at least one of --purchase-covariates "
            "and --dropout-covariates (comma-separated column names)."
        )
    return CovariateOptions(
        args.covariates,
        args.covariate_id_col,
        purchase=lists["purchase"],
        dropout=lists["dropout"],
        shared=lists["shared"],
    )
