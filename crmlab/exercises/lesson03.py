"""Exercise set 03: RFM and data-mined segments (RFM与客户细分练习).

Use in ``exercises/03_rfm_segments.ipynb``: ``from crmlab.exercises import lesson03 as ex``.
Reference answers are computed with :mod:`crmlab.segmentation` from the CDNOW master log and
the simulated membership cards the first time they are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from crmlab.exercises.questions import Mistake, Precision, Question, gave_percent

__all__ = ["N_MEMBERS", "SEED", "SETTINGS", "load", "q1", "q2", "q3", "q4", "q5"]

#: The numbers the questions use (the notebook's parameters cell has the same values).
SETTINGS: dict[str, Any] = {
    "snapshot": "1998-06-30",  # the day recency is counted to
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


def _champions(ties: str = "min") -> int:
    s = load()["scores"]
    if ties != "min":
        s = _sg().rfm_scores(load()["tx"], snapshot_date=SETTINGS["snapshot"], ties=ties)
    return int((s["segment"] == "champions").sum())


def _champion_share(of: str = "monetary") -> float:
    s = load()["scores"]
    champ = s["segment"] == "champions"
    if of == "customers":
        return float(champ.mean())
    return float(s.loc[champ, "monetary"].sum() / s["monetary"].sum())


def _btyd_recency_mean() -> float:
    from crmlab.transactions import rfm_summary

    return float(rfm_summary(load()["tx"], time_unit="D")["recency"].mean())


def _card_k() -> int:
    feats = _sg().rfm_scores(load()["cards"], customer_col="member_id", amount_col="spend")
    res = _sg().kmeans_segments(feats[["recency_days", "frequency", "monetary"]], random_state=SEED)
    return int(res.k)


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
    solution_code='answer = rfm["recency_days"].mean()',
    mistakes=(
        Mistake(
            value=_btyd_recency_mean,
            hint="that is the BTYD recency (first to last purchase) from rfm_summary; the "
            "question asks for days since the last purchase.",
        ),
        Mistake(factor=1 / 7, hint="that looks like weeks; give the answer in days."),
    ),
)

q2 = Question(
    qid="q2",
    title="One purchase day only",
    prompt="What fraction of customers bought on one day only (same-day orders count once)?",
    unit="a fraction between 0 and 1",
    expected=lambda: float((load()["scores"]["frequency"] == 1).mean()),
    hints=(
        "The frequency column of rfm_table counts distinct purchase days.",
        "(rfm['frequency'] == 1).mean() is a fraction.",
    ),
    solution_code='answer = (rfm["frequency"] == 1).mean()',
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: float((load()["tx"].groupby("customer_id").size() == 1).mean()),
            hint="you counted customers with one order line; merge same-day orders first (count "
            "distinct days).",
        ),
    ),
)

q3 = Question(
    qid="q3",
    title="Champions (冠军客户)",
    prompt="How many customers are *champions* with the default tie rule?",
    unit="a count of customers",
    precision=Precision(decimals=0),
    expected=_champions,
    hints=(
        "segmentation.rfm_scores(tx, snapshot_date=snapshot) adds a segment column.",
        "Count the rows where segment == 'champions'.",
    ),
    solution_code='answer = int((scores["segment"] == "champions").sum())',
    mistakes=(
        Mistake(
            value=lambda: _champions(ties="first"),
            hint="that count uses ties='first', which gives identical customers different "
            "scores; use the default ties='min'.",
        ),
        Mistake(
            value=lambda: _champion_share("customers"),
            hint="that is the share of champions; the question asks for a count.",
        ),
    ),
)

q4 = Question(
    qid="q4",
    title="The champions' share of revenue",
    prompt="What fraction of revenue do the champions bring?",
    unit="a fraction between 0 and 1",
    precision=Precision(decimals=2),
    expected=_champion_share,
    hints=(
        "Sum monetary over the champions and divide by the total of monetary.",
        "segmentation.strategy_table(scores) has a revenue_share column.",
    ),
    solution_code='answer = segmentation.strategy_table(scores).loc["champions", "revenue_share"]',
    mistakes=(
        gave_percent(),
        Mistake(
            value=lambda: _champion_share("customers"),
            hint="that is the champions' share of customers, not of revenue.",
        ),
    ),
)

q5 = Question(
    qid="q5",
    title="How many segments? (K均值聚类)",
    prompt=(
        "On the membership cards, compute RFM (`customer_col='member_id', amount_col='spend'`) "
        "and run `kmeans_segments` on `recency_days`, `frequency`, `monetary` with "
        "`random_state=ex.SEED`. Which k does the silhouette choose?"
    ),
    unit="a number of segments",
    precision=Precision(decimals=0),
    expected=_card_k,
    hints=(
        "rfm_scores(cards, customer_col='member_id', amount_col='spend') gives the features.",
        "kmeans_segments(features, random_state=ex.SEED).k is the chosen number of segments.",
    ),
    solution_code="""\
cards = crmlab.datasets.simulate_membership_cards(ex.N_MEMBERS, random_state=ex.SEED)
feats = segmentation.rfm_scores(cards, customer_col="member_id", amount_col="spend")
answer = segmentation.kmeans_segments(
    feats[["recency_days", "frequency", "monetary"]], random_state=ex.SEED
).k""",
    mistakes=(
        Mistake(
            value=lambda: 5,
            hint="five types are planted, but the silhouette picks k from the data; run "
            "kmeans_segments and read .k.",
        ),
    ),
)
