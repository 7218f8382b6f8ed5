"""A skipped PostgreSQL is not agreement; a lost connection is not a mismatch; an
unmigrated database is not an export of 0 tables."""

from __future__ import annotations

from pathlib import Path

import psycopg

from conftest import TEMPLATE, create_database, drop_database
from tests.cli_support import assert_one_line_error, run_cli
from tests.robust_support import AS_OF, small_export, spawn_cli, wait_for_lock_wait


def test_another_database_fails_with_exit_3_naming_the_source(
    db: psycopg.Connection, db_dsn: str, pg_admin_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    other = create_database(pg_admin_dsn, "wsa_robust_other", template=TEMPLATE)
    try:
        done = run_cli("validate", "--data", str(out), "--dsn", other)
    finally:
        drop_database(pg_admin_dsn, "wsa_robust_other")
    assert done.returncode == 3, done.stdout + done.stderr
    assert_one_line_error(done, "postgres not compared", "is not the exported one", "--no-postgres")
    source = psycopg.conninfo.conninfo_to_dict(db_dsn)
    assert f"pass --dsn postgresql://postgres@127.0.0.1:{source['port']}/{source['dbname']}" in (
        done.stderr
    )
    assert "all engines agree" not in done.stdout


def test_an_unmigrated_database_fails_with_exit_3(
    db: psycopg.Connection, db_dsn: str, empty_db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    done = run_cli("validate", "--data", str(out), "--dsn", empty_db_dsn)
    assert done.returncode == 3, done.stdout + done.stderr
    assert_one_line_error(done, "postgres not compared", "not migrated", "pass --dsn")


def test_no_postgres_is_an_explicit_choice(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    done = run_cli("validate", "--data", str(out), "--no-postgres", "--as-of", AS_OF.isoformat())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all engines agree" in done.stdout


def test_export_from_an_unmigrated_database_is_the_line_generate_gives(
    empty_db_dsn: str, tmp_path: Path
) -> None:
    exported = run_cli("export", "--out", str(tmp_path / "x"), "--dsn", empty_db_dsn)
    generated = run_cli("generate", "--scale", "tiny", "--dsn", empty_db_dsn)
    line = "the database is not migrated: run `wedsync-analytics migrate` first"
    assert_one_line_error(exported, line)
    assert_one_line_error(generated, line)
    assert not (tmp_path / "x").exists()


def test_a_lost_connection_is_not_a_mismatch(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    """The server ends validate's session mid-run (as `db stop` does, by SIGTERM to it)."""
    out = small_export(db, db_dsn, tmp_path / "export")
    with psycopg.connect(db_dsn) as holder:
        holder.execute("LOCK TABLE public.performance_metrics IN ACCESS EXCLUSIVE MODE")
        proc = spawn_cli(
            *("validate", "--data", str(out), "--dsn", db_dsn, "--as-of", AS_OF.isoformat()),
            env={"PGAPPNAME": "wsa-validate-under-test"},
        )
        try:
            pid = wait_for_lock_wait(db, "wsa-validate-under-test")
            db.execute("SELECT pg_terminate_backend(%s)", (pid,))
            stdout, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        holder.rollback()
    assert proc.returncode == 4, stdout + stderr
    assert "MISMATCH" not in stdout and "all engines agree" not in stdout
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "lost the connection to PostgreSQL" in lines[0], stderr
