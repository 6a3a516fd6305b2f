"""Loaders that turn the registry's raw files into tidy pandas frames."""

from __future__ import annotations

import pandas as pd

from crmlab.datasets.registry import fetch

__all__ = [
    "load_apparel_covariates",
    "load_apparel_transactions",
    "load_cdnow",
    "load_donations",
    "load_hr_attrition",
    "load_online_retail",
    "load_telco_churn",
    "online_retail_purchases",
]


def load_cdnow(sample: bool = False) -> pd.DataFrame:
    """CDNOW CD purchases: the classic log for buy-till-you-die models.

    The customers are the 23,570 people who made their first purchase at the online music shop
    CDNOW in the first quarter of 1997; every purchase they made until 1998-06-30 is recorded.
    ``sample=True`` gives the 1/10 sample (2,357 customers, 6,919 rows) that Fader, Hardie & Lee
    (2005) use, so published estimates can be reproduced on it.

    Returns
    -------
    pandas.DataFrame
        One row per line of the file, in file order; nothing merged or dropped.

        - ``customer_id`` (str): the id exactly as written, zero-padded (``"00001"``).
        - ``sample_id`` (str, sample only): the sample's own id ``"0001"`` .. ``"2357"``.
        - ``date`` (datetime64): day of the order, 1997-01-01 .. 1998-06-30.
        - ``quantity`` (int): number of CDs in the order.
        - ``amount`` (float): order value in US dollars.

    Notes
    -----
    Quirks (master file): 80 rows of $0.00, 255 exact duplicate rows, and 2,068 rows that share
    customer and date with another row. The buy-till-you-die convention merges same-day orders
    into one transaction; :func:`crmlab.transactions.rfm_summary` does that and says so.
    Sample file: 8 rows of $0.00 and 21 exact duplicates. Source: Fader & Hardie (2001), via
    brucehardie.com and the MIT-licensed *lifetimes* package; free for research and teaching.
    """
    if sample:
        path = fetch("cdnow_sample")
        names = ["customer_id", "sample_id", "date", "quantity", "amount"]
        header = None
    else:
        path = fetch("cdnow_master")
        names = ["customer_id", "date", "quantity", "amount"]
        header = 0
    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=header,
        names=names,
        dtype={"customer_id": str, "sample_id": str, "date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["amount"] = frame["amount"].astype("float64")
    return frame


_TELCO_CATEGORIES = [
    "multiple_lines",
    "internet_service",
    "online_security",
    "online_backup",
    "device_protection",
    "tech_support",
    "streaming_tv",
    "streaming_movies",
    "payment_method",
]


def load_telco_churn() -> pd.DataFrame:
    """Telco subscribers and whether they left: 7,043 rows, 20 columns.

    IBM's Watson Analytics telco sample as cleaned in the R package *modeldata* (``wa_churn``):
    snake_case names, yes/no flags as 0/1, the customer id dropped.

    Returns
    -------
    pandas.DataFrame
        - ``churn`` (int 0/1): 1 if the customer left within the last month (26.5% did).
        - ``tenure`` (int): months with the company, 0..72.
        - ``contract``: ordered categorical Month-to-month < One year < Two year.
        - ``monthly_charges``, ``total_charges`` (float, dollars).
        - demographic and service flags (``female``, ``senior_citizen``, ``partner``,
          ``dependents``, ``phone_service``, ``paperless_billing``: int 0/1) and service
          categories (categorical).

    Notes
    -----
    The file's ``rownames`` index column is dropped. ``total_charges`` is blank, read as NaN, in
    11 rows, all with tenure 0 (new customers not yet billed); it is roughly tenure x monthly
    charges, so it adds little beyond them. There are 22 exact duplicate rows, an artefact of the
    dropped id; they are kept. Licence: IBM sample data, redistributed in MIT-licensed modeldata.
    """
    frame = pd.read_csv(fetch("telco_churn")).drop(columns="rownames")
    frame["churn"] = (frame["churn"] == "Yes").astype("int64")
    frame["contract"] = pd.Categorical(
        frame["contract"], categories=["Month-to-month", "One year", "Two year"], ordered=True
    )
    for col in _TELCO_CATEGORIES:
        frame[col] = frame[col].astype("category")
    return frame


_LEVELS_4 = ["Low", "Medium", "High", "Very_High"]
_HR_ORDINAL = {
    "BusinessTravel": ["Non-Travel", "Travel_Rarely", "Travel_Frequently"],
    "Education": ["Below_College", "College", "Bachelor", "Master", "Doctor"],
    "EnvironmentSatisfaction": _LEVELS_4,
    "JobInvolvement": _LEVELS_4,
    "JobSatisfaction": _LEVELS_4,
    "PerformanceRating": ["Low", "Good", "Excellent", "Outstanding"],
    "RelationshipSatisfaction": _LEVELS_4,
    "WorkLifeBalance": ["Bad", "Good", "Better", "Best"],
}
_HR_NOMINAL = ["Department", "EducationField", "Gender", "JobRole", "MaritalStatus", "OverTime"]


def load_hr_attrition() -> pd.DataFrame:
    """Employees of a fictional firm and whether they left: 1,470 rows, 31 columns.

    IBM's HR analytics sample as cleaned in the R package *modeldata* (``attrition``), used in
    lesson 8 to look at employees as internal customers.

    Returns
    -------
    pandas.DataFrame
        - ``Attrition`` (int 0/1): 1 if the employee left (16.1% did).
        - ordinal ratings as ordered categoricals: ``EnvironmentSatisfaction``,
          ``JobSatisfaction``, ``RelationshipSatisfaction``, ``JobInvolvement`` (Low < Medium <
          High < Very_High), ``WorkLifeBalance`` (Bad < Good < Better < Best), ``Education``,
          ``PerformanceRating``, ``BusinessTravel``.
        - tenure columns in years: ``YearsAtCompany``, ``YearsInCurrentRole``,
          ``YearsSinceLastPromotion``, ``YearsWithCurrManager``, ``TotalWorkingYears``.
        - pay: ``MonthlyIncome``; and ``Age``, ``OverTime``, ``Department``, ``JobRole``, ...

    Notes
    -----
    The file's ``rownames`` column is dropped; there are no missing values. Honest caveats: the
    rate columns (``DailyRate``, ``HourlyRate``, ``MonthlyRate``) are noise; the four
    satisfaction items are mutually uncorrelated, so they do not form a reliable scale
    (Cronbach's alpha about 0); and years since the last promotion does not raise attrition in
    this file. Licence: IBM sample data, redistributed in MIT-licensed modeldata.
    """
    frame = pd.read_csv(fetch("hr_attrition")).drop(columns="rownames")
    frame["Attrition"] = (frame["Attrition"] == "Yes").astype("int64")
    for col, levels in _HR_ORDINAL.items():
        frame[col] = pd.Categorical(frame[col], categories=levels, ordered=True)
    for col in _HR_NOMINAL:
        frame[col] = frame[col].astype("category")
    return frame


def load_donations() -> pd.DataFrame:
    """Repeat donations of 11,104 first-time donors of 1995, the BG/BB example.

    Each row is a pattern shared by ``weights`` donors: ``frequency`` donations in the 6 yearly
    opportunities after the first (``periods`` = 6), the last of them in year ``recency``
    (0 if none). 22 rows. Source: Fader, Hardie & Shang (2010), via the MIT-licensed *lifetimes*
    package.
    """
    frame = pd.read_csv(fetch("donations"))
    return frame.astype("int64")


def _read_rda(name: str) -> pd.DataFrame:
    """The one data.frame in a registered R ``.rda`` file (read with the ``rdata`` package).

    ``rdata`` warns that it has no constructor for R's ``Date`` and ``data.table`` classes; the
    loaders convert those columns themselves (days since 1970-01-01), so only those two
    warnings are silenced.
    """
    import warnings

    import rdata

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message='Missing constructor for R class "Date"')
        warnings.filterwarnings("ignore", message='Missing constructor for R class "data.table"')
        objects = rdata.read_rda(fetch(name))
    (frame,) = objects.values()
    return pd.DataFrame(frame).reset_index(drop=True)


