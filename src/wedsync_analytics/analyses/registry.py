"""The analyses: name, input tables, output schema and grouping keys.

Each has `sql/analyses/postgres/<name>.sql`, `sql/analyses/duckdb/<name>.sql` and
`wedsync_analytics.analyses.polars_engine.<name>`; all three must return these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

TS = pl.Datetime("us", "UTC")
S, I, F, B, D = pl.String(), pl.Int64(), pl.Float64(), pl.Boolean(), pl.Date()


@dataclass(frozen=True)
class Analysis:
    """One analysis; `keys` identify a row, the other columns are compared as values."""

    name: str
    title: str
    tables: tuple[str, ...]
    keys: tuple[str, ...]
    schema: dict[str, pl.DataType]


ANALYSES: dict[str, Analysis] = {a.name: a for a in (
    Analysis(
        "percentiles", "Performance percentiles per service, metric and hour",
        ("performance_metrics",), ("service_name", "metric_type", "time_bucket"),
        {"service_name": S, "metric_type": S, "time_bucket": TS, "sample_count": I,
         "p50": F, "p90": F, "p95": F, "p99": F, "avg_value": F, "max_value": F},
    ),
    Analysis(
        "error_trending", "Error trending per hour, type and severity",
        ("error_reports",), ("time_bucket", "error_type", "severity"),
        {"time_bucket": TS, "weekday": I, "error_type": S, "severity": S, "error_count": I,
         "unique_correlations": I, "unique_incidents": I, "avg_occurrence_per_error": F,
         "weekend_errors": I},
    ),
    Analysis(
        "system_health", "System health overview per service (last hour)",
        ("system_health_checks",), ("service_name",),
        {"service_name": S, "total_checks": I, "healthy_checks": I, "degraded_checks": I,
         "unhealthy_checks": I, "avg_response_time": F, "last_successful_check": TS,
         "total_consecutive_failures": I},
    ),
    Analysis(
        "funnel_daily", "Daily funnel step counts (the spec's view)",
        ("business_events",), ("funnel_step", "conversion_date"),
        {"funnel_step": S, "conversion_date": D, "step_events": I, "unique_users": I,
         "total_conversion_value": F, "avg_conversion_value": F, "wedding_season_events": I},
    ),
    Analysis(
        "funnel_conversion", "Ordered funnel conversion by cohort day",
        ("business_events",), ("cohort_date", "step_number"),
        {"cohort_date": D, "step_number": I, "step_name": S, "users": I,
         "conversion_from_previous": F, "conversion_overall": F,
         "median_seconds_to_convert": F, "avg_seconds_to_convert": F, "cohort_complete": B},
    ),
    Analysis(
        "incident_response", "Incident MTTA / MTTR per severity and wedding impact",
        ("incidents",), ("severity", "wedding_impact"),
        {"severity": S, "wedding_impact": S, "total_incidents": I, "acknowledged_incidents": I,
         "unacknowledged_incidents": I, "resolved_incidents": I, "unresolved_incidents": I,
         "mtta_avg_seconds": F, "mtta_p50_seconds": F, "mtta_p95_seconds": F,
         "mttr_avg_seconds": F, "mttr_p50_seconds": F, "mttr_p95_seconds": F,
         "auto_created_incidents": I, "escalated_incidents": I},
    ),
    Analysis(
        "web_vitals", "Core Web Vitals p75 per season, device and page group",
        ("core_web_vitals",), ("season", "device_type", "page_group"),
        {"season": S, "device_type": S, "page_group": S, "samples": I,
         "lcp_p75": F, "lcp_rating": S, "inp_p75": F, "inp_rating": S,
         "cls_p75": F, "cls_rating": S, "fcp_p75": F, "fcp_rating": S,
         "ttfb_p75": F, "ttfb_rating": S, "passes_cwv": B},
    ),
)}


def get(name: str) -> Analysis:
    from wedsync_analytics.errors import UserError

    try:
        return ANALYSES[name]
    except KeyError:
        raise UserError(f"no analysis {name!r}; choose from {', '.join(ANALYSES)}") from None
