"""Ordered funnels with a conversion window (see sql/analyses/funnel_conversion/postgres.sql)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    UTC_DT,
    days,
    lit_ts,
    pct,
    seconds_between,
    utc_midnight,
)


def build(tables: dict[str, pl.LazyFrame], v: dict[str, Any]) -> pl.LazyFrame:
    """Each funnel on its own (a user can be in several), stacked with a `funnel` column."""
    return pl.concat(
        [
            one_funnel(tables["business_events"], list(steps), v).select(
                pl.lit(name, pl.String).alias("funnel"), pl.all()
            )
            for name, steps in v["funnels"].items()
        ]
    )


def one_funnel(events: pl.LazyFrame, steps: list[str], v: dict[str, Any]) -> pl.LazyFrame:
    """One funnel's rows per cohort day and step."""
    window = timedelta(days=v["window_days"])
    ev = events.filter(
        pl.col("user_id").is_not_null()
        & pl.col("funnel_step").cast(pl.String).is_in(steps)
        & (pl.col("event_timestamp") < lit_ts(v["as_of"]))
    ).select(
        "user_id",
        pl.col("funnel_step")
        .cast(pl.String)
        .replace_strict(steps, list(range(1, len(steps) + 1)), return_dtype=pl.Int32)
        .alias("step"),
        pl.col("event_timestamp").alias("ts"),
    )
    reached = (
        ev.filter(pl.col("step") == 1)
        .group_by("user_id")
        .agg(pl.col("ts").min().alias("t1"))
        .filter(pl.col("t1") >= lit_ts(utc_midnight(v["as_of"]) - days(v["cohort_days"])))
        .with_columns(pl.col("t1").alias("ts"), pl.lit(1, pl.Int32).alias("step"))
    )
    levels = [reached]
    previous = reached
    for k in range(2, len(steps) + 1):
        nxt = (
            ev.filter(pl.col("step") == k)
            .join(previous.select("user_id", "t1", pl.col("ts").alias("prev")), on="user_id")
            .filter((pl.col("ts") >= pl.col("prev")) & (pl.col("ts") <= pl.col("t1") + window))
            .group_by("user_id")
            .agg(pl.col("t1").first(), pl.col("ts").min())
            .with_columns(pl.lit(k, pl.Int32).alias("step"))
        )
        levels.append(nxt)
        previous = nxt
    chain = pl.concat(
        [
            lf.select("user_id", "step", pl.col("t1").cast(UTC_DT), pl.col("ts").cast(UTC_DT))
            for lf in levels
        ]
    ).with_columns(pl.col("t1").dt.date().alias("cohort_date"))
    stats = chain.group_by("cohort_date", "step").agg(
        pl.len().cast(pl.Int64).alias("users"),
        pct(seconds_between("ts", "t1"), 0.5).alias("median_seconds_to_convert"),
        seconds_between("ts", "t1").mean().alias("avg_seconds_to_convert"),
    )
    names = pl.DataFrame(
        {"step": list(range(1, len(steps) + 1)), "step_name": steps},
        schema={"step": pl.Int32, "step_name": pl.String},
    ).lazy()
    grid = chain.select("cohort_date").unique().join(names, how="cross")
    users = pl.col("users").cast(pl.Float64)
    previous_users = pl.col("users").shift(1).over("cohort_date").cast(pl.Float64)
    first_users = pl.col("users").first().over("cohort_date").cast(pl.Float64)
    first_day_after = pl.col("cohort_date").cast(pl.Datetime("us")).dt.replace_time_zone(
        "UTC"
    ) + timedelta(days=1)
    return (
        grid.join(stats, on=["cohort_date", "step"], how="left")
        .with_columns(pl.col("users").fill_null(0))
        .sort("cohort_date", "step")
        .with_columns(
            pl.when(previous_users > 0)
            .then(users / previous_users)
            .alias("conversion_from_previous"),
            pl.when(first_users > 0).then(users / first_users).alias("conversion_overall"),
            (first_day_after + window <= lit_ts(v["as_of"])).alias("cohort_complete"),
        )
        .rename({"step": "step_number"})
    )
