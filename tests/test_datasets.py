"""Registry, fetch (download path tested on a local HTTP server, never the internet), loaders."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab import datasets
from crmlab.datasets import registry
from crmlab.datasets.registry import REGISTRY, RemoteFile, fetch
from crmlab.errors import CRMLabInputError, DatasetError

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_registry_matches_the_mirror_checksums():
    for entry in REGISTRY.values():
        path = fetch(entry.name)
        assert path == registry.data_home() / entry.filename
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256
        assert entry.url.startswith("https://")


def test_unknown_dataset_lists_known_names():
    with pytest.raises(KeyError, match="known datasets: .*cdnow_master"):
        fetch("cdnow")


@pytest.fixture()
def local_server(tmp_path):
    """Serve a folder over HTTP on 127.0.0.1 (a stand-in for the public URL)."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # silence the request log
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(served))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _point_registry_at(monkeypatch, name, url):
    entry = REGISTRY[name]
    patched = RemoteFile(**{**entry.__dict__, "url": url + entry.filename})
    monkeypatch.setitem(registry.REGISTRY, name, patched)
    return patched


def test_fetch_downloads_verifies_and_caches(tmp_path, monkeypatch, local_server):
    served, url = local_server
    shutil.copy(MIRROR / "lifetimes_donations.csv", served)
    cache = tmp_path / "cache"
    monkeypatch.setenv("CRMLAB_DATA", str(cache))
    _point_registry_at(monkeypatch, "donations", url)
    path = fetch("donations")
    assert path == cache / "lifetimes_donations.csv"
    assert path.read_bytes() == (MIRROR / "lifetimes_donations.csv").read_bytes()
    # second call uses the cache: the server can disappear
    (served / "lifetimes_donations.csv").unlink()
    assert fetch("donations") == path
    assert datasets.load_donations()["weights"].sum() == 11104


def test_download_with_wrong_hash_is_not_kept(tmp_path, monkeypatch, local_server):
    served, url = local_server
    (served / "lifetimes_donations.csv").write_text("frequency,recency\n1,1\n")
    cache = tmp_path / "cache"
    monkeypatch.setenv("CRMLAB_DATA", str(cache))
    _point_registry_at(monkeypatch, "donations", url)
    with pytest.raises(DatasetError, match="does not match the published file"):
        fetch("donations")
    assert not (cache / "lifetimes_donations.csv").exists()


def test_corrupted_cached_file_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAB_DATA", str(tmp_path))
    bad = tmp_path / "cdnow_sample.txt"
    bad.write_bytes((MIRROR / "cdnow_sample.txt").read_bytes()[:-10])
    actual = hashlib.sha256(bad.read_bytes()).hexdigest()
    with pytest.raises(DatasetError) as info:
        datasets.load_cdnow(sample=True)
    message = str(info.value)
    assert actual in message and REGISTRY["cdnow_sample"].sha256 in message
    assert "delete it" in message and str(bad) in message


def test_offline_without_copy_says_which_file_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAB_DATA", str(tmp_path))
    # port 9 on loopback: nothing listens, the connection is refused at once
    _point_registry_at(monkeypatch, "telco_churn", "http://127.0.0.1:9/")
    with pytest.raises(DatasetError, match="put the file modeldata_wa_churn.csv") as info:
        fetch("telco_churn")
    assert str(tmp_path) in str(info.value) and "CRMLAB_DATA" in str(info.value)


def test_data_home_defaults_to_a_user_cache(monkeypatch):
    monkeypatch.delenv("CRMLAB_DATA", raising=False)
    assert "crmlab" in str(datasets.data_home())


def test_describe_mentions_url_hash_and_licence():
    text = datasets.describe("cdnow_master")
    assert REGISTRY["cdnow_master"].url in text and "licence" in text


def test_load_cdnow_master_is_one_row_per_line():
    tx = datasets.load_cdnow()
    assert list(tx.columns) == ["customer_id", "date", "quantity", "amount"]
    assert len(tx) == 69_659 and tx["customer_id"].nunique() == 23_570
    assert tx["customer_id"].iloc[0] == "00001"  # ids kept as written, zero-padded
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    assert tx["quantity"].dtype == np.int64 and tx["amount"].dtype == np.float64
    # quirks documented in shared/data/README.md are still there: nothing dropped or merged
    assert (tx["amount"] == 0).sum() == 80
    assert tx.duplicated().sum() == 255


def test_load_cdnow_sample_keeps_sample_id():
    tx = datasets.load_cdnow(sample=True)
    assert len(tx) == 6_919 and tx["customer_id"].nunique() == 2_357
    assert tx["sample_id"].min() == "0001" and tx["sample_id"].max() == "2357"
    master = datasets.load_cdnow()
    merged = tx.merge(master.drop_duplicates(), on=["customer_id", "date", "quantity", "amount"])
    assert (
        merged[["customer_id", "date"]].drop_duplicates().shape[0]
        == (tx[["customer_id", "date"]].drop_duplicates().shape[0])
    )


def test_load_telco_churn():
    df = datasets.load_telco_churn()
    assert df.shape == (7_043, 20) and "rownames" not in df.columns
    assert round(df["churn"].mean() * 100, 2) == 26.54  # shared/data/README.md
    assert df["contract"].cat.ordered
    assert list(df["contract"].cat.categories) == ["Month-to-month", "One year", "Two year"]
    blank = df["total_charges"].isna()
    assert blank.sum() == 11 and (df.loc[blank, "tenure"] == 0).all()


