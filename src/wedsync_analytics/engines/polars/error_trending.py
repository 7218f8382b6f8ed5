"""Error trending per UTC hour, error type and severity (the spec's view).

Two calendars in one row, as in the view: `weekday` is the ISO weekday in UTC, while
`weekend_errors` counts the stored `wedding_context.is_weekend`, computed in the
organization's timezone when the row was written. Near midnight they disagree for a
non-UTC organization (docs/analyses.md, error_trending).

Nearly every group is one or two rows. Every string column is read as codes
(`keyed_window`): the group key is one integer packing the key columns' codes and the
hour (as in `percentiles`); one sort of (group, row) pairs makes each group a run of rows,
so every aggregate is an array operation over the runs. A COUNT(DISTINCT) is 1 or 0 (NULL)
for a one-row group; for the longer ones, one sort of their (group, code) pairs makes each a
run of its sorted codes (correlation ids, nearly one per row, keep each Parquet chunk's
dictionary indices; `across_chunks` recodes the groups that span chunks). The JSON flag is
read once per distinct `wedding_context` text, and each group's keys are unpacked from its
integer, which orders the groups as the analysis's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from wedsync_analytics.engines.polars._common import (
    days,
    hour_codes,
    hour_starts,
    iso_weekday,
    run_sums,
    runs,
)
from wedsync_analytics.engines.polars._keyed import exact_codes, keyed_window
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
    shared = Shared.of(counts)

    def counted(name: str) -> np.ndarray:
        return distinct(keyed.part(name), row, shared, keyed.chunked.get(name))

    occurrences = rows["occurrence_count"].cast(pl.Float64).to_numpy()[row]
    weekend = keyed.json_flag("wedding_context", "is_weekend")[row]
    return pl.DataFrame(
        [
            keyed.values("organization_id", parts[0]),
            hour_starts(parts[1], first_hour).alias("time_bucket"),
            pl.Series("weekday", iso_weekday(parts[1] + first_hour)),
            keyed.values("error_type", parts[2]),
            keyed.values("severity", parts[3]),
            pl.Series("error_count", counts, dtype=pl.Int64),
            pl.Series("unique_correlations", counted(DISTINCT[0])),
            pl.Series("unique_incidents", counted(DISTINCT[1])),
            pl.Series("avg_occurrence_per_error", run_sums(occurrences, starts) / counts),
            pl.Series("weekend_errors", run_sums(weekend, starts)),
            pl.Series("unique_fingerprints", counted(DISTINCT[2])),
        ]
    ).lazy()


@dataclass(frozen=True)
class Shared:
    """The runs of rows (groups, in order) as `distinct` needs them: where each run starts,
    which runs have more than one row, where their rows are, each one's run (counted among
    those runs), and where each such run begins among those rows and how long it is."""

    starts: np.ndarray
    several: np.ndarray
    positions: np.ndarray
    run_of: np.ndarray
    begins: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, counts: np.ndarray) -> Shared:
        several = counts > 1
        sizes = counts[several]
        return cls(
            starts=np.cumsum(counts) - counts,
            several=np.flatnonzero(several),
            positions=np.flatnonzero(np.repeat(several, counts)),
            run_of=np.repeat(np.arange(len(sizes)), sizes),
            begins=np.cumsum(sizes) - sizes,
            sizes=sizes,
        )


def distinct(
    values: tuple[np.ndarray, int],
    row: np.ndarray,
    runs: Shared,
    chunked: pa.ChunkedArray | None = None,
) -> np.ndarray:
    """COUNT(DISTINCT value) per run of the rows taken in `row` order (codes equal where
    the values are, NULL the last code; with `chunked`, only within its chunks): a one-row
    run counts its value unless NULL; the (run, code) pairs of the longer runs are sorted,
    and a code counted where it differs from the one before it in its run."""
    codes, size = values
    null = size - 1
    ordered = codes[row]
    counted = (ordered[runs.starts] != null).astype(np.int64)
    if len(runs.several):
        longer = ordered[runs.positions]
        if chunked is not None:
            longer, size = across_chunks(longer, size, row[runs.positions], runs, chunked)
        second = sort_pairs((runs.run_of, len(runs.several)), (longer, size))[1]
        new = np.empty(len(second), dtype=bool)
        np.not_equal(second[1:], second[:-1], out=new[1:])
        new[runs.begins] = True
        counted[runs.several] = run_sums(new & (second != null), runs.begins)
    return counted


def across_chunks(
    codes: np.ndarray, size: int, rows: np.ndarray, runs: Shared, chunked: pa.ChunkedArray
) -> tuple[np.ndarray, int]:
    """The codes (of size `size`, NULL the last) of the longer runs' rows (at `rows` of
    `chunked`), those of each run whose rows lie in more than one chunk replaced by
    `exact_codes` counted on from `size` (NULL kept), and the new size."""
    bounds = np.cumsum([0, *(len(c) for c in chunked.chunks)])
    chunk = np.searchsorted(bounds, rows, side="right")
    spans = np.minimum.reduceat(chunk, runs.begins) != np.maximum.reduceat(chunk, runs.begins)
    if not spans.any():
        return codes, size
    spanning = np.repeat(spans, runs.sizes)
    exact, count = exact_codes(chunked, rows[spanning])
    codes = codes.copy()
    codes[spanning] = np.where(exact < 0, size - 1, size + exact)
    return codes, size + count
