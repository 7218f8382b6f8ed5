"""DuckDB: `sql/analyses/<name>/duckdb.sql` over the export (TimeZone UTC).

Two storages, chosen by the engine option `duckdb_storage` (`Source.options`):

- `parquet` (the default): one view per table over the files the manifest lists. The
  export is checked and read-only while the engine is open, so its Parquet footers are kept
  between queries (`parquet_metadata_cache`): a query opens only the row groups its time
  filter selects instead of re-reading every file's metadata.
- `memory`: the tables are copied into DuckDB's own in-memory storage when the engine opens
  (like PostgreSQL's tables in its buffers: the copy is the engine's preparation, outside
  any timed section), with the manifest's PostgreSQL types where DuckDB has them (uuid as
  UUID, enums as ENUM with the same labels in the same order) so grouping compares 16-byte
  values instead of strings. The queries are the same; every result column is cast to its
  schema type, so the answers are too. `open_seconds` says what the copy took.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.engines.base import Engine, Source, implementation_missing
from wedsync_analytics.errors import UserError
from wedsync_analytics.export.pg_types import Column
from wedsync_analytics.export.reader import ExportReader
from wedsync_analytics.table_facts import event_time

PARAMETER = re.compile(r"\$([a-z_]+)")
STORAGE_OPTION = "duckdb_storage"
STORAGES = ("parquet", "memory")
# with the `memory` storage: rows stored first, before the event-time order (`row_order`)
CLUSTERED_FIRST = {"business_events": ["funnel_step IS NULL"]}
# A query's result is fetched from the connection (`execute`), which plans the query once;
# `con.sql(...).pl()` binds it twice (the relation, then its execution), 1-2 ms per query.
# DuckDB warns that Arrow from such a result copies the rows: a few ms on the largest result
# (74 k rows), less than the second bind costs the small ones.
ARROW_COPY_WARNING = "Arrow output on a DB-API result"


def _quoted(text: str, mark: str) -> str:
    return mark + text.replace(mark, mark * 2) + mark


def _typed(column: Column) -> str:
    """The select-list item that reads one exported column in DuckDB's own type for it."""
    name = _quoted(column.name, '"')
    if column.kind == "uuid":
        return f"CAST({name} AS UUID) AS {name}"
    if column.kind == "enum" and column.labels:
        labels = ", ".join(_quoted(label, "'") for label in column.labels)
        return f"CAST({name} AS ENUM({labels})) AS {name}"
    return name


def row_order(table: str) -> str:
    """The ORDER BY of a table copied into memory: rows an analysis selects, together.

    DuckDB skips a row group (122,880 rows) whose min/max or null count rule a filter out,
    so the rows are stored in the order of the filters: the event time (every time window),
    and for business_events the funnel rows first (`funnel_step IS NOT NULL`, which
    PostgreSQL answers from a partial index): about one row in a thousand, all of them in
    the first row group.
    """
    keys = [_quoted(column, '"') for column in [event_time(table)] if column]
    return ", ".join(CLUSTERED_FIRST.get(table, []) + keys)


def in_memory(reader: ExportReader, tables: Sequence[str]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (TimeZone UTC) holding `tables` in its own in-memory storage."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in tables:
        columns = ", ".join(_typed(c) for c in reader.entry(table).columns)
        files = [str(p) for p in reader.files(table)]
        name = _quoted(table, '"')
        order = row_order(table)
        con.execute(
            f"CREATE TABLE {name} AS SELECT {columns} "
            "FROM read_parquet($files, hive_partitioning = false)"
            + (f" ORDER BY {order}" if order else ""),
            {"files": files},
        )
    return con


class DuckDBEngine(Engine):
    name = "duckdb"
    reads = "export"

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.reader is not None
        self.storage = source.options.get(STORAGE_OPTION, "parquet")
        if self.storage not in STORAGES:
            raise UserError(
                f"{STORAGE_OPTION}={self.storage!r} is not a DuckDB storage; "
                f"choose from {', '.join(STORAGES)}"
            )
        started = time.perf_counter()
        if self.storage == "memory":
            self.con = in_memory(source.reader, tables)
        else:
            self.con = source.reader.duckdb(tables)
            self.con.execute("SET parquet_metadata_cache = true")
        self.open_seconds = time.perf_counter() - started

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        query = analysis.sql_for(self.name)
        if query is None:
            raise implementation_missing(analysis, self.name)
        bound = sql_values(values)  # DuckDB rejects named parameters the query does not use
        named = {key: bound[key] for key in sorted(set(PARAMETER.findall(query)))}
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ARROW_COPY_WARNING, UserWarning)
            result = self.con.execute(query, named).to_arrow_table()
        frame = pl.from_arrow(result, rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def close(self) -> None:
        self.con.close()


ENGINE = DuckDBEngine
