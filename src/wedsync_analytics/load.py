"""COPY loader: streams chunks into PostgreSQL, one transaction per chunk.

The chunks come from the generator (`load_scenario`) or from the Parquet parts that
`generate --out` wrote (`load_data`); both go through the same checks, COPY and run record.

A load refuses to start when any generated table already has rows (saying whether the same
scenario was loaded before) unless `replace=True`, which truncates every generated table first.
Each chunk commits whole, so an interrupted load leaves only complete chunks, and its run is
marked 'interrupted' in `generation_runs`. Loader sessions set `wedsync.bulk_load = 'on'`, so
the auto-incident trigger stays quiet: the generator writes incidents itself.

Into empty tables the load runs in bulk mode by default (`bulk.py`): the big tables are
loaded without their secondary indexes and foreign keys, which are rebuilt after the COPY,
each in one transaction that truncates it and COPYs its chunks `FREEZE` (an interrupted bulk
load leaves a big table empty or whole).
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import psycopg
import pyarrow.parquet as pq
from psycopg import sql

from wedsync_analytics import bulk as bulk_mode
from wedsync_analytics import malloc_policy
from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.exits import Interrupted
from wedsync_analytics.generate import parts
from wedsync_analytics.generate.parts import GeneratedData
from wedsync_analytics.generate.scenario import Scenario
from wedsync_analytics.generate.tables import TABLES, TableDef, chunks
from wedsync_analytics.generate.world import World
from wedsync_analytics.runs import LOAD_LOCK_KEY, mark_dead_runs

Progress = Callable[[str, int, int], None]
Source = Callable[[TableDef], tuple[int, Iterator[pl.DataFrame]]]  # a table's rows and chunks
DEFAULT_CHUNK_ROWS = 50_000


@dataclass
class LoadSummary:
    """What a load did: rows and seconds per table."""

    run_id: int
    scenario: Scenario
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    bulk: bool = False
    phases: dict[str, float] = field(default_factory=dict)  # copy, indexes, validation


def qualified(t: TableDef) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(t.schema), sql.Identifier(t.table))


def to_csv(df: pl.DataFrame) -> memoryview:
    """CSV for COPY: no header, NULL as an empty unquoted field, empty strings quoted.

    Returned as a view of the buffer (no copy): chunks of wide rows are tens of MB.
    """
    buf = io.BytesIO()
    df.write_csv(buf, include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.6f+00")
    return buf.getbuffer()


def _non_empty(conn: psycopg.Connection) -> list[str]:
    found = []
    for t in TABLES:
        row = conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(qualified(t))
        ).fetchone()
        if row and row[0]:
            found.append(t.name)
    return found


def _check_ready(conn: psycopg.Connection) -> None:
    row = conn.execute(
        "SELECT to_regclass('public.generation_runs'), to_regclass('public.performance_metrics')"
    ).fetchone()
    if not row or row[0] is None or row[1] is None:
        raise UserError("the database is not migrated: run `wedsync-analytics migrate` first")


def _lock_out_other_loads(conn: psycopg.Connection) -> None:
    """Hold a session advisory lock for the whole load (chunks commit one by one)."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOAD_LOCK_KEY,)).fetchone()
    if not row or not row[0]:
        raise UserError(
            "another load into this database is running; nothing done; "
            "wait for it to finish and run again"
        )


def _release_load_lock(conn: psycopg.Connection) -> None:
    """Release `_lock_out_other_loads`' lock (a lost connection releases it on the server)."""
    if not conn.closed and not conn.broken:
        with contextlib.suppress(psycopg.Error):
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOAD_LOCK_KEY,))


def _refuse(conn: psycopg.Connection, scenario: Scenario, tables: list[str]) -> None:
    last = conn.execute(
        "SELECT id, status, started_at FROM public.generation_runs WHERE fingerprint = %s "
        "ORDER BY id DESC LIMIT 1",
        (scenario.fingerprint,),
    ).fetchone()
    where = f"{len(tables)} tables already have rows (e.g. {tables[0]})"
    if last is not None:
        raise UserError(
            f"this scenario (scale {scenario.scale}, seed {scenario.seed}) was already loaded "
            f"(run {last[0]}, {last[1]}, {last[2]:%Y-%m-%d %H:%M}); {where}: "
            "nothing done; pass --replace to truncate and load again"
        )
    raise UserError(
        f"the database is not empty: {where}; nothing done; "
        "pass --replace to truncate the generated tables and load this scenario"
    )


# The columns of migration 0001's auth.users shim; Supabase's own table has many more.
SHIM_USERS_COLUMNS = frozenset(
    {"id", "email", "raw_app_meta_data", "raw_user_meta_data", "created_at", "updated_at"}
)


