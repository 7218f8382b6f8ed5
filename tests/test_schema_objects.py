"""Every table, enum, view and function the schema promises exists, with the spec's columns.

Also catalog-wide rules: foreign keys are indexed, foreign keys between tenant tables include
organization_id, SECURITY DEFINER functions pin search_path, and the migrations run where an
`auth` schema already exists (Supabase).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from tests.schema_expectations import (
    ADDED_TABLES,
    FUNCTIONS,
    LOADER_TABLES,
    SPEC_COLUMNS,
    SPEC_ENUMS,
    SPEC_TABLES,
    UNDEFINED_IN_SPEC_ENUMS,
)
from tests.test_schema_support import VIEWS, clone_template, drop_clone, module_database


@pytest.fixture(scope="module")
def catalog(pg_admin_dsn: str, template_dsn: str) -> Iterator[psycopg.Connection]:
    """One migrated database shared by the module's read-only tests."""
    yield from module_database(pg_admin_dsn, template_dsn)


def names(conn: psycopg.Connection, query: str, params: tuple = ()) -> set[str]:
    return {str(r[0]) for r in conn.execute(query, params).fetchall()}


def test_tables(catalog: psycopg.Connection) -> None:
    found = names(
        catalog,
        """SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                         AND tablename <> 'schema_migrations'""",
    )
    assert found == set(SPEC_TABLES) | set(ADDED_TABLES) | set(LOADER_TABLES)
    assert "users" in names(catalog, "SELECT tablename FROM pg_tables WHERE schemaname = 'auth'")


@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
def test_spec_columns_kept(catalog: psycopg.Connection, table: str) -> None:
    found = names(
        catalog,
        """SELECT column_name FROM information_schema.columns
                         WHERE table_schema = 'public' AND table_name = %s""",
        (table,),
    )
    missing = set(SPEC_COLUMNS[table]) - found
    assert not missing, f"{table} lost spec columns {sorted(missing)}"


def test_added_columns(catalog: psycopg.Connection) -> None:
    for table, column in [
        ("core_web_vitals", "inp_value"),
        ("core_web_vitals", "page_group"),
        ("error_reports", "fingerprint"),
        ("error_reports", "incident_id"),
        ("alert_history", "acknowledged_at"),
        ("incidents", "acknowledged_at"),
        ("incidents", "dedup_key"),
        ("alert_configurations", "base_threshold_value"),
    ]:
        row = catalog.execute(
            """SELECT is_nullable FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = %s AND column_name = %s""",
            (table, column),
        ).fetchone()
        assert row is not None, f"{table}.{column} missing"
    row = catalog.execute("""SELECT is_nullable FROM information_schema.columns
                        WHERE table_name = 'core_web_vitals' AND column_name = 'fid_value'""")
    assert row.fetchone() == ("YES",)


@pytest.mark.parametrize("enum", sorted(SPEC_ENUMS))
def test_spec_enums_exact(catalog: psycopg.Connection, enum: str) -> None:
    row = catalog.execute(
        """SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
           JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typname = %s""",
        (enum,),
    ).fetchone()
    assert row is not None and row[0] == SPEC_ENUMS[enum]


def test_enums_undefined_in_spec_exist(catalog: psycopg.Connection) -> None:
    found = names(
        catalog,
        """SELECT t.typname FROM pg_type t JOIN pg_namespace n
                         ON n.oid = t.typnamespace
                         WHERE n.nspname = 'public' AND t.typtype = 'e'""",
    )
    assert set(UNDEFINED_IN_SPEC_ENUMS) | {"app_role_type"} | set(SPEC_ENUMS) == found
    # The spec's column defaults must be members.
    catalog.execute("SELECT 'healthy'::sync_status_type, 'unknown'::service_status_type")


def test_views(catalog: psycopg.Connection) -> None:
    assert names(catalog, "SELECT viewname FROM pg_views WHERE schemaname = 'public'") == set(VIEWS)
    for view in VIEWS:
        definition = catalog.execute("SELECT pg_get_viewdef(%s::regclass)", (f"public.{view}",))
        text = (definition.fetchone() or ("",))[0].upper()
        assert "ORDER BY" not in text.replace("WITHIN GROUP (ORDER BY", ""), view
        catalog.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("public", view)))


@pytest.mark.parametrize("signature", FUNCTIONS)
def test_functions(catalog: psycopg.Connection, signature: str) -> None:
    row = catalog.execute("SELECT to_regprocedure(%s)", (signature,)).fetchone()
    assert row is not None and row[0] is not None, signature


def test_incident_number_sequence(catalog: psycopg.Connection) -> None:
    assert catalog.execute("SELECT to_regclass('public.incident_number_seq')").fetchone() != (None,)