def _r_dates(days: pd.Series) -> pd.Series:
    """R ``Date`` values (days since 1970-01-01) as datetime64."""
    return pd.to_datetime(days.astype("int64"), unit="D")


def load_apparel_transactions() -> pd.DataFrame:
    """Purchases of 600 customers of an apparel retailer, 2005-2010 (CLVTools' example data).

    The R package CLVTools (Bachmann, Meierer & Naef) ships these data and publishes model
    estimates on them, so crmlab's covariate models can be compared with it number for number.

    Returns
    -------
    pandas.DataFrame
        3,187 rows, in file order; nothing merged or dropped.

        - ``customer_id`` (str): CLVTools' ``Id``, ``"1"`` .. ``"1225"`` (600 distinct).
        - ``date`` (datetime64): day of the purchase, 2005-01-02 .. 2010-12-20.
        - ``amount`` (float): the purchase's ``Price``.

    Notes
    -----
    Every customer's first purchase is on 2005-01-02 (one cohort). CLVTools counts same-day
    purchases as one transaction, as :func:`crmlab.transactions.rfm_summary` does. Licence:
    GPL-3 (CLVTools 0.12.1).
    """
    raw = _read_rda("apparel_transactions")
    return pd.DataFrame(
        {
            "customer_id": raw["Id"].astype(str).to_numpy(),
            "date": _r_dates(raw["Date"]).to_numpy(),
            "amount": raw["Price"].astype("float64").to_numpy(),
        }
    )


