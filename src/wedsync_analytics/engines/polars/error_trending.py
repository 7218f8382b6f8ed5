"""Error trending per UTC hour, error type and severity (the spec's view).

Two calendars in one row, as in the view: `weekday` is the ISO weekday in UTC, while
`weekend_errors` counts the stored `wedding_context.is_weekend`, computed in the
organization's timezone when the row was written. Near midnight they disagree for a
non-UTC organization (docs/analyses.md, error_trending).

Nearly every group is one or two rows. Every string column is read as codes
(`keyed_window`): the group key is one integer packing the key columns' codes and the
hour (as in `percentiles`), the distinct counts count integer codes, the JSON flag is read
once per distinct `wedding_context` text, and each group's keys are unpacked from its
integer, which orders the groups as the analysis's keys.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import days, hour_codes, hour_starts
from wedsync_analytics.engines.polars._keyed import keyed_window
from wedsync_analytics.engines.polars._pack import pack, unpack
from wedsync_analytics.engines.polars._tables import Tables

GROUP = ("organization_id", "error_type", "severity")  # with the hour after the first
DISTINCT = ("correlation_id", "incident_id", "fingerprint")  # COUNT(DISTINCT ...)
CODED = ("error_reports", (*GROUP, *DISTINCT, "wedding_context"))
COLUMNS = ("created_at", "occurrence_count")


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - days(v["days"])
    keyed = keyed_window(tables, *CODED, COLUMNS, start, v["as_of"], unordered=DISTINCT)
    rows = keyed.frame
    hours, hour_count, first_hour = hour_codes(rows["created_at"])
    organization, error_type, severity = (keyed.part(name) for name in GROUP)
    key, steps = pack([organization, (hours, hour_count), error_type, severity])
    distinct = {name: keyed.part(name) for name in DISTINCT}
    groups = (
        pl.DataFrame(
            {
                "key": key,
                **{name: codes for name, (codes, _) in distinct.items()},
                "occurrence_count": rows["occurrence_count"],
                "weekend": keyed.json_flag("wedding_context", "is_weekend"),
            }
        )
        .group_by("key")
        .agg(
            pl.len().alias("error_count"),
            *[  # the NULL code (the last) is not a value
                pl.col(name).filter(pl.col(name) < size - 1).n_unique().alias(f"unique_{name}")
                for name, (_, size) in distinct.items()
            ],
            pl.col("occurrence_count").cast(pl.Float64).mean().alias("avg_occurrence_per_error"),
            pl.col("weekend").sum().alias("weekend_errors"),
        )
        .sort("key")
    )
    parts = unpack(groups["key"].to_numpy(), steps)
    time_bucket = hour_starts(parts[1], first_hour).alias("time_bucket")
    return pl.DataFrame(
        [
            keyed.values("organization_id", parts[0]),
            time_bucket,
            time_bucket.dt.weekday().cast(pl.Int32).alias("weekday"),  # ISO
            keyed.values("error_type", parts[2]),
            keyed.values("severity", parts[3]),
            groups["error_count"],
            groups["unique_correlation_id"].alias("unique_correlations"),
            groups["unique_incident_id"].alias("unique_incidents"),
            groups["avg_occurrence_per_error"],
            groups["weekend_errors"],
            groups["unique_fingerprint"].alias("unique_fingerprints"),
        ]
    ).lazy()
