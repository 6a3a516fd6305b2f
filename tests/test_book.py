"""The book and the offline lesson HTML, checked without a browser (tests/test_browser.py opens
them in Chromium)."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from book_env import BOOK_LESSONS, built_book
from bs4 import BeautifulSoup

from crmlab.book.mathml import latex_output_to_html, tex_to_mathml
from crmlab.errors import CRMLabInputError

from conftest import ROOT

pytestmark = [
    pytest.mark.xdist_group("book"),
    # myst-parser 5 still uses an attribute Sphinx 9 deprecates; nothing for us to change.
    pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API"),
]

#: LaTeX that must never reach the reader as text.
RAW_TEX = re.compile(r"\\(frac|sum|prod|lambda|hat|text|left|right|mathrm|alpha|beta|le|cdot)\b")


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    return built_book(tmp_path_factory)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _straight(text: str) -> str:
    """Undo Sphinx's smart quotes, to compare with the CSV."""
    return text.translate(str.maketrans("“”‘’", "\"\"''"))


def _reader_text(soup: BeautifulSoup) -> str:
    """The text a reader sees as prose: code, formulas, scripts and styles removed."""
    for tag in soup(["pre", "code", "math", "script", "style"]):
        tag.decompose()
    return soup.get_text(" ")


# --------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------
def test_tex_to_mathml_typesets_fractions_and_keeps_the_source():
    out = tex_to_mathml(r"\hat S(t) = \frac{d_i}{n_i}", display=True)
    assert out.startswith("<math") and 'display="block"' in out
    assert "<mfrac>" in out and "<mover" in out
    assert 'alttext="\\hat S(t) = \\frac{d_i}{n_i}"' in out
    assert 'display="inline"' in tex_to_mathml("x_i")


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\foo x", "does not know"),
        (r"\begin{aligned} a &= b \end{aligned}", "align*"),
    ],
)
def test_tex_to_mathml_refuses_what_it_cannot_typeset(tex, message):
    with pytest.raises(CRMLabInputError, match=message) as err:
        tex_to_mathml(tex, where="lesson 99")
    assert "lesson 99" in str(err.value)


def test_row_break_with_space_is_a_row_break_not_text():
    out = tex_to_mathml(r"\begin{cases}1 & x = 0\\[4pt] 0 & x > 0\end{cases}", display=True)
    shown = re.sub(r"<[^>]+>", "", out.split(">", 1)[1])  # drop tags and the alttext
    assert out.count("<mtr>") == 2 and "4pt" not in shown


def test_labelled_arrow_puts_the_label_over_a_long_arrow():
    out = tex_to_mathml(r"a \xrightarrow{H \to \infty} b")
    assert "<mover>" in out and "&#x027F6;" in out  # long rightwards arrow under the label


def test_norm_bars_are_not_stretched():
    out = tex_to_mathml(r"\lVert x \rVert^2")
    assert out.count('stretchy="false"') == 2


def test_latex_output_display_and_inline():
    assert 'display="block"' in latex_output_to_html(r"$$\frac{1}{2}$$")
    assert 'display="inline"' in latex_output_to_html(r"$x^2$")


# --------------------------------------------------------------------------------------------
# offline lesson HTML (make lessons)
# --------------------------------------------------------------------------------------------
def test_lesson_html_needs_no_network_and_has_typeset_math(book):
    lesson = next((x for x in book.lessons if x.number == 2), book.lessons[-1])  # has math
    html_path = lesson.executed.with_suffix(".html")  # written by run_notebooks(html=True)
    text = html_path.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    remote = [
        tag.get("src") or tag.get("href")
        for tag in soup.find_all(["script", "link", "img", "iframe"])
        if re.match(r"(https?:)?//", tag.get("src") or tag.get("href") or "")
    ]
    assert not remote, remote
    assert "mathjax" not in text.lower() and "require.js" not in text.lower()
    assert soup.find_all("math"), "no typeset formula"
    images = soup.find_all("img")
    assert images and all(img["src"].startswith("data:image/") for img in images)
    assert not RAW_TEX.search(_reader_text(soup))
    # the notation sheet the lesson links to is a page beside it, formulas typeset
    sheet = [a["href"] for a in soup.find_all("a", href=True) if "00_notation" in a["href"]]
    assert sheet and all(urlsplit(h).path == "00_notation.html" for h in sheet), sheet
    page = _soup(html_path.with_name("00_notation.html"))
    assert page.title.get_text().startswith("Notation and terms") and page.find_all("math")
    assert not RAW_TEX.search(_reader_text(page))


