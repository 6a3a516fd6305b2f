"""One executed notebook as one HTML file that needs nothing from the network.

nbconvert's default HTML loads require.js and MathJax from a public CDN, so offline (or on a
network that blocks the CDN) its formulas show as raw LaTeX. :class:`OfflineHTMLExporter` is the
same JupyterLab-style page with no script from the web at all: formulas are typeset to MathML
when the page is written (:mod:`crmlab.book.mathml`), images and CSS are inlined, so the file
can be mailed, copied to a USB stick or opened from disk.

``make lessons`` (``crmlab lessons``) writes these pages through :func:`write_lesson_html`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from crmlab.book.mathml import latex_output_to_html, tex_to_mathml
from crmlab.book.pages import NOTATION_FILE

__all__ = ["OfflineHTMLExporter", "write_lesson_html", "write_markdown_html", "TEMPLATES"]

TEMPLATES = Path(__file__).with_name("templates")
"""Folder of the nbconvert template ``crmlab_offline`` (extends nbconvert's ``lab``)."""


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas typeset to MathML instead of left as TeX."""

    where = ""

    def block_math(self, body: str) -> str:
        return tex_to_mathml(body, display=True, where=self.where)

    def multiline_math(self, text: str) -> str:
        return latex_output_to_html(text, where=self.where)

    def latex_environment(self, name: str, body: str) -> str:
        tex = f"\\begin{{{name}}}{body}\\end{{{name}}}"
        return tex_to_mathml(tex, display=True, where=self.where)

    def inline_math(self, body: str) -> str:
        return tex_to_mathml(body, display=False, where=self.where)

    def link(self, text: str, url: str, title: str | None = None) -> str:
        """A link to the notation sheet beside the lesson points to its HTML page."""
        return super().link(text, _NOTATION_LINK.sub(r"\1.html\2", url), title)


#: A lesson's link to the notation sheet (``00_notation.md#terms``); its page is ``.html``
#: (:func:`write_markdown_html`).
_NOTATION_LINK = re.compile(rf"^({re.escape(Path(NOTATION_FILE).stem)})\.md(#.*)?$")


class OfflineHTMLExporter(HTMLExporter):
    """HTML export with every formula pre-typeset and no request to the network.

    Uses the ``crmlab_offline`` template (nbconvert's ``lab`` template without require.js,
    MathJax, mermaid and the widget manager) and embeds images by default.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("embed_images", True)
        kwargs.setdefault("template_name", "crmlab_offline")
        kwargs["extra_template_basedirs"] = [
            *kwargs.get("extra_template_basedirs", []),
            str(TEMPLATES),
        ]
        super().__init__(**kwargs)
        self.register_filter("latex_to_mathml", self._latex_to_mathml)

    @property
    def _where(self) -> str:
        return getattr(self, "_notebook_name", "")

    def _latex_to_mathml(self, latex: str) -> str:
        return latex_output_to_html(latex, where=f"a text/latex output of {self._where}")

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """Markdown to HTML, as nbconvert does it, with formulas as MathML."""
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        renderer = _MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=path,
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        renderer.where = self._where
        return MarkdownWithMath(renderer=renderer).render(source)

    def from_notebook_node(
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Convert a notebook; errors about formulas name the notebook (``resources`` name)."""
        name = ((resources or {}).get("metadata") or {}).get("name", "the notebook")
        self._notebook_name = name
        return super().from_notebook_node(nb, resources, **kw)


def write_lesson_html(nb: Any, path: str | os.PathLike) -> Path:
    """Write ``nb`` (a notebook node, usually executed) as one self-contained offline HTML file.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.
    path : path
        The ``.html`` file to write; its stem becomes the page title if the notebook has none.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    CRMLabInputError
        If a formula cannot be typeset (the message names the notebook and the formula).
    """
    path = Path(path)
    resources = {"metadata": {"name": path.stem, "path": str(path.parent)}}
    body, _ = OfflineHTMLExporter().from_notebook_node(nb, resources=resources)
    path.write_text(body, encoding="utf-8")
    return path


def write_markdown_html(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Write a markdown file (e.g. the notation sheet) as an offline HTML page like a lesson's.

    Lessons link to ``00_notation.md``; :func:`write_lesson_html` turns such a link into
    ``00_notation.html``, which this writes beside them (``make lessons`` does).

    Returns
    -------
    Path
        ``path``.
    """
    import nbformat

    text = Path(source).read_text(encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    heading = re.search(r"(?m)^# (.+)$", text)
    nb.metadata["title"] = heading.group(1).strip() if heading else Path(source).stem
    return write_lesson_html(nb, path)
