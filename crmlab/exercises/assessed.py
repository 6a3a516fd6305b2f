"""Assessed exercise sets: the questions without their references, solutions or mistakes.

An assessed set is one whose answers count. Its questions keep what a student needs (title,
prompt, expected format, hints, points); ``reference()`` and ``solution()`` say they are not
available and ``check`` only records the answer. Two places use this:

- hand-outs built with ``crmlab exercises build --students-only DIR --assessed NN`` import the
  set as ``from crmlab.exercises.assessed import lessonNN as ex``;
- every graded run: the sandbox replaces the set's module ``crmlab/exercises/lessonNN.py`` by
  :func:`stub_source`'s module, so nothing a submission runs can compute, call or print the
  reference, a solution or a mistake's value. The grader judges with the real module, in its
  own process.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
from types import ModuleType
from typing import Any

from crmlab.exercises.questions import GRADING_ENV, Precision, Question, questions_of

__all__ = ["record_only", "stub_source"]

_UNAVAILABLE = "is not available for an assessed set: it is judged when your notebook is graded"


def _unavailable() -> Any:
    raise RuntimeError(f"the reference answer {_UNAVAILABLE}.")


class _RecordOnly(Question):
    """A question of an assessed set: check records, reference and solution say no."""

    def reference(self) -> Any:
        """Not available: raises :class:`RuntimeError`."""
        raise RuntimeError(f"{self.qid}.reference() {_UNAVAILABLE}.")

    def solution(self) -> None:
        """Not available: prints why."""
        print(f"📘 {self.qid}: the solution {_UNAVAILABLE}.")

    def check(self, answer: Any) -> None:
        """Record the answer in a graded run; otherwise say it will be judged then."""
        if os.environ.get(GRADING_ENV) == "record":
            super().check(answer)
            return
        print(f"📝 {self.qid}: noted. This set is assessed: it is judged when it is graded.")


def _meta(q: Question) -> dict[str, Any]:
    return {
        "qid": q.qid,
        "title": q.title,
        "prompt": q.prompt,
        "unit": q.unit,
        "sig": q.precision.sig,
        "decimals": q.precision.decimals,
        "hints": list(q.hints),
        "hints_zh": list(q.hints_zh),
        "points": q.points,
        "kind": type(q).__name__,
    }


def record_only(meta: dict[str, Any]) -> Question:
    """A record-only question from :func:`stub_source`'s metadata."""
    precision = Precision(sig=meta["sig"], decimals=meta["decimals"])
    return _RecordOnly(
        qid=meta["qid"],
        title=meta["title"],
        prompt=meta["prompt"],
        expected=_unavailable,
        unit=meta["unit"],
        precision=precision,
        hints=tuple(meta["hints"]),
        hints_zh=tuple(meta.get("hints_zh", ())),
        points=float(meta["points"]),
    )


def _constants(module: ModuleType) -> dict[str, str]:
    """Public upper-case constants of ``module`` whose repr is a Python literal."""
    found = {}
    for name, value in vars(module).items():
        if name.isupper() and not name.startswith("_"):
            text = repr(value)
            try:
                ast.literal_eval(text)
            except (ValueError, SyntaxError):
                continue
            found[name] = text
    return found


def stub_source(number: str) -> str:
    """Python source of exercise set ``number`` as a graded run sees it (see the module)."""
    module = importlib.import_module(f"crmlab.exercises.lesson{number}")
    metas = [_meta(q) for q in questions_of(module)]
    lines = [
        f'"""Exercise set {number} in a graded run: no references, solutions or mistakes."""',
        "import json as _json",
        "from crmlab.exercises.assessed import record_only as _record_only",
    ]
    lines += [f"{name} = {text}" for name, text in _constants(module).items()]
    for meta in metas:
        lines.append(f"{meta['qid']} = _record_only(_json.loads({json.dumps(json.dumps(meta))}))")
    return "\n".join(lines) + "\n"


def __getattr__(name: str) -> ModuleType:
    """``from crmlab.exercises.assessed import lesson05``: set 05 as an assessed hand-out."""
    if not (name.startswith("lesson") and name[6:].isdigit()):
        raise AttributeError(name)
    module = ModuleType(f"{__name__}.{name}")
    exec(compile(stub_source(name[6:]), module.__name__, "exec"), module.__dict__)  # noqa: S102
    return module