def test_load_hr_attrition():
    df = datasets.load_hr_attrition()
    assert df.shape == (1_470, 31) and "rownames" not in df.columns
    assert round(df["Attrition"].mean() * 100, 2) == 16.12  # shared/data/README.md
    js = df["JobSatisfaction"]
    assert js.cat.ordered and list(js.cat.categories) == ["Low", "Medium", "High", "Very_High"]
    assert df["WorkLifeBalance"].cat.categories[0] == "Bad"
    assert not df.isna().any().any()


def test_files_in_a_subfolder_are_downloaded_there(tmp_path, monkeypatch, local_server):
    served, url = local_server
    (served / "clvtools").mkdir()
    shutil.copy(MIRROR / "clvtools" / "apparelStaticCov.rda", served / "clvtools")
    entry = REGISTRY["apparel_static_covariates"]
    patched = RemoteFile(**{**entry.__dict__, "url": url + entry.filename})
    monkeypatch.setitem(registry.REGISTRY, entry.name, patched)
    monkeypatch.setenv("CRMLAB_DATA", str(tmp_path / "cache"))
    path = fetch(entry.name)
    assert path == tmp_path / "cache" / "clvtools" / "apparelStaticCov.rda"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256


def test_online_retail_is_305_verified_day_files():
    days = [n for n in REGISTRY if n.startswith("online_retail/")]
    assert len(days) == 305
    assert REGISTRY["online_retail/2010-12-01"].url.endswith("/by-day/2010-12-01.csv")
    assert "305 daily files" in datasets.describe()
    assert "online_retail/2010-12-02" not in datasets.describe()  # summarised in one entry


def test_load_apparel_transactions_and_covariates():
    tx = datasets.load_apparel_transactions()
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert len(tx) == 3_187 and tx["customer_id"].nunique() == 600
    assert tx.groupby("customer_id")["date"].min().eq(pd.Timestamp("2005-01-02")).all()
    assert tx["date"].max() == pd.Timestamp("2010-12-20")
    cov = datasets.load_apparel_covariates()
    assert list(cov.columns) == ["customer_id", "gender", "channel"]
    assert len(cov) == 600 and set(cov["customer_id"]) == set(tx["customer_id"])
    assert set(cov["gender"]) == {0, 1} and set(cov["channel"]) == {0, 1}
    dyn = datasets.load_apparel_covariates("dynamic")
    assert len(dyn) == 187_800 and dyn["high_season"].isin([0, 1]).all()
    assert dyn["date"].min() == pd.Timestamp("2005-01-02")
    # the static part of the weekly file agrees with the static file
    first = dyn.drop_duplicates("customer_id").set_index("customer_id")
    same = cov.set_index("customer_id")[["gender", "channel"]]
    assert first[["gender", "channel"]].loc[same.index].equals(same)
    with pytest.raises(ValueError, match="kind must be one of static"):
        datasets.load_apparel_covariates("weekly")


def test_load_online_retail_keeps_every_line():
    df = datasets.load_online_retail()
    assert len(df) == 541_909  # shared/data/README.md
    assert df["customer_id"].isna().sum() == 135_080
    assert df["customer_id"].nunique() == 4_372 and df["country"].nunique() == 38
    assert df["invoice"].str.startswith("C").sum() == 9_288
    assert df.loc[0, "customer_id"] == "17850"
    assert np.allclose(df["amount"], df["quantity"] * df["unit_price"])
    uk = df.dropna(subset=["customer_id"]).groupby("customer_id")["country"].first()
    assert 0.85 < (uk == "United Kingdom").mean() < 0.95


def test_load_donations():
    df = datasets.load_donations()
    assert list(df.columns) == ["frequency", "recency", "periods", "weights"]
    assert len(df) == 22 and df["weights"].sum() == 11_104 and (df["periods"] == 6).all()


def test_unknown_generator_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="crmlab.datasets attribute simulate_nothing"):
        datasets.simulate_nothing  # noqa: B018


@pytest.mark.parametrize(
    ("generator", "argument"),
    [
        ("simulate_b2b_accounts", "n_accounts"),
        ("simulate_b2b_accounts", "n_key"),
        ("simulate_membership_cards", "n_members"),
        ("simulate_crm_extract", "n_customers"),
        ("simulate_firm_export", "n_customers"),
        ("simulate_loyalty_survey", "n"),
        ("simulate_service_profit_chain", "n_branches"),
        ("simulate_service_profit_chain", "employees_per_branch"),
        ("simulate_service_profit_chain", "customers_per_branch"),
        ("simulate_transaction_log", "n_transactions"),
        ("simulate_transaction_log", "n_customers"),
    ],
)
def test_generators_refuse_counts_that_are_not_whole(generator, argument):
    """A fractional or textual count is an error naming the argument, never truncated."""
    make = getattr(datasets, generator)
    with pytest.raises(CRMLabInputError, match=rf"{argument} must be a whole number.*2\.5"):
        make(**{argument: 2.5})
    with pytest.raises(TypeError, match=argument):
        make(**{argument: "2000"})


def test_online_retail_purchases_reports_what_it_leaves_out():
    lines = datasets.load_online_retail()
    out = datasets.online_retail_purchases(lines)
    dropped = out.attrs["dropped"]
    assert dropped["no customer id"] == 135_080  # shared/data/README.md
    assert sum(dropped.values()) + len(out) == len(lines)
    assert list(out.columns) == ["customer_id", "date", "amount", "country"]
    assert (out["amount"] > 0).all() and out["customer_id"].notna().all()
    assert (out["date"] == out["date"].dt.normalize()).all()
