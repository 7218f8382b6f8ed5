"""PostgreSQL → Parquet, streamed in bounded chunks.

One REPEATABLE READ, READ ONLY transaction gives every table the same snapshot.
Each table is read with `COPY (SELECT ...) TO STDOUT (FORMAT csv)` (timestamps
sent as exact epoch microseconds: parsing ISO text was 3/4 of the client's parse
time); a reader thread gathers whole rows into blocks of about `chunk_bytes`
(`copy_stream`), Polars parses each block with the table's types, and the rows
are written as zstd Parquet, at most `flush_rows` rows buffered at a time. The
big time-series tables are split by the UTC day of their time column into hive
directories `day=YYYY-MM-DD`. After the data pass the server computes each
table's row count and checksum in the same transaction (so the same snapshot).
Everything is written into a hidden sibling directory that is renamed into place
only when complete (`output_dir.staged_output`: an existing folder is replaced only when
it is an earlier output of ours). Each file is serialised in memory, hashed (SHA-256)
and written with plain file I/O, so the manifest has content digests and a full disk is
an OSError naming the file. A database whose last load did not complete is refused
unless `allow_incomplete`.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psycopg
from psycopg import sql

from wedsync_analytics.config import connect, first_line
from wedsync_analytics.errors import UserError
from wedsync_analytics.exits import ConnectionLost, Interrupted, conn_lost
from wedsync_analytics.export.copy_stream import copy_blocks
from wedsync_analytics.export.manifest import (
    FileEntry,
    Manifest,
    TableEntry,
    server_checksum,
)
from wedsync_analytics.export.pg_types import Column, table_columns
from wedsync_analytics.output_dir import check_output_dir, staged_output
from wedsync_analytics.runs import LoadState, check_load, require_migrated
from wedsync_analytics.table_facts import event_time

SKIPPED_TABLES = frozenset({"schema_migrations"})
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
ZSTD_LEVEL = 1  # files as small as with the default level 3 here, written in 60% of the time
DAY = "__wsa_day"
SESSION_SETTINGS = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
)

Progress = Callable[[str, int, float], None]


def list_tables(conn: psycopg.Connection) -> list[str]:
    """Exportable tables of schema public (plain and partitioned parents), by name."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "ORDER BY c.relname"
    ).fetchall()
    return [str(r[0]) for r in rows if r[0] not in SKIPPED_TABLES]


def _prepare(conn: psycopg.Connection) -> None:
    for statement in SESSION_SETTINGS:
        conn.execute(statement)


def _partition_column(table: str, columns: Sequence[Column]) -> str | None:
    """The time series (`table_facts`) are split by the UTC day of their event time."""
    name = event_time(table)
    kinds = {c.name: c.kind for c in columns}
    return name if name is not None and kinds.get(name) == "timestamptz" else None


class _TableWriter:
    """Buffers parsed chunks and writes them as Parquet files, by day if partitioned."""

    def __init__(self, root: Path, table: str, partition: str | None, flush_rows: int) -> None:
        self.root, self.table, self.partition, self.flush_rows = root, table, partition, flush_rows
        self.pending: list[pl.DataFrame] = []
        self.pending_rows = 0
        self.flushes = 0
        self.files: list[FileEntry] = []
        (root / table).mkdir(parents=True)

    def add(self, frame: pl.DataFrame) -> None:
        self.pending.append(frame)
        self.pending_rows += frame.height
        if self.pending_rows >= self.flush_rows:
            self.flush()

    def _write(self, frame: pl.DataFrame, relative: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        frame.write_parquet(
            buffer, compression="zstd", compression_level=ZSTD_LEVEL, statistics=True
        )
        data = buffer.getbuffer()
        try:
            with path.open("wb") as sink:
                sink.write(data)
        except OSError as exc:  # name the file (a failed write() does not)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        digest = hashlib.sha256(data).hexdigest()
        self.files.append(FileEntry(relative, frame.height, digest, len(data)))

    def flush(self) -> None:
        if not self.pending:
            return
        frame = pl.concat(self.pending, how="vertical", rechunk=False)
        self.pending, self.pending_rows = [], 0
        name = f"part-{self.flushes:05d}.parquet"
        self.flushes += 1
        if self.partition is None:
            self._write(frame, f"{self.table}/{name}")
            return
        frame = frame.with_columns(pl.col(self.partition).dt.date().alias(DAY))
        for key, part in sorted(
            frame.partition_by(DAY, as_dict=True, maintain_order=False).items(),
            key=lambda kv: (kv[0][0] is None, str(kv[0][0])),
        ):
            day = key[0]
            label = NULL_PARTITION if day is None else str(day)
            self._write(part.drop(DAY), f"{self.table}/day={label}/{name}")

    def finish(self, empty: pl.DataFrame) -> list[FileEntry]:
        self.flush()
        if not self.files:  # an empty table still gets one (empty) file with its schema
            self._write(empty, f"{self.table}/part-00000.parquet")
        return self.files


def export_table(
    conn: psycopg.Connection,
    root: Path,
    table: str,
    *,
    chunk_bytes: int = 16 << 20,
    flush_rows: int = 1_000_000,
) -> TableEntry:
    """Write one table under `root/<table>/`; the checksum is left for the caller."""
    started = time.perf_counter()
    columns = table_columns(conn, table)
    partition = _partition_column(table, columns)
    csv_schema = {c.name: c.csv_dtype() for c in columns}
    converts = [c.convert() for c in columns if c.needs_convert]
    query = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(", ").join(c.select_expr() for c in columns), sql.Identifier("public", table)
    )
    writer = _TableWriter(root, table, partition, flush_rows)
    rows = 0
    for block in copy_blocks(conn, query, chunk_bytes):
        frame = pl.read_csv(block, has_header=False, schema=csv_schema)
        if converts:
            frame = frame.with_columns(converts)
        rows += frame.height
        writer.add(frame)
    empty = pl.DataFrame(schema={c.name: c.dtype() for c in columns})
    files = writer.finish(empty)
    return TableEntry(
        name=table,
        rows=rows,
        checksum="",
        columns=columns,
        partition_column=partition,
        files=files,
        seconds=time.perf_counter() - started,
    )


