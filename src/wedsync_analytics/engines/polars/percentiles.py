"""Performance percentiles per service, metric type and UTC hour (the spec's view).

The window's rows (about one group per 1.7 rows at the season scale) are ordered by one
integer group key built from each key column's lexical rank (see `lexical_codes`) and the
hour: a group is then a run of rows, which Polars aggregates without gathering each group,
and the result comes out in the analysis's key order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    hour_codes,
    lexical_codes,
    pct,
    sort_key,
)
from wedsync_analytics.engines.polars._tables import Tables

KEYS = ("organization_id", "service_name", "metric_type", "metric_unit")
QUANTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    rows = (
        tables.window("performance_metrics", v["as_of"] - timedelta(hours=v["hours"]), v["as_of"])
        .select(*KEYS, "timestamp", "metric_value")
        .collect()
    )
    key = sort_key([*(lexical_codes(rows[name]) for name in KEYS), hour_codes(rows["timestamp"])])
    value = pl.col("metric_value").cast(pl.Float64)
    return (
        rows.with_columns(key=key)
        .sort("key")
        .with_columns(pl.col("key").set_sorted())
        .lazy()
        .group_by("key", maintain_order=True)
        .agg(
            *[pl.col(name).first() for name in KEYS],
            pl.col("timestamp").first().dt.truncate("1h").alias("time_bucket"),
            pl.len().alias("sample_count"),
            *[pct(value, q).alias(name) for name, q in QUANTILES.items()],
            value.mean().alias("avg_value"),
            value.max().alias("max_value"),
        )
        .drop("key")
    )
