"""The memory budget (``--memory-limit``) and the progress lines of ``crmlab analyze``."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from crmlab.cli import main
from crmlab.datasets import simulate_firm_export
from crmlab.engines.memory import (
    DEFAULT_CAP,
    MIN_BYTES,
    MemoryBudget,
    default_memory_limit,
    parse_memory_limit,
    total_memory,
)
from crmlab.errors import CRMLabInputError
from crmlab.research.progress import Progress

FIRM_ARGS = [
    "--customer-col", "kundennr", "--date-col", "bestelldatum", "--amount-col", "umsatz_eur",
    "--date-format", "%d.%m.%Y", "--calibration-end", "2024-03-31", "--no-report",
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4GB", 4 * 10**9),
        ("4 GiB", 4 * 2**30),
        ("1.5gb", 15 * 10**8),
        ("6g", 6 * 2**30),
        ("512MiB", 512 * 2**20),
        (2 * 10**9, 2 * 10**9),
    ],
)
def test_memory_limit_is_parsed(text, size):
    assert parse_memory_limit(text) == size


@pytest.mark.parametrize(
    ("text", "says"),
    [("lots", "a size such as"), ("4XB", "unknown unit 'XB'"), ("100MB", "below"), ("-2GB", "")],
)
def test_bad_memory_limit_is_refused_with_the_fix(text, says):
    with pytest.raises(CRMLabInputError, match="memory_limit") as err:
        parse_memory_limit(text)
    assert says in str(err.value) and "Fix: " in str(err.value)


def test_default_is_half_the_ram_up_to_8gb(monkeypatch):
    monkeypatch.delenv("CRMLAB_MEMORY_LIMIT", raising=False)
    total = total_memory()
    expected = DEFAULT_CAP if total is None else max(MIN_BYTES, min(total // 2, DEFAULT_CAP))
    assert default_memory_limit() == expected
    budget = MemoryBudget.resolve(None)
    assert (budget.total, budget.source) == (expected, "default")
    monkeypatch.setenv("CRMLAB_MEMORY_LIMIT", "3GB")
    assert MemoryBudget.resolve(None).total == 3 * 10**9
    assert MemoryBudget.resolve("2GB").source == "memory_limit"  # the argument wins
    monkeypatch.setenv("CRMLAB_MEMORY_LIMIT", "three")
    with pytest.raises(CRMLabInputError, match="CRMLAB_MEMORY_LIMIT"):
        MemoryBudget.resolve(None)


def test_budget_is_shared_and_chunks_grow_with_it():
    small, large = MemoryBudget(10**9, "memory_limit"), MemoryBudget(8 * 10**9, "default")
    assert small.engine_bytes < small.total
    assert small.duckdb_setting == f"{small.engine_bytes // 2**20}MiB"
    assert 50_000 <= small.chunk_rows < large.chunk_rows <= 1_000_000


def test_progress_lines_carry_time_rows_and_peak_memory():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    record = progress.stage("summary", 12345, "engine duckdb")
    line = stream.getvalue().strip()
    assert re.search(
        r"summary\s+\d+\.\d s\s+12,345 rows\s+peak RSS \d+(\.\d)? [MG]B\s+engine duckdb", line
    )
    assert record["rows"] == 12345 and record["peak_rss_bytes"] > 10**7
    quiet = io.StringIO()
    Progress(quiet=True, stream=quiet).stage("summary", 1)
    assert quiet.getvalue() == ""


def test_bar_appears_only_for_long_stages():
    stream = io.StringIO()
    progress = Progress(stream=stream, bar_after=0.0)
    with progress.bar("scoring", 10, unit="customers") as update:
        update(10)
    assert "scoring" in stream.getvalue()
    late = io.StringIO()
    with Progress(stream=late, bar_after=60.0).bar("scoring", 10) as update:
        update(10)
    assert late.getvalue() == ""
    stop = Progress(stream=io.StringIO(), bar_after=0.0).polled("summary", lambda: 50.0)
    stop()  # the polling thread ends


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    simulate_firm_export(1000, path=folder / "export", random_state=11)
    return str(folder / "export" / "*.parquet")


@pytest.fixture
def delta_method(monkeypatch):
    """Customer equity's interval by the delta method (no bootstrap draws): seconds, not tens."""
    from crmlab.research import pipeline

    full = pipeline.estimate_uncertainty
    monkeypatch.setattr(pipeline, "estimate_uncertainty", lambda *a: full(*a[:4], 0))


def test_memory_limit_in_model_json_and_progress(export, tmp_path, capsys, delta_method):
    out = tmp_path / "out"
    code = main(["analyze", export, *FIRM_ARGS, "--out", str(out), "--memory-limit", "1GB"])
    err = capsys.readouterr().err
    assert code == 0, err
    info = json.loads((out / "model.json").read_text())
    assert info["memory"]["limit_bytes"] == 10**9
    assert info["memory"]["source"] == "memory_limit"
    assert "memory limit 1.0 GB" in err
    for stage in ("summary", "patterns", "fitting", "uncertainty", "diagnostics", "scoring"):
        assert re.search(rf"\] {stage}\s+\d+\.\d s .* peak RSS", err), stage
        assert stage in [s["stage"] for s in info["stages"]]
    assert f"{info['counts']['n_rows']:,} rows" in err
    assert main(["analyze", export, *FIRM_ARGS, "--out", str(tmp_path / "q"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_bad_memory_limit_exits_2_before_reading(export, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["analyze", export, *FIRM_ARGS, "--out", str(out), "--memory-limit", "4 bytes"])
    assert code == 2
    assert "memory_limit '4 bytes'" in capsys.readouterr().err
    assert not out.exists()


def test_chunked_scoring_writes_the_same_customers(export, tmp_path, monkeypatch):
    """Scoring in chunks of 7 customers writes exactly what one chunk writes."""
    from crmlab.research import analyze, outputs

    kwargs = dict(
        customer_col="kundennr",
        date_col="bestelldatum",
        amount_col="umsatz_eur",
        date_format="%d.%m.%Y",
        calibration_end="2024-03-31",
        quiet=True,
        report=False,
        n_draws=0,
    )
    whole = analyze(export, out=tmp_path / "whole", **kwargs)
    score = outputs.score_customers
    seen = []

    def small_chunks(*args, **kw):
        kw["rows"] = 7
        kw["on_chunk"] = seen.append
        return score(*args, **kw)

    monkeypatch.setattr("crmlab.research.pipeline.score_customers", small_chunks)
    chunked = analyze(export, out=tmp_path / "chunked", **kwargs)
    assert len(seen) > 50 and max(seen) <= 7
    a = pd.read_parquet(whole.out / "customers.parquet")
    b = pd.read_parquet(chunked.out / "customers.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert chunked.info["equity"]["estimate"] == pytest.approx(whole.info["equity"]["estimate"])
