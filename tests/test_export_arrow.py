"""Arrow transfer (`arrow_transfer`, ADBC): our DSNs connect, the exported snapshot is the one
read, values Parquet cannot hold are refused in one line, a stopped read leaves no COPY."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from wedsync_analytics import arrow_transfer
from wedsync_analytics.errors import UserError
from wedsync_analytics.export import export_database
from wedsync_analytics.export.arrow_stream import record_batches


def _keyword_dsn(dsn: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    return " ".join(f"{k}={v}" for k, v in info.items())


def test_uri_and_keyword_dsns_connect_with_their_passfile(db_dsn: str) -> None:
    assert "passfile=" in db_dsn  # the server asks every connection for its password
    for dsn in (db_dsn, _keyword_dsn(db_dsn)):
        with arrow_transfer.adbc_connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_database()")
            assert cur.fetchone() == (psycopg.conninfo.conninfo_to_dict(db_dsn)["dbname"],)
    bad = db_dsn.replace("passfile=", "passfile=/nonexistent")
    with pytest.raises(UserError, match="cannot connect to"):
        arrow_transfer.adbc_connect(bad)


def test_the_arrow_read_sees_the_exported_snapshot(db: psycopg.Connection, db_dsn: str) -> None:
    db.execute("CREATE TABLE public.counted (n int)")
    db.execute("INSERT INTO public.counted VALUES (1)")
    with psycopg.connect(db_dsn) as holder:
        holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        row = holder.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        db.execute("INSERT INTO public.counted VALUES (2)")  # after the snapshot
        with arrow_transfer.adbc_connect(db_dsn) as conn:
            arrow_transfer.in_snapshot(conn, str(row[0]))
            rows = sum(b.num_rows for b in record_batches(conn, "SELECT n FROM counted", 1 << 20))
    assert rows == 1


def test_a_stopped_read_cancels_its_copy(db: psycopg.Connection, db_dsn: str) -> None:
    with arrow_transfer.adbc_connect(db_dsn) as conn:
        batches = record_batches(
            conn, "SELECT g, repeat('x', 100) FROM generate_series(1, 2000000) g", 4096
        )
        next(batches)
        batches.close()  # the consumer stops early: the statement is cancelled
        with conn.cursor() as cur:  # and the connection is usable again
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)


def test_infinite_timestamps_are_refused_in_one_line(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    db.execute("CREATE TABLE public.endless (at timestamptz)")
    db.execute("INSERT INTO public.endless VALUES (now()), ('infinity')")
    with pytest.raises(UserError, match=r"table endless, column at: a timestamp of \+-infinity"):
        export_database(db_dsn, tmp_path / "out", ["endless"])
    assert list(tmp_path.iterdir()) == []
