"""Error trending per UTC hour, error type and severity (the spec's view).

Two calendars in one row, as in the view: `weekday` is the ISO weekday in UTC, while
`weekend_errors` counts the stored `wedding_context.is_weekend`, computed in the
organization's timezone when the row was written. Near midnight they disagree for a
non-UTC organization (docs/analyses.md, error_trending).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    between,
    count_distinct,
    days,
    json_flag,
)


def build(tables: dict[str, pl.LazyFrame], v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - days(v["days"])
    return (
        tables["error_reports"]
        .filter(between("created_at", start, v["as_of"]))
        .group_by(
            pl.col("organization_id").cast(pl.String),
            pl.col("created_at").dt.truncate("1h").alias("time_bucket"),
            pl.col("created_at").dt.weekday().cast(pl.Int32).alias("weekday"),  # ISO, UTC
            pl.col("error_type").cast(pl.String),
            pl.col("severity").cast(pl.String),
        )
        .agg(
            pl.len().alias("error_count"),
            count_distinct("correlation_id").alias("unique_correlations"),
            count_distinct("incident_id").alias("unique_incidents"),
            pl.col("occurrence_count").cast(pl.Float64).mean().alias("avg_occurrence_per_error"),
            json_flag("wedding_context", "is_weekend").sum().alias("weekend_errors"),
            count_distinct("fingerprint").alias("unique_fingerprints"),
        )
    )
