# The names crmlab.research loads on first use (lazy_loader.attach_stub reads this file).
from . import command as command
from . import outputs as outputs
from . import pipeline as pipeline
from . import result as result
from . import scoring as scoring
from . import tables as tables
from . import trust as trust
from . import uncertainty as uncertainty
from .outputs import load_result as load_result
from .outputs import render_report as render_report
from .pipeline import analyze as analyze
from .result import MODELS as MODELS
from .result import AnalysisResult as AnalysisResult
from .trust import VERDICTS as VERDICTS
