"""The analyses (`catalog`), their parameters and the runner over every engine."""

from wedsync_analytics.analyses.catalog import ANALYSES, Analysis
from wedsync_analytics.analyses.params import Params, parse_as_of
from wedsync_analytics.analyses.runner import EngineResult, run_all

__all__ = ["ANALYSES", "Analysis", "EngineResult", "Params", "parse_as_of", "run_all"]
