"""Performance percentiles per service, metric type and UTC hour (the spec's view)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import between, pct


def build(tables: dict[str, pl.LazyFrame], v: dict[str, Any]) -> pl.LazyFrame:
    value = pl.col("metric_value").cast(pl.Float64)
    return (
        tables["performance_metrics"]
        .filter(between("timestamp", v["as_of"] - timedelta(hours=v["hours"]), v["as_of"]))
        .group_by(
            pl.col("organization_id").cast(pl.String),
            pl.col("service_name").cast(pl.String),
            pl.col("metric_type").cast(pl.String),
            pl.col("metric_unit").cast(pl.String),
            pl.col("timestamp").dt.truncate("1h").alias("time_bucket"),
        )
        .agg(
            pl.len().alias("sample_count"),
            pct(value, 0.50).alias("p50"),
            pct(value, 0.90).alias("p90"),
            pct(value, 0.95).alias("p95"),
            pct(value, 0.99).alias("p99"),
            value.mean().alias("avg_value"),
            value.max().alias("max_value"),
        )
    )
