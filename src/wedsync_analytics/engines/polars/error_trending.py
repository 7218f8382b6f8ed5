"""Error trending per UTC hour, error type and severity (the spec's view).

Two calendars in one row, as in the view: `weekday` is the ISO weekday in UTC, while
`weekend_errors` counts the stored `wedding_context.is_weekend`, computed in the
organization's timezone when the row was written. Near midnight they disagree for a
non-UTC organization (docs/analyses.md, error_trending).

Nearly every group is one or two rows. Every string column is read as codes
(`keyed_window`): the group key is one integer packing the key columns' codes and the
hour (as in `percentiles`); one sort of (group, row) pairs makes each group a run of rows,
and one sort of (group, code) pairs per COUNT(DISTINCT) column a run of its sorted codes,
so every aggregate is an array operation over the runs. The JSON flag is read once per
distinct `wedding_context` text, and each group's keys are unpacked from its integer,
which orders the groups as the analysis's keys.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from wedsync_analytics.engines.polars._common import (
    days,
    hour_codes,
    hour_starts,
    run_sums,
    runs,
)
from wedsync_analytics.engines.polars._keyed import keyed_window
from wedsync_analytics.engines.polars._pack import pack, sort_pairs, unpack
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
    group = (key, int(key.max()) + 1 if len(key) else 1)
    keys, row = sort_pairs(group, (np.arange(len(key)), max(len(key), 1)))
    starts, counts = runs(keys)
    parts = unpack(keys[starts], steps)
    time_bucket = hour_starts(parts[1], first_hour).alias("time_bucket")
    occurrences = rows["occurrence_count"].cast(pl.Float64).to_numpy()[row]
    weekend = keyed.json_flag("wedding_context", "is_weekend")[row]
    return pl.DataFrame(
        [
            keyed.values("organization_id", parts[0]),
            time_bucket,
            time_bucket.dt.weekday().cast(pl.Int64).alias("weekday"),  # ISO
            keyed.values("error_type", parts[2]),
            keyed.values("severity", parts[3]),
            pl.Series("error_count", counts, dtype=pl.Int64),
            pl.Series("unique_correlations", distinct(group, keyed.part(DISTINCT[0]), starts)),
            pl.Series("unique_incidents", distinct(group, keyed.part(DISTINCT[1]), starts)),
            pl.Series("avg_occurrence_per_error", run_sums(occurrences, starts) / counts),
            pl.Series("weekend_errors", run_sums(weekend, starts)),
            pl.Series("unique_fingerprints", distinct(group, keyed.part(DISTINCT[2]), starts)),
        ]
    ).lazy()


def distinct(
    group: tuple[np.ndarray, int], values: tuple[np.ndarray, int], starts: np.ndarray
) -> np.ndarray:
    """COUNT(DISTINCT value) per group: the (group, value code) pairs sorted, the groups'
    runs start at `starts` (as in the rows sorted by group); a value is counted where it
    differs from the one before in its run, unless it is the NULL code (the last)."""
    codes = sort_pairs(group, values)[1]
    new = np.empty(len(codes), dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=new[1:])
    new[starts] = True
    return run_sums(new & (codes != values[1] - 1), starts)
