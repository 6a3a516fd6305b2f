"""Hints are steps: none of them hands over the answer code (``solution()`` does that)."""

from __future__ import annotations

import csv
import importlib
import re
from difflib import SequenceMatcher

import pytest

from crmlab.exercises.questions import questions_of

from conftest import ROOT, make_question

SETS = sorted(p.stem for p in (ROOT / "crmlab" / "exercises").glob("lesson[0-9][0-9].py"))
#: The largest share of a solution's code that one hint may repeat word for word.
MAX_SHARED = 0.6


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip().casefold()


def _longest_shared(hint: str, solution_code: str) -> tuple[str, float]:
    """The longest run of ``hint`` that stands in the solution code, and its share of that code."""
    text, solution = _plain(hint), _plain(solution_code)
    match = SequenceMatcher(None, text, solution, autojunk=False).find_longest_match(
        0, len(text), 0, len(solution)
    )
    share = match.size / len(solution) if solution else 0.0
    return text[match.a : match.a + match.size], share


@pytest.mark.parametrize("name", SETS)
def test_no_hint_gives_the_answer_code(name):
    module = importlib.import_module(f"crmlab.exercises.{name}")
    problems = []
    for q in questions_of(module):
        if len(q.hints) != len(set(q.hints)):
            problems.append(f"{q.qid}: the same hint twice")
        for i, hint in enumerate(q.hints, start=1):
            shared, share = _longest_shared(hint, q.solution_code)
            if share > MAX_SHARED:
                problems.append(
                    f"{q.qid} hint {i} repeats {share:.0%} of the solution "
                    f"code ({shared!r}); give a step, not the code"
                )
    assert not problems, f"{name}: " + "\n".join(problems)


def test_the_check_finds_a_hint_that_is_the_answer():
    q = make_question(
        hints=("SELECT channel, COUNT(*) FROM customer_360 GROUP BY channel",),
        solution_code='answer = run(con, """SELECT channel, COUNT(*) FROM customer_360 '
        'GROUP BY channel""")',
    )
    shared, share = _longest_shared(q.hints[0], q.solution_code)
    assert share > MAX_SHARED and shared == _plain(q.hints[0])
    # ... and a hint that is a step, not the code, passes.
    assert _longest_shared("Group the rows by channel.", q.solution_code)[1] <= MAX_SHARED


# --- every hint in Chinese too (issue 23: feedback and hints in both languages) -------------
#: Course terms may stand in English beside their Chinese name: the glossary's English names.
TERMS = sorted(
    {
        re.sub(r"\s*\(.*\)", "", row["english"]).strip()
        for row in csv.DictReader(open(ROOT / "crmlab" / "glossary.csv", encoding="utf-8"))
    },
    key=len,
    reverse=True,
)
#: A run of this many plain English words (no code, digits, symbols or course terms) is a sentence.
SENTENCE_WORDS = 3
_WORD = re.compile(r"[A-Za-z]+[,.;:!?]?")


def _english_sentence(text: str) -> str | None:
    """The first run of plain English words outside code spans, quotes and course terms."""
    text = re.sub(r"`[^`]*`|'[^']*'", " ", text)
    for term in TERMS:
        text = re.sub(re.escape(term), " ", text, flags=re.IGNORECASE)
    run: list[str] = []
    wide = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"  # Chinese characters and punctuation
    for token in re.findall(rf"[^\s{wide}]+|[{wide}]", text):  # each one breaks a run
        run = [*run, token] if _WORD.fullmatch(token) else []
        if len(run) >= SENTENCE_WORDS:
            return " ".join(run)
    return None


def _zh_problem(en: str, zh: str) -> str | None:
    if not zh.strip():
        return "no Chinese version"
    if zh == en and any(_WORD.fullmatch(t) for t in en.split()):
        return "the Chinese is the English text"
    words = [t for t in re.sub(r"`[^`]*`", " ", zh).split() if _WORD.fullmatch(t)]
    if len(words) >= 2 and not re.search(r"[\u4e00-\u9fff]", zh):
        return f"no Chinese in {zh!r}"
    sentence = _english_sentence(zh)
    return f"untranslated English {sentence!r} in {zh!r}" if sentence else None


