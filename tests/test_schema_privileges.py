"""Under Supabase's default privileges, the API roles get only what the schema grants."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from wedsync_analytics.migrations import apply_migrations

# What Supabase sets up for objects that the migrating role creates in `public`.
SUPABASE_DEFAULTS = """
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
"""


@pytest.fixture
def supabase_like(empty_db_dsn: str, template_dsn: str) -> Iterator[psycopg.Connection]:
    """A database migrated after Supabase's default privileges were set (roles exist)."""
    with psycopg.connect(empty_db_dsn, autocommit=True) as conn:
        conn.execute(SUPABASE_DEFAULTS.encode())
    apply_migrations(empty_db_dsn)
    with psycopg.connect(empty_db_dsn, autocommit=True) as conn:
        yield conn


def _has(conn: psycopg.Connection, query: str, *args: str) -> bool:
    row = conn.execute(query, args).fetchone()
    return bool(row and row[0])


def test_bookkeeping_is_closed_to_the_api(supabase_like: psycopg.Connection) -> None:
    conn = supabase_like
    for role in ("anon", "authenticated"):
        for table in ("public.schema_migrations", "public.generation_runs"):
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"):
                assert not _has(
                    conn, "SELECT has_table_privilege(%s, %s, %s)", role, table, privilege
                ), f"{role} has {privilege} on {table}"
    rls = conn.execute(
        "SELECT relrowsecurity FROM pg_class WHERE oid = 'public.schema_migrations'::regclass"
    ).fetchone()
    assert rls == (True,)


def test_sequences_cannot_be_rewound_by_the_api(supabase_like: psycopg.Connection) -> None:
    conn = supabase_like
    sequences = [
        r[0]
        for r in conn.execute(
            "SELECT c.oid::regclass::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = 'public'"
        ).fetchall()
    ]
    assert "incident_number_seq" in sequences
    for sequence in sequences:
        for role in ("anon", "authenticated"):
            assert not _has(
                conn, "SELECT has_sequence_privilege(%s, %s, 'UPDATE')", role, sequence
            ), f"{role} can setval {sequence}"
    assert _has(
        conn, "SELECT has_sequence_privilege('authenticated', 'incident_number_seq', 'USAGE')"
    )
