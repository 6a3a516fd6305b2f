"""Book pages written from the repository's own markdown, so that each text has one source.

- The **notation sheet** ``notebooks/00_notation.md`` is staged beside the lessons as it is:
  a lesson links to it as ``[notation sheet](00_notation.md)``, a link that opens the file in
  JupyterLab and resolves to its page in the book.
- The **instructor's guide** is the "For instructors" section of ``README.md`` (and the
  "给教师" section of ``README.zh-CN.md``), cut out by :func:`readme_section` and given a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NOTATION_FILE", "GuidePage", "readme_section", "instructor_pages"]

#: The notation sheet's file name in ``notebooks/``; its page is ``notebooks/00_notation``.
NOTATION_FILE = "00_notation.md"

_FENCE = re.compile(r"^\s*(```|~~~)")


def readme_section(text: str, heading: str) -> str:
    """The body of the level-2 section ``## heading`` of a markdown text, headings raised a level.

    The section ends at the next level-2 (or level-1) heading outside a code block. Raises
    ValueError if there is no such section, naming the headings there are.
    """
    lines = text.splitlines()
    headings, fenced = [], False  # (line number, heading) outside code blocks
    for i, line in enumerate(lines):
        fenced ^= bool(_FENCE.match(line))
        if not fenced and re.match(r"#{1,2} ", line):
            headings.append((i, line.strip()))
    start = next((i + 1 for i, h in headings if h == f"## {heading}"), None)
    if start is None:
        found = [h[3:] for _, h in headings if h.startswith("## ")]
        raise ValueError(f"no section '## {heading}' (the sections are {found}).")
    end = next((i for i, _ in headings if i >= start), len(lines))
    body, fenced = [], False
    for line in lines[start:end]:
        if _FENCE.match(line):
            fenced = not fenced
        body.append(line[1:] if not fenced and re.match(r"#{3,6} ", line) else line)
    return "\n".join(body).strip() + "\n"


@dataclass(frozen=True)
class GuidePage:
    """One language's page of the instructor's guide.

    Attributes
    ----------
    name : str
        The page's name in the book (``instructors`` or ``instructors-zh``).
    readme : str
        The README file it is cut from.
    section : str
        The README's level-2 heading it is cut from.
    title : str
        The page title.
    other : str
        The line linking to the other language's page.
    origin : str
        The closing line naming the README section the page is cut from.
    """

    name: str
    readme: str
    section: str
    title: str
    other: str
    origin: str


GUIDE = (
    GuidePage(
        "instructors",
        "README.md",
        "For instructors",
        "For instructors: running a course",
        "中文版：[给教师：开课指南](instructors-zh.md)。",
        'This page is the section "For instructors" of `README.md`.',
    ),
    GuidePage(
        "instructors-zh",
        "README.zh-CN.md",
        "给教师",
        "给教师：开课指南",
        "English: [For instructors: running a course](instructors.md).",
        "本页即 `README.zh-CN.md` 中的“给教师”一节。",
    ),
)


def instructor_pages(repo: Path) -> dict[str, str]:
    """The instructor's guide pages ({name: MyST markdown}) from the READMEs in ``repo``.

    A README that is not there gives no page; a README without its section is an error
    (ValueError), since the page would silently vanish from the book.
    """
    present = [g for g in GUIDE if (repo / g.readme).is_file()]
    pages = {}
    for guide in present:
        body = readme_section((repo / guide.readme).read_text(encoding="utf-8"), guide.section)
        other = next((g for g in present if g is not guide), None)
        note = f"*{guide.other}*\n\n" if other else ""
        pages[guide.name] = f"# {guide.title}\n\n{note}{body}\n*{guide.origin}*\n"
    return pages
