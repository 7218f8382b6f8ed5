"""Ordered funnels with a conversion window, in the DataFrame API (Spark SQL has no loop over
a parameter's steps); the rules are in sql/analyses/funnel_conversion/postgres.sql."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F


def seconds(later: str, earlier: str) -> Column:
    """Exact microsecond difference as DOUBLE seconds."""
    return (F.unix_micros(F.col(later)) - F.unix_micros(F.col(earlier))).cast("double") / 1e6


def build(tables: dict[str, DataFrame], v: dict[str, Any]) -> DataFrame:
    """Each funnel on its own (a user can be in several), stacked with a `funnel` column."""
    frames = [
        one_funnel(tables["business_events"], list(steps), v).select(
            F.lit(name).alias("funnel"), "*"
        )
        for name, steps in v["funnels"].items()
    ]
    return reduce(DataFrame.unionByName, frames)


def one_funnel(events: DataFrame, steps: list[str], v: dict[str, Any]) -> DataFrame:
    """One funnel's rows per cohort day and step."""
    as_of: datetime = v["as_of"]
    window = timedelta(days=v["window_days"])
    midnight = as_of.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    cohort_start = midnight - timedelta(days=v["cohort_days"])
    numbers = F.create_map(*[F.lit(x) for i, s in enumerate(steps, 1) for x in (s, i)])
    ev = events.where(
        F.col("user_id").isNotNull()
        & F.col("funnel_step").isin(steps)
        & (F.col("event_timestamp") < F.lit(as_of))
    ).select(
        "user_id",
        numbers[F.col("funnel_step")].alias("step"),
        F.col("event_timestamp").alias("ts"),
    )
    reached = (
        ev.where(F.col("step") == 1)
        .groupBy("user_id")
        .agg(F.min("ts").alias("t1"))
        .where(F.col("t1") >= F.lit(cohort_start))
        .select("user_id", F.lit(1).alias("step"), "t1", F.col("t1").alias("ts"))
    )
    levels, previous = [reached], reached
    for k in range(2, len(steps) + 1):
        previous = (
            ev.where(F.col("step") == k)
            .join(previous.select("user_id", "t1", F.col("ts").alias("prev")), "user_id")
            .where(
                (F.col("ts") >= F.col("prev"))
                & (F.col("ts") <= F.col("t1") + F.expr(f"make_dt_interval({window.days})"))
            )
            .groupBy("user_id")
            .agg(F.first("t1").alias("t1"), F.min("ts").alias("ts"))
            .select("user_id", F.lit(k).alias("step"), "t1", "ts")
        )
        levels.append(previous)
    chain = reduce(DataFrame.unionByName, levels).withColumn(
        "cohort_date",
        F.to_date("t1"),  # the UTC date (session TimeZone UTC)
    )
    stats = chain.groupBy("cohort_date", "step").agg(
        F.count(F.lit(1)).alias("users"),
        F.percentile(seconds("ts", "t1"), 0.5).alias("median_seconds_to_convert"),
        F.avg(seconds("ts", "t1")).alias("avg_seconds_to_convert"),
    )
    spark = events.sparkSession
    names = spark.createDataFrame(list(enumerate(steps, 1)), "step INT, step_name STRING")
    grid = chain.select("cohort_date").distinct().crossJoin(names)
    w = Window.partitionBy("cohort_date").orderBy("step")
    users = F.col("users").cast("double")
    day_after = F.to_utc_timestamp(F.date_add("cohort_date", 1).cast("timestamp_ntz"), "UTC")
    return (
        grid.join(stats, ["cohort_date", "step"], "left")
        .withColumn("users", F.coalesce(F.col("users"), F.lit(0)).cast("bigint"))
        .select(
            "cohort_date",
            F.col("step").alias("step_number"),
            "step_name",
            "users",
            (users / F.nullif(F.lag("users").over(w), F.lit(0))).alias("conversion_from_previous"),
            (users / F.nullif(F.first("users").over(w), F.lit(0))).alias("conversion_overall"),
            "median_seconds_to_convert",
            "avg_seconds_to_convert",
            (day_after + F.expr(f"make_dt_interval({window.days})") <= F.lit(as_of)).alias(
                "cohort_complete"
            ),
        )
    )