def test_security_definer_functions_pin_search_path(catalog: psycopg.Connection) -> None:
    rows = catalog.execute(
        """SELECT p.proname, coalesce(p.proconfig, '{}') FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prosecdef"""
    ).fetchall()
    assert len(rows) >= 6
    for name, config in rows:
        assert 'search_path=""' in config, name


def test_every_foreign_key_is_indexed(catalog: psycopg.Connection) -> None:
    """Each FK's first column leads some index (cascades and joins)."""
    rows = catalog.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'
          AND NOT EXISTS (
            SELECT 1 FROM pg_index i
            WHERE i.indrelid = c.conrelid
              AND i.indkey[0] = c.conkey[1])
          -- user_id / created_by style references to auth.users are not indexed on the
          -- large tables on purpose (users are rarely deleted; see docs/schema.md).
          AND c.confrelid <> 'auth.users'::regclass
        ORDER BY 1, 2
        """
    ).fetchall()
    assert rows == []


def test_tenant_foreign_keys_include_organization(catalog: psycopg.Connection) -> None:
    """A foreign key between two tables with organization_id pairs the two organization_ids.

    FK checks ignore RLS: a single-column link would let a member of A point A's rows at
    B's (leaking that B's id exists; SECURITY DEFINER code following the link would act on
    B's row for A, or on A's rows for B). Global tables (no organization_id) are exempt.
    """
    rows = catalog.execute(
        """
        WITH fk AS (
          SELECT c.conrelid::regclass::text AS child, c.conname,
                 c.confrelid::regclass::text AS parent,
                 array_position(c.conkey, ca.attnum) AS child_pos,
                 array_position(c.confkey, pa.attnum) AS parent_pos
          FROM pg_constraint c
          JOIN pg_attribute ca ON ca.attrelid = c.conrelid
           AND ca.attname = 'organization_id' AND NOT ca.attisdropped
          JOIN pg_attribute pa ON pa.attrelid = c.confrelid
           AND pa.attname = 'organization_id' AND NOT pa.attisdropped
          WHERE c.contype = 'f')
        SELECT child, conname, parent, child_pos, parent_pos FROM fk ORDER BY 1, 2
        """
    ).fetchall()
    assert len(rows) >= 13, rows  # the check must see the tenant links
    bad = [r[:3] for r in rows if r[3] is None or r[3] != r[4]]
    assert bad == [], f"tenant foreign keys without organization_id on both sides: {bad}"


def test_indexes_valid_and_spec_indexes_present(catalog: psycopg.Connection) -> None:
    invalid = catalog.execute(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"
    )
    assert invalid.fetchall() == []
    found = names(catalog, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    for index in [
        "idx_error_reports_severity_time",
        "idx_error_reports_wedding_context",
        "idx_performance_metrics_timestamp",
        "idx_performance_metrics_service_type",
        "idx_business_events_funnel",
        "idx_business_events_revenue",
        "idx_incidents_active",
        "idx_incidents_wedding_impact",
        "idx_alert_history_active",
        "idx_perf_metrics_user_journey",
        "incidents_open_dedup_key",
    ]:
        assert index in found, index


def test_roles(catalog: psycopg.Connection) -> None:
    rows = dict(
        catalog.execute(
            """SELECT rolname, rolbypassrls FROM pg_roles
           WHERE rolname IN ('anon', 'authenticated', 'service_role')"""
        ).fetchall()
    )
    assert rows == {"anon": False, "authenticated": False, "service_role": True}


def test_auth_functions_read_claims(catalog: psycopg.Connection) -> None:
    with catalog.transaction(force_rollback=True):
        catalog.execute("""SELECT set_config('request.jwt.claims',
                      '{"sub": "8f1c6d1e-0000-4000-8000-000000000001", "role": "authenticated"}',
                      true)""")
        row = catalog.execute("SELECT auth.uid()::text, auth.jwt()->>'role'").fetchone()
        assert row == ("8f1c6d1e-0000-4000-8000-000000000001", "authenticated")


def test_migrations_keep_an_existing_auth_schema(pg_admin_dsn: str, template_dsn: str) -> None:
    """On Supabase `auth` exists: the shim must leave it alone (and roles already exist)."""
    from wedsync_analytics.migrations import apply_migrations

    name, dsn = clone_template(pg_admin_dsn, "postgresql:///template0")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("""
                CREATE SCHEMA auth;
                CREATE TABLE auth.users (id uuid PRIMARY KEY, supabase_marker text);
                CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
                  AS $$ SELECT NULL::uuid $$;
                CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE
                  AS $$ SELECT '{}'::jsonb $$;
            """)
        applied = apply_migrations(dsn)
        assert applied[0].startswith("0001") and len(applied) >= 12
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute("""SELECT count(*) FROM information_schema.columns
                                  WHERE table_schema = 'auth' AND table_name = 'users'
                                    AND column_name = 'supabase_marker'""").fetchone()
            assert row == (1,)
    finally:
        drop_clone(pg_admin_dsn, name)
