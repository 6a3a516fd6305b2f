"""The publishable report: summary first, formatted tables, figures/ and tables/, en and zh."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from crmlab.datasets import FIRM_EXPORT, simulate_firm_export
from crmlab.research import analyze
from crmlab.research.outputs import load_result
from crmlab.research.report import input_name, write_report

FIRM = {k: FIRM_EXPORT[k] for k in ("customer_col", "date_col", "amount_col", "date_format")}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    simulate_firm_export(700, path=folder / "export", random_state=8)
    analyze(
        folder / "export", calibration_end="2024-03-31", margin=0.3, currency="EUR",
        n_draws=0, out=folder / "out", quiet=True, **FIRM,
    )  # fmt: skip
    return folder / "out"


def test_report_opens_with_the_summary_and_names_the_input(out):
    html = (out / "report.html").read_text(encoding="utf-8")
    info = json.loads((out / "model.json").read_text())
    assert "<title>CLV analysis of export (3 files)</title>" in html
    summary = html.split('id="summary"', 1)[1].split("</section>", 1)[0]
    eq = info["equity"]
    for text in ("Overall verdict", "Customers scored", "BG/NBD", "Most important caveats"):
        assert text in summary
    assert f"{eq['low']:,.0f} EUR" in summary and f"{eq['high']:,.0f} EUR" in summary
    assert "<script" not in html.lower() and "研究" not in html and "忠诚" not in html
    assert "4.5e+06" not in html and not re.search(r"\d\.\d+e[+-]\d", html)


def test_every_figure_and_table_is_written_under_its_caption_name(out):
    html = (out / "report.html").read_text(encoding="utf-8")
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figures == sorted(p.stem for p in (out / "figures").glob("*.svg"))
    assert len(figures) >= 5
    for name in figures:
        assert f"figures/{name}.png" in html
    tables = sorted((out / "tables").glob("*.csv"))
    for path in tables:
        assert f"tables/{path.name}" in html
        frame = pd.read_csv(path)
        assert not frame.columns[0].startswith("Unnamed")  # no index column
    counts = pd.read_csv(out / "tables" / "data_counts.csv")
    assert {"rows_read", "rows_removed_by_where", "n_scored"} <= set(counts["item"])


def test_chinese_report(out):
    info = json.loads((out / "model.json").read_text())
    info["options"]["language"] = "zh"
    (out / "model.json").write_text(json.dumps(info), encoding="utf-8")
    html = write_report(load_result(out), out).read_text(encoding="utf-8")
    assert "<title>export (3 files) 的客户终身价值分析</title>" in html and "总体结论" in html


def test_input_name():
    assert input_name([{"path": "/data/orders.csv"}]) == "orders.csv"
    assert input_name([{"path": f"/d/retail/{i}.csv"} for i in range(305)]) == "retail (305 files)"
    assert input_name([{"path": "<pandas DataFrame>"}]) == "<pandas DataFrame>"
