"""The publishable report of ``crmlab analyze``: ``report.html``, ``figures/`` and ``tables/``.

Written from a saved result (``model.json`` and ``report_data/``) with its own template,
``report.html.j2`` (Jinja2), not from a lesson: a title naming the input, a one-screen summary
(overall verdict and why, customers, model, customer equity with its interval, the three most
important caveats), then formatted tables (no index, thousands separators, the currency on every
money figure) and figures. Every figure is also written to ``figures/NAME.png`` and ``.svg`` and
every table to ``tables/NAME.csv`` under the name its caption shows. The page has no script and
fetches nothing: figures are embedded PNG images, styles are inline.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.research.report_text import COUNT_LABELS, MODEL_NAMES, words
from crmlab.research.trust import VERDICTS, overall

__all__ = ["write_report", "input_name", "summary_facts", "MODEL_REFERENCES"]

#: Where each model comes from: (short reference, BibTeX entry).
MODEL_REFERENCES = {
    "bgnbd": (
        "Fader, Hardie and Lee (2005)",
        "@article{fader2005counting,\n  author = {Fader, Peter S. and Hardie, Bruce G. S. and "
        "Lee, Ka Lok},\n  title = {``Counting Your Customers'' the Easy Way: An Alternative to "
        "the {Pareto/NBD} Model},\n  journal = {Marketing Science},\n  volume = {24},\n  "
        "number = {2},\n  pages = {275--284},\n  year = {2005}\n}",
    ),
    "paretonbd": (
        "Schmittlein, Morrison and Colombo (1987)",
        "@article{schmittlein1987counting,\n  author = {Schmittlein, David C. and Morrison, "
        "Donald G. and Colombo, Richard},\n  title = {Counting Your Customers: Who Are They and "
        "What Will They Do Next?},\n  journal = {Management Science},\n  volume = {33},\n  "
        "number = {1},\n  pages = {1--24},\n  year = {1987}\n}",
    ),
    "mbgnbd": (
        "Batislam, Denizel and Filiztekin (2007)",
        "@article{batislam2007empirical,\n  author = {Batislam, Emine Persentili and Denizel, "
        "Meltem and Filiztekin, Alpay},\n  title = {Empirical Validation and Comparison of "
        "Models for Customer Base Analysis},\n  journal = {International Journal of Research in "
        "Marketing},\n  volume = {24},\n  number = {3},\n  pages = {201--209},\n  year = {2007}\n}",
    ),
}
_GAMMA_GAMMA = (
    "@techreport{fader2005gammagamma,\n  author = {Fader, Peter S. and Hardie, Bruce G. S.},\n"
    "  title = {The {Gamma-Gamma} Model of Monetary Value},\n  institution = {University of "
    "Pennsylvania},\n  year = {2013}\n}"
)
#: Columns that hold money (shown with the currency).
_MONEY = {
    "revenue", "clv", "clv_low", "clv_high", "revenue_cal", "expected_spend", "monetary_value",
}  # fmt: skip
_SHARES = {"customers_share", "revenue_share", "clv_share"}


def input_name(inputs: Any) -> str:
    """A short name of the analysed input: the file, or the folder and how many files."""
    if not isinstance(inputs, list) or not inputs:
        return "the order log"
    paths = [Path(str(f.get("path", ""))) for f in inputs]
    if len(paths) == 1:
        return paths[0].name
    parents = {p.parent for p in paths}
    folder = parents.pop().name if len(parents) == 1 else "several folders"
    return f"{folder} ({len(paths):,} files)"


def _money(value: Any, currency: str | None) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def _cell(col: str, value: Any, currency: str | None) -> str:
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "n/a"
        if col in _MONEY:
            return _money(float(value), currency)
        if col in _SHARES:
            return f"{value:.1%}"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return f"{int(value):,}"
    return str(value)


def _html_table(frame: pd.DataFrame, currency: str | None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, rec, strict=True):
            text = _cell(str(col), v, currency)
            num = isinstance(v, int | float | np.number) and not isinstance(v, bool)
            cells.append(f'<td class="{"num" if num else "text"}">{html.escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def summary_facts(result: Any) -> dict:
    """What the first screen says: verdict and why, customers, model, equity, three caveats."""
    info = result.info
    t = words(info["options"].get("language", "en"))
    currency = info["options"].get("currency")
    trust = result.trust
    verdict = overall(trust)
    worst = trust[trust["verdict"] == verdict]
    why = (
        t["all_ok"]
        if verdict == "ok"
        else t["worst"].format(n=len(worst), verdict=verdict, checks=", ".join(worst["check"]))
    )
    ranked = trust.assign(rank=trust["verdict"].map(VERDICTS.index))
    ranked = ranked[ranked["rank"] > 0].sort_values("rank", ascending=False, kind="stable")
    caveats = [f"{r.check} ({r.verdict}): {r.value}" for r in ranked.head(3).itertuples()]
    eq = result.equity
    fields = {
        "estimate": _money(eq["estimate"], currency),
        "horizon": eq["horizon_months"],
        "margin": f"{eq['margin']:.0%}",
    }
    if eq.get("low") is not None:
        equity = t["equity_text"].format(
            low=_money(eq["low"], currency),
            high=_money(eq["high"], currency),
            method=eq["method"],
            **fields,
        )
    else:
        reason = eq.get("reason") or eq.get("method", "")
        equity = t["equity_none"].format(reason=reason, **fields)
    note = (eq.get("uncertainty") or {}).get("note")
    note = note[:1].upper() + note[1:] if note else note
    return {
        "verdict": verdict,
        "why": why,
        "customers": f"{info['counts']['n_scored']:,}",
        "model": f"{MODEL_NAMES[info['chosen_model']]} ({info['chosen_because']})",
        "equity": equity,
        "equity_note": note,
        "caveats": caveats,
    }


def _save(fig, folder: Path, name: str) -> str:
    folder.mkdir(exist_ok=True)
    fig.savefig(folder / f"{name}.svg", bbox_inches="tight")
    fig.savefig(folder / f"{name}.png", dpi=150, bbox_inches="tight")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figures(result: Any, folder: Path, currency: str | None) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from crmlab import plotting

    tables, out = result.tables, {}
    fig, ax = plt.subplots(figsize=(6, 3.5))
    plotting.plot_period_transactions(tables["period_transactions"], ax=ax)
    out["repeat_purchases"] = _save(fig, folder, "repeat_purchases")
    lorenz = tables["lorenz"]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(lorenz["customer_share"], lorenz["revenue_share"], label="Lorenz curve")
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="equal shares")
    ax.set_xlabel("share of customers (smallest revenue first)")
    ax.set_ylabel("share of calibration revenue")
    ax.legend()
    out["lorenz"] = _save(fig, folder, "lorenz")
    if "calibration_holdout" in tables:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        plotting.plot_calibration_holdout(tables["calibration_holdout"], ax=ax)
        out["calibration_holdout"] = _save(fig, folder, "calibration_holdout")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    plotting.plot_incremental_transactions(tables["tracking"], ax=ax)
    out["tracking"] = _save(fig, folder, "tracking")
    hist = tables["clv_histogram"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(
        hist["clv_from"], hist["customers"], width=hist["clv_from"].diff().median(), align="edge"
    )
    money = f" ({currency})" if currency else ""
    ax.set_xlabel(f"CLV per customer{money}; the last bar holds the top 1% and above")
    ax.set_ylabel("customers")
    out["clv_distribution"] = _save(fig, folder, "clv_distribution")
    return out


def _parameters(result: Any, t: dict) -> pd.DataFrame:
    p = result.tables["parameters"].copy()
    keep = [c for c in ("model", "parameter", "estimate", "std_error", "log_likelihood") if c in p]
    p = p[keep].copy()
    p["model"] = p["model"].map(lambda m: MODEL_NAMES.get(m, m))
    se = p["std_error"].astype(float)
    p["std_error"] = [f"{v:.3g}" if np.isfinite(v) else t["se_missing"] for v in se]
    return p


def _report_tables(result: Any, t: dict) -> dict[str, pd.DataFrame]:
    info, tables = result.info, result.tables
    counts = info["counts"]
    order = [k for k in COUNT_LABELS if k in counts]
    out = {
        "data_counts": pd.DataFrame(
            {"item": order, t["what"]: [COUNT_LABELS[k] for k in order]}
            | {t["count"]: [int(counts[k]) for k in order]}
        ),
        "repeat_purchases": tables["period_transactions"].reset_index(),
        "parameters": _parameters(result, t),
    }
    if result.metrics:
        m = pd.DataFrame(result.metrics).T.reset_index(names="model")
        m["model"] = m["model"].map(lambda x: MODEL_NAMES.get(x, x))
        out["holdout_metrics"] = m
    out["clv_quantiles"] = tables["clv_quantiles"]
    out["top_customers"] = tables["top_customers"]
    out["segments"] = tables["segments"][
        ["segment", "customers", "customers_share", "revenue_share", "clv_share", "mean_p_alive"]
    ]
    matrix = tables["value_matrix"][["quadrant", "customers", "revenue", "clv"]].copy()
    if t is words("en"):  # "loyal (忠诚)": Chinese names only in the Chinese report
        matrix["quadrant"] = matrix["quadrant"].str.replace(r"\s*\(.*\)$", "", regex=True)
    out["value_matrix"] = matrix
    out["trust_checks"] = result.trust[["check", "value", "verdict", "reason"]]
    return out


def write_report(result: Any, out: str | Path) -> Path:
    """Write ``report.html``, ``figures/`` and ``tables/`` for ``result``, saved in ``out``.

    ``result`` is the :class:`~crmlab.research.result.AnalysisResult` read back from ``out`` by
    :func:`crmlab.research.outputs.load_result` (the report shows what was written).
    """
    import jinja2

    out = Path(out)
    info = result.info
    language = info["options"].get("language", "en")
    currency = info["options"].get("currency")
    t = words(language)
    model = MODEL_NAMES[info["chosen_model"]]
    figures = _figures(result, out / "figures", currency)
    frames = _report_tables(result, t)
    (out / "tables").mkdir(exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(out / "tables" / f"{name}.csv", index=False)
    ref, bib = MODEL_REFERENCES[info["chosen_model"]]
    name = input_name(info.get("inputs"))
    conc = info["concentration"]
    periods = info["periods"]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    page = env.get_template("report.html.j2").render(
        t=t,
        lang=language,
        title=t["title"].format(name=name),
        facts=summary_facts(result),
        figures=figures,
        tables={k: _html_table(v, currency) for k, v in frames.items()},
        model=model,
        text={
            "data": t["data_text"].format(unit=t["unit_" + info["time_unit"]]),
            "repeat": t["repeat_text"].format(model=model),
            "concentration": t["concentration_text"].format(
                gini=f"{conc['gini']:.3f}", top20=f"{conc['top20_share']:.1%}"
            ),
            "models": t["models_text"].format(model=model, why=info["chosen_because"]),
            "holdout": t["holdout_text"].format(
                cal=periods["calibration_end"], obs=periods["observation_end"]
            )
            if periods["holdout"]
            else t["no_holdout"],
            "clv": t["clv_text"].format(model=model, horizon=info["options"]["horizon_months"]),
            "segments": t["segments_text"].format(model=model),
            "cite": t["cite_text"].format(
                version=info["crmlab_version"],
                engine=info["engine"],
                n_files=len(info["inputs"]) if isinstance(info["inputs"], list) else 1,
                model=model,
                model_ref=ref,
            ),
        },
        bibtex="\n\n".join([_software_bib(info, name), bib, _GAMMA_GAMMA]),
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _software_bib(info: dict, name: str) -> str:
    version = info["crmlab_version"]
    return (
        "@software{crmlab,\n  title = {crmlab: customer relationship management in Python},\n"
        f"  version = {{{version}}},\n  note = {{CLV analysis of {name}; inputs and options in "
        "model.json}\n}"
    )