def source_of(conn: psycopg.Connection) -> dict[str, str]:
    """Where the data came from: host, port and database (never a password)."""
    info = conn.info
    return {"host": str(info.host), "port": str(info.port), "database": str(info.dbname)}


def _source_state(dsn: str, allow_incomplete: bool) -> LoadState | None:
    with connect(dsn, autocommit=True) as conn:
        require_migrated(conn)
        return check_load(conn, allow_incomplete=allow_incomplete, command="export")


def export_database(
    dsn: str,
    out_dir: str | Path,
    tables: Sequence[str] | None = None,
    *,
    chunk_bytes: int = 16 << 20,
    flush_rows: int = 1_000_000,
    progress: Progress | None = None,
    allow_incomplete: bool = False,
) -> Manifest:
    """Export `tables` (default: every table of schema public) to Parquet under `out_dir`."""
    out = check_output_dir(out_dir)
    state = _source_state(dsn, allow_incomplete)
    current = "connecting"
    try:
        with staged_output(out) as tmp, connect(dsn) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            _prepare(conn)
            info = conn.execute("SELECT now(), current_setting('server_version')").fetchone()
            assert info is not None
            snap_time, version = info
            available = list_tables(conn)
            chosen = list(dict.fromkeys(tables)) if tables else available
            unknown = [t for t in chosen if t not in available]
            if unknown:
                raise UserError(
                    f"no such table(s): {', '.join(unknown)}; available: {', '.join(available)}"
                )
            entries: dict[str, TableEntry] = {}
            for table in chosen:
                current = f"writing table {table}"
                entry = export_table(
                    conn, tmp, table, chunk_bytes=chunk_bytes, flush_rows=flush_rows
                )
                entries[table] = entry
                if progress:
                    progress(table, entry.rows, entry.seconds)
            # The checksums run after the data pass, in the same transaction (so the same
            # snapshot): run alongside it they only competed with it for the cores.
            for table, entry in entries.items():
                current = f"checksumming table {table}"
                started = time.perf_counter()
                count, checksum = server_checksum(conn, table, entry.columns)
                entry.checksum_seconds = time.perf_counter() - started
                if count != entry.rows:
                    raise UserError(
                        f"table {table}: the server counted {count} rows but {entry.rows} were "
                        "exported; export again"
                    )
                entry.checksum = checksum
            manifest = Manifest(
                exported_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                snapshot_time=snap_time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                source={**source_of(conn), "server_version": str(version)},
                tables=entries,
                load=state.to_json() if state else None,
            )
            current = "installing the export"
            manifest.write(tmp)
        return manifest
    except KeyboardInterrupt:
        raise Interrupted(
            f"export interrupted while {current}: nothing was written to {out} "
            "(any earlier export there is unchanged; the partial folder was removed)"
        ) from None
    except psycopg.OperationalError as exc:
        if conn_lost(exc):
            raise ConnectionLost(
                f"export: lost the connection to PostgreSQL while {current} "
                f"({first_line(exc)}); nothing was written to {out}"
            ) from exc
        raise UserError(f"export failed: {first_line(exc)}") from exc
    except psycopg.Error as exc:
        raise UserError(f"export failed: {first_line(exc)}") from exc
