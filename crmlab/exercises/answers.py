"""Answers as plain JSON: what ``check`` records in a graded run and what the grader judges.

:func:`encode_answer` turns an answer into a small JSON-ready dict (numbers, text, lists and
arrays, Series and DataFrames as index + values), refusing anything larger than
:data:`MAX_VALUES` values or :data:`MAX_TEXT` characters; :func:`decode_answer` turns it back
into numbers, arrays, Series or DataFrames. Both the student's answer and the reference go
through the same round trip before they are compared, so the in-notebook check and the grader
judge exactly the same values.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ANSWER_MIME",
    "MAX_TEXT",
    "MAX_VALUES",
    "Unrecorded",
    "decode_answer",
    "describe",
    "encode_answer",
    "record_json",
]

ANSWER_MIME = "application/vnd.crmlab.answer+json"
"""MIME type of the answer records that ``check`` displays in a graded run."""
MAX_VALUES = 50_000
"""Largest number of values (rows x columns) an answer may have to be recorded."""
MAX_TEXT = 2_000
"""Longest text answer (and label) that is recorded; longer ones are cut."""


@dataclass(frozen=True)
class Unrecorded:
    """An answer that cannot be compared (a dict, an object, one too large): its description."""

    description: str


def describe(x: Any) -> str:
    """A short phrase saying what ``x`` is ("a DataFrame with 3 rows ...", "a dict")."""
    if isinstance(x, Unrecorded):
        return x.description
    if isinstance(x, pd.DataFrame):
        return f"a DataFrame with {x.shape[0]} rows and columns {list(x.columns)[:6]}"
    if isinstance(x, pd.Series):
        return f"a Series of length {len(x)}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, str):
        return "text (a str)"
    return f"a {type(x).__name__}"


def _scalar(x: Any) -> Any:
    """A JSON-ready scalar: bools, ints, finite floats, text; nan/inf as strings."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else str(x)
    return str(x)[:MAX_TEXT]


def _label(x: Any) -> str:
    return str(x)[:MAX_TEXT]


def _size(x: Any) -> int:
    try:
        return int(np.size(x)) if not isinstance(x, (list, tuple, set, frozenset)) else len(x)
    except Exception:  # an object whose size cannot be read is not an answer we record
        return MAX_VALUES + 1


def encode_answer(answer: Any) -> dict[str, Any]:
    """A JSON-ready dict describing ``answer`` (see the module docstring).

    Parameters
    ----------
    answer : object
        What the student passed to ``check``.

    Returns
    -------
    dict
        ``{"kind": ...}`` with ``value`` / ``values`` / ``index`` / ``columns`` as needed; kinds
        are number, bool, text, array, series, frame, set, placeholder and other.
    """
    if answer is Ellipsis or answer is None:
        return {"kind": "placeholder"}
    if isinstance(answer, (bool, np.bool_)):
        return {"kind": "bool", "value": bool(answer)}
    if isinstance(answer, (int, float, np.integer, np.floating)):
        return {"kind": "number", "value": _scalar(answer)}
    if isinstance(answer, str):
        return {"kind": "text", "value": answer[:MAX_TEXT]}
    if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray, list, tuple, set, frozenset)):
        if _size(answer) > MAX_VALUES:
            return {"kind": "other", "description": f"{describe(answer)} (too large to record)"}
    try:
        if isinstance(answer, pd.Series):
            return {
                "kind": "series",
                "index": [_label(i) for i in answer.index],
                "values": [_scalar(v) for v in answer.tolist()],
            }
        if isinstance(answer, pd.DataFrame):
            return {
                "kind": "frame",
                "index": [_label(i) for i in answer.index],
                "columns": [_label(c) for c in answer.columns],
                "values": [[_scalar(v) for v in row] for row in answer.itertuples(index=False)],
            }
        if isinstance(answer, (set, frozenset)):
            return {"kind": "set", "values": sorted(_label(v) for v in answer)}
        if isinstance(answer, (np.ndarray, list, tuple)):
            arr = np.asarray(answer, dtype=object)
            if arr.dtype == object and any(isinstance(v, (list, tuple)) for v in arr.ravel()):
                raise ValueError("ragged")
            return {
                "kind": "array",
                "shape": list(arr.shape),
                "values": [_scalar(v) for v in arr.ravel().tolist()],
            }
    except Exception:  # ragged lists, odd objects: described, never raised at the student
        pass
    return {"kind": "other", "description": describe(answer)}


def _number(v: Any) -> Any:
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    return v


def _values(values: list) -> np.ndarray:
    vals = [_number(v) for v in values]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return np.asarray(vals, dtype=float)
    return np.asarray(vals, dtype=object)


def decode_answer(record: Any) -> Any:
    """Turn :func:`encode_answer`'s dict back into a value; anything malformed is :class:`Unrecorded`.

    Numbers come back as ``float`` (or ``int``), arrays as float (or object) arrays, series and
    frames with their labels as text.
    """
    if not isinstance(record, dict):
        return Unrecorded("a record that is not an answer")
    kind = record.get("kind")
    try:
        if kind == "placeholder":
            return Ellipsis
        if kind == "bool" and isinstance(record["value"], bool):
            return record["value"]
        if kind == "number":
            value = _number(record["value"])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
        if kind == "text" and isinstance(record["value"], str):
            return record["value"][:MAX_TEXT]
        if kind == "set":
            return {_label(v) for v in record["values"][:MAX_VALUES]}
        if kind == "array":
            values = _values(list(record["values"])[:MAX_VALUES])
            shape = tuple(int(n) for n in record["shape"])
            return values.reshape(shape)
        if kind == "series":
            index = [_label(i) for i in record["index"]]
            values = _values(list(record["values"]))
            if len(index) != len(values) or len(values) > MAX_VALUES:
                raise ValueError("index and values differ in length")
            return pd.Series(values, index=index)
        if kind == "frame":
            index = [_label(i) for i in record["index"]]
            columns = [_label(c) for c in record["columns"]]
            rows = list(record["values"])
            if len(rows) != len(index) or len(rows) * max(len(columns), 1) > MAX_VALUES:
                raise ValueError("shape")
            frame = pd.DataFrame(rows, index=index, columns=columns)
            for c in frame.columns:
                col = _values(frame[c].tolist())
                frame[c] = col
            return frame
        if kind == "other":
            return Unrecorded(str(record.get("description", "an answer of an unknown kind"))[:200])
    except (KeyError, TypeError, ValueError):
        pass
    return Unrecorded("a record that is not a valid answer")


def record_json(qid: str, answer: Any) -> str:
    """The JSON text ``check`` displays in a graded run: the question id and the encoded answer."""
    return json.dumps({"qid": qid, "answer": encode_answer(answer)}, allow_nan=False)