def _refuse_foreign_users(conn: psycopg.Connection) -> None:
    """Refuse to empty an auth.users that is not our shim (Supabase's own) and holds rows."""
    columns = {
        str(r[0])
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'auth.users'::regclass "
            "AND attnum > 0 AND NOT attisdropped"
        ).fetchall()
    }
    if columns == SHIM_USERS_COLUMNS:
        return
    row = conn.execute("SELECT count(*) FROM auth.users").fetchone()
    if row and row[0]:
        raise UserError(
            f"auth.users is not the shim of migration 0001 (Supabase's own table, {row[0]} rows): "
            "wedsync-analytics does not empty it; nothing done; load into a fresh database "
            "(a new Supabase project or branch), or remove the generated users yourself"
        )


def truncate_all(conn: psycopg.Connection) -> None:
    """Empty every generated table (CASCADE: rows referencing them go too).

    Refused when auth.users is Supabase's own table with rows: those are not ours to delete.
    """
    _refuse_foreign_users(conn)
    with conn.transaction():
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(qualified(t) for t in TABLES)
            )
        )


def _prefetch(source: Iterator[pl.DataFrame]) -> Iterator[tuple[pl.DataFrame, memoryview]]:
    """Build the next chunk (and its CSV) in a thread while the current one is copied."""

    def nxt() -> tuple[pl.DataFrame, memoryview] | None:
        df = next(source, None)
        return None if df is None else (df, to_csv(df))

    with ThreadPoolExecutor(max_workers=1) as pool:
        fut: Future[tuple[pl.DataFrame, memoryview] | None] = pool.submit(nxt)
        while True:
            item = fut.result()
            if item is None:
                return
            fut = pool.submit(nxt)
            yield item


def copy_csv(
    conn: psycopg.Connection,
    t: TableDef,
    columns: list[str],
    data: memoryview,
    freeze: bool = False,
) -> None:
    """COPY one chunk's CSV (`to_csv`) into `t` (the caller owns the transaction); `freeze`:
    rows written frozen (the table must be truncated in the same transaction)."""
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv{})").format(
        qualified(t),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(", FREEZE" if freeze else ""),
    )
    with conn.cursor() as cur, cur.copy(stmt) as cp:
        cp.write(data)


def copy_table(
    conn: psycopg.Connection,
    t: TableDef,
    frames: Iterator[pl.DataFrame],
    total: int,
    progress: Progress | None = None,
    *,
    frozen: bool = False,
) -> int:
    """COPY every chunk of `frames` into `t`, each in its own transaction; rows loaded.

    `frozen` (bulk mode, into an empty table): the whole table in one transaction that
    truncates it first, so every chunk is COPYed `FREEZE` (no hint bits or freezing left for
    the index builds, validation and later readers). TRUNCATE ... CASCADE also empties the
    tables referencing `t`: a bulk load's tables are all empty and those load later.
    """
    done = 0
    if progress:
        progress(t.name, 0, total)
    with ExitStack() as whole:
        if frozen:
            whole.enter_context(conn.transaction())
            conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(qualified(t)))
        for df, data in _prefetch(frames):
            # FREEZE needs the TRUNCATE in the same (sub)transaction: no savepoint per chunk
            with nullcontext() if frozen else conn.transaction():
                copy_csv(conn, t, df.columns, data, freeze=frozen)
            done += df.height
            if progress:
                progress(t.name, done, total)
    return done


def load_scenario(
    dsn: str,
    scenario: Scenario,
    *,
    replace: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
    bulk: bool | None = None,
) -> LoadSummary:
    """Generate `scenario` and COPY it into the (migrated) database at `dsn`."""
    malloc_policy.use(malloc_policy.STREAMING)
    w = World(scenario)

    def source(t: TableDef) -> tuple[int, Iterator[pl.DataFrame]]:
        total = t.count(w)
        return total, chunks(w, t, chunk_rows, total)

    # the World's caches are pure and idempotent: two lanes may share it (`_copy_tables`)
    return _load(dsn, scenario, source, replace=replace, progress=progress, bulk=bulk, streams=2)


def open_data(directory: str | Path) -> GeneratedData:
    """What `generate --out directory` wrote, checked whole (every part, file and checksum)."""
    return parts.open_data(Path(directory), [t.name for t in TABLES])


def load_data(
    dsn: str,
    data: GeneratedData,
    *,
    replace: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
    bulk: bool | None = None,
) -> LoadSummary:
    """COPY generated data (see `open_data`) into the (migrated) database at `dsn`.

    The rows, run record and checks are those of `load_scenario` for the same scenario.
    """
    malloc_policy.use(malloc_policy.STREAMING)

    def source(t: TableDef) -> tuple[int, Iterator[pl.DataFrame]]:
        return data.table_rows(t.name), _file_frames(data.files(t.name), chunk_rows)

    return _load(
        dsn, data.scenario, source, replace=replace, progress=progress, bulk=bulk, streams=2
    )


