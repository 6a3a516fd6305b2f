"""The ``crmlab analyze`` report in a real browser with the network cut off (as the book's test):
no outside request, no console error, every figure drawn, no table wider than the page without
its own scroll box, and the first screen holds the overall verdict and the equity interval."""

from __future__ import annotations

import pytest
from test_browser import DRAWN_JS, browser, visit  # noqa: F401 - fixtures shared with the book

from crmlab.datasets import FIRM_EXPORT, simulate_firm_export
from crmlab.research import analyze

pytestmark = pytest.mark.xdist_group("book")
FIRM = {k: FIRM_EXPORT[k] for k in ("customer_col", "date_col", "amount_col", "date_format")}

FIRST_SCREEN_JS = """() => {
  const box = (sel) => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, text: e.innerText}; };
  const wide = [...document.querySelectorAll("table")].filter(t => {
    const box = t.closest(".box");
    return t.getBoundingClientRect().right > document.documentElement.clientWidth + 1 &&
      !(box && getComputedStyle(box).overflowX === "auto");
  }).length;
  return {h1: box("h1"), verdict: box(".verdict"), equity: box("#equity"),
          height: window.innerHeight, wide: wide};
}"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    simulate_firm_export(900, path=folder / "export", random_state=3)
    result = analyze(
        folder / "export", calibration_end="2024-03-31", margin=0.3, currency="EUR",
        out=folder / "out", quiet=True, n_draws=50, **FIRM,
    )  # fmt: skip
    return result


@pytest.mark.slow
def test_report_renders_offline_with_the_verdict_and_interval_first(report, visit):  # noqa: F811
    v = visit()
    page = v.open(report.report_path.as_uri())
    drawn = page.evaluate(DRAWN_JS)
    assert drawn["images"] and all(i["w"] > 0 for i in drawn["images"])
    seen = page.evaluate(FIRST_SCREEN_JS)
    assert not v.outside and not v.errors and not v.failed
    assert seen["h1"]["text"] == "CLV analysis of export (3 files)"
    for key in ("verdict", "equity"):
        assert 0 <= seen[key]["top"] and seen[key]["bottom"] <= seen["height"], (key, seen)
    eq = report.equity
    assert seen["verdict"]["text"].lower() in ("ok", "caution", "do not trust")
    assert "90% interval" in seen["equity"]["text"]
    assert f"{eq['low']:,.0f} EUR" in seen["equity"]["text"]
    assert f"{eq['high']:,.0f} EUR" in seen["equity"]["text"]
    assert seen["wide"] == 0