def test_lesson_html_links_the_notation_sheet_to_its_page(tmp_path):
    from crmlab.book.lesson_html import write_lesson_html, write_markdown_html

    links = "[a](00_notation.md#terms) [b](https://example.org/x.md) [c](../README.md)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(links)])
    soup = _soup(write_lesson_html(nb, tmp_path / "01_x.html"))
    assert [a["href"] for a in soup.select("a[href]") if a.get_text() in "abc"] == [
        "00_notation.html#terms",
        "https://example.org/x.md",
        "../README.md",
    ]
    sheet = tmp_path / "sheet.md"
    sheet.write_text("# Sheet title\n\n$$m\\,r$$\n", encoding="utf-8")
    page = _soup(write_markdown_html(sheet, tmp_path / "sheet.html"))
    assert page.title.get_text() == "Sheet title" and page.find("math", display="block")


def test_lesson_html_names_the_notebook_when_a_formula_is_bad(tmp_path):
    from crmlab.book.lesson_html import write_lesson_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(r"See $\foo x$.")])
    with pytest.raises(CRMLabInputError, match="broken"):
        write_lesson_html(nb, tmp_path / "broken.html")


# --------------------------------------------------------------------------------------------
# the book
# --------------------------------------------------------------------------------------------
def test_book_builds_cleanly_with_every_page(book):
    assert book.warnings == []
    out = book.out_dir
    for name in ("index.html", "glossary.html", "search.html", "searchindex.js"):
        assert (out / name).is_file(), name
    for lesson in book.lessons:
        assert (out / "notebooks" / f"{lesson.stem}.html").is_file()
        if lesson.exercise is not None:
            assert (out / "exercises" / f"{lesson.exercise.stem}.html").is_file()
    assert [lesson.source.name for lesson in book.lessons] == [p.name for p in BOOK_LESSONS]


def test_nothing_is_loaded_from_outside(book):
    for page in book.pages:
        soup = _soup(page)
        for tag in soup.find_all(["script", "link", "img", "iframe", "source"]):
            ref = tag.get("src") or (tag.get("href") if tag.name == "link" else None) or ""
            assert not re.match(r"(https?:)?//", ref), f"{page.name} loads {ref}"
    for css in book.out_dir.rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", css.read_text("utf-8"))
        assert not urls, f"{css.name} loads {urls}"


def test_lesson_pages_have_formulas_figures_and_no_raw_latex(book):
    for lesson in book.lessons:
        page = book.out_dir / "notebooks" / f"{lesson.stem}.html"
        soup = _soup(page)
        nb = nbformat.read(lesson.executed, as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        if re.search(r"(?<![\\$])\$[^$\s][^$]*\\[A-Za-z]", markdown):  # $...\command...$
            assert soup.find_all("math"), f"{page.name}: no typeset formula"
        images = soup.select("article img")
        if any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])):
            assert images, f"{page.name}: no figure"
        for img in images:
            assert (page.parent / unquote(img["src"])).is_file(), img["src"]
        text = _reader_text(soup)
        assert not RAW_TEX.search(text), RAW_TEX.search(text)


def test_every_internal_link_resolves(book):
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = {tag["id"] for tag in _soup(path).find_all(id=True)}
        return ids[path]

    checked = 0
    for page in book.pages:
        for a in _soup(page).find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme or parts.netloc or a["href"].startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.name}: broken link {a['href']}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in anchors(target), f"{page.name}: no #{parts.fragment}"
            checked += 1
    assert checked > 50


