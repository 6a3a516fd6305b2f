"""The shared validation helpers: one message style for every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.validation import (
    as_1d_array,
    check_positive,
    check_probability,
    require_columns,
)


def test_as_1d_array_accepts_clean_numbers():
    np.testing.assert_array_equal(as_1d_array([1, 2.5, 0]), [1.0, 2.5, 0.0])


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        ([1.0, np.nan], ValueError, r"1 of 2 rows are missing \(NaN\) \(first: row 1, value NaN\)"),
        ([1.0, -3.0], ValueError, r"1 of 2 rows are below 0 \(first: row 1, value -3.0\)"),
        (["a", "b"], TypeError, "are not numbers"),
        ([], ValueError, "is empty"),
        ([1.0, np.inf], ValueError, "are infinite"),
        (pd.DataFrame({"a": [1]}), TypeError, "got a DataFrame"),
    ],
)
def test_as_1d_array_errors(values, error, match):
    with pytest.raises(error, match=match):
        as_1d_array(values, "revenue")


def test_negative_allowed_when_asked():
    assert as_1d_array([-1.0], allow_negative=True)[0] == -1.0


def test_require_columns_lists_present_columns():
    with pytest.raises(ValueError, match=r"missing column\(s\) 'b'; it has 'a'"):
        require_columns(pd.DataFrame({"a": [1]}), ["a", "b"])


def test_probability_and_positive():
    assert check_probability(0.3, "p") == 0.3
    with pytest.raises(ValueError, match="percentage"):
        check_probability(30, "retention")
    with pytest.raises(TypeError, match="must be a number"):
        check_probability("high", "retention")
    with pytest.raises(ValueError, match="strictly between"):
        check_probability(1.0, "p", open_interval=True)
    with pytest.raises(ValueError, match="greater than zero"):
        check_positive(0, "margin")
    assert check_positive(0, "cost", allow_zero=True) == 0.0


def test_sum_scale_keeps_sums_exact_and_finite():
    from crmlab.validation import sum_scale

    assert sum_scale([1.0, 2.5]) == 1.0  # nothing to do: results stay bit for bit the same
    x = np.array([1.7e308, 1.7e308, 3.0])
    s = sum_scale(x)
    assert np.log2(s) == int(np.log2(s))  # a power of two: division is exact
    assert np.isfinite((x / s).sum())
    assert (x / s).mean() * s == pytest.approx(1.7e308 / 3 * 2)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("0.5", TypeError),
        (True, TypeError),
        (1 + 2j, TypeError),
        (np.nan, ValueError),
        (np.inf, ValueError),
    ],
)
def test_as_number_refuses_what_is_not_a_finite_real(value, error):
    from crmlab.validation import as_number

    with pytest.raises(error, match="rate"):
        as_number(value, "rate")
    assert as_number(np.float32(0.5), "rate") == 0.5


def test_ids_of_one_type_pass_unchanged():
    from crmlab.validation import as_id_column

    for ids in ([3, 1, 2], ["b", "a", "001"], pd.array(["x", "y"], dtype="string")):
        frame = pd.DataFrame({"c": ids})
        assert as_id_column(frame, "c") is frame["c"] or as_id_column(frame, "c").equals(frame["c"])
