"""Search in the book: Chinese words, the glossary's synonyms and result excerpts.

Sphinx indexes the pages with its Chinese search language (jieba cuts Chinese text into words,
English words are stemmed as usual). :func:`search_files` gives jieba every glossary name as one
word and writes the synonyms for ``crmlab-search.js``, which maps a query such as 客户终身价值 to
the term the lessons use (客户终生价值); :func:`write_page_texts` stores each page's text, from
which the search page shows an excerpt under every result.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from crmlab.glossary import entries

__all__ = ["search_files", "write_page_texts"]


def search_files(folder: Path) -> Path:
    """The glossary's names for search, written into ``folder`` (returned).

    - ``search-words.txt``: a jieba user dictionary holding every Chinese name, so that the
      index keeps each one as a word;
    - ``static/crmlab-synonyms.js``: each synonym with the term it names, so that a query for
      客户终身价值 searches for 客户终生价值 (crmlab-search.js reads it).
    """
    han = re.compile(r"[\u4e00-\u9fff]")
    words = {w for t in entries() for w in (t.chinese, *t.synonyms) if han.search(w)}
    (folder / "search-words.txt").write_text(
        "".join(f"{w.replace(' ', '')} 100000 n\n" for w in sorted(words)), "utf-8"
    )
    synonyms = {
        s: t.chinese
        for t in entries()
        for s in t.synonyms
        if han.search(s) and han.search(t.chinese)
    }
    (folder / "static").mkdir(exist_ok=True)
    (folder / "static" / "crmlab-synonyms.js").write_text(
        f"window.CRMLAB_SYNONYMS = {json.dumps(synonyms, ensure_ascii=False)};\n", "utf-8"
    )
    return folder


class _ArticleText(HTMLParser):
    """The visible text of a page's ``<article>``, for search-result excerpts."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <article>
        self.skip = 0  # inside script, style, math
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "article" or self.depth:
            self.depth += tag not in _VOID
        if tag in ("script", "style", "math"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in _VOID:
            self.depth -= 1
        if tag in ("script", "style", "math") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


_VOID = {"br", "img", "hr", "input", "meta", "link", "col", "wbr", "source", "area", "base"}


def write_page_texts(html_dir: Path) -> None:
    """``_static/crmlab-page-text.js``: each page's text, read by the search page for excerpts.

    Sphinx's own excerpts fetch() each page, which browsers refuse for ``file://`` pages; a
    script file loads from a folder and from a server alike.
    """
    texts = {}
    for page in sorted(html_dir.rglob("*.html")):
        name = page.relative_to(html_dir).with_suffix("").as_posix()
        if name in ("search", "genindex"):
            continue
        parser = _ArticleText()
        parser.feed(page.read_text(encoding="utf-8"))
        text = " ".join(parser.parts).replace("¶", " ")  # drop Sphinx's heading link marks
        texts[name] = re.sub(r"\s+", " ", text).strip()
    payload = json.dumps(texts, ensure_ascii=False)
    (html_dir / "_static" / "crmlab-page-text.js").write_text(
        f"window.CRMLAB_PAGE_TEXT = {payload};\n", encoding="utf-8"
    )
