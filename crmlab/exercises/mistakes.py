"""Mistakes: a common wrong answer and the hint it deserves, and the ones every set meets.

A :class:`Mistake` names a typical wrong computation (``value=``), a wrong scale (``factor=``) or
any other test; :func:`gave_percent`, :func:`gave_fraction` and :func:`wrong_sign` are the
mistakes of scale and sign that many questions share, with one wording each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Mistake", "gave_fraction", "gave_percent", "times", "wrong_sign"]


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer and the hint it deserves.

    Give exactly one of

    - ``value``: a zero-argument function computing the wrong answer (a typical wrong
      computation on the same data); matched at the question's precision;
    - ``factor``: the wrong answer is the reference times ``factor`` (percent for a fraction:
      100; wrong sign: -1); matched at the question's precision;
    - ``test``: ``test(answer, expected) -> bool`` for anything else.

    Parameters
    ----------
    test : callable, optional
        See above.
    hint : str
        What the student reads when the answer looks like this mistake.
    hint_zh : str
        The same hint in Chinese (read with ``--language zh`` or ``CRMLAB_LANGUAGE=zh``; a test
        requires it for every set).
    value : callable, optional
        See above.
    factor : float, optional
        See above.
    credit : float
        Share of the question's points this near-miss earns (default 0; e.g. 0.5 for the
        right method with a declared approximation). A mistake with credit is "partial".
    """

    test: Callable[[Any, Any], bool] | None = None
    hint: str = ""
    value: Callable[[], Any] | None = None
    factor: float | None = None
    credit: float = 0.0
    hint_zh: str = ""

    def __post_init__(self) -> None:
        given = [x is not None for x in (self.test, self.value, self.factor)]
        if sum(given) != 1:
            raise ValueError("a Mistake needs exactly one of value=, factor= or test=.")
        if not self.hint:
            raise ValueError("a Mistake needs a hint=.")

    def hint_in(self, language: str = "en") -> str:
        """The hint in ``language`` ("en" or "zh"); English where no Chinese is given."""
        return self.hint_zh if language == "zh" and self.hint_zh else self.hint

    def example(self, reference: Any) -> Any:
        """An answer showing this mistake (for tests); None for a ``test=`` mistake."""
        if self.value is not None:
            return self.value()
        if self.factor is not None:
            return times(reference, self.factor)
        return None


def times(x: Any, factor: float) -> Any:
    """``x`` scaled by ``factor``: a number, an array, a Series or a DataFrame."""
    if isinstance(x, (pd.Series, pd.DataFrame)):
        return x * factor
    return np.asarray(x, dtype=float) * factor if np.ndim(x) else float(x) * factor


def gave_percent() -> Mistake:
    """The answer is a percentage where the question asks for a fraction (reference x 100)."""
    return Mistake(
        factor=100.0,
        hint="that looks like a percentage; this question asks for a fraction "
        "(write 0.25 for 25%).",
        hint_zh="这看起来是百分数；本题要的是小数（25% 写作 0.25）。",
    )


def wrong_sign(difference: str, difference_zh: str = "") -> Mistake:
    """The answer has the reference's size but the opposite sign (reference x -1).

    ``difference`` says which way round to subtract, e.g. ``"expected minus actual"``;
    ``difference_zh`` says the same in Chinese, e.g. ``"期望值减去实际值"``.
    """
    return Mistake(
        factor=-1.0,
        hint=f"the sign is reversed: take {difference}.",
        hint_zh=f"正负号反了：应当用{difference_zh}。" if difference_zh else "",
    )


def gave_fraction(unit: str = "percent", unit_zh: str = "百分数") -> Mistake:
    """The answer is a fraction where the question asks for percent or points (reference / 100).

    ``unit`` and ``unit_zh`` name what the question asks for, in English and in Chinese.
    """
    return Mistake(
        factor=0.01,
        hint=f"that looks like a fraction; this question asks for {unit} "
        "(write 25 for 25%, not 0.25).",
        hint_zh=f"这看起来是小数；本题要的是{unit_zh}（25% 写作 25，而不是 0.25）。",
    )
