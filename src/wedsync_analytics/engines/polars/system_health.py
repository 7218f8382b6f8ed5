"""System health overview per service over the last hour (the spec's view)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._tables import Tables


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    status = pl.col("status")  # an Enum: compared by name, no per-row text
    return (
        tables.window(
            "system_health_checks", v["as_of"] - timedelta(minutes=v["minutes"]), v["as_of"]
        )
        .group_by("organization_id", "service_name")
        .agg(
            pl.len().alias("total_checks"),
            (status == "healthy").sum().alias("healthy_checks"),
            (status == "degraded").sum().alias("degraded_checks"),
            (status == "unhealthy").sum().alias("unhealthy_checks"),
            pl.col("response_time_ms").cast(pl.Float64).mean().alias("avg_response_time"),
            pl.col("last_success").max().alias("last_successful_check"),
            pl.when(pl.col("consecutive_failures").count() > 0)
            .then(pl.col("consecutive_failures").cast(pl.Int64).sum())
            .alias("total_consecutive_failures"),
        )
    )
