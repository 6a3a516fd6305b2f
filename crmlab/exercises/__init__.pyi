# The names crmlab.exercises loads on first use (lazy_loader.attach_stub reads this file).
from . import mistakes as mistakes
from . import questions as questions
from .answers import ANSWER_MIME as ANSWER_MIME
from .mistakes import Mistake as Mistake
from .mistakes import gave_fraction as gave_fraction
from .mistakes import gave_percent as gave_percent
from .mistakes import times as times
from .mistakes import wrong_sign as wrong_sign
from .questions import CORRECT as CORRECT
from .questions import GRADING_ENV as GRADING_ENV
from .questions import INCORRECT as INCORRECT
from .questions import NOT_ATTEMPTED as NOT_ATTEMPTED
from .questions import CheckResult as CheckResult
from .questions import Precision as Precision
from .questions import Question as Question
from .questions import Status as Status
from .questions import questions_of as questions_of
