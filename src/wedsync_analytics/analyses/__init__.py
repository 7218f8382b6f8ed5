"""The analyses, each computed by PostgreSQL, DuckDB (over Parquet) and Polars (over Parquet)."""

from wedsync_analytics.analyses.params import DEFAULT_FUNNEL_STEPS, Params, parse_as_of
from wedsync_analytics.analyses.registry import ANALYSES, Analysis
from wedsync_analytics.analyses.runner import (
    ENGINES,
    EngineResult,
    run_all,
    run_duckdb,
    run_polars,
    run_postgres,
)

__all__ = [
    "ANALYSES",
    "DEFAULT_FUNNEL_STEPS",
    "ENGINES",
    "Analysis",
    "EngineResult",
    "Params",
    "parse_as_of",
    "run_all",
    "run_duckdb",
    "run_polars",
    "run_postgres",
]
