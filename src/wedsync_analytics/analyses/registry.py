"""The analyses: name, input tables, output schema and grouping keys.

Each has `sql/analyses/postgres/<name>.sql`, `sql/analyses/duckdb/<name>.sql` and
`wedsync_analytics.analyses.polars_engine.<name>`; all three must return these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

TS = pl.Datetime("us", "UTC")
S, N, F, B, D = pl.String(), pl.Int64(), pl.Float64(), pl.Boolean(), pl.Date()


@dataclass(frozen=True)
class Analysis:
    """One analysis; `keys` identify a row, the other columns are compared as values."""

    name: str
    title: str
    tables: tuple[str, ...]
    keys: tuple[str, ...]
    schema: dict[str, pl.DataType]


ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis(
            "percentiles",
            "Performance percentiles per service, metric and hour",
            ("performance_metrics",),
            ("organization_id", "service_name", "metric_type", "metric_unit", "time_bucket"),
            {
                "organization_id": S,
                "service_name": S,
                "metric_type": S,
                "metric_unit": S,
                "time_bucket": TS,
                "sample_count": N,
                "p50": F,
                "p90": F,
                "p95": F,
                "p99": F,
                "avg_value": F,
                "max_value": F,
            },
        ),
        Analysis(
            "error_trending",
            "Error trending per hour, type and severity",
            ("error_reports",),
            ("organization_id", "time_bucket", "error_type", "severity"),
            {
                "organization_id": S,
                "time_bucket": TS,
                "weekday": N,
                "error_type": S,
                "severity": S,
                "error_count": N,
                "unique_correlations": N,
                "unique_incidents": N,
                "avg_occurrence_per_error": F,
                "weekend_errors": N,
                "unique_fingerprints": N,
            },
        ),
        Analysis(
            "system_health",
            "System health overview per service (last hour)",
            ("system_health_checks",),
            ("organization_id", "service_name"),
            {
                "organization_id": S,
                "service_name": S,
                "total_checks": N,
                "healthy_checks": N,
                "degraded_checks": N,
                "unhealthy_checks": N,
                "avg_response_time": F,
                "last_successful_check": TS,
                "total_consecutive_failures": N,
            },
        ),
        Analysis(
            "funnel_daily",
            "Daily funnel step counts (the spec's view)",
            ("business_events",),
            ("organization_id", "funnel_step", "conversion_date"),
            {
                "organization_id": S,
                "funnel_step": S,
                "conversion_date": D,
                "step_events": N,
                "unique_users": N,
                "total_conversion_value": F,
                "avg_conversion_value": F,
                "wedding_season_events": N,
            },
        ),
        Analysis(
            "funnel_conversion",
            "Ordered funnel conversion by cohort day",
            ("business_events",),
            ("cohort_date", "step_number"),
            {
                "cohort_date": D,
                "step_number": N,
                "step_name": S,
                "users": N,
                "conversion_from_previous": F,
                "conversion_overall": F,
                "median_seconds_to_convert": F,
                "avg_seconds_to_convert": F,
                "cohort_complete": B,
            },
        ),
        Analysis(
            "incident_response",
            "Incident MTTA / MTTR per severity and wedding impact",
            ("incidents",),
            ("severity", "wedding_impact"),
            {
                "severity": S,
                "wedding_impact": S,
                "total_incidents": N,
                "acknowledged_incidents": N,
                "unacknowledged_incidents": N,
                "resolved_incidents": N,
                "unresolved_incidents": N,
                "mtta_avg_seconds": F,
                "mtta_p50_seconds": F,
                "mtta_p95_seconds": F,
                "mttr_avg_seconds": F,
                "mttr_p50_seconds": F,
                "mttr_p95_seconds": F,
                "auto_created_incidents": N,
                "escalated_incidents": N,
            },
        ),
        Analysis(
            "web_vitals",
            "Core Web Vitals p75 per season, device and page group",
            ("core_web_vitals",),
            ("season", "device_type", "page_group"),
            {
                "season": S,
                "device_type": S,
                "page_group": S,
                "samples": N,
                "lcp_p75": F,
                "lcp_rating": S,
                "inp_p75": F,
                "inp_rating": S,
                "cls_p75": F,
                "cls_rating": S,
                "fcp_p75": F,
                "fcp_rating": S,
                "ttfb_p75": F,
                "ttfb_rating": S,
                "passes_cwv": B,
            },
        ),
    )
}


def get(name: str) -> Analysis:
    from wedsync_analytics.errors import UserError

    try:
        return ANALYSES[name]
    except KeyError:
        raise UserError(f"no analysis {name!r}; choose from {', '.join(ANALYSES)}") from None