def test_lessons_link_to_their_exercises_and_to_each_other(book):
    first, second = book.lessons[:2]
    page = _soup(book.out_dir / "notebooks" / f"{first.stem}.html")
    hrefs = [a["href"] for a in page.find_all("a", href=True)]
    if first.exercise is not None:
        assert any(h.startswith(f"../exercises/{first.exercise.stem}.html") for h in hrefs)
    nxt = page.select_one("a.next-page")
    assert nxt is not None and nxt["href"].startswith(f"{second.stem}.html")
    back = _soup(book.out_dir / "notebooks" / f"{second.stem}.html").select_one("a.prev-page")
    assert back is not None and back["href"].startswith(f"{first.stem}.html")


def test_home_page_has_install_steps_and_lesson_map(book):
    soup = _soup(book.out_dir / "index.html")
    text = soup.get_text(" ")
    for words in ("Who it is for", "Students", "Instructors", "Researchers", "Install and run"):
        assert words in text, words
    commands = soup.select_one("article div.highlight pre").get_text()
    assert "make lessons" in commands and "make test" in commands
    links = [a["href"] for a in soup.select("article a[href]")]
    sheet = "notebooks/00_notation.html"  # the notation sheet, not a lesson
    lesson_links = [h for h in links if h.startswith("notebooks/") and not h.startswith(sheet)]
    assert [h.split("/")[1].split(".")[0] for h in dict.fromkeys(lesson_links)] == [
        lesson.stem for lesson in book.lessons
    ]


def test_glossary_page_defines_every_term_and_links_to_where_it_is_introduced(book):
    from crmlab.book.glossary_page import term_anchor
    from crmlab.glossary import entries

    rows = entries()
    table = _soup(book.out_dir / "glossary.html").select("article table tbody tr")
    assert len(table) == len(rows)
    cells = {
        _straight(tr.find_all("td")[0].get_text(strip=True)): tr.find_all("td") for tr in table
    }
    built = {lesson.number: lesson for lesson in book.lessons}
    problems = []
    for row in rows:
        td = cells[row.english]
        assert _straight(td[1].get_text(strip=True)) == row.chinese
        assert _straight(td[2].get_text(" ", strip=True)).startswith(_straight(row.definition))
        link = td[3].find("a")
        if row.lesson not in built:
            assert link is None and f"Lesson {row.lesson}" in td[3].get_text()
            continue
        page = f"notebooks/{built[row.lesson].stem}.html"
        if link is None or link["href"] != f"{page}#{term_anchor(row.english)}":
            problems.append(f"{row.english!r}: links to {link and link['href']}, not its anchor")
            continue
        ids = {tag["id"] for tag in _soup(book.out_dir / page).find_all(id=True)}
        if term_anchor(row.english) not in ids:
            problems.append(f"{row.english!r}: no #{term_anchor(row.english)} in {page}")
    assert not problems, "\n".join(problems)


def test_search_index_covers_lessons_and_glossary(book):
    index = (book.out_dir / "searchindex.js").read_text(encoding="utf-8")
    for lesson in book.lessons:
        assert f"notebooks/{lesson.stem}" in index
    assert '"glossary"' in index and "lorenz" in index.lower()
    # Chinese is cut into words (jieba), glossary names and their synonyms are single words
    terms = json.loads(re.sub(r"^Search\.setIndex\(|\);?\s*$", "", index))["terms"]
    for word in ("洛伦兹曲线", "客户终生价值", "客户终身价值", "终身价值"):
        assert word in terms, f"{word} is not a word of the search index"


def test_lessons_are_found_at_build_time_not_listed(tmp_path):
    from crmlab.book.site import ensure_executed, find_lessons

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "exercises").mkdir()
    for name in ("01_a.ipynb", "11_new_lesson.ipynb"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / "notebooks" / name)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "exercises" / "11_new_lesson.ipynb")
    lessons = find_lessons(
        tmp_path / "notebooks",
        executed_dir=tmp_path / "done",
        exercises_dir=tmp_path / "exercises",
    )
    assert [(x.number, x.exercise is not None) for x in lessons] == [(1, False), (11, True)]
    # fresh executed copies are reused, nothing is run
    (tmp_path / "done").mkdir()
    for lesson in lessons:
        nbformat.write(nbformat.v4.new_notebook(), lesson.executed)
        os.utime(lesson.executed, (lesson.source.stat().st_mtime + 10,) * 2)
    assert ensure_executed(lessons, progress=False) == []


