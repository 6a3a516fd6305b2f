# The names crmlab loads on first use (lazy_loader.attach_stub reads this file).
from . import churn as churn
from . import clv as clv
from . import database as database
from . import datasets as datasets
from . import economics as economics
from . import engines as engines
from . import errors as errors
from . import exercises as exercises
from . import glossary as glossary
from . import inference as inference
from . import internal_marketing as internal_marketing
from . import loyalty as loyalty
from . import plotting as plotting
from . import research as research
from . import runner as runner
from . import segmentation as segmentation
from . import transactions as transactions
from . import validation as validation
from . import value as value
from .research import analyze as analyze

__version__: str
