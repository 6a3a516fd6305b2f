"""What the set-up cells of exercise sets 02 and 03 define, computed once for both test files."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def cdnow():
    import crmlab

    return crmlab.datasets.load_cdnow()


@lru_cache(maxsize=1)
def setup_env() -> dict:
    import crmlab
    from crmlab import segmentation, value

    tx = cdnow()
    return {
        "crmlab": crmlab, "value": value, "segmentation": segmentation, "tx": tx,
        "revenue": tx.groupby("customer_id")["amount"].sum(),
        "top_fraction": 0.2, "abc_cuts": (0.8, 0.95), "snapshot": "1998-06-30",
        "accounts": crmlab.datasets.simulate_b2b_accounts(300, random_state=0),
        "rfm": segmentation.rfm_table(tx, snapshot_date="1998-06-30"),
        "scores": segmentation.rfm_scores(tx, snapshot_date="1998-06-30"),
    }  # fmt: skip


def run_solution(q, ex):
    """Execute question ``q``'s solution code in the notebook's environment; return ``answer``."""
    env = {**setup_env(), "ex": ex}
    exec(q.solution_code, env)
    return env["answer"]
