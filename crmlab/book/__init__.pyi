# The names crmlab.book loads on first use (lazy_loader.attach_stub reads this file).
from . import lesson_html as lesson_html
from . import mathml as mathml
from . import site as site
