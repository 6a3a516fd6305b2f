"""A seeded generator of a firm's order export (BG/NBD buying, Gamma-Gamma spend).

The export has the firm's own column names, text dates in a stated format and several files.

It stands in for the file a researcher gets from a firm's system, so that ``crmlab analyze``
and the lesson-10 research template can be run, tested and taught without real data, and the
estimates can be compared with the true parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CRMLabInputError
from crmlab.validation import as_whole_number

__all__ = ["FIRM_EXPORT", "simulate_firm_export"]

#: Column names, date format and true parameters of the default firm export.
FIRM_EXPORT: dict[str, Any] = {
    "customer_col": "kundennr",
    "date_col": "bestelldatum",
    "amount_col": "umsatz_eur",
    "date_format": "%d.%m.%Y",
    "time_unit": "W",
    "bgnbd": {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5},
    "gamma_gamma": {"p": 6.0, "q": 4.0, "gamma": 15.0},
}


def _orders(
    n: int,
    rng: np.random.Generator,
    *,
    acquisition_weeks: float,
    observation_weeks: float,
    bg: dict,
    gg: dict,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer index, day offset and amount of every purchase (first purchases included)."""
    lam = rng.gamma(bg["r"], 1.0 / bg["alpha"], size=n)  # purchases per week while alive
    drop = rng.beta(bg["a"], bg["b"], size=n)  # chance of leaving after each repeat purchase
    acq = rng.uniform(0.0, acquisition_weeks, size=n)
    horizon = observation_weeks - acq
    n_poisson = rng.poisson(lam * horizon)  # purchases in (acq, end] if never leaving
    k_alive = rng.geometric(np.clip(drop, 1e-12, 1.0))  # repeat purchases until leaving
    m = np.minimum(n_poisson, k_alive)
    # the first m of n_poisson uniform order statistics on (0, horizon)
    idx = np.repeat(np.arange(n), m)
    gaps = rng.exponential(1.0, size=int(m.sum()))
    starts = np.r_[0, np.cumsum(m)[:-1]]
    cum = np.cumsum(gaps)
    before = np.repeat(np.r_[0.0, cum][starts], m)
    s_j = cum - before
    s_m = np.zeros(n)
    has = m > 0
    s_m[has] = s_j[np.cumsum(m)[has] - 1]
    rest = rng.gamma(np.maximum(n_poisson - m + 1, 1).astype(float), 1.0)
    total = s_m + rest
    t_repeat = acq[idx] + horizon[idx] * s_j / total[idx]
    cust = np.r_[np.arange(n), idx]
    weeks = np.r_[acq, t_repeat]
    nu = rng.gamma(gg["q"], 1.0 / gg["gamma"], size=n)  # rate of each customer's spend
    amount = rng.gamma(gg["p"], 1.0 / nu[cust])
    day = np.floor(weeks * 7.0).astype(np.int64)
    return cust, day, amount


def _labels(n: int, offset: int) -> np.ndarray:
    """Customer numbers "K0000001", ... (one string per customer, shared by its orders)."""
    return np.array([f"K{i:07d}" for i in range(offset, offset + n)], dtype=object)


def simulate_firm_export(
    n_customers: int = 5000,
    *,
    path: str | Path | None = None,
    n_files: int = 3,
    file_format: str = "parquet",
    start: str = "2023-01-02",
    acquisition_weeks: float = 26.0,
    observation_weeks: float = 104.0,
    split_rate: float = 0.05,
    id_offset: int = 0,
    text_dates: bool = True,
    random_state=None,
) -> pd.DataFrame | list[Path]:
    """Simulate a firm's order export (German-style column names, ``dd.mm.yyyy`` text dates).

    Generating process (true parameters in :data:`FIRM_EXPORT`): ``n_customers`` customers
    make their first purchase at a uniform time in the first ``acquisition_weeks`` weeks from
    ``start``; each buys at a Gamma(r=0.25, alpha=4.0)-distributed weekly rate while alive and
    leaves after each repeat purchase with a Beta(a=0.8, b=2.5)-distributed probability (BG/NBD);
    each order's value is Gamma(p=6) with a customer rate from Gamma(q=4, gamma=15), so the
    mean spend per order is p * gamma / (q - 1) = 30 EUR (Gamma-Gamma). Observation ends
    ``observation_weeks`` weeks after ``start``. A share ``split_rate`` of orders is exported
    as two lines on the same day (the value split in two), as order systems do with split
    deliveries. Rows are shuffled.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    path : str or Path, optional
        Folder to write ``orders_part{i}`` files to (split by order date into ``n_files``
        periods); without it the frame is returned.
    n_files : int
        Number of files.
    file_format : {"parquet", "csv"}
        File type (CSV files are written with a header, comma-separated).
    start : str
        First day of the acquisition period.
    acquisition_weeks, observation_weeks : float
        Length of the acquisition window and of the whole export, in weeks.
    split_rate : float
        Share of orders exported as two same-day lines.
    id_offset : int
        First customer number (to generate disjoint blocks of customers).
    text_dates : bool
        Write dates as ``dd.mm.yyyy`` text (default) or as a date column (for benchmarks).
    random_state : int or Generator, optional
        Seed.

    Returns
    -------
    DataFrame or list of Path
        Columns ``kundennr`` (text such as ``"K0000042"``), ``bestelldatum`` (text
        ``dd.mm.yyyy``), ``umsatz_eur`` (float, cents) and ``filiale`` (store number); or the
        written files.
    """
    n = as_whole_number(n_customers, "n_customers", minimum=1)
    if file_format not in ("parquet", "csv"):
        raise CRMLabInputError(
            f"file_format must be 'parquet' or 'csv', got {file_format!r}. Fix: pass one of them."
        )
    rng = np.random.default_rng(random_state)
    cust, day, amount = _orders(
        n,
        rng,
        acquisition_weeks=acquisition_weeks,
        observation_weeks=observation_weeks,
        bg=FIRM_EXPORT["bgnbd"],
        gg=FIRM_EXPORT["gamma_gamma"],
    )
    last = int(observation_weeks * 7) - 1
    day = np.minimum(day, last)
    split = np.flatnonzero(rng.random(len(cust)) < split_rate)
    share = rng.uniform(0.2, 0.8, size=len(split))
    extra = amount[split] * (1.0 - share)
    amount[split] *= share
    cust = np.r_[cust, cust[split]]
    day = np.r_[day, day[split]]
    amount = np.r_[amount, extra]
    order = rng.permutation(len(cust))
    cust, day, amount = cust[order], day[order], np.round(amount[order], 2)
    dates = np.datetime64(start, "D") + day.astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "kundennr": _labels(n, id_offset)[cust],
            "bestelldatum": (
                pd.to_datetime(dates).strftime("%d.%m.%Y") if text_dates else pd.to_datetime(dates)
            ),
            "umsatz_eur": amount,
            "filiale": rng.integers(1, 13, size=len(cust)),
        }
    )
    if path is None:
        return frame
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, last + 1, int(n_files) + 1)
    part = np.clip(np.searchsorted(bounds, day, side="right") - 1, 0, int(n_files) - 1)
    paths = []
    for i in range(int(n_files)):
        chunk = frame[part == i]
        target = folder / f"orders_part{i + 1}.{file_format}"
        if file_format == "parquet":
            chunk.to_parquet(target, index=False)
        else:
            chunk.to_csv(target, index=False)
        paths.append(target)
    return paths
