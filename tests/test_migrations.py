"""The migration runner: ordering, checksums, transactions, the non-transactional marker."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from wedsync_analytics.errors import UserError
from wedsync_analytics.migrations import apply_migrations, load_migrations, status


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    _write(tmp_path, "0001_create.sql", "CREATE TABLE t (id int PRIMARY KEY, v text);\n")
    _write(
        tmp_path,
        "0002_fill.sql",
        "INSERT INTO t VALUES (1, 'a');\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\n",
    )
    _write(
        tmp_path,
        "0003_index.sql",
        "-- wedsync:no-transaction\n"
        "-- builds without blocking writers\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v);\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v2 ON t (v, id); -- trailing comment\n",
    )
    return tmp_path


def test_fresh_apply_then_rerun_is_a_noop(empty_db_dsn: str, migrations_dir: Path) -> None:
    assert apply_migrations(empty_db_dsn, migrations_dir) == [
        "0001_create",
        "0002_fill",
        "0003_index",
    ]
    assert apply_migrations(empty_db_dsn, migrations_dir) == []
    with psycopg.connect(empty_db_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        indexes = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 't' ORDER BY 1"
        ).fetchall()
        assert [r[0] for r in indexes] == ["t_pkey", "t_v", "t_v2"]
        recorded = conn.execute(
            "SELECT name, checksum FROM schema_migrations ORDER BY version"
        ).fetchall()
    assert recorded == [(m.name, m.checksum) for m in load_migrations(migrations_dir)]


def test_statements_split_only_at_line_ends(migrations_dir: Path) -> None:
    index = load_migrations(migrations_dir)[2]
    assert not index.transactional
    assert index.statements() == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v)",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v2 ON t (v, id)",
    ]
    assert load_migrations(migrations_dir)[1].transactional


def test_tampered_migration_is_refused(empty_db_dsn: str, migrations_dir: Path) -> None:
    apply_migrations(empty_db_dsn, migrations_dir)
    _write(migrations_dir, "0001_create.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n")
    with pytest.raises(UserError, match=r"0001_create\.sql changed after it was applied"):
        apply_migrations(empty_db_dsn, migrations_dir)
    with pytest.raises(UserError, match="changed after it was applied"):
        status(empty_db_dsn, migrations_dir)


def test_failed_migration_leaves_nothing_behind(empty_db_dsn: str, migrations_dir: Path) -> None:
    _write(
        migrations_dir,
        "0004_broken.sql",
        "CREATE TABLE half (id int);\nINSERT INTO missing_table VALUES (1);\n",
    )
    with pytest.raises(UserError, match=r"0004_broken\.sql failed: .*missing_table"):
        apply_migrations(empty_db_dsn, migrations_dir)
    with psycopg.connect(empty_db_dsn) as conn:
        assert conn.execute("SELECT to_regclass('half')").fetchone() == (None,)
        versions = conn.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    assert [v[0] for v in versions] == [1, 2, 3]


def test_status_lists_applied_and_pending(empty_db_dsn: str, migrations_dir: Path) -> None:
    assert [s.applied_at for s in status(empty_db_dsn, migrations_dir)] == [None, None, None]
    apply_migrations(empty_db_dsn, migrations_dir)
    _write(migrations_dir, "0004_more.sql", "ALTER TABLE t ADD COLUMN w int;\n")
    states = status(empty_db_dsn, migrations_dir)
    assert [s.migration.name for s in states if s.applied_at is None] == ["0004_more"]
    assert all(s.applied_at is not None for s in states[:3])


def test_bad_file_names_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "1_create.sql", "SELECT 1;\n")
    with pytest.raises(UserError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)


def test_project_migrations_apply_and_rerun_is_a_noop(db_dsn: str) -> None:
    """The real migrations, already applied to the template, have nothing left to do."""
    assert apply_migrations(db_dsn) == []
    states = status(db_dsn)
    assert states and all(s.applied_at is not None for s in states)
    assert any(not s.migration.transactional for s in states)