def _file_frames(paths: list[Path], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The rows of Parquet files in order, in chunks of at most `chunk_rows`."""
    for path in paths:
        with pq.ParquetFile(path) as pf:
            for batch in pf.iter_batches(batch_size=chunk_rows):
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                yield frame


def _load(
    dsn: str,
    scenario: Scenario,
    source: Source,
    *,
    replace: bool,
    progress: Progress | None,
    bulk: bool | None,
    streams: int = 1,
) -> LoadSummary:
    """The load both paths share: checks, run record, COPY of every table, bookkeeping.

    `bulk` None: bulk mode (see `bulk`) when the tables are empty, streaming otherwise.
    A bulk load COPYs the big tables on `streams` connections at once.
    """
    with connect(dsn, autocommit=True) as conn:
        _check_ready(conn)
        _lock_out_other_loads(conn)
        try:
            mark_dead_runs(conn)  # runs left 'running' by a killed load become 'interrupted'
            interrupted = bulk_mode.pending(conn)
            if interrupted and not replace:
                raise UserError(bulk_mode.pending_message(interrupted))
            busy = _non_empty(conn)
            if busy and not replace:
                _refuse(conn, scenario, busy)
            if busy or interrupted:
                truncate_all(conn)
                bulk_mode.restore(conn, interrupted)
            _loader_session(conn)
            row = conn.execute(
                "INSERT INTO public.generation_runs (fingerprint, scenario) VALUES (%s, %s) "
                "RETURNING id",
                (scenario.fingerprint, scenario.to_json()),
            ).fetchone()
            assert row is not None
            summary = LoadSummary(run_id=int(row[0]), scenario=scenario)
            summary.bulk = not busy if bulk is None else bulk
            status = "failed"
            try:
                deferred = bulk_mode.defer(conn, summary.run_id) if summary.bulk else []
                began = time.perf_counter()
                _copy_tables(dsn, conn, source, summary, progress, streams if summary.bulk else 1)
                conn.execute(
                    "SELECT setval('public.incident_number_seq', %s)",
                    (max(1, summary.rows["incidents"]),),
                )
                summary.phases["copy"] = time.perf_counter() - began
                if summary.bulk:
                    summary.phases |= bulk_mode.rebuild(
                        dsn, conn, summary.run_id, deferred, summary.rows
                    )
                status = "completed"
            except KeyboardInterrupt:
                status = "interrupted"
                raise Interrupted(
                    f"load interrupted: run {summary.run_id} is marked interrupted; the tables "
                    "hold the chunks committed so far; run `wedsync-analytics generate "
                    "--replace` to load it whole"
                ) from None
            finally:
                _finish(conn, summary, status)
            conn.execute("ANALYZE")
        finally:
            # released now, not when the server notices the closed connection: a load that
            # follows at once (after this one failed, was refused or ended) must not find it held
            _release_load_lock(conn)
    return summary


def _loader_session(conn: psycopg.Connection) -> None:
    conn.execute("SET wedsync.bulk_load = 'on'")
    conn.execute("SET synchronous_commit = off")


def _copy_tables(
    dsn: str,
    conn: psycopg.Connection,
    source: Source,
    summary: LoadSummary,
    progress: Progress | None,
    streams: int,
) -> None:
    """COPY every table; with `streams` > 1, the big tables on that many connections at once
    (see `bulk.copy_lanes`)."""

    big = {name.split(".")[-1] for name in bulk_mode.big_tables()} if summary.bulk else set()

    def copy_all(c: psycopg.Connection, tables: Iterable[TableDef]) -> None:
        for t in tables:
            started = time.perf_counter()
            total, frames = source(t)
            frozen = t.table in big
            summary.rows[t.name] = copy_table(c, t, frames, total, progress, frozen=frozen)
            summary.seconds[t.name] = time.perf_counter() - started

    if streams == 1:
        copy_all(conn, TABLES)
        return
    before, lanes, after = bulk_mode.copy_lanes(
        TABLES, {t.name: source(t)[0] for t in TABLES}, streams
    )
    copy_all(conn, before)
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        others = [stack.enter_context(connect(dsn, autocommit=True)) for _ in lanes[1:]]
        for other in others:
            _loader_session(other)
        running = [
            pool.submit(copy_all, c, lane) for c, lane in zip([conn, *others], lanes, strict=True)
        ]
        for done in running:
            done.result()
    copy_all(conn, after)
    summary.rows = {t.name: summary.rows[t.name] for t in TABLES}  # in load order
    summary.seconds = {t.name: summary.seconds[t.name] for t in TABLES}


def _finish(conn: psycopg.Connection, summary: LoadSummary, status: str) -> None:
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.execute(
            "UPDATE public.generation_runs SET status = %s, row_counts = %s, "
            "phase_seconds = %s, finished_at = clock_timestamp() WHERE id = %s",
            (status, json.dumps(summary.rows), json.dumps(summary.phases), summary.run_id),
        )
    except psycopg.Error:
        pass  # the connection is gone; the run stays 'running'
