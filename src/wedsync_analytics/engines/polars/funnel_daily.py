"""The spec's daily funnel step counts (not conversion: steps mix cohorts)."""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    COLLECT_ENGINE,
    count_distinct,
    days,
    json_flag,
)
from wedsync_analytics.engines.polars._tables import Tables


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - days(v["days"])
    value = pl.col("conversion_value")
    rows = (  # the few rows with a funnel step, then the work on those alone
        tables.window("business_events", start, v["as_of"], present="funnel_step")
        .select(
            "organization_id",
            "funnel_step",
            "event_timestamp",
            "user_id",
            "conversion_value",
            "wedding_context",
        )
        .collect(engine=COLLECT_ENGINE)
    )
    return (
        rows.lazy()
        .group_by(
            "organization_id",
            "funnel_step",
            pl.col("event_timestamp").dt.date().alias("conversion_date"),
        )
        .agg(
            pl.len().alias("step_events"),
            count_distinct("user_id").alias("unique_users"),
            # SUM of no non-NULL values is NULL in SQL, 0 in Polars
            pl.when(value.count() > 0)
            .then(value.sum())
            .cast(pl.Float64)
            .alias("total_conversion_value"),
            value.cast(pl.Float64).mean().alias("avg_conversion_value"),
            json_flag("wedding_context", "is_wedding_season").sum().alias("wedding_season_events"),
        )
    )
