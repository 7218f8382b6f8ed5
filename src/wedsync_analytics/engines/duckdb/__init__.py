"""DuckDB: `sql/analyses/<name>/duckdb.sql` over the export (TimeZone UTC).

Two storages, chosen by the engine option `duckdb_storage` (`Source.options`):

- `parquet` (the default): one view per table over the files the manifest lists. The
  export is checked and read-only while the engine is open, so its Parquet footers are kept
  between queries (`parquet_metadata_cache`): a query opens only the row groups its time
  filter selects instead of re-reading every file's metadata. Files whose all-NULL
  columns differ are read apart, those columns as NULL constants (`parquet_view`).
- `memory`: the tables are copied into DuckDB's own in-memory storage when the engine opens
  (like PostgreSQL's tables in its buffers: the copy is the engine's preparation, outside
  any timed section), each enum column and each uuid or text column of few distinct values
  as its "table.column" ENUM (`coding.declare_types`), other uuid columns as UUID, so
  grouping compares codes or 16-byte values instead of strings. The queries are the same;
  every result column is cast to its schema type, so the answers are too, and so is the
  order of an ORDER BY on those columns: a UUID sorts as its text does, and an ENUM's
  labels are declared in byte order (`_typed`).
  `open_seconds` says what the copy took. Rows are stored in the order the filters select
  them (`row_order`).

Either way the "table.column" types are declared when the engine opens, every analysis is
prepared (`prepare_all`), runs on the threads its SQL asks for (`-- threads: N`, else
DuckDB's default), and its result comes back as Arrow from the connection, ENUM columns as
codes that `coding.to_polars` decodes.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq

from wedsync_analytics.analyses.catalog import ANALYSES, Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.engines.base import Engine, Source, implementation_missing
from wedsync_analytics.engines.duckdb.coding import (
    declare_types,
    enum_type,
    file_columns,
    quoted,
    to_polars,
)
from wedsync_analytics.errors import UserError
from wedsync_analytics.export.pg_types import Column
from wedsync_analytics.export.reader import ExportReader
from wedsync_analytics.table_facts import TABLE_FACTS, event_time

PARAMETER = re.compile(r"\$([a-z_]+)")
# `-- threads: N` on a line of its own in a duckdb.sql: run that query on N threads
THREADS = re.compile(r"^-- threads: ([0-9]+)$", re.MULTILINE)
STORAGE_OPTION = "duckdb_storage"
STORAGES = ("parquet", "memory")
# A query's result is fetched from the connection (`execute`), which plans the query once;
# `con.sql(...).pl()` binds it twice (the relation, then its execution), 1-2 ms per query.
# DuckDB warns that Arrow from such a result copies the rows: a few ms on the largest result
# (74 k rows), less than the second bind costs the small ones.
ARROW_COPY_WARNING = "Arrow output on a DB-API result"


DQ = '"'  # quotes an identifier


def _typed(column: Column, declared: str | None = None) -> str:
    """The select-list item that reads one exported column in DuckDB's own type for it:
    the type `declared` for it (`coding.declare_types`), else an ENUM of an enum column's
    labels in byte order, a UUID for a uuid column, else as the file holds it.

    An ENUM's labels are declared in byte order, not PostgreSQL's: DuckDB orders ENUM values
    by their position, so an ORDER BY on one is the order of its text on the `parquet`
    storage (no analysis compares enum values by PostgreSQL's order).
    """
    name = quoted(column.name, '"')
    if declared is not None:
        return f"CAST({name} AS {declared}) AS {name}"
    if column.kind == "uuid":
        return f"CAST({name} AS UUID) AS {name}"
    if column.kind == "enum" and column.labels:
        return f"CAST({name} AS {enum_type(sorted(column.labels, key=str.encode))}) AS {name}"
    return name


def null_columns(path: Path) -> frozenset[str]:
    """The columns that are NULL in every row of one Parquet file, by its statistics (a
    column without a null count in some row group is not one of them)."""
    meta = pq.read_metadata(path)
    found = set()
    for index in range(meta.num_columns):
        chunks = [meta.row_group(g).column(index) for g in range(meta.num_row_groups)]
        if all(
            c.statistics is not None
            and c.statistics.has_null_count
            and c.statistics.null_count == meta.row_group(g).num_rows
            for g, c in enumerate(chunks)
        ):
            found.add(meta.schema.column(index).name)
    return frozenset(found)


def parquet_view(con: duckdb.DuckDBPyConnection, table: str, files: Sequence[Path]) -> str:
    """The SELECT of one table's view over its files: one `read_parquet` per set of files
    whose all-NULL columns are the same, those columns written as typed NULL constants.

    A filter such as `funnel_step IS NOT NULL` then folds to false on the files that hold no
    funnel step (the export writes them apart), and DuckDB drops their scan when it plans the
    query instead of opening every file to read its row groups' statistics (0.3-0.5 ms a
    file at the season scale).
    """
    groups: dict[frozenset[str], list[str]] = {}
    for path in files:
        groups.setdefault(null_columns(path), []).append(str(path))
    first = next(iter(groups.values()))
    types = dict(
        con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($f))",
            {"f": first[0]},
        ).fetchall()
    )
    selects = []
    for nulls, paths in groups.items():
        listed = ", ".join(quoted(p, "'") for p in paths)
        constants = ", ".join(
            f"CAST(NULL AS {types[c]}) AS {quoted(c, DQ)}" for c in sorted(nulls) if c in types
        )
        replace = f" REPLACE ({constants})" if constants else ""
        selects.append(
            f"SELECT *{replace} FROM read_parquet([{listed}], hive_partitioning = false)"
        )
    return " UNION ALL ".join(selects)


def on_parquet(reader: ExportReader, tables: Sequence[str]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (TimeZone UTC) with one view per table over its Parquet files."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # the export is checked and read-only while the engine is open: keep the files' footers,
    # and read the blocks DuckDB keeps of them without checking the files again (5-8 % less
    # time on the small analyses, measured on the season data)
    con.execute("SET parquet_metadata_cache = true")
    con.execute("SET validate_external_file_cache = 'NO_VALIDATION'")
    # no query's answer depends on row order (the runner sorts every result by its keys), so
    # DuckDB need not keep the files' order through its operators (10-15 % less time on the
    # small analyses, measured on the season data; not with the `memory` storage)
    con.execute("SET preserve_insertion_order = false")
    for table in tables:
        files = reader.files(table)
        described = file_columns(con, files, reader.entry(table).columns)
        declare_types(con, table, described, files, stored=False)
        select = parquet_view(con, table, files)
        con.execute(f"CREATE VIEW {quoted(table, DQ)} AS {select}")
    return con


def row_order(table: str) -> str:
    """The ORDER BY of a table copied into memory: rows an analysis selects, together.

    DuckDB skips a row group (122,880 rows) whose min/max or null count rule a filter out,
    so the rows are stored in the order of the filters: the event time (every time window),
    and first the rows where the table's sparse column is set (`table_facts`:
    business_events.funnel_step, selected by `IS NOT NULL`, which PostgreSQL answers from a
    partial index): about one row in a thousand, all of them in the first row group.
    """
    facts = TABLE_FACTS.get(table)
    sparse = facts.sparse if facts else None  # the rows where it is set come first
    first = [f"{quoted(sparse, DQ)} IS NULL"] if sparse else []
    keys = [quoted(column, DQ) for column in [event_time(table)] if column]
    return ", ".join(first + keys)


def in_memory(reader: ExportReader, tables: Sequence[str]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (TimeZone UTC) holding `tables` in its own in-memory storage."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in tables:
        described = file_columns(con, reader.files(table), reader.entry(table).columns)
        types = declare_types(con, table, described, reader.files(table), stored=True)
        columns = ", ".join(_typed(c, types.get(c.name)) for c in described)
        files = [str(p) for p in reader.files(table)]
        name = quoted(table, '"')
        order = row_order(table)
        con.execute(
            f"CREATE TABLE {name} AS SELECT {columns} "
            "FROM read_parquet($files, hive_partitioning = false)"
            + (f" ORDER BY {order}" if order else ""),
            {"files": files},
        )
    return con


def literal(value: Any) -> str:
    """A parameter value as a DuckDB literal (`EXECUTE` takes no bound parameters)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):  # as text, so that nan and inf read back too
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, str):
        return quoted(value, "'")
    if isinstance(value, datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo else "TIMESTAMP"
        return f"{kind} '{value.isoformat()}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no DuckDB literal for {type(value).__name__} {value!r}")


