"""``crmlab analyze`` end to end: the firm export with its report, CDNOW, and bad input (exit 2)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from crmlab.cli import main
from crmlab.datasets import simulate_firm_export

from conftest import ROOT

FIRM_ARGS = [
    "--customer-col", "kundennr", "--date-col", "bestelldatum", "--amount-col", "umsatz_eur",
    "--date-format", "%d.%m.%Y",
]  # fmt: skip


@pytest.mark.slow
def test_command_on_firm_export_writes_an_offline_report(tmp_path, capsys):
    simulate_firm_export(1500, path=tmp_path / "export", random_state=11)
    out = tmp_path / "out"
    argv = ["analyze", str(tmp_path / "export" / "*.parquet"), *FIRM_ARGS, "--out", str(out)]
    code = main([*argv, "--calibration-end", "2024-03-31", "--margin", "0.25", "--csv"])
    assert code == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    for stage in ("memory limit", "summary", "fitting", "scoring", "report"):
        assert stage in err
    assert {p.name for p in out.iterdir()} >= {
        "report.html", "customers.parquet", "customers.csv", "model.json",
    }  # fmt: skip
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.I)
    assert html.count("data:image/png;base64") >= 5  # figures embedded
    assert "How far to trust this" in html and "customer equity" in html.lower()
    assert "import crmlab" not in html and "What you will learn" not in html  # no code, no lesson
    info = json.loads((out / "model.json").read_text())
    assert info["options"]["margin"] == 0.25
    assert f"{info['equity']['estimate']:,.0f}" in html
    assert len(pd.read_csv(out / "customers.csv")) == 1500


def test_command_on_cdnow(tmp_path, cdnow_master, capsys):
    path = tmp_path / "cdnow.parquet"
    cdnow_master.to_parquet(path)
    argv = ["analyze", str(path), "--customer-col", "customer_id", "--date-col", "date"]
    out = tmp_path / "out"  # not the folder holding the input (refused)
    argv += ["--amount-col", "amount", "--calibration-end", "1997-09-30", "--out", str(out)]
    assert main([*argv, "--no-report", "--quiet"]) == 0
    info = json.loads((out / "model.json").read_text())
    assert info["counts"]["n_customers"] == 23_570 and info["counts"]["repeaters"] == 9_451
    assert info["models"]["bgnbd"]["params"]["r"] == pytest.approx(0.2516, abs=5e-4)
    assert len(pd.read_parquet(out / "customers.parquet")) == 23_570


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            {"--date-format": "%Y-%m-%d"},
            r"file 'orders_part\d\.parquet': column 'bestelldatum': .* rows",
        ),
        ({"--customer-col": "kunde"}, r"column 'kunde' is missing from 3 of 3 files.*'kundennr'"),
        ({"--calibration-end": "2030-01-01"}, r"calibration_end 2030-01-01 is outside the data"),
        ({"--amount-col": "filiale", "--margin": "30"}, r"margin .* between 0 and 1"),
    ],
)
def test_bad_input_exits_2_with_one_paragraph(tmp_path, capsys, change, pattern):
    simulate_firm_export(100, path=tmp_path / "export", random_state=1)
    args = dict(zip(FIRM_ARGS[::2], FIRM_ARGS[1::2], strict=True))
    args.update(change)
    argv = ["analyze", str(tmp_path / "export"), "--out", str(tmp_path / "out"), "--quiet"]
    argv += [x for kv in args.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("crmlab analyze: bad input: ")
    assert re.search(pattern, err), err
    assert "Fix:" in err


def test_negative_amounts_and_missing_input_exit_2(tmp_path, capsys):
    tx = simulate_firm_export(100, random_state=1)
    tx.loc[tx.index[:3], "umsatz_eur"] = -5.0
    tx.to_csv(tmp_path / "orders.csv", index=False)
    argv = ["analyze", str(tmp_path / "orders.csv"), *FIRM_ARGS, "--out", str(tmp_path / "o")]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "file 'orders.csv': column 'umsatz_eur': 3 of" in err and "--returns net" in err
    assert main(["analyze", str(tmp_path / "nope*.csv"), *FIRM_ARGS, "--out", "x", "--quiet"]) == 2
    assert "matches no file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("dates", "pattern"),
    [
        (
            ["--no-dayfirst"],
            r"column 'bestelldatum': \d+ of .* do not match date_format '%m\.%d\.%Y'",
        ),
        (["--dayfirst", "--tz", "Asia/Shanghai"], r"no zone-aware times, so tz='Asia/Shanghai'"),
    ],
)
def test_dayfirst_and_tz_reach_the_summary(tmp_path, capsys, dates, pattern):
    """``--dayfirst`` / ``--tz`` are read like ``dayfirst=`` / ``tz=`` of every log reader."""
    simulate_firm_export(100, path=tmp_path / "export", random_state=1)
    argv = ["analyze", str(tmp_path / "export"), *FIRM_ARGS[:6], *dates]
    assert main([*argv, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert re.search(pattern, capsys.readouterr().err)


def test_readme_lists_every_engine():
    """The engines the README describes are those of the registry."""
    from crmlab.engines import ENGINES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"`--engine (\w+)`", readme)) == set(ENGINES)
