"""Error trending per UTC hour, error type and severity (the spec's view).

Two calendars in one row, as in the view: `weekday` is the ISO weekday in UTC, while
`weekend_errors` counts the stored `wedding_context.is_weekend`, computed in the
organization's timezone when the row was written. Near midnight they disagree for a
non-UTC organization (docs/analyses.md, error_trending).

Nearly every group is one or two rows, so the rows are ordered by one integer group key
(as in `percentiles`) and aggregated run by run; the JSON flag is read once per distinct
`wedding_context` text.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    count_distinct,
    days,
    hour_codes,
    json_flag_of_distinct,
    lexical_codes,
    sort_key,
)
from wedsync_analytics.engines.polars._tables import Tables

COLUMNS = (
    "organization_id",
    "error_type",
    "severity",
    "created_at",
    "correlation_id",
    "incident_id",
    "occurrence_count",
    "wedding_context",
    "fingerprint",
)


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    rows = (
        tables.window("error_reports", v["as_of"] - days(v["days"]), v["as_of"])
        .select(COLUMNS)
        .collect()
    )
    key = sort_key(
        [
            lexical_codes(rows["organization_id"]),
            hour_codes(rows["created_at"]),
            lexical_codes(rows["error_type"]),
            lexical_codes(rows["severity"]),
        ]
    )
    weekend = json_flag_of_distinct(rows["wedding_context"], "is_weekend")
    return (
        rows.drop("wedding_context")  # its flag is `weekend`
        .with_columns(key=key, weekend=weekend)
        .sort("key")
        .with_columns(pl.col("key").set_sorted())
        .lazy()
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("organization_id").first(),
            pl.col("created_at").first().dt.truncate("1h").alias("time_bucket"),
            pl.col("error_type").first(),
            pl.col("severity").first(),
            pl.len().alias("error_count"),
            count_distinct("correlation_id").alias("unique_correlations"),
            count_distinct("incident_id").alias("unique_incidents"),
            pl.col("occurrence_count").cast(pl.Float64).mean().alias("avg_occurrence_per_error"),
            pl.col("weekend").sum().alias("weekend_errors"),
            count_distinct("fingerprint").alias("unique_fingerprints"),
        )
        .with_columns(pl.col("time_bucket").dt.weekday().cast(pl.Int32).alias("weekday"))  # ISO
        .drop("key")
    )
