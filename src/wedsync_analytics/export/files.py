"""A table's Parquet files, written in the table's `Layout` with at most a bound of rows held.

Rows are buffered per hive partition (month). A partition is written as one file when it
reaches the layout's `target_file_rows`, and when all buffers together exceed `max_pending`
rows the largest is written, so memory stays bounded whatever the table's size (rows that
arrive in time order, as a time series is loaded, give one file per month at the season
scale). With a split column (`Layout.split_by`) the rows where it is set go to a file of
their own beside it. Each file is sorted by the layout's time column (unless its rows arrived
sorted), serialised in memory, hashed (SHA-256) and written with plain file I/O, so a full
disk is an OSError naming the file.
That work runs on one writer thread (Polars and hashlib release the GIL) while the caller
goes on reading; at most one file (with its split rows' file) is in flight, so memory stays
bounded (eight batches read ahead instead of three, or two files in flight, measured the
same: 24.1-24.9 s for 4.97 M rows in one run).
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import polars as pl

from wedsync_analytics.export.layout import Layout
from wedsync_analytics.export.manifest import FileEntry

ZSTD_LEVEL = 1  # files as small as with the default level 3 here, written in 60% of the time
_MONTH = "__wsa_month"


class TableFiles:
    """Buffers a table's rows by partition and writes them as sorted Parquet files."""

    def __init__(self, root: Path, table: str, layout: Layout, max_pending: int) -> None:
        self.root, self.table, self.layout = root, table, layout
        self.max_pending = max(1, max_pending)
        self.pending: dict[int | None, list[pl.DataFrame]] = {}
        self.counts: dict[int | None, int] = {}
        self.written: dict[int | None, int] = {}  # files written per partition
        self.files: list[FileEntry] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wsa-parquet")
        self._in_flight: Future[list[FileEntry]] | None = None
        (root / table).mkdir(parents=True)

    def __enter__(self) -> TableFiles:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Wait for the file in flight (a write cannot be cancelled half-way), then stop."""
        self._writer.shutdown(wait=True, cancel_futures=True)

    def add(self, frame: pl.DataFrame) -> None:
        """Buffer `frame`'s rows; write the partitions that are full or the largest."""
        if frame.height == 0:
            return
        if self.layout.partition_column is None:
            self._buffer(None, frame)
        else:
            months = frame.select(self.layout.month_of()).to_series()
            if months.null_count() == 0 and months.min() == months.max():  # usual: one month
                self._buffer(int(months[0]), frame)
            else:
                keyed = frame.with_columns(months.alias(_MONTH))
                for values, part in keyed.partition_by(_MONTH, as_dict=True).items():
                    month = values[0]
                    self._buffer(None if month is None else int(month), part.drop(_MONTH))
        for full in [k for k, n in self.counts.items() if n >= self.layout.target_file_rows]:
            self._write_partition(full)
        while sum(self.counts.values()) > self.max_pending:
            self._write_partition(max(self.counts, key=lambda k: self.counts[k]))

    def _buffer(self, key: int | None, part: pl.DataFrame) -> None:
        self.pending.setdefault(key, []).append(part)
        self.counts[key] = self.counts.get(key, 0) + part.height

    def _write_partition(self, key: int | None) -> None:
        frame = pl.concat(self.pending.pop(key), how="vertical")
        del self.counts[key]
        number = self.written.get(key, 0)
        self.written[key] = number + 1
        folder = self.layout.directory(self.table, key)
        self._collect()
        self._in_flight = self._writer.submit(self._write_split, frame, folder, number)

    def _collect(self) -> None:
        """Wait for the files in flight, if any (re-raising their error)."""
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            self.files.extend(in_flight.result())

    def _write_split(self, frame: pl.DataFrame, folder: str, number: int) -> list[FileEntry]:
        """File `number` of `folder`, and beside it the split rows' file (on the writer thread)."""
        name, split_name = self.layout.file_names(number)
        split = self.layout.split_by
        if split is None or split_name is None:
            return [self._write(frame, f"{folder}/{name}")]
        is_set = frame[split].is_not_null()
        parts = ((frame.filter(~is_set), name), (frame.filter(is_set), split_name))
        return [self._write(part, f"{folder}/{n}") for part, n in parts if part.height]

    def _write(self, frame: pl.DataFrame, relative: str) -> FileEntry:
        """Sort, serialise, hash and write one file."""
        key = self.layout.sort_by
        if key is not None and not frame[key].is_sorted(nulls_last=True):  # rows loaded in
            frame = frame.sort(key, nulls_last=True, maintain_order=True)  # order: often sorted
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        frame.write_parquet(
            buffer,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            statistics=True,
            row_group_size=self.layout.row_group_rows,
        )
        data = buffer.getbuffer()
        try:
            with path.open("wb") as sink:
                sink.write(data)
        except OSError as exc:  # name the file (a failed write() does not)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        digest = hashlib.sha256(data).hexdigest()
        return FileEntry(relative, frame.height, digest, len(data))

    def finish(self, empty: pl.DataFrame) -> list[FileEntry]:
        """Write what is buffered (in partition order); the files, sorted by path."""
        for key in sorted(self.counts, key=lambda k: (k is None, k or 0)):
            self._write_partition(key)
        self._collect()
        if not self.files:  # an empty table still gets one (empty) file with its schema
            self.files.append(self._write(empty, f"{self.table}/part-00000.parquet"))
        return sorted(self.files, key=lambda f: f.path)
