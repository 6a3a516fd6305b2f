# The names crmlab.churn loads on first use (lazy_loader.attach_stub reads this file).
from . import models as models
from . import survival as survival
from . import targeting as targeting
from .models import ChurnModelResults as ChurnModelResults
from .models import calibration_table as calibration_table
from .models import churn_pipeline as churn_pipeline
from .models import evaluate_churn_models as evaluate_churn_models
from .models import gains_table as gains_table
from .models import pipeline_steps as pipeline_steps
from .survival import RetentionCurves as RetentionCurves
from .survival import duration_frame as duration_frame
from .survival import period_retention as period_retention
from .survival import retention_curves as retention_curves
from .targeting import RetentionPlan as RetentionPlan
from .targeting import retention_targets as retention_targets