def chinese_problems(name: str, questions) -> list[str]:
    """Every hint and mistake hint of a set without a proper Chinese version, named."""
    problems = []
    for q in questions:
        if len(q.hints_zh) != len(q.hints):
            problems.append(
                f"{name} {q.qid}: {len(q.hints)} hints but {len(q.hints_zh)} in Chinese "
                "(give hints_zh=, one for each hint)"
            )
        for i, (en, zh) in enumerate(zip(q.hints, q.hints_zh, strict=False), start=1):
            if problem := _zh_problem(en, zh):
                problems.append(f"{name} {q.qid} hint {i} (hints_zh): {problem}")
        for k, mistake in enumerate(q.mistakes):
            if problem := _zh_problem(mistake.hint, mistake.hint_zh):
                problems.append(
                    f"{name} {q.qid} mistake {k} ({mistake.hint[:50]!r}...) hint_zh=: {problem}"
                )
    return problems


@pytest.mark.parametrize("name", SETS)
def test_every_hint_and_mistake_hint_has_chinese(name):
    module = importlib.import_module(f"crmlab.exercises.{name}")
    problems = chinese_problems(name, questions_of(module))
    assert not problems, "hints without Chinese:\n" + "\n".join(problems)


def test_the_chinese_check_finds_english_left_in_place():
    from crmlab.exercises.mistakes import Mistake, gave_fraction, gave_percent, wrong_sign
    from crmlab.exercises.questions import Question

    def q(hints_zh, mistake):
        return make_question(
            qid="q9",
            hints=("Divide the revenue by the customers.", "`value.top_share(x, 0.1)`"),
            hints_zh=hints_zh,
            mistakes=(mistake, gave_percent(), gave_fraction("points", "分数")),
        )

    good = q(
        ("用收入除以客户数（retention rate 不需要）。", "`value.top_share(x, 0.1)`"),
        wrong_sign("expected minus actual", "期望值减去实际值"),
    )
    assert chinese_problems("lesson99", [good]) == []
    bad = q(
        ("Divide the revenue by the customers.", "先算 x，然后 then divide it by the total."),
        wrong_sign("expected minus actual"),
    )
    problems = chinese_problems("lesson99", [bad])
    assert problems[0] == "lesson99 q9 hint 1 (hints_zh): the Chinese is the English text"
    assert "lesson99 q9 hint 2 (hints_zh): untranslated English 'then divide it'" in problems[1]
    assert problems[2].startswith("lesson99 q9 mistake 0 ('the sign is reversed")
    assert len(problems) == 3
    missing = make_question(hints=("a b",))
    assert "1 hints but 0 in Chinese" in chinese_problems("lesson11", [missing])[0]
    with pytest.raises(ValueError, match="2 hints but 1 hints_zh"):
        Question(
            qid="q1", title="t", prompt="p", expected=lambda: 1, hints=("a", "b"), hints_zh=("甲",)
        )
    assert Mistake(factor=2.0, hint="x", hint_zh="").hint_in("zh") == "x"  # English if none


def test_hints_and_checks_speak_the_chosen_language(monkeypatch, capsys):
    from crmlab.exercises.mistakes import Mistake
    from crmlab.exercises.questions import LANGUAGE_ENV, Precision

    q = make_question(
        0.25,
        precision=Precision(sig=2),
        hints=("Divide A by B.", "Then round."),
        hints_zh=("用 A 除以 B。", "然后四舍五入。"),
        mistakes=(Mistake(value=lambda: 0.5, hint="upside down.", hint_zh="除反了。"),),
    )
    monkeypatch.delenv(LANGUAGE_ENV, raising=False)
    q.hint()
    q.check(0.5)
    assert capsys.readouterr().out.splitlines() == [
        "💡 q1 hint 1/2: Divide A by B.",
        "❌ q1 incorrect: upside down.",
    ]
    q.hint("zh")
    monkeypatch.setenv(LANGUAGE_ENV, "zh")
    q.check(0.5)
    q.check(0.25)
    q.check(0.9)
    q.hint()
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        "💡 q1 提示 2/2：然后四舍五入。",
        "   这是最后一条提示：ex.q1.solution() 会打印计算答案的代码。",
        "❌ q1 错误：除反了。",
        "✅ q1 正确：做得好。",
        "❌ q1 错误：不是预期的答案（2位有效数字）。可以试试 .hint()。",
    ]
    assert out[5] == "💡 q1 提示 1/2（再次）：用 A 除以 B。"
    monkeypatch.setenv(LANGUAGE_ENV, "fr")
    with pytest.raises(ValueError, match="CRMLAB_LANGUAGE must be 'en' or 'zh', got 'fr'"):
        q.hint()
