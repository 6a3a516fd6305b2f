"""A hostile tester's corpus for ``crmlab analyze``, ``load_result`` and the engines (issue #21).

Each case is a crafted input, option or output path that once gave a traceback, a destroyed
file or a silently wrong number; each must now give the right result or a clear exit-2 message.
Small files only (150 customers, no report, no bootstrap): the corpus costs seconds.
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from crmlab.cli import main
from crmlab.datasets import simulate_firm_export
from crmlab.engines import summarize
from crmlab.errors import CRMLabInputError
from crmlab.research import analyze, load_result
from crmlab.research.output_folder import MANIFEST
from crmlab.transactions import rfm_summary

FIRM = {"date_col": "bestelldatum", "amount_col": "umsatz_eur", "date_format": "%d.%m.%Y"}
FAST = {"quiet": True, "report": False, "n_draws": 0}
FIRM_ARGS = [
    "--date-col", "bestelldatum", "--amount-col", "umsatz_eur", "--date-format", "%d.%m.%Y",
    "--quiet", "--no-report",
]  # fmt: skip
INJECTION = """frequency" FROM c; COPY (SELECT 'x') TO 'pwned.txt'; SELECT "frequency"""
HOSTILE_NAMES = [
    INJECTION,
    "O'Brien",
    'say "hi"',
    "id; DROP TABLE crm_raw; --",
    "id /* comment */",
    "id -- comment",
    "`id`",
    "segment",
    "Frequency",
    "crm_source_file",
    "customer",
]


@pytest.fixture(scope="module")
def orders():
    return simulate_firm_export(150, random_state=1)


def _run_cli(argv, capsys):
    code = main(argv)
    return code, capsys.readouterr().err


def _bad(err: str, *words: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("crmlab analyze: bad input: "), err
    for w in words:
        assert w in err, err


# -- 1. no text spliced into SQL ------------------------------------------------------------------
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_column_names_are_identifiers_on_every_fast_engine(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    tx = pd.DataFrame(
        {name: ["a", "a", "b"], "d": ["2024-01-01", "2024-01-05", "2024-01-02"], "x": [1.0] * 3}
    )
    tx.to_csv("orders.csv", index=False)
    ref = rfm_summary(tx, customer_col=name, date_col="d", amount_col="x", time_unit="D")
    for engine in ("duckdb", "pandas"):
        got = summarize(
            "orders.csv", customer_col=name, date_col="d", amount_col="x", time_unit="D",
            engine=engine,
        ).frame()  # fmt: skip
        assert got.index.name == name
        assert got["frequency"].to_dict() == ref["frequency"].to_dict()
    assert not (tmp_path / "pwned.txt").exists()


@pytest.mark.parametrize("name", [INJECTION, "segment", "Frequency", "crm_source_file"])
def test_analyze_with_a_hostile_id_column_writes_one_column_per_name(tmp_path, orders, name):
    data = orders.rename(columns={"kundennr": name})
    if name != "crm_source_file":
        data = data.rename(columns={"filiale": "crm_source_file"})
    data.to_csv(tmp_path / "orders.csv", index=False)
    r = analyze(tmp_path / "orders.csv", customer_col=name, out=tmp_path / "o", **FIRM, **FAST)
    scores = pd.read_parquet(r.out / "customers.parquet")
    assert scores.columns[0] == name and scores.columns.is_unique
    assert scores[name].is_unique and len(scores) == r.info["counts"]["n_scored"]
    clash = {"segment": "segment", "Frequency": "frequency"}.get(name)
    if clash:  # the score column gave way, and model.json says where it went
        assert r.info["output_columns"][clash] == "crm_" + clash
    assert r.tables["segments"]["customers"].sum() == len(scores)  # a segment per segment
    assert not (tmp_path / "pwned.txt").exists() and not list(tmp_path.rglob("pwned.txt"))
    assert load_result(r.out).model_name == "bgnbd"


# -- 2. an output folder crmlab owns ---------------------------------------------------------------
def test_reruns_replace_the_previous_run_and_leave_no_stale_files(tmp_path, orders):
    orders.to_csv(tmp_path / "orders.csv", index=False)
    out = tmp_path / "out"
    opts = {"customer_col": "kundennr", **FIRM, **FAST}
    analyze(tmp_path / "orders.csv", out=out, csv=True, **opts)
    assert (out / "customers.csv").exists()
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert "customers.parquet" in listed and "model.json" in listed
    analyze(tmp_path / "orders.csv", out=out, **opts)
    assert not (out / "customers.csv").exists()  # the old run's file left with it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "out"]  # no temp left


def test_a_failed_run_leaves_the_previous_output_untouched(tmp_path, orders, monkeypatch):
    import crmlab.research.pipeline as pipeline

    orders.to_csv(tmp_path / "orders.csv", index=False)
    out = tmp_path / "out"
    opts = {"customer_col": "kundennr", **FIRM, **FAST}
    analyze(tmp_path / "orders.csv", out=out, **opts)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def boom(result, *, render):
        (result.out / "model.json").write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "write_outputs", boom)
    with pytest.raises(KeyboardInterrupt):
        analyze(tmp_path / "orders.csv", out=out, **opts)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv", "out"]


def test_foreign_files_are_refused_unless_overwrite(tmp_path, orders, capsys):
    crm = tmp_path / "crm"
    crm.mkdir()
    orders.to_csv(crm / "orders.csv", index=False)
    mine = tmp_path / "mine"
    (mine / "customers.parquet").mkdir(parents=True)
    (mine / "customers.parquet" / "keep.txt").write_text("user data")
    (mine / "notes.txt").write_text("notes")
    argv = ["analyze", str(crm / "orders.csv"), "--customer-col", "kundennr", *FIRM_ARGS]
    code, err = _run_cli([*argv, "--out", str(mine)], capsys)
    assert code == 2
    _bad(err, "did not write", "notes.txt", "--overwrite")
    assert (mine / "customers.parquet" / "keep.txt").read_text() == "user data"
    analyze(crm / "orders.csv", customer_col="kundennr", out=mine, overwrite=True, **FIRM, **FAST)
    assert (mine / "notes.txt").read_text() == "notes"  # not an output name: left alone
    assert (mine / "customers.parquet").is_file()
    # the input's own folder, a folder inside it, and a folder holding an input file
    for out, words in [
        (crm, "holds the input file"),
        (tmp_path, "holds the input file"),
    ]:
        code, err = _run_cli([*argv, "--out", str(out)], capsys)
        assert code == 2
        _bad(err, words)
    code, err = _run_cli(["analyze", str(crm), "--customer-col", "kundennr", *FIRM_ARGS,
                          "--out", str(crm / "results")], capsys)  # fmt: skip
    assert code == 2
    _bad(err, "input folder")
    assert sorted(p.name for p in crm.iterdir()) == ["orders.csv"]


@pytest.mark.parametrize(
    ("out", "words"),
    [
        ("", "--out is empty"),
        ("orders.csv", "names a file"),
        ("/proc/crmlab-x/y", "cannot be created"),
    ],
)
def test_impossible_out_exits_2_with_the_reason(tmp_path, orders, capsys, monkeypatch, out, words):
    monkeypatch.chdir(tmp_path)
    orders.to_csv("orders.csv", index=False)
    code, err = _run_cli(
        ["analyze", "orders.csv", "--customer-col", "kundennr", *FIRM_ARGS, "--out", out], capsys
    )
    assert code == 2
    _bad(err, words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


def test_out_names_with_quotes_and_patterns_are_literal(tmp_path, orders):
    orders.to_csv(tmp_path / "orders.csv", index=False)
    opts = {"customer_col": "kundennr", **FIRM, **FAST}
    analyze(tmp_path / "orders.csv", out=tmp_path / "run1x", **opts)  # `run*x` would read it
    for name in ("run*x", "O'Brien [1], a:b"):
        r = analyze(tmp_path / "orders.csv", out=tmp_path / name, **opts)
        assert r.out == tmp_path / name
        assert r.tables["segments"]["customers"].sum() == r.info["counts"]["n_scored"]


# -- 3. literal paths ----------------------------------------------------------------------------
def test_an_existing_path_is_read_as_that_file_whatever_it_holds(tmp_path, orders):
    named = tmp_path / "sales [2023].csv"
    orders.to_csv(named, index=False)
    orders.head(10).to_csv(tmp_path / "sales 2.csv", index=False)  # what `[2023]` would match
    for engine in ("duckdb", "pandas"):
        s = summarize(named, customer_col="kundennr", engine=engine, **FIRM)
        assert s.counts["n_rows"] == len(orders)
    r = analyze(str(named), customer_col="kundennr", out=tmp_path / "o", **FIRM, **FAST)
    assert [i["path"] for i in r.info["inputs"]] == [str(named)]
    assert r.info["counts"]["n_rows"] == len(orders)


def test_help_says_how_to_pass_a_literal_name_that_looks_like_a_pattern(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "A path that exists is read as that file" in text and "[[]" in text
    assert "--overwrite" in text and "--normalize-ids" in text and "240" in text


# -- 4. one customer, one id ---------------------------------------------------------------------
def _ids_log(ids):
    days = [f"2024-01-{d:02d}" for d in range(1, len(ids) + 1)]
    return pd.DataFrame({"c": ids, "d": days, "a": np.arange(1.0, len(ids) + 1)})


def test_ids_that_differ_by_spaces_dot_zero_or_case_are_refused_or_normalised(tmp_path):
    tx = _ids_log(["17850", "17850.0", " 17850", "K1", "k1", "B2", "B2"])
    tx.to_csv(tmp_path / "ids.csv", index=False)
    opts = {"customer_col": "c", "date_col": "d", "amount_col": "a", "time_unit": "D"}
    for engine in ("duckdb", "pandas"):
        with pytest.raises(CRMLabInputError, match=r"2 customers are written in more than one"):
            summarize(tmp_path / "ids.csv", engine=engine, **opts)
        with pytest.raises(CRMLabInputError, match=r"'17850' and '17850.0'|' 17850' and"):
            summarize(tmp_path / "ids.csv", engine=engine, **opts)
        s = summarize(tmp_path / "ids.csv", engine=engine, normalize_ids=True, **opts)
        f = s.frame()
        assert sorted(f.index) == ["17850", "B2", "K1"]
        assert f.loc["17850", "frequency"] == 2 and s.counts["ids_merged"] == 3


def test_whole_float_ids_read_as_integers_and_duplicate_columns_refused(tmp_path):
    tx = _ids_log([17850.0, 17850.0, 3.0])
    tx.to_parquet(tmp_path / "f.parquet")
    opts = {"customer_col": "c", "date_col": "d", "amount_col": "a", "time_unit": "D"}
    for engine in ("duckdb", "pandas"):
        f = summarize(tmp_path / "f.parquet", engine=engine, **opts).frame()
        assert list(f.index) == [3, 17850] and f.index.dtype.kind == "i"
    (tmp_path / "dup.csv").write_text("c,d,c,a\n1,2024-01-01,2,3\n")
    dup = pd.DataFrame([[1, "2024-01-01", 2, 3.0]], columns=["c", "d", "c", "a"])
    for engine in ("duckdb", "pandas"):
        for source in (tmp_path / "dup.csv", dup):
            with pytest.raises(CRMLabInputError, match="'c' more than once"):
                summarize(source, engine=engine, **opts)


# -- 5. one day everywhere -----------------------------------------------------------------------
def test_text_offsets_count_the_written_local_day_on_every_engine(tmp_path):
    clock = ["2023-07-14T03:30:00+08:00", "2023-07-14T23:30:00+08:00", "2023-07-16T00:10+08:00"]
    tx = pd.DataFrame({"c": ["a", "a", "a"], "d": clock, "a": [1.0, 2.0, 3.0]})
    tx.to_csv(tmp_path / "one.csv", index=False)
    opts = {"customer_col": "c", "date_col": "d", "amount_col": "a", "time_unit": "D"}
    ref = rfm_summary(tx, customer_col="c", date_col="d", amount_col="a", time_unit="D")
    assert ref.loc["a", "frequency"] == 1 and ref.loc["a", "T"] == 2  # 14 and 16 July
    for engine in ("duckdb", "pandas"):
        got = summarize(tmp_path / "one.csv", engine=engine, **opts).frame()
        assert got.loc["a", ["frequency", "T"]].tolist() == [1, 2]
    mixed = tx.assign(d=[clock[0], "2023-07-14T23:30:00-05:00", clock[2]])
    mixed.to_csv(tmp_path / "mixed.csv", index=False)
    naive = tx.assign(d=[clock[0], "2023-07-15 10:00", clock[2]])
    naive.to_csv(tmp_path / "naive.csv", index=False)
    shanghai = rfm_summary(
        mixed, customer_col="c", date_col="d", amount_col="a", time_unit="D", tz="Asia/Shanghai"
    )
    for engine in ("duckdb", "pandas"):
        with pytest.raises(CRMLabInputError, match="zone|offset"):
            summarize(tmp_path / "mixed.csv", engine=engine, **opts)
        with pytest.raises(CRMLabInputError, match="zone|offset"):
            summarize(tmp_path / "naive.csv", engine=engine, **opts)
        got = summarize(tmp_path / "mixed.csv", engine=engine, tz="Asia/Shanghai", **opts)
        assert got.frame()[["frequency", "T"]].equals(shanghai[["frequency", "T"]])
    with pytest.raises(CRMLabInputError, match="not a time zone"):
        summarize(tmp_path / "one.csv", tz="Mars/Olympus", **opts)


# -- 7. spreadsheets -----------------------------------------------------------------------------
def test_customers_csv_escapes_formula_cells(tmp_path, orders):
    evil = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tx"]
    ids = orders["kundennr"].unique()
    mapping = dict(zip(ids[: len(evil)], evil, strict=True))
    data = orders.assign(kundennr=orders["kundennr"].map(lambda k: mapping.get(k, k)))
    data.to_csv(tmp_path / "orders.csv", index=False)
    r = analyze(tmp_path / "orders.csv", customer_col="kundennr", out=tmp_path / "o", csv=True,
                **FIRM, **FAST)  # fmt: skip
    written = pd.read_csv(r.out / "customers.csv", dtype={"kundennr": str}, keep_default_na=False)
    scored = set(pd.read_parquet(r.out / "customers.parquet")["kundennr"])
    for e in evil:
        if e in scored:  # the parquet keeps the id; the CSV cell is text
            assert "'" + e in set(written["kundennr"])
    assert not written["kundennr"].str.match(r"^[=+\-@\t\r]").any()


# -- 8. load_result validates ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory, orders):
    folder = tmp_path_factory.mktemp("saved")
    orders.to_csv(folder / "orders.csv", index=False)
    r = analyze(folder / "orders.csv", customer_col="kundennr", out=folder / "out", **FIRM, **FAST)
    return r.out


def _scale_r(i):
    i["models"]["bgnbd"]["params"]["r"] *= 10


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (_scale_r, "does not give the p_alive"),
        (lambda i: i["models"]["bgnbd"]["params"].update(r=1e308), "params.r"),
        (lambda i: i["spend_model"].update(covariance_log=[[1.0]]), "3 x 3"),
        (lambda i: i["spend_model"]["standard_errors"].update(p=-1), "standard_errors.p"),
        (lambda i: i["spend_model"]["params"].update(q=0.5), "params.q"),
        (lambda i: i.pop("periods"), "'periods' is missing"),
        (lambda i: i.pop("schema_version"), "schema_version"),
        (lambda i: i.update(customers_sha256="0" * 64), "sha256"),
        (lambda i: i.update(chosen_model="paretonbd"), "chosen_model"),
    ],
)
def test_load_result_refuses_a_tampered_model_json(tmp_path, saved, tamper, words):
    folder = tmp_path / "r"
    shutil.copytree(saved, folder)
    info = json.loads((folder / "model.json").read_text())
    changed = copy.deepcopy(info)
    tamper(changed)
    (folder / "model.json").write_text(json.dumps(changed))
    with pytest.raises(CRMLabInputError, match="model.json|customers.parquet") as err:
        load_result(folder)
    assert words in str(err.value)


@pytest.mark.parametrize("text", ["{nope", "[" * 100_000 + "]" * 100_000, "[1, 2]"])
def test_load_result_refuses_what_is_not_a_result(tmp_path, saved, text):
    folder = tmp_path / "r"
    shutil.copytree(saved, folder)
    (folder / "model.json").write_text(text)
    with pytest.raises(CRMLabInputError, match="model.json"):
        load_result(folder)
    with pytest.raises(CRMLabInputError, match="does not exist"):
        load_result(tmp_path / "nothing")


# -- 9. bounded options and unreadable files -------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty (0 bytes)"),
        ("kundennr,bestelldatum,umsatz_eur\nJos\xe9,01.01.2024,1\n".encode("latin-1"), "UTF-8"),
        (
            gzip.compress(b"kundennr,bestelldatum,umsatz_eur\nA,01.01.2024,1\n", mtime=0),
            "gzip bytes",
        ),
        (  # the first bad byte beyond what the probe reads: the engine's error, made clear
            (
                "kundennr,bestelldatum,umsatz_eur\n"
                + "".join(f"K{i},01.01.2024,1\n" for i in range(8000))
                + "Jos\xe9,01.01.2024,1\n"
            ).encode("latin-1"),
            "UTF-8",
        ),
    ],
    ids=["empty", "latin-1", "gzip", "latin-1 late"],  # the same names on every xdist worker
)
def test_unreadable_csv_files_exit_2(tmp_path, capsys, content, words):
    (tmp_path / "orders.csv").write_bytes(content)
    code, err = _run_cli(
        ["analyze", str(tmp_path / "orders.csv"), "--customer-col", "kundennr", *FIRM_ARGS,
         "--out", str(tmp_path / "o")], capsys)  # fmt: skip
    assert code == 2
    _bad(err, words, "Fix:")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("months", ["241", "100000000000000000000", "0"])
def test_horizon_months_is_bounded(tmp_path, orders, capsys, months):
    orders.to_csv(tmp_path / "orders.csv", index=False)
    code, err = _run_cli(
        ["analyze", str(tmp_path / "orders.csv"), "--customer-col", "kundennr", *FIRM_ARGS,
         "--out", str(tmp_path / "o"), "--horizon-months", months], capsys)  # fmt: skip
    assert code == 2
    _bad(err, "--horizon-months", "240")


# -- 9. crmlab book: failed or unexecuted copies, a file as --out -----------------------------------
def test_book_reexecutes_failed_copies_and_refuses_sources_and_files(tmp_path, capsys, monkeypatch):
    import os

    import nbformat

    import crmlab.runner
    from crmlab.book.site import build_book, ensure_executed, find_lessons

    src, done = tmp_path / "notebooks", tmp_path / "done"
    src.mkdir()
    done.mkdir()
    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(source, src / "01_a.ipynb")
    lessons = find_lessons(src, executed_dir=done, exercises_dir=tmp_path)
    later = (lessons[0].source.stat().st_mtime + 10,) * 2
    failed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    failed.cells[0].execution_count = 1
    failed.cells[0].outputs = [
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])
    ]
    ok = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=1)])
    ran = []
    monkeypatch.setattr(
        crmlab.runner, "run_notebooks", lambda paths, *a, **k: ran.append(paths) or []
    )
    for copy_, stale in ((failed, True), (source, True), (ok, False)):
        nbformat.write(copy_, lessons[0].executed)
        os.utime(lessons[0].executed, later)
        assert (ensure_executed(lessons, progress=False) == lessons) is stale
    assert len(ran) == 2
    with pytest.raises(CRMLabInputError, match="lesson sources"):
        build_book(tmp_path / "site", notebooks_dir=src, executed_dir=src,
                   exercises_dir=tmp_path, progress=False)  # fmt: skip
    (tmp_path / "file.txt").write_text("mine")
    with pytest.raises(CRMLabInputError, match="is a file"):
        build_book(tmp_path / "file.txt", notebooks_dir=src, executed_dir=done, progress=False)
    assert (tmp_path / "file.txt").read_text() == "mine"
    assert main(["book", "--out", str(tmp_path / "file.txt"), str(src / "01_a.ipynb")]) == 2
    assert "is a file" in capsys.readouterr().err
