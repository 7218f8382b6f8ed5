"""Bulk-load mode: the same rows and the same catalog as the streaming load, and an
interrupted bulk load that says so and is repaired by `--replace`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from conftest import create_database, drop_database
from tests.cli_support import assert_one_line_error, run_cli
from tests.test_load_data import checksums
from wedsync_analytics import bulk
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import LOAD_LOCK_KEY, load_data, load_scenario, open_data
from wedsync_analytics.runs import IncompleteLoad, check_load

CATALOG = """
SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid::text
FROM pg_index JOIN pg_class ON pg_class.oid = indrelid
WHERE relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid),
       convalidated::text
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid),
       tgenabled::text
FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1, 2
"""


def catalog(dsn: str) -> list[tuple[str, ...]]:
    """Indexes, constraints and triggers of schema public, with definitions and state."""
    with psycopg.connect(dsn) as conn:
        return [tuple(r) for r in conn.execute(CATALOG).fetchall()]


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return build_scenario("tiny", seed=5, market="us", days=4)


def test_bulk_load_equals_streaming_load(  # type: ignore[no-untyped-def]
    db_dsn: str, pg_admin_dsn: str, scenario
) -> None:
    before = catalog(db_dsn)
    with psycopg.connect(db_dsn) as conn:
        dropped = bulk.deferrable(conn, bulk.big_tables())
    kinds = {d.kind for d in dropped}
    assert kinds == {"index", "foreign_key"}, "the big tables have indexes and keys to defer"
    summary = load_scenario(db_dsn, scenario, bulk=True, chunk_rows=700)
    assert summary.bulk and set(summary.phases) == {"copy", "indexes", "validation"}
    other = create_database(pg_admin_dsn, "wsa_test_streaming", template="wsa_test_template")
    try:
        streamed = load_scenario(other, scenario, bulk=False, chunk_rows=700)
        assert not streamed.bulk and set(streamed.phases) == {"copy"}
        assert checksums(db_dsn) == checksums(other)
        assert catalog(db_dsn) == catalog(other) == before
    finally:
        drop_database(pg_admin_dsn, "wsa_test_streaming")
    with psycopg.connect(db_dsn) as conn:
        run = conn.execute("SELECT status, deferred, phase_seconds FROM generation_runs").fetchall()
    assert len(run) == 1 and run[0][0] == "completed" and run[0][1] == []
    assert set(run[0][2]) == {"copy", "indexes", "validation"}


def test_bulk_is_the_default_into_an_empty_database(db_dsn: str, scenario) -> None:  # type: ignore[no-untyped-def]
    assert load_scenario(db_dsn, scenario).bulk
    assert not load_scenario(db_dsn, scenario, replace=True).bulk
    assert load_scenario(db_dsn, scenario, replace=True, bulk=True).bulk


def _wait_for(dsn: str, query: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            try:
                row = conn.execute(query, {"key": LOAD_LOCK_KEY}).fetchone()
            except psycopg.errors.DeadlockDetected:
                continue  # with the load dropping indexes: the server chose this query
            if row and row[0]:
                return True
            time.sleep(0.02)
    return False


def test_killed_bulk_load_says_so_and_replace_restores(db_dsn: str, tmp_path: Path) -> None:
    before = catalog(db_dsn)
    args = ["generate", "--scale", "tiny", "--seed", "6", "--days", "60", "--chunk-rows", "100"]
    env = dict(os.environ)
    env.pop("WEDSYNC_DSN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "wedsync_analytics", *args, "--dsn", db_dsn],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        mid_load = _wait_for(
            db_dsn,
            "SELECT EXISTS (SELECT 1 FROM generation_runs WHERE deferred <> '[]') "
            "AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE state <> 'idle' "
            "AND query LIKE 'COPY %%performance_metrics%%FREEZE%%')",  # mid-COPY, frozen
            60,
        )
        assert proc.poll() is None, "the load ended before it could be killed"
        assert mid_load
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _wait_for(
        db_dsn,
        "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
        "AND objid = %(key)s)",
        30,
    )
    assert catalog(db_dsn) != before  # indexes and keys are missing ...
    with psycopg.connect(db_dsn) as conn:
        runs = bulk.pending(conn)  # ... and the database says which
    assert len(runs) == 1 and {i.kind for i in runs[0][1]} == {"index", "foreign_key"}
    missing = set(before) - set(catalog(db_dsn))
    assert {row[1].split(".")[-1] for row in missing} == {i.name.split(".")[-1] for i in runs[0][1]}
    exported = run_cli("export", "--out", str(tmp_path / "export"), "--dsn", db_dsn)
    assert_one_line_error(exported, "is interrupted, and run 1's bulk load left", "not rebuilt")
    assert not (tmp_path / "export").exists()
    with (
        psycopg.connect(db_dsn, autocommit=True) as conn,
        pytest.raises(
            IncompleteLoad, match=r"foreign keys missing \(not rebuilt\).*validate it as it is"
        ),
    ):
        check_load(conn, allow_incomplete=False, command="validate")
    done = run_cli(*args, "--dsn", db_dsn)
    assert_one_line_error(done, "interrupted bulk load", "--replace")
    with pytest.raises(UserError, match="interrupted bulk load"):
        load_scenario(db_dsn, build_scenario("tiny", seed=6))
    done = run_cli(*args[:7], "--replace", "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    assert catalog(db_dsn) == before
    with psycopg.connect(db_dsn) as conn:
        assert bulk.pending(conn) == []
        statuses = conn.execute("SELECT status FROM generation_runs ORDER BY id").fetchall()
    assert statuses == [("interrupted",), ("completed",)]


def test_generate_bulk_flag_is_for_database_loads(tmp_path: Path) -> None:
    done = run_cli("generate", "--scale", "tiny", "--out", str(tmp_path / "o"), "--no-bulk")
    assert_one_line_error(done, "--bulk/--no-bulk")


def test_bulk_load_data_on_two_streams_keeps_the_catalog(db_dsn: str, tmp_path: Path) -> None:
    before = catalog(db_dsn)
    out = tmp_path / "data"
    write_parquet(build_scenario("tiny", seed=9, days=3), out, chunk_rows=400, parts=1, workers=1)
    summary = load_data(db_dsn, open_data(out), chunk_rows=300)
    assert summary.bulk and list(summary.rows) == [t.name for t in TABLES]
    assert catalog(db_dsn) == before


def test_replace_refuses_to_empty_a_supabase_auth_users(db_dsn: str, scenario) -> None:  # type: ignore[no-untyped-def]
    """On Supabase auth.users is theirs (more columns than our shim): --replace leaves it alone."""
    load_scenario(db_dsn, scenario)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE auth.users ADD COLUMN aud varchar(255)")
        before = conn.execute("SELECT count(*) FROM auth.users").fetchone()
    with pytest.raises(UserError, match=r"auth\.users is not the shim"):
        load_scenario(db_dsn, scenario, replace=True)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM auth.users").fetchone() == before
        assert before is not None and before[0] > 0
