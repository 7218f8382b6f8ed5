"""Facts about the schema's tables, stated once: event-time column, tenant column, size class.

Export (month partitions, sparse-column files), validate (default `as_of`), the generator
and the strategies read these; nothing else names a table's time column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableFacts:
    """One table of schema `public`.

    `event_time` places a row in time (UTC); `tenant` is the column row-level security
    and the tenant-composite keys use; `big` marks the high-volume time series that the
    partitioned layout and the retention strategies act on; `sparse` names a column set on
    few rows that analyses select with `IS NOT NULL` (a partial index in the schema): the
    export writes those rows to files of their own, so readers skip the rest by statistics.
    """

    name: str
    event_time: str
    tenant: str = "organization_id"
    big: bool = False
    sparse: str | None = None


TABLE_FACTS: dict[str, TableFacts] = {
    f.name: f
    for f in (
        TableFacts("performance_metrics", "timestamp", big=True),
        TableFacts("api_performance", "recorded_at", big=True),
        TableFacts("core_web_vitals", "created_at", big=True),
        TableFacts("error_reports", "created_at", big=True),
        TableFacts("business_events", "event_timestamp", big=True, sparse="funnel_step"),
        TableFacts("database_performance", "recorded_at"),
        TableFacts("user_journey_performance", "started_at"),
        TableFacts("system_health_checks", "created_at"),
        TableFacts("alert_history", "triggered_at"),
        TableFacts("feature_usage", "used_at"),
        TableFacts("incidents", "created_at"),
    )
}


def event_time(table: str) -> str | None:
    """The event-time column of `table`, or None for tables that are not time series."""
    facts = TABLE_FACTS.get(table)
    return facts.event_time if facts else None
