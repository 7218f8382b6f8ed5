"""Ordered funnels with a conversion window (see sql/analyses/funnel_conversion/postgres.sql).

One scan of business_events keeps only the funnels' events (a user, a step of some funnel,
before as_of: three columns); the step-by-step walk then runs on that small frame, every
funnel at once, keyed by (funnel, user). Each funnel is its own: an event whose step name
two funnels share counts in both, so a user can be in several.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    days,
    lit_ts,
    pct,
    seconds_between,
    utc_midnight,
)
from wedsync_analytics.engines.polars._tables import Tables

KEY = ["funnel", "user_id"]


def funnel_steps(funnels: dict[str, tuple[str, ...]]) -> pl.DataFrame:
    """One row per funnel step: funnel, step (from 1), step_name."""
    return pl.DataFrame(
        [(name, k, step) for name, steps in funnels.items() for k, step in enumerate(steps, 1)],
        schema={"funnel": pl.String, "step": pl.Int32, "step_name": pl.String},
        orient="row",
    )


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    steps = funnel_steps(v["funnels"])
    window = timedelta(days=v["window_days"])
    step_name = pl.col("funnel_step").cast(pl.String)
    ev = (
        # the scan keeps the few rows with a funnel step (a test of the NULL mask, on which
        # the Parquet reader prefilters); the other conditions run on those rows only
        tables.window("business_events", None, v["as_of"])
        .select("user_id", "funnel_step", "event_timestamp")
        .filter(pl.col("funnel_step").is_not_null())
        .collect()
        .filter(pl.col("user_id").is_not_null())
        .select("user_id", step_name.alias("step_name"), pl.col("event_timestamp").alias("ts"))
        .join(steps, on="step_name")
    )
    # t1: the user's first step-1 event, if it falls in the cohorts' range
    level = (
        ev.filter(pl.col("step") == 1)
        .group_by(KEY)
        .agg(pl.col("ts").min().alias("t1"))
        .filter(pl.col("t1") >= lit_ts(utc_midnight(v["as_of"]) - days(v["cohort_days"])))
        .with_columns(pl.col("t1").alias("ts"), pl.lit(1, pl.Int32).alias("step"))
    )
    levels = [level]
    for k in range(2, max(len(s) for s in v["funnels"].values()) + 1):
        # t(k): the earliest step-k event with t(k-1) <= t(k) <= t1 + window
        level = (
            ev.filter(pl.col("step") == k)
            .join(level.select(*KEY, "t1", pl.col("ts").alias("previous")), on=KEY)
            .filter((pl.col("ts") >= pl.col("previous")) & (pl.col("ts") <= pl.col("t1") + window))
            .group_by(KEY)
            .agg(pl.col("t1").first(), pl.col("ts").min())
            .with_columns(pl.lit(k, pl.Int32).alias("step"))
        )
        levels.append(level)
    chain = pl.concat([lf.select(*KEY, "step", "t1", "ts") for lf in levels]).with_columns(
        pl.col("t1").dt.date().alias("cohort_date")
    )  # the UTC day of t1
    stats = chain.group_by("funnel", "cohort_date", "step").agg(
        pl.len().cast(pl.Int64).alias("users"),
        pct(seconds_between("ts", "t1"), 0.5).alias("median_seconds_to_convert"),
        seconds_between("ts", "t1").mean().alias("avg_seconds_to_convert"),
    )
    # every step of the funnel for each of its cohorts, 0 users where nobody reached it
    grid = chain.select("funnel", "cohort_date").unique().join(steps, on="funnel")
    cohort = ["funnel", "cohort_date"]
    users = pl.col("users").cast(pl.Float64)
    previous_users = pl.col("users").shift(1).over(cohort).cast(pl.Float64)
    first_users = pl.col("users").first().over(cohort).cast(pl.Float64)
    day_after = pl.col("cohort_date").cast(pl.Datetime("us")).dt.replace_time_zone(
        "UTC"
    ) + timedelta(days=1)
    return (
        grid.join(stats, on=[*cohort, "step"], how="left")
        .with_columns(pl.col("users").fill_null(0))
        .sort(*cohort, "step")
        .with_columns(
            pl.when(previous_users > 0)
            .then(users / previous_users)
            .alias("conversion_from_previous"),
            pl.when(first_users > 0).then(users / first_users).alias("conversion_overall"),
            (day_after + window <= lit_ts(v["as_of"])).alias("cohort_complete"),
        )
        .rename({"step": "step_number"})
        .lazy()
    )
