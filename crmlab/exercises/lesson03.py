"""Exercise set 03: RFM and data-mined segments (RFM与客户细分练习).

Use in ``exercises/03_rfm_segments.ipynb``: ``from crmlab.exercises import lesson03 as ex``.
Reference answers are computed with :mod:`crmlab.segmentation` from the CDNOW master log and
the simulated membership cards the first time they are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from crmlab.exercises.mistakes import Mistake, gave_percent
from crmlab.exercises.questions import Precision, Question

__all__ = ["N_MEMBERS", "SEED", "SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {
    "snapshot": "1998-06-30",  # the day recency is counted to
    "early_snapshot": "1997-12-31",  # an earlier snapshot (q3, q4): only orders up to it
    "k": 5,  # k-means segments forced on the membership cards (q5): the planted types
    "seed": 0,  # random_state for the simulation and k-means
    "n_members": 2000,  # members in the membership-card log
}
SEED = SETTINGS["seed"]
N_MEMBERS = SETTINGS["n_members"]


@cache
def load() -> dict[str, Any]:
    """The data of this set: CDNOW log ``tx``, its RFM ``scores`` and the membership ``cards``."""
    import crmlab

    tx = crmlab.datasets.load_cdnow()
    return {
        "tx": tx,
        "scores": _sg().rfm_scores(tx, snapshot_date=SETTINGS["snapshot"]),
        "cards": crmlab.datasets.simulate_membership_cards(N_MEMBERS, random_state=SEED),
    }


def _sg():
    import crmlab.segmentation

    return crmlab.segmentation


@cache
def _scores(ties: str = "min", snapshot: str = SETTINGS["snapshot"]):
    tx = load()["tx"]
    return _sg().rfm_scores(tx[tx["date"] <= snapshot], snapshot_date=snapshot, ties=ties)


def _champions(**kwargs) -> int:
    return int((_scores(**kwargs)["segment"] == "champions").sum())


def _champion_share(of: str = "monetary", **kwargs) -> float:
    s = _scores(**kwargs)
    champ = s["segment"] == "champions"
    if of == "customers":
        return float(champ.mean())
    return float(s.loc[champ, "monetary"].sum() / s["monetary"].sum())


def _btyd_recency_mean() -> float:
    from crmlab.transactions import rfm_summary

    return float(rfm_summary(load()["tx"], time_unit="D")["recency"].mean())


def _card_purity(k: int | None = SETTINGS["k"], denominator: str = "members") -> float:
    """Share of members in a segment whose most common true type is their own."""
    import pandas as pd

    cards = load()["cards"]
    feats = _sg().rfm_scores(cards, customer_col="member_id", amount_col="spend")
    res = _sg().kmeans_segments(feats[["recency_days", "frequency", "monetary"]], k=k,
                                random_state=SEED)  # fmt: skip
    true_type = cards.groupby("member_id")["member_type"].first()
    table = pd.crosstab(true_type, res.labels)
    if denominator == "types":  # majority per true type instead of per segment
        return float(table.max(axis=1).sum() / table.to_numpy().sum())
    return float(table.max(axis=0).sum() / table.to_numpy().sum())


q1 = Question(
    qid="q1",
    title="Marketing recency (最近一次消费)",
    prompt=(
        "What is the mean marketing recency of CDNOW customers, in days since the last purchase "
        "at the snapshot?"
    ),
    unit="days",
    expected=lambda: float(load()["scores"]["recency_days"].mean()),
    hints=(
        "segmentation.rfm_table(tx, snapshot_date=snapshot) has a column recency_days.",
        "Marketing recency counts back from the snapshot, not from the first purchase.",
    ),
    hints_zh=(
        "segmentation.rfm_table(tx, snapshot_date=snapshot) 有一列 recency_days。",
        "营销中的最近一次消费（recency）从观察时点（snapshot date）往回数，而不是从第一次购买算起。",
    ),
    solution_code='answer = rfm["recency_days"].mean()',
    mistakes=(
        Mistake(
            value=_btyd_recency_mean,
            hint="that is the BTYD recency (first to last purchase) from rfm_summary; the "
            "question asks for days since the last purchase.",
            hint_zh="这是 rfm_summary 中 BTYD 模型的 recency（从第一次到最后一次购买）"
            "；本题问的是距最后一次购买的天数。",
        ),
        Mistake(
            factor=1 / 7,
            hint="that looks like weeks; give the answer in days.",
            hint_zh="这看起来是周数；请以天为单位作答。",
        ),
    ),
)

q2 = Question(
    qid="q2",
    title="Champions (冠军客户) under the other tie rule",
    prompt=(
        "Many CDNOW customers share the same frequency and spend, so the tie rule matters. "
        "Score the customers with `ties='first'` (equal values get consecutive scores) instead "
        "of the lesson's `'min'`. How many customers are *champions* now?"
    ),
    unit="a count of customers",
    precision=Precision(decimals=0),
    expected=lambda: _champions(ties="first"),
    hints=(
        "segmentation.rfm_scores(tx, snapshot_date=snapshot, ties='first') adds a segment column.",
        "Count the rows where segment == 'champions'.",
    ),
    hints_zh=(
        "segmentation.rfm_scores(tx, snapshot_date=snapshot, ties='first') 会增加一列 segment。",
        "数一数 segment == 'champions' 的行数。",
    ),
    solution_code="""\