def prepare_all(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """Every analysis over `tables` prepared once (analysis -> (statement, its SQL)).

    DuckDB 2.0 binds and optimises a prepared statement again at each `EXECUTE`, but skips
    parsing the query text: 0.4-0.5 ms of a small analysis's 2-5 ms, measured. A statement
    that does not prepare is left out; `run` then reports its error for that analysis.
    """
    prepared = {}
    for name, analysis in ANALYSES.items():
        query = analysis.sql_for(DuckDBEngine.name)
        if query is None or not set(analysis.tables) <= set(tables):
            continue
        statement = f"analysis_{name}"
        try:
            con.execute(f"PREPARE {statement} AS {query}")
        except duckdb.Error:
            continue
        prepared[name] = (statement, query)
    return prepared


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
            self.con = on_parquet(source.reader, tables)
        self.open_seconds = time.perf_counter() - started
        found = self.con.execute("SELECT current_setting('threads')").fetchone()
        assert found is not None
        self.default_threads = self.threads = int(found[0])
        self.prepared = prepare_all(self.con, tables)

    def _use_threads(self, query: str) -> None:
        """DuckDB's `threads` as the query asks (`-- threads: N`), else its default; the
        setting is changed only when it differs (about 0.4 ms a change)."""
        hint = THREADS.search(query)
        threads = int(hint.group(1)) if hint else self.default_threads
        if threads != self.threads:
            self.con.execute(f"SET threads = {threads}")
            self.threads = threads

    def _prepared_call(self, name: str, query: str, named: dict[str, Any]) -> str | None:
        """`EXECUTE` of the analysis's prepared statement with these values, or None when it
        is not prepared (or its SQL changed since) or a value has no literal."""
        statement = self.prepared.get(name)
        if statement is None or statement[1] != query:
            return None
        try:
            arguments = ", ".join(f"{k} := {literal(v)}" for k, v in named.items())
        except TypeError:
            return None
        return f"EXECUTE {statement[0]}({arguments})"

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        query = analysis.sql_for(self.name)
        if query is None:
            raise implementation_missing(analysis, self.name)
        bound = sql_values(values)  # DuckDB rejects named parameters the query does not use
        named = {key: bound[key] for key in sorted(set(PARAMETER.findall(query)))}
        self._use_threads(query)
        call = self._prepared_call(analysis.name, query, named)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ARROW_COPY_WARNING, UserWarning)
            cursor = self.con.execute(call) if call else self.con.execute(query, named)
            result = cursor.to_arrow_table()
        return to_polars(result)

    def close(self) -> None:
        self.con.close()


ENGINE = DuckDBEngine
