"""Mistakes: what a Mistake must state, the answer it stands for, and the shared ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.exercises.mistakes import Mistake, gave_fraction, gave_percent, times, wrong_sign


def test_a_mistake_states_exactly_one_way_to_match_and_a_hint():
    with pytest.raises(ValueError, match="exactly one of"):
        Mistake(hint="nothing to match")
    with pytest.raises(ValueError, match="exactly one of"):
        Mistake(factor=2.0, value=lambda: 1.0, hint="two ways")
    with pytest.raises(ValueError, match="needs a hint"):
        Mistake(factor=2.0)


def test_example_is_the_wrong_answer_it_stands_for():
    assert Mistake(value=lambda: 0.75, hint="h").example(0.25) == 0.75
    assert Mistake(factor=100.0, hint="h").example(0.25) == pytest.approx(25.0)
    assert Mistake(test=lambda a, e: a > e, hint="h").example(0.25) is None


def test_times_scales_numbers_arrays_and_frames_alike():
    assert times(2, 0.5) == 1.0
    np.testing.assert_allclose(times([1.0, 2.0], -1.0), [-1.0, -2.0])
    s = pd.Series([1.0, 2.0], index=["a", "b"])
    pd.testing.assert_series_equal(times(s, 100.0), s * 100.0)


def test_shared_mistakes_of_scale_and_sign():
    assert gave_percent().example(0.25) == pytest.approx(25.0)
    assert gave_fraction().example(25.0) == pytest.approx(0.25)
    assert "points" in gave_fraction("percentage points").hint
    sign = wrong_sign("expected minus actual")
    assert sign.example(0.1) == pytest.approx(-0.1)
    assert sign.hint == "the sign is reversed: take expected minus actual."
