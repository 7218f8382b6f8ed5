"""The export's tables for the Polars analyses, narrowed to a time window.

Parquet (the default): at open (untimed) each file's event-time span is read once from its
footer (the min/max statistics of the table's event-time column, `table_facts`), and which
columns hold only NULLs (the null counts). A windowed scan then lists only the files whose
span overlaps the window (and, asked for rows where a column is not NULL, that hold such a
value: the funnels' few rows with a funnel_step), and filters the raw column with UTC
literals unless every listed file lies inside the window; Polars prunes the remaining row
groups by the same statistics.

Memory (`polars_tables=memory`): at open every table is read into one DataFrame ordered by
its event time (the files already are; NULL times last), and a window is the slice between
two binary searches of that column: PostgreSQL's warm buffers and time index, in Polars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from wedsync_analytics.engines.polars._common import lit_ts
from wedsync_analytics.export.reader import ExportReader
from wedsync_analytics.table_facts import event_time


@dataclass(frozen=True)
class FileSpan:
    """One Parquet file and the range of its event times; `first` None: unknown span."""

    path: str
    first: datetime | None
    last: datetime | None
    all_null: bool = False  # every row's event time is NULL: no window holds a row of it
    null_columns: frozenset[str] = frozenset()  # the columns whose every value is NULL
    null_times: bool = False  # some row's event time is NULL

    def overlaps(self, start: datetime | None, end: datetime) -> bool:
        """Whether a row of this file may fall in [start, end)."""
        if self.all_null:
            return False
        if self.first is None or self.last is None:
            return True
        return self.first < end and (start is None or self.last >= start)

    def inside(self, start: datetime | None, end: datetime) -> bool:
        """Whether every row of this file falls in [start, end)."""
        if self.first is None or self.last is None or self.null_times:
            return False
        return self.last < end and (start is None or self.first >= start)


def null_columns(meta: pq.FileMetaData) -> frozenset[str]:
    """The columns whose null count equals the row count in every row group."""
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    empty = set()
    for index, name in enumerate(meta.schema.names):
        stats = [g.column(index).statistics for g in groups]
        if all(
            st is not None and st.has_null_count and st.null_count == g.num_rows
            for st, g in zip(stats, groups, strict=True)
        ):
            empty.add(name)
    return frozenset(empty)


def file_span(path: Path, column: str | None) -> FileSpan:
    """The span of `column` in the file from its row groups' statistics, and its all-NULL
    columns."""
    meta = pq.read_metadata(path)
    empty = null_columns(meta)
    if column is None:
        return FileSpan(str(path), None, None, null_columns=empty)
    index = meta.schema.names.index(column)
    lows, highs, nulls = [], [], 0
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(index).statistics
        if stats is None:
            return FileSpan(str(path), None, None, null_columns=empty)
        nulls += stats.null_count if stats.has_null_count else 0
        if stats.has_min_max:
            low, high = stats.min, stats.max
            if not (isinstance(low, datetime) and isinstance(high, datetime)):
                return FileSpan(str(path), None, None, null_columns=empty)  # not a timestamp
            lows.append(low if low.tzinfo else low.replace(tzinfo=UTC))  # the export's UTC
            highs.append(high if high.tzinfo else high.replace(tzinfo=UTC))
        elif not (stats.has_null_count and stats.null_count == meta.row_group(g).num_rows):
            return FileSpan(str(path), None, None, null_columns=empty)
    if not lows:
        all_null = meta.num_rows > 0 and nulls == meta.num_rows
        return FileSpan(str(path), None, None, all_null=all_null, null_columns=empty)
    return FileSpan(str(path), min(lows), max(highs), null_columns=empty, null_times=nulls > 0)


def ordered(frame: pl.DataFrame, column: str | None) -> pl.DataFrame:
    """The rows ordered by `column` (NULLs last) when there is one."""
    if column is None:
        return frame
    if not frame[column].is_sorted(nulls_last=True):
        frame = frame.sort(column, nulls_last=True, maintain_order=True)
    return frame.with_columns(pl.col(column).set_sorted())


class Tables:
    """The tables: whole (`tables[name]`) or within a time window; scanned from Parquet,
    or sliced from DataFrames read at open when `in_memory`."""

    def __init__(self, reader: ExportReader, names: list[str], *, in_memory: bool = False) -> None:
        self.reader = reader
        self.spans = {t: [file_span(p, event_time(t)) for p in reader.files(t)] for t in names}
        self._scans: dict[tuple[str, ...], pl.LazyFrame] = {}
        self.frames: dict[str, pl.DataFrame] = {}
        if in_memory:  # read through the same scans, so both modes see the same rows
            self.frames = {t: ordered(self[t].collect(), event_time(t)) for t in names}

    def __getitem__(self, table: str) -> pl.LazyFrame:
        if table in self.frames:
            return self.frames[table].lazy()
        return self._scan(table, [s.path for s in self.spans[table]])

    def window(
        self, table: str, start: datetime | None, end: datetime, *, present: str | None = None
    ) -> pl.LazyFrame:
        """Rows with start <= event time < end (no lower bound when `start` is None) and,
        when `present` names a column, a value in it (not NULL)."""
        column = event_time(table)
        assert column is not None, f"{table} has no event-time column"
        if table in self.frames:
            frame = self._slice(self.frames[table], column, start, end)
            return frame if present is None else frame.filter(pl.col(present).is_not_null())
        spans = [
            s
            for s in self.spans[table]
            if s.overlaps(start, end) and (present is None or present not in s.null_columns)
        ]
        keep = pl.col(column) < lit_ts(end)
        if start is not None:
            keep = (pl.col(column) >= lit_ts(start)) & keep
        if spans and all(s.inside(start, end) for s in spans):
            keep = pl.lit(True)  # every listed file lies inside the window
        if present is not None:
            keep = keep & pl.col(present).is_not_null()
        # no file holds such rows: scan one anyway, the filter leaves its schema and no rows
        if not spans:
            spans, keep = self.spans[table][:1], pl.lit(False)
        return self._scan(table, [s.path for s in spans]).filter(keep)

    def _scan(self, table: str, paths: list[str]) -> pl.LazyFrame:
        if not paths:  # an export without files for this table
            return self.reader.scan(table)
        key = tuple(paths)
        if key not in self._scans:
            self._scans[key] = pl.scan_parquet(paths, hive_partitioning=False)
        return self._scans[key]

    @staticmethod
    def _slice(
        frame: pl.DataFrame, column: str, start: datetime | None, end: datetime
    ) -> pl.LazyFrame:
        times = frame[column]
        times = times.head(len(times) - times.null_count())  # NULLs are last: never in a window
        low = 0 if start is None else int(times.search_sorted(start, "left"))
        high = int(times.search_sorted(end, "left"))
        return frame.slice(low, max(high - low, 0)).lazy()
