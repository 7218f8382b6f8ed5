"""Ordered funnels with a conversion window (see sql/analyses/funnel_conversion/postgres.sql).

One scan of business_events keeps only the funnels' events (a user, a step of some funnel,
before as_of: three columns); the step-by-step walk then runs on that small frame, every
funnel at once, keyed by (funnel, user). Each funnel is its own: an event whose step name
two funnels share counts in both, so a user can be in several.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from wedsync_analytics.engines.polars._common import (
    COLLECT_ENGINE,
    UTC_DT,
    days,
    lit_ts,
    micros,
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


def walk(ev: pl.DataFrame, last_step: int, cohort_start: int, window: int) -> pl.DataFrame:
    """Each member's chain: funnel, step, t1, ts for every step reached, from the events
    (funnel, user_id, step, ts). A member is a (funnel, user) whose first step-1 event t1 is
    at or after `cohort_start`; t(k) is the earliest step-k event with t(k-1) <= t(k) <=
    t1 + window. Times are microseconds; array operations over the members, step by step."""
    ev = ev.sort(KEY)
    new = pl.col("funnel").ne_missing(pl.col("funnel").shift()) | pl.col("user_id").ne_missing(
        pl.col("user_id").shift()
    )
    member = ev.select(new.cast(pl.Int64).cum_sum() - 1).to_series().to_numpy()
    step = ev["step"].to_numpy()
    ts = ev["ts"].dt.epoch("us").to_numpy()
    members = int(member.max()) + 1 if len(member) else 0
    never = np.iinfo(np.int64).max
    t1 = np.full(members, never)
    np.minimum.at(t1, member[step == 1], ts[step == 1])
    t1[t1 < cohort_start] = never
    reached = [t1]
    for k in range(2, last_step + 1):
        at, when = member[step == k], ts[step == k]
        previous = reached[-1][at]
        valid = (previous != never) & (when >= previous) & (when - window <= t1[at])
        earliest = np.full(members, never)
        np.minimum.at(earliest, at[valid], when[valid])
        reached.append(earliest)
    funnel_of = ev["funnel"].gather(np.flatnonzero(np.diff(member, prepend=-1)))
    found = [np.flatnonzero(times != never) for times in reached]
    whom = np.concatenate(found)
    return pl.DataFrame(
        {
            "funnel": funnel_of.gather(whom),
            "step": np.repeat(np.arange(1, last_step + 1, dtype=np.int32), [len(f) for f in found]),
            "t1": pl.Series(t1[whom]).cast(UTC_DT),
            "ts": pl.Series(
                np.concatenate([t[f] for t, f in zip(reached, found, strict=True)])
            ).cast(UTC_DT),
        }
    )


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    steps = funnel_steps(v["funnels"])
    window = timedelta(days=v["window_days"])
    step_name = pl.col("funnel_step").cast(pl.String)
    ev = (
        # the scan keeps the few rows with a funnel step (files and row groups without one
        # are skipped by their null counts); the other conditions run on those rows only
        tables.window("business_events", None, v["as_of"], present="funnel_step")
        .select("user_id", "funnel_step", "event_timestamp")
        .collect(engine=COLLECT_ENGINE)
        .filter(pl.col("user_id").is_not_null())
        .select("user_id", step_name.alias("step_name"), pl.col("event_timestamp").alias("ts"))
        .join(steps, on="step_name")
    )
    cohort_start = utc_midnight(v["as_of"]) - days(v["cohort_days"])
    last_step = max(len(s) for s in v["funnels"].values())
    chain = walk(ev, last_step, micros(cohort_start), micros(window))
    chain = chain.with_columns(pl.col("t1").dt.date().alias("cohort_date"))  # t1's UTC day
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
