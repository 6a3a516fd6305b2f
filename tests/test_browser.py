"""The book in a real browser with the network cut off: headless Chromium driven by Playwright.

Uses the system's Chromium (Debian package ``chromium``, ``/usr/bin/chromium``), never a browser
downloaded by Playwright. Every request that would leave the machine is aborted and recorded.
Each page must load with no console error and no such request; formulas must be typeset, images
drawn, internal links resolve, nothing may be cut off (a table, formula, code or output block
wider than its box without a scroll bar, a table cell ending in "…", a figure shrunk until its
labels are unreadable), search must find a term and the glossary must draw its Chinese
names with a real font. Screenshots of the home page and a lesson go into ``build/book/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from book_env import built_book

from crmlab.datasets import FIRM_EXPORT, simulate_firm_export
from crmlab.research import analyze

from conftest import ROOT

CHROMIUM = Path(os.environ.get("CRMLAB_CHROMIUM", "/usr/bin/chromium"))
#: The flags that keep Chromium quiet on a machine with no network (no background connections).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL = ("file:", "data:", "blob:", "about:", "http://127.0.0.1", "http://localhost")
SCREENSHOTS = ROOT / "build" / "book"

pytestmark = [
    pytest.mark.xdist_group("book"),
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API"),
]

#: What a reader sees as prose: the text of the page without code, formulas, scripts, styles.
READER_TEXT_JS = """() => {
  const skip = new Set(["PRE", "CODE", "MATH", "SCRIPT", "STYLE", "NOSCRIPT"]);
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE || skip.has(node.tagName.toUpperCase())) return;
    if (getComputedStyle(node).display === "none") return;
    node.childNodes.forEach(walk);
  };
  walk(document.body);
  return out.join(" ");
}"""

#: Formulas and images as drawn: size of every <math>, natural width of every <img>.
DRAWN_JS = """() => ({
  math: [...document.querySelectorAll("article math")].map(m => m.getBoundingClientRect().width),
  images: [...document.images].map(i => ({src: i.currentSrc || i.src, w: i.naturalWidth})),
  links: [...document.querySelectorAll("a[href]")].map(a => a.href),
})"""

#: Does the browser have a glyph for a character? Compare it with a character that has none.
HAS_GLYPH_JS = """(ch) => {
  const draw = (c) => {
    const canvas = document.createElement("canvas");
    canvas.width = 40; canvas.height = 40;
    const ctx = canvas.getContext("2d");
    ctx.font = "32px sans-serif";
    ctx.fillText(c, 2, 34);
    return Array.from(ctx.getImageData(0, 0, 40, 40).data).join(",");
  };
  const missing = draw("\\u{10FFFD}");
  return draw(ch) !== missing && draw(ch) !== draw(" ");
}"""


#: Smallest share of its natural width a figure may be shrunk to: below it, 10-point labels
#: drawn at the inline backend's resolution fall under about 11 screen pixels.
MIN_FIGURE_SCALE = 0.8

#: What is cut off on a page: every table, code or output block, display formula and figure of
#: the article must fit the article or sit in a box that scrolls sideways; no cell of a printed
#: table may end in an ellipsis (pandas' max_colwidth) and no figure may be shrunk below
#: MIN_FIGURE_SCALE.
CUT_OFF_JS = """(minScale) => {
  const article = document.querySelector("article") || document.body;
  const right = article.getBoundingClientRect().right;
  const problems = [];
  const name = (el) => {
    const text = (el.innerText || el.getAttribute("alttext") || el.getAttribute("src") || "")
      .trim().replace(/\\s+/g, " ");
    return `<${el.tagName.toLowerCase()}> "${text.slice(0, 50)}"`;
  };
  const blocks = article.querySelectorAll(
    "table, pre, div.math, math[display='block'], div.cell_output img");
  for (const el of blocks) {
    let scroller = null;  // the nearest box that scrolls sideways: el or a parent
    for (let a = el; a && a !== article.parentElement; a = a.parentElement) {
      const overflow = getComputedStyle(a).overflowX;
      if (overflow === "auto" || overflow === "scroll") { scroller = a; break; }
      if ((overflow === "hidden" || overflow === "clip") && a.scrollWidth > a.clientWidth + 1) {
        problems.push(`${name(el)}: a box around it hides ${a.scrollWidth - a.clientWidth} px`);
        break;
      }
    }
    const edge = (scroller || el).getBoundingClientRect().right;
    if (edge > right + 1) {
      problems.push(`${name(el)} runs ${Math.round(edge - right)} px past the page` +
        (scroller ? " (its scroll box is too wide)" : ", with no scroll bar"));
    }
  }
  for (const cell of article.querySelectorAll("div.cell_output td, div.cell_output th")) {
    const text = cell.innerText.trim();
    if (text.length > 3 && (text.endsWith("\\u2026") || text.endsWith("..."))) {
      problems.push(`table cell cut off: "${text.slice(-50)}"`);
    }
  }
  for (const img of article.querySelectorAll("div.cell_output img")) {
    const scale = img.getBoundingClientRect().width / Math.max(img.naturalWidth, 1);
    if (img.naturalWidth && scale < minScale) {
      problems.push(`figure shrunk to ${Math.round(100 * scale)}% (labels unreadable): ` +
        `${img.getAttribute("src")}; draw it at most ${Math.round(article.clientWidth / 100)}` +
        " inches wide, or one panel above the other");
    }
  }
  return problems;
}"""


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium "
            "fonts-noto-cjk` (Debian; .ci/run does this) or set CRMLAB_CHROMIUM to its path"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def book(browser, tmp_path_factory):
    """The test book; asks for the browser first, so that a missing one skips before the build."""
    return built_book(tmp_path_factory)


class Visit:
    """A page opened with every outside request blocked; records what went wrong."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("requestfailed", self._failed)

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _console(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    def _failed(self, request):
        if request.url.startswith(LOCAL):
            self.failed.append(request.url)

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_visit():
        v = Visit(browser)
        opened.append(v)
        return v

    yield open_visit
    for v in opened:
        v.close()


def _file_target(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(parts.path) if parts.scheme == "file" else None


def test_every_page_renders_offline(book, visit):
    """No outside request, no console error, formulas typeset, images drawn, links resolve."""
    v = visit()
    problems = []
    formulas = images = 0
    for path in book.pages:
        page = v.open(path.as_uri())
        name = path.relative_to(book.out_dir).as_posix()
        text = page.evaluate(READER_TEXT_JS)
        for raw in ("\\frac", "\\lambda", "\\sum", "\\hat", "\\text{", "$$"):
            if raw in text:
                problems.append(f"{name}: raw LaTeX {raw!r} in the visible text")
        drawn = page.evaluate(DRAWN_JS)
        problems += [f"{name}: formula drawn {w} px wide" for w in drawn["math"] if w <= 0]
        problems += [
            f"{name}: image not drawn: {i['src'][:80]}" for i in drawn["images"] if not i["w"]
        ]
        for link in drawn["links"]:
            target = _file_target(link)
            if target is not None and not target.exists():
                problems.append(f"{name}: broken link {link}")
        if name.startswith("notebooks/"):
            formulas += len(drawn["math"])
            images += len(drawn["images"])
    assert not v.outside, f"requests leaving the machine: {sorted(set(v.outside))}"
    assert not v.errors, v.errors
    assert not v.failed, f"local files that failed to load: {v.failed}"
    assert not problems, problems
    assert formulas > 0 and images > 0, "the lesson pages show no formula or no figure"


def test_nothing_is_cut_off(book, visit):
    """Tables, formulas, code, output and figures fit their box or scroll; no cell ends in "…"."""
    v = visit()
    problems = []
    for path in book.pages:
        page = v.open(path.as_uri())
        name = path.relative_to(book.out_dir).as_posix()
        problems += [f"{name}: {p}" for p in page.evaluate(CUT_OFF_JS, MIN_FIGURE_SCALE)]
    assert not problems, "\n".join(problems)


def test_the_cut_off_check_finds_cut_tables_code_and_cells(visit, tmp_path):
    """The check above on a page made to fail: it must name each cut-off block."""
    page_file = tmp_path / "cut.html"
    page_file.write_text(
        "<html><body style='width:600px'><article style='width:400px'>"
        "<table><tr><td style='white-space:nowrap'>" + "wide " * 80 + "</td></tr></table>"
        "<div style='overflow:hidden'><pre>" + "long line " * 60 + "</pre></div>"
        "<div style='overflow-x:auto'><pre>" + "scrolls " * 60 + "</pre></div>"
        "<div class='cell_output'><table><tr><td>one person under two customer ids, so their "
        "history is s...</td></tr></table></div></article></body></html>",
        encoding="utf-8",
    )
    found = visit().open(page_file.as_uri()).evaluate(CUT_OFF_JS, MIN_FIGURE_SCALE)
    assert len(found) == 3, found
    assert "no scroll bar" in found[0] and "hides" in found[1] and "cut off" in found[2]


def test_search_finds_a_term_from_a_file_and_from_a_server(book, visit):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(book.out_dir))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        served = f"http://127.0.0.1:{server.server_address[1]}/search.html?q=Lorenz"
        for url in ((book.out_dir / "search.html").as_uri() + "?q=Lorenz", served):
            v = visit()
            page = v.open(url)
            page.wait_for_selector("ul.search li a", timeout=15_000)
            hits = page.eval_on_selector_all("ul.search li a", "els => els.map(e => e.href)")
            assert any("02_customer_value" in h for h in hits), hits
            assert not v.errors and not v.outside, (v.errors, v.outside)
    finally:
        server.shutdown()
        server.server_close()


#: What students type, and a page that must be among the results. Chinese queries are cut into
#: the index's words; 客户终身价值 and 终身价值 are the glossary's synonyms of 客户终生价值.
SEARCHES = [
    ("Lorenz", "notebooks/02_customer_value"),
    ("relationship marketing", "notebooks/01_relationship_marketing"),
    ("Gini coefficient", "notebooks/02_customer_value"),
    ("洛伦兹曲线", "notebooks/02_customer_value"),
    ("关系营销", "notebooks/01_relationship_marketing"),
    ("客户终生价值", "glossary"),
    ("客户终身价值", "glossary"),
    ("终身价值", "glossary"),
    ("客户留存", "glossary"),
    ("基尼系数", "notebooks/02_customer_value"),
    ("timing convention", "notebooks/00_notation"),
    ("毛利额", "notebooks/00_notation"),
    ("Moodle", "instructors"),
    ("开课指南", "instructors-zh"),
]


def test_search_finds_what_students_type_with_an_excerpt(book, visit):
    """English and Chinese queries find their page, and every result shows a text excerpt."""
    v = visit()
    problems = []
    for query, expected in SEARCHES:
        if (  # a lesson that is not in this test book
            expected.startswith("notebooks/")
            and expected != "notebooks/00_notation"
            and not any(expected.endswith(x.stem) for x in book.lessons)
        ):
            continue
        page = v.open((book.out_dir / "search.html").as_uri() + "?q=" + quote(query))
        try:
            page.wait_for_selector("ul.search li p.context", timeout=15_000)
        except Exception:
            problems.append(f"{query!r}: no result with an excerpt")
            continue
        page.wait_for_function("() => !document.querySelector('#search-progress')?.innerText")
        hits = page.eval_on_selector_all(
            "ul.search li",
            "items => items.map(li => ({href: li.querySelector('a').href, "
            "excerpt: (li.querySelector('p.context') || {}).innerText || ''}))",
        )
        found = [h for h in hits if unquote(urlsplit(h["href"]).path).endswith(f"/{expected}.html")]
        if not found:
            problems.append(f"{query!r}: {expected} not among {[h['href'] for h in hits]}")
        elif not any(w.casefold() in found[0]["excerpt"].casefold() for w in _parts(query)):
            problems.append(f"{query!r}: excerpt without the query: {found[0]['excerpt'][:80]!r}")
        problems += [f"{query!r}: a result without an excerpt" for h in hits if not h["excerpt"]]
    assert not v.errors and not v.outside, (v.errors, v.outside)
    assert not problems, "\n".join(problems)


def _parts(query: str) -> list[str]:
    """The query and its pieces of two or more characters (an excerpt shows one of them)."""
    han = [query[i : i + 2] for i in range(len(query) - 1)] if not query.isascii() else []
    return [query, *query.split(), *han]


def test_glossary_draws_chinese_characters(book, visit):
    v = visit()
    page = v.open((book.out_dir / "glossary.html").as_uri())
    chinese = page.eval_on_selector_all(
        "article table tbody tr td:nth-child(2)", "tds => tds.map(td => td.innerText)"
    )
    assert len(chinese) > 100 and all(any("\u4e00" <= c <= "\u9fff" for c in t) for t in chinese)
    assert page.evaluate(HAS_GLYPH_JS, "客"), (
        "no font draws Chinese characters: install one (Debian: apt-get install fonts-noto-cjk)"
    )


def test_screenshots_for_review(book, visit):
    """Home page and a lesson, saved into the test book and into build/book/ for review."""
    v = visit()
    shown = next((x for x in book.lessons if x.number == 2), book.lessons[-1])  # math, figures
    lesson = book.out_dir / "notebooks" / f"{shown.stem}.html"
    shots = {"screenshot-home.png": book.out_dir / "index.html", "screenshot-lesson.png": lesson}
    for name, path in shots.items():
        page = v.open(path.as_uri())
        if name == "screenshot-lesson.png":  # show a formula and a figure, not only the title
            page.evaluate(
                "document.querySelector('article div.math')"
                ".scrollIntoView({behavior: 'instant', block: 'center'})"
            )
        page.screenshot(path=str(book.out_dir / name))
        assert (book.out_dir / name).stat().st_size > 10_000
    # Keep a copy where reviewers look, unless build/book holds something that is not a book.
    if (
        not SCREENSHOTS.exists()
        or (SCREENSHOTS / ".buildinfo").exists()
        or not any(p for p in SCREENSHOTS.iterdir() if not p.match("screenshot-*.png"))
    ):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in shots:
            shutil.copy2(book.out_dir / name, SCREENSHOTS / name)


# -- the report of `crmlab analyze` in the same browser (one Playwright per process) --------------
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
def test_report_renders_offline_with_the_verdict_and_interval_first(report, visit):
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
