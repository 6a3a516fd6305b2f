"""Exercise set 3 · RFM and data-mined segments (CDNOW and the membership cards).

Reference answers are computed with crmlab from the data the first time they are needed.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from crmlab.exercises._core import Mistake, Question, matches, scaled

__all__ = ["q1", "q2", "q3", "q4", "q5", "SNAPSHOT", "SEED", "N_MEMBERS"]

SNAPSHOT = "1998-06-30"  # the day recency is counted to
SEED = 0  # random_state for the simulation and k-means
N_MEMBERS = 2000  # members in the membership-card log


@lru_cache(maxsize=1)
def _tx() -> pd.DataFrame:
    import crmlab

    return crmlab.datasets.load_cdnow()


def _sg():
    import crmlab.segmentation

    return crmlab.segmentation


@lru_cache(maxsize=2)
def _scores(ties: str = "min") -> pd.DataFrame:
    return _sg().rfm_scores(_tx(), snapshot_date=SNAPSHOT, ties=ties)


def _btyd_recency_mean() -> float:
    from crmlab.transactions import rfm_summary

    return float(rfm_summary(_tx(), time_unit="D")["recency"].mean())


def _one_row_share() -> float:
    return float((_tx().groupby("customer_id").size() == 1).mean())


def _champion_share(col: str = "monetary") -> float:
    s = _scores()
    champ = s["segment"] == "champions"
    if col == "customers":
        return float(champ.mean())
    return float(s.loc[champ, "monetary"].sum() / s["monetary"].sum())


def _card_k() -> int:
    import crmlab

    cards = crmlab.datasets.simulate_membership_cards(N_MEMBERS, random_state=SEED)
    feats = _sg().rfm_scores(cards, customer_col="member_id", amount_col="spend")
    res = _sg().kmeans_segments(feats[["recency_days", "frequency", "monetary"]], random_state=SEED)
    return int(res.k)


q1 = Question(
    "q1",
    "What is the mean marketing recency of CDNOW customers, in days since their last purchase "
    "at the snapshot 1998-06-30?",
    expected=lambda: float(_scores()["recency_days"].mean()),
    hints=[
        "segmentation.rfm_table(tx, snapshot_date=ex.SNAPSHOT) has a column recency_days.",
        "Marketing recency counts back from the snapshot, not from the first purchase.",
    ],
    solution_code="rfm = segmentation.rfm_table(tx, snapshot_date=snapshot)\n"
    "answer = rfm['recency_days'].mean()",
    mistakes=[
        Mistake(
            matches(_btyd_recency_mean),
            "that is the BTYD recency (first to last purchase) from rfm_summary; the question "
            "asks for days since the last purchase.",
        ),
        Mistake(scaled(1 / 7), "that looks like weeks; give the answer in days."),
    ],
)

q2 = Question(
    "q2",
    "What fraction of CDNOW customers bought on one day only (same-day orders count once)?",
    expected=lambda: float((_scores()["frequency"] == 1).mean()),
    hints=[
        "The frequency column of rfm_table counts distinct purchase days.",
        "(rfm['frequency'] == 1).mean() is a fraction.",
    ],
    solution_code="answer = (rfm['frequency'] == 1).mean()",
    mistakes=[
        Mistake(scaled(100), "that looks like a percentage: give a fraction between 0 and 1."),
        Mistake(
            matches(_one_row_share),
            "you counted customers with one order line; merge same-day orders first (count "
            "distinct days).",
        ),
    ],
)

q3 = Question(
    "q3",
    "How many CDNOW customers are 'champions' with the default tie rule (ties='min')?",
    expected=lambda: int((_scores()["segment"] == "champions").sum()),
    hints=[
        "segmentation.rfm_scores(tx, snapshot_date=ex.SNAPSHOT) adds a segment column.",
        "Count the rows where segment == 'champions'.",
    ],
    solution_code="scores = segmentation.rfm_scores(tx, snapshot_date=snapshot)\n"
    "answer = int((scores['segment'] == 'champions').sum())",
    mistakes=[
        Mistake(
            matches(lambda: int((_scores("first")["segment"] == "champions").sum())),
            "that count uses ties='first', which gives identical customers different scores; "
            "use the default ties='min'.",
        ),
        Mistake(
            matches(lambda: _champion_share("customers")),
            "that is the share of champions; the question asks for a count.",
        ),
    ],
    rtol=0,
    atol=0.5,
)

q4 = Question(
    "q4",
    "What fraction of CDNOW revenue do the champions bring?",
    expected=_champion_share,
    hints=[
        "Sum monetary over the champions and divide by the total of monetary.",
        "segmentation.strategy_table(scores) has a revenue_share column.",
    ],
    solution_code="answer = segmentation.strategy_table(scores).loc['champions', 'revenue_share']",
    mistakes=[
        Mistake(scaled(100), "that looks like a percentage: give a fraction between 0 and 1."),
        Mistake(
            matches(lambda: _champion_share("customers")),
            "that is the champions' share of customers, not of revenue.",
        ),
    ],
)

q5 = Question(
    "q5",
    "On the membership cards (simulate_membership_cards(ex.N_MEMBERS, random_state=ex.SEED)), "
    "compute RFM (customer_col='member_id', amount_col='spend') and run kmeans_segments on "
    "recency_days, frequency and monetary with random_state=ex.SEED. Which k does the "
    "silhouette choose?",
    expected=_card_k,
    hints=[
        "rfm_scores(cards, customer_col='member_id', amount_col='spend') gives the features.",
        "kmeans_segments(features, random_state=ex.SEED).k is the chosen number of segments.",
    ],
    solution_code="cards = crmlab.datasets.simulate_membership_cards(ex.N_MEMBERS, "
    "random_state=ex.SEED)\n"
    "feats = segmentation.rfm_scores(cards, customer_col='member_id', amount_col='spend')\n"
    "answer = segmentation.kmeans_segments(feats[['recency_days', 'frequency', 'monetary']], "
    "random_state=ex.SEED).k",
    mistakes=[
        Mistake(
            lambda answer, expected: answer == 5,
            "five types are planted, but the silhouette picks k from the data; run "
            "kmeans_segments and read .k.",
        ),
    ],
    rtol=0,
    atol=0,
)
