# The names crmlab.book loads on first use (lazy_loader.attach_stub reads this file).
from . import glossary_page as glossary_page
from . import lesson_html as lesson_html
from . import mathml as mathml
from . import pages as pages
from . import search as search
from . import site as site
