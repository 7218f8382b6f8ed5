"""The dashboard queries: the five views (as their `_at(as_of)` functions) and the analyses.

`dashboard_queries()` is the one place that reads the analyses' PostgreSQL SQL, keys and
parameters (`analyses.registry`, `analyses.params.Params`, `sql/analyses/postgres/`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from wedsync_analytics.analyses.params import Params
from wedsync_analytics.analyses.registry import ANALYSES, Analysis
from wedsync_analytics.errors import UserError
from wedsync_analytics.paths import sql_text

# The views of sql/migrations/0010 (their queries are functions of as_of since 0016):
# grouping keys and the table each reads.
VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "system_health_overview": (("organization_id", "service_name"), "system_health_checks"),
    "error_trending_analysis": (
        ("organization_id", "time_bucket", "error_type", "severity"),
        "error_reports",
    ),
    "performance_percentile_analysis": (
        ("organization_id", "service_name", "metric_type", "metric_unit", "time_bucket"),
        "performance_metrics",
    ),
    "funnel_conversion_analysis": (
        ("organization_id", "funnel_step", "conversion_date"),
        "business_events",
    ),
    "incident_response_metrics": (
        ("organization_id", "severity", "wedding_impact", "incident_date"),
        "incidents",
    ),
}


@dataclass(frozen=True)
class DashboardQuery:
    """One dashboard query: its SQL (psycopg `%(name)s` placeholders), values and keys."""

    name: str
    kind: str  # view | analysis
    sql: str
    params: dict[str, Any]
    keys: tuple[str, ...]
    tables: tuple[str, ...]

    def as_analysis(self, schema: dict[str, pl.DataType]) -> Analysis:
        """The comparator's description of this query (`validate.compare_frames`)."""
        return Analysis(self.name, self.name, self.tables, self.keys, schema)


def dashboard_queries(as_of: datetime, names: list[str] | None = None) -> list[DashboardQuery]:
    """Every dashboard query (or those in `names`) with `as_of` bound."""
    params = Params(as_of=as_of)
    found: list[DashboardQuery] = []
    for view, (keys, table) in VIEWS.items():
        found.append(
            DashboardQuery(
                view,
                "view",
                f"SELECT * FROM public.{view}_at(%(as_of)s::timestamptz)",
                {"as_of": params.as_of},
                keys,
                (table,),
            )
        )
    for analysis in ANALYSES.values():
        found.append(
            DashboardQuery(
                analysis.name,
                "analysis",
                sql_text(f"analyses/postgres/{analysis.name}.sql"),
                params.for_analysis(analysis.name).bind(),
                analysis.keys,
                analysis.tables,
            )
        )
    if not names:
        return found
    by_name = {q.name: q for q in found}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UserError(f"unknown query {unknown[0]!r}: choose from {', '.join(by_name)}")
    return [by_name[n] for n in names]
