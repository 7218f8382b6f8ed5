"""Incident response (MTTA, MTTR) per severity and wedding impact; see the SQL for definitions."""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    days,
    lit_ts,
    pct,
    seconds_between,
)
from wedsync_analytics.engines.polars._tables import Tables


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - days(v["days"])
    as_of = lit_ts(v["as_of"])
    tta = pl.when(pl.col("acknowledged_at") < as_of).then(
        seconds_between("acknowledged_at", "created_at")
    )
    ttr = pl.when(pl.col("resolved_at") < as_of).then(seconds_between("resolved_at", "created_at"))
    return (
        tables.window("incidents", start, v["as_of"])
        .select(
            pl.col("severity").cast(pl.String),
            pl.col("wedding_impact").cast(pl.String),
            "auto_created",
            "escalation_level",
            tta.alias("tta"),
            ttr.alias("ttr"),
        )
        .group_by("severity", "wedding_impact")
        .agg(
            pl.len().alias("total_incidents"),
            pl.col("tta").count().alias("acknowledged_incidents"),
            pl.col("tta").null_count().alias("unacknowledged_incidents"),
            pl.col("ttr").count().alias("resolved_incidents"),
            pl.col("ttr").null_count().alias("unresolved_incidents"),
            pl.col("tta").mean().alias("mtta_avg_seconds"),
            pct(pl.col("tta"), 0.50).alias("mtta_p50_seconds"),
            pct(pl.col("tta"), 0.95).alias("mtta_p95_seconds"),
            pl.col("ttr").mean().alias("mttr_avg_seconds"),
            pct(pl.col("ttr"), 0.50).alias("mttr_p50_seconds"),
            pct(pl.col("ttr"), 0.95).alias("mttr_p95_seconds"),
            (pl.col("auto_created") == True).sum().alias("auto_created_incidents"),  # noqa: E712
            (pl.col("escalation_level") > 0).sum().alias("escalated_incidents"),
        )
    )