def test_build_refuses_to_replace_a_folder_that_is_not_a_book(tmp_path):
    from crmlab.book.site import build_book

    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not an earlier book build"):
        build_book(tmp_path, only=BOOK_LESSONS[:1], progress=False)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_chinese_readme_is_linked_and_complete():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    zh = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    assert "(README.zh-CN.md)" in readme.split("```", 1)[0], "link it near the top of README.md"
    assert "(README.md)" in zh
    commands = zh.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make lessons", "make test"]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"notebooks/{path.name}" in zh, f"README.zh-CN.md does not list {path.name}"
    for section in ("给学生", "给教师", "给研究者"):
        assert f"## {section}" in zh
    assert "make book" in readme and "make book" in zh


def test_cli_book_reports_a_folder_it_will_not_replace(tmp_path, capsys):
    from crmlab.cli import main

    (tmp_path / "notes.txt").write_text("mine")
    assert main(["book", "--out", str(tmp_path), str(BOOK_LESSONS[0])]) == 1
    assert "not an earlier book build" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# the notation sheet and the instructor's guide
# --------------------------------------------------------------------------------------------
def _nav(page: Path, out: Path) -> list[str]:
    """The pages of the navigation sidebar, in order, as paths from the site's root."""
    hrefs = [a["href"] for a in _soup(page).select(".sidebar-tree a.reference")]
    return [
        (page.parent / urlsplit(h).path).resolve().relative_to(out.resolve()).as_posix()
        if urlsplit(h).path
        else page.relative_to(out).as_posix()
        for h in hrefs
    ]


def test_notation_sheet_is_a_page_with_formulas_next_to_the_glossary(book):
    out = book.out_dir
    page = out / "notebooks" / "00_notation.html"
    soup = _soup(page)
    sheet = (ROOT / "notebooks" / "00_notation.md").read_text(encoding="utf-8")
    assert soup.select_one("article h1").get_text().startswith(sheet.splitlines()[0][2:])
    # every $...$ and $$...$$ of the sheet is typeset, none is left as text
    formulas = len(re.findall(r"\$\$.*?\$\$|\$[^$\n]+\$", sheet, re.S))
    assert len(soup.select("article math")) >= formulas > 20
    assert not RAW_TEX.search(_reader_text(_soup(page)))
    assert len(soup.select("article table")) == 3  # symbols, local symbols, terms
    home = [a["href"] for a in _soup(out / "index.html").select("article a[href]")]
    assert "notebooks/00_notation.html" in home
    for shown in (out / "index.html", out / "glossary.html", page):
        nav = _nav(shown, out)
        at = nav.index("notebooks/00_notation.html")
        assert nav[at + 1] == "glossary.html", nav


def test_lessons_link_the_notation_sheet_wherever_they_mention_it():
    """In every lesson, a markdown cell that names the notation sheet links to it, by a path
    that opens the file in JupyterLab (the book turns it into a link to the page)."""
    problems, links = [], 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "markdown" or "notation sheet" not in cell.source.lower():
                continue
            targets = re.findall(r"\]\(([^)\s]*00_notation[^)\s]*)\)", cell.source)
            links += len(targets)
            if not targets:
                problems.append(f"{path.name} cell {i}: names the notation sheet, no link")
            for target in targets:
                if not (path.parent / target).is_file():
                    problems.append(f"{path.name} cell {i}: {target} is not a file")
    assert not problems, "\n".join(problems)
    assert links >= 5


