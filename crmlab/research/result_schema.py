"""The schema of ``model.json`` (versioned) and the checks :func:`load_result` runs before trusting it.

``model.json`` is written by :func:`crmlab.research.outputs.write_outputs` with
``schema_version`` :data:`SCHEMA_VERSION` and the sha256 of ``customers.parquet``. Reading it
back, every key the result needs is checked for presence, type and range (positive finite model
parameters, Gamma-Gamma ``q > 1``, non-negative standard errors, a k x k covariance of finite
numbers), the scores file is checked against its sha256, and the model is checked to reproduce
the P(alive) of a few written customers. Every failure is a
:class:`~crmlab.errors.CRMLabInputError` naming the file and the key.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from crmlab.errors import CRMLabInputError

__all__ = ["SCHEMA_VERSION", "MAX_PARAMETER", "read_info", "validate_info", "scores_sha256"]

#: Version of the ``model.json`` layout this crmlab writes and reads.
SCHEMA_VERSION = 1
#: Largest model parameter accepted when loading (fits are far below; 1e308 is not a fit).
MAX_PARAMETER = 1e8
_MAX_BYTES = 64 << 20
_PARAMS = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "paretonbd": ("r", "alpha", "s", "beta"),
    "spend": ("p", "q", "gamma"),
}


def scores_sha256(path: Path) -> str:
    """sha256 of ``customers.parquet`` (a file, or a folder of parts: digest of their digests)."""
    from crmlab.engines.sources import sha256_of

    if path.is_dir():
        parts = sorted(p for p in path.rglob("*.parquet") if p.is_file())
        text = "\n".join(f"{p.relative_to(path).as_posix()} {sha256_of(p)}" for p in parts)
        return hashlib.sha256(text.encode()).hexdigest()
    return sha256_of(path)


def _fail(path: Path, key: str, problem: str, fix: str = "") -> CRMLabInputError:
    return CRMLabInputError(
        f"{path}: key {key!r} {problem}. "
        + (fix or "Fix: run crmlab analyze again to write a fresh result folder.")
    )


def read_info(path: Path) -> dict:
    """The parsed ``model.json`` at ``path`` (a JSON object), or a clear error."""
    if not path.is_file():
        raise CRMLabInputError(
            f"{path} does not exist; load_result reads a folder written by crmlab analyze. "
            "Fix: point at the --out folder of a run."
        )
    if path.stat().st_size > _MAX_BYTES:
        raise CRMLabInputError(f"{path} is larger than {_MAX_BYTES >> 20} MB; not a crmlab result.")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CRMLabInputError(
            f"{path} is not JSON ({type(exc).__name__}: {str(exc)[:120]}). Fix: run crmlab "
            "analyze again to write a fresh result folder."
        ) from None
    except RecursionError:
        raise CRMLabInputError(
            f"{path} is nested too deeply to be a crmlab result. Fix: run crmlab analyze again."
        ) from None
    if not isinstance(info, dict):
        raise CRMLabInputError(f"{path} holds a JSON {type(info).__name__}, not an object.")
    return info


def _get(info: dict, key: str, kind: type | tuple, path: Path, where: str = "") -> Any:
    full = f"{where}{key}"
    if key not in info:
        raise _fail(path, full, "is missing")
    value = info[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        name = " or ".join(k.__name__ for k in kinds)
        raise _fail(path, full, f"must be {name}, got {type(value).__name__}")
    return value


def _number(value: Any, path: Path, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, key, f"must be a finite number, got {value!r}")
    return float(value)


def _check_model(spec: Any, names: tuple[str, ...], path: Path, where: str) -> None:
    if not isinstance(spec, dict):
        raise _fail(path, where.rstrip("."), "must be an object")
    params = _get(spec, "params", dict, path, where)
    if set(params) != set(names):
        raise _fail(path, f"{where}params", f"must hold exactly {', '.join(names)}")
    for n in names:
        v = _number(params[n], path, f"{where}params.{n}")
        if not 0 < v <= MAX_PARAMETER:
            raise _fail(path, f"{where}params.{n}", f"must be in (0, {MAX_PARAMETER:g}], got {v!r}")
    if "q" in names and params["q"] <= 1:
        raise _fail(
            path, f"{where}params.q", f"must be > 1 (a finite mean spend), got {params['q']}"
        )
    errors = _get(spec, "standard_errors", dict, path, where)
    for n, v in errors.items():
        if v is not None and _number(v, path, f"{where}standard_errors.{n}") < 0:
            raise _fail(path, f"{where}standard_errors.{n}", f"must be >= 0, got {v!r}")
    _get(spec, "time_unit", str, path, where)
    n = _get(spec, "n_customers", int, path, where)
    if n < 0:
        raise _fail(path, f"{where}n_customers", f"must be >= 0, got {n}")
    ll = spec.get("log_likelihood")
    if ll is not None:
        _number(ll, path, f"{where}log_likelihood")
    cov = spec.get("covariance_log")
    if cov is not None:
        k = len(names)
        shape_ok = isinstance(cov, list) and len(cov) == k
        shape_ok = shape_ok and all(isinstance(row, list) and len(row) == k for row in cov)
        if not shape_ok:
            raise _fail(path, f"{where}covariance_log", f"must be a {k} x {k} matrix")
        m = np.array([[_number(v, path, f"{where}covariance_log") for v in r] for r in cov])
        if (np.diag(m) < 0).any() or not np.allclose(m, m.T, rtol=1e-6, atol=1e-12):
            raise _fail(
                path, f"{where}covariance_log", "must be symmetric with a non-negative diagonal"
            )


def validate_info(info: dict, path: Path) -> None:
    """Check every key of ``model.json`` the loaded result uses (raises naming the key)."""
    version = info.get("schema_version")
    if version != SCHEMA_VERSION:
        raise _fail(
            path,
            "schema_version",
            f"is {version!r}; this crmlab reads version {SCHEMA_VERSION}",
            "Fix: run crmlab analyze again with this version of crmlab.",
        )
    _get(info, "customers_sha256", str, path)
    unit = _get(info, "time_unit", str, path)
    if unit not in ("D", "W", "M", "Y"):
        raise _fail(path, "time_unit", f"must be D, W, M or Y, got {unit!r}")
    periods = _get(info, "periods", dict, path)
    _get(periods, "holdout", bool, path, "periods.")
    _get(periods, "calibration_end", str, path, "periods.")
    columns = _get(info, "columns", dict, path)
    _get(columns, "customer", str, path, "columns.")
    models = _get(info, "models", dict, path)
    for name, spec in models.items():
        if name not in _PARAMS or name == "spend":
            raise _fail(path, f"models.{name}", f"is not one of {', '.join(list(_PARAMS)[:3])}")
        _check_model(spec, _PARAMS[name], path, f"models.{name}.")
    chosen = _get(info, "chosen_model", str, path)
    if chosen not in models:
        raise _fail(path, "chosen_model", f"names {chosen!r}, which is not in 'models'")
    _check_model(_get(info, "spend_model", dict, path), _PARAMS["spend"], path, "spend_model.")
    _get(info, "equity", dict, path)
    metrics = info.get("holdout_metrics")
    if metrics is not None and not isinstance(metrics, dict):
        raise _fail(path, "holdout_metrics", "must be an object or null")
    names = info.get("output_columns", {})
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise _fail(path, "output_columns", "must map column names to names")
