"""Loaders that turn the registry's raw files into tidy pandas frames."""

from __future__ import annotations

import pandas as pd

from crmlab.datasets.registry import fetch

__all__ = ["load_cdnow", "load_telco_churn", "load_hr_attrition", "load_donations"]


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
