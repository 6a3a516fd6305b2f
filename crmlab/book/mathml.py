"""Formulas typeset once, when a page is built: LaTeX in, MathML out.

Browsers draw MathML themselves (Chromium 109+, Firefox, Safari), so a page whose formulas are
MathML needs no script, no font download and no network: it renders the same from a USB stick, a
campus network that blocks CDNs or a local file. The conversion is done by the pure-Python
``latex2mathml`` package; this module adds the checks and the error message.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from xml.etree import ElementTree

from crmlab.errors import CRMLabInputError

__all__ = ["tex_to_mathml", "latex_output_to_html"]

# A backslash left in the text of the MathML is a command latex2mathml did not understand.
_LEFTOVER_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")
_ROW_SPACE = re.compile(r"\\\\\s*\[\s*-?[0-9.]+\s*(?:pt|em|ex|mm|cm|in|mu)\s*\]")


# ``\xrightarrow{label}``: latex2mathml draws a short arrow beside its label; an arrow under the
# label (``\overset``) is what TeX shows.
_XARROW = re.compile(r"\\x(right|left)arrow\s*\{((?:[^{}]|\{[^{}]*\})*)\}")


def _normalise(tex: str) -> str:
    """Rewrite the few constructs latex2mathml renders wrongly into equivalent ones."""
    # A row break with extra space (``\\[4pt]``) is shown by latex2mathml as text "[4pt]";
    # the space is only a hint, so keep the break and drop the space.
    tex = _ROW_SPACE.sub(r"\\\\", tex)
    # \lVert and \rVert come out as bare fences the browser stretches unevenly; TeX draws them
    # at text size, as \| (and \lvert, \rvert as |).
    tex = re.sub(r"\\[lr]Vert(?![A-Za-z])", r"\\|", tex)
    tex = re.sub(r"\\[lr]vert(?![A-Za-z])", "|", tex)
    return _XARROW.sub(lambda m: f"\\overset{{{m[2]}}}{{\\long{m[1]}arrow}}", tex)


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, *, display: bool = False, where: str = "") -> str:
    r"""Convert one LaTeX formula (without its ``$`` delimiters) to a ``<math>`` element.

    Parameters
    ----------
    tex : str
        The formula, e.g. ``"\frac{d_i}{n_i}"``.
    display : bool
        True for a display formula (its own centred line), False for one inside a sentence.
    where : str
        Where the formula comes from (a notebook and cell), used in the error message.

    Returns
    -------
    str
        One line of MathML, with the TeX source kept in the ``alttext`` attribute for screen
        readers and for copying.

    Raises
    ------
    CRMLabInputError
        If the formula cannot be converted, or would show a LaTeX command as text.
    """
    from latex2mathml.converter import convert

    source = tex.strip()
    place = f" in {where}" if where else ""
    try:
        mathml = convert(_normalise(source), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises its own exception classes for bad TeX
        raise CRMLabInputError(
            f"cannot typeset the formula {source!r}{place}: {type(exc).__name__}: {exc}. "
            "Check that braces and \\left/\\right pairs match."
        ) from None
    # Unknown commands come back as text (``<mi>\\foo</mi>``) and unknown environments as a bare
    # ``&``, which is not even well-formed: refuse both rather than show them to the reader.
    try:
        shown = "".join(ElementTree.fromstring(mathml).itertext())
    except ElementTree.ParseError:
        raise CRMLabInputError(
            f"the formula {source!r}{place} could not be typeset as well-formed MathML (an "
            "environment the typesetter (latex2mathml) does not support, such as aligned?); "
            "use align*, split, cases or array instead."
        ) from None
    unknown = _LEFTOVER_COMMAND.findall(shown)
    if unknown:
        raise CRMLabInputError(
            f"the formula {source!r}{place} uses {sorted(set(unknown))}, which the typesetter "
            "(latex2mathml) does not know; rewrite it with standard commands."
        )
    alt = html.escape(" ".join(source.split()), quote=True)
    return mathml.replace("<math ", f'<math alttext="{alt}" ', 1).replace("\n", "")


_DISPLAY = re.compile(r"^\s*(\$\$|\\\[)(?P<body>.*?)(\$\$|\\\])\s*$", re.S)
_INLINE = re.compile(r"^\s*(\$|\\\()(?P<body>.*?)(\$|\\\))\s*$", re.S)


def latex_output_to_html(latex: str, *, where: str = "") -> str:
    """Typeset a ``text/latex`` output of a cell (``$$...$$``, ``$...$`` or bare LaTeX)."""
    match = _DISPLAY.match(latex)
    if match:
        return tex_to_mathml(match["body"], display=True, where=where)
    match = _INLINE.match(latex)
    if match:
        return tex_to_mathml(match["body"], display=False, where=where)
    return tex_to_mathml(latex, display=True, where=where)
