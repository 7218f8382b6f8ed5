"""Error trending per UTC hour, error type and severity (the spec's view).

Two calendars in one row, as in the view: `weekday` is the ISO weekday in UTC, while
`weekend_errors` counts the stored `wedding_context.is_weekend`, computed in the
organization's timezone when the row was written. Near midnight they disagree for a
non-UTC organization (docs/analyses.md, error_trending).

Nearly every group is one or two rows, so the rows are ordered by one integer group key
(as in `percentiles`, from the key columns' codes: `keyed_window`) and aggregated run by
run; the JSON flag is read once per distinct `wedding_context` text.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    count_distinct,
    days,
    hour_codes,
    sort_key,
)
from wedsync_analytics.engines.polars._keyed import keyed_window
from wedsync_analytics.engines.polars._tables import Tables

KEYS = ("organization_id", "error_type", "severity", "wedding_context")  # coded
COLUMNS = ("created_at", "correlation_id", "incident_id", "occurrence_count", "fingerprint")


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - days(v["days"])
    keyed = keyed_window(tables, "error_reports", start, v["as_of"], KEYS, COLUMNS)
    rows = keyed.frame.select(COLUMNS)
    codes = keyed.codes
    key = sort_key(
        [
            codes["organization_id"],
            hour_codes(rows["created_at"]),
            codes["error_type"],
            codes["severity"],
        ]
    )
    groups = (
        rows.with_columns(
            key=key,
            row=pl.int_range(len(rows), dtype=pl.Int64),
            weekend=keyed.json_flag("wedding_context", "is_weekend"),
        )
        .sort("key")
        .with_columns(pl.col("key").set_sorted())
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("row").first(),
            pl.col("created_at").first().dt.truncate("1h").alias("time_bucket"),
            pl.len().alias("error_count"),
            count_distinct("correlation_id").alias("unique_correlations"),
            count_distinct("incident_id").alias("unique_incidents"),
            pl.col("occurrence_count").cast(pl.Float64).mean().alias("avg_occurrence_per_error"),
            pl.col("weekend").sum().alias("weekend_errors"),
            count_distinct("fingerprint").alias("unique_fingerprints"),
        )
    )
    return (
        groups.with_columns(
            *[keyed.values(name, groups["row"]) for name in KEYS[:3]],
            pl.col("time_bucket").dt.weekday().cast(pl.Int32).alias("weekday"),  # ISO
        )
        .drop("key", "row")
        .lazy()
    )