first = segmentation.rfm_scores(tx, snapshot_date=snapshot, ties="first")
answer = int((first["segment"] == "champions").sum())""",
    mistakes=(
        Mistake(
            value=_champions,
            hint="that is the count with the default ties='min' (the lesson's); pass ties='first'.",
            hint_zh="这是用默认 ties='min'（课程中的设置）得到的人数；请传入 ties='first'。",
        ),
        Mistake(
            value=lambda: _champion_share("customers", ties="first"),
            hint="that is the share of champions; the question asks for a count.",
            hint_zh="这是 champions 所占的比例；本题问的是人数。",
        ),
    ),
)

q3 = Question(
    qid="q3",
    title="Champions half a year earlier",
    prompt=(
        "Score RFM as it looked on **1997-12-31**: keep only the orders up to that day and use "
        "it as the snapshot (default tie rule). How many customers were champions then?"
    ),
    unit="a count of customers",
    precision=Precision(decimals=0),
    expected=lambda: _champions(snapshot=SETTINGS["early_snapshot"]),
    hints=(
        "Orders after the snapshot are refused: filter first, `tx[tx['date'] <= '1997-12-31']`.",
        "Then rfm_scores(early, snapshot_date='1997-12-31') and count segment == 'champions'.",
    ),
    hints_zh=(
        "晚于观察时点的订单会被拒绝：先筛选，`tx[tx['date'] <= '1997-12-31']`。",
        "然后用 rfm_scores(early, snapshot_date='1997-12-31')，数一数 segment == 'champions'。",
    ),
    solution_code="""\
early = tx[tx["date"] <= "1997-12-31"]
early_scores = segmentation.rfm_scores(early, snapshot_date="1997-12-31")
answer = int((early_scores["segment"] == "champions").sum())""",
    mistakes=(
        Mistake(
            value=_champions,
            hint="that is the count at the lesson's snapshot 1998-06-30; score the orders up to "
            "1997-12-31 with that day as the snapshot.",
            hint_zh="这是课程观察时点 1998-06-30 的人数；请只用 1997-12-31 及之前的订单打分，"
            "并以这一天为观察时点。",
        ),
        Mistake(
            value=lambda: _champions(snapshot=SETTINGS["early_snapshot"], ties="first"),
            hint="that count uses ties='first'; this question keeps the default ties='min'.",
            hint_zh="这个人数用的是 ties='first'；本题保留默认的 ties='min'。",
        ),
    ),
)

q4 = Question(
    qid="q4",
    title="The champions' share of revenue on 1997-12-31",
    prompt=(
        "With the scores of question 3 (orders up to 1997-12-31), what fraction of the revenue "
        "up to that day did the champions bring?"
    ),
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    expected=lambda: _champion_share(snapshot=SETTINGS["early_snapshot"]),
    hints=(
        "Sum monetary over the champions and divide by the total of monetary.",
        "segmentation.strategy_table(early_scores) has a revenue_share column.",
    ),
    hints_zh=(
        "对 champions 的 monetary 求和，再除以 monetary 的总和。",
        "segmentation.strategy_table(early_scores) 有一列 revenue_share。",
    ),
    solution_code=(
        'answer = segmentation.strategy_table(early_scores).loc["champions", "revenue_share"]'
    ),
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _champion_share("customers", snapshot=SETTINGS["early_snapshot"]),
            hint="that is the champions' share of customers, not of revenue.",
            hint_zh="这是 champions 占客户数的比例，而不是占收入的比例。",
        ),
        Mistake(
            value=_champion_share,
            hint="that is the champions' share at the lesson's snapshot 1998-06-30; use the "
            "scores of 1997-12-31.",
            hint_zh="这是课程观察时点 1998-06-30 时 champions 的份额；请用 1997-12-31 的得分。",
        ),
    ),
)

q5 = Question(
    qid="q5",
    title="Do the segments find the planted types? (K均值聚类)",
    prompt=(
        "On the membership cards, compute RFM (`customer_col='member_id', amount_col='spend'`) "
        "and force `kmeans_segments` on `recency_days`, `frequency`, `monetary` to **k = 5**, "
        "the number of planted member types (`random_state=ex.SEED`). Cross-tabulate the true "
        "`member_type` against the segments: what fraction of members sit in a segment whose "
        "most common type is their own (the *purity* of the segmentation)?"
    ),
    unit="a fraction between 0 and 1",
    expected=_card_purity,
    hints=(
        "The true type of each member: cards.groupby('member_id')['member_type'].first(); then "
        "pd.crosstab(true_type, result.labels), as in the lesson.",
        "Each segment's column: take its largest count (the majority type); add these up over "
        "the segments and divide by the number of members.",
    ),
    hints_zh=(
        "每位会员的真实类型：cards.groupby('member_id')['member_type'].first()；"
        "然后像课程中那样用 pd.crosstab(true_type, result.labels)。",
        "在每个客群的那一列中取最大的计数（多数类型）；把各客群的这些数加起来，再除以会员总数。",
    ),
    solution_code="""\
import pandas as pd

cards = crmlab.datasets.simulate_membership_cards(ex.N_MEMBERS, random_state=ex.SEED)
feats = segmentation.rfm_scores(cards, customer_col="member_id", amount_col="spend")
km5 = segmentation.kmeans_segments(
    feats[["recency_days", "frequency", "monetary"]], k=5, random_state=ex.SEED
)
true_type = cards.groupby("member_id")["member_type"].first()
table = pd.crosstab(true_type, km5.labels)
answer = table.max(axis=0).sum() / table.to_numpy().sum()""",
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _card_purity(k=None),
            hint="that is the purity with the k the silhouette chooses; force k=5.",
            hint_zh="这是用轮廓系数（silhouette score）选出的 k 得到的纯度；请强制 k=5。",
        ),
        Mistake(
            value=lambda: _card_purity(denominator="types"),
            hint="you took the largest count of each true type (row); purity takes the majority "
            "of each segment (column).",
            hint_zh="你取的是每个真实类型（行）的最大计数；纯度取的是每个客群（列）中的多数。",
        ),
    ),
)
