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