def load_apparel_covariates(kind: str = "static") -> pd.DataFrame:
    """Customer characteristics of the apparel data (CLVTools' covariates).

    Parameters
    ----------
    kind : {"static", "dynamic", "dynamic_future"}
        ``"static"``: one row per customer; ``"dynamic"``: one row per customer and week
        2005-01-02 .. 2010-12-26; ``"dynamic_future"``: the same for 2011-01-02 .. 2012-10-14.

    Returns
    -------
    pandas.DataFrame
        - ``customer_id`` (str): as in :func:`load_apparel_transactions`.
        - ``gender`` (int 0/1): 1 female, 0 male.
        - ``channel`` (int 0/1): 1 acquired offline, 0 online.
        - dynamic only: ``date`` (datetime64, the week's first day) and ``high_season``
          (int 0/1).

    Raises
    ------
    ValueError
        If ``kind`` is not one of the three names.
    """
    names = {
        "static": "apparel_static_covariates",
        "dynamic": "apparel_dynamic_covariates",
        "dynamic_future": "apparel_dynamic_covariates_future",
    }
    if kind not in names:
        raise ValueError(f"kind must be one of {', '.join(names)}; got {kind!r}.")
    raw = _read_rda(names[kind])
    out = pd.DataFrame({"customer_id": raw["Id"].astype(str).to_numpy()})
    if kind != "static":
        out["date"] = _r_dates(raw["Cov.Date"]).to_numpy()
        out["high_season"] = raw["High.Season"].astype("int64").to_numpy()
    out["gender"] = raw["Gender"].astype("int64").to_numpy()
    out["channel"] = raw["Channel"].astype("int64").to_numpy()
    return out


