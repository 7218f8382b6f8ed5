"""PostgreSQL → Parquet, streamed as Arrow record batches in bounded memory.

A psycopg connection opens a REPEATABLE READ, READ ONLY transaction and exports its
snapshot (`pg_export_snapshot()`); an ADBC connection (`arrow_transfer`) imports it, so
every table is read in that one snapshot. ADBC reads each table as a binary COPY decoded
into Arrow record batches of about `chunk_bytes`; a thread reads ahead and has Polars finish
the types (`export.arrow_stream`, `pg_types`), and the rows are written as zstd Parquet
in the table's layout (`export.layout`: the big time series by UTC month,
`month=YYYY-MM`, files sorted by event time) by a second thread, at most `flush_rows` rows
buffered at a time (`export.files`). Each row's checksum term is computed by the server in
the same COPY (one scan of each table) and summed here (`manifest.add_row_hashes`).
Everything is written into a hidden sibling directory that is renamed into place only
when complete (`output_dir.staged_output`: an existing folder is replaced only when it is
an earlier output of ours). A database whose last load did not complete is refused
unless `allow_incomplete`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from wedsync_analytics import arrow_transfer
from wedsync_analytics.config import connect, first_line
from wedsync_analytics.errors import UserError
from wedsync_analytics.exits import ConnectionLost, Interrupted, conn_lost
from wedsync_analytics.export.arrow_stream import record_batches
from wedsync_analytics.export.files import TableFiles
from wedsync_analytics.export.layout import layout_for
from wedsync_analytics.export.manifest import Manifest, TableEntry, add_row_hashes, row_hash
from wedsync_analytics.export.pg_types import Column, table_columns
from wedsync_analytics.output_dir import check_output_dir, staged_output
from wedsync_analytics.runs import LoadState, check_load, require_migrated
from wedsync_analytics.table_facts import event_time

SKIPPED_TABLES = frozenset({"schema_migrations"})
# The Arrow session: text forms of the types cast to text in SQL (binary values do not depend
# on them), and a scan order that does not depend on other sessions.
SESSION_SETTINGS = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    # A scan joining another session's scan of the same table starts mid-table: rows with equal
    # event times would then reach the (stable) sort in another order, changing the file bytes.
    "SET synchronize_seqscans = off",
)
# PostgreSQL's earliest timestamp (4713 BC) in microseconds since 1970: ADBC turns +-infinity
# into values below it.
_EARLIEST_US = -210_866_803_200_000_000

Progress = Callable[[str, int, float], None]


def list_tables(conn: psycopg.Connection) -> list[str]:
    """Exportable tables of schema public (plain and partitioned parents), by name."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "ORDER BY c.relname"
    ).fetchall()
    return [str(r[0]) for r in rows if r[0] not in SKIPPED_TABLES]


def _frame(table: str, arrays: Sequence[pa.Array], columns: Sequence[Column]) -> pl.DataFrame:
    """One ADBC batch's columns as a Polars frame of the final types; +-infinity is refused."""
    converted = []
    for column, array in zip(columns, arrays, strict=True):
        array = column.arrow_convert(array)
        if pa.types.is_timestamp(array.type) and len(array) and array.null_count < len(array):
            earliest = pc.min(array.cast(pa.int64())).as_py()
            if earliest < _EARLIEST_US:
                raise UserError(
                    f"export failed: table {table}, column {column.name}: a timestamp of "
                    "+-infinity cannot be exported (Parquet has no infinity); set it to a "
                    "real time or NULL, then export again"
                )
        converted.append(array)
    frame = pl.from_arrow(pa.RecordBatch.from_arrays(converted, [c.name for c in columns]))
    assert isinstance(frame, pl.DataFrame)
    converts = [e for c in columns if (e := c.convert()) is not None]
    return frame.with_columns(converts) if converts else frame


def _time_column(table: str, columns: Sequence[Column]) -> str | None:
    """The table's event-time column (`table_facts`) when it is a timestamptz."""
    name = event_time(table)
    kinds = {c.name: c.kind for c in columns}
    return name if name is not None and kinds.get(name) == "timestamptz" else None


def table_query(table: str, columns: Sequence[Column], checksum: bool = True) -> sql.Composed:
    """What the export reads of `table`: its columns as sent (`Column.select_expr`), then,
    with `checksum`, each row's hash (`manifest.row_hash`) as the last column."""
    sent = [c.select_expr() for c in columns]
    if checksum:
        sent.append(row_hash(list(columns)))
    return sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(sent), sql.Identifier("public", table)
    )


def export_table(
    conn: psycopg.Connection,
    arrow: arrow_transfer.Connection,
    root: Path,
    table: str,
    *,
    chunk_bytes: int = 16 << 20,
    flush_rows: int = 1_000_000,
) -> TableEntry:
    """Write one table under `root/<table>/`, read on `arrow` (columns asked on `conn`, in
    the same snapshot), with its checksum: each row's hash (`manifest.row_hash`) travels in
    the same COPY as the row and is summed here, so the server reads the table once."""
    started = time.perf_counter()
    columns = table_columns(conn, table)
    layout = layout_for(table, _time_column(table, columns), flush_rows)
    query = table_query(table, columns)

    def convert(batch: pa.RecordBatch) -> tuple[pl.DataFrame, int]:  # on the reader thread
        return _frame(table, batch.columns[:-1], columns), add_row_hashes(0, batch.column(-1))

    rows = checksum = 0
    with TableFiles(root, table, layout, flush_rows) as writer:
        for frame, hashes in record_batches(arrow, query.as_string(conn), chunk_bytes, convert):
            rows += frame.height
            checksum += hashes
            writer.add(frame)
        files = writer.finish(pl.DataFrame(schema={c.name: c.dtype() for c in columns}))
    return TableEntry(
        name=table,
        rows=rows,
        checksum=str(checksum),
        columns=columns,
        layout=layout,
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
        with staged_output(out) as tmp, connect(dsn) as conn, ExitStack() as stack:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            info = conn.execute(
                "SELECT now(), current_setting('server_version'), pg_export_snapshot()"
            ).fetchone()
            assert info is not None
            snap_time, version, snapshot = info
            current = "connecting (Arrow)"
            arrow = stack.enter_context(arrow_transfer.adbc_connect(dsn))
            arrow_transfer.in_snapshot(arrow, str(snapshot))
            for statement in SESSION_SETTINGS:
                arrow_transfer.run(arrow, statement)
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
                    conn, arrow, tmp, table, chunk_bytes=chunk_bytes, flush_rows=flush_rows
                )
                entries[table] = entry
                if progress:
                    progress(table, entry.rows, entry.seconds)
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
    except arrow_transfer.Error as exc:
        if arrow_transfer.connection_lost(exc):
            raise ConnectionLost(
                f"export: lost the connection to PostgreSQL while {current} "
                f"({first_line(exc)}); nothing was written to {out}"
            ) from exc
        raise UserError(f"export failed: {first_line(exc)}") from exc