def test_lesson_pages_link_the_notation_page(book):
    checked = 0
    for lesson in book.lessons:
        page = book.out_dir / "notebooks" / f"{lesson.stem}.html"
        soup = _soup(page)
        named = "notation sheet" in _reader_text(_soup(page)).lower()
        hrefs = [a["href"] for a in soup.select("article a[href]") if "notation" in a.get_text()]
        assert bool(hrefs) == named, f"{page.name}: {hrefs}"
        for href in hrefs:
            assert urlsplit(href).path == "00_notation.html", href
            checked += 1
    assert checked > 0  # lessons 1 and 2 name the sheet


def test_notation_and_guide_are_found_by_search(book):
    index = (book.out_dir / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(re.sub(r"^Search\.setIndex\(|\);?\s*$", "", index))

    def pages(word: str) -> set[str]:  # the pages with the word in their text or a heading
        found = set()
        for kind in ("terms", "titleterms"):
            hits = data[kind].get(word, [])
            found |= {data["docnames"][i] for i in ([hits] if isinstance(hits, int) else hits)}
        return found

    assert "notebooks/00_notation" in pages("notat")  # English words are stemmed
    assert "notebooks/00_notation" in pages("毛利额")
    assert "instructors" in pages("moodl")
    assert "instructors-zh" in pages("评分") and "instructors-zh" in pages("开课")


def _crmlab_parser():
    from crmlab.cli import _parser

    return _parser()


def _subcommands(parser) -> dict:
    import argparse

    return next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {}
    )


def _options(parser) -> set[str]:
    """Every option string of the crmlab command and its subcommands."""
    found = {s for a in parser._actions for s in a.option_strings}
    for sub in _subcommands(parser).values():
        found |= _options(sub)
    return found


@pytest.mark.parametrize("name", ["instructors", "instructors-zh"])
def test_instructor_guide_commands_are_real(book, name):
    """The guide is a page linked from home and nav, cut from the README; every crmlab command
    it shows parses with the real command-line parser and every option it names exists."""
    from crmlab.book.pages import GUIDE, readme_section

    out = book.out_dir
    guide = next(g for g in GUIDE if g.name == name)
    soup = _soup(out / f"{name}.html")
    assert soup.select_one("article h1").get_text().startswith(guide.title)
    readme = (ROOT / guide.readme).read_text(encoding="utf-8")
    first = readme_section(readme, guide.section).split("\n\n")[0]
    words = re.sub(r"[`*]", "", " ".join(re.sub(r"^\s*[-*]\s+", "", first).split()))[:60]
    assert words in " ".join(_straight(soup.select_one("article").get_text()).split())
    if name == "instructors":
        home = [a["href"] for a in _soup(out / "index.html").select("article a[href]")]
        assert "instructors.html" in home
    assert f"{name}.html" in _nav(out / "glossary.html", out)

    parser = _crmlab_parser()
    options = _options(parser)
    commands, bad = 0, []
    for code in soup.select("article code"):
        text = " ".join(code.get_text().split())
        named = re.findall(r"(?<!\S)--[a-z][a-z-]*", text)
        bad += [f"no option {o} (in {text!r})" for o in named if o not in options]
        if not text.startswith("crmlab "):
            continue
        tokens = shlex.split(text)[1:]
        commands += 1
        level, depth = parser, 0
        while depth < len(tokens) and tokens[depth] in _subcommands(level):
            level, depth = _subcommands(level)[tokens[depth]], depth + 1
        if depth == 0:
            bad.append(f"no such command: {text!r}")
        elif tokens[depth:] in ([], ["--help"]):  # names a command, e.g. `crmlab grade`
            continue
        else:
            try:
                parser.parse_args(tokens)
            except SystemExit:
                bad.append(f"does not parse: {text!r}")
    assert not bad, "\n".join(bad)
    assert commands >= 6


def test_readme_section_raises_headings_and_knows_code_blocks():
    from crmlab.book.pages import readme_section

    text = "# T\n\n## A\n\ntext\n\n### Sub\n\n```bash\n## not a heading\n```\n\n## B\n\nno\n"
    assert readme_section(text, "A") == "text\n\n## Sub\n\n```bash\n## not a heading\n```\n"
    assert readme_section(text, "B") == "no\n"
    with pytest.raises(ValueError, match=r"the sections are \['A', 'B'\]"):
        readme_section(text, "C")