def load_online_retail() -> pd.DataFrame:
    """The UCI Online Retail log: 541,909 order lines of a UK online gift retailer.

    Read from its 305 daily files (each verified by sha256), 2010-12-01 to 2011-12-09.

    Returns
    -------
    pandas.DataFrame
        One row per order line, in file order; nothing merged or dropped.

        - ``invoice`` (str): the invoice number; ``C...`` marks a cancellation (negative
          ``quantity``), ``A...`` a bad-debt adjustment.
        - ``stock_code``, ``description`` (str).
        - ``quantity`` (int), ``unit_price`` (float, pounds sterling).
        - ``amount`` (float): ``quantity * unit_price`` (the file has no amount column).
        - ``date`` (datetime64): the invoice time.
        - ``customer_id`` (str): the id without the file's ``.0`` (``"17850"``); missing
          (``<NA>``) on 135,080 lines.
        - ``country`` (str): the customer's country (about 90% of customers in the UK).

    Notes
    -----
    Quirks: 9,288 cancellation lines; some lines are not sales (stock codes POST, M,
    AMAZONFEE, BANK CHARGES, D, DOT, CRUK, PADS; unit price 0); 8 customers appear under two
    countries. Licence: CC BY 4.0 (UCI dataset 352, Chen, Sain & Guo 2012).
    """
    from crmlab.datasets.registry import fetch_online_retail

    frames = [
        pd.read_csv(
            path,
            dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
        )
        for path in fetch_online_retail()
    ]
    raw = pd.concat(frames, ignore_index=True)
    ids = raw["CustomerID"]
    whole = ids.dropna() % 1 == 0
    if not whole.all():  # never the case in the published files: refuse rather than truncate
        raise ValueError(f"CustomerID {ids.dropna()[~whole].iloc[0]!r} is not a whole number.")
    customer = ids.astype("Int64").astype("string")
    out = pd.DataFrame(
        {
            "invoice": raw["InvoiceNo"],
            "stock_code": raw["StockCode"],
            "description": raw["Description"],
            "quantity": raw["Quantity"].astype("int64"),
            "unit_price": raw["UnitPrice"].astype("float64"),
            "date": pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S"),
            "customer_id": customer,
            "country": raw["Country"],
        }
    )
    out.insert(5, "amount", out["quantity"] * out["unit_price"])
    return out


#: Stock codes of the Online Retail log that are fees, postage or adjustments, not goods.
ONLINE_RETAIL_NON_SALES = ("POST", "M", "AMAZONFEE", "BANK CHARGES", "D", "DOT", "CRUK", "PADS")


def online_retail_purchases(lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Online Retail log reduced to purchases of goods by known customers, with a report.

    Parameters
    ----------
    lines : DataFrame, optional
        Output of :func:`load_online_retail` (loaded when not given).

    Returns
    -------
    DataFrame
        ``customer_id``, ``date`` (the invoice day), ``amount``, ``country``; one row per kept
        order line. ``attrs["dropped"]`` counts the lines left out per reason, in the order
        the rules are applied: no customer id, cancellation or adjustment invoice (``C``/``A``),
        fee or postage stock code, quantity or unit price not positive.
    """
    frame = load_online_retail() if lines is None else lines
    rules = {
        "no customer id": frame["customer_id"].isna(),
        "cancellation or adjustment invoice": frame["invoice"].str[0].isin(["C", "A"]),
        "fee, postage or adjustment stock code": frame["stock_code"].isin(ONLINE_RETAIL_NON_SALES),
        "quantity or unit price not positive": (frame["quantity"] <= 0)
        | (frame["unit_price"] <= 0),
    }
    keep = pd.Series(True, index=frame.index)
    dropped = {}
    for reason, mask in rules.items():
        dropped[reason] = int((keep & mask).sum())
        keep &= ~mask
    out = frame.loc[keep, ["customer_id", "date", "amount", "country"]].copy()
    out["customer_id"] = out["customer_id"].astype(str)
    out["date"] = out["date"].dt.normalize()
    out = out.reset_index(drop=True)
    out.attrs["dropped"] = dropped
    return out
