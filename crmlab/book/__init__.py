"""The workbook as a static website and as offline lesson pages, with no request to the network.

- :mod:`crmlab.book.mathml`: formulas typeset to MathML at build time (no MathJax, no CDN).
- :mod:`crmlab.book.lesson_html`: one executed notebook as one self-contained HTML file
  (what ``make lessons`` writes next to each executed notebook).
- :mod:`crmlab.book.site`: the book (``make book``, ``crmlab book``): home page, one page per
  lesson and exercise set, glossary, navigation and full-text search, built with Sphinx and
  myst-nb from the executed lessons (install the ``book`` extra).
- :mod:`crmlab.book.glossary_page`: each glossary term anchored where its lesson introduces it,
  and the glossary page with definitions and links to those anchors.
- :mod:`crmlab.book.pages`: pages written from the repository's own markdown: the notation
  sheet ``notebooks/00_notation.md`` and the instructor's guide (the READMEs' sections).
- :mod:`crmlab.book.search`: search that finds Chinese words and the glossary's synonyms, with
  an excerpt under each result.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
