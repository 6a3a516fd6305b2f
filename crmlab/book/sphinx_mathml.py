"""A Sphinx math renderer that writes MathML at build time (no MathJax, nothing from a CDN).

Sphinx's default renderer leaves ``$...$`` for MathJax, which it loads from a CDN. With this
extension (``extensions = ["crmlab.book.sphinx_mathml"]``, ``html_math_renderer = "mathml"``)
every formula becomes a ``<math>`` element that the browser draws itself; see
:mod:`crmlab.book.mathml`.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes

from crmlab.book.mathml import tex_to_mathml

__all__ = ["setup"]


def _where(translator: Any, node: nodes.Element) -> str:
    docname = getattr(translator.builder, "current_docname", "") or ""
    line = f", line {node.line}" if node.line else ""
    return f"{docname}{line}"


def _visit_inline(translator: Any, node: nodes.math) -> None:
    mathml = tex_to_mathml(node.astext(), display=False, where=_where(translator, node))
    translator.body.append(f'<span class="math notranslate">{mathml}</span>')
    raise nodes.SkipNode


def _visit_block(translator: Any, node: nodes.math_block) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate"))
    if node.get("number"):
        from sphinx.util.math import get_node_equation_number

        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})</span>')
    # Separate equations (a blank line between them) become separate display formulas.
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        translator.body.append(tex_to_mathml(part, display=True, where=_where(translator, node)))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Any) -> dict[str, Any]:
    """Register the ``mathml`` HTML math renderer with Sphinx."""
    app.add_html_math_renderer(
        "mathml",
        inline_renderers=(_visit_inline, None),
        block_renderers=(_visit_block, None),
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
